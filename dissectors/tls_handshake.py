"""TLS handshake messages (RFC 5246, RFC 8446) inside a Handshake record, as tshark 4.0
shows them without keys: hellos with their extensions and JA3/JA3S, Certificate (the
list and each certificate's bytes, no X.509 detail), key exchanges, tickets; a record
that looks encrypted is one "Encrypted Handshake Message"."""

from __future__ import annotations

import hashlib

from dissectors.escape import format_text
from dissectors.format import set_text_label
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field
from dissectors.time_text import abs_time_str, plural, time_secs_str
from dissectors.tls_ciphers import CIPHER_SUITES
from dissectors.tls_extensions import _blob, _grease, _num, _sig_alg, dissect_extensions
from dissectors.tls_proto import KNOWN_VERSIONS, TLS, TLS13, TlsConn, add_info, short_name
from dissectors.tls_tables import COMP_METHODS, CURVE_TYPES, GROUPS, HANDSHAKE_TYPES, VERSIONS
from dissectors.tvb import Tvb
from dissectors.x509 import dissect_certificate


def _f(abbrev: str, name: str, ft: FT, base: Base = Base.NONE, strings: dict | None = None,
       unit: str = "") -> Field:
    return TLS.field(abbrev, name, ft, base, strings=strings, unit=unit)


U8, U16, U24, U32, BYTES, NONE, STR = FT.UINT8, FT.UINT16, FT.UINT24, FT.UINT32, FT.BYTES, \
    FT.NONE, FT.STRING
DEC, HEX = Base.DEC, Base.HEX
P = "tls.handshake."
HANDSHAKE = _f("tls.handshake", "Handshake Protocol", NONE)
HS_TYPE = _f(P + "type", "Handshake Type", U8, DEC, HANDSHAKE_TYPES)
HS_LENGTH = _f(P + "length", "Length", U24, DEC)
HS_VERSION = _f(P + "version", "Version", U16, HEX, VERSIONS)
RANDOM = _f(P + "random", "Random", BYTES)
RANDOM_TIME = _f(P + "random_time", "GMT Unix Time", FT.ABSOLUTE_TIME)
RANDOM_BYTES = _f(P + "random_bytes", "Random Bytes", BYTES)
SID_LEN = _f(P + "session_id_length", "Session ID Length", U16, DEC)
SID = _f(P + "session_id", "Session ID", BYTES)
CS_LEN = _f(P + "cipher_suites_length", "Cipher Suites Length", U16, DEC)
SUITES = _f(P + "ciphersuites", "Cipher Suites", NONE)
SUITE = _f(P + "ciphersuite", "Cipher Suite", U16, HEX, CIPHER_SUITES)
COMP_LEN = _f(P + "comp_methods_length", "Compression Methods Length", U8, DEC)
COMPS = _f(P + "comp_methods", "Compression Methods", NONE)
COMP = _f(P + "comp_method", "Compression Method", U8, DEC, COMP_METHODS)
JA3_FULL = _f(P + "ja3_full", "JA3 Fullstring", STR)
JA3 = _f(P + "ja3", "JA3", STR)
JA3S_FULL = _f(P + "ja3s_full", "JA3S Fullstring", STR)
JA3S = _f(P + "ja3s", "JA3S", STR)
CERTS_LEN = _f(P + "certificates_length", "Certificates Length", U24, DEC)
CERTS = _f(P + "certificates", "Certificates", NONE)
CERT_LEN = _f(P + "certificate_length", "Certificate Length", U24, DEC)
CERT = _f(P + "certificate", "Certificate", BYTES)
CURVE_TYPE = _f(P + "server_curve_type", "Curve Type", U8, HEX, CURVE_TYPES)
NAMED_CURVE = _f(P + "server_named_curve", "Named Curve", U16, HEX, GROUPS)
SPOINT_LEN = _f(P + "server_point_len", "Pubkey Length", U8, DEC)
SPOINT = _f(P + "server_point", "Pubkey", BYTES)
CPOINT_LEN = _f(P + "client_point_len", "Pubkey Length", U8, DEC)
CPOINT = _f(P + "client_point", "Pubkey", BYTES)
P_LEN = _f(P + "p_len", "p Length", U16, DEC)
P_VAL = _f(P + "p", "p", BYTES)
G_LEN = _f(P + "g_len", "g Length", U16, DEC)
G_VAL = _f(P + "g", "g", BYTES)
YS_LEN = _f(P + "ys_len", "Pubkey Length", U16, DEC)
YS = _f(P + "ys", "Pubkey", BYTES)
YC_LEN = _f(P + "yc_len", "Pubkey Length", U16, DEC)
YC = _f(P + "yc", "Pubkey", BYTES)
SIG_LEN = _f(P + "sig_len", "Signature Length", U16, DEC)
SIG = _f(P + "sig", "Signature", BYTES)
EPMS_LEN = _f(P + "epms_len", "Encrypted PreMaster length", U16, DEC)
EPMS = _f(P + "epms", "Encrypted PreMaster", BYTES)
TICKET_HINT = _f(P + "session_ticket_lifetime_hint", "Session Ticket Lifetime Hint", U32, DEC)
TICKET_LEN = _f(P + "session_ticket_length", "Session Ticket Length", U16, DEC)
TICKET = _f(P + "session_ticket", "Session Ticket", BYTES)

