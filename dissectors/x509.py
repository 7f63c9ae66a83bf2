"""X.509 certificates (RFC 5280) as tshark 4.0 shows them inside a TLS Certificate
message: the x509af / x509if / x509sat / x509ce / pkcs-1 trees, read with the bounded DER
reader of ber.py. A certificate that is not well-formed DER ends its tree where the
bytes stop making sense; nothing here raises on hostile input."""

from __future__ import annotations

import calendar

from dissectors.ber import (
    BER,
    BITSTRING_PADDING,
    BerError,
    Tlv,
    read_int,
    read_oid,
    read_tlv,
    resolved_oid,
)
from dissectors.escape import format_text
from dissectors.format import set_text_label
from dissectors.netbios_names import bit_label
from dissectors.packet import NULL_ITEM, Item, Packet
from dissectors.registry import FT, REGISTRY, Base, Field, Protocol, protocol
from dissectors.time_text import plural
from dissectors.x509_names import (
    COUNTRY,
    DC,
    DIRECTORY_CHOICES,
    DIRECTORY_STRING_ATTRS,
    EMAIL,
    OID_NAMES,
    SERIAL_ATTR,
)

X509AF = protocol("x509af", "X.509 Authentication Framework", "X509AF")
X509CE = protocol("x509ce", "X.509 Certificate Extensions", "X509CE")
X509IF = protocol("x509if", "X.509 Information Framework", "X509IF")
X509SAT = protocol("x509sat", "X.509 Selected Attribute Types", "X509SAT")
PKCS1 = protocol("pkcs-1", "PKCS#1", "PKCS-1")
PKIX1IMPLICIT = protocol("pkix1implicit", "PKIX1Implitit", "PKIX1IMPLICIT")
LAYERS = ("x509af", "x509ce", "x509if", "x509sat", "pkcs-1", "pkcs1", "ber", "pkix1implicit")


def _f(p: Protocol, abbrev: str, name: str, ft: FT, base: Base = Base.NONE,
       strings: dict | None = None, bitmask: int = 0) -> Field:
    if p is PKCS1:  # (Wireshark's PKCS#1 is "pkcs-1", its fields "pkcs1.*")
        f = Field(abbrev, name, ft, base, bitmask, strings, protocol=p)
        REGISTRY.add_field(f)
        p.fields.append(f)
        return f
    return p.field(abbrev, name, ft, base, strings=strings, bitmask=bitmask)


U32, I32, NONE, BYTES, STR, OID = FT.UINT32, FT.INT32, FT.NONE, FT.BYTES, FT.STRING, FT.OID
DEC = Base.DEC
A = "x509af."
SIGNED = _f(X509AF, A + "signedCertificate_element", "signedCertificate", NONE)
VERSION = _f(X509AF, A + "version", "version", I32, DEC, {0: "v1", 1: "v2", 2: "v3"})
SERIAL = _f(X509AF, A + "serialNumber", "serialNumber", BYTES)
SIGNATURE = _f(X509AF, A + "signature_element", "signature", NONE)
ALG_ID = _f(X509AF, A + "algorithm.id", "Algorithm Id", OID)
ISSUER = _f(X509AF, A + "issuer", "issuer", U32, DEC, {0: "rdnSequence"})
VALIDITY = _f(X509AF, A + "validity_element", "validity", NONE)
TIMES = {0: "utcTime", 1: "generalizedTime"}
NOT_BEFORE = _f(X509AF, A + "notBefore", "notBefore", U32, DEC, TIMES)
NOT_AFTER = _f(X509AF, A + "notAfter", "notAfter", U32, DEC, TIMES)
UTC_TIME = _f(X509AF, A + "utcTime", "utcTime", STR)
GEN_TIME = _f(X509AF, A + "generalizedTime", "generalizedTime", FT.ABSOLUTE_TIME, Base.UTC)
SUBJECT = _f(X509AF, A + "subject", "subject", U32, DEC, {0: "rdnSequence"})
AF_RDN_SEQ = _f(X509AF, A + "rdnSequence", "rdnSequence", U32, DEC)
SPKI = _f(X509AF, A + "subjectPublicKeyInfo_element", "subjectPublicKeyInfo", NONE)
ALGORITHM = _f(X509AF, A + "algorithm_element", "algorithm", NONE)
SPK = _f(X509AF, A + "subjectPublicKey", "subjectPublicKey", BYTES)
EXTENSIONS = _f(X509AF, A + "extensions", "extensions", U32, DEC)
EXTENSION = _f(X509AF, A + "Extension_element", "Extension", NONE)
EXTN_ID = _f(X509AF, A + "extension.id", "Extension Id", OID)
CRITICAL = _f(X509AF, A + "critical", "critical", FT.BOOLEAN)
EXTN_VALUE = _f(X509AF, A + "extnValue", "extnValue", BYTES)
ALG_IDENT = _f(X509AF, A + "algorithmIdentifier_element", "algorithmIdentifier", NONE)
ENCRYPTED = _f(X509AF, A + "encrypted", "encrypted", BYTES)
IF_RDN_SEQ = _f(X509IF, "x509if.rdnSequence", "rdnSequence", U32, DEC)
RDN_ITEM = _f(X509IF, "x509if.RDNSequence_item", "RDNSequence item", U32, DEC)
AVA = _f(X509IF, "x509if.RelativeDistinguishedName_item_element", "RelativeDistinguishedName item",
         NONE)
