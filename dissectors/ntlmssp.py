"""NTLMSSP (NTLM Secure Service Provider) as tshark 4.0 shows its three handshake
messages (packet-ntlmssp.c): NEGOTIATE, CHALLENGE (target info pairs) and AUTH
(responses, NTLMv2 response, names). Called by name ("ntlmssp") from HTTP's
Authorization headers and from GSS-API/SPNEGO. No key derivation or decryption.

Every offset read from the message is bounded by the message's bytes (Tvb).
"""

from __future__ import annotations

from dissectors.dispatch import register_dissector
from dissectors.escape import format_str
from dissectors.netbios_names import bit_label, bitmask_header
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

NTLMSSP = protocol("ntlmssp", "NTLM Secure Service Provider", "NTLMSSP")
_f = NTLMSSP.field
MSG_TYPES = {1: "NTLMSSP_NEGOTIATE", 2: "NTLMSSP_CHALLENGE", 3: "NTLMSSP_AUTH",
             4: "NTLMSSP_UNKNOWN"}
IDENT = _f("ntlmssp.identifier", "NTLMSSP identifier", FT.STRING)
MSG_TYPE = _f("ntlmssp.messagetype", "NTLM Message Type", FT.UINT32, Base.HEX,
              strings=MSG_TYPES)
FLAGS = _f("ntlmssp.negotiateflags", "Negotiate Flags", FT.UINT32, Base.HEX)
_FLAG_ROWS = (
    ("negotiateunicode", "Negotiate UNICODE"), ("negotiateoem", "Negotiate OEM"),
    ("requesttarget", "Request Target"), ("negotiate00000008", "Request 0x00000008"),
    ("negotiatesign", "Negotiate Sign"), ("negotiateseal", "Negotiate Seal"),
    ("negotiatedatagram", "Negotiate Datagram"),
    ("negotiatelmkey", "Negotiate Lan Manager Key"),
    ("negotiate00000100", "Negotiate 0x00000100"), ("negotiatentlm", "Negotiate NTLM key"),
    ("negotiatentonly", "Negotiate NT Only"), ("negotiateanonymous", "Negotiate Anonymous"),
    ("negotiateoemdomainsupplied", "Negotiate OEM Domain Supplied"),
    ("negotiateoemworkstationsupplied", "Negotiate OEM Workstation Supplied"),
    ("negotiate00004000", "Negotiate 0x00004000"),
    ("negotiatealwayssign", "Negotiate Always Sign"),
    ("targettypedomain", "Target Type Domain"), ("targettypeserver", "Target Type Server"),
    ("targettypeshare", "Target Type Share"),
    ("negotiatentlm2", "Negotiate Extended Security"),
    ("negotiateidentify", "Negotiate Identify"),
    ("negotiatent00200000", "Negotiate 0x00200000"),
    ("requestnonntsession", "Request Non-NT Session"),
    ("negotiatetargetinfo", "Negotiate Target Info"),
    ("negotiatent01000000", "Negotiate 0x01000000"), ("negotiateversion", "Negotiate Version"),
    ("negotiatent04000000", "Negotiate 0x04000000"),
    ("negotiatent08000000", "Negotiate 0x08000000"),
    ("negotiatent10000000", "Negotiate 0x10000000"), ("negotiate128", "Negotiate 128"),
    ("negotiatekeyexch", "Negotiate Key Exchange"), ("negotiate56", "Negotiate 56"),
)
FLAG_BITS = tuple(_f(f"ntlmssp.{a}", n, FT.BOOLEAN, bitmask=1 << i,
                     strings=("Set", "Not set")) for i, (a, n) in reversed(list(enumerate(_FLAG_ROWS))))
UNICODE = 0x1
NEG_DOMAIN = _f("ntlmssp.negotiate.domain", "Calling workstation domain", FT.STRING)
NEG_WORKSTATION = _f("ntlmssp.negotiate.callingworkstation", "Calling workstation name",
                     FT.STRING)
CLIENT_CHALLENGE = _f("ntlmssp.ntlmclientchallenge", "LMv2 Client Challenge", FT.BYTES)
SERVER_CHALLENGE = _f("ntlmssp.ntlmserverchallenge", "NTLM Server Challenge", FT.BYTES)
RESERVED = _f("ntlmssp.reserved", "Reserved", FT.BYTES)
TARGET_NAME = _f("ntlmssp.challenge.target_name", "Target Name", FT.STRING)
AUTH_DOMAIN = _f("ntlmssp.auth.domain", "Domain name", FT.STRING)
AUTH_USER = _f("ntlmssp.auth.username", "User name", FT.STRING)
AUTH_HOST = _f("ntlmssp.auth.hostname", "Host name", FT.STRING)
LM_RESPONSE = _f("ntlmssp.auth.lmresponse", "Lan Manager Response", FT.BYTES)
NT_RESPONSE = _f("ntlmssp.auth.ntresponse", "NTLM Response", FT.BYTES)
SESSION_KEY = _f("ntlmssp.auth.sesskey", "Session Key", FT.BYTES)
MIC = _f("ntlmssp.authenticate.mic", "MIC", FT.BYTES)
_HDR = {k: (_f(f"ntlmssp.{k}.length", "Length", FT.UINT16, Base.DEC),
            _f(f"ntlmssp.{k}.maxlen", "Maxlen", FT.UINT16, Base.DEC),
            _f(f"ntlmssp.{k}.offset", "Offset", FT.UINT32, Base.DEC))
        for k in ("string", "blob", "challenge.target_info")}
