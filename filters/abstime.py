"""Absolute-time literals (`frame.time == "..."`) as Wireshark reads them.

tshark 4.0 reads `Mon DD, YYYY [HH:MM[:SS[.frac]]]` and `YYYY-MM-DD[( |T)HH:MM[:SS[.frac]]]`
in local time, or in UTC when `UTC` / `Z` follows. The newest Wireshark also takes a Unix
time (`1041342931.3`) and the time zones of its strptime's `%z`: `UT`, `GMT`, `+hh[[:]mm]`,
`-hh[[:]mm]`, the North American zones (EST, PDT, ...) and the military letters; labshark
takes those too (tshark 4.0 rejects them all, so no 4.0 filter changes meaning).
"""

from __future__ import annotations

import calendar
import re
import time

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_UNIX = re.compile(r"\s*([0-9]+)(?:\.([0-9]*))?\s*")
_DATE = re.compile(
    r"\s*(?:(?P<mon>[A-Za-z]{3})\s*(?P<day>[0-9]{1,2}),\s*(?P<year>[0-9]{1,4})"
    r"|(?P<y>[0-9]{1,4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2}))")
_CLOCK = re.compile(r"(?:\s+|T)(?P<H>[0-9]{1,2}):(?P<M>[0-9]{1,2})(?::(?P<S>[0-9]{1,2}))?")
_FRAC = re.compile(r"\.([0-9]*)")
_OFFSET = re.compile(r"([+-])([0-9]{2})(?::?([0-9]{2}))?\Z")
_NA_ZONES = {"est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8,
             "pdt": -7}

EXAMPLE = 'Example: "Nov 12, 1999 08:55:44.123" or "2011-07-04 12:34:56"'


def _zone(rest: str) -> int | None:
    """UTC offset in seconds of a zone name, or None when it is not one."""
    if rest in ("UTC", "Z"):  # tshark 4.0's two
        return 0
    if rest in ("UT", "GMT"):
        return 0
    m = _OFFSET.match(rest)
    if m:
        sign, hh, mm = m.groups()
        if mm is not None and int(mm) >= 60:
            return None
        off = int(hh) * 3600 + int(mm or 0) * 60
        return -off if sign == "-" else off
    if rest.lower() in _NA_ZONES:
        return _NA_ZONES[rest.lower()] * 3600
    if len(rest) == 1 and ("A" <= rest <= "I" or "L" <= rest <= "Y"):
        # Military letters: A..I = +1..+9, L, M = +11, +12, N..Y = -1..-12 (no J; K is
        # missing from the strptime Wireshark took too).
        c = ord(rest)
        hours = c - ord("A") + 1 if rest <= "I" else c - ord("A") if rest <= "M" \
            else ord("M") - c
        return hours * 3600
    return None


def _frac_ns(digits: str) -> int:
    return int((digits + "000000000")[:9])


def parse_abstime(s: str) -> int | str:
    """Epoch nanoseconds, or the message Wireshark rejects the text with."""
    invalid = f'"{s.strip()}" is not a valid absolute time. {EXAMPLE}'
    u = _UNIX.fullmatch(s)
    if u:
        return int(u.group(1)) * 1_000_000_000 + _frac_ns(u.group(2) or "")
    m = _DATE.match(s)
    if m is None:
        return invalid
    if m.group("mon"):
        mon = m.group("mon").lower()
        if mon not in _MONTHS:
            return invalid
        year, month, day = int(m.group("year")), _MONTHS.index(mon) + 1, int(m.group("day"))
    else:
        year, month, day = int(m.group("y")), int(m.group("m")), int(m.group("d"))
    pos = m.end()
    hh = mm = ss = 0
    has_seconds = False
    c = _CLOCK.match(s, pos)
    if c and (m.group("y") or not c.group(0).startswith("T")):
        hh, mm = int(c.group("H")), int(c.group("M"))
        has_seconds = c.group("S") is not None
        ss = int(c.group("S") or 0)
        pos = c.end()
    if not (1 <= month <= 12 and 1 <= day <= 31 and hh <= 23 and mm <= 59 and ss <= 61):
        return invalid
    ns = 0
    f = _FRAC.match(s, pos)
    if f:
        if not has_seconds:
            return "Subsecond precision requires a seconds field."
        ns = _frac_ns(f.group(1))
        pos = f.end()
    rest = s[pos:].strip()
    tm = (year, month, day, hh, mm, ss, 0, 0, -1)
    try:
        if not rest:
            secs = int(time.mktime(tm))  # local time, as tshark
        else:
            off = _zone(s[pos:].lstrip())
            if off is None:
                return "Unexpected data after time value."
            secs = calendar.timegm(tm) - off
    except (OverflowError, ValueError):
        return invalid
    return secs * 1_000_000_000 + ns
