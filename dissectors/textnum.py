"""Numbers read from packet text, the way Wireshark's C code reads them.

Python's int() refuses decimal strings of more than 4,300 digits (ValueError) and
accepts what C does not (underscores, a trailing blank, non-ASCII digits), so a
dissector that reads a number from a packet uses these instead: C's strtol with its
saturation, and the cast that follows it in Wireshark (`(gint)strtol(...)`).
Work is linear in the text and the numbers stay below 2^64.
"""

from __future__ import annotations

LONG_MIN = -(1 << 63)
LONG_MAX = (1 << 63) - 1
_BLANKS = " \t\n\v\f\r"
_DIGITS = {c: i for i, c in enumerate("0123456789abcdefghijklmnopqrstuvwxyz")}
_DIGITS.update({c.upper(): i for c, i in _DIGITS.items() if c.isalpha()})


def strtol(text: str, base: int = 10) -> int:
    """C's strtol(text, NULL, base) for base 10 or 16: blanks, a sign, (base 16) an
    optional 0x, then digits up to the first other character; 0 when there are none;
    LONG_MAX / LONG_MIN when the value does not fit in 64 bits."""
    s = text.lstrip(_BLANKS)
    neg = s[:1] == "-"
    if s[:1] in ("+", "-") and s:
        s = s[1:]
    if base == 16 and s[:2] in ("0x", "0X") and _DIGITS.get(s[2:3], 99) < 16:
        s = s[2:]
    value = 0
    for ch in s:
        d = _DIGITS.get(ch)
        if d is None or d >= base:
            break
        if value <= LONG_MAX:  # past it the result saturates: stop growing the number
            value = value * base + d
    if neg:
        return -value if value <= -LONG_MIN else LONG_MIN
    return value if value <= LONG_MAX else LONG_MAX


def wrap(value: int, bits: int, signed: bool) -> int:
    """A C cast to an integer of `bits` bits: `(guint32)x` is wrap(x, 32, False)."""
    value &= (1 << bits) - 1
    if signed and value >> (bits - 1):
        value -= 1 << bits
    return value


def whole_int64(text: str) -> int | None:
    """Wireshark's ws_strtoi64: the whole text is a decimal number (blanks before it and
    a sign allowed) that fits in 64 bits; None otherwise."""
    s = text.lstrip(_BLANKS)
    digits = s[1:] if s[:1] in ("+", "-") else s
    if not digits or not (digits.isascii() and digits.isdigit()):
        return None
    value = strtol(s)
    if value in (LONG_MAX, LONG_MIN) and len(digits.lstrip("0")) > 18:
        # Saturated, or exactly the limit: only the exact limit is a number.
        if digits.lstrip("0") not in (str(LONG_MAX), str(-LONG_MIN)):
            return None
        if digits.lstrip("0") == str(-LONG_MIN) and s[0] != "-":
            return None
    return value
