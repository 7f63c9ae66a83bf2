"""Reading and writing capture files (pcap, pcapng, gzip-compressed, stdin).

with open_capture("in.pcapng") as cap:
    for frame in cap:
        ...

The names below are imported on first use: importing this package (as analyzer/ and
dissectors/ do first, for `compiled_build`) imports no reader, so that the compiled
build is chosen when a compiled module is first looked up, not before (compiled_build.py).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import compiled_build

# The mypyc build's finder goes first, before any module the build may hold is imported.
compiled_build.install()

if TYPE_CHECKING:
    from .errors import CaptureError
    from .frame import Frame
    from .interface import Interface
    from .open import CaptureReader, open_capture
    from .writer import CaptureWriter, open_writer

_LAZY = {"CaptureError": "errors", "Frame": "frame", "Interface": "interface",
         "CaptureReader": "open", "open_capture": "open", "CaptureWriter": "writer",
         "open_writer": "writer"}

__all__ = [
    "CaptureError",
    "CaptureReader",
    "CaptureWriter",
    "Frame",
    "Interface",
    "open_capture",
    "open_writer",
]


def __getattr__(name: str) -> Any:
    """The names of __all__, imported when first asked for (PEP 562)."""
    if name not in _LAZY:
        raise AttributeError(f"module 'captures' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value
    return value
