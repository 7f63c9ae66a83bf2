"""`-T fields`: one line per packet, values formatted exactly as tshark prints them."""

from __future__ import annotations

from dissectors.format import field_text
from dissectors.packet import Packet
from dissectors.registry import REGISTRY, Field


class FieldsPrinter:
    """Formats the `-e` fields of each packet, with tshark's `-E` options."""

    def __init__(self, names: list[str], opts: dict[str, str]) -> None:
        self.names = names
        self.fields: list[Field | None] = [REGISTRY.get(n) for n in names]
        self.sep = opts["separator"]
        self.agg = opts["aggregator"]
        self.occ = opts["occurrence"]
        q = opts["quote"]
        self.quote = '"' if q == "d" else "'" if q == "s" else ""
        self.header = opts["header"] == "y"

    def header_line(self) -> str:
        return self.sep.join(self.names)

    def line(self, pkt: Packet) -> str:
        out = []
        for name, f in zip(self.names, self.fields, strict=True):
            items = pkt.index.get(name) if f is not None else None
            if not items:
                out.append("")
                continue
            vals = [field_text(i.field, i.value) for i in items]
            if self.occ == "f":
                vals = vals[:1]
            elif self.occ == "l":
                vals = vals[-1:]
            elif self.occ not in ("a", ""):
                try:
                    n = int(self.occ)
                    vals = [vals[n - 1]] if 0 < n <= len(vals) else []
                except ValueError:
                    pass
            text = self.agg.join(vals)
            out.append(f"{self.quote}{text}{self.quote}" if self.quote else text)
        return self.sep.join(out)