ENCRYPTED = "Encrypted Handshake Message"
HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


# -- the handshake record -----------------------------------------------------------------

def dissect_handshake(tvb: Tvb, pkt: Packet, rec: Item, off: int, end: int, conn: TlsConn,
                      from_server: bool, version: int | None) -> None:
    """dissect_tls_handshake for a record that was not decrypted."""
    vname = short_name(version, "TLS")
    if _looks_encrypted(tvb, pkt, off, end, conn, from_server):
        _details(tvb, pkt, rec, vname, ENCRYPTED, True, True, off, end - off)
        return
    first = True
    while off < end:
        avail = end - off
        mlen = 4 + tvb.u24(off + 1) if avail >= 4 else 0
        if mlen == 0 or avail < mlen:
            mtype = tvb.u8(off)
            _details(tvb, pkt, rec, vname, HANDSHAKE_TYPES.get(mtype, ENCRYPTED), first, False,
                     off, avail)
            return
        if not _message(tvb, pkt, rec, off, conn, from_server, version, vname, first):
            return
        off += mlen
        first = False


def _looks_encrypted(tvb: Tvb, pkt: Packet, off: int, end: int, conn: TlsConn,
                     from_server: bool) -> bool:
    """is_encrypted_handshake_message: a nonce of zeros, a record after this direction's
    ChangeCipherSpec, an unknown message type or an implausible length."""
    if end - off < 16:
        return False
    if tvb.bytes(off, 5) == b"\0" * 5:
        return True
    ccs = conn.server_ccs_frame if from_server else conn.client_ccs_frame
    if ccs and pkt.frame.number > ccs:
        return True
    return tvb.u8(off) not in HANDSHAKE_TYPES or tvb.u24(off + 1) >= 0x10000


def _details(tvb: Tvb, pkt: Packet, rec: Item, vname: str, msg: str, first: bool,
             complete: bool, off: int, length: int) -> Item:
    """tls_show_handshake_details: the Info text, the record's label, the message item."""
    encrypted = msg == ENCRYPTED
    if complete:
        add_info(pkt, msg)
    elif first:
        add_info(pkt, f"[{msg} Fragment]")
    frag = "" if complete or encrypted else " (fragment)"
    rec.text = f"{vname} Record Layer: Handshake Protocol: " + (
        msg + frag if first else "Multiple Handshake Messages")
    return pkt.add(rec, HANDSHAKE, None, off, length, f"Handshake Protocol: {msg}{frag}",
                   source=tvb.source)


