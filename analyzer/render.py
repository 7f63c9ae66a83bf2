"""Chooses how each shown packet is printed: list line, tree, hex, fields or JSON.

Plain text when piped or asked for (golden files and grading scripts read it);
rich colour only on a terminal.
"""

from __future__ import annotations

import os
from typing import Any, TextIO

from analyzer.columns import packet_line
from analyzer.tree_output import detail_text, hex_text
from dissectors.packet import Packet


def use_color(mode: str, out: TextIO) -> bool:
    if mode == "always":
        return True
    if mode == "never" or os.environ.get("NO_COLOR"):
        return False
    return hasattr(out, "isatty") and out.isatty()


class Renderer:
    def __init__(self, opts: Any, fields_printer: Any, out: TextIO) -> None:
        self.opts = opts
        self.fields = fields_printer
        self.out = out
        self.first = True
        self.console = None
        from analyzer.json_output import LayerFilter

        self.layer_filter = LayerFilter.from_options(getattr(opts, "layer_filter", None))
        self.color_rules: list = []
        self.netmask: int | None = None
        if getattr(opts, "netmask", None):
            from analyzer.errors import UsageError
            from analyzer.learner import parse_netmask

            try:
                self.netmask = parse_netmask(opts.netmask)
            except ValueError as e:
                raise UsageError(f"--netmask {opts.netmask}: {e}") from None
        if opts.output == "text" and use_color(opts.color, out):
            from rich.console import Console

            # --color always must colour a pipe too, and overrides NO_COLOR.
            forced = opts.color == "always"
            self.console = Console(file=out, highlight=False, soft_wrap=True,
                                   force_terminal=True if forced else None,
                                   no_color=False if forced else None)
            from analyzer.colorrules import load_rules
            from analyzer.errors import UsageError

            try:  # Wireshark's colouring rules (analyzer/colorrules.py)
                self.color_rules = load_rules(getattr(opts, "color_rules", None))
            except OSError as e:
                raise UsageError(f"--color-rules {opts.color_rules}: {e.strerror}") from None

    def packet(self, pkt: Packet) -> None:
        o = self.opts
        w = self.out.write
        if o.output == "fields":
            w(self.fields.line(pkt) + "\n")
            return
        if o.output == "json":
            from analyzer.json_output import dumps

            no_dup = getattr(o, "no_duplicate_keys", False)
            col = self.fields.column if self.fields else None
            text = dumps(pkt, no_dup, o.fields, col, self.layer_filter)
            body = "\n".join("  " + ln for ln in text.split("\n"))  # not at U+2028
            w(("[\n" if self.first else ",\n") + body)
            self.first = False
            return
        if o.output == "ek":
            from analyzer.json_output import ek_lines

            w(ek_lines(pkt, o.fields, self.fields.column if self.fields else None,
                       self.layer_filter))
            return
        # tshark prints the summary line alone, or with -P; -V/-x replace it otherwise.
        if getattr(o, "print_summary", False) or not (o.verbose or o.hex):
            if self.console is not None:
                self._color_line(pkt)
            else:
                w(packet_line(pkt, o.time_format) + "\n")
            if getattr(o, "explain_addresses", False):
                from analyzer.learner import explain

                w(explain(pkt, self.netmask))
            if o.hex and not o.verbose:
                w("\n")
        if o.verbose:
            w(detail_text(pkt, data_dumps=not o.hex) + "\n")
            if o.hex:
                w("\n" + hex_text(pkt) + "\n")
            w("\n")
            return
        if o.hex:
            w(hex_text(pkt) + "\n\n")

    def _color_line(self, pkt: Packet) -> None:
        from rich.text import Text

        from analyzer.colorrules import pick

        # The plain line, in the first matching rule's colours (Wireshark's packet list).
        rule = pick(self.color_rules, pkt)
        line = Text(packet_line(pkt, self.opts.time_format), rule.style if rule else "")
        self.console.print(line)  # type: ignore[union-attr]

    def close(self) -> None:
        if self.opts.output == "json":
            self.out.write("\n]\n" if not self.first else "[]\n")
