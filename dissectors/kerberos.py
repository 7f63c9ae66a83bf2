"""Kerberos 5 messages as far as tshark 4.0 shows them inside SPNEGO (packet-kerberos.c):
AP-REQ (ticket and authenticator, encrypted parts as bytes) and KRB-ERROR. Called by
name ("kerberos") from gssapi.py's krb5_blob; not in the frame's protocol stack, as
tshark's is not there. Other messages show their protocol item only.
"""

from __future__ import annotations

import calendar

from dissectors.ber import BITSTRING_PADDING, Reader, Tlv
from dissectors.dispatch import register_dissector
from dissectors.escape import format_str
from dissectors.netbios_names import bit_label
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.tvb import ReportedBoundsError, Tvb

KRB = protocol("kerberos", "Kerberos", "KRB5")
_f = KRB.field
MSG_TYPES = {10: "krb-as-req", 11: "krb-as-rep", 12: "krb-tgs-req", 13: "krb-tgs-rep",
             14: "krb-ap-req", 15: "krb-ap-rep", 16: "krb-tgt-req", 17: "krb-tgt-rep",
             20: "krb-safe", 21: "krb-priv", 22: "krb-cred", 30: "krb-error"}
NAME_TYPES = {0: "kRB5-NT-UNKNOWN", 1: "kRB5-NT-PRINCIPAL", 2: "kRB5-NT-SRV-INST",
              3: "kRB5-NT-SRV-HST", 4: "kRB5-NT-SRV-XHST", 5: "kRB5-NT-UID",
              6: "kRB5-NT-X500-PRINCIPAL", 7: "kRB5-NT-SMTP-NAME",
              10: "kRB5-NT-ENTERPRISE-PRINCIPAL", 11: "kRB5-NT-WELLKNOWN",
              12: "kRB5-NT-SRV-HST-DOMAIN", -130: "kRB5-NT-ENT-PRINCIPAL-AND-ID",
              -128: "kRB5-NT-MS-PRINCIPAL", -129: "kRB5-NT-MS-PRINCIPAL-AND-ID"}
ETYPES = {0: "eTYPE-NULL", 1: "eTYPE-DES-CBC-CRC", 2: "eTYPE-DES-CBC-MD4",
          3: "eTYPE-DES-CBC-MD5", 5: "eTYPE-DES3-CBC-MD5", 7: "eTYPE-OLD-DES3-CBC-SHA1",
          16: "eTYPE-DES3-CBC-SHA1", 17: "eTYPE-AES128-CTS-HMAC-SHA1-96",
          18: "eTYPE-AES256-CTS-HMAC-SHA1-96", 19: "eTYPE-AES128-CTS-HMAC-SHA256-128",
          20: "eTYPE-AES256-CTS-HMAC-SHA384-192", 23: "eTYPE-ARCFOUR-HMAC-MD5",
          24: "eTYPE-ARCFOUR-HMAC-MD5-56", 25: "eTYPE-CAMELLIA128-CTS-CMAC",
          26: "eTYPE-CAMELLIA256-CTS-CMAC", -128: "eTYPE-ARCFOUR-MD4",
          -133: "eTYPE-ARCFOUR-HMAC-OLD", -135: "eTYPE-ARCFOUR-HMAC-OLD-EXP"}
ERROR_CODES = {0: "eRR-NONE", 6: "eRR-C-PRINCIPAL-UNKNOWN", 7: "eRR-S-PRINCIPAL-UNKNOWN",
               14: "eRR-ETYPE-NOSUPP", 23: "eRR-KEY-EXP", 24: "eRR-PREAUTH-FAILED",
               25: "eRR-PREAUTH-REQUIRED", 31: "eRR-BAD-INTEGRITY", 32: "eRR-TKT-EXPIRED",
               33: "eRR-TKT-NYV", 34: "eRR-REPEAT", 35: "eRR-NOT-US", 36: "eRR-BADMATCH",
               37: "eRR-SKEW", 41: "eRR-MODIFIED", 52: "eRR-RESPONSE-TOO-BIG",
               60: "eRR-GENERIC", 68: "eRR-WRONG-REALM"}
# packet-kerberos.c's krb5_error_codes: the names the Info column shows.
ERROR_INFO = {6: "KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN", 7: "KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN",
              14: "KRB5KDC_ERR_ETYPE_NOSUPP", 23: "KRB5KDC_ERR_KEY_EXP",
              24: "KRB5KDC_ERR_PREAUTH_FAILED", 25: "KRB5KDC_ERR_PREAUTH_REQUIRED",
              31: "KRB5KRB_AP_ERR_BAD_INTEGRITY", 32: "KRB5KRB_AP_ERR_TKT_EXPIRED",
              33: "KRB5KRB_AP_ERR_TKT_NYV", 34: "KRB5KRB_AP_ERR_REPEAT",
              35: "KRB5KRB_AP_ERR_NOT_US", 36: "KRB5KRB_AP_ERR_BADMATCH",
              37: "KRB5KRB_AP_ERR_SKEW", 41: "KRB5KRB_AP_ERR_MODIFIED",
              52: "KRB5KRB_ERR_RESPONSE_TOO_BIG", 60: "KRB5KRB_ERR_GENERIC",
              68: "KRB5_KDC_ERR_WRONG_REALM"}
