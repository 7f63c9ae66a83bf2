"""Typing a literal as a constant of the kind its comparison wants.

`10` is a byte for `frame[0]`, ten for `ip.ttl` and an error for `ip.src`; the
error texts are tshark's.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from dissectors.registry import FT_BITS, Field
from filters.abstime import parse_abstime
from filters.errors import FilterError, LazyFilterError
from filters.kinds import _BYTES_LIKE, _KIND_DESC, type_desc
from filters.literals import parse_bytes, parse_double, parse_int, parse_reltime
from filters.syntax import Const, Func, Literal, Node, Word
from filters.words import loose_bytes


class ConstTyper:
    """The filter text, the errors that point into it, and the typing of its literals
    (the base of the semantic Checker)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def err(self, msg: str | Callable[[], str], node: Node) -> FilterError:
        """The error at `node`; `msg` may be a function that makes it when it is read."""
        # tshark points at a function by its name only.
        length = len(node.name) if isinstance(node, Func) else node.length
        if callable(msg):
            return LazyFilterError(msg, node.col, length, self.text)
        return FilterError(msg, node.col, length, self.text)

    def src(self, node: Node) -> str:
        """The filter text a node was written as (messages never show internal names)."""
        return self.text[node.col:node.col + node.length]

    # -- literals --------------------------------------------------------------------
    def const(self, node: Node, kind: str, fld: Field | None) -> Const:
        if isinstance(node, Const):
            return node
        if not isinstance(node, (Word, Literal)):
            raise self.err("Expected a literal value.", node)
        if isinstance(node, Word):
            return self.const_word(node, kind, fld)
        assert isinstance(node, Literal)
        if node.kind == "char":
            v = node.value
            if kind in ("int", "bool"):
                return Const(node.col, node.length, v, kind, f"'{chr(v)}'")
            if kind in _BYTES_LIKE:
                return Const(node.col, node.length, bytes([v]), "bytes", f"{v:02x}")
            if kind == "string":
                return Const(node.col, node.length, chr(v), kind)
            raise self.err(f"{_KIND_DESC[kind]} cannot be converted from a character "
                           f"constant ({self.text[node.col:node.col + node.length]}).", node)
        raw: bytes = node.value
        s = raw.decode("utf-8", "surrogateescape")
        if kind == "string":
            return Const(node.col, node.length, s, kind, repr(s))
        if kind in _BYTES_LIKE:
            return Const(node.col, node.length, raw, "bytes", raw.hex(":"))
        if kind == "bool" and s.lower() in ("true", "false", "1", "0"):
            return Const(node.col, node.length, int(s.lower() in ("true", "1")), kind, f'"{s}"')
        if kind in ("int", "bool") and fld is not None:
            v = value_from_name(fld, s)
            if v is not None:
                return Const(node.col, node.length, v, kind, f'"{s}"')
            if kind == "bool" or fld.strings:
                raise self.err(f'"{s}" cannot be found among the possible values for '
                               f"{fld.abbrev}.", node)
        if kind == "abstime":
            return Const(node.col, node.length, self.abstime(s, node), kind, s)
        desc = type_desc(fld.type) if fld is not None else _KIND_DESC[kind]
        raise self.err(f'{desc} cannot be converted from a string ("{s}").', node)

    def abstime(self, s: str, node: Node) -> int:
        ns = parse_abstime(s)
        if isinstance(ns, str):
            raise self.err(ns, node)
        return ns

    def const_word(self, node: Word, kind: str, fld: Field | None) -> Const:
        w = node.text

        def bad(msg: str) -> FilterError:
            return self.err(msg, node)

        if kind == "int":
            v = parse_int(w)
            if v is None:
                if fld is not None and fld.strings:
                    nv = value_from_name(fld, w)
                    if nv is not None:
                        return Const(node.col, node.length, nv, kind, w)
                raise bad(f'"{w}" is not a valid number.')
            if fld is not None and fld.type in FT_BITS:
                bits = FT_BITS[fld.type]
                signed = fld.type.value.startswith("FT_INT")
                hi = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
                if v > ((1 << 63) - 1 if signed else (1 << 64) - 1):  # strtoll / strtoull
                    raise bad(f'"{w}" causes an integer overflow.')
                if v > hi:
                    raise bad(f'"{w}" too big for this field, maximum {hi}.')
            return Const(node.col, node.length, v, kind, w)
        if kind == "bool":
            low = w.lower()
            if low in ("true", "1"):
                return Const(node.col, node.length, 1, kind, w)
            if low in ("false", "0"):
                return Const(node.col, node.length, 0, kind, w)
            v = parse_int(w)
            if v is not None:
                return Const(node.col, node.length, v, kind, w)
            if fld is not None:
                nv = value_from_name(fld, w)
                if nv is not None:
                    return Const(node.col, node.length, nv, kind, w)
                raise bad(f'"{w}" cannot be found among the possible values for {fld.abbrev}.')
            raise bad(f'"{w}" is not a valid boolean.')
        if kind == "reltime":
            ns = parse_reltime(w)
            if ns is None:
                raise bad(f'"{w}" is not a valid time.')
            return Const(node.col, node.length, ns, kind, w)
        if kind == "float":
            f = parse_double(w)
            if isinstance(f, str):
                raise bad(f)
            return Const(node.col, node.length, f, kind, w)
        if kind == "ipv4":
            addr, _, pfx = w.partition("/")
            if not re.fullmatch(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}", addr) or \
                    any(int(p) > 255 for p in addr.split(".")):
                raise bad(f'"{w}" is not a valid hostname or IPv4 address.')
            v = int(ipaddress.IPv4Address(addr))
            prefix = None
            if pfx:
                prefix = int(pfx)
                if prefix > 32:
                    raise bad(f"Netmask bits in a CIDR IPv4 address should be <= 32, not {pfx}")
            return Const(node.col, node.length, v, kind, w, prefix)
        if kind == "ipv6":
            addr, _, pfx = w.partition("/")
            try:
                b = ipaddress.IPv6Address(addr).packed
            except ValueError:
                raise bad(f'"{w}" is not a valid hostname or IPv6 address.') from None
            prefix = None
            if pfx:
                prefix = int(pfx)
                if prefix > 128:
                    raise bad(f"Prefix in a IPv6 address should be <= 128, not {pfx}")
            return Const(node.col, node.length, b, kind, w, prefix)
        if kind == "ether":
            b = parse_bytes(w)
            if b is None and re.fullmatch(r"[0-9A-Fa-f]{12}", w):
                b = bytes.fromhex(w)
            if b is None:
                raise bad(f'"{w}" is not a valid Ethernet address.')
            if len(b) < 6:
                raise bad(f'"{w}" contains too few bytes to be a valid Ethernet address.')
            if len(b) > 6:
                raise bad(f'"{w}" contains too many bytes to be a valid Ethernet address.')
            return Const(node.col, node.length, b, kind, w)
        if kind in ("bytes", "proto"):
            b = parse_bytes(w)
            if b is None:
                b = loose_bytes(w)
            if b is None:
                raise bad(f'"{w}" is not a valid byte string.')
            return Const(node.col, node.length, b, "bytes", w)
        if kind == "string":
            return Const(node.col, node.length, w, kind, w)
        if kind == "abstime":
            return Const(node.col, node.length, self.abstime(w, node), kind, w)
        raise bad(f'"{w}" cannot be compared with a {_KIND_DESC.get(kind, kind)}.')


def value_from_name(fld: Field, name: str) -> int | None:
    """Look a value name up (case-insensitive): `"Read Request"` -> 1, `"Set"` -> 1."""
    strings = fld.strings
    low = name.lower()
    if isinstance(strings, tuple):
        if strings[0].lower() == low:
            return 1
        if strings[1].lower() == low:
            return 0
        return None
    if isinstance(strings, dict):
        for v, s in strings.items():
            if s.lower() == low:
                return v
    return None
