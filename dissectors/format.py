"""How field values are written out: tshark's `-T fields` text and tree labels.

One place for this so `-T fields`, `-V`, JSON and the filter's `string()` agree.
"""

from __future__ import annotations

import ipaddress
import time
from typing import Any, Final

from captures.frame import wrap_secs
from dissectors.escape import cstr, fields_text, format_str
from dissectors.packet import Item
from dissectors.registry import FT, FT_BITS, Base, Field

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
_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# Address -> text: a capture repeats a few addresses in every packet's columns, so
# each is formatted once. Bounded: a capture of random addresses cannot grow them.
_V4_TEXT: Final[dict[int, str]] = {}
_V6_TEXT: Final[dict[bytes, str]] = {}
_TEXT_MAX: Final = 8192


def ipv4_str(v: int) -> str:
    text = _V4_TEXT.get(v)
    if text is None:
        if len(_V4_TEXT) >= _TEXT_MAX:
            _V4_TEXT.clear()
        text = _V4_TEXT[v] = f"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}"
    return text


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


# ---- times --------------------------------------------------------------------
# Wireshark keeps a time as (seconds in a 64-bit time_t, nanoseconds); we keep one
# integer of nanoseconds. Seconds past 64 bits wrap as tshark's do, and dates come from
# our own calendar arithmetic, which goes as far as glibc's gmtime (a year that fits
# in an int), beyond what Python's datetime holds.

NS: Final = 1_000_000_000
NOT_REPRESENTABLE: Final = "Not representable"  # tshark's text for a date gmtime cannot give
#: glibc's gmtime/localtime fail when tm_year (year - 1900) does not fit in an int.
_YEAR_MIN, _YEAR_MAX = -(1 << 31) + 1900, (1 << 31) - 1 + 1900


#: "00".."99" and " 0".."99": a date's two-digit parts by table (compiled, an f-string's
#: format spec is parsed again at every call).
_D2: Final = tuple(f"{i:02d}" for i in range(100))
_SP2: Final = tuple(f"{i:2d}" for i in range(100))
_ZEROS9: Final = "000000000"


def hex_pad(value: int, digits: int) -> str:
    """`f"{value:0{digits}x}"` without a format spec (a label's hex digits)."""
    if value < 0:
        return f"{value:0{digits}x}"
    text = hex(value)[2:]
    return text if len(text) >= digits else "0" * (digits - len(text)) + text


def _pad9(n: int) -> str:
    """`f"{n:09d}"` for 0 <= n < 10**9 (nanoseconds), without a format spec."""
    text = str(n)
    return text if len(text) >= 9 else _ZEROS9[len(text):] + text


def signed_time_str(secs: int, nsecs: int, digits: int = 9) -> str:
    """Wireshark's display_signed_time: the seconds, then the fraction's magnitude;
    a '-' in front when only the fraction is negative."""
    sign = "-" if nsecs < 0 and secs >= 0 else ""
    if digits == 0:
        return f"{sign}{secs}"
    if digits == 9:
        return f"{sign}{secs}.{_pad9(abs(nsecs))}"
    return f"{sign}{secs}.{abs(nsecs) // 10 ** (9 - digits):0{digits}d}"


def rel_parts(ns: int) -> tuple[int, int]:
    """(seconds, nanoseconds) of a time difference: both of its sign (nstime_delta),
    the seconds wrapped to 64 bits."""
    neg = ns < 0
    secs, frac = divmod(-ns if neg else ns, NS)
    return (wrap_secs(-secs), -frac) if neg else (wrap_secs(secs), frac)


def rel_time_str(ns: int, digits: int = 9) -> str:
    """FT_RELATIVE_TIME as tshark prints it: seconds with 9 decimals."""
    if 0 <= ns < (1 << 63) * NS:  # the common case: no sign or wrap to think about
        if digits == 9:
            return f"{ns // NS}.{_pad9(ns % NS)}"
        return f"{ns // NS}.{ns % NS // 10 ** (9 - digits):0{digits}d}" if digits else \
            str(ns // NS)
    return signed_time_str(*rel_parts(ns), digits)


def epoch_str(ns: int) -> str:
    """A point in time as seconds since 1970 (frame.time_epoch): wiretap's seconds
    and a fraction that is never negative, so -1.5 s prints as `-2.500000000`."""
    secs, frac = divmod(ns, NS)
    return signed_time_str(secs, frac)


def civil_from_days(days: int) -> tuple[int, int, int]:
    """(year, month, day) of the proleptic Gregorian calendar, `days` after 1970-01-01.

    Counted in 400-year eras (146,097 days each) from 0000-03-01, so that the leap day
    ends a year; then years of the era, day of that March-based year, month and day."""
    days += 719_468  # days from 0000-03-01 to 1970-01-01
    era, doe = divmod(days, 146_097)
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153  # March = 0
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return era * 400 + yoe + (month <= 2), month, day


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


_YDAY: Final = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)


