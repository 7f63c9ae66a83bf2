"""Write the bundled sample captures: small, deterministic lab sessions.

Packets are built byte by byte (not captured live) with fixed timestamps, so running
this script reproduces the committed files exactly (tests/test_diff_samples.py checks).

    python captures/samples/make_samples.py [OUTDIR]

Also holds the tiny pcap/pcapng writers the test generators share: they are written
here, not taken from `captures/`, so the readers under test never read their own output.
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
LINKTYPE_ETHERNET = 1
BASE_TS_US = 1_700_000_000 * 1_000_000  # 2023-11-14 22:13:20 UTC

#: A record: (timestamp in microseconds, captured bytes, original length or None).
Record = tuple[int, bytes, int | None]


# --- writers -----------------------------------------------------------------------------


def pcap_bytes(
    records: Iterable[Record], linktype: int = LINKTYPE_ETHERNET, snaplen: int = 262144
) -> bytes:
    """Classic little-endian microsecond pcap."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype)]
    for ts, data, orig in records:
        sec, usec = divmod(ts, 1_000_000)
        out.append(struct.pack("<IIII", sec, usec, len(data), orig or len(data)))
        out.append(data)
    return b"".join(out)


def _block(btype: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    n = len(body) + 12
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def _opt(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def pcapng_bytes(
    records: Iterable[Record],
    linktype: int = LINKTYPE_ETHERNET,
    snaplen: int = 262144,
    comment: str = "",
) -> bytes:
    """Little-endian pcapng: one SHB, one IDB (microsecond resolution), EPBs."""
    shb_opts = (_opt(1, comment.encode()) if comment else b"") + _opt(4, b"labshark samples")
    shb_opts += _opt(0, b"")
    out = [_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + shb_opts)]
    idb_opts = _opt(2, b"lab0") + _opt(9, b"\x06") + _opt(0, b"")
    out.append(_block(1, struct.pack("<HHI", linktype, 0, snaplen) + idb_opts))
    for ts, data, orig in records:
        body = struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(data), orig or len(data))
        out.append(_block(6, body + data))
    return b"".join(out)


def write_capture(path: str | Path, records: Sequence[Record], fmt: str = "pcap") -> Path:
    """Write `records` as pcap or pcapng; returns the path."""
    p = Path(path)
    data = pcapng_bytes(records) if fmt == "pcapng" else pcap_bytes(records)
    p.write_bytes(data)
    return p


# --- packet building (plain struct, no scapy: the samples must not depend on it) --------


def _csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac(text: str) -> bytes:
    return bytes.fromhex(text.replace(":", ""))


def ip4(text: str) -> bytes:
    return bytes(int(x) for x in text.split("."))


def ether(dst: str, src: str, etype: int, payload: bytes) -> bytes:
    return mac(dst) + mac(src) + struct.pack("!H", etype) + payload


def ipv4(
    src: str, dst: str, proto: int, payload: bytes, ident: int, ttl: int = 64, df: bool = True
) -> bytes:
    hdr = struct.pack(
        "!BBHHHBBH4s4s",
        0x45,
        0,
        20 + len(payload),
        ident,
        0x4000 if df else 0,
        ttl,
        proto,
        0,
        ip4(src),
        ip4(dst),
    )
    hdr = hdr[:10] + struct.pack("!H", _csum(hdr)) + hdr[12:]
    return hdr + payload


def udp(src: str, dst: str, sport: int, dport: int, data: bytes) -> bytes:
    n = 8 + len(data)
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 17, n)
    hdr = struct.pack("!HHHH", sport, dport, n, 0)
    c = _csum(pseudo + hdr + data) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, n, c) + data


def tcp(
    src: str,
    dst: str,
    sport: int,
    dport: int,
    seq: int,
    ack: int,
    flags: int,
    data: bytes = b"",
    window: int = 64240,
    mss: int | None = None,
) -> bytes:
    opts = struct.pack("!BBH", 2, 4, mss) if mss else b""
    off = (20 + len(opts)) // 4
    hdr = (
        struct.pack(
            "!HHIIBBHHH",
            sport,
            dport,
            seq & 0xFFFFFFFF,
            ack & 0xFFFFFFFF,
            off << 4,
            flags,
            window,
            0,
            0,
        )
        + opts
    )
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 6, len(hdr) + len(data))
    c = _csum(pseudo + hdr + data)
    return hdr[:16] + struct.pack("!H", c) + hdr[18:] + data


