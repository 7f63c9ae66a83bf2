"""The `-T` output formats by name, and the shape they share.

A format is a class with `packet(pkt)` (write one shown packet) and `close()` (write
what ends the output), built as `Cls(job, fields_printer, out)` (job: analyzer/job.py's
Job, the run's options as typed values). A new `-T` format is
one module here with such a class and one line in FORMATS; options.py offers FORMATS'
names as -T's choices. Modules are imported on first use, so `analyze` starts no slower.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # (options.py imports this module: nothing under dissectors/ here)
    from analyzer.job import Job
    from dissectors.packet import Packet

#: `-T` name -> "module:class" that writes it, in the order `-T` lists its choices.
FORMATS = {"text": "analyzer.output.text:TextOutput",
           "fields": "analyzer.output.fields:FieldsOutput",
           "tabs": "analyzer.output.text:TabsOutput",
           "json": "analyzer.output.json_ek:JsonOutput",
           "jsonraw": "analyzer.output.jsonraw:JsonRawOutput",
           "ek": "analyzer.output.ek:EkOutput",
           "pdml": "analyzer.output.pdml:PdmlOutput",
           "psml": "analyzer.output.pdml:PsmlOutput"}


#: `-t` formats (analyzer/output/packet_list.py writes them), here for options.py.
TIME_FORMATS = ("r", "a", "ad", "adoy", "d", "dd", "e", "u", "ud", "udoy")


class Output:
    """What every format shares: its options, the `-e` printer, the stream; and
    `--netmask` checked whatever the format (only the text list uses it)."""

    def __init__(self, opts: Job, fields_printer: Any, out: TextIO) -> None:
        self.opts = opts
        self.fields = fields_printer
        self.out = out
        self.netmask: int | None = None
        if getattr(opts, "netmask", None):
            from analyzer.errors import UsageError
            from analyzer.learner import parse_netmask

            try:
                self.netmask = parse_netmask(opts.netmask)
            except ValueError as e:
                raise UsageError(f"--netmask {opts.netmask}: {e}") from None

    def packet(self, pkt: Packet) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Nothing to end the output with, unless the format says otherwise."""


def open_output(opts: Job, fields_printer: Any, out: TextIO) -> Output:
    """The writer of `opts.output` (the -T name)."""
    module, _, cls = FORMATS[opts.output].partition(":")
    return getattr(importlib.import_module(module), cls)(opts, fields_printer, out)
