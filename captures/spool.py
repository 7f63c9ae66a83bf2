"""Byte sources for readers: a tee into a temporary file for inputs that cannot be re-read.

stdin and gzip streams can be read only once, yet callers may want a second pass
(`CaptureReader.reopen()`); copying each chunk to a temp file as it is read keeps
memory flat and lets the second pass read plain decompressed bytes from disk.
"""

from __future__ import annotations

import os
import tempfile
import weakref
from collections.abc import Callable
from typing import BinaryIO

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


class Spool:
    """Copies everything read from `read` into a temp file; deleted on the last release."""

    def __init__(self, read: Read) -> None:
        fd, self.name = tempfile.mkstemp(prefix="labshark-", suffix=".spool")
        self._out = os.fdopen(fd, "wb")
        self._src = read
        self.complete = False
        self._refs = 1
        # a reader dropped without close() still removes its temp file
        self._cleanup = weakref.finalize(self, _remove, self._out, self.name)

    def read(self, size: int) -> bytes:
        """Read from the source, keeping a copy."""
        if self.complete:
            return b""
        data = self._src(size)
        if data:
            self._out.write(data)
        else:
            self.complete = True
            self._out.flush()
        return data

    def finish(self) -> str:
        """Copy the rest of the source so the file is whole; returns its path."""
        while not self.complete:
            self.read(_DRAIN)
        return self.name

    def acquire(self) -> Spool:
        self._refs += 1
        return self

    def release(self) -> None:
        """Drop one user; the last one closes and deletes the temp file."""
        self._refs -= 1
        if self._refs == 0:
            self._cleanup()


def _remove(out: BinaryIO, name: str) -> None:
    out.close()
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass
