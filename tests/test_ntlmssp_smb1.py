"""NTLMSSP, GSS-API/SPNEGO/Kerberos and SMB (v1) against tshark 4.0 (packet list, -V,
expert, fields) on the corpus's WebDAV/SMB captures and on captures built here (NTLMSSP
in HTTP headers: Unicode strings, version, MIC, a bare NTLMSSP Negotiate header), and
hostile tokens: never an internal error."""

from __future__ import annotations

import base64
import random
import struct
from pathlib import Path

import pytest
from diffutil import compare_fields, run_analyze, run_tshark
from scapy.all import IP, TCP, Ether, Raw, wrpcap

pytestmark = pytest.mark.tshark

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
CAPTURES = ["ndpi-webdav.pcap", "ndpi-smb_frags.pcap", "ndpi-smbv1.pcap",
            "tcpdump-smb_data_print-segv.pcap"]
ARGS = [[], ["-V"], ["-2", "-V"], ["-q", "-z", "expert"]]
FIELDS = ["ntlmssp.messagetype", "ntlmssp.negotiateflags", "ntlmssp.auth.username",
          "ntlmssp.auth.domain", "ntlmssp.auth.hostname", "ntlmssp.ntlmserverchallenge",
          "ntlmssp.challenge.target_name", "ntlmssp.ntlmv2_response.ntproofstr",
          "ntlmssp.version.build_number", "smb.cmd", "smb.nt_status", "smb.mid",
          "smb.path", "smb.native_os", "smb.dialect.name", "smb.trans2.cmd", "smb.bcc",
          "smb.security_blob_len", "smb.response_to", "gss-api.OID", "spnego.MechType",
          "spnego.negResult", "spnego.krb5.tok_id", "kerberos.msg_type",
          "kerberos.error_code", "kerberos.SNameString", "kerberos.realm", "kerberos.etype"]


@pytest.mark.parametrize("name", CAPTURES)
@pytest.mark.parametrize("args", ARGS)
def test_corpus_capture_equals_tshark(name, args):
    cap = CORPUS / name
    rc, ours, err = run_analyze(["-r", str(cap), *args])
    assert rc == 0, err
    assert ours == run_tshark(["-r", str(cap), *args])


@pytest.mark.parametrize("name", ["ndpi-webdav.pcap", "tcpdump-smb_data_print-segv.pcap",
                                  "ndpi-smbv1.pcap"])
def test_corpus_json_equals_tshark(name):
    """(Not ndpi-smb_frags: its Server GUID is a text item here, labshark having no
    FT_GUID field type yet.)"""
    args = ["-r", str(CORPUS / name), "-T", "json"]
    assert run_analyze(args)[1] == run_tshark(args)


@pytest.mark.parametrize("name", CAPTURES)
def test_corpus_fields_equal_tshark(name):
    assert compare_fields(CORPUS / name, FIELDS) == []


# -- NTLMSSP messages built here ------------------------------------------------------------
def _hdr(n: int, off: int) -> bytes:
    return struct.pack("<HHI", n, n, off)


def _negotiate(version: bool) -> bytes:
    flags = 0xE2088297 | (0x02000000 if version else 0)
    dom, ws = b"WORKGROUP", b"CLIENT1"
    head = 32 + (8 if version else 0)
    msg = b"NTLMSSP\0" + struct.pack("<II", 1, flags) + _hdr(len(dom), head) \
        + _hdr(len(ws), head + len(dom))
    if version:
        msg += bytes([6, 1]) + struct.pack("<H", 7601) + b"\0\0\0\x0f"
    return msg + dom + ws


def _av(pairs: list[tuple[int, bytes]]) -> bytes:
    return b"".join(struct.pack("<HH", t, len(v)) + v for t, v in pairs) + b"\0\0\0\0"


def _challenge() -> bytes:
    target = "DOMAIN".encode("utf-16-le")
    info = _av([(2, target), (1, "SERVER".encode("utf-16-le")),
                (4, "dom.example".encode("utf-16-le")), (6, struct.pack("<I", 2)),
                (7, struct.pack("<Q", 132000000000000000))])
    flags = 0xE28A8215
    head = 56
    return (b"NTLMSSP\0" + struct.pack("<I", 2) + _hdr(len(target), head)
            + struct.pack("<I", flags) + bytes(range(8)) + bytes(8)
            + _hdr(len(info), head + len(target)) + bytes([10, 0]) + struct.pack("<H", 19041)
            + b"\0\0\0\x0f" + target + info)


