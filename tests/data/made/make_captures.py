"""Write the captures made for labshark's own tests (scapy), reproducibly:

    python tests/data/made/make_captures.py [DIR]   (default: this folder)

http_port_reuse.pcap: two HTTP connections on the same address/port pair, the second
opened by a SYN with a new ISN after the first closed (TCP port reuse): Wireshark's HTTP
numbers the second connection's requests from 1 again.

ip_fragment_reuse.pcap: a flood of one IPv4 fragment (off=1480, MF) that passes
labshark's bytes cap for one datagram (dissectors/reassembly.py), then a datagram of two
fragments with the same (src, dst, id, proto): tshark reassembles it on its tail (the
flood's fragments lie past its end); labshark must too, though the flooded one is full.

ip_fragment_reuse_tail_first.pcap: the same, the new datagram's tail before its first
fragment: tshark reassembles it on the first (the tail fixes the length the flood left
unset).
"""

from __future__ import annotations

import sys
from pathlib import Path

from scapy.all import IP, TCP, UDP, Ether, Raw, wrpcap

E = {"src": "02:00:00:00:00:01", "dst": "02:00:00:00:00:02"}


def _connection(frames: list, t: float, isn: int, uris: list[str]) -> float:
    """10.5.0.1:40000 -> 10.5.0.2:80: handshake, a GET and its answer per URI, FINs."""
    def add(p, dt: float = 0.01) -> None:  # noqa: ANN001
        nonlocal t
        t += dt
        e = Ether(**E) / p
        e.time = t
        frames.append(e)
    c, s = IP(src="10.5.0.1", dst="10.5.0.2"), IP(src="10.5.0.2", dst="10.5.0.1")
    ci, si = isn, 9000
    add(c / TCP(sport=40000, dport=80, flags="S", seq=ci))
    add(s / TCP(sport=80, dport=40000, flags="SA", seq=si, ack=ci + 1))
    ci, si = ci + 1, si + 1
    add(c / TCP(sport=40000, dport=80, flags="A", seq=ci, ack=si))
    for uri in uris:
        req = f"GET {uri} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
        add(c / TCP(sport=40000, dport=80, flags="PA", seq=ci, ack=si) / Raw(req))
        ci += len(req)
        res = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        add(s / TCP(sport=80, dport=40000, flags="PA", seq=si, ack=ci) / Raw(res))
        si += len(res)
    add(c / TCP(sport=40000, dport=80, flags="FA", seq=ci, ack=si))
    add(s / TCP(sport=80, dport=40000, flags="FA", seq=si, ack=ci + 1))
    add(c / TCP(sport=40000, dport=80, flags="A", seq=ci + 1, ack=si + 1))
    return t


def http_port_reuse(path: Path) -> None:
    frames: list = []
    t = _connection(frames, 1000.0, 1000, ["/one", "/two"])
    _connection(frames, t + 1, 70000, ["/three"])  # same ports, a new ISN
    wrpcap(str(path), frames)


def ip_fragment_reuse(path: Path, flood: int = 180, tail_first: bool = False) -> None:
    """`flood` x 1480 bytes at offset 1480 (past the 256 KiB cap after 177), then the
    datagram at offsets 0 (MF) and 16 (`tail_first`: 16, then 0), key 10.6.0.1 ->
    10.6.0.2, id 0x1234, UDP."""
    ip = {"src": "10.6.0.1", "dst": "10.6.0.2", "id": 0x1234, "proto": 17}
    udp = bytes(IP(**ip) / UDP(sport=40001, dport=40002) / Raw(b"legit after the flood"))[20:]
    frames = [Ether(**E) / IP(**ip, flags="MF", frag=1480 // 8) / Raw(b"f" * 1480)
              for _ in range(flood)]
    pair = [Ether(**E) / IP(**ip, flags="MF", frag=0) / Raw(udp[:16]),
            Ether(**E) / IP(**ip, frag=2) / Raw(udp[16:])]
    frames += pair[::-1] if tail_first else pair
    for i, e in enumerate(frames):
        e.time = 2000.0 + i / 100
    wrpcap(str(path), frames)


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    http_port_reuse(out / "http_port_reuse.pcap")
    ip_fragment_reuse(out / "ip_fragment_reuse.pcap")
    ip_fragment_reuse(out / "ip_fragment_reuse_tail_first.pcap", tail_first=True)
