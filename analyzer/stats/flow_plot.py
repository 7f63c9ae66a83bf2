"""`--plot OUT.png|OUT.svg` with `-z flow,...`: the same ladder diagram as an image, the
nodes as columns and each row an arrow with its label (and its --flow-notes note).

Size: 10 inches wide; 1.5 inches plus 0.4 inch per arrow high (at least 4.5), at
io_stat's PLOT_DPI (100): a PNG of 1000 x (150 + 40 n) pixels."""

from __future__ import annotations

from typing import Any

from analyzer.stats.io_stat import PLOT_DPI, PlotError, save_figure

WIDTH_IN = 10.0
ROW_IN = 0.4
MARGIN_IN = 1.5


def size_in(rows: int) -> tuple[float, float]:
    return WIDTH_IN, max(4.5, MARGIN_IN + ROW_IN * rows)


def draw_flow(tap: Any, nodes: list[str], cols: list[tuple[int, int]], out_path: str) -> None:
    """`tap.items` drawn, each item between its (source, destination) node columns."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotError("--plot needs matplotlib (pip install matplotlib)") from None
    items = tap.items
    n = max(len(nodes), 1)
    fig = plt.figure(figsize=size_in(len(items)), dpi=PLOT_DPI)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.96))
    try:
        ax.set_xlim(-0.6, n + 1.8)  # room on the right for the notes
        ax.set_ylim(len(items) + 0.5, -1.2)
        ax.axis("off")
        for i, name in enumerate(nodes):
            ax.plot([i, i], [-0.5, len(items) + 0.3], color="grey", linewidth=0.8)
            ax.text(i, -0.8, name, ha="center", va="bottom", fontsize=7)
        for k, (it, (s, d)) in enumerate(zip(items, cols, strict=True)):
            y = k + 0.3
            ax.text(-0.55, y, it.time, ha="left", va="center", fontsize=6)
            if s >= len(nodes) or d >= len(nodes):
                continue  # tshark's overflow column: not drawn
            x1, x2 = (s, d) if s != d else (s, s + 0.5)
            ax.annotate("", xy=(x2, y), xytext=(x1, y),
                        arrowprops={"arrowstyle": "->", "linewidth": 0.8})
            ax.text((x1 + x2) / 2, y - 0.08, it.label[:60], ha="center", va="bottom",
                    fontsize=6)
            if it.note:
                ax.text(n - 0.4, y, it.note, ha="left", va="center", fontsize=6,
                        color="tab:blue")
        save_figure(fig, out_path)
    finally:
        plt.close(fig)
