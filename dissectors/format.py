"""How field values are written out: tshark's `-T fields` text and tree labels.

One place for this so `-T fields`, `-V`, JSON and the filter's `string()` agree.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Final, cast

from dissectors.escape import cstr, fields_text, format_str, printable
from dissectors.packet import Item
from dissectors.registry import FT, FT_BITS, Base, Field
from dissectors.time_text import abs_time_str, epoch_str, rel_time_str

# Enum members read once: `FT.X` goes through EnumType's __getattr__ hook (~0.1 us a
# read, which LOAD_ATTR cannot specialise), and these are read per printed value.
_BASE_DEC_HEX: Final = Base.DEC_HEX
_BASE_HEX: Final = Base.HEX
_BASE_HEX_DEC: Final = Base.HEX_DEC
_BASE_NTP_UTC: Final = Base.NTP_UTC
_BASE_OUI: Final = Base.OUI
_BASE_UTC: Final = Base.UTC
_FT_ABSOLUTE_TIME: Final = FT.ABSOLUTE_TIME
_FT_BOOLEAN: Final = FT.BOOLEAN
_FT_BYTES: Final = FT.BYTES
_FT_CHAR: Final = FT.CHAR
_FT_DOUBLE: Final = FT.DOUBLE
_FT_ETHER: Final = FT.ETHER
_FT_FLOAT: Final = FT.FLOAT
_FT_GUID: Final = FT.GUID
_FT_IPV4: Final = FT.IPv4
_FT_IPV6: Final = FT.IPv6
_FT_IPXNET: Final = FT.IPXNET
_FT_NONE: Final = FT.NONE
_FT_OID: Final = FT.OID
_FT_PROTOCOL: Final = FT.PROTOCOL
_FT_RELATIVE_TIME: Final = FT.RELATIVE_TIME
_FT_UINT64: Final = FT.UINT64
_FT_UINT_BYTES: Final = FT.UINT_BYTES


# FT members hash in Python code (enum's __hash__), so FT.is_integer costs a call per
# value; these sets of the members' ids answer the same question in C.
_INTEGER_IDS: Final = frozenset(id(t) for t in FT if t.is_integer)
_STRING_IDS: Final = frozenset(id(t) for t in FT if t.is_string)


# Address -> text: a capture repeats a few addresses in every packet's columns, so
# each is formatted once. Bounded: a capture of random addresses cannot grow them.
# (IPv4's keyed by the address's 4 bytes, as IPv4's header holds them: the one cache of
# these texts, read per packet by ip.py without turning the bytes into an int)
_V4_TEXT: Final[dict[bytes, str]] = {}
_V6_TEXT: Final[dict[bytes, str]] = {}
_TEXT_MAX: Final = 8192


def ipv4_text(raw: bytes) -> str:
    """An IPv4 address's 4 bytes (`bytes`, not a memoryview) as dotted text."""
    text = _V4_TEXT.get(raw)
    if text is None:
        if len(_V4_TEXT) >= _TEXT_MAX:
            _V4_TEXT.clear()
        text = _V4_TEXT[raw] = f"{raw[0]}.{raw[1]}.{raw[2]}.{raw[3]}"
    return text


def ipv4_str(v: int) -> str:
    return ipv4_text(v.to_bytes(4, "big"))


def ipv6_str(v: bytes) -> str:
    key = bytes(v)
    text = _V6_TEXT.get(key)
    if text is None:
        if len(_V6_TEXT) >= _TEXT_MAX:
            _V6_TEXT.clear()
        text = _V6_TEXT[key] = str(ipaddress.IPv6Address(key))
    return text


def ether_str(v: bytes) -> str:
    if isinstance(v, (bytes, bytearray, memoryview)):
        return v.hex(":")  # the same text as the join below, done in C
    return ":".join(f"{b:02x}" for b in v)


def hex_pad(value: int, digits: int) -> str:
    """`f"{value:0{digits}x}"` without a format spec (a label's hex digits)."""
    if value < 0:
        return f"{value:0{digits}x}"
    text = hex(value)[2:]
    return text if len(text) >= digits else "0" * (digits - len(text)) + text


#: FT_BITS by the type's id: an Enum's hash runs in Python (a call each look-up).
_BITS_BY_ID: Final[dict[int, int]] = {id(t): bits for t, bits in FT_BITS.items()}


def hex_digits(field: Field) -> int:
    return _BITS_BY_ID.get(id(field.type), 32) // 4


