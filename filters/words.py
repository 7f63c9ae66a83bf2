"""How an unquoted word of a filter reads: a field (and which), or a literal.

Wireshark decides by name: a leading dot, a registered field, a renamed protocol
(`bootp`), or one of the protocols whose names are also byte strings (`fc`) make a field;
anything else is a literal, typed later by what it is compared with.
"""

from __future__ import annotations

import re

from dissectors.registry import FT, REGISTRY, Field
from filters.literals import parse_bytes, parse_int


def loose_bytes(w: str) -> bytes | None:
    """Byte strings tshark 4.0 reads beyond the usual `aa:bb` forms: an odd run of hex
    digits (`153` is 15:03), or failing that an integer up to 255 as one byte (`0x33`);
    and, as the newest Wireshark, one trailing colon (`99:`)."""
    if re.fullmatch(r"[0-9A-Fa-f]{3,}", w):
        return bytes.fromhex(w[:-1]) + bytes([int(w[-1], 16)])
    v = parse_int(w)
    if v is not None:
        return bytes([v]) if v <= 0xFF else None
    if w.endswith(":") and not w.endswith("::"):
        return parse_bytes(w[:-1])
    return None


# Wireshark protocols whose names also read as byte strings (tshark 4.0's `-G protocols`).
# tshark reads such a word as the protocol (`frame[37] == fc` compares with Fibre Channel);
# labshark dissects none of them, so they are fields present in no packet.
_HEXLIKE_PROTOCOLS = frozenset({
    "aaf", "acf", "a11", "a21", "a615a", "adb", "bfd", "c1222", "c15", "dcc", "dc", "e100",
    "e164", "e212", "fc", "fc00", "fefd", "ff"})
_ABSENT: dict[str, Field] = {}


def absent_protocol(name: str) -> Field | None:
    if name not in _HEXLIKE_PROTOCOLS:
        return None
    if name not in _ABSENT:
        _ABSENT[name] = Field(name, name, FT.PROTOCOL)
    return _ABSENT[name]


def is_dotted_field(text: str) -> bool:
    """`.udp.dstport`, `.fc`, and as in tshark 4.0 also `.5`: a leading dot names a field."""
    return len(text) > 1 and text[0] == "." and text[1] != "."


def names_field(text: str) -> bool:
    """Does an unquoted word name a field (rather than being a literal)?"""
    if is_dotted_field(text):
        return True
    return deprecated(text) in REGISTRY or text in _HEXLIKE_PROTOCOLS


# Protocol names Wireshark renamed and still accepts (proto_register_alias).
_ALIASES = {"bootp": "dhcp", "ssl": "tls"}


def deprecated(name: str) -> str:
    head, dot, rest = name.partition(".")
    return _ALIASES[head] + dot + rest if head in _ALIASES else name
