"""The errors `analyze` reports to the user, and tshark's exit codes for them.

A module of its own so that every part of the application (the run, live capture,
golden files, statistics) can raise them without importing the command line.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TextIO

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


def guarded(body: Callable[[], int], err: TextIO) -> int:
    """`body()`'s exit status; its failures as one line on `err` (here, not in
    command.py, so that `analyze` can report them before importing the dissectors)."""
    try:
        return body()
    except UsageError as e:
        err.write(f"analyze: {e}\n")
        return EXIT_USAGE
    except AnalyzeError as e:
        err.write(f"analyze: {e.message}\n")
        if e.detail:
            err.write(e.detail + "\n")
        return e.code
    except BrokenPipeError:
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        except OSError:
            pass
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # noqa: BLE001 - a bug of ours: one line, not a traceback
        if os.environ.get("LABSHARK_DEBUG"):
            raise
        err.write(f"analyze: internal error ({type(e).__name__}: {e}); "
                  "run with LABSHARK_DEBUG=1 for the traceback and please report it\n")
        return 2