def label_hex_digits(field: Field) -> int:
    """Wireshark's hfinfo_hex_digits in a label: a bitmask field's digits cover its
    mask's width (-T fields and JSON keep the container's)."""
    if field.bitmask:
        return ((field.bitmask >> field.shift).bit_length() + 3) // 4
    return _BITS_BY_ID.get(id(field.type), 32) // 4


# Integer values repeat (ports, flags, lengths, protocol numbers): their texts and
# labels are cached per field, then per value. Per field, so that a field whose values
# never repeat (times, sequence numbers, IP ids, checksums) neither evicts the others'
# texts nor keeps making entries: those outlive the young generations and so feed the
# cycle collector's full collections, which walk every long-lived object. Such a field
# is found when its table fills with fewer hits than entries, and is not cached after.
# Fields compare by identity and never change after declaration. The tables hold plain
# ints only (a bool prints differently from an int of equal hash); an int-keyed dict of
# strings is never tracked by the collector.
PER_FIELD_MAX: Final = 1024


class Texts:
    """One field's texts by value (bounded: `cap`, PER_FIELD_MAX unless told), while they repeat: its int
    values' `-T fields` texts or labels, its str values' labels, its JSON leaf pairs
    (analyzer/output/json_ek.py). Values are kept as the objects they are (compiled, an
    int typed `int` would be boxed again for each look-up). `kind`: how _field_label
    writes the field's int labels (_label_kind), kept here once known (-1: not yet)."""

    __slots__ = ("texts", "hits", "on", "kind", "cap")

    def __init__(self, cap: int = PER_FIELD_MAX) -> None:
        self.texts: dict[object, str] = {}
        self.hits = 0
        self.on = True
        self.kind = -1
        self.cap = cap

    def store(self, value: object, text: str) -> None:
        texts = self.texts
        cap = self.cap
        if len(texts) >= cap:
            texts.clear()
            if self.hits < cap:  # under half the look-ups hit: no more caching
                self.on = False
                return
            self.hits = 0
        texts[value] = text


#: field -> its int values' `-T fields` texts; field -> their tree labels.
FIELD_TEXTS: Final[dict[Field, Texts]] = {}
FIELD_LABELS: Final[dict[Field, Texts]] = {}
#: (field, bool value) -> its label: two a field at most.
_BOOL_LABELS: Final[dict[tuple[Field, bool], str]] = {}


def _table(tables: dict[Field, Texts], field: Field) -> Texts:
    t = tables[field] = Texts()
    return t


def field_text(field: Field, value: Any) -> str:
    """The value as `tshark -T fields -e` prints it."""
    if type(value) is int:
        t = FIELD_TEXTS.get(field)
        if t is None:
            t = _table(FIELD_TEXTS, field)
        if not t.on:  # (a field whose values do not repeat: no look-up)
            return _field_text(field, value)
        text = t.texts.get(value)
        if text is not None:
            t.hits += 1
            return text
        text = _field_text(field, value)
        t.store(value, text)
        return text
    return _field_text(field, value)


def int_label(field: Field, value: object) -> str:
    """The label of a field's own line (no explicit text) for an int value, not
    generated (no brackets): cached while the field's values repeat; a field whose
    values do not (times, frame numbers, IP ids, sequence numbers) is written straight."""
    t = FIELD_LABELS.get(field)
    if t is None:
        t = _table(FIELD_LABELS, field)
    if t.on:
        text = t.texts.get(value)
        if text is not None:
            t.hits += 1
            return text
    kind = t.kind
    if kind < 0:
        kind = t.kind = _label_kind(field)
    text = _other_label(field, value) if kind == _K_OTHER else \
        _kind_label(field, cast(int, value), kind)
    if t.on:
        t.store(value, text)
    return text


#: field -> its str values' labels (values up to _STR_KEY_MAX characters: names,
#: hosts, the protocol chain).
FIELD_STR_LABELS: Final[dict[Field, Texts]] = {}
_STR_KEY_MAX: Final = 64


def str_label(field: Field, value: str) -> str:
    """label() of a field's own line (no explicit text, not generated) for a str value:
    cached while the field's values repeat (frame.protocols, names)."""
    t = FIELD_STR_LABELS.get(field)
    if t is None:
        t = FIELD_STR_LABELS[field] = Texts()
    text = t.texts.get(value)
    if text is not None:
        t.hits += 1
        return text
    text = _field_label(field, value)
    if not printable(text):  # (label()'s safety net)
        text = format_str(text)
    if t.on and len(value) <= _STR_KEY_MAX:
        t.store(value, text)
    return text


