"""TLS handshake messages (RFC 5246, RFC 8446) inside a Handshake record, as tshark 4.0
shows them without keys: hellos with their extensions and JA3/JA3S, Certificate (the
list and each certificate's bytes, no X.509 detail), key exchanges, tickets; a record
that looks encrypted is one "Encrypted Handshake Message"."""

from __future__ import annotations

import hashlib

from dissectors.format import abs_time_str, plural, time_secs_str
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field
from dissectors.tls_ciphers import CIPHER_SUITES
from dissectors.tls_proto import KNOWN_VERSIONS, TLS, TLS13, TlsConn, short_name, vs_text
from dissectors.tls_tables import (
    COMP_METHODS,
    CURVE_TYPES,
    EC_POINT_FORMATS,
    EXTENSION_TYPES,
    GROUPS,
    HANDSHAKE_TYPES,
    HEARTBEAT_MODES,
    PSK_KE_MODES,
    SERVER_NAME_TYPES,
    SIG_ALGS,
    SIG_HASHES,
    SIG_SIGS,
    STATUS_REQUEST_TYPES,
    VERSIONS,
)
from dissectors.tvb import Tvb


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
EXTS_LEN = _f(P + "extensions_length", "Extensions Length", U16, DEC)
EXT_TYPE = _f(P + "extension.type", "Type", U16, DEC, EXTENSION_TYPES)
EXT_LEN = _f(P + "extension.len", "Length", U16, DEC)
EXT_DATA = _f(P + "extension.data", "Data", BYTES)
SNI_LIST_LEN = _f(P + "extensions_server_name_list_len", "Server Name list length", U16, DEC)
SNI_TYPE = _f(P + "extensions_server_name_type", "Server Name Type", U8, DEC, SERVER_NAME_TYPES)
SNI_LEN = _f(P + "extensions_server_name_len", "Server Name length", U16, DEC)
SNI = _f(P + "extensions_server_name", "Server Name", STR)
GROUPS_LEN = _f(P + "extensions_supported_groups_length", "Supported Groups List Length", U16,
                DEC)
GROUP_LIST = _f(P + "extensions_supported_groups", "Supported Groups List", NONE)
GROUP = _f(P + "extensions_supported_group", "Supported Group", U16, HEX, GROUPS)
ECPF_LEN = _f(P + "extensions_ec_point_formats_length", "EC point formats Length", U8, DEC)
ECPF_LIST = _f(P + "extensions_ec_point_formats", "EC point formats", NONE)
ECPF = _f(P + "extensions_ec_point_format", "EC point format", U8, DEC, EC_POINT_FORMATS)
SIG_LEN_ALGS = _f(P + "sig_hash_alg_len", "Signature Hash Algorithms Length", U16, DEC)
SIG_ALG_LIST = _f(P + "sig_hash_algs", "Signature Algorithms", NONE)
SIG_ALG = _f(P + "sig_hash_alg", "Signature Algorithm", U16, HEX, SIG_ALGS)
SIG_HASH = _f(P + "sig_hash_hash", "Signature Hash Algorithm Hash", U8, DEC, SIG_HASHES)
SIG_SIG = _f(P + "sig_hash_sig", "Signature Hash Algorithm Signature", U8, DEC, SIG_SIGS)
ALPN_LEN = _f(P + "extensions_alpn_len", "ALPN Extension Length", U16, DEC)
ALPN_LIST = _f(P + "extensions_alpn_list", "ALPN Protocol", NONE)
ALPN_STR_LEN = _f(P + "extensions_alpn_str_len", "ALPN string length", U8, DEC)
ALPN_STR = _f(P + "extensions_alpn_str", "ALPN Next Protocol", STR)
PADDING = _f(P + "extensions_padding_data", "Padding Data", BYTES)
SV_LEN = _f(P + "extensions.supported_versions_len", "Supported Versions length", U8, DEC)
SV = _f(P + "extensions.supported_version", "Supported Version", U16, HEX, VERSIONS)
PSK_MODES_LEN = _f("tls.extension.psk_ke_modes_length", "PSK Key Exchange Modes Length", U8, DEC)
PSK_MODE = _f("tls.extension.psk_ke_mode", "PSK Key Exchange Mode", U8, DEC, PSK_KE_MODES)
KS_CLIENT_LEN = _f(P + "extensions_key_share_client_length", "Client Key Share Length", U16, DEC)
KS_GROUP = _f(P + "extensions_key_share_group", "Group", U16, DEC, GROUPS)
KS_KEX_LEN = _f(P + "extensions_key_share_key_exchange_length", "Key Exchange Length", U16, DEC)
KS_KEX = _f(P + "extensions_key_share_key_exchange", "Key Exchange", BYTES)
KS_SELECTED = _f(P + "extensions_key_share_selected_group", "Selected Group", U16, DEC, GROUPS)
RENEG_LEN = _f(P + "extensions_reneg_info_len", "Renegotiation info extension length", U8, DEC)
RENEG = _f(P + "extensions_reneg_info", "Renegotiation info", BYTES)
HB_MODE = _f(P + "extension.heartbeat.mode", "Mode", U8, DEC, HEARTBEAT_MODES)
SR_TYPE = _f(P + "extensions_status_request_type", "Certificate Status Type", U8, DEC,
             STATUS_REQUEST_TYPES)
