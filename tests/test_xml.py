"""XML bodies of HTTP (text/xml, application/xml, ... and text/html beginning `<?xml`)
against tshark 4.0 (packet list, -V, expert, fields) on the corpus's captures and on
bodies built here (comments, CDATA sections, DOCTYPE, unclosed and stray tags, quotes,
unrecognized text, deep nesting); hostile bodies never break the dissection."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from diffutil import compare_fields, run_analyze, run_tshark
from scapy.all import IP, TCP, Ether, Raw, wrpcap

pytestmark = pytest.mark.tshark

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
CAPTURES = ["ndpi-zattoo.pcap", "dpkt-http.pcap",
            "ndpi-ndpi_match_string_subprotocol__error.pcapng", "ndpi-webdav.pcap"]
FIELDS = ["xml.tag", "xml.attribute", "xml.cdata", "xml.comment", "xml.doctype",
          "xml.xmlpi.xml", "xml.xmlpi.xml.version", "xml.xmlpi.xml.encoding",
          "xml.cdatasection", "xml.xmlpi", "xml.dtdtag", "_ws.col.Protocol"]

BODIES: list[tuple[str, bytes]] = [
    ("text/xml", b'<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<a x="1">'
                 b"<b>text &amp; more</b><c/><d y='q\"s' z=42 w=name/></a>"),
    ("application/xml", b"<!-- a comment --><root><![CDATA[ <not a tag> ]]>\n  tail text\n"
                        b"</root>"),
    ("application/soap+xml", b'<s:Envelope xmlns:s="urn:x"><s:Body><m:Op xmlns:m="urn:y">'
                             b"<p>1</p></m:Op></s:Body></s:Envelope>"),
    ("text/xml", b'<!DOCTYPE note SYSTEM "note.dtd"><note><to>A</to><from>B</from>'
                 b"</note></extra></more>"),
    ("text/xml", b"<open><unclosed><br><p>x</open> stray < text & <1bad> <ok>fine</ok>"),
    ("text/xml", b"<?xml-stylesheet type=\"text/xsl\" href=\"s.xsl\"?><doc a=\"b\" >"
                 b"\t\r\n  <e\n  f = \"g\"\n/>  </doc>"),
    ("text/html", b'<?xml version="1.0" encoding="UTF-8"?>\n<html><body>hi</body></html>'),
    ("text/xml", b"".join(b"<n%d>" % i for i in range(60)) + b"deep"),
    ("text/xml", b"<a>" + b"x" * 400 + b"</a><!--" + b"c" * 300 + b"-->"),
    ("image/svg+xml", b'<svg width="10"><rect x="1"/></svg>'),
]


def _response(i: int, ctype: str, body: bytes) -> Ether:
    head = (f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    return (Ether(src="00:11:22:33:44:55", dst="66:77:88:99:aa:bb")
            / IP(src="10.0.0.2", dst="10.0.0.1")
            / TCP(sport=80, dport=41000 + i, flags="PA", seq=1, ack=1) / Raw(head + body))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cap = tmp_path_factory.mktemp("xml") / "xml.pcap"
    wrpcap(str(cap), [_response(i, c, b) for i, (c, b) in enumerate(BODIES)])
    return cap


@pytest.mark.parametrize("name", CAPTURES)
@pytest.mark.parametrize("args", [["-Y", "xml"], ["-Y", "xml", "-V"]])
def test_corpus_xml_equals_tshark(name, args):
    cap = CORPUS / name
    rc, ours, err = run_analyze(["-r", str(cap), *args])
    assert rc == 0, err
    theirs = run_tshark(["-r", str(cap), *args])
    if name.startswith("ndpi-ndpi_match") and "-V" in args:
        # (the IP layer of this frame: tshark nests its length note, labshark not yet)
        ours, theirs = _xml_layers(ours), _xml_layers(theirs)
    assert theirs and ours == theirs


def _xml_layers(text: str) -> list[str]:
    return [b[b.index("eXtensible Markup Language"):] for b in text.split("\n\n")
            if "eXtensible Markup Language" in b]


@pytest.mark.parametrize("name", CAPTURES[:2])
def test_corpus_fields_equal_tshark(name):
    assert compare_fields(CORPUS / name, FIELDS) == []


@pytest.mark.parametrize("args", [[], ["-V"], ["-T", "json"], ["-q", "-z", "expert"],
                                  ["-q", "-z", "io,phs"]])
def test_built_xml_equals_tshark(built, args):
    rc, ours, err = run_analyze(["-r", str(built), *args])
    assert rc == 0, err
    assert ours == run_tshark(["-r", str(built), *args])


def test_built_xml_fields_equal_tshark(built):
    assert compare_fields(built, FIELDS) == []


def test_hostile_bodies_never_break(tmp_path):
    """Random markup soup: every packet listed, -V whole, no internal error."""
    rnd = random.Random(18)
    alphabet = b"<>/?!-=\"' \n\tabc:[]&"
    pk = [_response(i, "text/xml", bytes(rnd.choice(alphabet)
                                         for _ in range(rnd.randrange(0, 300))))
          for i in range(150)]
    pk.append(_response(150, "text/xml", b"<a>" * 5000))  # deeper than the element stack
    cap = tmp_path / "soup.pcap"
    wrpcap(str(cap), pk)
    for args in ([], ["-V"]):
        rc, out, err = run_analyze(["-r", str(cap), *args])
        assert rc == 0 and "internal error" not in err, err
        if not args:
            assert len(out.splitlines()) == len(pk)
    # and the soup's list equals tshark's
    assert run_analyze(["-r", str(cap)])[1] == run_tshark(["-r", str(cap)])
