"""format._field_label writes the labels of a few kinds of int fields (times, decimal
integers) straight, not through display_value's chain of type tests; escape.printable
answers str.isprintable in C passes over ASCII bytes. Both must give the very text (the
answer) of the general way, on the values that differ most: zero, negative and wrapped
times, the NTP zero, value names, units, labels long enough to be cut."""

from __future__ import annotations

import pytest

from dissectors import format as fmt
from dissectors.escape import printable
from dissectors.registry import FT, REGISTRY, Base, Field

NS = 1_000_000_000


def _general(f: Field, value: int) -> str:
    """The label as display_value makes it (the way every other field's goes)."""
    text = f"{f.name}: {fmt.display_value(f, value)}"
    return fmt._fit_field_label(text) if len(text) >= fmt.SHORTEST_LONG else text


#: a field of our own (not registered): a name long enough that its label is cut
LONG_NAME = Field("labshark.test_long_name", "A field name long enough that its label is cut " * 6,
                  FT.UINT32, Base.DEC)

#: (field, value): each kind of _LABEL_KINDS and its edges
CASES: list[tuple[str, int]] = [
    ("frame.time", 1_700_000_000 * NS + 304_000),  # absolute, local time
    ("frame.time", -5 * NS),
    ("frame.time", (1 << 70) * NS),  # past gmtime's years: "Not representable"
    ("ntp.reftime", 0),  # NTP's zero: "NULL"
    ("ntp.reftime", 3_900_000_000 * NS),  # UTC
    ("frame.time_epoch", 1_700_000_000 * NS + 5),  # a point in time as a relative time
    ("frame.time_epoch", -NS - NS // 2),  # -1.5 s: "-2.500000000"
    ("frame.time_relative", 0),
    ("frame.time_relative", 12 * NS + 34),
    ("frame.time_delta", -3),  # a negative difference
    ("frame.time_delta", (1 << 64) * NS + 7),  # seconds wrapped to 64 bits
    ("frame.number", 0),
    ("frame.number", 4_294_967_295),
    ("ip.proto", 17),  # a value name: "UDP (17)"
    ("ip.proto", 254),  # none
    ("ip.len", 1500),  # a unit, if the field has one
    ("udp.length", 8),
    ("udp.srcport", 69),
    ("tcp.seq_raw", 123_456_789),
    ("labshark.test_long_name", 7),  # cut to the label buffer
]


@pytest.mark.parametrize(("abbrev", "value"), CASES)
def test_a_kinds_label_is_the_general_label(abbrev: str, value: int) -> None:
    f = LONG_NAME if abbrev == LONG_NAME.abbrev else REGISTRY.fields[abbrev]
    assert fmt._label_kind(f) != fmt._K_OTHER  # (the case tests the straight way)
    assert fmt._field_label(f, value) == _general(f, value)


@pytest.mark.parametrize("abbrev", ["ip.id", "dns.id", "ip.flags.df", "tcp.flags.syn",
                                    "eth.src", "frame.protocols"])
def test_other_fields_keep_the_general_way(abbrev: str) -> None:
    """Hex bases, bit patterns and non-int types are display_value's."""
    assert fmt._label_kind(REGISTRY.fields[abbrev]) == fmt._K_OTHER


@pytest.mark.parametrize("text", [
    "", "a", "plain ASCII text longer than sixteen characters",
    "tab\there in a long enough ASCII line", "x" * 40 + "\x7f", "\x00" + "y" * 30,
    "ends with a line end, long enough\n", "\x1b[31m red, long enough to translate",
    "non-ASCII: caf\u00e9 with enough characters", "\u200b zero width space, long enough",
    "\u00a0 no-break space and text to be long", "short\x01", "\ud800 lone surrogate, long",
])
def test_printable_is_isprintable(text: str) -> None:
    assert printable(text) is text.isprintable()
