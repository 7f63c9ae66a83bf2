"""GSS-API tokens and the SPNEGO negotiation inside them, as tshark 4.0 shows them
(packet-gssapi.c, packet-spnego.c): the initial-context token's OID (remembered per
connection for the continuation tokens that lack it), negTokenInit
(mechTypes, mechToken, negHints) and negTokenTarg (negResult, supportedMech,
responseToken); a Kerberos token becomes SPNEGO's krb5_blob (kerberos.py), an NTLMSSP
one goes to ntlmssp.py. Registered by name as "gssapi", the entry point SMB's and
SMB2's session setups and HTTP's Negotiate header call.

BER is read with ber.Reader: a length past the token is a malformed packet; nesting is
fixed by the grammar, so the work per token is bounded by its length.
"""

from __future__ import annotations

from dissectors.ber import Reader, Tlv
from dissectors.dispatch import BY_NAME, call_under, register_dissector
from dissectors.escape import format_str
from dissectors.packet import Item, Packet
from dissectors.registry import FT, REGISTRY, Base, Field, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

GSSAPI = protocol("gss-api", "GSS-API Generic Security Service Application Program Interface",
                  "GSS-API")
GSS_OID = GSSAPI.field("gss-api.OID", "OID", FT.STRING)
# (Wireshark files this one as `gssapi.*` under `gss-api`, as stp.py's `mstp.*`.)
UNKNOWN_HEADER = Field("gssapi.unknown_header", "Unknown header", FT.NONE, protocol=GSSAPI)
REGISTRY.add_field(UNKNOWN_HEADER)
GSSAPI.fields.append(UNKNOWN_HEADER)
SPNEGO = protocol("spnego", "Simple Protected Negotiation", "SPNEGO")
_f = SPNEGO.field
NEG_INIT = _f("spnego.negTokenInit_element", "negTokenInit", FT.NONE)
NEG_TARG = _f("spnego.negTokenTarg_element", "negTokenTarg", FT.NONE)
MECH_TYPES = _f("spnego.mechTypes", "mechTypes", FT.UINT32, Base.DEC)
MECH_TYPE = _f("spnego.MechType", "MechType", FT.OID)
REQ_FLAGS = _f("spnego.reqFlags", "reqFlags", FT.BYTES)
MECH_TOKEN = _f("spnego.mechToken", "mechToken", FT.BYTES)
MECH_LIST_MIC = _f("spnego.mechListMIC", "mechListMIC", FT.BYTES)
NEG_HINTS = _f("spnego.negHints_element", "negHints", FT.NONE)
HINT_NAME = _f("spnego.hintName", "hintName", FT.STRING)
HINT_ADDRESS = _f("spnego.hintAddress", "hintAddress", FT.BYTES)
NEG_RESULTS = {0: "accept-completed", 1: "accept-incomplete", 2: "reject", 3: "request-mic"}
NEG_RESULT = _f("spnego.negResult", "negResult", FT.UINT32, Base.DEC, strings=NEG_RESULTS)
SUPPORTED_MECH = _f("spnego.supportedMech", "supportedMech", FT.OID)
RESPONSE_TOKEN = _f("spnego.responseToken", "responseToken", FT.BYTES)
KRB5_BLOB = _f("spnego.krb5.blob", "krb5_blob", FT.BYTES)
KRB5_OID = _f("spnego.krb5_oid", "KRB5 OID", FT.STRING)
TOK_IDS = {0x0001: "KRB5_AP_REQ", 0x0002: "KRB5_AP_REP", 0x0003: "KRB5_ERROR",
           0x0101: "KRB5_GSS_GetMIC", 0x0201: "KRB5_GSS_Wrap", 0x0404: "KRB5_CFX_GetMic",
           0x0504: "KRB5_CFX_WRAP"}
TOK_ID = _f("spnego.krb5.tok_id", "krb5_tok_id", FT.UINT16, Base.HEX, strings=TOK_IDS)
SPNEGO_KRB5 = protocol("spnego-krb5", "SPNEGO-KRB5", "SPNEGO-KRB5")

OID_SPNEGO = "1.3.6.1.5.5.2"
OID_NTLMSSP = "1.3.6.1.4.1.311.2.2.10"
KRB5_OIDS = frozenset({"1.2.840.113554.1.2.2", "1.2.840.48018.1.2.2",
                       "1.2.840.113554.1.2.2.3"})
