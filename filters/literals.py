"""Literal values as Wireshark's ftypes read them from filter text.

Each parser takes the literal's text and returns the value, or None (or, for doubles,
an error text) when Wireshark rejects it. Values are exact Python numbers: no
literal, however long, can raise OverflowError later (issue 12).
"""

from __future__ import annotations

import math
import re
import sys

_DIGITS = re.compile(r"[0-9]+")
_RELTIME = re.compile(r"(-?)([0-9]*)(?:\.([0-9]*))?")
_DEC_DOUBLE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX_DOUBLE = re.compile(
    r"([+-]?)0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP]([+-]?[0-9]+))?")
_INF_NAN = re.compile(r"[+-]?(?:inf|infinity|nan)", re.IGNORECASE)

# Slice offsets and lengths are C ints in Wireshark's drange.
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


def parse_int(w: str) -> int | None:
    """Decimal, 0x hex, 0b binary or leading-0 octal, as strtoul with base 0 (+ 0b)."""
    try:
        if re.fullmatch(r"0[xX][0-9a-fA-F]+", w):
            return int(w, 16)
        if re.fullmatch(r"0[bB][01]+", w):
            return int(w[2:], 2)
        if re.fullmatch(r"0[0-7]+", w):
            return int(w, 8)
        if re.fullmatch(r"[0-9]+", w):
            if len(w) > 1 and w[0] == "0":
                return None
            return int(w, 10)
    except ValueError:
        return None
    return None


def parse_bytes(w: str) -> bytes | None:
    """`aa:bb:cc`, `aa-bb`, `aabb.ccdd`, `:aa`, a single `aa`: Wireshark byte strings."""
    s = w[1:] if w.startswith(":") else w
    if not s:
        return None
    if re.fullmatch(r"[0-9A-Fa-f]{1,2}", s):
        return bytes([int(s, 16)])
    if re.fullmatch(r"(?:[0-9A-Fa-f]{2})+", s):
        return bytes.fromhex(s)
    for sep in (":", "-", "."):
        if sep in s:
            parts = s.split(sep)
            if all(re.fullmatch(r"[0-9A-Fa-f]{2}", p) for p in parts):
                return bytes(int(p, 16) for p in parts)
            if sep == "." and all(re.fullmatch(r"[0-9A-Fa-f]{4}", p) for p in parts):
                return bytes.fromhex("".join(parts))
            return None
    return None


def parse_reltime(w: str) -> int | None:
    """A time offset `[-]SECONDS[.FRACTION]` in nanoseconds, as Wireshark's FT_RELATIVE_TIME
    reads it: decimal digits only (no exponent, no inf), at most nine significant
    fraction digits. An integer, so `1e400`-sized values cannot overflow anything."""
    m = _RELTIME.fullmatch(w)
    if m is None:
        return None
    sign, secs, frac = m.groups()
    if not secs and not frac:
        return None
    frac = frac or ""
    if frac[9:].strip("0"):
        return None  # a tenth fraction digit that is not 0: finer than a nanosecond
    ns = int(secs or "0") * 1_000_000_000 + int((frac + "000000000")[:9])
    return -ns if sign else ns


def parse_double(w: str) -> float | str:
    """A C double as strtod reads it (decimal, hex, inf, nan); an error text where
    Wireshark rejects it (out of range, or not a number)."""
    bad = f'"{w}" is not a valid floating-point number.'
    if _INF_NAN.fullmatch(w):
        return float(w)
    hexm = _HEX_DOUBLE.fullmatch(w)
    if hexm is not None:
        sign, mant, exp = hexm.groups()
        try:
            v = float.fromhex(f"{sign}0x{mant}p{exp or 0}")
        except OverflowError:
            return f'"{w}" causes floating-point overflow.'
        nonzero = bool(mant.strip("0.").strip("0"))
    elif _DEC_DOUBLE.fullmatch(w):
        v = float(w)
        nonzero = any(c in "123456789" for c in re.split(r"[eE]", w)[0])
    else:
        return bad
    if math.isinf(v):
        return f'"{w}" causes floating-point overflow.'
    if v == 0.0 and nonzero:
        return f'"{w}" causes floating-point underflow.'
    if 0.0 < abs(v) < sys.float_info.min:
        return bad  # strtod flags a subnormal result as a range error too
    return v
