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


def run_tui(opts: Any, err: TextIO, macros: list[str] | tuple[str, ...] = ()) -> int:
    """Check the options as the command line does, then run the view until quit."""
    from importlib.util import find_spec

    # (found, not imported: textual loads after the first pass is forked, beside it)
    if find_spec("textual") is None:
        raise UsageError("--tui needs textual: pip install 'labshark[tui]' "
                         "(or sh .ci/setup --test)")
    color = opts.color != "never" and (opts.color == "always" or not os.environ.get("NO_COLOR"))
    if getattr(opts, "interface", None):
        return _run_live(opts, err, macros, color)
    from analyzer.tui.source import Source
    from analyzer.tui.store import PacketStore
    from analyzer.tui.worker import start_scan

    path = opts.read_file or opts.file
    if not path:
        raise UsageError("no capture file given (analyze --tui FILE or -i IFACE)")
    if path == "-":
        raise UsageError("--tui reads a capture file, not standard input")
    _check_readable(path)
    source = Source(path, {}, opts.two_pass, opts.color_rules)
    # First of all (the first screen waits for it): the first pass, forked before this
    # process imports the dissectors (0.1 CPU s) or textual (0.2): it imports the one
    # and checks the macros, -d, -Y and the colour rules while this one imports the other.
    store = PacketStore(None, opts.time_format)
    scan = start_scan(source.job("scan", filter=opts.filter or "", color=color,
                                 time_fmt=opts.time_format,
                                 verify={"macros": list(macros), "title": path,
                                         "decode_as": list(opts.decode_as)}),
                      store, fork=True)
    try:
        from analyzer.tui.app import LabsharkApp

        scan.checked.wait()  # a bad -Y/-d/macro file fails before the screen, as it did
    except BaseException:
        scan.cancel()
        source.close()
        raise
    kind, got = scan.verdict or ("ready", None)
    if kind == "fatal":
        scan.cancel()
        source.close()
        raise AnalyzeError(*got)
    if got is not None:
        from analyzer.output.color_rules import ColorRule

        source.decode_as = got["decode_as"]
        source.safe_title = got["title"]
        # the rules' colours at once (the rows name them by index); their filters
        # compiled after the first screen, with the dissectors (only this view's own
        # colouring of later passes uses them)
        store.rules = [ColorRule(name, flt, tuple(fg), tuple(bg), match=None)
                       for name, flt, fg, bg in got["rules"]]

    def late() -> None:
        """After the first screen, on a thread: what the command line did before."""
        from dataclasses import replace

        from analyzer.command import load_macros
        from filters import compile_filter

        load_macros(macros)
        store.rules = [replace(r, match=compile_filter(r.filter).match) for r in store.rules]

    app = LabsharkApp(source, display_filter=opts.filter or "", color=color,
                      time_fmt=opts.time_format, store=store, scan=scan, late=late)
    return _run_app(app, None, source)


def _run_live(opts: Any, err: TextIO, macros: Any, color: bool) -> int:
    """Live capture: the dissectors imported before the screen (its rows are dissected
    in this process)."""
    from analyzer.command import load_macros
    from analyzer.setup import _compile_filter, _decode_as
    from analyzer.tui.live import LiveSource
    from analyzer.tui.store import PacketStore

    load_macros(macros)
    live = LiveSource.open(opts, _decode_as(opts.decode_as))
    try:
        rules = _load_rules(opts.color_rules) if color else None
        if opts.filter:
            _compile_filter(opts.filter, False, err)  # a bad -Y fails before the screen
    except BaseException:
        live.close()
        raise
    from analyzer.tui.app import LabsharkApp

    app = LabsharkApp(live, display_filter=opts.filter or "", color=color, rules=rules,
                      time_fmt=opts.time_format, live=live,
                      store=PacketStore(rules, opts.time_format))
    return _run_app(app, live, None)


def _run_app(app: Any, live: Any, source: Any) -> int:
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
