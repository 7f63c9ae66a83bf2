"""DNS record data beyond the everyday types: DNSSEC (RRSIG, DNSKEY, DS, NSEC, NSEC3),
HINFO, CAA, and the EDNS0 options of an OPT record (COOKIE, CSUBNET, PADDING, ...).

Each function is registered in dns.py's `RDATA` table by record type and called with
the record's data span [d, end) (already checked present); it adds the items
packet-dns.c adds, in its order. Rare types only: a record of a type no one
registered costs nothing beyond the table lookup.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from dissectors.dns import RDATA, RESP_TYPE, get_name, type_label
from dissectors.dns_header import DNS
from dissectors.dns_names import (
    ALGORITHMS,
    DIGEST_TYPES,
    FAMILIES,
    NSEC3_ALGOS,
    OPT_CODES,
    SSHFP_ALGOS,
    SSHFP_TYPES,
    TYPE_VALS,
)
from dissectors.escape import format_text
from dissectors.format import masked_label
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field
from dissectors.time_text import time_secs_str
from dissectors.tvb import Tvb

Add = Callable[..., Item]

RRSIG_TYPE = DNS.field("dns.rrsig.type_covered", "Type Covered", FT.UINT16, Base.DEC,
                       strings=TYPE_VALS, blurb="Identifies the type of the RRset that is "
                       "covered by this RRSIG record")
RRSIG_ALG = DNS.field("dns.rrsig.algorithm", "Algorithm", FT.UINT8, Base.DEC,
                      strings=ALGORITHMS, blurb="Identifies the cryptographic algorithm used "
                      "to create the signature")
RRSIG_LABELS = DNS.field("dns.rrsig.labels", "Labels", FT.UINT8, Base.DEC,
                         blurb="Specifies the number of labels in the original RRSIG RR "
                         "owner name")
RRSIG_TTL = DNS.field("dns.rrsig.original_ttl", "Original TTL", FT.UINT32, Base.DEC,
                      blurb="Specifies the TTL of the covered RRset as it appears in the "
                      "authoritative zone")
RRSIG_EXP = DNS.field("dns.rrsig.signature_expiration", "Signature Expiration",
                      FT.ABSOLUTE_TIME, Base.UTC,
                      blurb="Specify a validity period for the signature")
RRSIG_INC = DNS.field("dns.rrsig.signature_inception", "Signature Inception",
                      FT.ABSOLUTE_TIME, Base.UTC,
                      blurb="Specify a validity period for the signature")
RRSIG_TAG = DNS.field("dns.rrsig.key_tag", "Key Tag", FT.UINT16, Base.DEC,
                      blurb="Contains the key tag value of the DNSKEY RR that validates this "
                      "signature")
RRSIG_SIGNER = DNS.field("dns.rrsig.signers_name", "Signer's name", FT.STRING,
                         blurb="Identifies the owner name of the DNSKEY RR that a validator "
                         "is supposed to use to validate this signature")
RRSIG_SIG = DNS.field("dns.rrsig.signature", "Signature", FT.BYTES,
                      blurb="Contains the cryptographic signature that covers the RRSIG "
                      "RDATA")

KEY_FLAGS = DNS.field("dns.dnskey.flags", "Flags", FT.UINT16, Base.HEX)
_KEY_FLAG_BITS = (
    DNS.field("dns.dnskey.flags.zone_key", "Zone Key", FT.BOOLEAN, bitmask=0x0100,
              strings=("This is the zone key for specified zone", "This it not a zone key")),
    DNS.field("dns.dnskey.flags.key_revoked", "Key Revoked", FT.BOOLEAN, bitmask=0x0080,
              strings=("Yes", "No")),
    DNS.field("dns.dnskey.flags.secure_entry_point", "Key Signing Key", FT.BOOLEAN,
              bitmask=0x0001, strings=("Yes", "No")),
)
KEY_RESERVED = DNS.field("dns.dnskey.flags.reserved", "Key Signing Key", FT.UINT16, Base.HEX,
                         bitmask=0xFE7E)
KEY_PROTOCOL = DNS.field("dns.dnskey.protocol", "Protocol", FT.UINT8, Base.DEC,
                         blurb="Must be 3")
KEY_ALG = DNS.field("dns.dnskey.algorithm", "Algorithm", FT.UINT8, Base.DEC,
                    strings=ALGORITHMS, blurb="Identifies the public key's cryptographic "
                    "algorithm and determines the format of the Public Key field")
KEY_ID = DNS.field("dns.dnskey.key_id", "Key id", FT.UINT16, Base.DEC)
KEY_PUBLIC = DNS.field("dns.dnskey.public_key", "Public Key", FT.BYTES)

DS_KEY_ID = DNS.field("dns.ds.key_id", "Key id", FT.UINT16, Base.HEX)
DS_ALG = DNS.field("dns.ds.algorithm", "Algorithm", FT.UINT8, Base.DEC, strings=ALGORITHMS)
DS_DIGEST_TYPE = DNS.field("dns.ds.digest_type", "Digest Type", FT.UINT8, Base.DEC,
                           strings=DIGEST_TYPES)
DS_DIGEST = DNS.field("dns.ds.digest", "Digest", FT.BYTES)

NSEC_NEXT = DNS.field("dns.nsec.next_domain_name", "Next Domain Name", FT.STRING)
NSEC3_ALGO = DNS.field("dns.nsec3.algo", "Hash algorithm", FT.UINT8, Base.DEC,
                       strings=NSEC3_ALGOS)
NSEC3_FLAGS = DNS.field("dns.nsec3.flags", "NSEC3 flags", FT.UINT8, Base.DEC)
NSEC3_OPT_OUT = DNS.field("dns.nsec3.flags.opt_out", "NSEC3 Opt-out flag", FT.BOOLEAN,
                          bitmask=0x01,
                          strings=("Additional insecure delegations allowed",
                                   "Additional insecure delegations forbidden"))
NSEC3_ITER = DNS.field("dns.nsec3.iterations", "NSEC3 iterations", FT.UINT16, Base.DEC,
                       blurb="Number of hashing iterations")
NSEC3_SALT_LEN = DNS.field("dns.nsec3.salt_length", "Salt length", FT.UINT8, Base.DEC)
NSEC3_SALT = DNS.field("dns.nsec3.salt_value", "Salt value", FT.BYTES)
NSEC3_HASH_LEN = DNS.field("dns.nsec3.hash_length", "Hash length", FT.UINT8, Base.DEC)
NSEC3_HASH = DNS.field("dns.nsec3.hash_value", "Next hashed owner", FT.STRING)

HINFO_CPU_LEN = DNS.field("dns.hinfo.cpu_length", "CPU Length", FT.UINT8, Base.DEC)
HINFO_CPU = DNS.field("dns.hinfo.cpu", "CPU", FT.STRING)
HINFO_OS_LEN = DNS.field("dns.hinfo.os_length", "OS Length", FT.UINT8, Base.DEC)
HINFO_OS = DNS.field("dns.hinfo.os", "OS", FT.STRING)

SSHFP_ALG = DNS.field("dns.sshfp.algorithm", "Algorithm", FT.UINT8, Base.DEC,
                      strings=SSHFP_ALGOS)
SSHFP_FP_TYPE = DNS.field("dns.sshfp.fingerprint.type", "Fingerprint type", FT.UINT8, Base.DEC,
                          strings=SSHFP_TYPES)
SSHFP_FP = DNS.field("dns.sshfp.fingerprint", "Fingerprint", FT.BYTES)

OPT = DNS.field("dns.opt", "Option", FT.NONE)
OPT_CODE = DNS.field("dns.opt.code", "Option Code", FT.UINT16, Base.DEC, strings=OPT_CODES)
OPT_LEN = DNS.field("dns.opt.len", "Option Length", FT.UINT16, Base.DEC)
OPT_DATA = DNS.field("dns.opt.data", "Option Data", FT.BYTES)
OPT_FAMILY = DNS.field("dns.opt.client.family", "Family", FT.UINT16, Base.DEC,
                       strings=FAMILIES)
OPT_NETMASK = DNS.field("dns.opt.client.netmask", "Source Netmask", FT.UINT8, Base.DEC)
OPT_SCOPE = DNS.field("dns.opt.client.scope", "Scope Netmask", FT.UINT8, Base.DEC)
OPT_ADDR = DNS.field("dns.opt.client.addr", "Client Subnet", FT.BYTES)
OPT_ADDR4 = DNS.field("dns.opt.client.addr4", "Client Subnet", FT.IPv4)
OPT_ADDR6 = DNS.field("dns.opt.client.addr6", "Client Subnet", FT.IPv6)
OPT_COOKIE_CLIENT = DNS.field("dns.opt.cookie.client", "Client Cookie", FT.BYTES)
OPT_COOKIE_SERVER = DNS.field("dns.opt.cookie.server", "Server Cookie", FT.BYTES)
OPT_PADDING = DNS.field("dns.opt.padding", "Padding", FT.BYTES,
                        blurb="The PADDING octets MUST be set to 0x00")
OPT_KEEPALIVE = DNS.field("dns.opt.edns_tcp_keepalive.timeout", "Timeout", FT.UINT16,
                          Base.DEC, blurb="an idle timeout value for the TCP connection, "
                          "specified in units of 100 milliseconds")

#: RFC 8914's info codes
_EXT_ERRORS = {
    0: "Other Error", 1: "Unsupported DNSKEY Algorithm", 2: "Unsupported DS Digest Type",
    3: "Stale Answer", 4: "Forged Answer", 5: "DNSSEC Indeterminate", 6: "DNSSEC Bogus",
    7: "Signature Expired", 8: "Signature Not Yet Valid", 9: "DNSKEY Missing",
    10: "RRSIGs Missing", 11: "No Zone Key Bit Set", 12: "NSEC Missing", 13: "Cached Error",
    14: "Not Ready", 15: "Blocked", 16: "Censored", 17: "Filtered", 18: "Prohibited",
    19: "Stale NXDomain Answer", 20: "Not Authoritative", 21: "Not Supported",
    22: "No Reachable Authority", 23: "Network Error", 24: "Invalid Data",
    25: "Signature Expired before Valid", 26: "Too Early",
    27: "Unsupported NSEC3 Iterations Value", 28: "Unable to conform to policy",
    29: "Synthesized",
}
OPT_EXT_CODE = DNS.field("dns.opt.ext_error.info_code", "Info Code", FT.UINT16, Base.DEC,
                         strings=_EXT_ERRORS)
OPT_EXT_TEXT = DNS.field("dns.opt.ext_error.extra_text", "Extra Text", FT.STRING)

# RFC 6975's lists of algorithms understood, one byte each (packet-dns.c's value names)
OPT_DAU = DNS.field("dns.opt.dau", "DAU", FT.UINT8, Base.DEC, strings=ALGORITHMS)
OPT_DHU = DNS.field("dns.opt.dhu", "DHU", FT.UINT8, Base.DEC, strings=DIGEST_TYPES)
OPT_N3U = DNS.field("dns.opt.n3u", "N3U", FT.UINT8, Base.DEC, strings=NSEC3_ALGOS)
_ALGO_LISTS = {5: OPT_DAU, 6: OPT_DHU, 7: OPT_N3U}
# RFC 7901's closest trust point: tshark shows its wire bytes as text, up to the root
OPT_CHAIN = DNS.field("dns.opt.chain.fqdn", "Closest Trust Point", FT.STRING)


def key_tag(rdata: bytes) -> int:
    """RFC 4034 appendix B: the key tag of a DNSKEY's rdata (not for algorithm 1)."""
    acc = 0
    for i, b in enumerate(rdata):
        acc += b if i & 1 else b << 8
    acc += (acc >> 16) & 0xFFFF
    return acc & 0xFFFF


