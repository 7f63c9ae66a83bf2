"""Where the view's frames come from: a capture file, read again by each pass."""

from __future__ import annotations

import os
from typing import Any

# A capture this small (and read to its end) is filtered on a thread of the view: a
# worker process takes longer to start than the pass takes.
SMALL = 5000


class Source:
    """A capture file: each pass (first read, filter, report) reads it again in a worker
    process (worker.py), in frame order with a fresh Session."""

    def __init__(self, path: str, decode_as: dict, two_pass: bool = False,
                 color_rules: str | None = None) -> None:
        self.path = path
        self.decode_as = decode_as
        self.two_pass = two_pass
        self.color_rules = color_rules
        self.title = os.path.basename(path)  # as Wireshark titles its window
        try:
            self.size = os.path.getsize(path)  # (the status line's reading progress)
        except OSError:
            self.size = 0

    def job(self, kind: str, **kw: Any) -> dict[str, Any]:
        return {"kind": kind, "path": self.path, "decode_as": self.decode_as,
                "two_pass": self.two_pass, "color_rules": self.color_rules, **kw}

    def frames(self) -> Any:
        """A fresh reader of the whole capture (export reads it in this process)."""
        from captures import open_capture

        return open_capture(self.path)


__all__ = ["Source", "SMALL"]
