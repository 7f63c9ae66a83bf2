"""`--plot` for `-z tcp,graph,...`: the rows of analyzer/stats/tcp_graph.py drawn as
Wireshark's TCP Stream Graphs draw them, at --plot's size (io_stat's PLOT_SIZE_IN at
PLOT_DPI: 800x450 pixels for a PNG, 8x4.5 inches for an SVG)."""

from __future__ import annotations

from typing import Any

from analyzer.stats.io_stat import PLOT_DPI, PLOT_SIZE_IN, PlotError, save_figure


def _tcptrace_marks(ax: Any, rows: list[tuple[object, ...]]) -> None:
    """Wireshark's tcptrace extras: SACK blocks as bars (the most recent block red, the
    others dark red), duplicate ACKs as ticks on the ACK line, zero windows as crosses at
    the segment's middle."""
    for kind, color, label in (("sack", "tab:red", "most recent SACK"),
                               ("sack2", "darkred", "subsequent SACKs")):
        pts = [r for r in rows if r[2] == kind]
        if pts:
            ax.vlines([r[1] for r in pts], [r[3] for r in pts], [r[4] for r in pts],
                      colors=color, linewidth=2, label=label)
    dup = [r for r in rows if r[2] == "dupack"]
    if dup:
        ax.plot([r[1] for r in dup], [r[3] for r in dup], linestyle="none", marker="|",
                markersize=8, color="tab:brown", label="duplicate ACK")
    zero = [r for r in rows if r[2] == "zerowin"]
    if zero:
        ax.plot([r[1] for r in zero], [(r[3] + r[4]) / 2 for r in zero],  # type: ignore[operator]
                linestyle="none", marker="x", markersize=6, color="tab:blue",
                label="zero window")


def draw_graph(tap: Any, out_path: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotError("--plot needs matplotlib (pip install matplotlib)") from None
    rows = tap.rows()
    fig, ax = plt.subplots(figsize=PLOT_SIZE_IN, dpi=PLOT_DPI)
    try:
        kind = tap.kind
        if kind == "stevens":
            ax.plot([r[1] for r in rows], [r[2] for r in rows], "o", markersize=3,
                    label="segments")
            ax.set_ylabel("Sequence number (relative)")
        elif kind == "tcptrace":
            data = [r for r in rows if r[2] == "data"]
            acks = [r for r in rows if r[2] == "ack"]
            if data:
                ax.vlines([r[1] for r in data], [r[3] for r in data], [r[4] for r in data],
                          colors="black", label="data segments")
            if acks:
                ax.step([r[1] for r in acks], [r[3] for r in acks], where="post",
                        color="tab:brown", label="ACK")
                ax.step([r[1] for r in acks], [r[4] for r in acks], where="post",
                        color="tab:green", label="receive window edge")
            _tcptrace_marks(ax, rows)
            ax.set_ylabel("Sequence number (relative)")
        elif kind == "throughput":
            ax.plot([r[1] for r in rows], [r[2] * 8 for r in rows], "o", markersize=3,
                    label="segment length (bits)")
            pts = [r for r in rows if r[3] is not None]
            ax.plot([r[1] for r in pts], [r[3] for r in pts], label="throughput (bits/s)")
            ax.set_ylabel("bits / bits per second")
        elif kind == "rtt":
            ax.plot([r[2] for r in rows], [r[3] * 1000 for r in rows], "o-", markersize=3,
                    label="RTT")
            ax.set_xlabel("Sequence number (relative)")
            ax.set_ylabel("Round trip time (ms)")
        else:
            for what, style in (("window", "-"), ("in flight", "o")):
                pts = [r for r in rows if r[2] == what]
                ax.plot([r[1] for r in pts], [r[3] for r in pts], style, markersize=3,
                        label="receive window" if what == "window" else "bytes in flight")
            ax.set_ylabel("Bytes")
        if kind != "rtt":
            ax.set_xlabel("Time since first frame (s)")
        ax.set_title(tap.title())
        ax.grid(True, alpha=0.3)
        if rows:
            ax.legend(loc="best", fontsize="small")
        fig.tight_layout()
        save_figure(fig, out_path)
    finally:
        plt.close(fig)