def _rrsig(tvb: Tvb, d: int, end: int, msg: int, pkt: Packet, rr: Item, add: Add) -> None:
    tree_on = pkt.tree_on
    covered = tvb.u16(d)
    add(rr, RRSIG_TYPE, covered, d, 2,
        f"Type Covered: {type_label(covered)}" if tree_on else None)
    add(rr, RRSIG_ALG, tvb.u8(d + 2), d + 2, 1)
    add(rr, RRSIG_LABELS, tvb.u8(d + 3), d + 3, 1)
    ttl = tvb.u32(d + 4)
    add(rr, RRSIG_TTL, ttl, d + 4, 4,
        f"Original TTL: {ttl} ({time_secs_str(ttl)})" if tree_on else None)
    add(rr, RRSIG_EXP, tvb.u32(d + 8) * 1_000_000_000, d + 8, 4)
    add(rr, RRSIG_INC, tvb.u32(d + 12) * 1_000_000_000, d + 12, 4)
    add(rr, RRSIG_TAG, tvb.u16(d + 16), d + 16, 2)
    signer, used = get_name(tvb, d + 18, msg)
    add(rr, RRSIG_SIGNER, signer, d + 18, used)
    p = d + 18 + used
    if p < end:
        add(rr, RRSIG_SIG, tvb.bytes(p, end - p), p, end - p)


