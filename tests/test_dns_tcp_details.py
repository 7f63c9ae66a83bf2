"""Details the public corpus showed differing from tshark 4.0 (issue 18): pcapng packet
flags (epb_flags), DNS record data (DNSSEC, HINFO, EDNS options, SOA durations, a query's
AD bit, TCP's PDU Size, the UDP heuristic, extended labels, classes without a name,
extraneous bytes), TCP options (NOPs per 32-bit word, the
Options label at the label buffer, RFC 6994 experiments, D-SACK, Accurate ECN's ACE
counter), DHCP options tshark does
not decode and string options with stray bytes, and IPv6 SLAAC MACs. Each compared live with
tshark, on the corpus captures and on captures built here."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark
from scapy.all import BOOTP, IP, TCP, UDP, Ether, IPv6, Raw, wrpcap

pytestmark = pytest.mark.tshark

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
#: Corpus captures that now equal tshark in -V and the packet list.
CORPUS_CAPTURES = [
    "ndpi-snmp.pcap", "ndpi-dns_fragmented.pcap", "gopacket-test_dns.pcap",
    "wireshark-dns_port.pcap", "ndpi-mullvad_dns.pcap", "ndpi-tk.pcap",
    "ndpi-custom_risk_mask.pcapng", "ndpi-punycode-idn.pcap", "tcpdump-ssh.pcap",
    "wireshark-tcp-exp-option-tarr.pcap.gz", "tcpdump-dhcpv4v6-rfc5970-rfc8572.pcap",
    "tcpdump-accecn_handshake.pcap", "ndpi-dnscrypt-v2.pcap",
]


def _block(btype: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    return struct.pack("<II", btype, len(body) + 12) + body + struct.pack("<I", len(body) + 12)


def _pcapng_flags(frame: bytes, flags: list[int | None]) -> bytes:
    """One EPB per flags word (None: no epb_flags option)."""
    shb = _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = _block(1, struct.pack("<HHI", 1, 0, 0))
    out = shb + idb
    for i, fl in enumerate(flags):
        opts = b"" if fl is None else struct.pack("<HHI", 2, 4, fl) + struct.pack("<HH", 0, 0)
        pad = b"\0" * (-len(frame) % 4)
        out += _block(6, struct.pack("<IIIII", 0, 0, 1_000_000 * i, len(frame), len(frame))
                      + frame + pad + opts)
    return out


def _name(n: str) -> bytes:
    return b"".join(bytes([len(p)]) + p.encode() for p in n.split(".") if p) + b"\0"


def _rr(name: str, rtype: int, rdata: bytes, rclass: int = 1, ttl: int = 3600) -> bytes:
    return _name(name) + struct.pack(">HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def _msg(tid: int, flags: int, qname: str, qtype: int, an: list[bytes] = (),
         ns: list[bytes] = (), ar: list[bytes] = ()) -> bytes:
    head = struct.pack(">HHHHHH", tid, flags, 1, len(an), len(ns), len(ar))
    return head + _name(qname) + struct.pack(">HH", qtype, 1) + b"".join([*an, *ns, *ar])


def _opt(*options: tuple[int, bytes], do: bool = True) -> bytes:
    rdata = b"".join(struct.pack(">HH", c, len(v)) + v for c, v in options)
    return b"\0" + struct.pack(">HHIH", 41, 1232, 0x8000 if do else 0, len(rdata)) + rdata


def _dns_records() -> list[bytes]:
    rrsig = struct.pack(">HBBIIIH", 1, 13, 2, 300, 1_700_000_000, 1_690_000_000, 4242) + \
        _name("example.com") + bytes(range(64))
    dnskey = struct.pack(">HBB", 0x0101, 3, 13) + bytes(range(1, 65))
    dnskey_md5 = struct.pack(">HBB", 0x0180, 3, 1) + bytes(range(10))
    ds = struct.pack(">HBB", 4242, 8, 2) + bytes(32)
    nsec = _name("b.example.com") + bytes([0, 6, 0x40, 0x01, 0, 0, 0, 0x03])
    nsec3 = struct.pack(">BBHB", 1, 1, 10, 4) + b"\xaa\xbb\xcc\xdd" + bytes([20]) + \
        bytes(range(20)) + bytes([0, 1, 0x62]) + bytes([1, 1, 0x40])
    hinfo = b"\x05INTEL\x05LINUX"
    soa = _name("ns.example.com") + _name("admin.example.com") + \
        struct.pack(">IIIII", 2024, 7200, 3600, 1209600, 0)
    return [_rr("example.com", 46, rrsig), _rr("example.com", 48, dnskey),
            _rr("example.com", 48, dnskey_md5), _rr("example.com", 43, ds),
            _rr("a.example.com", 47, nsec), _rr("x.example.com", 50, nsec3),
            _rr("h.example.com", 13, hinfo), _rr("example.com", 6, soa)]


@pytest.fixture(scope="module")
def caps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("dnstcpdetails")
    e = Ether(src="00:11:22:33:44:55", dst="00:11:22:33:44:66")
    ip = IP(src="10.0.0.1", dst="10.0.0.2")
    back = IP(src="10.0.0.2", dst="10.0.0.1")
    frame = bytes(e / ip / UDP(sport=1000, dport=9) / Raw(b"x" * 20))
    cookie = (10, bytes(range(8)))
    full_cookie = (10, bytes(range(24)))
    options = [cookie, (8, b"\x00\x01\x18\x00\x0a\x01\x02"), (11, b"\x00\x64"),
               (12, bytes(7)), (3, b""), (15, b"\x00\x06bad"), (65001, b"\x01\x02")] + [
                   (15, struct.pack(">H", c)) for c in [*range(32), 49151, 49152, 65535]]  # every info code
    dns = [
        e / ip / UDP(sport=5000, dport=53) / Raw(_msg(1, 0x0120, "example.com", 48,
                                                      ar=[_opt(cookie)])),
        e / back / UDP(sport=53, dport=5000) / Raw(_msg(1, 0x81a0, "example.com", 48,
                                                        an=_dns_records(),
                                                        ar=[_opt(full_cookie)])),
        e / ip / UDP(sport=5001, dport=53) / Raw(_msg(2, 0x0100, "opts.example", 1,
                                                      ar=[_opt(*options, do=False)])),
        # the heuristic: DNS on ports nobody registered (a query, a response) ...
        e / ip / UDP(sport=40000, dport=40001) / Raw(_msg(3, 0x0100, "heur.example", 1)),
        e / back / UDP(sport=40001, dport=40000) / Raw(_msg(
            3, 0x8180, "heur.example", 1, an=[_rr("heur.example", 1, b"\x01\x02\x03\x04")])),
        # ... and what it refuses: two questions, an opcode, too many authority records
        e / ip / UDP(sport=40002, dport=40003) / Raw(
            _msg(4, 0x0100, "two.example", 1)[:4] + b"\x00\x02" + bytes(6) + bytes(20)),
        e / ip / UDP(sport=40004, dport=40005) / Raw(_msg(5, 0x2100, "op.example", 1)),
        e / back / UDP(sport=40005, dport=40004) / Raw(_msg(
            5, 0x8180, "auth.example", 1,
            ns=[_rr("auth.example", 2, _name("ns.auth.example"))] * 11)),
    ]
    # names with label types other than plain labels and pointers (malformed or not), an
    # unknown opcode, classes without a name, bytes after the message, a retransmission
    head = struct.pack(">HHHHHH", 9, 0x0100, 1, 0, 0, 0)
    for name in (b"\x41\x08\xff\x00", b"\x03abc\x42\x00", b"\x03abc\x80\x00", b"\x42\x00",
                 b"\x7f\x00\x00", b"\x01a\x01b\x55\x00"):
        dns.append(e / ip / UDP(sport=5002, dport=53) / Raw(head + name + b"\x00\x01\x00\x01"))
    dns.append(e / ip / UDP(sport=5003, dport=53) / Raw(_msg(10, 0x6900, "opcode.example", 1)))
    for i, cls in enumerate((0, 2, 5, 0xFE, 0x100, 0x1313, 0x8001)):
        q = _msg(11 + i, 0x0100, "cls.example", 1)
        dns.append(e / ip / UDP(sport=5004, dport=53) / Raw(q[:-2] + struct.pack(">H", cls)))
        mq = _msg(11 + i, 0, "cls.example", 1)
        dns.append(e / ip / UDP(sport=5353, dport=5353)
                   / Raw(mq[:-2] + struct.pack(">H", cls) + b"\x01\x02"))  # + extraneous
        dns.append(e / back / UDP(sport=5353, dport=5353) / Raw(_msg(
            11 + i, 0x8400, "cls.example", 1,
            an=[_rr("cls.example", 1, b"\x01\x02\x03\x04", rclass=cls)])))
    syn = dict(sport=4000, dport=80, flags="S", seq=1000)
    tcp = [
        e / ip / TCP(options=[("NOP", None)] * 12, **syn),  # one note: the first word
        e / ip / TCP(options=[("MSS", 1460), ("SAckOK", b"")] + [("NOP", None)] * 13
                     + [("WScale", 7)], **syn),  # never 4 within one word
        e / ip / TCP(options=[("MSS", 1460)] + [("NOP", None)] * 36, **syn),  # long label
        e / ip / TCP(options=[(254, b"\xf9\x89")], **syn),  # TFO request
        e / ip / TCP(options=[(254, b"\xf9\x89" + bytes(range(8)))], **syn) / Raw(b"data"),
        e / ip / TCP(options=[(254, b"\x00\xac\x10"), (253, b"\x00\xac\x10\x20")], **syn),
        e / ip / TCP(options=[(254, b"\xac\xc1" + bytes([0, 0, 5, 0, 0, 7]))], **syn),
        e / ip / TCP(options=[(254, b"\x12\x34\x56"), (253, b"\x00\xac")], **syn),
        e / ip / TCP(options=[(254, b"\x00\x12"), (254, b"\x03\x48\x01\x02"),
                              (254, b"\xac\xc0" + bytes(range(9)))], **syn),
    ]
    boot = e / IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67)
    dhcp = [boot / BOOTP(chaddr=b"\x00\x11\x22\x33\x44\x55", options=b"\x63\x82\x53\x63")
            / Raw(bytes([53, 1, 1, *opt, 255])) for opt in (
                [143, 4, 1, 2, 3, 4], [62, 2, 0x41, 0x42], [220, 1, 7],
                [61, 6, 0, 0, 0x44, 1, 0, 0], [61, 4, 0, 0x41, 0, 0], [12, 5, 0x68, 0, 0x78, 0, 0],
                [12, 4, 0x68, 0x69, 0, 0], [2, 4, 0, 0, 0x0e, 0x10], [2, 4, 0xff, 0xff, 0xff, 0])]
    # (a zero-length option's Value: tshark's -T fields says <MISSING>, labshark <none>)
    dhcp0 = [boot / BOOTP(chaddr=b"\x00\x11\x22\x33\x44\x55", options=b"\x63\x82\x53\x63")
             / Raw(bytes([53, 1, 1, 250, 0, 255]))]
    slaac = [e / IPv6(src=a, dst="fe80::200:1ff:fe01:0") / UDP(sport=1000, dport=9) / Raw(b"x")
             for a in ("fe80::cc0d:b4ff:fe8a:3384", "fe80::ce0d:b4ff:fe8a:3384",
                       "2001:db8::211:22ff:fe33:4455", "2001:db8::11:22ff:fe33:4455")]
    acc = []  # Accurate ECN: which SYN-ACKs agree, then the ACE counter (0-7)
    for sport, syn_flags, synack_flags, later in (
            (1001, 0x1C2, 0x092, [0x010, 0x050, 0x110, 0x1D0, 0x018]),
            (1002, 0x1C2, 0x052, [0x010, 0x050]), (1003, 0x0C2, 0x052, [0x090, 0x050]),
            (1004, 0x1C2, 0x112, [0x010, 0x011]), (1005, 0x1C2, 0x012, [0x050]),
            (1006, 0x1C2, 0x1D2, [0x050, 0x004]), (1007, 0x1C2, 0x152, [0x0D0, 0x014]),
            (1008, 0x1C2, 0x0D2, [0x150, 0x014]), (1009, 0x1C2, 0x192, [0x0D0, 0x010])):
        acc += [e / ip / TCP(sport=sport, dport=80, flags=syn_flags, seq=100),
                e / back / TCP(sport=80, dport=sport, flags=synack_flags, seq=500, ack=101)]
        acc += [e / ip / TCP(sport=sport, dport=80, flags=f, seq=101, ack=501) for f in later]
    out = {"flags": d / "flags.pcapng"}
    out["flags"].write_bytes(_pcapng_flags(frame, [0, 1, 2, 3, 6, 0x0A, 0x1C, 0xFF00FE00,
                                                   None, 0x01000011]))
    for name, pk in (("dns", dns), ("tcp", tcp), ("dhcp", dhcp), ("dhcp0", dhcp0),
                     ("slaac", slaac), ("accecn", acc)):
        out[name] = d / f"{name}.pcap"
        wrpcap(str(out[name]), pk)
    return out


@pytest.mark.parametrize("args", [["-V"], ["-P"]])
@pytest.mark.parametrize("name", CORPUS_CAPTURES)
def test_corpus_equals_tshark(name: str, args: list[str]) -> None:
    cap = str(CORPUS / name)
    rc, ours, err = run_analyze(["-r", cap, *args])
    assert rc == 0, err
    assert ours == run_tshark(["-r", cap, *args])


@pytest.mark.parametrize("name", ["flags", "dns", "tcp", "dhcp", "slaac", "accecn"])
@pytest.mark.parametrize("args", [
    ["-V"], ["-P"], ["-T", "json"],
    ["-T", "fields", "-e", "frame.packet_flags", "-e", "frame.packet_flags_direction",
     "-e", "frame.p2p_dir", "-e", "dns.rrsig.signature_expiration", "-e", "dns.dnskey.key_id",
     "-e", "dns.nsec3.hash_value", "-e", "dns.opt.code", "-e", "tcp.options.experimental.exid",
     "-e", "tcp.options.tfo.cookie", "-e", "dhcp.option.value", "-e", "ipv6.src_slaac_mac",
     "-e", "tcp.flags.ace", "-e", "tcp.flags.str",
     "-e", "_ws.expert.message"],
])
def test_built_equals_tshark(caps: dict[str, Path], name: str, args: list[str]) -> None:
    rc, ours, err = run_analyze(["-r", str(caps[name]), *args])
    assert rc == 0, err
    assert ours == run_tshark(["-r", str(caps[name]), *args])


@pytest.mark.parametrize("args", [["-V"], ["-P"]])
def test_empty_dhcp_option_equals_tshark(caps: dict[str, Path], args: list[str]) -> None:
    rc, ours, err = run_analyze(["-r", str(caps["dhcp0"]), *args])
    assert rc == 0, err
    assert ours == run_tshark(["-r", str(caps["dhcp0"]), *args])


@pytest.mark.parametrize("flt", ["frame.p2p_dir == 1", "frame.packet_flags_crc_error",
                                 "tcp.flags.ace == 5", "tcp.flags.ae == 1",
                                 "dns.flags.authenticated", "tcp.nop",
                                 "tcp.options.experimental.exid == 0xf989"])
def test_filters_equal_tshark(caps: dict[str, Path], flt: str) -> None:
    for name in ("flags", "dns", "tcp", "accecn"):
        rc, ours, err = run_analyze(["-r", str(caps[name]), "-Y", flt])
        assert rc == 0, err
        assert ours == run_tshark(["-r", str(caps[name]), "-Y", flt])


def test_pcapng_flags_survive_writing(caps: dict[str, Path], tmp_path: Path) -> None:
    """-w keeps each packet's epb_flags: the written file reads as the original."""
    out = tmp_path / "w.pcapng"
    rc, _o, err = run_analyze(["-r", str(caps["flags"]), "-w", str(out)])
    assert rc == 0, err
    assert run_tshark(["-r", str(out), "-V"]) == run_tshark(["-r", str(caps["flags"]), "-V"])
