"""The columns of `-z io,stat`: plain filters and tshark 4.0's calculated ones.

A column is `FILTER` (frames and bytes) or `FUNC(field)FILTER` with FUNC one of FRAMES,
BYTES, COUNT, SUM, MIN, MAX, AVG, LOAD (`ui/cli/tap-iostat.c`, reproduced from its
output, quirks included):
  - the field's values are seen only when some filter of the run names the field (tshark
    reads them through the tree's "interesting fields", which only filters prime), so
    `SUM(frame.len)` alone is 0 and `SUM(frame.len)frame.len` is the sum;
  - MIN starts from the first frame of an interval even when that frame lacks the field;
  - relative times are nanoseconds, printed as seconds with 6 decimals; LOAD spreads
    each time back over the intervals before, through tshark's circular item list;
  - rows after a column's last matching frame print zeros (LOAD of an integer: nothing
    while the interval has frames).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from dissectors.packet import Packet
from dissectors.registry import FT, Field

U64 = (1 << 64) - 1
NS = 1_000_000_000
#: The whole capture as one interval (tshark's G_MAXUINT64).
WHOLE = U64

FRAMES, BYTES, FRAMES_AND_BYTES, COUNT, SUM, MIN, MAX, AVG, LOAD = (
    "FRAMES", "BYTES", "Frames and bytes", "COUNT", "SUM", "MIN", "MAX", "AVG", "LOAD")
#: tshark's calc_type_table, in its order (the order matters for prefix matching).
_TABLE = (FRAMES, BYTES, "FRAMES BYTES", COUNT, SUM, MIN, MAX, AVG, LOAD)
_INTS = frozenset({FT.UINT8, FT.UINT16, FT.UINT24, FT.UINT32, FT.UINT64,
                   FT.INT8, FT.INT16, FT.INT32, FT.INT64})
_SIGNED32 = frozenset({FT.INT8, FT.INT16, FT.INT32})
_FLOATS = frozenset({FT.FLOAT, FT.DOUBLE})


class CalcError(Exception):
    """A column tshark refuses (it exits 10): the message, worded as tshark's."""


def magnitude(val: int, max_w: int) -> int:
    """Digits of `val` (as an unsigned 64-bit number), at most `max_w`."""
    val &= U64
    mag = 0
    for _ in range(max_w):
        mag += 1
        val //= 10
        if val == 0:
            break
    return mag