def _dnskey(tvb: Tvb, d: int, end: int, msg: int, pkt: Packet, rr: Item, add: Add) -> None:
    flags = tvb.u16(d)
    fi = add(rr, KEY_FLAGS, flags, d, 2)
    for f in _KEY_FLAG_BITS:  # (16-bit booleans: drawn 16 bits wide)
        on = bool(flags & f.bitmask)
        add(fi, f, on, d, 2, masked_label(f, on, 16) if pkt.tree_on else None)
    add(fi, KEY_RESERVED, (flags & 0xFE7E) >> 1, d, 2)
    add(rr, KEY_PROTOCOL, tvb.u8(d + 2), d + 2, 1)
    alg = tvb.u8(d + 3)
    add(rr, KEY_ALG, alg, d + 3, 1)
    rdata = tvb.bytes(d, end - d)
    # (RSA/MD5 keys take their tag from the key's last bytes but one)
    tag = key_tag(rdata) if alg != 1 else (rdata[-3] << 8) | rdata[-2]
    add(rr, KEY_ID, tag, msg, 0, generated=True)  # (at the message start, as tshark)
    if end > d + 4:
        add(rr, KEY_PUBLIC, tvb.bytes(d + 4, end - d - 4), d + 4, end - d - 4)


def _ds(tvb: Tvb, d: int, end: int, msg: int, pkt: Packet, rr: Item, add: Add) -> None:
    add(rr, DS_KEY_ID, tvb.u16(d), d, 2)
    add(rr, DS_ALG, tvb.u8(d + 2), d + 2, 1)
    add(rr, DS_DIGEST_TYPE, tvb.u8(d + 3), d + 3, 1)
    if end > d + 4:
        add(rr, DS_DIGEST, tvb.bytes(d + 4, end - d - 4), d + 4, end - d - 4)