def utc_tm(secs: int) -> tuple[int, int, int, int, int, int, int] | None:
    """(year, month, day, hour, minute, second, day of year) in UTC, or None where
    glibc's gmtime fails (tshark then prints "Not representable" or nothing)."""
    days, rest = divmod(secs, 86_400)
    year, month, day = civil_from_days(days)
    if not _YEAR_MIN <= year <= _YEAR_MAX:
        return None
    hour, rest = divmod(rest, 3600)
    yday = _YDAY[month - 1] + day + (month > 2 and _is_leap(year))
    return year, month, day, hour, rest // 60, rest % 60, yday


def local_tm(secs: int) -> tuple[tuple[int, int, int, int, int, int, int], str] | None:
    """utc_tm's tuple in local time, with the zone's name; None where localtime fails."""
    try:
        tm = time.localtime(secs)
    except (OverflowError, OSError, ValueError):
        return None
    return ((tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             tm.tm_yday), tm.tm_zone or "")


#: (seconds, utc) -> abs_time_str's text before and after the nanoseconds (None: not
#: representable): packets come many a second. Made under the time zone `_ABS_TZ`
#: holds (time.tzset makes a new time.tzname: the cache is emptied then). Bounded.
#: (time.tzname read by getattr: compiled, `time.tzname` is read as a native
#: tuple[str, str] and boxed again, a new object every call, which emptied the cache at
#: every call: ~15k instructions a -V packet.)
_ABS_PARTS: Final[dict[tuple[int, bool], tuple[str, str] | None]] = {}
_ABS_TZ: Final[list[object]] = [None]


def zone_token() -> object:
    """The object that changes when the time zone does (time.tzset makes a new
    time.tzname), for caches of local times to compare by identity; read by getattr
    (see _ABS_TZ)."""
    return getattr(time, "tzname")  # noqa: B009 - see _ABS_TZ


def abs_time_str(ns: int, utc: bool = False) -> str:
    """FT_ABSOLUTE_TIME as tshark prints it: `Nov 14, 2023 22:13:20.000000000 UTC`."""
    secs, frac = divmod(ns, NS)
    tz = zone_token()
    if _ABS_TZ[0] is not tz:
        _ABS_PARTS.clear()
        _ABS_TZ[0] = tz
    key = (secs, utc)
    if key in _ABS_PARTS:
        parts = _ABS_PARTS[key]
    else:
        if len(_ABS_PARTS) >= 1024:
            _ABS_PARTS.clear()
        parts = _ABS_PARTS[key] = _abs_parts(secs, utc)
    if parts is None:
        return NOT_REPRESENTABLE
    return f"{parts[0]}{_pad9(frac)}{parts[1]}"


def _abs_parts(secs: int, utc: bool) -> tuple[str, str] | None:
    if utc:
        tm, zone = utc_tm(secs), "UTC"
    else:
        got = local_tm(secs)
        tm, zone = (got[0], got[1]) if got is not None else (None, "")
    if tm is None:
        return None
    year, month, day, hour, minute, sec, _ = tm
    return (f"{_MONTHS[month - 1]} {_SP2[day]}, {year} {_D2[hour]}:{_D2[minute]}:{_D2[sec]}.",
            f" {zone}")


def hex_digits(field: Field) -> int:
    return FT_BITS.get(field.type, 32) // 4


def label_hex_digits(field: Field) -> int:
    """Wireshark's hfinfo_hex_digits in a label: a bitmask field's digits cover its
    mask's width (-T fields and JSON keep the container's)."""
    if field.bitmask:
        return ((field.bitmask >> field.shift).bit_length() + 3) // 4
    return FT_BITS.get(field.type, 32) // 4


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


class ValueTexts:
    """One field's texts of int values (bounded: PER_FIELD_MAX), while they repeat."""

    __slots__ = ("texts", "hits", "on")

    def __init__(self) -> None:
        self.texts: dict[int, str] = {}
        self.hits = 0
        self.on = True

    def store(self, value: int, text: str) -> None:
        texts = self.texts
        if len(texts) >= PER_FIELD_MAX:
            texts.clear()
            if self.hits < PER_FIELD_MAX:  # under half the look-ups hit: no more caching
                self.on = False
                return
            self.hits = 0
        texts[value] = text


