"""JSON (RFC 8259) as tshark 4.0's JavaScript Object Notation tree shows it.

    Object
        Member: key
            [Path with value: /key:value]     (scalars only)
            [Member with value: key:value]
            String value: value                (or Number value, True value, ...)
            Key: key
            [Path: /key]
An array's scalar elements get the two "with value" items and their value, with `[]`
as their key. Called by HTTP for the JSON media types and by DB-LSP-DISC; a text that
is not JSON is refused (the caller shows it otherwise).
"""

from __future__ import annotations

import json as _pyjson
import re

from dissectors.dispatch import register_dissector
from dissectors.escape import format_str
from dissectors.packet import NULL_ITEM, Item, Packet
from dissectors.registry import FT, Field, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

JSON = protocol("json", "JavaScript Object Notation", "JSON")
ARRAY = JSON.field("json.array", "Array", FT.NONE)
OBJECT = JSON.field("json.object", "Object", FT.NONE)
MEMBER = JSON.field("json.member", "Member", FT.STRING)
KEY = JSON.field("json.key", "Key", FT.STRING)
PATH = JSON.field("json.path", "Path", FT.STRING)
PATH_WITH_VALUE = JSON.field("json.path_with_value", "Path with value", FT.STRING)
MEMBER_WITH_VALUE = JSON.field("json.member_with_value", "Member with value", FT.STRING)
VALUE_STRING = JSON.field("json.value.string", "String value", FT.STRING)
VALUE_NUMBER = JSON.field("json.value.number", "Number value", FT.STRING)
VALUE_FALSE = JSON.field("json.value.false", "False value", FT.NONE)
VALUE_NULL = JSON.field("json.value.null", "Null value", FT.NONE)
VALUE_TRUE = JSON.field("json.value.true", "True value", FT.NONE)

#: The media types HTTP hands to JSON (Wireshark's media_type registrations).
JSON_MEDIA = frozenset({"application/json", "application/json-rpc", "application/jsonrequest",
                        "application/dds-web+json", "application/vnd.oma.lwm2m+json"})