def _type_bitmap(tvb: Tvb, p: int, end: int, pkt: Packet, rr: Item, add: Add) -> None:
    """NSEC/NSEC3 type bit maps: one item per type present."""
    while p + 2 <= end:
        window, blen = tvb.u8(p), tvb.u8(p + 1)
        p += 2
        for i in range(blen):
            bits = tvb.u8(p + i)
            for j in range(8):
                if bits & (0x80 >> j):
                    t = window * 256 + i * 8 + j
                    desc = TYPE_VALS.get(t, f"Unknown ({t})")
                    add(rr, RESP_TYPE, t, p + i, 1,
                        f"RR type in bit map: {desc}" if pkt.tree_on else None)
        p += blen


def _nsec(tvb: Tvb, d: int, end: int, msg: int, pkt: Packet, rr: Item,
          add: Add) -> tuple[str, str]:
    nxt, used = get_name(tvb, d, msg)
    add(rr, NSEC_NEXT, nxt, d, used)
    _type_bitmap(tvb, d + used, end, pkt, rr, add)
    return f" {nxt}", f", next domain name {nxt}"


def _nsec3(tvb: Tvb, d: int, end: int, msg: int, pkt: Packet, rr: Item, add: Add) -> None:
    add(rr, NSEC3_ALGO, tvb.u8(d), d, 1)
    flags = tvb.u8(d + 1)
    fi = add(rr, NSEC3_FLAGS, flags, d + 1, 1)
    add(fi, NSEC3_OPT_OUT, bool(flags & 1), d + 1, 1)
    add(rr, NSEC3_ITER, tvb.u16(d + 2), d + 2, 2)
    slen = tvb.u8(d + 4)
    add(rr, NSEC3_SALT_LEN, slen, d + 4, 1)
    p = d + 5
    add(rr, NSEC3_SALT, tvb.bytes(p, slen), p, slen)
    p += slen
    hlen = tvb.u8(p)
    add(rr, NSEC3_HASH_LEN, hlen, p, 1)
    p += 1
    owner = base64.b32hexencode(tvb.bytes(p, hlen)).decode().rstrip("=").lower()
    add(rr, NSEC3_HASH, owner, p, hlen, generated=True)
    _type_bitmap(tvb, p + hlen, end, pkt, rr, add)


def _named(f: Field, v: int, tree_on: bool) -> str | None:
    """A VALS() label for a value its table lacks ("Algorithm: Unknown (9)"); None: the
    field's own label."""
    return f"{f.name}: Unknown ({v})" if tree_on and v not in f.strings else None


def _sshfp(tvb: Tvb, d: int, end: int, msg: int, pkt: Packet, rr: Item, add: Add) -> None:
    tree_on = pkt.tree_on
    add(rr, SSHFP_ALG, tvb.u8(d), d, 1, _named(SSHFP_ALG, tvb.u8(d), tree_on))
    add(rr, SSHFP_FP_TYPE, tvb.u8(d + 1), d + 1, 1,
        _named(SSHFP_FP_TYPE, tvb.u8(d + 1), tree_on))
    if end > d + 2:
        add(rr, SSHFP_FP, tvb.bytes(d + 2, end - d - 2), d + 2, end - d - 2)