def icmp_echo(kind: int, ident: int, seq: int, data: bytes) -> bytes:
    hdr = struct.pack("!BBHHH", kind, 0, 0, ident, seq)
    c = _csum(hdr + data)
    return struct.pack("!BBHHH", kind, 0, c, ident, seq) + data


def arp(op: int, smac: str, sip: str, tmac: str, tip: str) -> bytes:
    return struct.pack(
        "!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, mac(smac), ip4(sip), mac(tmac), ip4(tip)
    )


def dns_name(name: str) -> bytes:
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".") if p) + b"\0"


def dns_query(ident: int, name: str, qtype: int = 1) -> bytes:
    return (
        struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0)
        + dns_name(name)
        + struct.pack("!HH", qtype, 1)
    )


def dns_answer_a(ident: int, name: str, addr: str, ttl: int = 300) -> bytes:
    q = dns_name(name) + struct.pack("!HH", 1, 1)
    rr = struct.pack("!HHHIH", 0xC00C, 1, 1, ttl, 4) + ip4(addr)
    return struct.pack("!HHHHHH", ident, 0x8180, 1, 1, 0, 0) + q + rr


# --- the lab session ---------------------------------------------------------------------

PC_MAC, SRV_MAC, GW_MAC, BCAST = (
    "00:11:22:33:44:55",
    "08:00:27:aa:bb:01",
    "52:54:00:12:35:02",
    "ff:ff:ff:ff:ff:ff",
)
PC, SRV, GW, LAN_BCAST = "192.168.56.10", "192.168.56.20", "192.168.56.1", "192.168.56.255"

# IP Messenger commands (the low byte is the mode, the rest option flags).
IPMSG_BR_ENTRY, IPMSG_ANSENTRY, IPMSG_SENDMSG, IPMSG_RECVMSG = 0x01, 0x03, 0x20, 0x21
IPMSG_SENDCHECKOPT = 0x100
FEIQ_VERSION = "1_lbt6_0#128#001122334455#0#0#0#4001#9"


class Lab:
    """Accumulates frames between two hosts on a lab LAN with a running clock."""

    def __init__(self) -> None:
        self.records: list[Record] = []
        self.t = BASE_TS_US
        self.ip_id = {PC: 0x1000, SRV: 0x5000, GW: 0x7000}

    def add(self, frame: bytes, gap_us: int = 1000, orig: int | None = None) -> None:
        self.t += gap_us
        self.records.append((self.t, frame, orig))

    def ip(
        self,
        src: str,
        dst: str,
        proto: int,
        payload: bytes,
        dmac: str | None = None,
        df: bool = True,
        gap_us: int = 1000,
    ) -> None:
        smac = {PC: PC_MAC, SRV: SRV_MAC, GW: GW_MAC}[src]
        if dmac is None:
            dmac = {PC: PC_MAC, SRV: SRV_MAC, GW: GW_MAC}.get(dst, BCAST)
        self.ip_id[src] += 1
        self.add(
            ether(dmac, smac, 0x0800, ipv4(src, dst, proto, payload, self.ip_id[src], df=df)),
            gap_us,
        )

    def udp(
        self, src: str, dst: str, sport: int, dport: int, data: bytes, gap_us: int = 1000
    ) -> None:
        self.ip(src, dst, 17, udp(src, dst, sport, dport, data), df=False, gap_us=gap_us)


def arp_exchange(lab: Lab) -> None:
    lab.add(ether(BCAST, PC_MAC, 0x0806, arp(1, PC_MAC, PC, "00:00:00:00:00:00", SRV)))
    lab.add(ether(PC_MAC, SRV_MAC, 0x0806, arp(2, SRV_MAC, SRV, PC_MAC, PC)))


