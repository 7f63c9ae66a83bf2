"""Per-capture tables keyed by packet content (request ids, XIDs, Call-IDs), bounded.

A capture that sends requests with ever new ids and never answers them would grow such
a table without end (tshark keeps them all). `remember` inserts as the newest entry and,
past the table's cap, drops the oldest quarter in one go: a plain dict, no per-entry
bookkeeping, amortised O(1) (dropping one entry at a time makes CPython skip the freed
slots at the dict's front on every insert: quadratic under a flood). The caps are high
enough that no answer comes that late in an ordinary capture; README, "Where labshark
differs from tshark on purpose", lists them.
"""

from __future__ import annotations

from itertools import islice
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")

PENDING_MAX = 1 << 16  # requests waiting for an answer kept per table


def remember(table: dict[K, V], key: K, value: V, cap: int | None = None) -> V:
    """`table[key] = value` as the newest entry; past `cap` entries (PENDING_MAX when
    None, read at each call) the oldest quarter is dropped. Returns `value`."""
    if key in table:
        del table[key]
    table[key] = value
    if cap is None:
        cap = PENDING_MAX
    if len(table) > cap:
        trim(table, cap - cap // 4)
    return value


def trim(table: dict[K, V], keep: int) -> None:
    """Keep only the `keep` newest entries of `table` (in place: holders keep it)."""
    newest = list(islice(table.items(), len(table) - keep, None))
    table.clear()
    table.update(newest)
