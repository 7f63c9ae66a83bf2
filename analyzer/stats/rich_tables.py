"""`-z` statistics as rich tables on a terminal; tshark's exact plain text otherwise.

Each kind keeps one source of truth, its plain report (analyzer/stats/taps.py): the tables
here are parsed from that text, so a table shows exactly the plain numbers (the
stats_tree kinds give their table from the very rows their text is made of). Kinds
without a table (io,phs, follow) and any text that does not parse as expected are
printed plain. Tables only when stdout is a terminal (or `--color always`), never
with `--color never` or NO_COLOR, so pipes, golden files and scripts get tshark's text.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, TextIO

from analyzer.stats.taps import report

if TYPE_CHECKING:
    from analyzer.job import Job

_BAR = re.compile(r"^=+$")
_CONV_ROW = re.compile(r"^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+(\S+ \S+)\s+(\d+)\s+(\S+ \S+)\s+"
                       r"(\d+)\s+(\S+ \S+)\s+(\S+)\s+(\S+)\s*$")
_CONV_COLS = ("Address A", "Address B", "<- Frames", "<- Bytes", "-> Frames", "-> Bytes",
              "Frames", "Bytes", "Rel Start", "Duration")
_EXPERT_TITLE = re.compile(r"^(\S.*) \((\d+)\)$")
_NUMERIC = re.compile(r"^[\d,]+(\.\d+)?( (bytes|kB|MB|GB))?$")


class _Unparsed(Exception):
    """The plain text is not in the layout a table expects: print it plain."""


def _table(title: str | None, columns: list[str] | tuple[str, ...], rows: list[list[str]],
           caption: str | None = None) -> Any:
    from rich.table import Table
    from rich.text import Text

    # Cells hold packet text (expert summaries): Text objects, so `[...]` is never taken
    # for rich markup; the text itself comes escaped (dissectors/escape.py).
    t = Table(title=None if title is None else Text(title),
              caption=None if caption is None else Text(caption), header_style="bold",
              title_style="bold")
    for i, c in enumerate(columns):
        cells = [r[i] for r in rows if i < len(r)]
        numeric = bool(cells) and all(_NUMERIC.match(v or "0") for v in cells)
        # Numbers and addresses are never cut or wrapped; only free text (summaries) wraps.
        short = numeric or all(" " not in v.strip() for v in cells)
        t.add_column(c, justify="right" if numeric else "left", no_wrap=short,
                     min_width=max((len(v) for v in cells), default=0) if short else None)
    for r in rows:
        if len(r) != len(columns):
            raise _Unparsed(r)
        t.add_row(*(Text(v) for v in r))
    return t


def _conv_endpoints(text: str) -> list[Any]:
    """Sections of `=====`, a title, `Filter:`, one or two `|` header lines, then rows."""
    out: list[Any] = []
    for block in re.split(r"^=+\n", text, flags=re.M):
        lines = [ln for ln in block.split("\n") if ln.strip()]
        if not lines:
            continue
        if len(lines) < 3 or not lines[1].startswith("Filter:"):
            raise _Unparsed(block)
        title, caption = lines[0], lines[1]
        heads = [ln for ln in lines[2:4] if ln.lstrip().startswith("|")]
        body = lines[2 + len(heads):]
        if "Conversations" in title:
            rows = []
            for ln in body:
                m = _CONV_ROW.match(ln)
                if m is None:
                    raise _Unparsed(ln)
                rows.append(list(m.groups()))
            out.append(_table(title, _CONV_COLS, rows, caption))
        else:
            names = ["Address"] + [c.strip() for c in heads[0].split("|") if c.strip()]
            out.append(_table(title, names, [ln.split() for ln in body], caption))
    return out


def _io_stat(text: str) -> list[Any]:
    """The `|`-bordered table: header notes, a column-group row, a header row, rows."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    inner = [ln for ln in lines if ln.startswith("|")]
    seps = [i for i, ln in enumerate(inner) if set(ln) <= {"|", "-"}]
    if len(seps) < 2:
        raise _Unparsed(text)
    notes = [ln.strip("|").strip() for ln in inner[:seps[0]]]
    title = notes[0] if notes else "IO Statistics"
    caption = "\n".join(n for n in notes[1:] if n)
    groups_row, head_row = inner[seps[0] + 1], inner[seps[0] + 2]
    heads = [c.strip() for c in head_row.strip("|").split("|")]
    groups = [c.strip() for c in groups_row.strip("|").split("|")]
    # The group row spans several header cells each: label each header by its group.
    names, gi, left, label = [], 0, 0, ""
    spans = [len(c) for c in groups_row.strip("|").split("|")]
    widths = [len(c) for c in head_row.strip("|").split("|")]
    for h, w in zip(heads, widths, strict=False):
        if left <= 0 and gi < len(spans):
            left, label = spans[gi], groups[gi]
            gi += 1
        names.append(f"{label} {h}".strip() if label else h)
        left -= w + 1
    rows = [[c.strip() for c in ln.strip("|").split("|")] for ln in inner[seps[1] + 1:]]
    return [_table(title, names, rows, caption)]