TARGET_INFO = _f("ntlmssp.challenge.target_info", "Target Info", FT.NONE)
VERSION = _f("ntlmssp.version", "Version", FT.NONE)
VER_MAJOR = _f("ntlmssp.version.major", "Major Version", FT.UINT8, Base.DEC)
VER_MINOR = _f("ntlmssp.version.minor", "Minor Version", FT.UINT8, Base.DEC)
VER_BUILD = _f("ntlmssp.version.build_number", "Build Number", FT.UINT16, Base.DEC)
VER_REV = _f("ntlmssp.version.ntlm_current_revision", "NTLM Current Revision", FT.UINT8,
             Base.DEC)
V2 = _f("ntlmssp.ntlmv2_response", "NTLMv2 Response", FT.BYTES)
V2_PROOF = _f("ntlmssp.ntlmv2_response.ntproofstr", "NTProofStr", FT.BYTES)
V2_RVER = _f("ntlmssp.ntlmv2_response.rversion", "Response Version", FT.UINT8, Base.DEC)
V2_HIVER = _f("ntlmssp.ntlmv2_response.hirversion", "Hi Response Version", FT.UINT8,
              Base.DEC)
V2_Z = _f("ntlmssp.ntlmv2_response.z", "Z", FT.BYTES)
V2_TIME = _f("ntlmssp.ntlmv2_response.time", "Time", FT.ABSOLUTE_TIME, Base.UTC)
V2_CHAL = _f("ntlmssp.ntlmv2_response.chal", "NTLMv2 Client Challenge", FT.BYTES)
V2_PAD = _f("ntlmssp.ntlmv2_response.pad", "padding", FT.BYTES)

AV_NAMES = {0: "End of list", 1: "NetBIOS computer name", 2: "NetBIOS domain name",
            3: "DNS computer name", 4: "DNS domain name", 5: "DNS tree name", 6: "Flags",
            7: "Timestamp", 8: "Restrictions", 9: "Target Name", 10: "Channel Bindings"}


def _av_fields(base: str, item: str) -> tuple[Field, Field, dict[int, Field]]:
    typ = _f(f"{base}.item.type", f"{item} Type", FT.UINT16, Base.HEX, strings=AV_NAMES)
    length = _f(f"{base}.item.length", f"{item} Length", FT.UINT16, Base.DEC)
    vals = {1: _f(f"{base}.nb_computer_name", "NetBIOS Computer Name", FT.STRING),
            2: _f(f"{base}.nb_domain_name", "NetBIOS Domain Name", FT.STRING),
            3: _f(f"{base}.dns_computer_name", "DNS Computer Name", FT.STRING),
            4: _f(f"{base}.dns_domain_name", "DNS Domain Name", FT.STRING),
            5: _f(f"{base}.dns_tree_name", "DNS Tree Name", FT.STRING),
            6: _f(f"{base}.flags", "Flags", FT.UINT32, Base.HEX),
            7: _f(f"{base}.timestamp", "Timestamp", FT.ABSOLUTE_TIME, Base.UTC),
            8: _f(f"{base}.restrictions", "Restrictions", FT.BYTES),
            9: _f(f"{base}.target_name", "Target Name", FT.STRING),
            10: _f(f"{base}.channel_bindings", "Channel Bindings", FT.BYTES)}
    return typ, length, vals


AV_CHALLENGE = _av_fields("ntlmssp.challenge.target_info", "Target Info Item")
AV_V2 = _av_fields("ntlmssp.ntlmv2_response", "NTLMV2 Response Item")
FILETIME_EPOCH = 116444736000000000  # 100 ns units from 1601 to 1970


def filetime_ns(v: int) -> int:
    """A Windows FILETIME as nanoseconds since 1970."""
    return (v - FILETIME_EPOCH) * 100


