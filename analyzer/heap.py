"""Give freed memory back to the system after a walk that made many small objects.

CPython returns an arena only once all its objects are gone, and glibc's malloc keeps
the top of its heap after a free; after the plan's and the release schedule's walks
(tens of megabytes of keys, dicts and arrays at 1M frames, then freed) a run would carry
that memory to its end, and a split run (analyzer/split_run.py) into both processes.
`malloc_trim(0)` hands the free pages back; elsewhere than glibc it is a no-op.

glibc also raises its mmap threshold each time it frees a mapped block (up to 32 MB), so
a run that frees big buffers again and again (a split's merge: megabytes of -V text a
second through bytearrays) then puts them on the heap, where they leave holes the heap
keeps; `steady_heap` fixes the threshold at its starting value instead (bench/RESULTS.md,
session 17: -10 MB summed at 300k for the split -V).
"""

from __future__ import annotations

import ctypes
from typing import Any

_trim: Any = False  # (unresolved yet; None: no malloc_trim here)

#: mallopt's parameters (malloc.h) and glibc's starting mmap threshold.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_THRESHOLD = 128 * 1024


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


def steady_heap() -> None:
    """Blocks of 128 KB and more mapped on their own and unmapped when freed, whatever was
    freed before (glibc: a fixed mmap threshold turns its raising off), and the heap's
    free top given back from 128 KB; elsewhere than glibc a no-op."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
        mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, _THRESHOLD)
    mallopt(_M_TRIM_THRESHOLD, _THRESHOLD)


__all__ = ["give_back", "steady_heap"]