_CHAR_ESCAPES: Final = {0: "\\0", 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f",
                 13: "\\r", 0x27: "\\'", 0x5C: "\\\\"}


def _char_text(value: int) -> str:
    """An FT_CHAR as tshark prints it: the quoted character, C escapes for the others."""
    if value in _CHAR_ESCAPES:
        return f"'{_CHAR_ESCAPES[value]}'"
    return f"'{chr(value)}'" if 0x20 <= value < 0x7F else f"'\\x{value:02x}'"


def _field_text(field: Field, value: Any) -> str:
    t = field.type
    if value is None:
        # tshark prints a present valueless item (expert fields, FT_NONE) as "1".
        return "1" if t is _FT_NONE else ""
    if t is _FT_BOOLEAN:
        return "1" if value else "0"
    if t is _FT_CHAR:
        return _char_text(value)
    if t is _FT_IPXNET:
        return f"0x{value:08x}"
    if id(t) in _INTEGER_IDS:
        if field.base in (_BASE_HEX, _BASE_HEX_DEC) and not (t is _FT_UINT64 and field.strings):
            # (4.0 prints a 64-bit hex field with value strings, BASE_VAL64_STRING, in
            # decimal: its display is not plain BASE_HEX: quic.frame_type)
            return "0x" + hex_pad(value, hex_digits(field))
        return str(value)  # (BASE_OCT too: tshark 4.0 prints nfs.mode3 as 493)
    if t is _FT_IPV4:
        return ipv4_str(value)
    if t is _FT_ETHER:
        return ether_str(value)
    if t is _FT_IPV6:
        return ipv6_str(value)
    if id(t) in _STRING_IDS:
        return fields_text(value)
    if t is _FT_PROTOCOL and isinstance(value, str):
        return value  # tshark prints a protocol's summary line
    if t in (_FT_BYTES, _FT_UINT_BYTES, _FT_NONE, _FT_PROTOCOL):
        if isinstance(value, (bytes, bytearray, memoryview)):
            # tshark shows an empty byte string (e.g. ipv6.opt.padn) as "<none>".
            return (bytes(value).hex(field.bytes_sep) if field.bytes_sep else bytes(value).hex()
                    ) or (("<MISSING>" if field.missing else "<none>") if t is _FT_BYTES
                          or t is _FT_UINT_BYTES else "")
        return ""
    if t is _FT_GUID:  # (the value is the text)
        return value
    if t is _FT_OID:  # (the value is the dotted text; BER bytes are decoded)
        return value if isinstance(value, str) else oid_str(value)
    if t is _FT_RELATIVE_TIME:
        return epoch_str(value) if field.time_point else rel_time_str(value)
    if t is _FT_ABSOLUTE_TIME:
        if field.base is _BASE_NTP_UTC and value == 0:
            return "NULL"  # Wireshark's ABSOLUTE_TIME_NTP_UTC: the NTP time 0
        return abs_time_str(value, utc=field.base in (_BASE_UTC, _BASE_NTP_UTC))
    if t is _FT_DOUBLE:
        return f"{value:.15g}"  # tshark: "%.<DBL_DIG>g"
    if t in (_FT_FLOAT, _FT_DOUBLE):
        return f"{value:g}"
    return str(value)


_LABEL_BYTES: Final = 36


def display_value(field: Field, value: Any) -> str:
    """The value as the detail tree shows it, with its value name where one exists."""
    t = field.type
    if t is _FT_BOOLEAN:
        if isinstance(field.strings, tuple):
            return field.strings[0] if value else field.strings[1]
        return "True" if value else "False"
    if id(t) in _INTEGER_IDS:
        name = field.value_name(value)
        if field.base is _BASE_HEX:
            num = "0x" + hex_pad(value, label_hex_digits(field))
        elif field.base is _BASE_HEX_DEC:
            num = f"0x{hex_pad(value, hex_digits(field))} ({value})"
        elif field.base is _BASE_DEC_HEX:
            num = f"{value} (0x{hex_pad(value, hex_digits(field))})"
        elif field.base is _BASE_OUI:  # (hidden items: seen only in -T pdml)
            from dissectors.manuf import oui_name

            num = f"{value >> 16 & 255:02x}:{value >> 8 & 255:02x}:{value & 255:02x}"
            vendor = oui_name(value)
            # (tshark formats it in a 32-byte buffer: a long vendor name is cut)
            return f"{num} ({vendor})"[:31] if vendor is not None else num
        else:
            num = str(value)
        if name is not None:
            return f"{name} ({num})"
        return num + field.unit
    if t is _FT_RELATIVE_TIME:
        return field_text(field, value) + " seconds"
    if id(t) in _STRING_IDS and isinstance(value, str):
        return format_str(cstr(value)) + field.unit
    if t in (_FT_BYTES, _FT_UINT_BYTES, _FT_NONE):
        if t is _FT_BYTES and not field.bytes_sep and isinstance(
                value, (bytes, bytearray, memoryview)) and len(value) > _LABEL_BYTES:
            # tshark's labels show at most 36 bytes (-T fields prints them all).
            return bytes(value[:_LABEL_BYTES]).hex() + "\u2026"
        return field_text(field, value)
    return field_text(field, value) + field.unit


