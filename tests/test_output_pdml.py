"""tshark's other output options, compared live with `tshark -n` byte for byte: -T pdml,
psml, tabs and jsonraw, -O PROTOS and --hexdump; and their refusals (a bad -T or
--hexdump value: tshark's words, exit 1, no traceback).

PDML's `time=` is the clock of the run (tshark's asctime of now): it is the one thing
masked before comparing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from diffutil import ROOT, run_analyze, run_tshark_full

from analyzer.output.pdml import xml_escape

pytestmark = pytest.mark.tshark

LAB = ROOT / "captures" / "samples" / "lab.pcap"
CORPUS = ROOT / "tests" / "data" / "corpus"
#: lab.pcap's FeiQ packets are IPMSG to us and plain UDP to tshark: left out.
NO_FEIQ = ["-Y", "not udp.port == 2425"]

_TIME = re.compile(r' time="[^"]*"')


def _same(path: Path, args: list[str]) -> None:
    cp = run_tshark_full(["-r", str(path), *args], text=False)  # (CRs kept: PDML has them)
    assert cp.returncode == 0
    theirs = cp.stdout.decode("utf-8", "surrogateescape")
    rc, ours, err = run_analyze(["-r", str(path), *args])
    assert rc == 0, err
    assert theirs, "tshark printed nothing: the case tests nothing"
    assert _TIME.sub("", ours) == _TIME.sub("", theirs)


#: (capture, args): every format on captures with DNS, ICMP, ARP, TCP handshakes and
#: analysis, HTTP (reassembled, gzip, chunked), TFTP, TLS, IP fragments, a malformed packet.
CASES = [
    (LAB, ["-T", "pdml", *NO_FEIQ]),
    (LAB, ["-T", "psml", *NO_FEIQ]),
    (LAB, ["-T", "tabs", *NO_FEIQ]),
    (LAB, ["-T", "jsonraw", *NO_FEIQ]),
    (LAB, ["-T", "pdml", "-c", "12"]),
    (LAB, ["-T", "pdml", "-j", "ip udp dns", *NO_FEIQ]),
    (LAB, ["-T", "pdml", "-J", "tcp", *NO_FEIQ]),
    (LAB, ["-T", "pdml", "-e", "ip.src", "-e", "ip.addr", "-e", "_ws.col.Info", *NO_FEIQ]),
    (LAB, ["-T", "psml", "-t", "ad", "-c", "20"]),
    (LAB, ["-T", "tabs", "-V", *NO_FEIQ]),
    (LAB, ["-T", "tabs", "-P", "-x", "-c", "5"]),
    (LAB, ["-T", "jsonraw", "--no-duplicate-keys", *NO_FEIQ]),
    (LAB, ["-O", "ip,arp", *NO_FEIQ]),
    (LAB, ["-O", "tcp,http", "-x", *NO_FEIQ]),
    (LAB, ["-O", "nosuchproto", "-c", "3"]),
    (LAB, ["--hexdump", "delimit"]),
    (LAB, ["--hexdump", "noascii", "-V", *NO_FEIQ]),
    (LAB, ["--hexdump", "frames", "--hexdump", "ascii", "-P", *NO_FEIQ]),
    (CORPUS / "dpkt-dns_icmp.pcap", ["-T", "pdml"]),
    (CORPUS / "dpkt-dns_icmp.pcap", ["-T", "jsonraw"]),
    (CORPUS / "dpkt-dns_icmp.pcap", ["-T", "pdml", "-2"]),
    (CORPUS / "dpkt-http.pcap", ["-T", "pdml"]),
    (CORPUS / "dpkt-http.pcap", ["-T", "psml"]),
    (CORPUS / "dpkt-http.pcap", ["-T", "pdml", "-Y", "http"]),
    (CORPUS / "wireshark-http.pcap", ["-T", "jsonraw"]),
    (CORPUS / "ndpi-dns_fragmented.pcap", ["--hexdump", "frames", "--hexdump", "delimit"]),
    (CORPUS / "ndpi-dns_fragmented.pcap", ["--hexdump", "noascii"]),
    (CORPUS / "ndpi-dns_fragmented.pcap", ["-T", "tabs"]),
    (CORPUS / "tcpdump-tftp.pcap", ["-T", "pdml"]),
    (CORPUS / "ndpi-dns_fragmented.pcap", ["-T", "pdml", "-Y", "ip.reassembled_in || ip.fragments"]),
    (CORPUS / "ndpi-dns_fragmented.pcap", ["-T", "jsonraw", "-c", "20"]),
    (CORPUS / "wireshark-retrans-tls.pcap", ["-T", "pdml"]),
    (CORPUS / "wireshark-retrans-tls.pcap", ["-T", "jsonraw"]),
    (CORPUS / "ndpi-tls_unidirectional.pcap", ["-T", "pdml"]),
    (CORPUS / "ndpi-tls_port_80.pcapng", ["-T", "psml"]),
    (CORPUS / "tcpdump-dns_tcp.pcap", ["-T", "pdml", "-2"]),
    (CORPUS / "wireshark-ipv6.pcap", ["-T", "pdml"]),
    (CORPUS / "ndpi-telnet.pcap", ["-T", "pdml", "-Y", "_ws.malformed || frame.number < 4"]),
    (CORPUS / "ndpi-ssh_unidirectional.pcap", ["-T", "pdml"]),  # a reassembly error
    (CORPUS / "ndpi-ssh_unidirectional.pcap", ["-T", "jsonraw", "-Y", "_ws.malformed"]),
]


@pytest.mark.parametrize(("path", "args"), CASES,
                         ids=[f"{p.name} {' '.join(a)}" for p, a in CASES])
def test_output_equals_tshark(path: Path, args: list[str]) -> None:
    _same(path, args)


def test_unknown_format_is_refused_as_tshark_does() -> None:
    theirs = run_tshark_full(["-r", str(LAB), "-T", "bogus"])
    rc, ours, err = run_analyze(["-r", str(LAB), "-T", "bogus"])
    assert rc == theirs.returncode == 1 and ours == ""
    assert "Traceback" not in err
    head, *listed = err.splitlines()
    assert head == 'analyze: Invalid -T parameter "bogus"; it must be one of:'
    assert theirs.stderr.splitlines()[0] == 'tshark: Invalid -T parameter "bogus"; it must be one of:'
    # each format we list is described in tshark's own lines (tshark also lists "ps")
    their_lines = theirs.stderr.splitlines()
    for line in listed:
        assert line in their_lines


def test_bad_hexdump_value_is_refused_as_tshark_does() -> None:
    theirs = run_tshark_full(["-r", str(LAB), "--hexdump", "bogus"])
    rc, ours, err = run_analyze(["-r", str(LAB), "--hexdump", "bogus"])
    assert rc == theirs.returncode == 1 and ours == ""
    assert err.splitlines()[0] == 'analyze: "bogus" is an invalid value for --hexdump <hexoption>'
    assert theirs.stderr.splitlines()[0] == 'tshark: "bogus" is an invalid value for --hexdump <hexoption>'


def test_hexdump_help_lists_the_options() -> None:
    rc, ours, _ = run_analyze(["--hexdump", "help"])
    theirs = run_tshark_full(["--hexdump", "help"])
    assert rc == theirs.returncode == 0
    # tshark's option lines, word for word
    for line in ("  all                      add hexdump, dump all data sources (-x default)",
                 "  noascii                  add hexdump, exclude ASCII dump text"):
        assert line in ours.splitlines() and line in theirs.stdout.splitlines()


def test_fields_without_a_field_format_is_refused_as_tshark_does() -> None:
    theirs = run_tshark_full(["-r", str(LAB), "-T", "tabs", "-e", "ip.src"])
    rc, _, err = run_analyze(["-r", str(LAB), "-T", "tabs", "-e", "ip.src"])
    assert rc == theirs.returncode == 1
    assert err.replace("analyze:", "tshark:", 1) == theirs.stderr.strip() + "\n"


def test_xml_escaping_is_tsharks() -> None:
    """Only the five markup characters become entities; control bytes and UTF-8 pass
    as they are (tshark 4.0's print_escaped_xml); the text ends at a NUL."""
    assert xml_escape("a&b<c>d\"e'f") == "a&amp;b&lt;c&gt;d&quot;e&#x27;f"
    assert xml_escape("x\r\n\t\u2192y") == "x\r\n\t\u2192y"
    assert xml_escape("cut\0here") == "cut"