def _server_version(tvb: Tvb, off: int, end: int) -> tuple[int, bool]:
    """tls_scan_server_hello: the version (supported_versions wins) and whether it is a
    HelloRetryRequest."""
    version = tvb.u16(off)
    hrr = tvb.bytes(off + 2, 32) == HRR_RANDOM
    p = off + 34
    p += 1 + tvb.u8(p)
    p += 3
    if p + 2 > end:
        return version, hrr
    ext_end = min(end, p + 2 + tvb.u16(p))
    p += 2
    while p + 4 <= ext_end:
        etype, elen = tvb.u16(p), tvb.u16(p + 2)
        if etype == 43 and elen == 2:
            version = tvb.u16(p + 4)
        p += 4 + elen
    return version, hrr


def _message(tvb: Tvb, pkt: Packet, rec: Item, off: int, conn: TlsConn, from_server: bool,
             version: int | None, vname: str, first: bool) -> bool:
    """dissect_tls_handshake_full: one whole message; False stops the record's loop."""
    mtype = tvb.u8(off)
    length = tvb.u24(off + 1)
    name = HANDSHAKE_TYPES.get(mtype)
    if name is None and not first:
        return False
    body, end = off + 4, off + 4 + length
    if first and mtype == 2 and length > 2:
        sv, hrr = _server_version(tvb, body, end)
        if sv in KNOWN_VERSIONS:
            conn.version = sv
            pkt.proto_col = short_name(sv, "TLS")
        if hrr:
            name = "Hello Retry Request"
    item = _details(tvb, pkt, rec, vname, name or ENCRYPTED, first, True, off, length + 4)
    if name is None:
        return False
    pkt.add(item, HS_TYPE, mtype, off, 1, source=tvb.source)
    pkt.add(item, HS_LENGTH, length, off + 1, 3, source=tvb.source)
    if mtype == 1:
        conn.server = (pkt.net_dst, pkt.dstport)
        _client_hello(tvb, pkt, item, body, end, conn)
    elif mtype == 2:
        _server_hello(tvb, pkt, item, body, end, conn)
    elif mtype == 11:
        _certificate(tvb, pkt, item, body, end)
    elif mtype == 12:
        _server_key_exchange(tvb, pkt, item, body, end, conn)
    elif mtype == 14:
        conn.resumed = False
    elif mtype == 16:
        _client_key_exchange(tvb, pkt, item, body, end, conn)
    elif mtype == 4 and (conn.version or 0) < TLS13:
        _ticket(tvb, pkt, item, body)
    return True


# -- hellos ---------------------------------------------------------------------------------

def _hello_common(tvb: Tvb, pkt: Packet, item: Item, off: int, show_time: bool) -> int:
    _num(pkt, item, HS_VERSION, tvb, off, 2)
    rnd = pkt.add(item, RANDOM, tvb.bytes(off + 2, 32), off + 2, 32, source=tvb.source)
    if tvb.bytes(off + 2, 32) == HRR_RANDOM:
        rnd.text = f"Random: {HRR_RANDOM.hex()} (HelloRetryRequest magic)"
    if show_time:
        secs = tvb.u32(off + 2)
        pkt.add(rnd, RANDOM_TIME, secs * 1_000_000_000, off + 2, 4,
                f"GMT Unix Time: {abs_time_str(secs * 1_000_000_000, utc=True)}",
                source=tvb.source)
        _blob(pkt, rnd, RANDOM_BYTES, tvb, off + 6, 28)
    off += 34
    sid_len = tvb.u8(off)
    pkt.add(item, SID_LEN, sid_len, off, 1, source=tvb.source)
    if sid_len:
        _blob(pkt, item, SID, tvb, off + 1, sid_len)
    return off + 1 + sid_len


