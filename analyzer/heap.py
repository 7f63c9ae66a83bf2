"""Keep a walk's memory out of the run: walk in a forked child, or give freed memory back.

CPython returns an arena only once all its objects are gone, and glibc's malloc keeps
the top of its heap after a free; after the plan's and the release schedule's walks
(tens of megabytes of keys, dicts and arrays at 1M frames, then freed) a run would carry
that memory to its end, and a split run (analyzer/split_run.py) into both processes.
`malloc_trim(0)` hands the free pages back; elsewhere than glibc it is a no-op. Better:
`in_child` runs the walks in a forked child that sends back only their compact results,
so the run's heap never held the walks' objects at all (freed arenas still scatter the
survivors; a split's halves would write into those pages and each copy them).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import pickle
import sys
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_trim: Any = False  # (unresolved yet; None: no malloc_trim here)


def give_back() -> None:
    """Return the C heap's free pages to the system (glibc), if it can."""
    global _trim
    if _trim is False:
        _trim = None
        try:
            _trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
            _trim.argtypes, _trim.restype = [ctypes.c_size_t], ctypes.c_int
        except (OSError, AttributeError):
            _trim = None
    if _trim is not None:
        _trim(0)


def in_child(fn: Callable[[], T]) -> T:
    """`fn()`, computed in a forked child and sent back pickled; computed here when this
    system cannot fork or the child fails (then any error or message is this process's
    own, as without the child). `fn` must print nothing and change no state here."""
    if not hasattr(os, "fork"):
        return fn()
    sys.stdout.flush()
    sys.stderr.flush()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the walk, its result into the pipe, nothing else
        code = 1
        try:
            os.close(r)
            data = pickle.dumps(fn(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(w, "wb") as f:
                f.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    _pid, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return fn()
    return pickle.loads(data)  # type: ignore[no-any-return]


__all__ = ["give_back", "in_child"]
