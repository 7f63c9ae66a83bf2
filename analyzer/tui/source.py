"""Where the view's frames come from: a capture file, read again by each pass."""

from __future__ import annotations

import os
import stat
from typing import Any

# A capture this small (and read to its end) is filtered on a thread of the view: a
# worker process takes longer to start than the pass takes.
SMALL = 5000


class Source:
    """A capture file: each pass (first read, filter, report) reads it again in a worker
    process (worker.py), in frame order with a fresh Session. A pipe (a FIFO, a device)
    can be read once: the first pass copies its bytes to a temporary file, which the
    later passes (filters, reports, export) read."""

    def __init__(self, path: str, decode_as: dict, two_pass: bool = False,
                 color_rules: str | None = None) -> None:
        self.path = path
        self.decode_as = decode_as
        self.two_pass = two_pass
        self.color_rules = color_rules
        self.title = os.path.basename(path)  # as Wireshark titles its window
        self.safe_title: str | None = None  # escaped by the first pass (format_str)
        self.copy: str | None = None  # a pipe's bytes, as the first pass read them
        try:
            mode = os.stat(path).st_mode
            self.size = os.path.getsize(path) if stat.S_ISREG(mode) else 0
        except OSError:
            mode, self.size = 0, 0
        if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
            import tempfile

            fd, self.copy = tempfile.mkstemp(prefix="labshark-pipe-", suffix=".cap")
            os.close(fd)

    @property
    def reread(self) -> str:
        """The file the passes after the first read."""
        return self.copy or self.path

    def job(self, kind: str, **kw: Any) -> dict[str, Any]:
        job = {"kind": kind, "path": self.path if kind == "scan" else self.reread,
               "decode_as": self.decode_as, "two_pass": self.two_pass,
               "color_rules": self.color_rules, **kw}
        if kind == "scan" and self.copy:
            job["copy_to"] = self.copy
        return job

    def frames(self) -> Any:
        """A fresh reader of the whole capture (export reads it in this process)."""
        from captures import open_capture

        return open_capture(self.reread)

    def close(self) -> None:
        """Remove the pipe's copy."""
        if self.copy:
            try:
                os.unlink(self.copy)
            except OSError:
                pass
            self.copy = None


__all__ = ["Source", "SMALL"]