SR_RIDS_LEN = _f(P + "extensions_status_request_responder_ids_len", "Responder ID list Length",
                 U16, DEC)
SR_EXTS_LEN = _f(P + "extensions_status_request_exts_len", "Request Extensions Length", U16, DEC)
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
#: ssl_alpn_protocols: the protocol an ALPN name selects (by prefix), by long name.
ALPN_APPS = (
    ("http/1.1", "Hypertext Transfer Protocol"), ("spdy/", "SPDY"),
    ("stun.turn", "TURN Channel"), ("stun.nat-discovery", "Session Traversal Utilities for NAT"),
    ("h2", "HyperText Transfer Protocol 2"), ("grpc-exp", "HyperText Transfer Protocol 2"),
    ("imap", "Internet Message Access Protocol"), ("pop3", "Post Office Protocol"),
    ("coap", "Constrained Application Protocol"), ("xmpp-client", "XMPP Protocol"),
    ("xmpp-server", "XMPP Protocol"), ("irc", "Internet Relay Chat"),
    ("mqtt", "MQ Telemetry Transport Protocol"), ("dot", "Domain Name System"),
)
HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")


def _grease(v: int) -> bool:
    return v & 0x0F0F == 0x0A0A and v >> 8 == v & 0xFF


def _num(pkt: Packet, parent: Item, field: Field, tvb: Tvb, off: int, width: int) -> int:
    """An integer field with Wireshark's "Unknown" for a value its table lacks."""
    v = int.from_bytes(tvb.bytes(off, width), "big")
    text = None
    if isinstance(field.strings, dict) and v not in field.strings:
        fmt = f"0x{{:0{width * 2}x}}" if field.base is HEX else "{}"
        text = vs_text(field, v, fmt)
    pkt.add(parent, field, v, off, width, text, source=tvb.source)
    return v


def _blob(pkt: Packet, parent: Item, field: Field, tvb: Tvb, off: int, n: int) -> None:
    pkt.add(parent, field, tvb.bytes(off, n), off, n, source=tvb.source)


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
        pkt.append_info(msg, ", ")
    elif first:
        pkt.append_info(f"[{msg} Fragment]", ", ")
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
    off = _hello_common(tvb, pkt, item, off, True)
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
    if off < end:
        _extensions(tvb, pkt, item, off, end, 1, seen, conn)
    parts = [str(version), "-".join(str(s) for s in suites if not _grease(s))]
    parts += ["-".join(str(v) for v in seen[k] if not _grease(v)) for k in ("exts", "groups",
                                                                             "ecpf")]
    full = ",".join(parts)
    pkt.add(item, JA3_FULL, full, 0, 0, generated=True)
    pkt.add(item, JA3, _md5(full), 0, 0, generated=True)


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
    if off < end:
        _extensions(tvb, pkt, item, off, end, 2, seen, conn)
    full = f"{version},{suite},{'-'.join(str(v) for v in seen['exts'])}"
    pkt.add(item, JA3S_FULL, full, 0, 0, generated=True)
    pkt.add(item, JA3S, _md5(full), 0, 0, generated=True)


