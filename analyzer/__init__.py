"""The `analyze` application: command line, renderers, statistics, and the Python API
(`from analyzer import open_capture`, see analyzer/api.py)."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    # The API is imported on first use: `analyze` itself never needs it.
    if name in ("open_capture", "Capture", "CapturedPacket", "AnalyzeFailed"):
        from analyzer import api

        return getattr(api, name)
    raise AttributeError(name)


__all__ = ["open_capture", "Capture", "CapturedPacket", "AnalyzeFailed"]
