"""`analyze -V` (the packet detail tree) against `tshark -n -V`, frame by frame.

The whole text of every frame must be byte-equal, except in frames that are expected to
differ because the two tools decode different protocols there:

- IPMSG/FeiQ (udp 2425): we decode it, tshark 4.0 has no dissector and shows `data`.
- nfs.pcap (ONC-RPC/NFS) and ntp.pcap (NTP): tshark decodes them, we leave them as data.

In those frames the layers below the protocol in question (Frame, Ethernet/FDDI, IP, UDP)
must still be equal: only the Frame section's `[Protocols in frame: ...]` line and the
sections from the first differing top-level layer on are left out.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from diffutil import OUR_ONLY_PROTOCOLS, run_analyze, run_tshark

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "captures" / "samples"
PUBLIC = ROOT / "tests" / "data" / "wireshark"

#: capture -> (frames in it, frames expected to differ).
BUNDLED: dict[Path, tuple[int, int]] = {
    SAMPLES / "feiq.pcap": (4, 4),
    SAMPLES / "lab.pcap": (34, 4),
    SAMPLES / "lab.pcapng": (34, 4),
    SAMPLES / "live_feiq.pcapng": (2, 2),
    SAMPLES / "live_tftp.pcapng": (18, 0),
    SAMPLES / "tftp_oack.pcap": (9, 0),
    SAMPLES / "tftp_rrq.pcap": (7, 0),
    SAMPLES / "tftp_wrq.pcap": (6, 0),
    PUBLIC / "dhcp.pcap": (4, 0),
    PUBLIC / "dhcp.pcapng": (4, 0),
    PUBLIC / "dhcp-nanosecond.pcap": (4, 0),
    PUBLIC / "dns+icmp.pcapng.gz": (33, 0),
    PUBLIC / "http.pcap": (1, 0),
    PUBLIC / "ipv6.pcap": (1, 0),
    PUBLIC / "tftp.pcap": (1, 0),
    PUBLIC / "nfs.pcap": (2, 2),
    PUBLIC / "ntp.pcap": (1, 1),
}
#: Protocols tshark decodes that we show as data (see the module docstring).
THEIR_ONLY_PROTOCOLS = ("rpc", "nfs", "ntp")

_FRAME_START = re.compile(r"\n\n(?=Frame \d+: )")
_PROTOCOLS = re.compile(r"^ *\[Protocols in frame: ([^\]]*)\]$", re.M)


def _frames(text: str) -> list[str]:
    """One string per frame: tshark separates frames by a blank line before `Frame N:`."""
    text = text.strip("\n")
    return _FRAME_START.split(text) if text else []


def _protocols(frame: str) -> list[str]:
    m = _PROTOCOLS.search(frame)
    return m.group(1).split(":") if m else []


def _expected_to_differ(theirs: str, ours: str) -> bool:
    return (any(p in OUR_ONLY_PROTOCOLS for p in _protocols(ours))
            or any(p in THEIR_ONLY_PROTOCOLS for p in _protocols(theirs)))


def _sections(frame: str) -> list[str]:
    """Top-level layers: each unindented title line with the indented lines under it
    (a `data` node's hex dump, unindented, stays with its layer)."""
    out: list[str] = []
    for line in frame.split("\n"):
        starts_layer = line and not line[0].isspace() and not re.match(r"[0-9a-f]{4}  ", line)
        if starts_layer or not out:
            out.append(line)
        else:
            out[-1] += "\n" + line
    return out


def _common_layers(frame: str, n: int) -> list[str]:
    """The first `n` layers, without the Frame section's protocol list."""
    secs = _sections(frame)[:n]
    if secs:
        secs[0] = _PROTOCOLS.sub("", secs[0])
    return secs


def _compare(capture: Path, extra: tuple[str, ...] = ()) -> tuple[int, int, list[str]]:
    """(frames compared whole, frames expected to differ, failure messages)."""
    theirs = _frames(run_tshark(["-r", str(capture), "-V", *extra]))
    code, out, err = run_analyze(["-r", str(capture), "-V", *extra])
    assert code == 0, err
    ours = _frames(out)
    assert len(ours) == len(theirs), (len(ours), len(theirs))
    whole = differ = 0
    failures: list[str] = []
    for t, o in zip(theirs, ours, strict=True):
        title = t.split("\n", 1)[0]
        if not _expected_to_differ(t, o):
            whole += 1
            if t != o:
                failures.append(_first_difference(title, t, o))
            continue
        differ += 1
        # Compare the layers both decode: those before the first whose title differs.
        ts, os_ = _sections(t), _sections(o)
        same = 1
        while (same < min(len(ts), len(os_))
               and ts[same].split("\n", 1)[0] == os_[same].split("\n", 1)[0]):
            same += 1
        assert same >= 3, f"{title}: no common lower layers"  # Frame, link, network...
        if _common_layers(t, same) != _common_layers(o, same):
            failures.append(_first_difference(title, "\n".join(_common_layers(t, same)),
                                              "\n".join(_common_layers(o, same))))
    return whole, differ, failures


def _first_difference(title: str, theirs: str, ours: str) -> str:
    tl, ol = theirs.split("\n"), ours.split("\n")
    for i, (a, b) in enumerate(zip(tl, ol, strict=False)):
        if a != b:
            return f"{title}, line {i + 1}:\n  tshark: {a!r}\n  ours:   {b!r}"
    return f"{title}: {len(tl)} lines (tshark) vs {len(ol)} (ours)"


@pytest.mark.tshark
def test_detail_tree_equals_tshark_on_mixed_capture(mixed_pcap: Path) -> None:
    whole, differ, failures = _compare(mixed_pcap)
    assert differ == 0  # nothing in the mixed capture is decoded differently
    assert whole > 2000  # the generator writes ~2600 frames of every kind we decode
    assert not failures, f"{len(failures)} of {whole} frames differ:\n" + "\n".join(
        failures[:10])


@pytest.mark.tshark
@pytest.mark.parametrize("capture", list(BUNDLED), ids=lambda p: p.name)
def test_detail_tree_equals_tshark_on_bundled_capture(capture: Path) -> None:
    total, expected_differ = BUNDLED[capture]
    whole, differ, failures = _compare(capture)
    assert (whole, differ) == (total - expected_differ, expected_differ)
    assert not failures, f"{len(failures)} frames differ:\n" + "\n".join(failures[:10])


def _edge_frames() -> list:
    """Labels the mixed capture may not reach: every PCP, TTL durations, UDP lengths,
    a one-byte payload."""
    from scapy.all import DNS, DNSQR, DNSRR, IP, UDP, Dot1Q, Ether, Raw

    eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    ip = IP(src="10.0.0.1", dst="10.0.0.2")
    frames = [eth / Dot1Q(prio=p, vlan=10) / ip / UDP(sport=4000, dport=4001) / Raw(b"pcp-" * 3)
              for p in range(8)]
    ttls = (0, 1, 59, 60, 61, 3600, 3661, 86400, 90061, 172800)
    answers = [DNSRR(rrname="a.example", type="A", ttl=t, rdata="10.9.9.9") for t in ttls]
    frames.append(eth / ip / UDP(sport=53, dport=3333) / DNS(
        id=7, qr=1, ra=1, ad=1, cd=1, z=1, qd=DNSQR(qname="a.example"), an=answers))
    frames.append(eth / ip / UDP(sport=3333, dport=53) / DNS(id=8, rd=1, cd=1,
                                                               qd=DNSQR(qname="b.example")))
    for ulen in (0, 4, 200):  # bogus: below the header, zero, past the IP payload
        frames.append(eth / ip / UDP(sport=5000, dport=5001, len=ulen) / Raw(b"x" * 12))
    frames.append(eth / ip / UDP(sport=40000, dport=40001) / Raw(b"1"))  # "Data (1 byte)"
    return frames + _pipelined_http(eth)


def _pipelined_http(eth: object) -> list:
    """Two pipelined requests, then two untyped responses: `[HTTP request 1/2]` counts,
    and a body without Content-Type is `data` nested under HTTP."""
    from scapy.all import IP, TCP, Raw

    def seg(to_server: bool, seq: int, ack: int, flags: str, data: bytes = b"") -> object:
        a, b = ("10.0.0.1", "10.0.0.2") if to_server else ("10.0.0.2", "10.0.0.1")
        sp, dp = (40000, 80) if to_server else (80, 40000)
        p = eth / IP(src=a, dst=b) / TCP(sport=sp, dport=dp, seq=seq, ack=ack, flags=flags)
        return p / Raw(data) if data else p

    cs, ss = 1001, 5001
    out = [seg(True, 1000, 0, "S"), seg(False, 5000, cs, "SA"), seg(True, cs, ss, "A")]
    reqs = [b"GET /a HTTP/1.1\r\nHost: h\r\n\r\n", b"GET /b HTTP/1.1\r\nHost: h\r\n\r\n"]
    resp = b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno"
    for r in reqs:
        out.append(seg(True, cs, ss, "PA", r))
        cs += len(r)
    for _ in reqs:
        out.append(seg(False, ss, cs, "PA", resp))
        ss += len(resp)
    return out


@pytest.mark.tshark
def test_detail_tree_equals_tshark_on_label_edge_cases(tmp_path: Path) -> None:
    from scapy.all import wrpcap

    cap = tmp_path / "edges.pcap"
    frames = _edge_frames()
    for i, p in enumerate(frames):
        p.time = 1_700_000_000 + i / 100
    wrpcap(str(cap), frames)
    whole, differ, failures = _compare(cap)
    assert (whole, differ) == (len(frames), 0)
    assert not failures, "\n".join(failures)


def _data_frames() -> list:
    """Payloads that end in a `data` node: UDP with a zero checksum, a de-chunked HTTP
    body (a second data source), TFTP DATA."""
    from scapy.all import IP, TCP, UDP, Ether, Raw

    eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    ip = IP(src="10.0.0.1", dst="10.0.0.2")
    back = IP(src="10.0.0.2", dst="10.0.0.1")
    req = b"GET / HTTP/1.1\r\nHost: h\r\n\r\n"
    resp = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    return [
        eth / ip / UDP(sport=40000, dport=40001, chksum=0) / Raw(b"zero checksum"),
        eth / ip / UDP(sport=40000, dport=40001) / Raw(bytes(range(40))),
        eth / ip / TCP(sport=40002, dport=80, seq=1, ack=1, flags="PA") / Raw(req),
        eth / back / TCP(sport=80, dport=40002, seq=1, ack=1 + len(req), flags="PA") / Raw(resp),
        eth / ip / UDP(sport=3000, dport=69) / Raw(b"\x00\x01f\x00octet\x00"),
        eth / back / UDP(sport=4000, dport=3000) / Raw(b"\x00\x03\x00\x01" + b"x" * 10),
    ]


@pytest.mark.tshark
@pytest.mark.parametrize("capture", [SAMPLES / "lab.pcap", SAMPLES / "live_tftp.pcapng",
                                     SAMPLES / "tftp_oack.pcap", PUBLIC / "http.pcap"],
                         ids=lambda p: p.name)
def test_detail_tree_with_hex_equals_tshark_on_bundled_capture(capture: Path) -> None:
    """-V -x: no hex dump inside `data` nodes (tshark prints one only with -V alone)."""
    total, expected_differ = BUNDLED[capture]
    whole, differ, failures = _compare(capture, ("-x",))
    assert (whole, differ) == (total - expected_differ, expected_differ)
    assert not failures, f"{len(failures)} frames differ:\n" + "\n".join(failures[:10])


@pytest.mark.tshark
@pytest.mark.parametrize("extra", [(), ("-x",)], ids=["V", "V-x"])
def test_data_payloads_equal_tshark_with_and_without_hex(tmp_path: Path,
                                                         extra: tuple[str, ...]) -> None:
    from scapy.all import wrpcap

    cap = tmp_path / "data.pcap"
    frames = _data_frames()
    for i, p in enumerate(frames):
        p.time = 1_700_000_000 + i / 100
    wrpcap(str(cap), frames)
    whole, differ, failures = _compare(cap, extra)
    assert (whole, differ) == (len(frames), 0)
    assert not failures, "\n".join(failures)