#: field -> its int values' `-T fields` texts; field -> their tree labels.
FIELD_TEXTS: Final[dict[Field, ValueTexts]] = {}
FIELD_LABELS: Final[dict[Field, ValueTexts]] = {}
#: (field, bool value) -> its label: two a field at most.
_BOOL_LABELS: Final[dict[tuple[Field, bool], str]] = {}


def _table(tables: dict[Field, ValueTexts], field: Field) -> ValueTexts:
    t = tables[field] = ValueTexts()
    return t


def field_text(field: Field, value: Any) -> str:
    """The value as `tshark -T fields -e` prints it."""
    if type(value) is int:
        t = FIELD_TEXTS.get(field)
        if t is None:
            t = _table(FIELD_TEXTS, field)
        text = t.texts.get(value)
        if text is not None:
            t.hits += 1
            return text
        text = _field_text(field, value)
        if t.on:
            t.store(value, text)
        return text
    return _field_text(field, value)


def int_label(field: Field, value: int) -> str:
    """The label of a field's own line (no explicit text) for an int value, not
    generated (no brackets): cached while the field's values repeat."""
    t = FIELD_LABELS.get(field)
    if t is None:
        t = _table(FIELD_LABELS, field)
    text = t.texts.get(value)
    if text is not None:
        t.hits += 1
        return text
    text = _field_label(field, value)
    if t.on:
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
        bits = FT_BITS.get(field.type, 8) if field.type is not _FT_BOOLEAN else _bool_bits(field)
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


def plural(n: int, unit: str) -> str:
    """Wireshark's plurality(): `1 byte`, `2 bytes`."""
    return f"{n} {unit}{'' if n == 1 else 's'}"


def time_secs_str(secs: int) -> str:
    """Wireshark's (unsigned_)time_secs_to_str: `1 hour, 2 minutes, 1 second`.

    Used where a dissector appends a duration to a count of seconds (DNS TTLs, which
    repeat: their texts are cached)."""
    text = _SECS_TEXT.get(secs)
    if text is None:
        if len(_SECS_TEXT) >= 4096:
            _SECS_TEXT.clear()
        text = _SECS_TEXT[secs] = _time_secs_str(secs)
    return text


_SECS_TEXT: Final[dict[int, str]] = {}


def _time_secs_str(secs: int) -> str:
    if secs == 0:
        return "0 seconds"
    sign = "-" if secs < 0 else ""
    secs = abs(secs)
    days, rest = divmod(secs, 86400)
    hours, rest = divmod(rest, 3600)
    mins, s = divmod(rest, 60)
    parts = [plural(n, unit) for n, unit in
             ((days, "day"), (hours, "hour"), (mins, "minute"), (s, "second")) if n]
    return sign + ", ".join(parts)  # the sign once, before the first part


def msecs_str(ms: int) -> str:
    """Wireshark's time_msecs_to_str: `4 days, 2 hours, 20 minutes, 5.337 seconds`."""
    if ms == 0:
        return "0 seconds"
    secs, frac = divmod(ms, 1000)
    days, rest = divmod(secs, 86400)
    hours, rest = divmod(rest, 3600)
    mins, s = divmod(rest, 60)
    parts = [plural(n, unit) for n, unit in ((days, "day"), (hours, "hour"), (mins, "minute"))
             if n]
    if frac:
        parts.append(f"{s}.{frac:03d} seconds")
    elif s:
        parts.append(plural(s, "second"))
    return ", ".join(parts)


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
            if not text.isprintable():  # (the safety net below, for a value's text)
                text = format_str(text)
    else:
        # Dissectors escape the packet text they put in a label (format_text); this is
        # the safety net that keeps a raw control out of a terminal if one did not
        # (escaped text is left as it is).
        if not text.isprintable():
            text = format_str(text)
        if len(text) >= SHORTEST_LONG:
            text = fit_label(text, 0)
    if item.generated:
        return f"[{text}]"
    return text


def _field_label(f: Field, value: Any) -> str:
    """A field's own label (no explicit text): name, value and any bit pattern."""
    if f.type is _FT_PROTOCOL:
        text = f.name
    elif f.type is _FT_NONE:
        text = f.name
    else:
        text = f"{f.name}: {display_value(f, value)}"
    if f.bitmask and f.type is not _FT_PROTOCOL:
        text = f"{bit_pattern(f, value)} = {text}"
    if len(text) >= SHORTEST_LONG:
        # " [truncated]" goes after the name (and bit pattern) when there is a value.
        name_end = len(text) - len(text.partition(": ")[2]) - 2 if ": " in text else 0
        text = fit_label(text, max(name_end, 0))
    return text


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
