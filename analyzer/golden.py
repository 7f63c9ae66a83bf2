"""`--golden EXPECTED`: pcap regression testing against a stored rendering.

The output is made deterministic first (UTC for every date, plain text, the file's own
name as given), then compared with EXPECTED; a mismatch prints a unified diff and
exits 1, `--update-golden` rewrites EXPECTED instead.
"""

from __future__ import annotations

import difflib
import io
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from dissectors.escape import format_str

if TYPE_CHECKING:
    from analyzer.job import Job

EXIT_DIFFERS = 1


def deterministic() -> None:
    """No local time zone in dates (tshark's `-t a`/`-t ad`, JSON's frame.time)."""
    os.environ["TZ"] = "UTC"
    if hasattr(time, "tzset"):
        time.tzset()


def run_golden(job: Job, produce: Callable[[TextIO], int], out: TextIO) -> int:
    """Run the job into a buffer, then compare it with (or write it to) job.golden."""
    expected_path = Path(job.golden or "")
    job.golden = None
    job.color = "never"
    deterministic()
    buf = io.StringIO()
    code = produce(buf)
    if code != 0:
        out.write(buf.getvalue())
        return code
    got = buf.getvalue()
    if job.update_golden:
        expected_path.write_text(got, encoding="utf-8")
        out.write(f"golden file {expected_path} written ({got.count(chr(10))} lines)\n")
        return 0
    try:
        want = expected_path.read_text(encoding="utf-8")
    except OSError as e:
        from analyzer.errors import AnalyzeError

        raise AnalyzeError(f"cannot read golden file {expected_path}: {e.strerror}") from None
    if got == want:
        return 0
    diff = difflib.unified_diff(_lines(want), _lines(got), fromfile=str(expected_path),
                                tofile="analyze output")
    for line in diff:
        end = "\n" if line.endswith("\n") else "\n\\ No newline at end of file\n"
        out.write(_shown(line.rstrip("\n")) + end)
    return EXIT_DIFFERS


def _lines(text: str) -> list[str]:
    """Lines ended by newlines only (str.splitlines also splits at \\v, \\f, \\x1c-\\x1e,
    U+2028: characters a -T fields value may hold)."""
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _shown(line: str) -> str:
    """A diff line, its packet text escaped (raw -T fields values may hold controls);
    the tabs that separate -T fields columns stay tabs."""
    return "\t".join(format_str(part) for part in line.split("\t"))


__all__ = ["run_golden", "deterministic"]
