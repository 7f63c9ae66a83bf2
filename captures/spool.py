"""Byte sources for readers: a tee into an unnamed temporary file for stdin's second pass.

The standard input can be read only once, yet `-2` and `--export-objects` read a
capture twice. Only then is stdin copied, as it is read, to a temporary file that
has no name (O_TMPFILE, or unlinked at once where that is missing): nothing can be
left behind in the temp directory, whatever ends the process (SIGTERM, SIGHUP,
SIGKILL, a crash). The bytes kept are those of stdin as they came, so gzip input is
spooled compressed and a gzip bomb costs only its own size on disk.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable

Read = Callable[[int], bytes]
_DRAIN = 1 << 20


class Prepend:
    """A read() that returns `head` (bytes already consumed) before the stream's rest."""

    def __init__(self, head: bytes, read: Read) -> None:
        self._head = head
        self._read = read

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size < 0:
                data, self._head = self._head + self._read(-1), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            if len(data) < size:
                data += self._read(size - len(data))
            return data
        return self._read(size)


class SpoolReader:
    """One more pass over a spool's bytes, with its own position (pread, no seeking)."""

    def __init__(self, spool: Spool) -> None:
        self._spool = spool
        self._pos = 0
        self._closed = False

    def read(self, size: int = -1) -> bytes:
        end = self._spool.size if size < 0 else min(self._spool.size, self._pos + size)
        if end <= self._pos:
            return b""
        data = os.pread(self._spool.fileno(), end - self._pos, self._pos)
        self._pos += len(data)
        return data

    def close(self) -> None:
        """Drop this reader's hold on the spool (the last one closes the file)."""
        if not self._closed:
            self._closed = True
            self._spool.release()


class Spool:
    """Copies everything read from `read` into an unnamed temp file.

    `read()` is the first pass (it may run behind `finish()`, which copies ahead);
    `reader()` gives further passes. The file is closed on the last `release()`.
    """

    def __init__(self, read: Read) -> None:
        # TemporaryFile: O_TMPFILE on Linux, else created and unlinked at once.
        self._file = tempfile.TemporaryFile(prefix="labshark-", suffix=".spool")
        self._src = read
        self.size = 0  # bytes copied so far
        self._pos = 0  # the first pass's position
        self.complete = False
        self._refs = 1

    def fileno(self) -> int:
        return self._file.fileno()

    def _pull(self, size: int) -> bytes:
        data = self._src(size)
        if not data:
            self.complete = True
            return b""
        view = memoryview(data)
        while view:
            view = view[os.write(self.fileno(), view):]
        self.size += len(data)
        return data

    def read(self, size: int) -> bytes:
        """The first pass: read from the source, keeping a copy."""
        if self._pos < self.size:  # finish() already copied these bytes
            data = os.pread(self.fileno(), min(size, self.size - self._pos), self._pos)
        elif self.complete:
            return b""
        else:
            data = self._pull(size)
        self._pos += len(data)
        return data

    def finish(self) -> None:
        """Copy the rest of the source so the file is whole."""
        while not self.complete:
            self._pull(_DRAIN)

    def reader(self) -> SpoolReader:
        """A new pass over the whole input (copies the rest of it first)."""
        self.finish()
        self._refs += 1
        return SpoolReader(self)

    def release(self) -> None:
        """Drop one user; the last one closes the file (its space is freed then)."""
        self._refs -= 1
        if self._refs == 0:
            self._file.close()