def _client_hello(tvb: Tvb, pkt: Packet, item: Item, off: int, end: int, conn: TlsConn) -> None:
    version = tvb.u16(off)
    sid_at = off + 34
    conn.client_session_id = tvb.bytes(sid_at + 1, tvb.u8(sid_at))
    off = _hello_common(tvb, pkt, item, off, conn.version != TLS13)
    cs_len = tvb.u16(off)
    pkt.add(item, CS_LEN, cs_len, off, 2, source=tvb.source)
    n = cs_len // 2
    lst = pkt.add(item, SUITES, None, off + 2, cs_len, f"Cipher Suites ({plural(n, 'suite')})",
                  source=tvb.source)
    suites = [_num(pkt, lst, SUITE, tvb, off + 2 + 2 * i, 2) for i in range(n)]
    off += 2 + cs_len
    comp_len = tvb.u8(off)
    pkt.add(item, COMP_LEN, comp_len, off, 1, source=tvb.source)
    lst = pkt.add(item, COMPS, None, off + 1, comp_len,
                  f"Compression Methods ({plural(comp_len, 'method')})", source=tvb.source)
    for i in range(comp_len):
        _num(pkt, lst, COMP, tvb, off + 1 + i, 1)
    off += 1 + comp_len
    seen: dict[str, list[int]] = {"exts": [], "groups": [], "ecpf": []}
    ext_at = off
    if off < end:
        dissect_extensions(tvb, pkt, item, off, end, 1, seen, conn)
    parts = [str(version), "-".join(str(s) for s in suites if not _grease(s))]
    parts += ["-".join(str(v) for v in seen[k] if not _grease(v)) for k in ("exts", "groups",
                                                                             "ecpf")]
    full = ",".join(parts)
    # (where the extensions start, as tshark adds them: -T pdml shows it)
    pkt.add(item, JA3_FULL, full, ext_at, 0, generated=True, source=tvb.source)
    pkt.add(item, JA3, _md5(full), ext_at, 0, generated=True, source=tvb.source)


def _server_hello(tvb: Tvb, pkt: Packet, item: Item, off: int, end: int, conn: TlsConn) -> None:
    version = tvb.u16(off)
    sid_at = off + 34
    sid = tvb.bytes(sid_at + 1, tvb.u8(sid_at))
    conn.resumed = bool(sid) and sid == conn.client_session_id and conn.version != TLS13
    off = _hello_common(tvb, pkt, item, off, conn.version != TLS13)
    suite = _num(pkt, item, SUITE, tvb, off, 2)
    conn.cipher = suite
    _num(pkt, item, COMP, tvb, off + 2, 1)
    off += 3
    seen: dict[str, list[int]] = {"exts": [], "groups": [], "ecpf": []}
    ext_at = off
    if off < end:
        dissect_extensions(tvb, pkt, item, off, end, 2, seen, conn)
    full = f"{version},{suite},{'-'.join(str(v) for v in seen['exts'])}"
    pkt.add(item, JA3S_FULL, full, ext_at, 0, generated=True, source=tvb.source)
    pkt.add(item, JA3S, _md5(full), ext_at, 0, generated=True, source=tvb.source)


# -- other messages -------------------------------------------------------------------------

def _certificate(tvb: Tvb, pkt: Packet, item: Item, off: int, end: int) -> None:
    total = tvb.u24(off)
    pkt.add(item, CERTS_LEN, total, off, 3, source=tvb.source)
    lst = pkt.add(item, CERTS, None, off + 3, total, f"Certificates ({plural(total, 'byte')})",
                  source=tvb.source)
    p, stop = off + 3, min(end, off + 3 + total)
    while p + 3 <= stop:
        ln = tvb.u24(p)
        pkt.add(lst, CERT_LEN, ln, p, 3, source=tvb.source)
        _cert(tvb, pkt, lst, p + 3, ln)
        p += 3 + ln


def _cert(tvb: Tvb, pkt: Packet, parent: Item, off: int, n: int) -> None:
    """One certificate's bytes, the X.509 tree inside (x509.py) and its subject."""
    raw = tvb.bytes(off, n)
    item = pkt.add(parent, CERT, raw, off, n, source=tvb.source)
    dn = dissect_certificate(pkt, item, tvb.buf, off, off + n, tvb.source)
    if dn and pkt.tree_on:
        item.text = set_text_label(f"Certificate: {raw[:36].hex()}{'…' if n > 36 else ''}"
                                   f" ({format_text(dn.encode())})")


def _kex(conn: TlsConn) -> str:
    name = CIPHER_SUITES.get(conn.cipher, "")
    for kind in ("ECDHE", "ECDH", "DHE", "DH", "RSA"):
        if name.startswith(f"TLS_{kind}_"):
            return kind
    return ""