_MAX_DEPTH = 64  # nesting followed (bounded work on hostile input)
_WS = re.compile(rb"[ \t\r\n]*")
_NUMBER = re.compile(rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_STRING = re.compile(rb'"(?:[^"\\\x00-\x1f]|\\.)*"', re.S)


class _Bad(Exception):
    """Not JSON (or nested too deep)."""


class _Walker:
    def __init__(self, pkt: Packet, data: bytes, base: int, src: int, items: bool) -> None:
        self.pkt, self.data, self.base, self.src, self.items = pkt, data, base, src, items

    def add(self, parent: Item, field: Field, value: object, at: int, length: int,
            text: str | None = None, generated: bool = False) -> Item:
        if not self.items:
            return NULL_ITEM
        return self.pkt.add(parent, field, value, self.base + at, length,
                            text if self.pkt.tree_on else None, generated=generated,
                            source=self.src)

    def ws(self, i: int) -> int:
        m = _WS.match(self.data, i)
        return m.end() if m else i

    def string(self, i: int) -> tuple[str, int]:
        m = _STRING.match(self.data, i)
        if m is None:
            raise _Bad
        try:
            text = _pyjson.loads(m.group().decode("utf-8", "surrogatepass"))
        except (ValueError, UnicodeDecodeError) as e:
            raise _Bad from e
        return text, m.end()

    def value(self, parent: Item, i: int, path: str, key: str, depth: int) -> int:
        """One value at `i` under `parent`; returns the offset after it."""
        if depth > _MAX_DEPTH or i >= len(self.data):
            raise _Bad
        c = self.data[i:i + 1]
        if c == b"{":
            return self.obj(parent, i, path, depth)
        if c == b"[":
            return self.array(parent, i, path, depth)
        if c == b'"':
            text, end = self.string(i)
            shown, field, fv = text, VALUE_STRING, text
        elif self.data.startswith(b"true", i):
            end, shown, field, fv = i + 4, "true", VALUE_TRUE, None
        elif self.data.startswith(b"false", i):
            end, shown, field, fv = i + 5, "false", VALUE_FALSE, None
        elif self.data.startswith(b"null", i):
            end, shown, field, fv = i + 4, "null", VALUE_NULL, None
        else:
            m = _NUMBER.match(self.data, i)
            if m is None or m.end() == i:
                raise _Bad
            end = m.end()
            shown = fv = m.group().decode()
            field = VALUE_NUMBER
        n = end - i
        self.add(parent, PATH_WITH_VALUE, f"{path}:{shown}", i, n,
                 format_str(f"Path with value: {path}:{shown}"), generated=True)
        self.add(parent, MEMBER_WITH_VALUE, f"{key}:{shown}", i, n,
                 format_str(f"Member with value: {key}:{shown}"), generated=True)
        if fv is None:
            self.add(parent, field, None, i, n)
        else:
            self.add(parent, field, fv, i, n, format_str(f"{field.name}: {fv}"))
        return end

    def obj(self, parent: Item, i: int, path: str, depth: int) -> int:
        start = i
        item = self.add(parent, OBJECT, None, i, 1)
        i = self.ws(i + 1)
        if self.data[i:i + 1] == b"}":
            return self._close(item, start, i + 1)
        while True:
            if self.data[i:i + 1] != b'"':
                raise _Bad
            mstart = i
            key, kend = self.string(i)
            i = self.ws(kend)
            if self.data[i:i + 1] != b":":
                raise _Bad
            i = self.ws(i + 1)
            member = self.add(item, MEMBER, key, mstart, 1, format_str(f"Member: {key}"))
            sub = f"{path}/{key}"
            i = self.value(member, i, sub, key, depth + 1)
            self.add(member, KEY, key, mstart + 1, kend - mstart - 2,
                     format_str(f"Key: {key}"))
            self.add(member, PATH, sub, mstart, 0, format_str(f"Path: {sub}"), generated=True)
            if member is not NULL_ITEM:
                member.length = i - mstart
            i = self.ws(i)
            c = self.data[i:i + 1]
            if c == b"}":
                return self._close(item, start, i + 1)
            if c != b",":
                raise _Bad
            i = self.ws(i + 1)

    def array(self, parent: Item, i: int, path: str, depth: int) -> int:
        start = i
        item = self.add(parent, ARRAY, None, i, 1)
        i = self.ws(i + 1)
        if self.data[i:i + 1] == b"]":
            return self._close(item, start, i + 1)
        sub = f"{path}/[]"
        while True:
            i = self.ws(self.value(item, i, sub, "[]", depth + 1))
            c = self.data[i:i + 1]
            if c == b"]":
                return self._close(item, start, i + 1)
            if c != b",":
                raise _Bad
            i = self.ws(i + 1)

    def _close(self, item: Item, start: int, end: int) -> int:
        if item is not NULL_ITEM:
            item.length = end - start
        return end


def _valid(data: bytes) -> bool:
    try:
        _pyjson.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    return True


def dissect_json_tree(tvb: Tvb, pkt: Packet, parent: Item | None, label: str,
                      always: bool = False) -> bool:
    """The JSON tree of the whole tvb under `parent` (None: top level); False when the
    bytes are not JSON (nothing added, unless `always`: then the top item alone)."""
    data = tvb.bytes(tvb.start, tvb.end - tvb.start)
    valid = _valid(data)
    if not valid and not always:
        return False
    src = tvb.source
    if parent is None:
        top = pkt.add_proto(JSON, tvb.start, len(data), label, source=src)
    else:  # (inside its caller's tree, as DB-LSP-DISC calls it)
        assert JSON.proto_field is not None
        top = pkt.add(parent, JSON.proto_field, label, tvb.start, len(data), label,
                      source=src)
        pkt.protocols.append("json")
    if not valid:
        return True  # (tshark shows what its parser took of it: not reproduced here)
    w = _Walker(pkt, data, tvb.start, src, bool(pkt.wants_layer("json")))
    try:
        i = w.value(top, w.ws(0), "", "", 0)
        if w.ws(i) != len(data):
            raise _Bad
    except _Bad:
        return True  # (valid for Python's reader, but beyond what is walked here)
    return True


def dissect_json_media(tvb: Tvb, pkt: Packet, session: Session, mtype: str) -> bool:
    """JSON as HTTP's media-type table calls it."""
    dissect_json_tree(tvb, pkt, None, f"JavaScript Object Notation: {mtype}", always=True)
    pkt.proto_col = f"{pkt.proto_col}/JSON" if pkt.proto_col else "JSON"
    pkt.append_info(f"JavaScript Object Notation ({mtype})", ", ")
    return True


def dissect_json_in(tvb: Tvb, pkt: Packet, parent: Item) -> bool:
    """JSON called by another protocol with its own tree (DB-LSP-DISC): the columns get
    "/JSON" and ", JavaScript Object Notation"."""
    if not dissect_json_tree(tvb, pkt, parent, "JavaScript Object Notation"):
        return False
    pkt.proto_col = f"{pkt.proto_col}/JSON" if pkt.proto_col else "JSON"
    pkt.append_info("JavaScript Object Notation", ", ")
    return True


def dissect_json(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    session.current_proto = "json"
    if not dissect_json_tree(tvb, pkt, None, "JavaScript Object Notation"):
        return False
    pkt.proto_col = "JSON"
    pkt.set_info("JavaScript Object Notation")
    return None


register_dissector("json", dissect_json)
