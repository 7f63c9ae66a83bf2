"""The errors `analyze` reports to the user, and tshark's exit codes for them.

A module of its own so that every part of the application (the run, live capture,
golden files, statistics) can raise them without importing the command line.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_USAGE = 1
EXIT_BAD_FILTER = 2


class UsageError(Exception):
    """A bad command line: reported as one line, exit status 1 like tshark."""


class AnalyzeError(Exception):
    """A failure reported to the user as `analyze: <message>`."""

    def __init__(self, message: str, code: int = 2, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.detail = detail