ATTR_OID = _f(X509IF, "x509if.oid", "Object Id", OID)
COUNTRY_NAME = _f(X509SAT, "x509sat.CountryName", "CountryName", STR)
DIR_STRING = _f(X509SAT, "x509sat.DirectoryString", "DirectoryString", U32, DEC,
                {i: n for i, n in DIRECTORY_CHOICES.values()})
DIR_FIELDS = {tag: _f(X509SAT, f"x509sat.{n}", n, STR) for tag, (_i, n) in DIRECTORY_CHOICES.items()}
IA5 = _f(X509SAT, "x509sat.IA5String", "IA5String", STR)
PRINTABLE = _f(X509SAT, "x509sat.PrintableString", "PrintableString", STR)
MODULUS = _f(PKCS1, "pkcs1.modulus", "modulus", BYTES)
EXPONENT = _f(PKCS1, "pkcs1.publicExponent", "publicExponent", I32, DEC)
EC_PARAMS = _f(PKCS1, "pkcs1.ECParameters", "ECParameters", U32, DEC,
               {0: "specifiedCurve", 1: "namedCurve", 2: "implicitlyCA"})
NAMED_CURVE = _f(PKCS1, "pkcs1.namedCurve", "namedCurve", OID)
C = "x509ce."
BASIC = _f(X509CE, C + "BasicConstraintsSyntax_element", "BasicConstraintsSyntax", NONE)
CA = _f(X509CE, C + "cA", "cA", FT.BOOLEAN)
PATHLEN = _f(X509CE, C + "pathLenConstraint", "pathLenConstraint", FT.UINT64, DEC)
KEY_USAGE = _f(X509CE, C + "KeyUsage", "KeyUsage", BYTES)
KU_BITS = tuple(_f(X509CE, f"{C}KeyUsage.{n}", n, FT.BOOLEAN, bitmask=0x80 >> (i % 8))
                for i, n in enumerate(("digitalSignature", "contentCommitment",
                                       "keyEncipherment", "dataEncipherment", "keyAgreement",
                                       "keyCertSign", "cRLSign", "encipherOnly",
                                       "decipherOnly")))
GENERAL_NAMES = _f(X509CE, C + "GeneralNames", "GeneralNames", U32, DEC)
GENERAL_NAME = _f(X509CE, C + "GeneralName", "GeneralName", U32, DEC,
                  {0: "otherName", 1: "rfc822Name", 2: "dNSName", 3: "x400Address",
                   4: "directoryName", 5: "ediPartyName", 6: "uniformResourceIdentifier",
                   7: "iPAddress", 8: "registeredID"})
DNS_NAME = _f(X509CE, C + "dNSName", "dNSName", STR)
RFC822 = _f(X509CE, C + "rfc822Name", "rfc822Name", STR)
URI = _f(X509CE, C + "uniformResourceIdentifier", "uniformResourceIdentifier", STR)
IPV4 = _f(X509CE, C + "IPAddress.ipv4", "iPAddress", FT.IPv4)
IPV6 = _f(X509CE, C + "IPAddress.ipv6", "iPAddress", FT.IPv6)
CRL_DPS = _f(X509CE, C + "CRLDistPointsSyntax", "CRLDistPointsSyntax", U32, DEC)
DP = _f(X509CE, C + "DistributionPoint_element", "DistributionPoint", NONE)
DP_NAME = _f(X509CE, C + "distributionPoint", "distributionPoint", U32, DEC,
             {0: "fullName", 1: "nameRelativeToCRLIssuer"})