def _signature(tvb: Tvb, pkt: Packet, parent: Item, off: int, end: int, conn: TlsConn) -> None:
    if off + 2 > end:
        return
    if (conn.version or 0) >= 0x0303:
        _sig_alg(tvb, pkt, parent, off)
        off += 2
    ln = tvb.u16(off)
    pkt.add(parent, SIG_LEN, ln, off, 2, source=tvb.source)
    _blob(pkt, parent, SIG, tvb, off + 2, ln)


def _server_key_exchange(tvb: Tvb, pkt: Packet, item: Item, off: int, end: int,
                         conn: TlsConn) -> None:
    kex = _kex(conn)
    if kex == "ECDHE":
        sub = pkt.add_text(item, "EC Diffie-Hellman Server Params", off, end - off, tvb.source)
        _num(pkt, sub, CURVE_TYPE, tvb, off, 1)
        _num(pkt, sub, NAMED_CURVE, tvb, off + 1, 2)
        ln = tvb.u8(off + 3)
        pkt.add(sub, SPOINT_LEN, ln, off + 3, 1, source=tvb.source)
        _blob(pkt, sub, SPOINT, tvb, off + 4, ln)
        _signature(tvb, pkt, sub, off + 4 + ln, end, conn)
    elif kex == "DHE":
        sub = pkt.add_text(item, "Diffie-Hellman Server Params", off, end - off, tvb.source)
        for lf, vf in ((P_LEN, P_VAL), (G_LEN, G_VAL), (YS_LEN, YS)):
            ln = tvb.u16(off)
            pkt.add(sub, lf, ln, off, 2, source=tvb.source)
            _blob(pkt, sub, vf, tvb, off + 2, ln)
            off += 2 + ln
        _signature(tvb, pkt, sub, off, end, conn)


def _client_key_exchange(tvb: Tvb, pkt: Packet, item: Item, off: int, end: int,
                         conn: TlsConn) -> None:
    kex = _kex(conn)
    if kex in ("ECDHE", "ECDH"):
        sub = pkt.add_text(item, "EC Diffie-Hellman Client Params", off, end - off, tvb.source)
        ln = tvb.u8(off)
        pkt.add(sub, CPOINT_LEN, ln, off, 1, source=tvb.source)
        _blob(pkt, sub, CPOINT, tvb, off + 1, ln)
    elif kex in ("DHE", "DH"):
        sub = pkt.add_text(item, "Diffie-Hellman Client Params", off, end - off, tvb.source)
        ln = tvb.u16(off)
        pkt.add(sub, YC_LEN, ln, off, 2, source=tvb.source)
        _blob(pkt, sub, YC, tvb, off + 2, ln)
    elif kex == "RSA":
        sub = pkt.add_text(item, "RSA Encrypted PreMaster Secret", off, end - off, tvb.source)
        ln = tvb.u16(off)
        pkt.add(sub, EPMS_LEN, ln, off, 2, source=tvb.source)
        _blob(pkt, sub, EPMS, tvb, off + 2, ln)


def _ticket(tvb: Tvb, pkt: Packet, item: Item, off: int) -> None:
    """A TLS 1.2 NewSessionTicket (RFC 5077)."""
    sub = pkt.add_text(item, "TLS Session Ticket", off, 6 + tvb.u16(off + 4), tvb.source)
    hint = tvb.u32(off)
    pkt.add(sub, TICKET_HINT, hint, off, 4,
            f"Session Ticket Lifetime Hint: {hint} seconds ({time_secs_str(hint)})",
            source=tvb.source)
    ln = tvb.u16(off + 4)
    pkt.add(sub, TICKET_LEN, ln, off + 4, 2, source=tvb.source)
    _blob(pkt, sub, TICKET, tvb, off + 6, ln)


def dissect_message(tvb: Tvb, pkt: Packet, rec: Item, off: int, conn: TlsConn,
                    from_server: bool, version: int) -> None:
    """One whole handshake message at `off` (QUIC's CRYPTO stream joined from
    fragments): the record's label names it, as for a message of its own."""
    _message(tvb, pkt, rec, off, conn, from_server, version, short_name(version, "TLS"), True)