def _auth(mic: bool) -> bytes:
    uni = "utf-16-le"
    dom, user, host = "DOM".encode(uni), "alice".encode(uni), "WS01".encode(uni)
    blob = (bytes(range(16)) + b"\x01\x01" + bytes(6) + struct.pack("<Q", 132000000000000000)
            + bytes(range(8, 16)) + bytes(4) + _av([(2, "DOM".encode(uni))]) + bytes(4))
    lm = bytes(24)
    key = bytes(range(16))
    head = 88 if mic else 64
    parts = [lm, blob, dom, user, host, key]
    offs = []
    o = head
    for p in parts:
        offs.append(o)
        o += len(p)
    msg = b"NTLMSSP\0" + struct.pack("<I", 3)
    for p, off in zip((lm, blob, dom, user, host, key), offs, strict=True):
        msg += _hdr(len(p), off)
    msg += struct.pack("<I", 0xE2888215 | (0x02000000 if mic else 0))
    if mic:
        msg += bytes([10, 0]) + struct.pack("<H", 19041) + b"\0\0\0\x0f" + bytes(range(16))
    return msg + b"".join(parts)


def _http(i: int, header: str, token: bytes, request: bool = True) -> list:
    b64 = base64.b64encode(token).decode()
    if request:
        text = f"GET /x{i} HTTP/1.1\r\nHost: h\r\n{header}: NTLM {b64}\r\n\r\n"
        sp, dp = 40000 + i, 80
    else:
        text = (f"HTTP/1.1 401 Unauthorized\r\n{header}: NTLM {b64}\r\n"
                f"Content-Length: 0\r\n\r\n")
        sp, dp = 80, 40000 + i
    e = Ether(src="00:11:22:33:44:55", dst="66:77:88:99:aa:bb")
    return [e / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=sp, dport=dp, flags="PA",
                                                          seq=1000, ack=1) / Raw(text.encode())]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pk = []
    pk += _http(1, "Authorization", _negotiate(False))
    pk += _http(2, "Authorization", _negotiate(True))
    pk += _http(3, "WWW-Authenticate", _challenge(), request=False)
    pk += _http(4, "Authorization", _auth(False))
    pk += _http(5, "Authorization", _auth(True))
    pk += _http(6, "Proxy-Authorization", _auth(False))
    cap = tmp_path_factory.mktemp("ntlmssp") / "ntlmssp.pcap"
    wrpcap(str(cap), pk)
    return cap


@pytest.mark.parametrize("args", [[], ["-V"], ["-T", "json"], ["-q", "-z", "expert"]])
def test_built_ntlmssp_equals_tshark(built, args):
    rc, ours, err = run_analyze(["-r", str(built), *args])
    assert rc == 0, err
    assert ours == run_tshark(["-r", str(built), *args])


def test_built_ntlmssp_fields_equal_tshark(built):
    assert compare_fields(built, FIELDS + ["ntlmssp.negotiate.domain",
                                           "ntlmssp.challenge.target_info.dns_domain_name",
                                           "ntlmssp.authenticate.mic"]) == []


# -- SPNEGO with NTLMSSP inside, in SMB session setups and HTTP Negotiate headers ----------
def _der(tag: int, body: bytes) -> bytes:
    n = len(body)
    size = bytes([n]) if n < 0x80 else b"\x81" + bytes([n]) if n < 0x100 else \
        b"\x82" + struct.pack(">H", n)
    return bytes([tag]) + size + body


def _oid(dotted: str) -> bytes:
    arcs = [int(x) for x in dotted.split(".")]
    out = bytes([arcs[0] * 40 + arcs[1]])
    for v in arcs[2:]:
        enc = [v & 0x7F]
        v >>= 7
        while v:
            enc.append(0x80 | (v & 0x7F))
            v >>= 7
        out += bytes(reversed(enc))
    return _der(0x06, out)


def _session_setup(blob: bytes, response: bool, uid: int) -> bytes:
    status = struct.pack("<I", 0xC0000016 if response else 0)
    hdr = (b"\xffSMBs" + status + bytes([0x98 if response else 0x18])
           + struct.pack("<H", 0xC807) + bytes(12) + struct.pack("<HHHH", 0, 0xFEFF, uid, 7))
    if response:
        wct, words = 4, bytes([0xFF, 0]) + struct.pack("<HHH", 0, 0, len(blob))
    else:
        wct, words = 12, bytes([0xFF, 0]) + struct.pack("<HHHHIHII", 0, 4356, 10, 0, 0,
                                                         len(blob), 0, 0x800000D4)
    tail = "Unix".encode("utf-16-le") + b"\0\0" + "Samba".encode("utf-16-le") + b"\0\0"
    pad = b"\0" if (35 + 2 * wct + len(blob)) % 2 else b""
    data = blob + pad + tail
    msg = hdr + bytes([wct]) + words + struct.pack("<H", len(data)) + data
    return struct.pack(">I", len(msg)) + msg


