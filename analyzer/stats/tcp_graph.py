"""`-z tcp,graph,KIND[,STREAM]`: Wireshark's TCP Stream Graphs as data rows (text here,
an image with `--plot OUT.png|OUT.svg`), labshark's own statistic.

`-z tcp,graph,KIND[,STREAM[,DIRECTION]]`. The direction graphed is Wireshark 4.0's
(ui/tap-tcp-stream.c): the reverse of the stream's first segment, "the server response
is more interesting" (its sender is the first segment's destination), whichever packet
was selected. DIRECTION `switch` graphs the other one (the dialog's Switch Direction),
`ADDR:PORT` (IPv6 also `[ADDR]:PORT`) the segments that endpoint sent.
KIND is one of
  stevens     time, sequence number of each data segment (tcp.seq);
  tcptrace    each data segment as a bar seq..nxtseq, and each ACK from the receiver
              with the edge of its window (ack + tcp.window_size); its SACK blocks,
              duplicate-ACK ticks and zero-window crosses (tcptrace_rows);
  throughput  each data segment's bytes and the throughput over the segments of the
              last second up to it (bits/s; Wireshark's moving-average line);
  rtt         each ACK's round-trip time to the segment it acknowledges, by that
              segment's sequence number (tshark's tcp.analysis.ack_rtt);
  wscale      the receiver's advertised window (tcp.window_size, scaled) and the
              sender's bytes in flight, over time.
"""

from __future__ import annotations

from analyzer.stats.taps import TapArgError, register
from analyzer.stats.tcp_segments import Segment, StreamCollector

KINDS = ("stevens", "tcptrace", "throughput", "rtt", "wscale")
_HEADS = {"stevens": ("Frame", "Time", "Seq"),
          "tcptrace": ("Frame", "Time", "Kind", "Seq/Ack/SACK left",
                       "NxtSeq/Window edge/SACK right"),
          "throughput": ("Frame", "Time", "Bytes", "Throughput (bits/s)"),
          "rtt": ("Frame", "Time", "Seq", "RTT (s)"),
          "wscale": ("Frame", "Time", "Kind", "Bytes")}
_RULE = "=" * 80 + "\n"
MA_WINDOW = 1.0  # seconds of segments averaged by the throughput line


def sender(segs: list[Segment], direction: str = "") -> str | None:
    """The graphed direction's sender ("addr:port"): Wireshark's (the first segment's
    destination), the first segment's source with `switch`, or the endpoint named; None
    when the stream has no segment or no such endpoint."""
    if not segs:
        return None
    if not direction:
        return segs[0].dst
    if direction == "switch":
        return segs[0].src
    want = direction.replace("[", "").replace("]", "")
    return want if any(want in (s.src, s.dst) for s in segs) else None


def tcptrace_rows(segs: list[Segment], src: str | None) -> list[tuple[object, ...]]:
    """The tcptrace graph's marks as Wireshark 4.0's dialog computes them
    (ui/qt/tcp_stream_dialog.cpp fillTcptrace): per sent segment a `data` bar seq..nxtseq
    and a `zerowin` cross when it advertises a zero window without SYN/FIN/RST; per ACK
    from the other side its `ack` and window edge, its SACK blocks (`sack` the first,
    the most recent; `sack2` the others) and a `dupack` tick when ack and window edge
    both repeat the previous ACK's (a window update is no duplicate)."""
    rows: list[tuple[object, ...]] = []
    last: tuple[int, int] | None = None  # the previous ACK's (ack, window edge)
    for s in segs:
        if s.src == src:
            if s.length > 0:
                rows.append((s.frame, s.time, "data", s.seq, s.nxtseq))
            if s.window == 0 and not s.flags & 0x07:  # RST, SYN, FIN
                rows.append((s.frame, s.time, "zerowin", s.seq, s.seq + s.length))
        elif s.ack is not None:
            edge = s.ack + (s.window or 0)
            rows.append((s.frame, s.time, "ack", s.ack, edge))
            if last == (s.ack, edge):
                rows.append((s.frame, s.time, "dupack", s.ack, edge))
            last = (s.ack, edge)
            for i, (left, right) in enumerate(s.sacks):
                rows.append((s.frame, s.time, "sack" if i == 0 else "sack2", left, right))
    return rows