AP_REQ = _f("kerberos.ap_req_element", "ap-req", FT.NONE)
KRB_ERROR = _f("kerberos.krb_error_element", "krb-error", FT.NONE)
PVNO = _f("kerberos.pvno", "pvno", FT.UINT32, Base.DEC)
MSG_TYPE = _f("kerberos.msg_type", "msg-type", FT.INT32, Base.DEC, strings=MSG_TYPES)
AP_OPTIONS = _f("kerberos.ap_options", "ap-options", FT.BYTES)
AP_OPTION_BITS = tuple(_f(f"kerberos.APOptions.{a}", n, FT.BOOLEAN, bitmask=m)
                       for a, n, m in (("reserved", "reserved", 0x80),
                                       ("use.session.key", "use-session-key", 0x40),
                                       ("mutual.required", "mutual-required", 0x20)))
TICKET = _f("kerberos.ticket_element", "ticket", FT.NONE)
TKT_VNO = _f("kerberos.tkt_vno", "tkt-vno", FT.UINT32, Base.DEC)
REALM = _f("kerberos.realm", "realm", FT.STRING)
SNAME = _f("kerberos.sname_element", "sname", FT.NONE)
NAME_TYPE = _f("kerberos.name_type", "name-type", FT.INT32, Base.DEC, strings=NAME_TYPES)
SNAME_STRING = _f("kerberos.sname_string", "sname-string", FT.UINT32, Base.DEC)
SNAME_STR = _f("kerberos.SNameString", "SNameString", FT.STRING)
ENC_PART = _f("kerberos.enc_part_element", "enc-part", FT.NONE)
ETYPE = _f("kerberos.etype", "etype", FT.INT32, Base.DEC, strings=ETYPES)
KVNO = _f("kerberos.kvno", "kvno", FT.UINT32, Base.DEC)
CIPHER = _f("kerberos.cipher", "cipher", FT.BYTES)
AUTHENTICATOR = _f("kerberos.authenticator_element", "authenticator", FT.NONE)
CTIME = _f("kerberos.ctime", "ctime", FT.ABSOLUTE_TIME, Base.UTC)
CUSEC = _f("kerberos.cusec", "cusec", FT.UINT32, Base.DEC)
STIME = _f("kerberos.stime", "stime", FT.ABSOLUTE_TIME, Base.UTC)
SUSEC = _f("kerberos.susec", "susec", FT.UINT32, Base.DEC)
ERROR_CODE = _f("kerberos.error_code", "error-code", FT.INT32, Base.DEC, strings=ERROR_CODES)
CREALM = _f("kerberos.crealm", "crealm", FT.STRING)
E_TEXT = _f("kerberos.e_text", "e-text", FT.STRING)
E_DATA = _f("kerberos.e_data", "e-data", FT.BYTES)


class _K:
    def __init__(self, tvb: Tvb, pkt: Packet) -> None:
        self.tvb, self.pkt, self.r, self.src = tvb, pkt, Reader(tvb.buf), tvb.source

    def add(self, parent: Item, f: Field, v: object, t: Tlv, text: str | None = None) -> Item:
        return self.pkt.add(parent, f, v, t.off, t.length, text, source=self.src)

    def fields(self, seq: Tlv) -> list[tuple[int, Tlv, Tlv]]:
        """The [n] fields of a SEQUENCE: (n, the tag's TLV, the value inside it)."""
        out = []
        p = seq.off
        while p < seq.end:
            t = self.r.tlv(p, seq.end)
            if t.cls == 2 and t.constructed and t.length:
                out.append((t.tag, t, self.r.tlv(t.off, t.end)))
            p = t.end
        return out

    def text(self, v: Tlv) -> str:
        return self.r.raw(v).decode("ascii", "replace")

    def int(self, parent: Item, f: Field, v: Tlv) -> int:
        n = self.r.int(v)
        self.add(parent, f, n, v, None if f.strings is None or n in f.strings else
                 f"{f.name}: Unknown ({n})")
        return n

    def string(self, parent: Item, f: Field, v: Tlv) -> None:
        s = self.text(v)
        self.add(parent, f, s, v, f"{f.name}: {format_str(s)}")

    def time(self, parent: Item, f: Field, v: Tlv) -> None:
        s = self.text(v)  # YYYYMMDDHHMMSSZ
        try:
            secs = calendar.timegm((int(s[0:4]), int(s[4:6]), int(s[6:8]), int(s[8:10]),
                                    int(s[10:12]), int(s[12:14]), 0, 0, 0))
        except ValueError:
            raise ReportedBoundsError("bad KerberosTime") from None
        self.add(parent, f, secs * 1_000_000_000, v)

    def wrapper(self, parent: Item, f: Field, outer: Tlv) -> Item:
        return self.pkt.add(parent, f, None, outer.start, outer.end - outer.start,
                            source=self.src)

    def principal(self, parent: Item, f: Field, outer: Tlv, seq: Tlv) -> None:
        it = self.wrapper(parent, f, outer)
        for tag, _t, v in self.fields(seq):
            if tag == 0:
                self.int(it, NAME_TYPE, v)
            elif tag == 1:
                names = []
                p = v.off
                while p < v.end:
                    s = self.r.tlv(p, v.end)
                    names.append(s)
                    p = s.end
                n = len(names)
                lst = self.add(it, SNAME_STRING, n, v,
                               f"{SNAME_STRING.name}: {n} item{'s' if n != 1 else ''}")
                for s in names:
                    self.string(lst, SNAME_STR, s)

    def enc(self, parent: Item, f: Field, outer: Tlv, seq: Tlv) -> None:
        it = self.wrapper(parent, f, outer)
        for tag, _t, v in self.fields(seq):
            if tag == 0:
                self.int(it, ETYPE, v)
            elif tag == 1:
                self.add(it, KVNO, self.r.int(v, signed=False), v)
            elif tag == 2:
                self.add(it, CIPHER, self.r.raw(v), v)