def _extensions(tvb: Tvb, pkt: Packet, item: Item, off: int, end: int, mtype: int,
                seen: dict[str, list[int]], conn: TlsConn) -> None:
    total = tvb.u16(off)
    pkt.add(item, EXTS_LEN, total, off, 2, source=tvb.source)
    off += 2
    end = min(end, off + total)
    while off + 4 <= end:
        etype, elen = tvb.u16(off), tvb.u16(off + 2)
        seen["exts"].append(etype)
        name = EXTENSION_TYPES.get(etype, f"Unknown type {etype}")
        ext = pkt.add_text(item, f"Extension: {name} (len={elen})", off, 4 + elen, tvb.source)
        _num(pkt, ext, EXT_TYPE, tvb, off, 2)
        pkt.add(ext, EXT_LEN, elen, off + 2, 2, source=tvb.source)
        _extension(tvb, pkt, ext, etype, off + 4, elen, mtype, seen, conn)
        off += 4 + elen


def _extension(tvb: Tvb, pkt: Packet, ext: Item, etype: int, off: int, n: int, mtype: int,
               seen: dict[str, list[int]], conn: TlsConn) -> None:  # noqa: C901
    """One extension's body (ssl_dissect_hnd_extension), by type."""
    src = tvb.source
    client = mtype == 1
    if etype == 0:
        if n == 0:
            return
        sub = pkt.add_text(ext, "Server Name Indication extension", off, n, src)
        lst = tvb.u16(off)
        pkt.add(sub, SNI_LIST_LEN, lst, off, 2, source=src)
        p, stop = off + 2, off + 2 + lst
        while p + 3 <= stop:
            _num(pkt, sub, SNI_TYPE, tvb, p, 1)
            ln = tvb.u16(p + 1)
            pkt.add(sub, SNI_LEN, ln, p + 1, 2, source=src)
            raw = tvb.bytes(p + 3, ln)
            pkt.add(sub, SNI, raw.decode("ascii", "replace"), p + 3, ln, source=src)
            p += 3 + ln
    elif etype == 10:
        ln = tvb.u16(off)
        pkt.add(ext, GROUPS_LEN, ln, off, 2, source=src)
        lst = pkt.add(ext, GROUP_LIST, None, off + 2, ln,
                      f"Supported Groups ({plural(ln // 2, 'group')})", source=src)
        seen["groups"] += [_num(pkt, lst, GROUP, tvb, off + 2 + 2 * i, 2) for i in range(ln // 2)]
    elif etype == 11:
        ln = tvb.u8(off)
        pkt.add(ext, ECPF_LEN, ln, off, 1, source=src)
        lst = pkt.add(ext, ECPF_LIST, None, off + 1, ln, f"Elliptic curves point formats ({ln})",
                      source=src)
        seen["ecpf"] += [_num(pkt, lst, ECPF, tvb, off + 1 + i, 1) for i in range(ln)]
    elif etype == 13:
        _sig_algs(tvb, pkt, ext, off)
    elif etype == 16:
        ln = tvb.u16(off)
        pkt.add(ext, ALPN_LEN, ln, off, 2, source=src)
        lst = pkt.add(ext, ALPN_LIST, None, off + 2, ln, source=src)
        p, stop = off + 2, off + 2 + ln
        while p < stop:
            sl = tvb.u8(p)
            pkt.add(lst, ALPN_STR_LEN, sl, p, 1, source=src)
            name = tvb.bytes(p + 1, sl).decode("ascii", "replace")
            pkt.add(lst, ALPN_STR, name, p + 1, sl, source=src)
            if not client and p == off + 2:
                conn.app = next((app for pre, app in ALPN_APPS if name.startswith(pre) and (
                    pre.endswith("/") or name == pre or pre == "h2" and name.startswith("h2-"))),
                    conn.app)
            p += 1 + sl
    elif etype == 21:
        _blob(pkt, ext, PADDING, tvb, off, n)
    elif etype == 35:
        pkt.add(ext, EXT_DATA, tvb.bytes(off, n), off, n, f"Data ({plural(n, 'byte')})",
                source=src)
    elif etype == 43:
        if client:
            ln = tvb.u8(off)
            pkt.add(ext, SV_LEN, ln, off, 1, source=src)
            for i in range(ln // 2):
                _num(pkt, ext, SV, tvb, off + 1 + 2 * i, 2)
        elif n >= 2:
            _num(pkt, ext, SV, tvb, off, 2)
    elif etype == 45:
        ln = tvb.u8(off)
        pkt.add(ext, PSK_MODES_LEN, ln, off, 1, source=src)
        for i in range(ln):
            _num(pkt, ext, PSK_MODE, tvb, off + 1 + i, 1)
    elif etype == 51:
        _key_share(tvb, pkt, ext, off, n, client)
    elif etype == 65281:
        sub = pkt.add_text(ext, "Renegotiation Info extension", off, n, src)
        ln = tvb.u8(off)
        pkt.add(sub, RENEG_LEN, ln, off, 1, source=src)
        if ln:
            _blob(pkt, sub, RENEG, tvb, off + 1, ln)
    elif etype == 15:
        _num(pkt, ext, HB_MODE, tvb, off, 1)
    elif etype == 5:
        if client and n >= 5:
            _num(pkt, ext, SR_TYPE, tvb, off, 1)
            rl = tvb.u16(off + 1)
            pkt.add(ext, SR_RIDS_LEN, rl, off + 1, 2, source=src)
            pkt.add(ext, SR_EXTS_LEN, tvb.u16(off + 3 + rl), off + 3 + rl, 2, source=src)
    elif etype in (22, 23, 49):
        return
    elif n:
        _blob(pkt, ext, EXT_DATA, tvb, off, n)


def _sig_alg(tvb: Tvb, pkt: Packet, parent: Item, off: int) -> None:
    v = tvb.u16(off)
    alg = pkt.add(parent, SIG_ALG, v, off, 2, source=tvb.source)
    if SIG_ALG.value_name(v) is None:
        h, s = SIG_HASHES.get(v >> 8), SIG_SIGS.get(v & 0xFF)
        alg.text = f"Signature Algorithm: {h} {s} (0x{v:04x})" if h and s else \
            vs_text(SIG_ALG, v, "0x{:04x}")
    _num(pkt, alg, SIG_HASH, tvb, off, 1)
    _num(pkt, alg, SIG_SIG, tvb, off + 1, 1)


def _sig_algs(tvb: Tvb, pkt: Packet, ext: Item, off: int) -> None:
    ln = tvb.u16(off)
    pkt.add(ext, SIG_LEN_ALGS, ln, off, 2, source=tvb.source)
    lst = pkt.add(ext, SIG_ALG_LIST, None, off + 2, ln,
                  f"Signature Hash Algorithms ({plural(ln // 2, 'algorithm')})", source=tvb.source)
    for i in range(ln // 2):
        _sig_alg(tvb, pkt, lst, off + 2 + 2 * i)


def _key_share(tvb: Tvb, pkt: Packet, ext: Item, off: int, n: int, client: bool) -> None:
    sub = pkt.add_text(ext, "Key Share extension", off, n, tvb.source)
    if not client and n == 2:
        _num(pkt, sub, KS_SELECTED, tvb, off, 2)
        return
    p, stop = off, off + n
    if client:
        ln = tvb.u16(off)
        pkt.add(sub, KS_CLIENT_LEN, ln, off, 2, source=tvb.source)
        p, stop = off + 2, off + 2 + ln
    while p + 4 <= stop:
        group, kl = tvb.u16(p), tvb.u16(p + 2)
        gname = GROUPS.get(group, "Unknown")
        entry = pkt.add_text(sub, f"Key Share Entry: Group: {gname}, Key Exchange length: {kl}",
                             p, 4 + kl, tvb.source)
        _num(pkt, entry, KS_GROUP, tvb, p, 2)
        pkt.add(entry, KS_KEX_LEN, kl, p + 2, 2, source=tvb.source)
        if kl:
            _blob(pkt, entry, KS_KEX, tvb, p + 4, kl)
        p += 4 + kl


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
        _blob(pkt, lst, CERT, tvb, p + 3, ln)
        p += 3 + ln


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
