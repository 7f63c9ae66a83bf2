"""IPv4, IPv6 and ARP headers cut by the snapshot length or by their own length fields,
compared with tshark 4.0 (tests/data/made/cut_headers.pcap, one case a frame; the cases
are make_captures.CUT_CASES). Before session 15, four of them differed:
- an IPv6 payload length past the frame was noted as an Error (tshark: a Warning);
- an IPv6 or IPv4 header with no payload bytes captured left the next layer out of
  frame.protocols (tshark names it: it is called, then finds nothing to read);
- an IPv6 payload length 0 took the frame's trailer as the payload (tshark: the payload
  is empty, what follows the header is the link layer's trailer);
- an ARP packet cut inside its 8-byte header showed no ARP at all (tshark: ARP in the
  column and stack, and the fields it holds whole);
- (found on the way) a UDP header cut after its ports showed no UDP (tshark: the ports,
  the length if captured, and the ports' Info).

Session 16's cases (tests/data/made/cut_more.pcap, make_captures.CUT_MORE_CASES), all of
which differed before it:
- an IPv4 header cut inside its 20 bytes showed no IP items (tshark: the fields read
  before the first missing byte, the source in the label once read);
- an IPv4 total length below the header length: tshark labels the length line as bogus,
  its note under it, and shows no addresses (label, columns);
- an ICMPv6 header cut before its code showed no ICMPv6 item (tshark: an empty protocol
  item, the type and its name in Info when captured); a cut echo header showed no
  identifier, and an echo header with no data captured got an empty data item;
- an IPv6 hop-by-hop header cut short: not in frame.protocols, no "IPv6 hop-by-hop
  options" Info, its item not under IPv6's, "IPv6 Hop-by-Hop Option truncated" (tshark's
  short name is "IPv6 Hop-by-Hop"), and options cut short not shown;
- every `-T pdml` "Packet size limited" item was placed at the ethertype payload's start
  (tshark: the frame's, pos="0"; a cut ARP packet showed it).

Session 17's cases (tests/data/made/cut_s17.pcap, make_captures.CUT_S17_CASES), all of
which differed before it. tshark adds an item before it reads what it holds, so a cut
layer shows what was read before the cut:
- a TCP option whose kind and length were captured but not its value: its item (the
  bytes captured), kind and length, and the timestamps' TSval when it was whole;
- a called layer whose first read fails is still named in frame.protocols (VLAN and IP
  through an ethertype, IP quoted by ICMP, the Ethernet frame inside VXLAN, IP in GRE),
  and sets its columns first (VLAN, VXLAN's "VxLAN", DNS's cleared Info);
- a UDP payload with nothing captured is handed to nobody ("UDP truncated");
- GRE's IPv4 with nothing captured leaves GRE's columns (tshark's "ip" dissector reads
  the version first);
- a VXLAN header cut short shows the fields captured;
- `-T pdml`: a protocol item's size is what was captured of it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from diffutil import assert_like_tshark, run_analyze, run_tshark, run_tshark_full, tshark_available

MADE = Path(__file__).resolve().parent / "data" / "made"
CAPTURE = str(MADE / "cut_headers.pcap")
MORE = str(MADE / "cut_more.pcap")
S17 = str(MADE / "cut_s17.pcap")
S18 = str(MADE / "cut_s18.pcap")
sys.path.insert(0, str(MADE))

from make_captures import CUT_CASES, CUT_MORE_CASES, CUT_S17_CASES, CUT_S18_CASES  # noqa: E402

pytestmark = pytest.mark.skipif(not tshark_available(), reason="tshark is not installed")

#: Each output of every case: the list, the tree, JSON, and the fields that differed.
ARGS = [
    [],
    ["-V"],
    ["-T", "json"],
    ["-T", "fields", "-e", "frame.number", "-e", "frame.protocols", "-e", "ipv6.plen",
     "-e", "ipv6.plen_exceeds_framing", "-e", "ipv6.plen_zero", "-e", "arp.hw.type",
     "-e", "arp.proto.size", "-e", "udp.srcport", "-e", "udp.length", "-e", "data.data", "-e", "eth.trailer"],
]


MORE_FIELDS = ["-T", "fields", "-e", "frame.number", "-e", "frame.protocols", "-e", "_ws.col.Info",
               "-e", "_ws.col.Protocol", "-e", "_ws.col.def_src", "-e", "ip.len", "-e", "ip.src",
               "-e", "ip.checksum", "-e", "icmpv6.type", "-e", "icmpv6.echo.identifier",
               "-e", "ipv6.hopopts.nxt", "-e", "ipv6.opt.length", "-e", "_ws.expert.message"]


@pytest.mark.parametrize("args", ARGS, ids=["list", "V", "json", "fields"])
def test_cut_headers_like_tshark(args: list[str]) -> None:
    assert_like_tshark(["-r", CAPTURE, *args], nonempty=True)


@pytest.mark.parametrize("args", [[], ["-V"], ["-T", "json"], MORE_FIELDS],
                         ids=["list", "V", "json", "fields"])
def test_more_cut_headers_like_tshark(args: list[str]) -> None:
    assert_like_tshark(["-r", MORE, *args], nonempty=True)


S17_FIELDS = ["-T", "fields", "-e", "frame.number", "-e", "frame.protocols", "-e", "_ws.col.Info",
              "-e", "_ws.col.Protocol", "-e", "tcp.option_kind", "-e", "tcp.option_len",
              "-e", "tcp.options.timestamp.tsval", "-e", "vxlan.flags", "-e", "vxlan.vni",
              "-e", "_ws.expert.message"]


@pytest.mark.parametrize("args", [[], ["-V"], ["-T", "json"], S17_FIELDS],
                         ids=["list", "V", "json", "fields"])
def test_session_17_cut_headers_like_tshark(args: list[str]) -> None:
    assert_like_tshark(["-r", S17, *args], nonempty=True)


_TIME = re.compile(r' time="[^"]*"')


@pytest.mark.parametrize("capture", [CAPTURE, MORE, S17, S18],
                         ids=["cut_headers", "cut_more", "cut_s17", "cut_s18"])
def test_cut_headers_pdml_like_tshark(capture: str) -> None:
    """-T pdml shows what the others do not: each item's size and position."""
    cp = run_tshark_full(["-r", capture, "-T", "pdml"])
    assert cp.returncode == 0 and cp.stdout
    rc, ours, err = run_analyze(["-r", capture, "-T", "pdml"])
    assert rc == 0, err
    assert _TIME.sub("", ours) == _TIME.sub("", cp.stdout)