def _hinfo(tvb: Tvb, d: int, end: int, msg: int, pkt: Packet, rr: Item,
           add: Add) -> tuple[str, str]:
    p = d
    texts = []
    for flen, fstr in ((HINFO_CPU_LEN, HINFO_CPU), (HINFO_OS_LEN, HINFO_OS)):
        n = tvb.u8(p)
        raw = tvb.bytes(p + 1, n)
        add(rr, flen, n, p, 1)
        add(rr, fstr, raw.decode("ascii", errors="replace"), p + 1, n)
        texts.append(format_text(raw))
        p += 1 + n
    return f" {texts[0]} {texts[1]}", f", CPU {texts[0]}, OS {texts[1]}"


def _opt(tvb: Tvb, d: int, end: int, msg: int, pkt: Packet, rr: Item, add: Add) -> None:
    """The EDNS0 options of an OPT record."""
    q = d
    tree_on = pkt.tree_on
    while q + 4 <= end:
        code, olen = tvb.u16(q), tvb.u16(q + 2)
        name = OPT_CODES.get(code, f"Unknown ({code})")
        oi = add(rr, OPT, None, q, 4 + olen, f"Option: {name}" if tree_on else None)
        add(oi, OPT_CODE, code, q, 2,
            f"Option Code: Unknown ({code})" if tree_on and code not in OPT_CODES else None)
        add(oi, OPT_LEN, olen, q + 2, 2)
        v = q + 4
        add(oi, OPT_DATA, tvb.bytes(v, olen), v, olen,
            "Option Data: <MISSING>" if tree_on and not olen else None)
        if code in (8, 20730) and olen >= 4:  # CSUBNET
            family = tvb.u16(v)
            add(oi, OPT_FAMILY, family, v, 2)
            add(oi, OPT_NETMASK, tvb.u8(v + 2), v + 2, 1)
            add(oi, OPT_SCOPE, tvb.u8(v + 3), v + 3, 1)
            alen = olen - 4
            raw = tvb.bytes(v + 4, alen)
            if family == 1 and alen <= 4:
                add(oi, OPT_ADDR4, int.from_bytes(raw.ljust(4, b"\0"), "big"), v + 4, alen)
            elif family == 2 and alen <= 16:
                add(oi, OPT_ADDR6, raw.ljust(16, b"\0"), v + 4, alen)
            else:
                add(oi, OPT_ADDR, raw, v + 4, alen)
        elif code == 10 and olen >= 8:  # COOKIE
            add(oi, OPT_COOKIE_CLIENT, tvb.bytes(v, 8), v, 8)
            server = tvb.bytes(v + 8, olen - 8)
            add(oi, OPT_COOKIE_SERVER, server, v + 8, olen - 8,
                "Server Cookie: <MISSING>" if tree_on and not server else None)
        elif code == 11 and olen == 2:  # EDNS TCP Keepalive
            add(oi, OPT_KEEPALIVE, tvb.u16(v), v, 2)
        elif code == 15 and olen >= 2:  # Extended DNS Error
            ic = tvb.u16(v)
            add(oi, OPT_EXT_CODE, ic, v, 2,
                f"Info Code: {'Unassigned' if ic < 49152 else 'Reserved for Private Use'} "
                f"({ic})" if tree_on and ic not in _EXT_ERRORS else None)
            if olen > 2:
                add(oi, OPT_EXT_TEXT, tvb.bytes(v + 2, olen - 2).decode("utf-8", "replace"),
                    v + 2, olen - 2)
        elif code in _ALGO_LISTS:  # DAU, DHU, N3U
            f = _ALGO_LISTS[code]
            for i in range(olen):
                add(oi, f, tvb.u8(v + i), v + i, 1, _named(f, tvb.u8(v + i), tree_on))
        elif code == 13 and olen:  # CHAIN
            raw = tvb.bytes(v, olen).split(b"\0", 1)[0]
            add(oi, OPT_CHAIN, raw.decode("utf-8", "replace"), v, olen,
                f"Closest Trust Point: {format_text(raw)}" if tree_on else None)
        elif code == 12 and olen:  # PADDING
            add(oi, OPT_PADDING, tvb.bytes(v, olen), v, olen)
        q = v + olen


RDATA.update({13: _hinfo, 41: _opt, 43: _ds, 44: _sshfp, 46: _rrsig, 47: _nsec, 48: _dnskey, 50: _nsec3,
              59: _ds, 60: _dnskey})