@pytest.fixture(scope="module")
def spnego(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ntlm = "1.3.6.1.4.1.311.2.2.10"
    init = _der(0x60, _oid("1.3.6.1.5.5.2") + _der(0xA0, _der(0x30, _der(
        0xA0, _der(0x30, _oid(ntlm))) + _der(0xA2, _der(0x04, _negotiate(True))))))
    targ = _der(0xA1, _der(0x30, _der(0xA0, _der(0x0A, b"\x01")) + _der(0xA1, _oid(ntlm))
                           + _der(0xA2, _der(0x04, _challenge()))))
    auth = _der(0xA1, _der(0x30, _der(0xA2, _der(0x04, _auth(True)))))
    e = Ether(src="00:11:22:33:44:55", dst="66:77:88:99:aa:bb")
    pk, seq = [], {False: 1000, True: 5000}
    for blob, response in ((init, False), (targ, True), (auth, False)):
        p = _session_setup(blob, response, 100 if blob is not init else 0)
        a, b = ("10.0.0.2", "10.0.0.1") if response else ("10.0.0.1", "10.0.0.2")
        sp, dp = (445, 50000) if response else (50000, 445)
        pk.append(e / IP(src=a, dst=b) / TCP(sport=sp, dport=dp, flags="PA", seq=seq[response],
                                             ack=seq[not response]) / Raw(p))
        seq[response] += len(p)
    for i, tok in enumerate((init, targ)):  # the second, on a new connection: no OID known
        text = (f"GET /n{i} HTTP/1.1\r\nHost: h\r\nAuthorization: Negotiate "
                f"{base64.b64encode(tok).decode()}\r\n\r\n")
        pk.append(e / IP(src="10.0.0.1", dst="10.0.0.3")
                  / TCP(sport=41000 + i, dport=80, flags="PA") / Raw(text.encode()))
    cap = tmp_path_factory.mktemp("spnego") / "spnego.pcap"
    wrpcap(str(cap), pk)
    return cap


@pytest.mark.parametrize("args", [[], ["-V"], ["-T", "json"], ["-q", "-z", "expert"]])
def test_built_spnego_equals_tshark(spnego, args):
    rc, ours, err = run_analyze(["-r", str(spnego), *args])
    assert rc == 0, err
    assert ours == run_tshark(["-r", str(spnego), *args])


def test_hostile_tokens_never_break(tmp_path):
    """Random, cut and lying NTLMSSP/GSS-API tokens in HTTP headers and random SMB
    messages over NetBIOS: every packet is listed, none is an internal error."""
    rnd = random.Random(18)
    pk = []
    good = [_negotiate(True), _challenge(), _auth(True)]
    for i in range(120):
        base = good[i % 3]
        cut = base[:rnd.randrange(8, len(base))]
        data = bytearray(cut)
        for _ in range(rnd.randrange(0, 6)):
            data[rnd.randrange(8, len(data))] = rnd.randrange(256)
        scheme = "NTLM" if i % 4 else "Negotiate"
        tok = bytes(data) if i % 4 else b"\x60" + bytes(rnd.randrange(256)
                                                       for _ in range(rnd.randrange(40)))
        text = f"GET / HTTP/1.1\r\nAuthorization: {scheme} " \
               f"{base64.b64encode(tok).decode()}\r\n\r\n"
        pk.append(Ether() / IP(src="10.0.0.1", dst="10.0.0.2")
                  / TCP(sport=30000 + i, dport=80, flags="PA") / Raw(text.encode()))
        smb = b"\xffSMB" + bytes([rnd.choice((0x72, 0x73, 0x75, 0x32))]) + bytes(
            rnd.randrange(256) for _ in range(rnd.randrange(30, 120)))
        pk.append(Ether() / IP(src="10.0.0.1", dst="10.0.0.3")
                  / TCP(sport=31000 + i, dport=445, flags="PA")
                  / Raw(struct.pack(">I", len(smb)) + smb))
    cap = tmp_path / "hostile.pcap"
    wrpcap(str(cap), pk)
    for args in ([], ["-V"]):
        rc, out, err = run_analyze(["-r", str(cap), *args])
        assert rc == 0 and "internal error" not in err, err
        if not args:
            assert len(out.splitlines()) == len(pk)