def ping(lab: Lab, count: int = 3) -> None:
    payload = bytes(range(0x10, 0x38))
    for seq in range(1, count + 1):
        lab.ip(PC, SRV, 1, icmp_echo(8, 0x1234, seq, payload), gap_us=200_000)
        lab.ip(SRV, PC, 1, icmp_echo(0, 0x1234, seq, payload), gap_us=350)


def dns(lab: Lab) -> None:
    lab.udp(PC, GW, 53001, 53, dns_query(0x2A01, "server.lab"))
    lab.udp(GW, PC, 53, 53001, dns_answer_a(0x2A01, "server.lab", SRV), gap_us=2500)


def http(lab: Lab) -> None:
    cport, isn_c, isn_s = 41000, 0x1000_0000, 0x6000_0000
    syn, ack, psh, fin = 0x02, 0x10, 0x08, 0x01
    lab.ip(PC, SRV, 6, tcp(PC, SRV, cport, 80, isn_c, 0, syn, mss=1460))
    lab.ip(SRV, PC, 6, tcp(SRV, PC, 80, cport, isn_s, isn_c + 1, syn | ack, mss=1460), gap_us=300)
    lab.ip(PC, SRV, 6, tcp(PC, SRV, cport, 80, isn_c + 1, isn_s + 1, ack), gap_us=200)
    req = (
        b"GET /index.html HTTP/1.1\r\nHost: server.lab\r\n"
        b"User-Agent: labshark-sample/1.0\r\nAccept: */*\r\n\r\n"
    )
    lab.ip(PC, SRV, 6, tcp(PC, SRV, cport, 80, isn_c + 1, isn_s + 1, psh | ack, req), gap_us=500)
    body = b"<html><body><h1>Lab server</h1><p>It works.</p></body></html>\n"
    resp = (
        b"HTTP/1.1 200 OK\r\nServer: lab\r\nContent-Type: text/html\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    c_next = isn_c + 1 + len(req)
    lab.ip(SRV, PC, 6, tcp(SRV, PC, 80, cport, isn_s + 1, c_next, ack), gap_us=300)
    lab.ip(SRV, PC, 6, tcp(SRV, PC, 80, cport, isn_s + 1, c_next, psh | ack, resp), gap_us=400)
    s_next = isn_s + 1 + len(resp)
    lab.ip(PC, SRV, 6, tcp(PC, SRV, cport, 80, c_next, s_next, ack), gap_us=300)
    lab.ip(PC, SRV, 6, tcp(PC, SRV, cport, 80, c_next, s_next, fin | ack), gap_us=5000)
    lab.ip(SRV, PC, 6, tcp(SRV, PC, 80, cport, s_next, c_next + 1, fin | ack), gap_us=300)
    lab.ip(PC, SRV, 6, tcp(PC, SRV, cport, 80, c_next + 1, s_next + 1, ack), gap_us=200)


def chat(lab: Lab) -> None:
    for i, (src, dst, text) in enumerate(
        [
            (PC, SRV, "hello from alice"),
            (SRV, PC, "hi alice, this is the server"),
            (PC, SRV, "bye"),
        ]
    ):
        sport = 5000 if src == SRV else 40000
        dport = 5000 if dst == SRV else 40000
        lab.udp(src, dst, sport, dport, text.encode(), gap_us=100_000 + i)


def tftp_rrq(
    lab: Lab,
    name: str = "notes.txt",
    size: int = 1300,
    options: dict[str, str] | None = None,
    client_port: int = 50123,
    server_port: int = 34567,
) -> None:
    """RRQ to port 69, DATA from the server's new port, ACKs; last block short."""
    req = struct.pack("!H", 1) + name.encode() + b"\0octet\0"
    for k, v in (options or {}).items():
        req += k.encode() + b"\0" + v.encode() + b"\0"
    lab.udp(PC, SRV, client_port, 69, req, gap_us=50_000)
    blksize = 512
    if options:
        blksize = int(options.get("blksize", "512"))
        oack = struct.pack("!H", 6)
        for k, v in options.items():
            v = str(size) if k == "tsize" else v
            oack += k.encode() + b"\0" + v.encode() + b"\0"
        lab.udp(SRV, PC, server_port, client_port, oack)
        lab.udp(PC, SRV, client_port, server_port, struct.pack("!HH", 4, 0))
    content = bytes((i * 7 + 13) % 94 + 32 for i in range(size))
    block = 1
    while True:
        chunk = content[(block - 1) * blksize : block * blksize]
        lab.udp(SRV, PC, server_port, client_port, struct.pack("!HH", 3, block) + chunk)
        lab.udp(PC, SRV, client_port, server_port, struct.pack("!HH", 4, block), gap_us=300)
        if len(chunk) < blksize:
            break
        block += 1


def tftp_wrq(
    lab: Lab,
    name: str = "upload.bin",
    size: int = 700,
    client_port: int = 50200,
    server_port: int = 40001,
) -> None:
    """WRQ to port 69, ACK 0 from the server's new port, DATA from the client."""
    lab.udp(
        PC, SRV, client_port, 69, struct.pack("!H", 2) + name.encode() + b"\0octet\0", gap_us=50_000
    )
    lab.udp(SRV, PC, server_port, client_port, struct.pack("!HH", 4, 0))
    content = bytes(i % 251 for i in range(size))
    block = 1
    while True:
        chunk = content[(block - 1) * 512 : block * 512]
        lab.udp(PC, SRV, client_port, server_port, struct.pack("!HH", 3, block) + chunk)
        lab.udp(SRV, PC, server_port, client_port, struct.pack("!HH", 4, block), gap_us=300)
        if len(chunk) < 512:
            break
        block += 1


def ipmsg(packet_no: int, user: str, host: str, command: int, extra: bytes) -> bytes:
    return f"{FEIQ_VERSION}:{packet_no}:{user}:{host}:{command}:".encode() + extra


def feiq(lab: Lab, broadcast: str = LAN_BCAST) -> None:
    """IP Messenger (FeiQ) on UDP 2425: entry broadcast, answer, message, receipt."""
    lab.udp(
        PC,
        broadcast,
        2425,
        2425,
        ipmsg(1700000000, "alice", "alice-pc", IPMSG_BR_ENTRY, b"alice\0group"),
        gap_us=20_000,
    )
    lab.udp(SRV, PC, 2425, 2425, ipmsg(1700000100, "bob", "bob-pc", IPMSG_ANSENTRY, b"bob\0group"))
    cmd = IPMSG_SENDMSG | IPMSG_SENDCHECKOPT
    assert cmd == 0x120
    lab.udp(
        PC,
        SRV,
        2425,
        2425,
        ipmsg(1700000001, "alice", "alice-pc", cmd, "你好".encode("gbk")),
        gap_us=3_000_000,
    )
    lab.udp(SRV, PC, 2425, 2425, ipmsg(1700000101, "bob", "bob-pc", IPMSG_RECVMSG, b"1700000001"))


def lab_session() -> list[Record]:
    lab = Lab()
    arp_exchange(lab)
    ping(lab)
    dns(lab)
    http(lab)
    chat(lab)
    tftp_rrq(lab)
    feiq(lab)
    return lab.records


def only(build) -> list[Record]:  # noqa: ANN001
    lab = Lab()
    build(lab)
    return lab.records


SAMPLES: dict[str, tuple[str, object]] = {
    "lab.pcap": ("pcap", lab_session),
    "lab.pcapng": ("pcapng", lab_session),
    "tftp_rrq.pcap": ("pcap", lambda: only(tftp_rrq)),
    "tftp_wrq.pcap": ("pcap", lambda: only(tftp_wrq)),
    "tftp_oack.pcap": (
        "pcap",
        lambda: only(
            lambda lab: tftp_rrq(
                lab, "big.iso", 3000, {"blksize": "1024", "tsize": "0"}, 50300, 45678
            )
        ),
    ),
    "feiq.pcap": ("pcap", lambda: only(feiq)),
}


def make_all(outdir: str | Path = HERE) -> list[Path]:
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    return [
        write_capture(out / name, build(), fmt)  # type: ignore[operator]
        for name, (fmt, build) in SAMPLES.items()
    ]


if __name__ == "__main__":
    for p in make_all(sys.argv[1] if len(sys.argv) > 1 else HERE):
        print(p)
