"""`-z io,stat,INTERVAL[,FILTER...]`: tshark 4.0's I/O statistics (frames and bytes).

The layout is tshark's `ui/cli/tap-iostat.c` reproduced from its output, quirks included
(the whole-second duration printed as "4. 21658", the last row ending in "Dur"). Times
are microseconds, as tshark's. Only plain filter columns are done: the calculated
columns (COUNT/SUM/MIN/MAX/AVG/LOAD of a field) are not. Like tshark's taps, this sees
every dissected packet whatever `-Y` keeps.
"""

from __future__ import annotations

from collections.abc import Callable

from analyzer.taps import TapArgError, register
from dissectors.packet import Packet

_CALCS = ("FRAMES", "BYTES", "COUNT", "SUM", "MIN", "MAX", "AVG", "LOAD")


def _magnitude(val: int, max_w: int) -> int:
    mag = 0
    for _ in range(max_w):
        mag += 1
        val //= 10
        if val == 0:
            break
    return mag


def _printcenter(label: str, lenval: int, numpad: int = 1) -> str:
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


class IoStatTap:
    """Frames and bytes per interval, one column per filter."""

    def __init__(self, arg: str) -> None:
        rest = arg[len("io,stat,"):]
        invl_s, _, flts = rest.partition(",")
        try:
            value = float(invl_s)
        except ValueError:
            raise TapArgError('tshark: invalid "-z io,stat,<interval>[,<filter>]" argument'
                              ) from None
        if value < 0:
            raise TapArgError('tshark: "-z" interval must be >=0 seconds(0).')
        interval = int(value * 1_000_000)
        if value > 0 and interval == 0:
            raise TapArgError('tshark: "-z" interval must be >=0.000001 seconds or "0" for '
                              "the entire capture duration.")
        self.interval = interval if interval else None  # None: the whole capture
        prec = 6
        if interval:
            i = 10
            while i < 10_000_000:
                if interval % i:
                    break
                prec -= 1
                i *= 10
        self.prec = prec
        self.filters: list[str | None] = [f or None for f in flts.split(",")] if flts \
            else [None]
        self.matches: list[Callable[[Packet], bool] | None] = []
        for f in self.filters:
            if f and f.split("(")[0] in _CALCS:
                raise TapArgError(f'labshark: "{f}": calculated io,stat columns are not '
                                  "supported")
            self.matches.append(self._compile(f))
        self.buckets: list[dict[int, list[int]]] = [{} for _ in self.filters]
        self.elapsed_ns = 0

    @staticmethod
    def _compile(flt: str | None) -> Callable[[Packet], bool] | None:
        if not flt:
            return None
        from filters import FilterError, compile_filter

        try:
            return compile_filter(flt).match
        except FilterError as e:
            raise TapArgError(f"tshark: Couldn't register io,stat tap: {e.message}") from None

    def packet(self, pkt: Packet) -> None:
        rel = pkt.rel_ns
        if rel > self.elapsed_ns:
            self.elapsed_ns = rel
        us = (rel // 1_000_000_000) * 1_000_000 + ((rel % 1_000_000_000) + 500) // 1000
        for match, buckets in zip(self.matches, self.buckets, strict=True):
            if match is not None and not match(pkt):
                continue
            key = us // self.interval if self.interval else 0
            b = buckets.get(key)
            if b is None:
                b = buckets[key] = [0, 0]
            b[0] += 1
            b[1] += pkt.frame.origlen

    def _geometry(self) -> tuple[int, ...]:
        """The table's duration, interval and rounding, as tshark computes them."""
        el = self.elapsed_ns
        duration = (el // 1_000_000_000) * 1_000_000 + ((el % 1_000_000_000) + 500) // 1000
        whole = self.interval is None or self.interval > duration
        interval = duration if whole else self.interval
        assert interval is not None
        dur_secs_orig, dur_usecs_orig = duration // 1_000_000, duration % 1_000_000
        dur_secs = dur_secs_orig
        dur_mag = _magnitude(dur_secs, 5)
        invl_mag = _magnitude(interval // 1_000_000, 5)
        if whole:
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

        if interval:
            num_rows = duration // interval + (1 if duration % interval else 0)
        else:
            num_rows = 1
        num_rows = max(num_rows, 1)
        return (duration, interval, num_rows, invl_prec, dv, dur_mag, dur_secs, dur_secs_orig,
                dur_usecs_orig, borderlen, invl_col_w)

    def rows(self) -> tuple[list[tuple[float, float]], list[list[int]]]:
        """The table's intervals (start, end in seconds) and each column's frames per row.

        The numbers text() prints, for --plot.
        """
        duration, interval, num_rows = self._geometry()[:3]
        spans = []
        for i in range(num_rows):
            start = i * interval
            end = duration if i == num_rows - 1 else start + interval
            spans.append((start / 1e6, end / 1e6))
        frames = [[buckets.get(i, (0, 0))[0] for i in range(num_rows)]
                  for buckets in self.buckets]
        return spans, frames

    def text(self) -> str:  # noqa: C901 - one table, drawn as tshark draws it
        (duration, interval, num_rows, invl_prec, dv, dur_mag, dur_secs, dur_secs_orig,
         dur_usecs_orig, borderlen, invl_col_w) = self._geometry()
        cols = []
        tabrow_w = invl_col_w
        for buckets in self.buckets:
            fr = max(6, _magnitude(max((b[0] for b in buckets.values()), default=0), 15))
            val = max(5, _magnitude(max((b[1] for b in buckets.values()), default=0), 15))
            cols.append((fr, val))
            tabrow_w += fr + 3 + val + 3
        borderlen = max(borderlen, tabrow_w)
        maxfltr_w = max((len(f) + 11) if f else 26 for f in self.filters)
        if maxfltr_w > borderlen and borderlen < 102:
            borderlen = min(maxfltr_w, 102)
        if borderlen - tabrow_w == 1:
            borderlen += 1

        def line(content: str) -> str:
            return content + " " * (borderlen - len(content) - 1) + "|\n"

        out = ["\n", "=" * borderlen, "\n", line("| IO Statistics"), line("|")]
        if invl_prec == 0:
            out.append(line(f"| Duration: {dur_secs_orig:{dur_mag}d}.{dur_usecs_orig:6d} secs"))
            out.append(line(f"| Interval: {interval // 1_000_000:{dur_mag}d} secs"))
        else:
            w = dur_mag
            out.append(line(f"| Duration: {dur_secs:{w}d}.{(duration % 1_000_000) // dv:0{invl_prec}d}"
                            " secs"))
            out.append(line(f"| Interval: {interval // 1_000_000:{w}d}."
                            f"{(interval % 1_000_000) // dv:0{invl_prec}d} secs"))
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
        for j, (fr, val) in enumerate(cols):
            row += f"{j + 1:<2d}" + " " * (fr + val + 3) + "|"
        out.append(row + filler + "\n")
        row = "| Interval" + " " * (invl_col_w - 11) + "|"
        for fr, val in cols:
            row += _printcenter("Frames", fr) + _printcenter("Bytes", val)
        out.append(row + filler + "\n")
        out.append("|-" + "-" * (tabrow_w - 3) + "|" + filler + "\n")
        t = 0
        for i in range(num_rows):
            last = i == num_rows - 1
            end = duration if last else t + interval
            if invl_prec == 0:
                lead = "|  " if dur_mag == 1 else "| "
                if last:
                    maxw = dur_mag + 1 if dur_mag >= 3 else 3
                    row = f"{lead}{t // 1_000_000:{dur_mag}d} <> {'Dur':<{maxw}s}|"
                else:
                    row = f"{lead}{t // 1_000_000:{dur_mag}d} <> {end // 1_000_000:{dur_mag}d}  |"
            else:
                row = (f"| {t // 1_000_000:{dur_mag}d}.{(t % 1_000_000) // dv:0{invl_prec}d} <> "
                       f"{end // 1_000_000:{dur_mag}d}.{(end % 1_000_000) // dv:0{invl_prec}d} |")
            for (fr, val), buckets in zip(cols, self.buckets, strict=True):
                frames, size = buckets.get(i, (0, 0))
                row += f" {frames:{fr}d} | {size:{val}d} |"
            out.append(row + filler + "\n")
            t += interval
        out.append("=" * borderlen + "\n")
        return "".join(out)


def build_taps(args: list[str]) -> list[IoStatTap]:
    return [IoStatTap(a) for a in args]


def report(taps: list[IoStatTap]) -> str:
    """tshark draws the last registered tap first."""
    return "".join(t.text() for t in reversed(taps))


register("io,stat,", build_taps, report)


class PlotError(Exception):
    """The image could not be drawn or written: one line for the user."""


PLOT_SIZE_IN = (8.0, 4.5)
PLOT_DPI = 100


def plot_tap(taps: list, out_path: str) -> IoStatTap:
    """The io,stat tap --plot draws: the first -z io,stat one, else a hidden `io,stat,1`.

    `taps` is analyzer.taps.build_taps's list, extended in place with the hidden tap.
    """
    from analyzer.options import UsageError
    from analyzer.taps import TapKind

    if not out_path.lower().endswith((".png", ".svg")):
        raise UsageError(f'--plot "{out_path}": the file name must end in .png or .svg')
    for _, group in taps:
        for tap in group:
            if isinstance(tap, IoStatTap):
                return tap
    tap = IoStatTap("io,stat,1")
    taps.append((TapKind("io,stat,", build_taps, lambda _g: ""), [tap]))
    return tap


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
            label = f"Col {j + 1}: {flt or 'all frames'}"
            # the last interval's step is drawn up to its end
            ax.plot([*starts, spans[-1][1]], [*col, col[-1]], marker="o", markersize=3,
                    markevery=list(range(len(col))), drawstyle="steps-post", label=label)
        step = (spans[0][1] - spans[0][0]) if spans else 0
        ax.set_title(f"I/O graph: frames per {step:g} s" if step else "I/O graph: frames")
        ax.set_xlabel("Time since first frame (s)")
        ax.set_ylabel("Frames")
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        ax.legend(loc="best", fontsize="small")
        fig.tight_layout()
        fmt = "svg" if out_path.lower().endswith(".svg") else "png"
        fig.savefig(out_path, format=fmt, dpi=PLOT_DPI)
    except OSError as e:
        raise PlotError(f'--plot "{out_path}": {e.strerror or e}') from None
    finally:
        plt.close(fig)