FULL_NAME = _f(X509CE, C + "fullName", "fullName", U32, DEC)
POLICIES = _f(X509CE, C + "CertificatePoliciesSyntax", "CertificatePoliciesSyntax", U32, DEC)
POLICY = _f(X509CE, C + "PolicyInformation_element", "PolicyInformation", NONE)
POLICY_ID = _f(X509CE, C + "policyIdentifier", "policyIdentifier", OID)
AIA = _f(PKIX1IMPLICIT, "pkix1implicit.AuthorityInfoAccessSyntax", "AuthorityInfoAccessSyntax",
         U32, DEC)
ACCESS = _f(PKIX1IMPLICIT, "pkix1implicit.AccessDescription_element", "AccessDescription", NONE)
ACCESS_METHOD = _f(PKIX1IMPLICIT, "pkix1implicit.accessMethod", "accessMethod", OID)
ACCESS_LOCATION = _f(PKIX1IMPLICIT, "pkix1implicit.accessLocation", "accessLocation", U32, DEC)
PURPOSES = _f(X509CE, C + "KeyPurposeIDs", "KeyPurposeIDs", U32, DEC)
PURPOSE = _f(X509CE, C + "KeyPurposeId", "KeyPurposeId", OID)
SKI = _f(X509CE, C + "SubjectKeyIdentifier", "SubjectKeyIdentifier", BYTES)
AKI = _f(X509CE, C + "AuthorityKeyIdentifier_element", "AuthorityKeyIdentifier", NONE)
KEY_ID = _f(X509CE, C + "keyIdentifier", "keyIdentifier", BYTES)
OID_NOT_IMPLEMENTED = BER.field(
    "ber.error.oid_not_implemented",
    "BER: Dissector for OID not implemented. Contact Wireshark developers if you want this "
    "supported", NONE)

SEQ, SET, INT, BITS, OCTETS, OIDT, BOOL, NULL = 0x30, 0x31, 0x02, 0x03, 0x04, 0x06, 0x01, 0x05


def _oid_name(oid: str) -> str:
    """An OID's name, or its dotted text with the first arc named (Wireshark's oid
    resolution when it knows no name)."""
    return OID_NAMES.get(oid) or resolved_oid(oid)


def _oid_label(name: str, oid: str) -> str:
    return f"{name}: {oid} ({_oid_name(oid)})"


def _hexcut(raw: bytes) -> str:
    """Bytes as a label shows them: 36 at most, then an ellipsis."""
    return raw[:36].hex() + ("…" if len(raw) > 36 else "")