OID_NAMES = {
    OID_SPNEGO: "SPNEGO - Simple Protected Negotiation",
    "1.3.6.1.4.1.311.2.2.30": "NEGOEX - SPNEGO Extended Negotiation Security Mechanism",
    "1.2.840.48018.1.2.2": "MS KRB5 - Microsoft Kerberos 5",
    "1.2.840.113554.1.2.2": "KRB5 - Kerberos 5",
    "1.2.840.113554.1.2.2.3": "KRB5 - Kerberos 5 - User to User",
    OID_NTLMSSP: "NTLMSSP - Microsoft NTLM Security Support Provider",
}


def oid_label(name: str, oid: str) -> str:
    known = OID_NAMES.get(oid)
    return f"{name}: {oid} ({known})" if known else f"{name}: {oid}"


class _Tok:
    """One token: its bytes (a Tvb), the packet, and the mechanism negotiated so far."""

    def __init__(self, tvb: Tvb, pkt: Packet, session: Session) -> None:
        self.tvb, self.pkt, self.session = tvb, pkt, session
        self.r = Reader(tvb.buf)
        self.src = tvb.source
        self.mech: str | None = None

    def add(self, parent: Item, f, v: object, off: int, n: int,  # noqa: ANN001
            text: str | None = None) -> Item:
        return self.pkt.add(parent, f, v, off, n, text, source=self.src)

    def sub(self, off: int, end: int) -> Tvb:
        return Tvb(self.tvb.buf, off, end, end, self.src)


def dissect_gssapi(tvb: Tvb, pkt: Packet, session: Session) -> int:
    """A GSS-API token: [APPLICATION 0] with the mechanism's OID, or (a continuation)
    a bare SPNEGO token or NTLMSSP message."""
    session.current_proto = "gss-api"
    s, end = tvb.start, tvb.end
    top = pkt.add_proto(GSSAPI, s, end - s, GSSAPI.name, source=tvb.source)
    top.value = None
    tok = _Tok(tvb, pkt, session)
    if bytes(tvb.buf[s:s + 8]) == b"NTLMSSP\0":
        fn = BY_NAME.get("ntlmssp")
        if fn is not None:
            call_under(top, fn, tok.sub(s, end), pkt, session)
        return end - s
    first = tvb.u8(s)
    convs = session.state("gssapi.convs", dict)  # the OID each connection's tokens use
    a, b = (pkt.net_src, pkt.srcport), (pkt.net_dst, pkt.dstport)
    conv = (a, b) if a <= b else (b, a)
    if first == 0x60:
        app = tok.r.tlv(s, end, 0x60)
        o = tok.r.tlv(app.off, app.end, 0x06)
        oid = tok.r.oid(o)
        convs[conv] = oid
        tok.add(top, GSS_OID, oid, o.off, o.length, oid_label("OID", oid))
        if oid == OID_SPNEGO:
            _spnego(tok, top, o.end, app.end)
        elif oid == OID_NTLMSSP and "ntlmssp" in BY_NAME:
            call_under(top, BY_NAME["ntlmssp"], tok.sub(o.end, app.end), pkt, session)
        return end - s
    if convs.get(conv) == OID_SPNEGO:
        _spnego(tok, top, s, end)
    else:  # a continuation token, but no initial token was seen on this connection
        text = f"Unknown header (class={first >> 6}, pc={(first >> 5) & 1}, tag={first & 0x1F})"
        it = pkt.add_text(top, text, s, 0, source=tvb.source)
        pkt.add_expert(it, "warning", "protocol", text, "gss-api", field=UNKNOWN_HEADER)
    return end - s


def _spnego(tok: _Tok, parent: Item, off: int, end: int) -> None:
    pkt = tok.pkt
    tok.session.current_proto = "spnego"
    first = len(pkt.tree)
    top = pkt.add_proto(SPNEGO, off, end - off, SPNEGO.name, source=tok.src)
    top.value = None
    moved = pkt.tree[first:]
    del pkt.tree[first:]
    parent.children = (parent.children or []) + moved
    choice = tok.r.tlv(off, end)
    seq = tok.r.tlv(choice.off, choice.end, 0x30)
    if choice.ident == 0xA0:
        tree = tok.add(top, NEG_INIT, None, choice.start, choice.end - choice.start)
        _neg_init(tok, tree, seq)
    elif choice.ident == 0xA1:
        tree = tok.add(top, NEG_TARG, None, choice.start, choice.end - choice.start)
        _neg_targ(tok, tree, seq)


