"""Corpus captures that differed from tshark 4.0 in one line (issue 18), compared live.

Each row: a capture, the part of its -V tree that must equal tshark's (from the line that
starts a layer up to, not including, the line that starts another; None = to the end), and
fields compared with -T fields.  Where a later layer is beyond labshark (SMB, DCE/RPC) the
slice stops before it, so the row checks exactly what the fix changed.
"""

from __future__ import annotations

import pytest
from diffutil import run_analyze, run_tshark, tshark_available

pytestmark = pytest.mark.skipif(not tshark_available(), reason="tshark not installed")

CORPUS = "tests/data/corpus/"

#: (capture, -V slice start, slice end or None, fields for -T fields)
ROWS = [
    ("tcpdump-wccp_redirect_gre.pcap", "Generic Routing Encapsulation",
     "NetBIOS Session Service",
     ("gre.proto", "gre.wccp.dynamic_service", "gre.wccp.alternative_bucket_used",
      "gre.wccp.redirect_header_valid", "gre.wccp.service_id",
      "gre.wccp.alternative_bucket", "gre.wccp.primary_bucket", "ip.src", "ip.dst",
      "tcp.srcport", "tcp.dstport", "tcp.len")),
    # HTTP body of type application/octet-stream: a top-level Data layer, no Info suffix
    ("ndpi-dotenv.pcap", "Frame ", None, ("frame.protocols", "data.len", "http.file_data")),
    # IPv4 total length 0 (TCP segmentation offload): the captured length, generated
    ("tcpdump-ipv4_tcp_http_xml_tso.pcap", "Frame ", None,
     ("ip.len", "tcp.len", "http.request.uri", "frame.protocols")),
    # SYN data 0xdeadbeef (Etch's magic, short of its 8-byte header): TCP segment data
    ("tcpdump-tfo-5c1fa7f9ae91.pcap", "Frame ", None,
     ("frame.protocols", "tcp.segment_data", "tcp.len", "data.data")),
]

#: Captures whose whole packet list must equal tshark's.
LIST_ROWS = ["ndpi-dotenv.pcap", "tcpdump-ipv4_tcp_http_xml_tso.pcap",
             "tcpdump-tfo-5c1fa7f9ae91.pcap"]


def _slice(text: str, start: str, end: str | None) -> list[str]:
    """The lines of every packet's tree from a layer's first line to the next `end` layer."""
    out: list[str] = []
    inside = False
    for line in text.splitlines():
        if line.startswith(start):
            inside = True
        elif inside and (line.startswith("Frame ") or (end and line.startswith(end))):
            inside = False
        if inside:
            out.append(line)
    return out


@pytest.mark.parametrize(("capture", "start", "end", "fields"), ROWS,
                         ids=[r[0] for r in ROWS])
def test_tree_slice_matches_tshark(capture: str, start: str, end: str | None,
                                   fields: tuple[str, ...]) -> None:
    path = CORPUS + capture
    theirs = _slice(run_tshark(["-r", path, "-V"]), start, end)
    rc, ours_text, err = run_analyze(["-r", path, "-V"])
    assert rc == 0, err
    assert theirs, "tshark shows no such layer: the row is wrong"
    assert _slice(ours_text, start, end) == theirs


@pytest.mark.parametrize(("capture", "start", "end", "fields"), ROWS,
                         ids=[r[0] for r in ROWS])
def test_fields_match_tshark(capture: str, start: str, end: str | None,
                             fields: tuple[str, ...]) -> None:
    path = CORPUS + capture
    args = ["-r", path, "-T", "fields"] + [a for f in fields for a in ("-e", f)]
    rc, ours, err = run_analyze(args)
    assert rc == 0, err
    assert ours == run_tshark(args)


@pytest.mark.parametrize("capture", LIST_ROWS)
def test_list_matches_tshark(capture: str) -> None:
    path = CORPUS + capture
    rc, ours, err = run_analyze(["-r", path])
    assert rc == 0, err
    assert ours == run_tshark(["-r", path])


#: Captures whose packet list, -V tree, io,phs and expert report (with and without the
#: tree: tshark taps some notes only when it prints the tree) equal tshark's.
WHOLE_ROWS = [
    "dpkt-http.pcap",  # a 300-byte request line: the note's summary cut at 239 bytes
    "ndpi-bt-http.pcapng",
    "ndpi-windowsupdate_over_http.pcap",
    "wireshark-retrans-tls.pcap",  # a longer retransmission joins the pending PDU
    "wireshark-tcp-badsegments.pcap",  # overlaps, [Illegal Segments], HTTP before a request
    "tcpdump-rtp-seg-fault-1.pcapng",  # a group source MAC
    "tcpdump-tcp_rst_diag_payload.pcap",  # RST reset cause with trailing stray bytes
    "tcpdump-dhcpv4v6-rfc5970-rfc8572.pcap",  # DHCP strings with trailing stray bytes
    "ndpi-whatsapp_login_chat.pcap",  # a segment into a finished reassembly: error
    "tcpdump-dhcp-mud.pcap",  # DHCP options 101 (TZ TCode), 145 (Forcerenew), 161 (MUD)
    # a stray line in a response, a NUL content type, a fast retransmission after an ACK
    # of unseen data, a response body completed by the FIN (io,phs walk)
    "ndpi-ndpi_match_string_subprotocol__error.pcapng",
]
RUNS = [[], ["-q", "-z", "io,phs"], ["-q", "-z", "expert"],
        ["-P", "-V", "-z", "io,phs", "-z", "expert"]]


@pytest.mark.parametrize("args", RUNS, ids=["list", "phs", "expert", "verbose"])
@pytest.mark.parametrize("capture", WHOLE_ROWS)
def test_output_matches_tshark(capture: str, args: list[str]) -> None:
    path = CORPUS + capture
    rc, ours, err = run_analyze(["-r", path, *args])
    assert rc == 0, err
    theirs = run_tshark(["-r", path, *args])
    assert theirs or args == ["-q", "-z", "expert"]  # (a capture may have no notes)
    assert ours == theirs