def _expert(text: str) -> list[Any]:
    """Per severity: `Label (N)`, `=====`, the header, then fixed-layout rows."""
    from rich.text import Text

    from analyzer.stats.expert import GROUP_NAMES

    groups = sorted(GROUP_NAMES.values(), key=len, reverse=True)
    out: list[Any] = []
    title: str | None = None
    rows: list[list[str]] = []

    def flush() -> None:
        nonlocal rows
        if title is not None:
            out.append(_table(title, ("Frequency", "Group", "Protocol", "Summary"), rows))
        rows = []

    for ln in text.split("\n"):  # not at U+2028 (printable packet text)
        if not ln.strip() or _BAR.match(ln) or ln.startswith("   Frequency"):
            continue
        m = _EXPERT_TITLE.match(ln)
        if m is not None:
            flush()
            title = ln
            continue
        head, rest = ln[:12], ln[13:].lstrip()
        group = next((g for g in groups if rest.startswith(g + " ")), None)
        if not head.strip().isdigit() or group is None or title is None:
            flush()  # another section's heading (our own notes' title): print as is
            title = None
            out.append(Text(ln, style="bold"))
            continue
        proto, _, summary = rest[len(group):].lstrip().partition("  ")
        rows.append([head.strip(), group, proto, summary])
    flush()
    return out


def _stats_trees(group: list[Any]) -> list[Any]:
    """stats_tree kinds: a table each, from the same rows as their plain text."""
    from rich.markup import escape

    from analyzer.stats.tree import COLUMNS, StatsTreeTap, rows

    if not all(isinstance(t, StatsTreeTap) for t in group):
        raise _Unparsed(group)
    out = []
    for tap in reversed(group):
        body = [[escape(" " * depth + cells[0]), *cells[1:]]  # names are packet text
                for depth, cells in rows(tap.tree)]
        out.append(_table(tap.kind.title, ("Topic / Item", *COLUMNS), body,
                          f"Filter: {tap.filter}" if tap.filter else None))
    return out


_PARSERS = {"conv,": _conv_endpoints, "endpoints,": _conv_endpoints, "io,stat,": _io_stat,
            "expert": _expert}


def rich_report(taps: list[tuple[Any, list[Any]]]) -> list[Any]:
    """Renderables for every kind (tshark's order: last registered first)."""
    from rich.text import Text

    out: list[Any] = []
    for kind, group in reversed(taps):
        text = kind.report(group)
        if not text.strip():
            continue  # e.g. a hidden tap (--plot) prints nothing
        parse = _PARSERS.get(kind.prefix)
        try:
            if kind.prefix.endswith(",tree"):
                out.extend(_stats_trees(group))
                continue
            if parse is None:
                raise _Unparsed(kind.prefix)
            out.extend(parse(text))
        except (_Unparsed, IndexError, ValueError):
            out.append(Text(text.rstrip("\n")))
    return out


def write_report(taps: list[tuple[Any, list[Any]]], opts: Job, out: TextIO) -> None:
    """Tables on a terminal (or with --color always), tshark's plain text otherwise."""
    from analyzer.output.text import use_color

    if getattr(opts, "output", "text") != "text" or not use_color(opts.color, out):
        out.write(report(taps))
        return
    from rich.console import Console

    forced = opts.color == "always"
    # A real terminal gives its width; a forced one (a pipe) gets room for whole rows.
    width = None if out.isatty() else 200
    console = Console(file=out, highlight=False, force_terminal=True if forced else None,
                      no_color=False if forced else None, width=width)
    for item in rich_report(taps):
        console.print(item)


__all__ = ["rich_report", "write_report"]