class _Msg:
    """One NTLMSSP message: its bytes, where it starts, and the lowest data offset."""

    def __init__(self, tvb: Tvb, pkt: Packet, top: Item) -> None:
        self.tvb, self.pkt, self.s, self.src = tvb, pkt, tvb.start, tvb.source
        self.top = top
        self.data_start = tvb.end - tvb.start  # (relative) lowest offset a field points to

    def add(self, parent: Item, f: Field, v: object, off: int, n: int,
            text: str | None = None) -> Item:
        return self.pkt.add(parent, f, v, off, n, text, source=self.src)

    def header(self, off: int, kind: str) -> tuple[int, int, int]:
        """(length, maxlen, relative offset) of a string/blob header at `off`."""
        t = self.tvb
        n, mx, rel = t.u16le(off), t.u16le(off + 2), t.u32le(off + 4)
        if n:
            self.data_start = min(self.data_start, rel)
        return n, mx, rel

    def hdr_items(self, parent: Item, off: int, kind: str, n: int, mx: int, rel: int) -> None:
        fl, fm, fo = _HDR[kind]
        self.add(parent, fl, n, off, 2)
        self.add(parent, fm, mx, off + 2, 2)
        self.add(parent, fo, rel, off + 4, 4)

    def string(self, off: int, f: Field, unicode: bool) -> str:
        n, mx, rel = self.header(off, "string")
        if n == 0:
            self.add(self.top, f, "NULL", off, 8, f"{f.name}: NULL")
            return ""
        raw = self.tvb.bytes(self.s + rel, n)
        text = raw.decode("utf-16-le", "replace") if unicode else \
            raw.decode("ascii", "replace")
        it = self.add(self.top, f, text, self.s + rel, n, f"{f.name}: {format_str(text)}")
        self.hdr_items(it, off, "string", n, mx, rel)
        return text

    def blob(self, off: int, f: Field) -> tuple[Item, int, int]:
        n, mx, rel = self.header(off, "blob")
        if n == 0:
            return self.add(self.top, f, self.tvb.bytes(off, 8), off, 8,
                            f"{f.name}: Empty"), rel, 0
        raw = self.tvb.bytes(self.s + rel, n)
        it = self.add(self.top, f, raw, self.s + rel, n)
        self.hdr_items(it, off, "blob", n, mx, rel)
        return it, rel, n

    def flags(self, off: int) -> int:
        v = self.tvb.u32le(off)
        text = bitmask_header(f"Negotiate Flags: 0x{v:08x}", v, FLAG_BITS) \
            if self.pkt.tree_on else None
        it = self.add(self.top, FLAGS, v, off, 4, text)
        for b in FLAG_BITS:
            self.add(it, b, bool(v & b.bitmask), off, 4, bit_label(b, v, 32))
        return v

    def version(self, off: int) -> None:
        t = self.tvb
        major, minor, build, rev = t.u8(off), t.u8(off + 1), t.u16le(off + 2), t.u8(off + 7)
        it = self.add(self.top, VERSION, None, off, 8,
                      f"Version {major}.{minor} (Build {build}); NTLM Current Revision {rev}")
        self.add(it, VER_MAJOR, major, off, 1)
        self.add(it, VER_MINOR, minor, off + 1, 1)
        self.add(it, VER_BUILD, build, off + 2, 2)
        self.add(it, VER_REV, rev, off + 7, 1)

    def av_pairs(self, parent: Item, off: int, end: int,
                 fields: tuple[Field, Field, dict[int, Field]]) -> int:
        """Target info pairs from `off` to End of list (or `end`); returns where they end."""
        typ_f, len_f, vals = fields
        t = self.tvb
        while off + 4 <= end:
            typ, n = t.u16le(off), t.u16le(off + 2)
            name = AV_NAMES.get(typ, "Unknown")
            vf = vals.get(typ)
            label = f"Attribute: {name}"
            value: object = None
            if vf is not None and n:
                raw = t.bytes(off + 4, n)
                if vf.type is FT.STRING:
                    value = raw.decode("utf-16-le", "replace")
                    label += f": {format_str(value)}"  # type: ignore[str-bytes-safe]
                elif vf.type is FT.ABSOLUTE_TIME:
                    value = filetime_ns(int.from_bytes(raw[:8], "little"))
                elif vf.type is FT.UINT32:
                    value = int.from_bytes(raw[:4], "little")
                else:
                    value = raw
            it = self.pkt.add_text(parent, label, off, 4 + n, source=self.src)
            self.add(it, typ_f, typ, off, 2)
            self.add(it, len_f, n, off + 2, 2)
            if value is not None and vf is not None:
                self.add(it, vf, value, off + 4, n)
            off += 4 + n
            if typ == 0:
                break
        return off


VERF = NTLMSSP.field("ntlmssp.verf", "NTLMSSP Verifier", FT.NONE)
VERF_VERS = NTLMSSP.field("ntlmssp.verf.vers", "Version Number", FT.UINT32, Base.DEC)
VERF_BODY = NTLMSSP.field("ntlmssp.verf.body", "Verifier Body", FT.BYTES)


