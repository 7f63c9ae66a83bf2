"""`-z io,stat,INTERVAL[,FILTER...]`: tshark 4.0's I/O statistics (frames and bytes).

The layout is tshark's `ui/cli/tap-iostat.c` reproduced from its output, quirks included
(the whole-second duration printed as "4. 21658", the last row ending in "Dur"). Times
are microseconds, as tshark's. Columns are plain filters or calculated ones
(FRAMES/BYTES/COUNT/SUM/MIN/MAX/AVG/LOAD of a field, analyzer/stats/io_calc.py). Like
tshark's taps, this sees every dissected packet whatever `-Y` keeps.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from analyzer.stats.io_calc import (
    FRAMES_AND_BYTES,
    WHOLE,
    CalcError,
    Column,
    field_refs,
    magnitude,
    parse_column,
)
from analyzer.stats.taps import register
from dissectors.packet import Packet

if TYPE_CHECKING:
    from filters import CompiledFilter

_magnitude = magnitude

#: What C's sscanf("%lf") takes as a number (the common forms).
_C_DOUBLE = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_BAD_ARG = 'invalid "-z io,stat,<interval>[,<filter>][,<filter>]..." argument'


class IoStatTap:
    """One row per interval, one column per filter or calculation (Column)."""

    tshark_tree = True  # (tshark's listener needs the protocol tree: setup.tshark_builds_tree)
    def __init__(self, arg: str) -> None:
        rest = arg[len("io,stat,"):]
        m = _C_DOUBLE.match(rest)
        if arg.endswith(",") or m is None or rest[m.end():m.end() + 1] not in ("", ","):
            raise _arg_error(_BAD_ARG, 1)
        invl_s, flts = m.group(), rest[m.end() + 1:]
        value = float(invl_s)
        # tshark: (guint64)(value * 1e6 + 0.5); a negative double converts to a huge
        # number on x86-64 (the whole capture), one in (-1, 1) to 0 (refused), and so
        # does one past 2**64 (1e400 is infinite: refused, not an OverflowError)
        scaled = value * 1_000_000.0 + 0.5
        if value == 0 or scaled <= -1:
            interval = 0
        elif scaled < 1 or scaled >= 2.0**64:
            raise _arg_error('"-z" interval must be >=0.000001 seconds or "0" for the entire '
                              "capture duration.")
        else:
            interval = int(scaled)
        self.interval = interval if interval else None  # None: the whole capture
        prec = 6
        if interval:
            i = 10
            while i < 10_000_000:
                if interval % i:
                    break
                prec -= 1
                i *= 10
            if prec == 0 and "." in invl_s:  # "1.00": as many decimals as written
                decimals = len(invl_s) - invl_s.index(".") - 1
                prec = min(decimals, 6) if decimals else 0
        self.prec = prec
        self.filters: list[str | None] = [f or None for f in flts.split(",")] if flts \
            else [None]
        self.columns: list[Column] = []
        self.refs: set[str] = set()  # fields this tap's filters name
        # what a tree-less dissection must make for it (None: its filters walk the tree)
        self.reads: frozenset[str] | None = frozenset()
        for f in self.filters:
            try:
                calc, field, flt = parse_column(f)
            except CalcError as e:
                raise _arg_error(str(e)) from None
            compiled = self._compile(flt)
            if compiled is not None:
                self.refs |= field_refs(compiled.tree)
                self.reads = None if self.reads is None or compiled.fields is None \
                    else self.reads | compiled.fields
            if field is not None and self.reads is not None:
                self.reads |= {field.abbrev}
            self.columns.append(Column(f, compiled.match if compiled else None, calc, field))
        self.elapsed_ns = 0

    def prime(self, refs: set[str]) -> None:
        """Fields named by the run's filters: the only ones whose values tshark sees."""
        for col in self.columns:
            col.primed = col.abbrev in refs

    @staticmethod
    def _compile(flt: str | None) -> CompiledFilter | None:
        if not flt:
            return None
        from filters import FilterError, compile_filter

        try:
            return compile_filter(flt)
        except FilterError as e:
            raise _arg_error(f"Couldn't register io,stat tap: Filter \"{flt}\" is invalid - "
                             f"{e.message}", 1) from None

    def packet(self, pkt: Packet) -> None:
        rel = pkt.rel_ns
        if rel > self.elapsed_ns:
            self.elapsed_ns = rel
        us = (rel // 1_000_000_000) * 1_000_000 + ((rel % 1_000_000_000) + 500) // 1000
        interval = self.interval or WHOLE
        if us // interval >= MAX_ROWS:  # tshark allocates them all and dies; we say why
            raise _arg_error(
                f"io,stat: frame {pkt.frame.number} is {us // 1_000_000} s after the first "
                f"frame: more than {MAX_ROWS} intervals of {interval / 1e6:g} s; use a "
                "longer interval (0: the whole capture)", 2)
        for col in self.columns:
            if col.match is not None and not col.match(pkt):
                continue
            try:
                col.packet(pkt, us, interval)
            except CalcError as e:
                raise _arg_error(str(e)) from None

    def _geometry(self) -> tuple[int, ...]:
        """The table's duration, interval and rounding, as tshark computes them."""
        el = self.elapsed_ns
        duration = (el // 1_000_000_000) * 1_000_000 + ((el % 1_000_000_000) + 500) // 1000
        # tshark clamps a longer interval to the capture (and keeps the duration after
        # rounding), but picks the precision of the whole capture whenever the two are
        # equal, an interval of exactly the capture's length included
        whole = self.interval is None or self.interval > duration
        interval = duration if whole else self.interval
        assert interval is not None
        dur_secs_orig, dur_usecs_orig = duration // 1_000_000, duration % 1_000_000
        dur_secs = dur_secs_orig
        dur_mag = _magnitude(dur_secs, 5)
        invl_mag = _magnitude(interval // 1_000_000, 5)
        if interval == duration:
            invl_prec = 1 if dur_mag >= 2 else 3 if dur_mag == 1 else 6
            borderlen = 30 + dur_mag + (invl_prec + 1 if invl_prec else 0)
        else:
            invl_prec = self.prec
            borderlen = 25 + max(invl_mag, dur_mag) + (invl_prec + 1 if invl_prec else 0)
        dv = 1_000_000 // 10 ** invl_prec
        if duration % dv > 5 * (dv // 10):
            duration += 5 * (dv // 10)
            duration = (duration // dv) * dv
            dur_secs = duration // 1_000_000
            dur_mag = _magnitude(dur_secs, 5)
        if whole:
            interval = duration
        if invl_prec == 0:
            invl_col_w = 2 * dur_mag + 8
        else:
            invl_col_w = 2 * dur_mag + 2 * invl_prec + 10
        invl_col_w = max(invl_col_w, 12)
        borderlen = max(borderlen, invl_col_w)

        if interval and duration:
            num_rows = duration // interval + (1 if duration % interval else 0)
        else:
            num_rows = 0  # tshark: no row for a capture of no duration
        return (duration, interval, num_rows, invl_prec, dv, dur_mag, dur_secs, dur_secs_orig,
                dur_usecs_orig, borderlen, invl_col_w)

    def rows(self) -> tuple[list[tuple[float, float]], list[list[int]]]:
        """The table's intervals (start, end in seconds) and each column's frames per row
        (for a calculated column: the frames its filter kept, not the computed value).

        The numbers text() prints, for --plot.
        """
        duration, interval, num_rows = self._geometry()[:3]
        spans = []
        for i in range(num_rows):
            start = i * interval
            end = duration if i == num_rows - 1 else start + interval
            spans.append((start / 1e6, end / 1e6))
        return spans, [col.frames_per_row(num_rows) for col in self.columns]

    @staticmethod
    def _times(duration: int, interval: int, invl_prec: int, dv: int, dur_mag: int,
               dur_secs: int, dur_secs_orig: int, dur_usecs_orig: int
               ) -> list[tuple[str, int]]:
        """The Duration and Interval notes, each with the seconds tshark pads it for."""
        if invl_prec == 0:
            return [(f"| Duration: {dur_secs_orig:{dur_mag}d}.{dur_usecs_orig:6d} secs",
                     dur_secs_orig),
                    (f"| Interval: {interval // 1_000_000:{dur_mag}d} secs",
                     interval // 1_000_000)]
        w = dur_mag
        return [(f"| Duration: {dur_secs:{w}d}.{(duration % 1_000_000) // dv:0{invl_prec}d}"
                 " secs", dur_secs),
                (f"| Interval: {interval // 1_000_000:{w}d}."
                 f"{(interval % 1_000_000) // dv:0{invl_prec}d} secs", interval // 1_000_000)]

    def _grid(self, duration: int, interval: int, num_rows: int, invl_prec: int, dv: int,
              dur_mag: int) -> list[tuple[str, list[str]]]:
        """Each row as drawn: its interval cell and its columns' cells (the columns laid
        out first); the plain table and the terminal table are both made of these."""
        rows: list[tuple[str, list[str]]] = []
        t = 0
        fpu = [0.0]
        for i in range(num_rows):
            last = i == num_rows - 1
            end = duration if last else t + interval
            if invl_prec == 0:
                lead = "|  " if dur_mag == 1 else "| "
                if last:
                    fpu[0] = 0.0  # printf's "%s" (strlen) clears the float register
                    maxw = dur_mag + 1 if dur_mag >= 3 else 3
                    row = f"{lead}{t // 1_000_000:{dur_mag}d} <> {'Dur':<{maxw}s}|"
                else:
                    row = (f"{lead}{t // 1_000_000:{dur_mag}d} <> {end // 1_000_000:{dur_mag}d}"
                           f"{lead[1:]}|")
            else:
                row = (f"| {t // 1_000_000:{dur_mag}d}.{(t % 1_000_000) // dv:0{invl_prec}d} <> "
                       f"{end // 1_000_000:{dur_mag}d}.{(end % 1_000_000) // dv:0{invl_prec}d} |")
            rows.append((row, [col.cell(i, interval, end - t, last, fpu)
                               for col in self.columns]))
            t += interval
        return rows

    def rich_rows(self) -> list[tuple]:
        """(title, columns, rows, caption) of the terminal table (rich_tables.py), from
        the same notes, heads and cells as text()."""
        (duration, interval, num_rows, invl_prec, dv, dur_mag, dur_secs, dur_secs_orig,
         dur_usecs_orig) = self._geometry()[:9]
        for col in self.columns:
            col.layout(interval)
        names = ["Interval"]
        for j, col in enumerate(self.columns):
            names += [f"{j + 1} {h.strip()}" for h in col.label_head().split("|")[:-1]]
        rows = [[lead.strip("|").strip(), *(c.strip() for cell in cells
                                             for c in cell.split("|")[:-1])]
                for lead, cells in self._grid(duration, interval, num_rows, invl_prec, dv,
                                              dur_mag)]
        notes = [c.lstrip("| ") for c, _ in self._times(
            duration, interval, invl_prec, dv, dur_mag, dur_secs, dur_secs_orig,
            dur_usecs_orig)]
        notes += [f"Col {j + 1}: {f or 'Frames and bytes'}" for j, f in enumerate(self.filters)]
        return [("IO Statistics", names, rows, "\n".join(notes))]

    def text(self) -> str:  # noqa: C901 - one table, drawn as tshark draws it
        (duration, interval, num_rows, invl_prec, dv, dur_mag, dur_secs, dur_secs_orig,
         dur_usecs_orig, borderlen, invl_col_w) = self._geometry()
        tabrow_w = invl_col_w
        for col in self.columns:
            col.layout(interval)
            tabrow_w += col.width
        borderlen = max(borderlen, tabrow_w)
        maxfltr_w = max((len(f) + 11) if f else 26 for f in self.filters)
        if maxfltr_w > borderlen and borderlen < 102:
            borderlen = min(maxfltr_w, 102)
        if borderlen - tabrow_w == 1:
            borderlen += 1

        def line(content: str) -> str:
            return content + " " * (borderlen - len(content) - 1) + "|\n"

        def wide(content: str, secs: int) -> str:
            """tshark pads these as if `secs` had dur_mag digits: more digits overflow."""
            return line(content)[:-2] + " " * max(0, len(str(secs)) - dur_mag) + "|\n"

        out = ["\n", "=" * borderlen, "\n", line("| IO Statistics"), line("|")]
        for content, secs in self._times(duration, interval, invl_prec, dv, dur_mag, dur_secs,
                                         dur_secs_orig, dur_usecs_orig):
            out.append(wide(content, secs))
        out.append(line("|"))
        for j, f in enumerate(self.filters):
            head = f"| Col{j + 1:2d}: " if j == 0 else f"|    {j + 1:2d}: "
            if not f:
                out.append(line(head + "Frames and bytes"))
                continue
            if len(f) + 11 <= borderlen:
                out.append(line(head + f))
                continue
            max_w = borderlen - 11
            while len(f) > max_w:
                part = f[:max_w]
                sp = part.rfind(" ")
                cut, nxt = (sp, sp + 1) if sp >= 0 else (len(part), len(part))
                out.append(line(head + part[:cut]))
                head = "|        "
                f = f[nxt:]
            out.append(line(head + f))
        out.append("|-" + "-" * (borderlen - 3) + "|\n")
        filler = "" if tabrow_w >= borderlen else " " * (borderlen - tabrow_w - 1) + "|"
        row = "|" + " " * (invl_col_w - 2) + "|"
        for j, col in enumerate(self.columns):
            row += col.number_head(j)
        out.append(row + filler + "\n")
        row = "| Interval" + " " * (invl_col_w - 11) + "|"
        for col in self.columns:
            row += col.label_head()
        out.append(row + filler + "\n")
        out.append("|-" + "-" * (tabrow_w - 3) + "|" + filler + "\n")
        for lead, cells in self._grid(duration, interval, num_rows, invl_prec, dv, dur_mag):
            out.append(lead + "".join(cells) + filler + "\n")
        out.append("=" * borderlen + "\n")
        return "".join(out)


#: More rows than anybody reads: a damaged timestamp years away must not hang the run.
MAX_ROWS = 1_000_000


def _arg_error(message: str, code: int = 10) -> Exception:
    """tshark's refusal of an io,stat argument: its words, on stderr, its exit status."""
    from analyzer.errors import AnalyzeError

    return AnalyzeError(message, code)


def build_taps(args: list[str]) -> list[IoStatTap]:
    taps = [IoStatTap(a) for a in args]
    refs = set().union(*(t.refs for t in taps))  # tshark primes every filter's fields
    for t in taps:
        t.prime(refs)
    return taps


def report(taps: list[IoStatTap]) -> str:
    """tshark draws the last registered tap first."""
    return "".join(t.text() for t in reversed(taps))


register("io,stat,", build_taps, report, ("io,stat",))


class PlotError(Exception):
    """The image could not be drawn or written: one line for the user."""


PLOT_SIZE_IN = (8.0, 4.5)
PLOT_DPI = 100


def plot_tap(taps: list, out_path: str) -> IoStatTap:
    """The io,stat tap --plot draws: the first -z io,stat one, else a hidden `io,stat,1`.

    `taps` is analyzer.stats.taps.build_taps's list, extended in place with the hidden tap.
    """
    from analyzer.errors import UsageError
    from analyzer.stats.taps import TapKind

    if not out_path.lower().endswith((".png", ".svg")):
        raise UsageError(f'--plot "{out_path}": the file name must end in .png or .svg '
                         '(or .csv: the rows of -z tcp,graph)')
    for _, group in taps:
        for tap in group:
            if isinstance(tap, IoStatTap):
                return tap
    tap = IoStatTap("io,stat,1")
    taps.append((TapKind("io,stat,", build_taps, lambda _g: ""), [tap]))
    return tap


def save_figure(fig: Any, out_path: str) -> None:
    """Write a matplotlib figure as SVG or PNG (by the name's suffix) at PLOT_DPI; a
    file that cannot be written is one --plot error line."""
    fmt = "svg" if out_path.lower().endswith(".svg") else "png"
    try:
        fig.savefig(out_path, format=fmt, dpi=PLOT_DPI)
    except OSError as e:
        raise PlotError(f'--plot "{out_path}": {e.strerror or e}') from None


def plot_io(tap: IoStatTap, out_path: str) -> None:
    """Frames per interval, one line per column, into a PNG or SVG (matplotlib, Agg)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotError("--plot needs matplotlib (pip install matplotlib)") from None
    spans, frames = tap.rows()
    starts = [a for a, _ in spans]
    fig, ax = plt.subplots(figsize=PLOT_SIZE_IN, dpi=PLOT_DPI)
    try:
        for j, (flt, col) in enumerate(zip(tap.filters, frames, strict=True)):
            if not col:
                break  # no rows: a capture of no duration
            label = f"Col {j + 1}: {flt or 'all frames'}"
            if tap.columns[j].calc != FRAMES_AND_BYTES:
                label += " (frames)"
            # the last interval's step is drawn up to its end
            ax.plot([*starts, spans[-1][1]], [*col, col[-1]], marker="o", markersize=3,
                    markevery=list(range(len(col))), drawstyle="steps-post", label=label)
        step = (spans[0][1] - spans[0][0]) if spans else 0
        ax.set_title(f"I/O graph: frames per {step:g} s" if step else "I/O graph: frames")
        ax.set_xlabel("Time since first frame (s)")
        ax.set_ylabel("Frames")
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        if spans:
            ax.legend(loc="best", fontsize="small")
        fig.tight_layout()
        save_figure(fig, out_path)
    finally:
        plt.close(fig)
