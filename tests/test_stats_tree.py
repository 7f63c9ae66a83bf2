"""tshark 4.0's stats_tree statistics (`-z plen,tree`, `-z ptype,tree`, the ip_/ipv6_
address trees, ...) against tshark, byte for byte, with and without a tap filter, on
the mixed capture and the sample captures (each kind on a few, to keep runs short)."""

from __future__ import annotations

from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "captures" / "samples"
WS = ROOT / "tests" / "data" / "wireshark"
IP_TREES = ["ptype,tree", "ip_hosts,tree", "ip_srcdst,tree", "dests,tree",
            "ipv6_hosts,tree", "ipv6_srcdst,tree", "ipv6_dests,tree", "ipv6_ptype,tree"]


def same(args: list[str]) -> None:
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    assert out == run_tshark(args)


@pytest.mark.tshark
@pytest.mark.parametrize("z", ["plen,tree", "plen,tree,udp", "plen,tree,frame.number>99999",
                               *IP_TREES, "ptype,tree,tcp.port==80",
                               "ip_hosts,tree,ip.src==10.1.0.80", "dests,tree,icmp",
                               "ipv6_srcdst,tree,tcp", "ipv6_dests,tree,udp"])
def test_mixed_equals_tshark(mixed_pcap: Path, z: str) -> None:
    """The mixed capture has IPv4 and IPv6, ICMP errors quoting UDP (their port type
    and port are the quoted UDP's), tunnels and fragments."""
    same(["-q", "-z", z, "-r", str(mixed_pcap)])


@pytest.mark.tshark
@pytest.mark.parametrize("cap", [SAMPLES / "lab.pcap", WS / "dns+icmp.pcapng.gz",
                                 WS / "ipv6.pcap"], ids=lambda p: p.name)
@pytest.mark.parametrize("z", ["plen,tree", *IP_TREES])
def test_samples_equal_tshark(cap: Path, z: str) -> None:
    same(["-q", "-z", z, "-r", str(cap)])


@pytest.mark.tshark
def test_several_trees_last_first_and_list(mixed_pcap: Path) -> None:
    """Without -q the trees follow the packet list; -Y does not limit the taps; the
    last registered tree is drawn first."""
    same(["-Y", "dns", "-z", "plen,tree", "-z", "plen,tree,dns", "-z", "ipv6_ptype,tree",
          "-r", str(mixed_pcap)])


def test_bad_filter_names_the_tree(mixed_pcap: Path) -> None:
    rc, out, err = run_analyze(["-q", "-z", "plen,tree,foo==", "-r", str(mixed_pcap)])
    assert rc == 1 and out == ""
    assert err == ('analyze: stats_tree for: Packet Lengths failed to attach to the tap: '
                   'Filter "foo==" is invalid - Unexpected end of filter expression.\n')


def test_help_lists_the_trees() -> None:
    rc, _, err = run_analyze(["-z", "help"])
    assert rc == 0  # tshark lists them on stderr too
    for z in ["plen,tree", *IP_TREES, "dns,tree", "http,tree", "http_req,tree",
              "http_srv,tree", "icmp,srt", "icmpv6,srt", "hosts"]:
        assert f"     {z}\n" in err


@pytest.mark.tshark
@pytest.mark.parametrize("z", ["dns,tree", "dns,tree,dns.flags.response==0",
                               "dns,tree,dns.flags.response==1", "dns,tree,ipv6"])
def test_dns_tree_mixed_equals_tshark(mixed_pcap: Path, z: str) -> None:
    """Queries and responses (answered, over IPv4 and IPv6), counted from the DNS
    dissector's fields; a query has no rcode field and counts as "No error"."""
    same(["-q", "-z", z, "-r", str(mixed_pcap)])


@pytest.mark.tshark
@pytest.mark.parametrize("cap", [SAMPLES / "lab.pcap", WS / "dns+icmp.pcapng.gz",
                                 WS / "http.pcap"], ids=lambda p: p.name)
def test_dns_tree_samples_equal_tshark(cap: Path) -> None:
    """http.pcap has no DNS: the tree's fixed nodes, all 0."""
    same(["-q", "-z", "dns,tree", "-r", str(cap)])


@pytest.mark.tshark
@pytest.mark.parametrize("z", ["http,tree", "http_req,tree", "http_srv,tree",
                               "http,tree,http.request", "http_srv,tree,http.response.code==404",
                               "http_req,tree,ipv6"])
def test_http_trees_mixed_equal_tshark(mixed_pcap: Path, z: str) -> None:
    """Requests and 2xx/3xx/4xx responses, from the HTTP dissector's fields."""
    same(["-q", "-z", z, "-r", str(mixed_pcap)])


@pytest.mark.tshark
@pytest.mark.parametrize("cap", [SAMPLES / "lab.pcap", WS / "http.pcap"], ids=lambda p: p.name)
def test_http_trees_samples_equal_tshark(cap: Path) -> None:
    """http.pcap: a reassembled response, a request without response; the last
    registered tree first."""
    same(["-q", "-z", "http,tree", "-z", "http_req,tree", "-z", "http_srv,tree",
          "-r", str(cap)])