def add_verifier(tvb: Tvb, pkt: Packet, parent: Item) -> None:
    """A message signature (DCE/RPC's auth verifier): its version and body, shown as
    bytes (no session key to check it with)."""
    s, src = tvb.start, tvb.source
    item = pkt.add(parent, VERF, None, s, 16, source=src)
    pkt.add(item, VERF_VERS, tvb.u32le(s), s, 4, source=src)
    pkt.add(item, VERF_BODY, tvb.bytes(s + 4, 12), s + 4, 12, source=src)


def dissect_ntlmssp(tvb: Tvb, pkt: Packet, session: Session) -> int:
    """One NTLMSSP message from tvb.start; adds its Info text (", NTLMSSP_AUTH, ...")."""
    session.current_proto = "ntlmssp"
    s = tvb.start
    top = pkt.add_proto(NTLMSSP, s, tvb.end - s, NTLMSSP.name, source=tvb.source)
    top.value = None
    m = _Msg(tvb, pkt, top)
    ident = tvb.bytes(s, 8)
    m.add(top, IDENT, ident.split(b"\0", 1)[0].decode("ascii", "replace"), s, 8)
    typ = tvb.u32le(s + 8)
    m.add(top, MSG_TYPE, typ, s + 8, 4)
    pkt.append_info(MSG_TYPES.get(typ, f"Unknown message type {typ}"), ", ")
    if typ == 1:
        flags = m.flags(s + 12)
        m.string(s + 16, NEG_DOMAIN, False)
        m.string(s + 24, NEG_WORKSTATION, False)
        if 32 < m.data_start and tvb.end - s >= 40:
            m.version(s + 32)
    elif typ == 2:
        flags = tvb.u32le(s + 20)
        m.string(s + 12, TARGET_NAME, bool(flags & UNICODE))
        m.flags(s + 20)
        m.add(top, SERVER_CHALLENGE, tvb.bytes(s + 24, 8), s + 24, 8)
        m.add(top, RESERVED, tvb.bytes(s + 32, 8), s + 32, 8)
        n, mx, rel = m.header(s + 40, "challenge.target_info")
        ti = m.add(top, TARGET_INFO, None, s + 40, 8 if not n else n)
        m.hdr_items(ti, s + 40, "challenge.target_info", n, mx, rel)
        if n:
            tvb.need(s + rel, n)
            m.av_pairs(ti, s + rel, s + rel + n, AV_CHALLENGE)
        if 48 < m.data_start and tvb.end - s >= 56:
            m.version(s + 48)
    elif typ == 3:
        flags = tvb.u32le(s + 60)
        uni = bool(flags & UNICODE)
        _lm_item, lm_rel, lm_n = m.blob(s + 12, LM_RESPONSE)
        if lm_n >= 24 and tvb.bytes(s + lm_rel + 8, 16) == bytes(16):
            m.add(top, CLIENT_CHALLENGE, tvb.bytes(s + lm_rel, 8), s + lm_rel, 8)
        nt_item, rel, n = m.blob(s + 20, NT_RESPONSE)
        if n > 24:
            _ntlmv2(m, nt_item, s + rel, n)
        domain = m.string(s + 28, AUTH_DOMAIN, uni)
        user = m.string(s + 36, AUTH_USER, uni)
        m.string(s + 44, AUTH_HOST, uni)
        m.blob(s + 52, SESSION_KEY)
        m.flags(s + 60)
        if 64 < m.data_start and tvb.end - s >= 72:
            m.version(s + 64)
            if 72 < m.data_start and tvb.end - s >= 88:
                m.add(top, MIC, tvb.bytes(s + 72, 16), s + 72, 16)
        pkt.append_info(f", User: {format_str(domain)}\\{format_str(user)}")
    return tvb.end - s


def _ntlmv2(m: _Msg, parent: Item, off: int, n: int) -> None:
    t = m.tvb
    v2 = m.add(parent, V2, t.bytes(off, n), off, n)
    m.add(v2, V2_PROOF, t.bytes(off, 16), off, 16)
    m.add(v2, V2_RVER, t.u8(off + 16), off + 16, 1)
    m.add(v2, V2_HIVER, t.u8(off + 17), off + 17, 1)
    m.add(v2, V2_Z, t.bytes(off + 18, 6), off + 18, 6)
    m.add(v2, V2_TIME, filetime_ns(int.from_bytes(t.bytes(off + 24, 8), "little")),
          off + 24, 8)
    m.add(v2, V2_CHAL, t.bytes(off + 32, 8), off + 32, 8)
    m.add(v2, V2_Z, t.bytes(off + 40, 4), off + 40, 4)
    end = m.av_pairs(v2, off + 44, off + n, AV_V2)
    if end < off + n:
        m.add(v2, V2_PAD, t.bytes(end, off + n - end), end, off + n - end)


register_dissector("ntlmssp", dissect_ntlmssp)
