"""`analyze --tui`: the interactive three-pane view (packet list, detail tree, bytes).

Built on textual, an optional extra (`pip install 'labshark[tui]'`); nothing else in
labshark imports this package, so the command line never pays for it. Modules:
`store.py` (the packet store and the in-order dissection pass), `packet_list.py` (the
virtualised list), `panes.py` (tree, bytes, filter bar), `views.py` (help, report,
follow and prompt screens), `reports.py` (the passes behind follow, statistics, flow,
I/O graph, find, export), `tables.py` (sortable conversations and endpoints),
`graphs.py` (flow diagram, I/O graph), `find.py` (find by filter, string, hex, regex),
`worker.py` (the passes' worker processes), `live.py` (live capture), `app.py` (the
application that ties them together).
"""

from __future__ import annotations

import os
from typing import Any, TextIO

from analyzer.errors import EXIT_OK, AnalyzeError, UsageError


def run_tui(opts: Any, err: TextIO) -> int:
    """Check the options as the command line does, then run the view until quit."""
    from importlib.util import find_spec

    # (found, not imported: textual loads after the first pass is forked, beside it)
    if find_spec("textual") is None:
        raise UsageError("--tui needs textual: pip install 'labshark[tui]' "
                         "(or sh .ci/setup --test)")
    from analyzer.setup import _compile_filter, _decode_as
    from analyzer.tui.source import Source
    from analyzer.tui.store import PacketStore
    from analyzer.tui.worker import start_scan

    decode_as = _decode_as(opts.decode_as)
    color = opts.color != "never" and (opts.color == "always" or not os.environ.get("NO_COLOR"))
    live = None
    scan = None
    if getattr(opts, "interface", None):
        from analyzer.tui.live import LiveSource

        live = LiveSource.open(opts, decode_as)
        source: Any = live
    else:
        path = opts.read_file or opts.file
        if not path:
            raise UsageError("no capture file given (analyze --tui FILE or -i IFACE)")
        if path == "-":
            raise UsageError("--tui reads a capture file, not standard input")
        _check_readable(path)
        source = Source(path, decode_as, opts.two_pass, opts.color_rules)
    # The colour rules before the fork: the forked pass colours its rows with these
    # instead of compiling them again.
    try:
        rules = _load_rules(opts.color_rules) if color else None
    except BaseException:
        if live is not None:
            live.close()
        raise
    if live is None:
        # First of all (the first screen waits for it): the first pass, forked from this
        # process with the dissectors already imported, overlapping the view's start.
        store = PacketStore(None, opts.time_format)
        scan = start_scan(source.job("scan", filter=opts.filter or "", color=color,
                                     time_fmt=opts.time_format, rules=rules or []),
                          store, fork=True)
    try:
        if opts.filter:
            _compile_filter(opts.filter, False, err)  # a bad -Y fails before the screen
    except BaseException:
        if scan is not None:
            scan.cancel()
        if live is not None:
            live.close()
        raise
    if scan is None:
        store = PacketStore(rules, opts.time_format)
    else:
        store.rules = rules or []
    from analyzer.tui.app import LabsharkApp

    app = LabsharkApp(source, display_filter=opts.filter or "", color=color, rules=rules,
                      time_fmt=opts.time_format, live=live, store=store, scan=scan)
    try:
        app.run()
    finally:
        app.end_passes()
        if live is not None:
            live.close()
        else:
            source.close()  # (a pipe's copy)
        app.store.close()
    return EXIT_OK if app.return_code in (None, 0) else app.return_code


def _load_rules(path: str | None) -> list[Any]:
    from analyzer.output.color_rules import load_rules

    try:
        return load_rules(path)
    except OSError as e:
        raise AnalyzeError(f'Can\'t read colour rules "{path}": {e.strerror}.', 2) from None


def _check_readable(path: str) -> None:
    """A file that cannot be opened is the command line's one-line error, not a screen.
    A pipe or a device is not opened here: that would take its first bytes from the pass
    (and wait for a writer); the pass's own errors show in the status line."""
    import stat

    from captures import CaptureError, open_capture

    try:
        mode = os.stat(path).st_mode
        if (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)) and os.access(path, os.R_OK):
            return
    except OSError:
        pass  # (open_capture's message says what is wrong)
    try:
        open_capture(path).close()
    except CaptureError as e:
        raise AnalyzeError(str(e), getattr(e, "exit_code", 2)) from None


__all__ = ["run_tui"]