def printcenter(label: str, lenval: int, numpad: int = 1) -> str:
    spaces = "      "
    lenlab = len(label)
    n = len(spaces) - (((lenval - lenlab) // 2) + numpad)
    if 0 < n < 6:
        sp = spaces[n:]
        if (lenval - lenlab) % 2 == 0:
            return f"{sp}{label}{sp}|"
        return f"{spaces[n - 1:]}{label}{sp}|"
    if 0 < n <= 15:
        return f"{label}|"
    return ""


@dataclasses.dataclass
class Item:
    """One cell: tshark's io_stat_item_t."""

    frames: int = 0
    counter: Any = 0  # int, or float for FT_FLOAT/FT_DOUBLE fields
    num: int = 0


def parse_column(text: str | None) -> tuple[str, Field | None, str | None]:
    """(calc, field, filter) of one column, or CalcError as tshark words it."""
    if not text:
        return FRAMES_AND_BYTES, None, None
    from dissectors.registry import REGISTRY

    calc, flt, field = FRAMES_AND_BYTES, text, None
    for name in _TABLE:
        if not text.startswith(name):
            if calc in (FRAMES, BYTES):
                flt = ""
            continue
        calc = FRAMES_AND_BYTES if name == "FRAMES BYTES" else name
        if text[len(name):len(name) + 1] != "(":
            continue
        inner, paren, rest = text[len(name) + 1:].partition(")")
        if not paren:
            raise CalcError("Closing parenthesis missing from calculated expression.")
        if calc in (FRAMES, BYTES):
            if inner:
                raise CalcError(f"{calc} does not require or allow a field name within the "
                                "parens.")
            flt = rest
            break
        if not inner:
            raise CalcError(f"You didn't specify a field name for {calc}(*).")
        flt = rest
        field = REGISTRY.get(inner)
        if field is None:
            raise CalcError(f"There is no field named '{inner}'.")
        _check_type(calc, field)
        break
    return calc, field, flt or None


def _check_type(calc: str, field: Field) -> None:
    ft = field.type
    if ft in _INTS:
        return
    if ft in _FLOATS:
        if calc == LOAD:
            raise CalcError(f"{field.abbrev} is a float field, so {calc}(*) calculations are "
                            "not supported on it.")
        return
    if ft is FT.RELATIVE_TIME or calc == COUNT:
        return
    raise CalcError(f"{field.abbrev} doesn't have integral values, so {calc}(*) calculations "
                    "are not supported on it.")


def field_refs(tree: object) -> set[str]:
    """Every field or protocol a checked filter tree names (what tshark primes)."""
    from filters.syntax import field_refs as refs

    return {r.field.abbrev if r.field is not None else r.name
            for r in refs(tree)}  # type: ignore[arg-type]


class Column:
    """One io,stat column: its items per interval and how tshark prints them."""

    def __init__(self, text: str | None, match: Callable[[Packet], bool] | None,
                 calc: str, field: Field | None) -> None:
        self.text = text
        self.match = match
        self.calc = calc
        self.field = field
        self.ftype = field.type if field is not None else None
        self.abbrev = field.abbrev if field is not None else ""
        self.primed = False  # set once every filter of the run is known
        self.items: list[Item] = [Item()]
        self.max_vals = 0
        self.max_frame = 0

    # -- accumulation ----------------------------------------------------------------
    def packet(self, pkt: Packet, rel_us: int, interval: int) -> None:
        """Add one frame at `rel_us` (microseconds) with tshark's `interval` (us)."""
        items = self.items
        while rel_us >= (len(items) - 1) * interval + interval:  # interval may be WHOLE
            items.append(Item())
        idx = len(items) - 1
        it = items[idx]
        it.frames += 1
        calc = self.calc
        if calc in (FRAMES, BYTES, FRAMES_AND_BYTES):
            it.counter += pkt.frame.origlen
        else:
            vals = [i.value for i in pkt.index.get(self.abbrev, ())] if self.primed else []
            if vals:
                self._accumulate(it, idx, vals, interval)
        self._track_max(it)

    def _accumulate(self, it: Item, idx: int, vals: list[Any], interval: int) -> None:
        calc, ft = self.calc, self.ftype
        if calc == COUNT:
            it.counter += len(vals)
            return
        if ft in _FLOATS:
            vals = [float(v) for v in vals]
        if calc == SUM:
            it.counter += sum(vals)
        elif calc == MIN:
            for i, v in enumerate(vals):
                lt = (_s32(v) < _s32(it.counter)) if ft in _SIGNED32 else v < it.counter
                if (it.frames == 1 and i == 0) or lt:
                    it.counter = v
        elif calc == MAX:
            for v in vals:
                gt = (_s32(v) > _s32(it.counter)) if ft in _SIGNED32 else v > it.counter
                if gt:
                    it.counter = v
        elif calc == AVG:
            it.num += len(vals)
            it.counter += sum(vals)
        elif calc == LOAD:
            if ft is not FT.RELATIVE_TIME:
                raise CalcError("LOAD() is only supported for relative-time fields such as "
                                "smb.time")
            for v in vals:
                self._load(idx, (v // 1000) & U64, interval)

    def _load(self, idx: int, val: int, interval: int) -> None:
        """Spread `val` us: the part past an interval boundary to this item, the rest to
        the items before it, one interval each, wrapping from the first to the last item
        (tshark's first item's `prev` is the last one)."""
        items = self.items
        tival = val % interval
        items[idx].counter += tival
        val -= tival
        if not val:
            return
        n = len(items)
        order = [(idx - 1 - k) % n for k in range(n)]  # the cyclic `prev` chain
        full, rest = divmod(val, interval)
        laps, extra = divmod(full, n)
        if laps:
            for k in order:
                items[k].counter += laps * interval
        for k in order[:extra]:
            items[k].counter += interval
        if rest:
            items[order[extra]].counter += rest

    def _track_max(self, it: Item) -> None:
        calc, ft = self.calc, self.ftype
        if calc in (FRAMES, FRAMES_AND_BYTES):
            self.max_frame = max(self.max_frame, it.frames)
            if calc == FRAMES_AND_BYTES:
                self.max_vals = max(self.max_vals, it.counter)
        elif calc in (BYTES, COUNT, LOAD):
            self.max_vals = max(self.max_vals, it.counter & U64)
        elif calc in (SUM, MIN, MAX):
            v = int(it.counter + 0.5) if ft in _FLOATS else it.counter
            self.max_vals = max(self.max_vals, v & U64)
        elif calc == AVG and it.num:
            if ft in _FLOATS:
                v = int(it.counter) // it.num
            elif ft is FT.RELATIVE_TIME:
                v = ((it.counter & U64) // it.num + NS // 2) // NS
            else:
                v = (it.counter & U64) // it.num
            self.max_vals = max(self.max_vals, v)

    # -- layout ----------------------------------------------------------------------
    def layout(self, interval: int) -> None:
        """Widths, as iostat_calc_cols_width_and_fmt: `fr`, `val`, `width` (tabrow part)."""
        calc, ft = self.calc, self.ftype
        self.fr = self.val = 0
        self.kind = "int"
        if calc in (FRAMES, FRAMES_AND_BYTES):
            self.fr = max(6, magnitude(self.max_frame, 15))
            if calc == FRAMES_AND_BYTES:
                self.val = max(5, magnitude(self.max_vals, 15))
                self.width = self.fr + 3 + self.val + 3
            else:
                self.width = self.fr + 3
            return
        if calc in (BYTES, COUNT):
            self.val = max(5, magnitude(self.max_vals, 15))
        elif ft in _FLOATS:
            self.val = magnitude(self.max_vals, 15) + 7
            self.kind = "float"
        elif ft is FT.RELATIVE_TIME:
            mv = self.max_vals
            if calc == LOAD:
                mv = mv // interval if interval else 0
            elif calc != AVG:
                mv = (mv + NS // 2) // NS
            self.val = magnitude(mv, 15) + 7
            self.kind = "time"
        else:
            self.val = max(len(calc), magnitude(self.max_vals, 15))
            if calc == LOAD:
                self.kind = "none"  # tshark prints no LOAD value for an integer field
        self.width = self.val + 3

    def number_head(self, j: int) -> str:
        pad = {FRAMES_AND_BYTES: self.fr + self.val + 3, FRAMES: self.fr}.get(
            self.calc, self.val)
        return f"{j + 1:<2d}" + " " * pad + "|"

    def label_head(self) -> str:
        if self.calc == FRAMES_AND_BYTES:
            return printcenter("Frames", self.fr) + printcenter("Bytes", self.val)
        if self.calc == FRAMES:
            return printcenter(FRAMES, self.fr)
        return printcenter(self.calc, self.val)

    def cell(self, i: int, interval: int, span: int, last: bool, fpu: list[float]) -> str:
        """Row `i`'s text; `span` is the row's length in us (the last row's may be shorter).

        `fpu[0]` is the last float the table printed: tshark prints a missing float cell
        with no float argument, so printf shows what the register still holds.
        """
        calc = self.calc
        if i >= len(self.items):  # after the column's last frame: tshark prints zeros
            if calc == FRAMES_AND_BYTES:
                return f" {0:{self.fr}d} | {0:{self.val}d} |"
            if calc == FRAMES:
                return f" {0:{self.fr}d} |"
            if self.kind == "float":
                return f" {fpu[0]:{self.val - 7}.6f} |"
            if self.kind == "time":
                return f" {0:{self.val - 7}d}.000000 |"
            return f" {0:{self.val}d} |"
        it = self.items[i]
        if calc == FRAMES_AND_BYTES:
            return f" {it.frames:{self.fr}d} | {it.counter:{self.val}d} |"
        if calc == FRAMES:
            return f" {it.frames:{self.fr}d} |"
        if calc in (BYTES, COUNT):
            return f" {it.counter:{self.val}d} |"
        if self.kind == "none":
            return ""
        if calc == LOAD:
            d = span if last else interval
            c = it.counter
            return self._time(c // d, (c % d) * 1_000_000 // d) if d else self._time(0, 0)
        if calc == AVG:
            num = it.num or 1
            if self.kind == "float":
                fpu[0] = it.counter / num
                return f" {fpu[0]:{self.val - 7}.6f} |"
            if self.kind == "time":
                us = ((it.counter & U64) // num + 500) // 1000
                return self._time(us // 1_000_000, us % 1_000_000)
            return f" {it.counter // num:{self.val}d} |"
        if self.kind == "float":
            fpu[0] = it.counter
            return f" {fpu[0]:{self.val - 7}.6f} |"
        if self.kind == "time":
            us = ((it.counter & U64) + 500) // 1000
            return self._time(us // 1_000_000, us % 1_000_000)
        return f" {it.counter:{self.val}d} |"

    def _time(self, secs: int, frac: int) -> str:
        return f" {secs & 0xFFFFFFFF:{self.val - 7}d}.{frac & 0xFFFFFFFF:06d} |"

    def frames_per_row(self, num_rows: int) -> list[int]:
        """Frames the column's filter kept in each row (what --plot draws)."""
        return [self.items[i].frames if i < len(self.items) else 0 for i in range(num_rows)]


def _s32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v
