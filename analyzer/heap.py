"""Give freed memory back to the system after a walk that made many small objects.

CPython returns an arena only once all its objects are gone, and glibc's malloc keeps
the top of its heap after a free; after the plan's and the release schedule's walks
(tens of megabytes of keys, dicts and arrays at 1M frames, then freed) a run would carry
that memory to its end, and a split run (analyzer/split_run.py) into both processes.
`malloc_trim(0)` hands the free pages back; elsewhere than glibc it is a no-op.
"""

from __future__ import annotations

import ctypes
from typing import Any

_trim: Any = False  # (unresolved yet; None: no malloc_trim here)


def give_back() -> None:
    """Return the C heap's free pages to the system (glibc), if it can."""
    global _trim
    if _trim is False:
        _trim = None
        try:
            # (this process's own symbols: ctypes.util.find_library would fork ldconfig)
            _trim = ctypes.CDLL(None).malloc_trim
            _trim.argtypes, _trim.restype = [ctypes.c_size_t], ctypes.c_int
        except (OSError, AttributeError):
            _trim = None
    if _trim is not None:
        _trim(0)


__all__ = ["give_back"]