def _fields(tok: _Tok, seq: Tlv) -> list[tuple[int, Tlv]]:
    """The [n] fields of a SEQUENCE: (n, the value inside the tag)."""
    out = []
    p = seq.off
    while p < seq.end:
        t = tok.r.tlv(p, seq.end)
        if t.cls == 2 and t.constructed and t.length:
            out.append((t.tag, tok.r.tlv(t.off, t.end)))
        p = t.end
    return out


def _neg_init(tok: _Tok, tree: Item, seq: Tlv) -> None:
    for tag, v in _fields(tok, seq):
        if tag == 0:  # mechTypes
            oids = []
            p = v.off
            while p < v.end:
                o = tok.r.tlv(p, v.end, 0x06)
                oids.append((tok.r.oid(o), o))
                p = o.end
            n = len(oids)
            lst = tok.add(tree, MECH_TYPES, n, v.start, v.end - v.start,
                          f"mechTypes: {n} item{'s' if n != 1 else ''}")
            for oid, o in oids:
                tok.add(lst, MECH_TYPE, oid, o.off, o.length, oid_label("MechType", oid))
            if oids:
                tok.mech = oids[0][0]
        elif tag == 1:
            tok.add(tree, REQ_FLAGS, tok.r.raw(v), v.off, v.length)
        elif tag == 2:
            it = tok.add(tree, MECH_TOKEN, tok.r.raw(v), v.off, v.length)
            _inner(tok, tree, it, v)
        elif tag == 3:
            hints = tok.add(tree, NEG_HINTS, None, v.start, v.end - v.start)
            for htag, hv in _fields(tok, v):
                if htag == 0:
                    text = tok.r.raw(hv).decode("ascii", "replace")
                    tok.add(hints, HINT_NAME, text, hv.off, hv.length,
                            f"hintName: {format_str(text)}")
                elif htag == 1:
                    tok.add(hints, HINT_ADDRESS, tok.r.raw(hv), hv.off, hv.length)
        elif tag == 4:
            tok.add(tree, MECH_LIST_MIC, tok.r.raw(v), v.off, v.length)


def _neg_targ(tok: _Tok, tree: Item, seq: Tlv) -> None:
    for tag, v in _fields(tok, seq):
        if tag == 0:
            tok.add(tree, NEG_RESULT, tok.r.int(v), v.off, v.length)
        elif tag == 1:
            oid = tok.r.oid(v)
            tok.add(tree, SUPPORTED_MECH, oid, v.off, v.length, oid_label("supportedMech", oid))
            tok.mech = oid
        elif tag == 2:
            it = tok.add(tree, RESPONSE_TOKEN, tok.r.raw(v), v.off, v.length)
            _inner(tok, tree, it, v)
        elif tag == 3:
            tok.add(tree, MECH_LIST_MIC, tok.r.raw(v), v.off, v.length)


def _inner(tok: _Tok, tree: Item, item: Item, v: Tlv) -> None:
    """The mechanism's own token: Kerberos (krb5_blob) or NTLMSSP."""
    if not v.length:
        return
    if tok.mech in KRB5_OIDS:
        _krb5_blob(tok, tree, v.off, v.end)
    elif bytes(tok.tvb.buf[v.off:v.off + 8]) == b"NTLMSSP\0" and "ntlmssp" in BY_NAME:
        call_under(tree, BY_NAME["ntlmssp"], tok.sub(v.off, v.end), tok.pkt, tok.session)


def _krb5_blob(tok: _Tok, tree: Item, off: int, end: int) -> None:
    pkt, t = tok.pkt, tok.tvb
    tok.session.current_proto = "spnego-krb5"
    pkt.protocols.append(SPNEGO_KRB5.abbrev)
    blob = tok.add(tree, KRB5_BLOB, bytes(t.buf[off:end]), off, end - off)
    krb = BY_NAME.get("kerberos")
    if t.u8(off) == 0x60:
        app = tok.r.tlv(off, end, 0x60)
        o = tok.r.tlv(app.off, app.end, 0x06)
        oid = tok.r.oid(o)
        tok.add(blob, KRB5_OID, oid, o.off, o.length, oid_label("KRB5 OID", oid))
        p = o.end
        tok_id = t.u16le(p)
        tok.add(blob, TOK_ID, tok_id, p, 2)
        if tok_id in (0x0001, 0x0002, 0x0003) and krb is not None:
            call_under(blob, krb, tok.sub(p + 2, app.end), pkt, tok.session)
    elif krb is not None:
        call_under(blob, krb, tok.sub(off, end), pkt, tok.session)


register_dissector("gssapi", dissect_gssapi)