def bit_pattern(field: Field, value: Any, bits: int | None = None) -> str:
    """`.1.. ....` — the bits of a masked field, Wireshark style.

    `bits` overrides the width: a Wireshark FT_BOOLEAN declares its own (`16` for
    dns.flags.z), which our registry derives from the bitmask unless told."""
    if bits is None:
        bits = _BITS_BY_ID.get(id(field.type), 8) if field.type is not _FT_BOOLEAN else \
            _bool_bits(field)
    mask = field.bitmask
    raw = (int(value) << field.shift) & mask
    chars = []
    for i in range(bits - 1, -1, -1):
        bit = 1 << i
        chars.append(("1" if raw & bit else "0") if mask & bit else ".")
        if i and i % 4 == 0:
            chars.append(" ")
    return "".join(chars)


def _bool_bits(field: Field) -> int:
    return max(8, ((field.bitmask.bit_length() + 7) // 8) * 8)


def masked_label(field: Field, value: Any, bits: int) -> str:
    """A masked field's tree line drawn `bits` wide (`.... .... .0.. .... = Z: ...`)."""
    return f"{bit_pattern(field, value, bits)} = {field.name}: {display_value(field, value)}"


def oid_str(raw: bytes) -> str:
    """A BER-encoded object identifier, dotted (`1.3.6.1`)."""
    arcs: list[int] = []
    v = 0
    for byte in bytes(raw):
        v = (v << 7) | (byte & 0x7F)
        if not byte & 0x80:
            if not arcs:
                first = min(v // 40, 2)
                arcs += [first, v - 40 * first]
            else:
                arcs.append(v)
            v = 0
    return ".".join(map(str, arcs))


def label(item: Item) -> str:
    """The text of one line of the detail tree."""
    text = item.text
    if text is None:
        f = item.field
        value = item.value
        vt = type(value)
        if vt is int:
            text = int_label(f, value)
        elif vt is bool:
            key = (f, value)
            text = _BOOL_LABELS.get(key)
            if text is None:
                if len(_BOOL_LABELS) >= PER_FIELD_MAX:
                    _BOOL_LABELS.clear()
                text = _BOOL_LABELS[key] = _field_label(f, value)
        else:
            text = _field_label(f, value)
            if not printable(text):  # (the safety net below, for a value's text)
                text = format_str(text)
    else:
        # Dissectors escape the packet text they put in a label (format_text); this is
        # the safety net that keeps a raw control out of a terminal if one did not
        # (escaped text is left as it is).
        if not printable(text):
            text = format_str(text)
        if len(text) >= SHORTEST_LONG:
            text = fit_label(text, 0)
    if item.generated:
        return f"[{text}]"
    return text


#: How _field_label writes an int value's label, decided once a field (display_value's
#: chain of type tests, each a set look-up of a boxed id, costs more than the label):
#: a relative time, a point in time as one (time_point), an absolute time, a decimal
#: integer (its value name, or the number and unit); _K_OTHER: display_value. None has
#: a bit pattern.
_K_OTHER: Final = 0
_K_REL: Final = 1
_K_EPOCH: Final = 2
_K_ABS: Final = 3
_K_DEC: Final = 4
_LABEL_KINDS: Final[dict[Field, int]] = {}


def _label_kind(f: Field) -> int:
    t = f.type
    if f.bitmask:
        kind = _K_OTHER
    elif t is _FT_RELATIVE_TIME:
        kind = _K_EPOCH if f.time_point else _K_REL
    elif t is _FT_ABSOLUTE_TIME:
        kind = _K_ABS
    elif id(t) in _INTEGER_IDS and t is not _FT_BOOLEAN and f.base not in (
            _BASE_HEX, _BASE_HEX_DEC, _BASE_DEC_HEX, _BASE_OUI):
        kind = _K_DEC
    else:
        kind = _K_OTHER
    _LABEL_KINDS[f] = kind
    return kind


def _field_label(f: Field, value: Any) -> str:
    """A field's own label (no explicit text): name, value and any bit pattern."""
    if type(value) is int:
        kind = _LABEL_KINDS.get(f)
        if kind is None:
            kind = _label_kind(f)
        if kind != _K_OTHER:
            return _kind_label(f, value, kind)
    return _other_label(f, value)


def _kind_label(f: Field, value: int, kind: int) -> str:
    """_field_label of an int value whose field's kind is not _K_OTHER: display_value's
    answers for these kinds, written straight."""
    if kind == _K_REL:
        text = f"{f.name}: {rel_time_str(value)} seconds"
    elif kind == _K_EPOCH:
        text = f"{f.name}: {epoch_str(value)} seconds"
    elif kind == _K_ABS:
        base = f.base
        when = "NULL" if base is _BASE_NTP_UTC and value == 0 else abs_time_str(
            value, base is _BASE_UTC or base is _BASE_NTP_UTC)
        text = f"{f.name}: {when}{f.unit}"
    else:
        name = f.value_name(value)
        text = f"{f.name}: {name} ({value})" if name is not None else \
            f"{f.name}: {value}{f.unit}"
    return _fit_field_label(text) if len(text) >= SHORTEST_LONG else text


def _other_label(f: Field, value: Any) -> str:
    """_field_label through display_value (and any bit pattern)."""
    if f.type is _FT_PROTOCOL:
        text = f.name
    elif f.type is _FT_NONE:
        text = f.name
    else:
        text = f"{f.name}: {display_value(f, value)}"
    if f.bitmask and f.type is not _FT_PROTOCOL:
        text = f"{bit_pattern(f, value)} = {text}"
    if len(text) >= SHORTEST_LONG:
        text = _fit_field_label(text)
    return text


def _fit_field_label(text: str) -> str:
    """A long field label as the label buffer holds it."""
    # " [truncated]" goes after the name (and bit pattern) when there is a value.
    name_end = len(text) - len(text.partition(": ")[2]) - 2 if ": " in text else 0
    return fit_label(text, max(name_end, 0))


# Wireshark's ITEM_LABEL_LENGTH: a label holds at most 239 bytes of UTF-8.
ITEM_LABEL_LENGTH: Final = 240
SHORTEST_LONG: Final = ITEM_LABEL_LENGTH // 4  # fewer characters can never fill the buffer
_TRUNC: Final = " [truncated]"


def set_text_label(text: str) -> str:
    """A label as Wireshark's proto_item_set_text leaves it: cut to the buffer's 239
    bytes of UTF-8 (at a character's start), with no " [truncated]" marker."""
    if text.isascii():
        return text[:ITEM_LABEL_LENGTH - 1]
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) < ITEM_LABEL_LENGTH:
        return text
    cut = ITEM_LABEL_LENGTH - 1
    while raw[cut] & 0xC0 == 0x80:  # back to the first byte of that character
        cut -= 1
    return raw[:cut].decode("utf-8", "surrogatepass")


def fit_label(text: str, name_pos: int) -> str:
    """A label as Wireshark's fixed label buffer holds it (label_mark_truncated).

    A label of 240 bytes or more gets " [truncated]" at `name_pos` (after the field
    name, or first for a label with no name), then is cut before the character that
    holds byte 238."""
    if text.isascii() and len(text) < ITEM_LABEL_LENGTH:
        return text  # the usual long label (a Frame line): no encoding needed
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) < ITEM_LABEL_LENGTH:
        return text
    pos = len(text[:name_pos].encode("utf-8", "surrogatepass"))
    if pos >= ITEM_LABEL_LENGTH - len(_TRUNC):
        return text  # never the case for our names; Wireshark appends the marker there
    raw = (raw[:pos] + _TRUNC.encode() + raw[pos:])[:ITEM_LABEL_LENGTH]
    cut = ITEM_LABEL_LENGTH - 2  # (tshark 4.0 keeps at most 238 bytes, checked)
    while raw[cut] & 0xC0 == 0x80:  # back to the first byte of that character
        cut -= 1
    return raw[:cut].decode("utf-8", "surrogatepass")
