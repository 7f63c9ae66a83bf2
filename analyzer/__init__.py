"""The `analyze` application: command line, renderers, statistics, and the Python API
(`from analyzer import open_capture`, see analyzer/api.py)."""

from __future__ import annotations

from typing import Any

from captures import compiled_build

# The compiled build's finder, before any module of this package is imported (the TUI's
# worker imports analyzer.pipeline, which is in the build, before anything else).
compiled_build.install()


def __getattr__(name: str) -> Any:
    # The API is imported on first use: `analyze` itself never needs it.
    if name in ("open_capture", "Capture", "CapturedPacket", "AnalyzeFailed"):
        from analyzer import api

        return getattr(api, name)
    raise AttributeError(name)


__all__ = ["open_capture", "Capture", "CapturedPacket", "AnalyzeFailed"]
