"""TLS hello extensions (RFC 6066, RFC 7301, RFC 8446 section 4.2 ...) as tshark 4.0 shows
them: one subtree per extension, its type and length, then its body by type."""

from __future__ import annotations

from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field
from dissectors.time_text import plural
from dissectors.tls_proto import TLS, TlsConn, vs_text
from dissectors.tls_quic_params import dissect_transport_parameters
from dissectors.tls_tables import (
    COMP_CERT_ALGS,
    EC_POINT_FORMATS,
    EXTENSION_TYPES,
    GROUPS,
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
ALPS_LEN = _f(P + "extensions_alps_len", "ALPS Extension Length", U16, DEC)
ALPS_LIST = _f(P + "extensions_alps_alpn_list", "Supported ALPN List", NONE)
ALPS_STR_LEN = _f(P + "extensions_alps_alpn_str_len", "Supported ALPN Length", U8, DEC)
ALPS_STR = _f(P + "extensions_alps_alpn_str", "Supported ALPN", STR)
CC_LEN = _f("tls.compress_certificate.algorithms_length", "Algorithms Length", U8, DEC)
CC_ALG = _f("tls.compress_certificate.algorithm", "Algorithm", U16, DEC, COMP_CERT_ALGS)
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


def dissect_extensions(tvb: Tvb, pkt: Packet, item: Item, off: int, end: int, mtype: int,
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
    elif etype == 17513:
        ln = tvb.u16(off)
        pkt.add(ext, ALPS_LEN, ln, off, 2, source=src)
        lst = pkt.add(ext, ALPS_LIST, None, off + 2, ln, source=src)
        p, stop = off + 2, off + 2 + ln
        while p < stop:
            sl = tvb.u8(p)
            pkt.add(lst, ALPS_STR_LEN, sl, p, 1, source=src)
            pkt.add(lst, ALPS_STR, tvb.bytes(p + 1, sl).decode("ascii", "replace"), p + 1, sl,
                    source=src)
            p += 1 + sl
    elif etype == 27:
        ln = tvb.u8(off)
        pkt.add(ext, CC_LEN, ln, off, 1, source=src)
        for i in range(ln // 2):
            _num(pkt, ext, CC_ALG, tvb, off + 1 + 2 * i, 2)
    elif etype == 57:
        dissect_transport_parameters(tvb, pkt, ext, off, n)
    elif etype in EXTENSION_TYPES and not _grease(etype):
        if n:
            _blob(pkt, ext, EXT_DATA, tvb, off, n)
    else:
        pkt.add(ext, EXT_DATA, tvb.bytes(off, n), off, n,
                None if n else "Data: <MISSING>", source=src)


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