def dissect_kerberos(tvb: Tvb, pkt: Packet, session: Session) -> int:
    """One Kerberos message ([APPLICATION n])."""
    session.current_proto = "kerberos"
    s, end = tvb.start, tvb.end
    top = pkt.add_proto(KRB, s, end - s, KRB.name, source=tvb.source, in_stack=False)
    top.value = None
    k = _K(tvb, pkt)
    app = k.r.tlv(s, end)
    if app.cls != 1 or app.tag not in (14, 30):
        return end - s
    seq = k.r.tlv(app.off, app.end, 0x30)
    if app.tag == 14:
        tree = k.wrapper(top, AP_REQ, app)
        for tag, outer, v in k.fields(seq):
            if tag == 0:
                k.int(tree, PVNO, v)
            elif tag == 1:
                k.int(tree, MSG_TYPE, v)
            elif tag == 2 and v.length:
                raw = k.r.raw(v)
                pkt.add(tree, BITSTRING_PADDING, raw[0], v.off, 1, source=k.src)
                it = pkt.add(tree, AP_OPTIONS, raw[1:], v.off + 1, v.length - 1,
                             f"ap-options: {raw[1:].hex()}", source=k.src)
                first = raw[1] if len(raw) > 1 else 0
                for b in AP_OPTION_BITS:
                    pkt.add(it, b, bool(first & b.bitmask), v.off + 1, 1,
                            bit_label(b, first, 8), source=k.src)
            elif tag == 3:
                _ticket(k, tree, outer, v)
            elif tag == 4:
                k.enc(tree, AUTHENTICATOR, outer, v)
        return end - s
    tree = k.wrapper(top, KRB_ERROR, app)
    for tag, outer, v in k.fields(seq):
        if tag == 0:
            k.int(tree, PVNO, v)
        elif tag == 1:
            k.int(tree, MSG_TYPE, v)
        elif tag in (2, 4):
            k.time(tree, CTIME if tag == 2 else STIME, v)
        elif tag in (3, 5):
            k.add(tree, CUSEC if tag == 3 else SUSEC, k.r.int(v, signed=False), v)
        elif tag == 6:
            code = k.int(tree, ERROR_CODE, v)
            pkt.set_info(f"KRB Error: {ERROR_INFO.get(code, f'Unknown error code {code}')}")
        elif tag == 7:
            k.string(tree, CREALM, v)
        elif tag == 9:
            k.string(tree, REALM, v)
        elif tag == 10:
            k.principal(tree, SNAME, outer, v)
        elif tag == 11:
            k.string(tree, E_TEXT, v)
        elif tag == 12:
            k.add(tree, E_DATA, k.r.raw(v), v)
    return end - s


def _ticket(k: _K, parent: Item, outer: Tlv, v: Tlv) -> None:
    it = k.wrapper(parent, TICKET, outer)
    seq = k.r.tlv(v.off, v.end, 0x30) if v.cls == 1 else v
    for tag, o2, v2 in k.fields(seq):
        if tag == 0:
            k.int(it, TKT_VNO, v2)
        elif tag == 1:
            k.string(it, REALM, v2)
        elif tag == 2:
            k.principal(it, SNAME, o2, v2)
        elif tag == 3:
            k.enc(it, ENC_PART, o2, v2)


register_dissector("kerberos", dissect_kerberos)