@pytest.mark.parametrize("capture, cases", [(CAPTURE, CUT_CASES), (MORE, CUT_MORE_CASES),
                                            (S17, CUT_S17_CASES), (S18, CUT_S18_CASES)],
                         ids=["cut_headers", "cut_more", "cut_s17", "cut_s18"])
def test_capture_holds_every_case(capture: str, cases: list) -> None:
    """One frame a case (the table and the capture were written together)."""
    rc, out, err = run_analyze(["-r", capture, "-T", "fields", "-e", "frame.number"])
    assert rc == 0, err
    assert out.split() == [str(n) for n in range(1, len(cases) + 1)]


def _frame(what: str) -> int:
    """The frame number of the case described by `what` (CUT_CASES' order)."""
    return [w for w, _, _ in CUT_CASES].index(what) + 1


@pytest.mark.parametrize("what, want", [
    ("IPv6 payload length past the frame: a warning", "Warning"),
    ("IPv6 header, no payload bytes captured: udp named", "eth:ethertype:ipv6:udp"),
    ("IPv6 payload length 0 with a trailer: the payload is empty", "eth:ethertype:ipv6:udp"),
    ("ARP cut at 1 bytes", "eth:ethertype:arp"),
    ("IPv4 UDP header cut at 4 bytes: the ports", "Src Port: 40000, Dst Port: 9"),
])
def test_the_past_differences(what: str, want: str) -> None:
    """Each past difference, on the frame that showed it (not only equal to tshark, but
    what tshark says)."""
    args = ["-r", CAPTURE, "-Y", f"frame.number == {_frame(what)}", "-V"]
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    assert want in out
    assert out == run_tshark(args)


def _more_frame(what: str) -> int:
    return [w for w, _, _ in CUT_MORE_CASES].index(what) + 1


