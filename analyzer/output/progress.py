"""A progress bar on stderr while a long capture file is read, for a person waiting.

Shown only when it helps and cannot spoil output:
- stdout and stderr are terminals (never when stdout is piped: scripts read it);
- the file is a regular file (not stdin, not live) of at least MIN_SIZE bytes;
- the packet list is not being printed to that terminal (`-q`, e.g. with `-z`, or `-w`
  without `-P`): a bar redrawn under scrolling lines would garble them, and the
  scrolling list already shows progress.
The bar is transient (erased when done). Env LABSHARK_PROGRESS=1 forces it (any size,
any stream: tests), =0 turns it off. Progress is the bytes read of the file (for a
gzipped file, of its compressed bytes); it is redrawn at most 10 times a second and
the per-packet cost is a counter test.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from analyzer.job import Job

MIN_SIZE = 16 * 1024 * 1024
_EVERY = 64  # frames between clock reads
_INTERVAL = 0.1  # seconds between redraws


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def wanted(opts: Job, path: str, out: TextIO, err: TextIO) -> bool:
    """Whether to draw a bar for this run (see the module docstring)."""
    env = os.environ.get("LABSHARK_PROGRESS", "")
    if env == "0" or path == "-":
        return False
    forced = env == "1"
    try:
        if not os.path.isfile(path) or (not forced and os.path.getsize(path) < MIN_SIZE):
            return False
    except OSError:
        return False
    if forced:
        return True
    listing = not opts.quiet and (not opts.write or getattr(opts, "print_summary", False))
    return not listing and _isatty(out) and _isatty(err)


class FileProgress:
    """Bytes read / file size of `reader`'s file, on a rich bar in `err`."""

    def __init__(self, reader: Any, path: str, err: TextIO, force: bool) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._raw = getattr(reader, "_raw", None)
        self._size = os.path.getsize(path)
        console = Console(file=err, force_terminal=True if force else None)
        self._bar = Progress(TextColumn("reading {task.description}"), BarColumn(),
                             DownloadColumn(), TimeRemainingColumn(), console=console,
                             transient=True, auto_refresh=False)
        self._task = self._bar.add_task(os.path.basename(path), total=self._size)
        self._next = 0.0
        self._bar.start()

    def tick(self, n: int) -> None:
        """Called per frame: cheap unless a redraw is due."""
        if n % _EVERY:
            return
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + _INTERVAL
        self._update()

    def _update(self) -> None:
        try:
            done = self._raw.tell() if self._raw is not None else 0
        except (OSError, ValueError):
            return
        self._bar.update(self._task, completed=min(done, self._size))
        self._bar.refresh()

    def close(self) -> None:
        self._update()
        self._bar.stop()


def start_progress(opts: Job, path: str, reader: Any, out: TextIO,
                   err: TextIO | None = None) -> FileProgress | None:
    """A started bar, or None when this run should have none."""
    err = err if err is not None else sys.stderr
    if not wanted(opts, path, out, err):
        return None
    try:
        return FileProgress(reader, path, err, os.environ.get("LABSHARK_PROGRESS") == "1")
    except (OSError, ImportError):
        return None


__all__ = ["start_progress", "wanted", "FileProgress", "MIN_SIZE"]
