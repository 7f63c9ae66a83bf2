"""Reading a file another process still writes: a pipe's copy, for a filter applied
while the first pass reads the pipe (as Wireshark filters a live capture)."""

from __future__ import annotations

import os
import select
from collections.abc import Callable

POLL = 0.05  # seconds between two looks at the file's end


class Follow:
    """A growing file's bytes for a CaptureReader (the raw file of a worker's filter
    pass): `read(n)` waits at the file's end for more (calling `idle()` first, so the
    results so far are sent) until the view closes the worker's standard input (the
    first pass ended, the copy is whole), then reads what is left and ends."""

    def __init__(self, path: str, idle: Callable[[], None], ended_fd: int = 0) -> None:
        self.fd = os.open(path, os.O_RDONLY)
        self.idle = idle
        self.ended_fd = ended_fd  # readable at EOF once the writer is done
        self.ended = False

    def read(self, n: int) -> bytes:
        """Up to n bytes: a small read (a magic number, a header) all n unless the file
        ends; a large one what there is, once there is something."""
        out = b""
        while len(out) < n:
            more = os.read(self.fd, n - len(out))
            if more:
                out += more
                if n > 64:
                    break
                continue
            if self.ended:
                break
            self.idle()
            if select.select([self.ended_fd], [], [], POLL)[0] and \
                    not os.read(self.ended_fd, 1):
                self.ended = True  # (then read what the end left)
        return out

    def close(self) -> None:
        os.close(self.fd)


__all__ = ["Follow"]