@pytest.mark.parametrize("what, want", [
    ("IPv4 header cut at 12 of its 20 bytes", "Header Checksum: 0x0000 [validation disabled]"),
    ("IPv4 header cut at 16 of its 20 bytes", "Internet Protocol Version 4, Src: 10.0.0.1\n"),
    ("IPv4 total length 10, below the header's",
     "Total Length: 10 bytes (bogus, less than header length 20)"),
    ("ICMPv6 echo cut at 0 bytes", "\nInternet Control Message Protocol v6\n"),
    ("ICMPv6 echo cut at 6 bytes", "Identifier: 0x0001"),
    ("IPv6 hop-by-hop header cut at 0 bytes", "eth:ethertype:ipv6:ipv6.hopopts]"),
    ("IPv6 hop-by-hop header cut at 4 bytes",
     "    IPv6 Hop-by-Hop Option\n        Next Header: UDP (17)"),
    ("IPv6 hop-by-hop header cut at 4 bytes", "[Packet size limited during capture: "
     "IPv6 Hop-by-Hop truncated]"),
])
def test_the_session_16_differences(what: str, want: str) -> None:
    """Each of session 16's differences, in tshark's words, on the frame that showed it."""
    args = ["-r", MORE, "-Y", f"frame.number == {_more_frame(what)}", "-V"]
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    assert want in out
    assert out == run_tshark(args)


def _s17_frame(what: str) -> int:
    return [w for w, _, _ in CUT_S17_CASES].index(what) + 1


@pytest.mark.parametrize("what, want", [
    ("TCP option cut at 8 of the options' 20 bytes",
     "        TCP Option - Timestamps\n            Kind: Time Stamp Option (8)\n"
     "            Length: 10\n"),
    ("TCP option cut at 12 of the options' 20 bytes", "            Timestamp value: 1\n"),
    ("DNS cut at 0 bytes", "[Packet size limited during capture: UDP truncated]"),
    ("DNS cut at 2 bytes", "[Protocols in frame: eth:ethertype:ip:udp:dns]"),
    ("ICMP error quoting an IPv4 header cut to nothing",
     "[Protocols in frame: eth:ethertype:ip:icmp:ip]"),
    ("802.1Q tag cut at 0 bytes", "[Protocols in frame: eth:ethertype:vlan]"),
    ("802.1Q tag cut at 4 bytes", "[Protocols in frame: eth:ethertype:vlan:ethertype:ip]"),
    ("GRE with a key, the IPv4 inside cut to nothing",
     "[Protocols in frame: eth:ethertype:ip:gre:ip]"),
    ("VXLAN cut at 2 bytes", "Virtual eXtensible Local Area Network\n    Flags: 0x0800"),
    ("VXLAN cut at 8 bytes", "[Protocols in frame: eth:ethertype:ip:udp:vxlan:eth]"),
])
def test_the_session_17_differences(what: str, want: str) -> None:
    """Each of session 17's differences, in tshark's words, on the frame that showed it."""
    args = ["-r", S17, "-Y", f"frame.number == {_s17_frame(what)}", "-V"]
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    assert want in out
    assert out == run_tshark(args)


@pytest.mark.parametrize("what, column", [
    ("802.1Q tag cut at 1 bytes", "VLAN"),
    ("VXLAN cut at 4 bytes", "VxLAN"),
    ("GRE with a key, the IPv4 inside cut to nothing", "GRE"),
    ("DNS cut at 0 bytes", "UDP"),
    ("DNS cut at 3 bytes", "DNS"),
])
def test_the_session_17_columns(what: str, column: str) -> None:
    """The protocol column a cut layer leaves, as tshark's."""
    args = ["-r", S17, "-Y", f"frame.number == {_s17_frame(what)}", "-T", "fields",
            "-e", "_ws.col.Protocol"]
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    assert out.strip() == column
    assert out == run_tshark(args)


S18_FIELDS = ["-T", "fields", "-e", "frame.number", "-e", "frame.protocols", "-e", "_ws.col.Info",
              "-e", "_ws.col.Protocol", "-e", "_ws.expert.message", "-e", "_ws.expert.severity",
              "-e", "dns.retransmit_request_in", "-e", "dns.qry.name.len",
              "-e", "dns.count.labels", "-e", "udp.length", "-e", "ipv6.plen",
              "-e", "tcp.options.sack_le", "-e", "tcp.options.sack_re"]


@pytest.mark.parametrize("args", [[], ["-V"], ["-T", "json"], S18_FIELDS, ["-T", "pdml"]],
                         ids=["list", "V", "json", "fields", "pdml"])
def test_session_18_cut_headers_like_tshark(args: list[str]) -> None:
    """Session 18's cases (make_captures.CUT_S18_CASES), each unlike tshark before it."""
    if args == ["-T", "pdml"]:
        cp = run_tshark_full(["-r", S18, *args])
        rc, ours, err = run_analyze(["-r", S18, *args])
        assert rc == 0, err
        assert _TIME.sub("", ours) == _TIME.sub("", cp.stdout)
        return
    assert_like_tshark(["-r", S18, *args], nonempty=True)


def _s18_frame(what: str) -> int:
    return [w for w, _, _ in CUT_S18_CASES].index(what) + 1


@pytest.mark.parametrize("what, want", [
    # tshark records a DNS request once it has read the id and flags, before the counts
    ("DNS query whole, a retransmission of the cut one",
     "DNS query retransmission. Original request in frame 1"),
    ("DNS query whole, a retransmission of the one cut in its counts",
     "DNS query retransmission. Original request in frame 3"),
    # a one-character name: length and labels 0 (tshark 4.0's own quirk)
    ("DNS query for a one-character name", "[Name Length: 0]\n            [Label Count: 0]"),
    ("ICMP echo with a bad checksum", "[Expert Info (Warning/Checksum): Bad checksum"),
    # the capture ends above a quoted IP: tshark names the quoted IP, and TCP is no exception
    ("ICMP error quoting IPv4 and UDP, cut in the UDP header",
     "[Packet size limited during capture: IPv4 truncated]"),
    ("ICMP error quoting IPv4 and TCP, cut in the TCP header",
     "[Packet size limited during capture: IPv4 truncated]"),
    ("ICMP error quoting IPv4 and TCP, the TCP header cut to nothing",
     "[Protocols in frame: eth:ethertype:ip:icmp:ip:tcp]"),
    ("ICMPv6 error quoting IPv6 and UDP, cut in the UDP header",
     "[Packet size limited during capture: IPv6 truncated]"),
    # a quoted datagram shorter than its length: no complaint, ICMP catches the rest
    ("ICMP error quoting an IPv4 length 32 with 4 bytes of UDP",
     "        Destination Port: 9\n\n"),
    ("ICMP error quoting an IPv4 length 32 with its header only",
     "[Protocols in frame: eth:ethertype:ip:icmp:ip]"),
    ("ICMPv6 error quoting an IPv6 length 12 with 2 bytes of UDP",
     "[Protocols in frame: eth:ethertype:ipv6:icmpv6:ipv6]"),
    ("ICMPv6 error quoting an IPv6 header of 39 bytes",
     "[Expert Info (Error/Malformed): IPv6 header must be exactly 40 bytes]"),
    # IPv4: no payload, no next layer; a UDP header past the IPv4 length shows its ports
    ("IPv4 total length 20 over UDP, a trailer", "[Protocols in frame: eth:ethertype:ip]"),
    ("IPv4 total length 32, 4 bytes of UDP", "User Datagram Protocol, Src Port: 40000, Dst Port: 9"),
    ("IPv4 total length 32, 6 bytes of UDP", "Length: 12 (bogus, payload length 6)"),
    ("IPv4 total length 32, the UDP header only", "[Malformed Packet: UDP]"),
    ("IPv6 header of 6 bytes", "Invalid IPv6 header (6 bytes, need exactly 40)"),
    # a SACK option cut by the capture: the edges read before the cut
    ("SACK option cut after its left edge", "            left edge = 1001 (relative)\n"),
    ("SACK option cut after a pair and a left edge", "TCP Option - SACK 1001-1501\n"),
    # 802.1ad: its own column and Info words, the type read before the fields
    ("802.1ad tag cut at 0 bytes", "[Packet size limited during capture: IEEE 802.1AD truncated]"),
    ("802.1ad tag cut at 2 bytes", "\nIEEE 802.1ad\n[Packet size limited"),
    ("802.1ad tag over an unknown type", "0x1234 58 PRI: 5  DROP: 0 ID: 10"),
])
def test_the_session_18_differences(what: str, want: str) -> None:
    """Each of session 18's differences, in tshark's words, on the frame that showed it."""
    frame = _s18_frame(what)
    args = ["-r", S18, "-Y", f"frame.number == {frame}", "-V"]
    if what.startswith(("IPv6 header of", "802.1ad tag over")):
        args = ["-r", S18, "-Y", f"frame.number == {frame}"]
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    assert want in out
    assert out == run_tshark(args)


@pytest.mark.parametrize("capture", [CAPTURE, S18], ids=["cut_headers", "cut_s18"])
def test_notes_in_tree_order(capture: str) -> None:
    """-T fields gives a field's values in the tree's order: an Ethernet trailer's note
    (added after the payload's) comes before IPv6's (cut_headers.pcap frame 4; before
    session 18 it came after)."""
    args = ["-r", capture, "-T", "fields", "-e", "frame.number", "-e", "_ws.expert.severity",
            "-e", "_ws.expert.message", "-e", "_ws.expert.group", "-e", "_ws.expert"]
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    assert out == run_tshark(args)
