"""Times and durations as tshark writes them: relative and absolute times, dates from
our own calendar arithmetic, and Wireshark's duration texts (`1 hour, 2 minutes`).

Apart from format.py (labels and `-T fields` texts) because the list's time columns,
`-T ek`'s index date and many dissectors' duration labels use them without a field.
"""

from __future__ import annotations

import time
from typing import Final

from captures.frame import wrap_secs

_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

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
#: The largest int mypyc holds unboxed (2**62 - 1, as a literal: compared with it, a
#: time in nanoseconds is a C compare, where `(1 << 63) * NS` is a Python int each call).
_SHORT_MAX: Final = 4_611_686_018_427_387_903


def _pad9(n: int) -> str:
    """`f"{n:09d}"` for 0 <= n < 10**9 (nanoseconds), without a format spec: the
    digits of 10**9 + n but its leading 1 (one str and one slice)."""
    return str(n + NS)[1:]


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
    if 0 <= ns <= _SHORT_MAX:  # the common case: no sign or wrap to think about
        if digits == 9:
            return f"{ns // NS}.{_pad9(ns % NS)}"
        return f"{ns // NS}.{ns % NS // 10 ** (9 - digits):0{digits}d}" if digits else \
            str(ns // NS)
    return signed_time_str(*rel_parts(ns), digits)


def epoch_str(ns: int) -> str:
    """A point in time as seconds since 1970 (frame.time_epoch): wiretap's seconds
    and a fraction that is never negative, so -1.5 s prints as `-2.500000000`."""
    # (signed_time_str(*divmod(ns, NS)): the fraction is never negative, so no sign of
    # its own; `//` and `%` of a time in range, not divmod's generic call and tuple)
    return f"{ns // NS}.{_pad9(ns % NS)}"


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


#: seconds << 1 | utc -> abs_time_str's text before and after the nanoseconds
#: (_UNREPRESENTABLE: not representable): packets come many a second. Made under the time zone `_ABS_TZ`
#: holds (time.tzset makes a new time.tzname: the cache is emptied then). Bounded.
#: (time.tzname read by getattr: compiled, `time.tzname` is read as a native
#: tuple[str, str] and boxed again, a new object every call, which emptied the cache at
#: every call: ~15k instructions a -V packet.)
_ABS_PARTS: Final[dict[int, tuple[str, str]]] = {}
_UNREPRESENTABLE: Final = ("", "")
_ABS_TZ: Final[list[object]] = [None]


def zone_token() -> object:
    """The object that changes when the time zone does (time.tzset makes a new
    time.tzname), for caches of local times to compare by identity; read by getattr
    (see _ABS_TZ)."""
    return getattr(time, "tzname")  # noqa: B009 - see _ABS_TZ


def abs_time_str(ns: int, utc: bool = False) -> str:
    """FT_ABSOLUTE_TIME as tshark prints it: `Nov 14, 2023 22:13:20.000000000 UTC`."""
    secs = ns // NS
    tz = zone_token()
    if _ABS_TZ[0] is not tz:
        _ABS_PARTS.clear()
        _ABS_TZ[0] = tz
    key = secs << 1 | (1 if utc else 0)  # (an int key: no tuple made and hashed)
    parts = _ABS_PARTS.get(key)
    if parts is None:
        if len(_ABS_PARTS) >= 1024:
            _ABS_PARTS.clear()
        parts = _ABS_PARTS[key] = _abs_parts(secs, utc)
    if not parts[0]:  # (_UNREPRESENTABLE)
        return NOT_REPRESENTABLE
    return f"{parts[0]}{_pad9(ns - secs * NS)}{parts[1]}"


def _abs_parts(secs: int, utc: bool) -> tuple[str, str]:
    if utc:
        tm, zone = utc_tm(secs), "UTC"
    else:
        got = local_tm(secs)
        tm, zone = (got[0], got[1]) if got is not None else (None, "")
    if tm is None:
        return _UNREPRESENTABLE
    year, month, day, hour, minute, sec, _ = tm
    return (f"{_MONTHS[month - 1]} {_SP2[day]}, {year} {_D2[hour]}:{_D2[minute]}:{_D2[sec]}.",
            f" {zone}")


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
