"""`-T fields`: one line per packet, values formatted exactly as tshark prints them."""

from __future__ import annotations

from collections.abc import Callable

from analyzer.output.formats import Output
from analyzer.output.packet_list import column_parts
from dissectors.format import field_text
from dissectors.packet import Packet
from dissectors.registry import REGISTRY, Field

#: tshark's column pseudo-fields (`-e _ws.col.Info`): the default column titles,
#: in the order analyzer.output.packet_list.column_parts returns them.
COLUMN_FIELDS = ("_ws.col.No.", "_ws.col.Time", "_ws.col.Source", "_ws.col.Destination",
                 "_ws.col.Protocol", "_ws.col.Length", "_ws.col.Info")
_COL_PREFIX = "_ws.col."


def valid_field(name: str) -> bool:
    """Whether `-e NAME` is accepted: a registered field, or any `_ws.col.TITLE`.

    tshark 4.0 takes every `_ws.col.` name for -e (one that is no column title prints
    empty), but not in display filters, which the registry keeps out of.
    """
    return name in REGISTRY or (name.startswith(_COL_PREFIX) and len(name) > len(_COL_PREFIX))


class FieldsPrinter:
    """Formats the `-e` fields of each packet, with tshark's `-E` options."""

    def __init__(self, names: list[str], opts: dict[str, str], time_fmt: str = "r") -> None:
        self.names = names
        self.time_fmt = time_fmt
        self.fields: list[Field | None] = [REGISTRY.get(n) for n in names]
        # tshark keeps one slot per distinct name: a repeated -e prints only at its last.
        last = {n: i for i, n in enumerate(names)}
        self.live = [last[n] == i for i, n in enumerate(names)]
        self.cols = [COLUMN_FIELDS.index(n) if n in COLUMN_FIELDS else -1 for n in names]
        self.sep = opts["separator"]
        self.agg = opts["aggregator"]
        self.occ = opts["occurrence"]
        q = opts["quote"]
        self.quote = '"' if q == "d" else "'" if q == "s" else ""
        self.header = opts["header"] == "y"
        self.bom = "\ufeff" if opts.get("bom") == "y" else ""
        self._pick: Callable[[list[str]], list[str]] = (
            (lambda v: v[:1]) if self.occ == "f" else
            (lambda v: v[-1:]) if self.occ == "l" else (lambda v: v))

    def column(self, pkt: Packet, name: str) -> str | None:
        """The value of a `_ws.col.*` pseudo-field (None: no such column)."""
        if name not in COLUMN_FIELDS:
            return None
        return column_parts(pkt, self.time_fmt)[COLUMN_FIELDS.index(name)]

    def _take_bom(self) -> str:
        bom, self.bom = self.bom, ""
        return bom

    def preamble(self) -> str:
        """What comes before the first packet: the names line with `-E header=y`, and
        the BOM of `-E bom=y` even when no packet follows (as tshark writes it)."""
        return self.header_line() + "\n" if self.header else self._take_bom()

    def header_line(self) -> str:
        """The names line of `-E header=y` (never quoted, like tshark's)."""
        return self._take_bom() + self.sep.join(self.names)

    def line(self, pkt: Packet) -> str:
        out = []
        cols: tuple[str, ...] | None = None
        q = self.quote
        for i, (name, f) in enumerate(zip(self.names, self.fields, strict=True)):
            if not self.live[i]:
                out.append("")
                continue
            if self.cols[i] >= 0:
                if cols is None:
                    cols = column_parts(pkt, self.time_fmt)
                text = cols[self.cols[i]]
                out.append(f"{q}{text}{q}" if q else text)
                continue
            items = pkt.index.get(name) if f is not None else None
            if not items:
                out.append("")
                continue
            vals = self._pick([field_text(it.field, it.value) for it in items])
            text = self.agg.join(vals)
            out.append(f"{q}{text}{q}" if q else text)
        return self._take_bom() + self.sep.join(out)


class FieldsOutput(Output):
    """`-T fields`: the `-e` values of each packet, one line a packet."""

    def packet(self, pkt: Packet) -> None:
        self.out.write(self.fields.line(pkt) + "\n")
