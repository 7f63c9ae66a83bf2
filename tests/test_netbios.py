"""NBNS, NBDS, NBSS and SSDP against tshark 4.0: packet list, -V, -T json, the fields,
filters and io,phs, on captures built here (synthetic but valid packets, every message
kind and the edge cases tshark treats specially) and on the corpus captures that hold
these protocols."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from diffutil import compare_fields, run_analyze, run_tshark
from scapy.all import IP, UDP, Ether, Raw, wrpcap
from tcpconv import tcp_conversation

pytestmark = pytest.mark.tshark

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"


def nb_encode(name: bytes, kind: int, scope: bytes = b"") -> bytes:
    """A NetBIOS name in first-level encoding, as a DNS name (length-prefixed labels)."""
    raw = name.ljust(15, b" ")[:15] + bytes([kind])
    enc = b"".join(bytes([0x41 + (c >> 4), 0x41 + (c & 15)]) for c in raw)
    out = bytes([len(enc)]) + enc
    for label in scope.split(b".") if scope else ():
        out += bytes([len(label)]) + label
    return out + b"\0"


def nbns(tid: int, flags: int, qd: list[bytes] = (), an: list[bytes] = (),
         ns: list[bytes] = (), ar: list[bytes] = ()) -> bytes:
    return (struct.pack("!6H", tid, flags, len(qd), len(an), len(ns), len(ar))
            + b"".join(qd) + b"".join(an) + b"".join(ns) + b"".join(ar))


def question(name: bytes, qtype: int = 32, qclass: int = 1) -> bytes:
    return name + struct.pack("!HH", qtype, qclass)


def record(name: bytes, rtype: int, data: bytes, ttl: int = 300000, rclass: int = 1) -> bytes:
    return name + struct.pack("!HHIH", rtype, rclass, ttl, len(data)) + data


def nbstat(names: list[tuple[bytes, int, int]], stats: bytes | None = None) -> bytes:
    body = bytes([len(names)])
    for n, kind, flags in names:
        body += n.ljust(15, b" ") + bytes([kind]) + struct.pack("!H", flags)
    if stats is None:
        stats = bytes.fromhex("001cc410790f") + bytes(range(1, 41))[:40] + b"\0\0\0\0\0\0"
    return body + stats


def _udp(sport: int, dport: int, payload: bytes, src: str = "10.0.0.1",
         dst: str = "10.0.0.255") -> Ether:
    return Ether(src="00:11:22:33:44:55", dst="ff:ff:ff:ff:ff:ff") / IP(src=src, dst=dst) \
        / UDP(sport=sport, dport=dport) / Raw(payload)


def _nbns_packets() -> list:
    fred = nb_encode(b"FRED", 0x20)
    ws = nb_encode(b"WORKGROUP", 0x1D)
    p = [
        nbns(0x1001, 0x0110, [question(fred)]),
        nbns(0x1001, 0x8500, an=[record(fred, 32, b"\x00\x00" + bytes([10, 0, 0, 7])
                                        + b"\x60\x00" + bytes([10, 0, 0, 8]))]),
        nbns(0x1002, 0x0000, [question(nb_encode(b"*", 0), 33)]),
        nbns(0x1002, 0x8400, an=[record(nb_encode(b"*", 0), 33, nbstat(
            [(b"HOST", 0x00, 0x0400), (b"WORKGROUP", 0x00, 0x8400),
             (b"HOST", 0x20, 0x2600), (b"\x01\x02__MSBROWSE__\x02", 0x01, 0xD400)]), ttl=0)]),
        # registration with its additional record; a negative response (rcode 6)
        nbns(0x1003, 0x2910, [question(ws)], ar=[record(ws, 32, b"\xe0\x00" + bytes(4),
                                                      ttl=0xFFFFFFF0)]),
        nbns(0x1003, 0xAD86, an=[record(ws, 32, b"\x80\x00" + bytes([10, 0, 0, 9]))]),
        # WACK (opcode 7), release, refresh, multi-homed registration
        nbns(0x1004, 0xBC00, an=[record(fred, 32, b"\x29\x10", ttl=60)]),
        nbns(0x1005, 0x3010, [question(fred)], ar=[record(fred, 32, b"\x00\x00" + bytes(4))]),
        nbns(0x1006, 0x4000, [question(fred)]),
        nbns(0x1007, 0x7800, [question(fred)]),
        # a scope ID; an illegal encoding; an unknown type and class; an NBSTAT cut short
        nbns(0x1008, 0x0100, [question(nb_encode(b"SCOPED", 0x00, b"corp.example"))]),
        nbns(0x1009, 0x0100, [question(b"\x20" + b"a" * 32 + b"\x00")]),
        nbns(0x100A, 0x0100, [question(b"\x04ABCD\x00")]),
        nbns(0x100B, 0x8000, an=[record(fred, 10, b"\x01\x02\x03", rclass=3)]),
        nbns(0x100C, 0x8400, an=[record(nb_encode(b"*", 0), 33,
                                        nbstat([(b"HOST", 0, 0x0400)], b"\0" * 10))]),
        # (an NB record too short for its address: tshark's Info reads the address from
        # the bytes after it -- at the end of the packet its list and -V would differ)
        nbns(0x100D, 0x8400, an=[record(fred, 32, b"\x00\x00\x01")]) + bytes([10, 0, 0, 5]),
        # a packet cut short (Malformed)
        nbns(0x100E, 0x0100, [question(fred)])[:20],
    ]
    return [_udp(137, 137, x) for x in p]


def _nbdgm(msg_type: int, body: bytes, flags: int = 0x0E) -> bytes:
    return struct.pack("!BBH4sH", msg_type, flags, 0x891D, bytes([10, 0, 0, 1]), 138) + body


def _nbdgm_packets() -> list:
    src, dst = nb_encode(b"HOST", 0x00), nb_encode(b"WORKGROUP", 0x1E)
    payload = b"\x00\x01payload bytes"
    p = [
        _nbdgm(0x11, struct.pack("!HH", 68 + len(payload), 0) + src + dst + payload),
        _nbdgm(0x10, struct.pack("!HH", 68, 0) + src + dst, flags=0x03),
        _nbdgm(0x12, struct.pack("!HH", 80, 12) + src + dst + payload, flags=0x06),
        _nbdgm(0x13, b"\x82"),
        _nbdgm(0x14, dst),
        _nbdgm(0x15, dst),
        _nbdgm(0x16, dst),
        _nbdgm(0x20, b"\x00\x00"),
    ]
    return [_udp(138, 138, x) for x in p]


def _ssdp_packets() -> list:
    msearch = (b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n"
               b"MX: 1\r\nST: ssdp:all\r\nUSER-AGENT: test/1.0\r\n\r\n")
    ok = (b"HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\n"
          b"LOCATION: http://10.0.0.9:80/desc.xml\r\nSERVER: Linux UPnP/1.0\r\n"
          b"ST: upnp:rootdevice\r\nUSN: uuid:1::upnp:rootdevice\r\n\r\n")
    notify = (b"NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNT: upnp:rootdevice\r\n"
              b"NTS: ssdp:alive\r\nLOCATION: http://10.0.0.9/d.xml\r\n\r\n")
    return [
        _udp(50000, 1900, msearch, "10.0.0.1", "239.255.255.250"),
        _udp(1900, 50000, ok, "10.0.0.9", "10.0.0.1"),
        _udp(1900, 1900, notify, "10.0.0.9", "239.255.255.250"),
        _udp(50000, 1900, msearch, "10.0.0.1", "239.255.255.250"),
    ]


def _nbss(msg_type: int, body: bytes, flags: int = 0) -> bytes:
    return struct.pack("!BBH", msg_type, flags, len(body) & 0xFFFF) + body


def _tcp_flow(port: int, chunks: list[tuple[bool, bytes]]) -> list:
    """A TCP connection (handshake, then each chunk from the client or the server)."""
    return tcp_conversation(chunks, client="10.0.0.1", server="10.0.0.2", cport=40000,
                            sport=port, cseq=1000, sseq=5000, handshake_ack=True,
                            eth={"src": "00:11:22:33:44:55", "dst": "00:11:22:33:44:66"})


def _nbss_packets() -> list:
    request = _nbss(0x81, nb_encode(b"SERVER", 0x20) + nb_encode(b"CLIENT", 0x00))
    message = _nbss(0x00, b"\x01\x02\x03\x04" * 10)
    # "SMB" at bytes 5-7 makes NBSS read a 24-bit length; not \xff/\xfe SMB, so it is data.
    smb = b"\x00\x01\x00\x24xSMB" + b"\x72" * 32
    p = _tcp_flow(139, [
        (True, request), (False, _nbss(0x82, b"")),
        (True, message[:20]), (True, message[20:]),  # one message over two segments
        (True, _nbss(0x85, b"") + _nbss(0x85, b"")),  # two messages in one segment
        (False, _nbss(0x83, b"\x8f")), (False, _nbss(0x84, bytes([10, 0, 0, 3]) + b"\x00\x8b")),
        (True, b"\x12\x34"),  # too short for a header: a continuation
        (True, b"\x00\x02\x00\x05hello"),  # a bogus flag: a continuation
        (True, smb),  # SMB framing (24-bit length)
    ])
    return p + _tcp_flow(445, [(True, smb), (False, b"\x00\x00\x00\x05xSMB\x40")])


def _timed(pk: list) -> list:
    for i, p in enumerate(pk):
        p.time = 1_700_000_000 + i / 8
    return pk


@pytest.fixture(scope="module")
def caps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("netbios")
    out = {}
    for name, pk in (("nbns", _nbns_packets()), ("nbdgm", _nbdgm_packets()),
                     ("ssdp", _ssdp_packets()), ("nbss", _nbss_packets())):
        out[name] = d / f"{name}.pcap"
        wrpcap(str(out[name]), _timed(pk))
    for name in ("ndpi-netbios.pcap", "tcpdump-eapon1.pcap", "tcpdump-nbns-valgrind.pcap",
                 "ndpi-ssdp-m-search-ua.pcap"):
        out[name] = CORPUS / name
    return out


SYNTHETIC = ["nbns", "nbdgm", "ssdp", "nbss"]


@pytest.mark.parametrize("name", SYNTHETIC)
@pytest.mark.parametrize("args", [[], ["-V"], ["-T", "json"], ["-2", "-V"],
                                  ["-q", "-z", "io,phs"], ["-q", "-z", "expert"]])
def test_synthetic_equals_tshark(caps, name, args):
    rc, ours, err = run_analyze(["-r", str(caps[name]), *args])
    assert rc == 0, err
    assert ours == run_tshark(["-r", str(caps[name]), *args])


# The corpus captures hold other protocols too (EAPOL, IGMP, SMB over NBSS): the list
# lines and -V packets of our protocols' frames are compared (the browser datagrams:
# NBDS, SMB's header and Trans request, the mailslot write and the browser protocol).
@pytest.mark.parametrize("name,flt", [
    ("ndpi-netbios.pcap", "nbns || nbss || nbdgm"),
    ("tcpdump-eapon1.pcap", "nbns || ssdp || nbdgm"),
    ("tcpdump-nbns-valgrind.pcap", "nbns"), ("ndpi-ssdp-m-search-ua.pcap", "ssdp")])
@pytest.mark.parametrize("args", [[], ["-V"], ["-T", "json"]])
def test_corpus_frames_equal_tshark(caps, name, flt, args):
    rc, ours, err = run_analyze(["-r", str(caps[name]), "-Y", flt, *args])
    assert rc == 0, err
    theirs = run_tshark(["-r", str(caps[name]), "-Y", flt, *args])
    assert ours == theirs
    assert theirs.strip()


NBNS_FIELDS = [
    "nbns.id", "nbns.flags", "nbns.flags.response", "nbns.flags.opcode",
    "nbns.flags.authoritative", "nbns.flags.broadcast", "nbns.flags.rcode",
    "nbns.count.queries", "nbns.count.answers", "nbns.count.add_rr", "nbns.name",
    "nbns.type", "nbns.class", "nbns.ttl", "nbns.data_length", "nbns.nb_flags",
    "nbns.nb_flags.group", "nbns.nb_flags.ont", "nbns.addr", "nbns.number_of_names",
    "nbns.netbios_name", "nbns.name_flags", "nbns.name_flags.ont", "nbns.name_flags.act",
    "nbns.unit_id", "nbns.num_good_sends", "nbns.session_data_packet_size", "nbns.data",
    "_ws.col.Info", "_ws.expert.message",
]
NBDGM_FIELDS = [
    "nbdgm.type", "nbdgm.flags", "nbdgm.next", "nbdgm.first", "nbdgm.node_type",
    "nbdgm.dgram_id", "nbdgm.src.ip", "nbdgm.src.port", "nbdgm.dgram_len",
    "nbdgm.pkt_offset", "nbdgm.error_code", "nbdgm.source_name", "nbdgm.destination_name",
    "data.data", "_ws.col.Info",
]
NBSS_FIELDS = [
    "nbss.type", "nbss.flags", "nbss.flags.e", "nbss.length", "nbss.error_code",
    "nbss.retarget_ip_address", "nbss.retarget_port", "nbss.continuation_data",
    "nbss.called_name", "nbss.calling_name", "tcp.reassembled_in", "_ws.col.Info",
]
BROWSER_FIELDS = [
    "smb.cmd", "smb.flags", "smb.flags2", "smb.tid", "smb.mid", "smb.tdc", "smb.timeout",
    "smb.dc", "smb.data_offset", "smb.bcc", "smb.trans_name", "mailslot.opcode",
    "mailslot.priority", "mailslot.class", "mailslot.size", "mailslot.name",
    "browser.command", "browser.update_count", "browser.period", "browser.server",
    "browser.windows_version", "browser.os_major", "browser.server_type",
    "browser.server_type.workstation", "browser.server_type.domainenum", "browser.sig",
    "browser.comment", "browser.response_computer_name", "browser.mb_server",
    "browser.election.criteria", "browser.election.desire", "browser.election.os.ntw",
    "browser.uptime", "frame.protocols", "_ws.col.Protocol", "_ws.col.Info",
]
SSDP_FIELDS = ["http.request.method", "http.request.uri", "http.response.code",
               "http.request.full_uri", "http.request_in", "http.response_in", "http.host",
               "http.server", "http.location", "frame.protocols", "_ws.col.Info"]


@pytest.mark.parametrize("name,fields", [
    ("nbns", NBNS_FIELDS), ("nbdgm", NBDGM_FIELDS), ("nbss", NBSS_FIELDS),
    ("ssdp", SSDP_FIELDS),
    # (the corpus captures hold other protocols: their Info and layers are not ours)
    ("ndpi-netbios.pcap", NBNS_FIELDS[:-2] + NBDGM_FIELDS[:-2]),
    ("tcpdump-eapon1.pcap", NBNS_FIELDS[:-2] + SSDP_FIELDS[:-2]),
    ("ndpi-netbios.pcap", BROWSER_FIELDS), ("tcpdump-eapon1.pcap", BROWSER_FIELDS)])
def test_fields_equal_tshark(caps, name, fields):
    # (on the corpus, the frames of these protocols: the others' columns are not ours)
    flt = ["-Y", "nbns || nbdgm || ssdp || nbss"] if name.endswith(".pcap") else []
    assert compare_fields(caps[name], fields, flt) == []


def test_filters_know_the_fields(caps):
    for name, flt, n in (("nbns", "nbns", 17), ("nbns", "nbns.flags.opcode == 5", 3),
                         ("nbns", 'nbns.name contains "FRED"', 8),
                         ("nbns", "nbns.addr == 10.0.0.8", 1),
                         ("nbdgm", "nbdgm.type == 0x13", 1), ("nbss", "nbss", 9),
                         ("nbss", "nbss.type == 0x85", 1), ("ssdp", "ssdp && http.request", 2),
                         ("ssdp", "http.notification", 1),
                         ("tcpdump-eapon1.pcap", "browser.command == 0x08", 4),
                         ("tcpdump-eapon1.pcap", "mailslot && smb.cmd == 0x25", 17)):
        args = ["-r", str(caps[name]), "-Y", flt]
        rc, ours, err = run_analyze(args)
        assert rc == 0, err
        theirs = run_tshark(args)
        assert ours == theirs, flt
        assert len(theirs.splitlines()) == n, flt


@pytest.mark.parametrize("name", ["nbns", "nbss", "ndpi-netbios.pcap"])
def test_colouring_rule_equals_tshark(caps, name):
    """Wireshark's SMB rule colours NBNS, NBSS and SMB (its subset rule here, same name)."""
    import subprocess

    import diffutil

    from analyzer.output.color_rules import default_rules, pick
    from captures import open_capture
    from dissectors import Session, dissect

    theirs = subprocess.run(["tshark", "-n", "--color", "-r", str(caps[name]), "-T", "fields",
                             "-e", "frame.coloring_rule.name"], capture_output=True, text=True,
                            check=True, timeout=diffutil.TSHARK_TIMEOUT).stdout.splitlines()
    rules, session, ours = default_rules(), Session(), []
    with open_capture(caps[name]) as reader:
        for frame in reader:
            pkt = dissect(frame, session)
            rule = pick(rules, pkt)
            ours.append((pkt, rule.name if rule else ""))
    assert len(ours) == len(theirs)
    smb = 0
    for (pkt, mine), t in zip(ours, theirs, strict=True):
        if any(pkt.first(f) is not None for f in ("nbns.id", "nbss.type", "smb.cmd")):
            assert mine == t == "SMB", pkt.frame.number
            smb += 1
    assert smb >= 5