class _Cert:
    """One certificate being read: the bytes, the packet, the data source."""

    def __init__(self, pkt: Packet, buf: bytes, src: int, caller: str) -> None:
        self.pkt, self.buf, self.src, self.caller = pkt, buf, src, caller
        self.tree = pkt.tree_on
        # (tree-less: a run that reads no field of these layers makes no item; the walk
        # still happens, for the layers frame.protocols lists)
        self.items = any(pkt.wants_layer(p) for p in LAYERS)
        self.last_dn = ""

    def tlv(self, off: int, end: int, ident: int | None = None) -> Tlv:
        t = read_tlv(self.buf, off, end)
        if ident is not None and t.ident != ident:
            raise BerError(f"unexpected identifier 0x{t.ident:02x}")
        return t

    def add(self, parent: Item, field: Field, value: object, off: int, n: int,
            text: str | None = None) -> Item:
        if not self.items:
            return NULL_ITEM
        return self.pkt.add(parent, field, value, off, n, text, source=self.src)

    def raw(self, t: Tlv) -> bytes:
        return bytes(self.buf[t.off:t.end])

    def text(self, t: Tlv) -> str:
        return self.raw(t).decode("utf-8", "replace")

    def alg(self, parent: Item, field: Field, t: Tlv) -> str:
        """An AlgorithmIdentifier: its OID, and EC parameters (pkcs-1) when present."""
        o = self.tlv(t.off, t.end, OIDT)
        oid = read_oid(self.buf, o)
        name = OID_NAMES.get(oid, oid)
        it = self.add(parent, field, None, t.start, t.end - t.start,
                      f"{field.name} ({name})" if self.tree else None)
        self.add(it, ALG_ID, oid, o.off, o.length,
                 _oid_label("Algorithm Id", oid) if self.tree else None)
        if o.end < t.end and oid == "1.2.840.10045.2.1":
            self.pkt.protocols.append(PKCS1.abbrev)
            p = self.tlv(o.end, t.end)
            if p.ident == OIDT:
                curve = read_oid(self.buf, p)
                e = self.add(it, EC_PARAMS, 1, p.start, p.end - p.start)
                self.add(e, NAMED_CURVE, curve, p.off, p.length,
                         _oid_label("namedCurve", curve) if self.tree else None)
        return oid

    def name(self, parent: Item, field: Field, seq_field: Field, t: Tlv) -> None:
        """A Name (issuer, subject): the rdnSequence and its DN string."""
        it = self.add(parent, field, 0, t.start, t.end - t.start)
        rdns: list[tuple[Tlv, list[tuple[Tlv, Tlv, str, Tlv]]]] = []
        p = t.off
        while p < t.end:
            s = self.tlv(p, t.end, SET)
            avas = []
            q = s.off
            while q < s.end:
                a = self.tlv(q, s.end, SEQ)
                o = self.tlv(a.off, a.end, OIDT)
                v = self.tlv(o.end, a.end)
                avas.append((a, o, read_oid(self.buf, o), v))
                q = a.end
            rdns.append((s, avas))
            p = s.end
        parts = ["+".join(f"{_oid_name(oid)}={self.text(v)}" for _a, _o, oid, v in avas)
                 for _s, avas in rdns]
        dn = ",".join(reversed(parts))
        self.last_dn = dn
        seq = self.add(it, seq_field, len(rdns), t.start, t.end - t.start,
                       set_text_label(f"rdnSequence: {plural(len(rdns), 'item')} ({format_text(dn.encode())})")
                       if self.tree else None)
        for (s, avas), part in zip(rdns, parts, strict=True):
            shown = format_text(part.encode()) if self.tree else ""
            ri = self.add(seq, RDN_ITEM, len(avas), s.off, s.length,
                          set_text_label(f"RDNSequence item: {plural(len(avas), 'item')} ({shown})")
                          if self.tree else None)
            for a, o, oid, v in avas:
                one = format_text(f"{_oid_name(oid)}={self.text(v)}".encode()) \
                    if self.tree else ""
                ai = self.add(ri, AVA, None, a.start, a.end - a.start,
                              set_text_label(f"RelativeDistinguishedName item ({one})")
                              if self.tree else None)
                self.add(ai, ATTR_OID, oid, o.off, o.length,
                         _oid_label("Object Id", oid) if self.tree else None)
                self.value(ai, oid, v)

    def value(self, parent: Item, oid: str, v: Tlv) -> None:
        """An attribute value, read by x509sat (a layer in frame.protocols) when known."""
        if oid == COUNTRY:
            self.pkt.protocols.append(X509SAT.abbrev)
            self.add(parent, COUNTRY_NAME, self.text(v), v.off, v.length)
        elif oid in (EMAIL, DC):
            self.pkt.protocols.append(X509SAT.abbrev)
            self.add(parent, IA5, self.text(v), v.off, v.length)
        elif oid == SERIAL_ATTR:
            self.pkt.protocols.append(X509SAT.abbrev)
            self.add(parent, PRINTABLE, self.text(v), v.off, v.length)
        elif oid in DIRECTORY_STRING_ATTRS and v.tag in DIR_FIELDS and v.cls == 0:
            self.pkt.protocols.append(X509SAT.abbrev)
            d = self.add(parent, DIR_STRING, DIRECTORY_CHOICES[v.tag][0], v.start,
                         v.end - v.start)
            raw = self.raw(v)
            text = raw.decode("utf-16-be", "replace") if v.tag == 30 else \
                raw.decode("utf-32-be", "replace") if v.tag == 28 else self.text(v)
            self.add(d, DIR_FIELDS[v.tag], text, v.off, v.length)
        elif oid not in OID_NAMES:
            self.not_implemented(parent, v)

    def validity(self, parent: Item, t: Tlv) -> None:
        it = self.add(parent, VALIDITY, None, t.start, t.end - t.start)
        p = t.off
        for field in (NOT_BEFORE, NOT_AFTER):
            v = self.tlv(p, t.end)
            p = v.end
            if v.ident == 0x17:
                c = self.add(it, field, 0, v.start, v.end - v.start)
                self.add(c, UTC_TIME, _utc_time(self.text(v)), v.off, v.length)
            elif v.ident == 0x18:
                c = self.add(it, field, 1, v.start, v.end - v.start)
                ns = _generalized_time(self.text(v))
                if ns is not None:
                    self.add(c, GEN_TIME, ns, v.off, v.length)

    def spki(self, parent: Item, t: Tlv) -> None:
        it = self.add(parent, SPKI, None, t.start, t.end - t.start)
        a = self.tlv(t.off, t.end, SEQ)
        oid = self.alg(it, ALGORITHM, a)
        k = self.tlv(a.end, t.end, BITS)
        if k.length < 1:
            return
        key = bytes(self.buf[k.off + 1:k.end])
        if oid != "1.2.840.113549.1.1.1":
            self.add(it, BITSTRING_PADDING, self.buf[k.off], k.off, 1)
        ki = self.add(it, SPK, key, k.off + 1, k.length - 1)
        if oid == "1.2.840.113549.1.1.1":
            r = self.tlv(k.off + 1, k.end, SEQ)
            m = self.tlv(r.off, r.end, INT)
            mod = self.raw(m)
            self.add(ki, MODULUS, mod, m.off, m.length,
                     f"modulus: 0x{_hexcut(mod)}" if self.tree else None)
            e = self.tlv(m.end, r.end, INT)
            self.add(ki, EXPONENT, read_int(self.buf, e), e.off, e.length)

    def extensions(self, parent: Item, t: Tlv) -> None:
        s = self.tlv(t.off, t.end, SEQ)
        exts = []
        p = s.off
        while p < s.end:
            e = self.tlv(p, s.end, SEQ)
            exts.append(e)
            p = e.end
        it = self.add(parent, EXTENSIONS, len(exts), s.start, s.end - s.start,
                      f"extensions: {plural(len(exts), 'item')}")
        for e in exts:
            o = self.tlv(e.off, e.end, OIDT)
            oid = read_oid(self.buf, o)
            name = _oid_name(oid)
            ei = self.add(it, EXTENSION, None, e.start, e.end - e.start,
                          f"Extension ({name})" if self.tree else None)
            self.add(ei, EXTN_ID, oid, o.off, o.length,
                     _oid_label("Extension Id", oid) if self.tree else None)
            v = self.tlv(o.end, e.end)
            if v.ident == BOOL:
                self.add(ei, CRITICAL, any(self.raw(v)), v.off, v.length)
                v = self.tlv(v.end, e.end, OCTETS)
            if oid in _EXTENSIONS:
                self.pkt.protocols.append(_EXTENSION_LAYERS.get(oid, X509CE.abbrev))
                _EXTENSIONS[oid](self, ei, self.tlv(v.off, v.end))
            else:
                self.not_implemented(ei, v)

    def not_implemented(self, parent: Item, v: Tlv) -> None:
        """BER's call_ber_oid_callback with no dissector for the OID: a warning."""
        note = self.pkt.add_text(parent, OID_NOT_IMPLEMENTED.name, v.off, v.length,
                                 source=self.src)
        self.pkt.add_expert(note, "warning", "undecoded", OID_NOT_IMPLEMENTED.name,
                            self.caller, field=OID_NOT_IMPLEMENTED)

    def basic(self, parent: Item, t: Tlv) -> None:
        it = self.add(parent, BASIC, None, t.start, t.end - t.start,
                      "BasicConstraintsSyntax [0 length]" if not t.length else None)
        p = t.off
        while p < t.end:
            v = self.tlv(p, t.end)
            if v.ident == BOOL:
                self.add(it, CA, any(self.raw(v)), v.off, v.length)
            elif v.ident == INT:
                self.add(it, PATHLEN, read_int(self.buf, v, signed=False), v.off, v.length)
            p = v.end

    def key_usage(self, parent: Item, t: Tlv) -> None:
        if t.ident != BITS or t.length < 1:
            return
        self.add(parent, BITSTRING_PADDING, self.buf[t.off], t.off, 1)
        bits = bytes(self.buf[t.off + 1:t.end])
        ku = self.add(parent, KEY_USAGE, bits, t.off + 1, t.length - 1)
        for i, f in enumerate(KU_BITS):
            byte = bits[i // 8] if i // 8 < len(bits) else 0
            self.add(ku, f, bool(byte & f.bitmask), t.off + 1 + min(i // 8, max(len(bits) - 1, 0)),
                     1, bit_label(f, byte, 8) if self.tree else None)

    def alt_names(self, parent: Item, t: Tlv, field: Field = GENERAL_NAMES) -> None:
        names = self.items_of(t)
        it = self.add(parent, field, len(names), t.start, t.end - t.start,
                      f"{field.name}: {plural(len(names), 'item')}")
        for v in names:
            g = self.add(it, GENERAL_NAME, v.tag, v.off, v.length)
            self.general_name(g, v)

    def general_name(self, parent: Item, v: Tlv) -> None:
        """One GeneralName's value (its [n] tag says which)."""
        if v.cls != 2:
            return
        if v.tag in (1, 2, 6):
            field = {1: RFC822, 2: DNS_NAME, 6: URI}[v.tag]
            self.add(parent, field, self.text(v), v.off, v.length)
        elif v.tag == 7 and v.length in (4, 16):
            raw = self.raw(v)
            if v.length == 4:
                self.add(parent, IPV4, int.from_bytes(raw, "big"), v.off, 4)
            else:
                self.add(parent, IPV6, raw, v.off, 16)

    def items_of(self, t: Tlv) -> list[Tlv]:
        """The elements inside a constructed value."""
        out = []
        p = t.off
        while p < t.end:
            v = self.tlv(p, t.end)
            out.append(v)
            p = v.end
        return out

    def crl_points(self, parent: Item, t: Tlv) -> None:
        points = self.items_of(t)
        it = self.add(parent, CRL_DPS, len(points), t.start, t.end - t.start,
                      f"CRLDistPointsSyntax: {plural(len(points), 'item')}")
        for dp in points:
            di = self.add(it, DP, None, dp.start, dp.end - dp.start)
            for v in self.items_of(dp):
                if v.cls == 2 and v.tag == 0 and v.constructed:
                    n = self.tlv(v.off, v.end)
                    if n.cls == 2 and n.tag == 0:
                        c = self.add(di, DP_NAME, 0, n.start, n.end - n.start)
                        self.alt_names(c, n, FULL_NAME)

    def policies(self, parent: Item, t: Tlv) -> None:
        pols = self.items_of(t)
        it = self.add(parent, POLICIES, len(pols), t.start, t.end - t.start,
                      f"CertificatePoliciesSyntax: {plural(len(pols), 'item')}")
        for p in pols:
            pi = self.add(it, POLICY, None, p.start, p.end - p.start)
            o = self.tlv(p.off, p.end, OIDT)
            oid = read_oid(self.buf, o)
            self.add(pi, POLICY_ID, oid, o.off, o.length,
                     _oid_label("policyIdentifier", oid) if self.tree else None)

    def access(self, parent: Item, t: Tlv) -> None:
        descs = self.items_of(t)
        it = self.add(parent, AIA, len(descs), t.start, t.end - t.start,
                      f"AuthorityInfoAccessSyntax: {plural(len(descs), 'item')}")
        for d in descs:
            di = self.add(it, ACCESS, None, d.start, d.end - d.start)
            o = self.tlv(d.off, d.end, OIDT)
            oid = read_oid(self.buf, o)
            self.add(di, ACCESS_METHOD, oid, o.off, o.length,
                     _oid_label("accessMethod", oid) if self.tree else None)
            v = self.tlv(o.end, d.end)
            loc = self.add(di, ACCESS_LOCATION, v.tag, v.off, v.length,
                           f"accessLocation: {v.tag}")
            self.general_name(loc, v)

    def purposes(self, parent: Item, t: Tlv) -> None:
        oids = []
        p = t.off
        while p < t.end:
            v = self.tlv(p, t.end, OIDT)
            oids.append(v)
            p = v.end
        it = self.add(parent, PURPOSES, len(oids), t.start, t.end - t.start,
                      f"KeyPurposeIDs: {plural(len(oids), 'item')}")
        for v in oids:
            oid = read_oid(self.buf, v)
            self.add(it, PURPOSE, oid, v.off, v.length,
                     _oid_label("KeyPurposeId", oid) if self.tree else None)

    def ski(self, parent: Item, t: Tlv) -> None:
        self.add(parent, SKI, self.raw(t), t.off, t.length)

    def aki(self, parent: Item, t: Tlv) -> None:
        it = self.add(parent, AKI, None, t.start, t.end - t.start)
        p = t.off
        while p < t.end:
            v = self.tlv(p, t.end)
            if v.cls == 2 and v.tag == 0:
                self.add(it, KEY_ID, self.raw(v), v.off, v.length)
            p = v.end


_EXTENSIONS = {"2.5.29.19": _Cert.basic, "2.5.29.15": _Cert.key_usage,
               "2.5.29.17": _Cert.alt_names, "2.5.29.37": _Cert.purposes,
               "2.5.29.14": _Cert.ski, "2.5.29.35": _Cert.aki, "2.5.29.31": _Cert.crl_points,
               "2.5.29.32": _Cert.policies, "1.3.6.1.5.5.7.1.1": _Cert.access}
_EXTENSION_LAYERS = {"1.3.6.1.5.5.7.1.1": PKIX1IMPLICIT.abbrev}


def _generalized_time(s: str) -> int | None:
    """GeneralizedTime YYYYMMDDhhmmssZ as nanoseconds since the epoch (None: another form)."""
    if len(s) != 15 or not s[:14].isdigit() or s[14] != "Z":
        return None
    y, mo, d, h, mi, sec = (int(s[0:4]), int(s[4:6]), int(s[6:8]), int(s[8:10]),
                            int(s[10:12]), int(s[12:14]))
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h < 24 and mi < 60 and sec < 61):
        return None
    return (calendar.timegm((y, mo, d, h, mi, sec, 0, 0, 0))) * 1_000_000_000


def _utc_time(s: str) -> str:
    """UTCTime YYMMDDhhmmssZ as Wireshark shows it (years below 50 are 20xx)."""
    if len(s) == 13 and s[:12].isdigit() and s[12] == "Z":
        yy = int(s[:2])
        year = 2000 + yy if yy < 50 else 1900 + yy
        return f"{year}-{s[2:4]}-{s[4:6]} {s[6:8]}:{s[8:10]}:{s[10:12]} (UTC)"
    return s


def dissect_certificate(pkt: Packet, parent: Item, buf: bytes, off: int, end: int,
                        src: int, caller: str = "tls") -> str:
    """The X.509 tree of the DER certificate in buf[off:end] under `parent`; returns the
    subject's DN text for the parent's label ("" when none was read). `caller`: the
    protocol whose PDU holds it (Wireshark's current protocol, named in expert notes)."""
    c = _Cert(pkt, buf, src, caller)
    try:
        cert = c.tlv(off, end, SEQ)
        tbs = c.tlv(cert.off, cert.end, SEQ)
        it = c.add(parent, SIGNED, None, tbs.start, tbs.end - tbs.start)
        p = tbs.off
        v = c.tlv(p, tbs.end)
        if v.ident == 0xA0:
            i = c.tlv(v.off, v.end, INT)
            c.add(it, VERSION, read_int(c.buf, i), i.off, i.length)
            v = c.tlv(v.end, tbs.end)
        c.add(it, SERIAL, c.raw(v), v.off, v.length,
              f"serialNumber: 0x{c.raw(v).hex()}" if c.tree else None)
        v = c.tlv(v.end, tbs.end, SEQ)
        c.alg(it, SIGNATURE, v)
        v = c.tlv(v.end, tbs.end, SEQ)
        c.name(it, ISSUER, IF_RDN_SEQ, v)
        v = c.tlv(v.end, tbs.end, SEQ)
        c.validity(it, v)
        v = c.tlv(v.end, tbs.end, SEQ)
        c.name(it, SUBJECT, AF_RDN_SEQ, v)
        subject = c.last_dn
        v = c.tlv(v.end, tbs.end, SEQ)
        c.spki(it, v)
        p = v.end
        while p < tbs.end:
            v = c.tlv(p, tbs.end)
            if v.ident == 0xA3:
                c.extensions(it, v)
            p = v.end
        v = c.tlv(tbs.end, cert.end, SEQ)
        c.alg(parent, ALG_IDENT, v)
        v = c.tlv(v.end, cert.end, BITS)
        if v.length:
            c.add(parent, BITSTRING_PADDING, c.buf[v.off], v.off, 1)
            c.add(parent, ENCRYPTED, bytes(c.buf[v.off + 1:v.end]), v.off + 1, v.length - 1)
        return subject
    except (BerError, ValueError, IndexError):
        return c.last_dn