def graph_rows(kind: str, segs: list[Segment], direction: str = "") -> list[tuple[object, ...]]:
    """The rows of one graph of one stream (see the module docstring)."""
    src = sender(segs, direction)
    data = [s for s in segs if s.src == src and s.length > 0]
    back = [s for s in segs if s.src != src]
    if kind == "stevens":
        return [(s.frame, s.time, s.seq) for s in data]
    if kind == "tcptrace":
        return tcptrace_rows(segs, src)
    if kind == "throughput":
        rows = []
        for i, s in enumerate(data):
            j = i
            while j > 0 and s.time - data[j - 1].time <= MA_WINDOW:
                j -= 1
            span = s.time - data[j].time
            total = sum(d.length for d in data[j:i + 1])
            rows.append((s.frame, s.time, s.length,
                         round(total * 8 / span) if span > 0 else None))
        return rows
    if kind == "rtt":
        by_frame = {s.frame: s for s in data}
        return [(a.frame, a.time, by_frame[a.acks_frame].seq, a.ack_rtt) for a in back
                if a.ack_rtt is not None and a.acks_frame in by_frame]
    rows = []  # wscale
    for s in segs:
        if s.src != src and s.window is not None:
            rows.append((s.frame, s.time, "window", s.window))
        elif s.src == src and s.length > 0 and s.bytes_in_flight is not None:
            rows.append((s.frame, s.time, "in flight", s.bytes_in_flight))
    return rows


def _direction_ok(text: str) -> bool:
    """`switch`, or ADDR:PORT with a port number."""
    if text == "switch":
        return True
    addr, _, port = text.rpartition(":")
    return bool(addr) and port.isdigit()


def _cell(v: object) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.6f}"
    return str(v)


class GraphTap(StreamCollector):
    """One `-z tcp,graph,KIND[,STREAM]` (stream 0 when none is given)."""

    def __init__(self, arg: str) -> None:
        parts = arg.split(",")
        if (len(parts) not in (3, 4, 5) or parts[2] not in KINDS
                or (len(parts) >= 4 and not parts[3].isdigit())
                or (len(parts) == 5 and not _direction_ok(parts[4]))):
            raise TapArgError('invalid "-z tcp,graph,<stevens|tcptrace|throughput|rtt|'
                              'wscale>[,<stream>[,switch|<addr>:<port>]]" argument')
        self.kind = parts[2]
        self.direction = parts[4] if len(parts) == 5 else ""
        super().__init__(int(parts[3]) if len(parts) >= 4 else 0)

    def segments(self) -> list[Segment]:
        return self.streams.get(self.stream or 0, [])

    def rows(self) -> list[tuple[object, ...]]:
        return graph_rows(self.kind, self.segments(), self.direction)

    def title(self) -> str:
        segs = self.segments()
        src = sender(segs, self.direction)
        dst = next((s.src if s.dst == src else s.dst for s in segs
                    if src in (s.src, s.dst)), "?")
        names = {"stevens": "Stevens (sequence numbers)", "tcptrace": "tcptrace",
                 "throughput": "Throughput", "rtt": "Round trip time",
                 "wscale": "Window scaling"}
        return f"TCP {names[self.kind]}: stream {self.stream} ({src} -> {dst})"

    def missing(self) -> str | None:
        """Why there is no graph (no such stream or endpoint), or None."""
        segs = self.segments()
        if not segs:
            return f"no TCP stream {self.stream}"
        if sender(segs, self.direction) is None:
            return f"TCP stream {self.stream} has no endpoint {self.direction}"
        return None

    def rich_rows(self) -> list[tuple]:
        """(title, columns, rows, caption) of the terminal table (rich_tables.py)."""
        if self.missing():
            raise ValueError("no graph: the plain text says why")
        return [(self.title(), _HEADS[self.kind],
                 [[_cell(v) for v in r] for r in self.rows()], None)]

    def text(self) -> str:
        head = _HEADS[self.kind]
        why = self.missing()
        if why:
            return f"{_RULE}TCP graph: {why}\n{_RULE}"
        table = [list(head)] + [[_cell(v) for v in r] for r in self.rows()]
        widths = [max(len(r[j]) for r in table) for j in range(len(head))]
        lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) + "\n"
                 for r in table]
        return _RULE + self.title() + "\n" + "".join(lines) + _RULE

    def draw(self, out_path: str) -> None:
        """The graph as a PNG or SVG (matplotlib, Agg), the size --plot states; with a
        .csv name its rows as CSV (write_csv)."""
        if out_path.lower().endswith(".csv"):
            self.write_csv(out_path)
            return
        from analyzer.stats.tcp_graph_plot import draw_graph

        draw_graph(self, out_path)

    def write_csv(self, out_path: str) -> None:
        """The text table's columns and rows as CSV (RFC 4180, a header line; a missing
        value is an empty cell), for a spreadsheet or pandas: nothing is written when
        there is no such stream (the text says why)."""
        import csv

        from analyzer.stats.io_stat import PlotError

        if self.missing():
            return
        try:
            with open(out_path, "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(_HEADS[self.kind])
                w.writerows(["" if v is None else _cell(v) for v in r] for r in self.rows())
        except OSError as e:
            raise PlotError(f'--plot "{out_path}": {e.strerror or e}') from None


def _report(taps: list[GraphTap]) -> str:
    return "".join(t.text() for t in reversed(taps))


register("tcp,graph,", lambda args: [GraphTap(a) for a in args], _report,
         tuple(f"tcp,graph,{k}" for k in KINDS), per_tap=True)
