"""`-z dhcp,stat[,FILTER]`: tshark 4.0's "DHCP (BOOTP) Statistics", a stat_tap table
(ui/cli/tap-simple_stattable.c): one row per DHCP message type, counting the packets
whose DHCP Message Type option (53) names it (once per packet
that any `-z dhcp,stat` tap's filter passes: tshark shares one table among them). The rows are the message types of
dissectors/dhcp.py (one source of truth), in their numeric order."""

from __future__ import annotations

from collections.abc import Callable

from analyzer.stats.taps import TapArgError, register
from dissectors.dhcp import MSG_TYPES
from dissectors.packet import Item, Packet

_RULE = "=" * 101 + "\n"


def _message_type(item: Item) -> int | None:
    """The first DHCP Message Type option under a DHCP layer."""
    stack = list(reversed(item.children or ()))
    while stack:
        it = stack.pop()
        if it.field is not None and it.field.abbrev == "dhcp.option.dhcp":
            return int(it.value)
        stack.extend(reversed(it.children or ()))
    return None


class DhcpStatTap:
    """One `-z dhcp,stat` table: packets per message type."""

    def __init__(self, arg: str, counts: dict[int, int]) -> None:
        rest = arg[len("dhcp,stat"):]
        self.filter = rest[1:] if rest.startswith(",") else None
        self.match: Callable[[Packet], bool] | None = None
        if self.filter:
            from filters import FilterError, compile_filter

            try:
                self.match = compile_filter(self.filter).match
            except FilterError as e:
                raise TapArgError(f'Couldn\'t register tap: Filter "{self.filter}" is '
                                  f"invalid - {e.message}") from None
        self.counts = counts

    def packet(self, pkt: Packet) -> None:
        if self.match is not None and not self.match(pkt):
            return
        for item in pkt.tree:
            if item.field is not None and item.field.abbrev == "dhcp":
                kind = _message_type(item)
                if kind in self.counts:
                    self.counts[kind] += 1

    def rows(self) -> list[tuple[str, int]]:
        return [(MSG_TYPES[k], n) for k, n in self.counts.items()]

    def rich_rows(self) -> list[tuple]:
        """(title, columns, rows, caption) of the terminal table (rich_tables.py)."""
        return [("DHCP (BOOTP) Statistics", ("DHCP Message Type", "Packets"),
                 [[name, str(n)] for name, n in self.rows()],
                 f"Filter: {self.filter}" if self.filter else None)]

    def text(self) -> str:
        out = ["\n", _RULE, "DHCP (BOOTP) Statistics:\n",
               f"Filter for statistics: {self.filter or ''}\n",
               "DHCP Message Type |Packets |\n", "DHCP Statistics\n"]
        out += [f"{name:<25s} |{n} |\n" for name, n in self.rows()]
        out.append(_RULE)
        return "".join(out)


def _report(taps: list[DhcpStatTap]) -> str:
    return "".join(t.text() for t in reversed(taps))


def _build(args: list[str]) -> list[DhcpStatTap]:
    """tshark 4.0's stat_tap tables are one per statistic, not per tap: every
    `-z dhcp,stat` counts into (and prints) the same table."""
    counts = dict.fromkeys(MSG_TYPES, 0)
    return [DhcpStatTap(a, counts) for a in args]


register("dhcp,stat", _build, _report, ("dhcp,stat",))
