"""The per-field caches of int values' texts and labels (dissectors/format.py): each
field's table stays within PER_FIELD_MAX entries whatever the values, a field whose
values do not repeat stops being cached, one whose values repeat keeps its table, and
a cached text is always the text made afresh (a bool's apart from an int's)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dissectors import format as fmt
from dissectors import time_text
from dissectors.packet import Item
from dissectors.registry import FT, FT_BITS, REGISTRY, Field

PORT = REGISTRY.fields["udp.srcport"]
FLAG = REGISTRY.fields["tcp.flags.syn"]

Maker = Callable[[Field, int], str]
#: (name, the cached text, the same text made afresh, the fields' tables)
CACHES: list[tuple[str, Maker, Maker, dict[Field, fmt.Texts]]] = [
    ("label", fmt.int_label, fmt._field_label, fmt.FIELD_LABELS),
    ("fields", fmt.field_text, fmt._field_text, fmt.FIELD_TEXTS),
]


@pytest.fixture(autouse=True)
def _fresh_tables() -> None:
    for *_, tables in CACHES:
        tables.pop(PORT, None)
        tables.pop(FLAG, None)


@pytest.mark.parametrize(("name", "text", "fresh", "tables"), CACHES, ids=[c[0] for c in CACHES])
def test_unique_values_stay_bounded_and_stop_the_caching(
        name: str, text: Maker, fresh: Maker, tables: dict[Field, fmt.Texts]) -> None:
    for value in range(3 * fmt.PER_FIELD_MAX):  # never the same value twice
        text(PORT, value)
        assert len(tables[PORT].texts) <= fmt.PER_FIELD_MAX
    table = tables[PORT]
    assert not table.on and not table.texts  # (filled once with no hit: given up)
    assert text(PORT, 53) == text(PORT, 53) == fresh(PORT, 53)


@pytest.mark.parametrize(("name", "text", "fresh", "tables"), CACHES, ids=[c[0] for c in CACHES])
def test_repeating_values_keep_their_table(
        name: str, text: Maker, fresh: Maker, tables: dict[Field, fmt.Texts]) -> None:
    for value in range(3 * fmt.PER_FIELD_MAX):  # a new value, then two hot ones
        text(PORT, 10_000 + value)
        text(PORT, 53)
        text(PORT, 80)
        assert len(tables[PORT].texts) <= fmt.PER_FIELD_MAX
    assert tables[PORT].on and tables[PORT].texts.get(53) == fresh(PORT, 53)


@pytest.mark.parametrize("value", [0, 1, True, False, 443])
def test_cached_label_is_the_label_made_afresh(value: int) -> None:
    for field in (PORT, FLAG):
        item = Item(field, value, 0, 2)
        first = fmt.label(item)
        assert fmt.label(item) == first == fmt._field_label(field, value)
        item.generated = True
        assert fmt.label(item) == f"[{first}]"
    # an int field's label of True is not its label of 1
    assert fmt.label(Item(PORT, True, 0, 2)) != fmt.label(Item(PORT, 1, 0, 2))


def test_time_parts_cached_while_the_zone_stays() -> None:
    """abs_time_str reads its cache while time.tzname is the same object (compiled, a
    `time.tzname` read made a new tuple each call: the cache was emptied every time)."""
    ns = 1_700_000_000 * time_text.NS + 304_000
    time_text.abs_time_str(ns, utc=True)
    time_text._ABS_PARTS[1_700_000_000 << 1 | 1] = ("then ", " zone")  # what a hit returns (utc)
    assert time_text.abs_time_str(ns, utc=True) == "then 000304000 zone"
    time_text._ABS_PARTS.clear()
    assert time_text.abs_time_str(ns, utc=True) == "Nov 14, 2023 22:13:20.000304000 UTC"


def test_zone_token_is_one_object_while_the_zone_stays() -> None:
    """The local-time caches (abs_time_str's, -T ek's index date) compare zone_token by
    identity: it must be the same object between tzset calls, compiled too."""
    assert time_text.zone_token() is time_text.zone_token()


NAME = REGISTRY.fields["dns.qry.name"]


@pytest.mark.parametrize("value", ["example.com", "ctl\x01char", "tab\there", "caf\u00e9",
                                   "zero\u200bwidth", "x" * 300, ""])
def test_str_label_is_the_label_made_afresh(value: str) -> None:
    """format.str_label (-V's cached label of a str value) is label()'s text, escaped
    the same way, cached or not."""
    fmt.FIELD_STR_LABELS.pop(NAME, None)
    want = fmt.label(Item(NAME, value, 0, 2))
    assert fmt.str_label(NAME, value) == fmt.str_label(NAME, value) == want


def test_str_labels_stay_bounded_and_stop_for_unique_values() -> None:
    fmt.FIELD_STR_LABELS.pop(NAME, None)
    for value in range(3 * fmt.PER_FIELD_MAX):  # never the same value twice
        fmt.str_label(NAME, f"host{value}.example")
        assert len(fmt.FIELD_STR_LABELS[NAME].texts) <= fmt.PER_FIELD_MAX
    table = fmt.FIELD_STR_LABELS[NAME]
    assert not table.on and not table.texts
    fmt.FIELD_STR_LABELS.pop(NAME, None)
    for value in range(3 * fmt.PER_FIELD_MAX):  # a new value, then two hot ones
        fmt.str_label(NAME, f"host{value}.example")
        fmt.str_label(NAME, "a.example")
        fmt.str_label(NAME, "b.example")
    assert fmt.FIELD_STR_LABELS[NAME].texts.get("a.example") == \
        fmt.label(Item(NAME, "a.example", 0, 2))


@pytest.mark.parametrize("ft", list(FT), ids=lambda t: t.name)
def test_hex_digits_by_type_id_are_ft_bits(ft: FT) -> None:
    """format's digits of a type (read by the type's id, not the Enum's Python hash)
    are FT_BITS's, 32 bits for a type it does not list, and bit_pattern's width 8."""
    field = Field("x.test", "Test", ft)
    assert fmt.hex_digits(field) == FT_BITS.get(ft, 32) // 4
    assert fmt.label_hex_digits(field) == FT_BITS.get(ft, 32) // 4
    if ft is not FT.BOOLEAN:
        masked = Field("x.test", "Test", ft, bitmask=0x10)
        assert len(fmt.bit_pattern(masked, 1).replace(" ", "")) == FT_BITS.get(ft, 8)
