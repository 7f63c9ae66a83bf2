"""The `analyze` application: command line, renderers, statistics, and the Python API
(`from analyzer import open_capture`, see analyzer/api.py)."""

from __future__ import annotations

from typing import Any

from dissectors.compiled import use_compiled

# The mypyc-compiled modules of this package (the packet loop), when built and up to date
# (dissectors/compiled.py; importing it has put the dissectors' own build in place).
COMPILED = use_compiled(__path__, package="analyzer")


def __getattr__(name: str) -> Any:
    # The API is imported on first use: `analyze` itself never needs it.
    if name in ("open_capture", "Capture", "CapturedPacket", "AnalyzeFailed"):
        from analyzer import api

        return getattr(api, name)
    raise AttributeError(name)


__all__ = ["open_capture", "Capture", "CapturedPacket", "AnalyzeFailed"]