@pytest.mark.tshark
@pytest.mark.parametrize("z", ["icmp,srt", "icmpv6,srt", "icmp,srt,frame.number<480",
                               "icmp,srt,icmp.type==8", "icmp,srt,icmp.type==0",
                               "icmpv6,srt,ipv6.src==2001:db8::80"])
def test_icmp_srt_mixed_equals_tshark(mixed_pcap: Path, z: str) -> None:
    """Answered and unanswered echoes; a reply whose request the tap's filter left out
    is not counted; with no request at all tshark leaves the last column unpadded."""
    same(["-q", "-z", z, "-r", str(mixed_pcap)])


@pytest.mark.tshark
@pytest.mark.parametrize("cap", [SAMPLES / "lab.pcap", WS / "dns+icmp.pcapng.gz",
                                 WS / "ipv6.pcap"], ids=lambda p: p.name)
def test_icmp_srt_samples_equal_tshark(cap: Path) -> None:
    same(["-q", "-z", "icmp,srt", "-z", "icmpv6,srt", "-r", str(cap)])


@pytest.mark.tshark
def test_trees_and_srt_interleaved_in_tshark_order(mixed_pcap: Path) -> None:
    """Each -z value of these kinds is drawn in tshark's order (last registered first),
    also between kinds: plen,tree,udp before ptype,tree before conv,ip before plen,tree."""
    same(["-q", "-z", "plen,tree", "-z", "conv,ip", "-z", "ptype,tree", "-z", "plen,tree,udp",
          "-z", "icmp,srt", "-z", "icmpv6,srt", "-z", "icmp,srt,frame.number<1000",
          "-r", str(mixed_pcap)])


def _nrb_pcapng(path: Path) -> Path:
    """A pcapng file: SHB, IDB, an NRB (one IPv4, one IPv6 name, a repeat), one packet."""
    import ipaddress
    import struct

    def block(btype: int, body: bytes) -> bytes:
        body += b"\0" * (-len(body) % 4)
        n = len(body) + 12
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)

    def rec(rtype: int, value: bytes) -> bytes:
        return struct.pack("<HH", rtype, len(value)) + value + b"\0" * (-len(value) % 4)

    nrb = (rec(1, ipaddress.IPv4Address("192.0.2.7").packed + b"lab-host.example\0")
           + rec(2, ipaddress.IPv6Address("2001:db8::7").packed + b"six.example\0")
           + rec(1, ipaddress.IPv4Address("192.0.2.7").packed + b"lab-host.example\0")
           + struct.pack("<HH", 0, 0))
    pkt = bytes(6) + bytes(6) + b"\x08\x06" + bytes(28)
    epb = struct.pack("<IIIII", 0, 0, 1, len(pkt), len(pkt)) + pkt
    path.write_bytes(block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
                     + block(1, struct.pack("<HHI", 1, 0, 65535))
                     + block(4, nrb) + block(6, epb))
    return path


@pytest.mark.tshark
@pytest.mark.parametrize("z", ["hosts", "hosts,ipv4", "hosts,ipv6", "hosts,ip"])
def test_hosts_from_name_resolution_block(tmp_path: Path, z: str) -> None:
    """With -n tshark's names are the file's own (pcapng NRB): each address once."""
    cap = _nrb_pcapng(tmp_path / "nrb.pcapng")
    same(["-q", "-z", z, "-r", str(cap)])
    rc, out, _ = run_analyze(["-q", "-z", z, "-r", str(cap)])
    assert ("192.0.2.7\tlab-host.example\n" in out) == (z != "hosts,ipv6")


@pytest.mark.tshark
@pytest.mark.parametrize("cap", [SAMPLES / "lab.pcap", WS / "dns+icmp.pcapng.gz"],
                         ids=lambda p: p.name)
def test_hosts_samples_same_lines(cap: Path) -> None:
    """tshark lists the names in its hash tables' order (it changes between runs):
    the same header, the same lines."""
    args = ["-q", "-z", "hosts", "-r", str(cap)]
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    theirs = run_tshark(args)
    assert out.splitlines()[:4] == theirs.splitlines()[:4]
    assert sorted(out.splitlines()) == sorted(theirs.splitlines())


def test_packet_text_escaped_in_trees(tmp_path: Path) -> None:
    """A URI with an escape sequence never reaches the terminal raw (plain or table),
    and `[bold]` in it is text, not table markup."""
    from scapy.all import IP, TCP, Ether, Raw, wrpcap

    req = b"GET /a\x1b[31mb[bold]c HTTP/1.1\r\nHost: h.example\r\n\r\n"
    cap = tmp_path / "esc.pcap"
    wrpcap(str(cap), [Ether() / IP(src="10.0.0.1", dst="10.0.0.2")
                      / TCP(sport=40000, dport=80, flags="PA", seq=1) / Raw(req)])
    rc, out, err = run_analyze(["-q", "-z", "http_req,tree", "-r", str(cap)])
    assert rc == 0, err
    assert "\x1b" not in out and "/a\\033[31mb[bold]c" in out  # format_text escapes
    rc, out, err = run_analyze(["--color", "always", "-q", "-z", "http_req,tree",
                                "-r", str(cap)])
    assert rc == 0, err
    assert "[bold]c" in out and "\x1b[31m" not in out
