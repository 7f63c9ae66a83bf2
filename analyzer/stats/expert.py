"""`-z expert[,error|warn|note|chat|comment][,FILTER]`: tshark 4.0's expert statistics.

The text is byte for byte tshark's `ui/cli/tap-expert.c`: one section per severity
(errors first), each entry counted by (protocol, summary) in order of first sighting.
Notes that only labshark raises (`Expert.ours`) are counted apart and printed after
tshark's sections under their own title, so the tshark part stays comparable with
tshark's output and a reader never mistakes our notes for Wireshark's.

Like tshark, the tap sees every dissected packet, whatever `-Y` keeps: only the tap's
own filter (`-z expert,FILTER`) selects packets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from analyzer.stats.taps import TapArgError, register
from dissectors.escape import format_str
from dissectors.expert import GROUP_CODES, GROUP_NAMES
from dissectors.packet import Packet
from dissectors.registry import REGISTRY

# tshark's severity_level_t: comment < chat < note < warn < error.
_LEVEL = {"comment": 0, "chat": 1, "note": 2, "warning": 3, "error": 4}
_LABELS = ((4, "Errors"), (3, "Warns"), (2, "Notes"), (1, "Chats"), (0, "Comments"))
# The level words tshark recognises after "expert", matched as case-insensitive prefixes.
_LEVEL_ARGS = ((",error", 4), (",warn", 3), (",note", 2), (",chat", 1), (",comment", 0))
OUR_TITLE = "labshark's own expert notes (Wireshark raises none of these)"
#: The cells of a row (the plain text's header line names the same).
COLUMNS = ("Frequency", "Group", "Protocol", "Summary")


class ExpertArgError(TapArgError):
    """The tap's filter does not compile: tshark's `Expert tap error (...)!` on stdout,
    exit 1."""

    on_stdout = True


def is_expert_arg(arg: str) -> bool:
    """tshark picks the `expert` tap for any -z value that starts with "expert"."""
    return arg.startswith("expert")


def parse_expert_arg(arg: str) -> tuple[int | None, str | None]:
    """(lowest level named or None, tap filter or None), as tshark's expert_stat_init."""
    args = arg[len("expert"):]
    lowest = None
    for word, level in _LEVEL_ARGS:
        if args[: len(word)].lower() == word:
            lowest = level
            args = args[len(word):]
            break
    flt = args[1:] if args.startswith(",") else None
    return lowest, (flt or None)


@dataclass(slots=True)
class _Entry:
    group: int
    protocol: str
    summary: str
    frequency: int = 1
    first: int = 0  # the frame that made it (a merge of parts restores the order)


@dataclass(slots=True)
class _Table:
    """Entries per level, in order of first sighting (tshark's ei_array)."""

    levels: list[list[_Entry]] = field(default_factory=lambda: [[] for _ in range(5)])
    where: list[dict[tuple[str, str], _Entry]] = field(
        default_factory=lambda: [{} for _ in range(5)])

    def add(self, level: int, group: int, protocol: str, summary: str, first: int = 0) -> None:
        key = (protocol, summary)  # tshark matches on protocol and summary, not group
        e = self.where[level].get(key)
        if e is not None:
            e.frequency += 1
            return
        e = _Entry(group, protocol, summary, 1, first)
        self.where[level][key] = e
        self.levels[level].append(e)

    def sections(self) -> list[tuple[str, list[list[str]]]]:
        """(title, rows of COLUMNS cells) per severity, errors first: the plain text
        and the rich tables are two views of these."""
        out = []
        for level, label in _LABELS:
            items = self.levels[level]
            if not items:
                continue
            # format_str: a comment's text (tshark prints it raw, CR and LF too) never
            # reaches the terminal unescaped (README); other summaries are escaped already.
            out.append((f"{label} ({sum(e.frequency for e in items)})",
                        [[str(e.frequency), GROUP_NAMES.get(e.group, f"Unknown ({e.group})"),
                          e.protocol, format_str(e.summary)] for e in items]))
        return out

    def text(self) -> str:
        out = []
        for title, rows in self.sections():
            out.append(f"\n{title}\n=============\n")
            out.append("   Frequency      Group           Protocol  Summary\n")
            for freq, group, proto, summary in rows:
                out.append(f"{freq:>12s} {group:>10s} {proto:>18s}  {summary}\n")
        return "".join(out)

    def __bool__(self) -> bool:
        return any(self.levels)


def _short_name(proto: str) -> str:
    """pinfo->current_proto is the protocol's short name ("TCP"); we store its filter name."""
    p = REGISTRY.protocols.get(proto)
    return p.short if p is not None else proto


class ExpertTap:
    """Counts the expert notes of the packets it is given; `text()` is the report."""

    reads: frozenset[str] = frozenset()  # (pkt.expert, kept in every dissection)

    def __init__(self, arg: str, lowest: int = 0) -> None:
        _level, flt = parse_expert_arg(arg)
        self.lowest = lowest
        self.filter = flt
        self.match: Callable[[Packet], bool] | None = None
        if flt is not None:
            from filters import FilterError, compile_filter

            try:
                self.match = compile_filter(flt).match
            except FilterError as e:
                raise ExpertArgError(
                    f'Expert tap error (Filter "{flt}" is invalid - {e.message})!') from None
        self.theirs = _Table()
        self.ours = _Table()

    def packet(self, pkt: Packet) -> None:
        if not pkt.expert or (self.match is not None and not self.match(pkt)):
            return
        for e in pkt.expert:
            if e.quoted:
                continue
            level = _LEVEL.get(e.severity, 0)
            if level < self.lowest:
                continue
            table = self.ours if e.ours else self.theirs
            table.add(level, GROUP_CODES.get(e.group, 0), _short_name(e.protocol), e.text,
                      pkt.frame.number)

    def ours_text(self) -> str:
        """Our own notes under their own title ("" when there are none)."""
        if not self.ours:
            return ""
        return f"\n{OUR_TITLE}\n{'=' * len(OUR_TITLE)}\n" + self.ours.text()

    def text(self) -> str:
        """tshark's report for its notes, then ours under their own title."""
        return self.theirs.text() + self.ours_text()


def build_taps(args: list[str]) -> list[ExpertTap]:
    """One tap per `-z expert...` (options.py already rejected any other -z value).

    tshark keeps the level in one global: the last level given applies to every
    expert tap, including those given without one.
    """
    args = [a for a in args if is_expert_arg(a)]
    lowest = 0
    for a in args:
        level = parse_expert_arg(a)[0]
        if level is not None:
            lowest = level
    return [ExpertTap(a, lowest) for a in args]


def report(taps: list[ExpertTap]) -> str:
    """All taps' text: tshark's sections (last tap first, as tshark draws them), then
    our own notes' sections in the same order."""
    order = taps[::-1]
    return "".join(t.theirs.text() for t in order) + "".join(t.ours_text() for t in order)


register("expert", build_taps, report, ("expert",))
