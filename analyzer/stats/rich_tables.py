"""`-z` statistics as rich tables on a terminal; tshark's exact plain text otherwise.

Each kind keeps one source of truth: the stats_tree kinds, conv, endpoints and
expert give their table from the very rows their plain text is made of (`rows()`,
`sections()`), as do the kinds with a `rich_rows()` method (io,stat, dhcp,stat,
credentials, tcp,rtt, tcp,graph), so a table shows exactly the plain numbers and no
text is parsed back. Kinds without a table (io,phs, follow) are printed plain. Tables only when stdout is a terminal (or `--color always`), never
with `--color never` or NO_COLOR, so pipes, golden files and scripts get tshark's text.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, TextIO

from analyzer.stats.taps import report

if TYPE_CHECKING:
    from analyzer.job import Job

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


def _conv_endpoints(group: list[Any]) -> list[Any]:
    """conv and endpoints: a table each, from the same rows as their plain text."""
    from analyzer.stats.conv import ConvTap, EndpointsTap

    if not all(isinstance(t, (ConvTap, EndpointsTap)) for t in group):
        raise _Unparsed(group)
    return [_table(tap.title, tap.columns, tap.rows(), tap.caption) for tap in reversed(group)]


def _expert(group: list[Any]) -> list[Any]:
    """Per severity a table, from the same rows as the plain text (tshark's sections of
    every tap, last tap first, then our own notes' under their bold title)."""
    from rich.text import Text

    from analyzer.stats.expert import COLUMNS, OUR_TITLE, ExpertTap

    if not all(isinstance(t, ExpertTap) for t in group):
        raise _Unparsed(group)
    out: list[Any] = []
    order = group[::-1]
    for tap in order:
        out.extend(_table(title, COLUMNS, rows) for title, rows in tap.theirs.sections())
    for tap in order:
        if tap.ours:
            out.append(Text(OUR_TITLE, style="bold"))
            out.extend(_table(title, COLUMNS, rows) for title, rows in tap.ours.sections())
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


#: Kinds whose taps give their rows: the table is made from them, never parsed.
_FROM_ROWS = {"conv,": _conv_endpoints, "endpoints,": _conv_endpoints, "expert": _expert}


def rich_report(taps: list[tuple[Any, list[Any]]]) -> list[Any]:
    """Renderables for every kind (tshark's order: last registered first)."""
    from rich.text import Text

    out: list[Any] = []
    for kind, group in reversed(taps):
        text = kind.report(group)
        if not text.strip():
            continue  # e.g. a hidden tap (--plot) prints nothing
        try:
            if group and all(hasattr(t, "rich_rows") for t in group):
                # kinds that keep rows: the table is drawn from the rows their text is
                for t in reversed(group):
                    out.extend(_table(*spec) for spec in t.rich_rows())
                continue
            if kind.prefix.endswith(",tree"):
                out.extend(_stats_trees(group))
                continue
            if kind.prefix in _FROM_ROWS:
                out.extend(_FROM_ROWS[kind.prefix](group))
                continue
            raise _Unparsed(kind.prefix)
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
