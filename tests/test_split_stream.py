"""A split run's output merged while both halves run (analyzer/split_stream.py): the
merged bytes are the frames' texts in frame order whatever the pace of either half or
of the output's reader, memory stays bounded, and a part that fails, before or after
output began, still leaves exactly the one-process output.

Each case runs `split_run.run_split` on a made plan with a part that writes a known
text for each of its frames (and forks for real), then compares with that text.
"""

from __future__ import annotations

import io
import os
import time
from array import array
from pathlib import Path
from typing import Any

import pytest

import analyzer.split_run as split_run
import analyzer.split_stream as split_stream
from analyzer.closure import Plan

_JSON = ("[\n", ",\n", "\n]\n")


def _plan(frames: int, groups: int) -> Plan:
    """Every frame planned and shown, in `groups` conversations taking turns."""
    plan = Plan(bytearray(b"\0" + b"\1" * frames), array("I", range(1, frames + 1)),
                array("i", [-1] + [10 + n % groups for n in range(1, frames + 1)]))
    plan.whole = True
    return plan


def _text(n: int, size: int) -> str:
    return f"frame {n} \u00e9\u4e2d " + "x" * (n * 7 % size) + "\n"


def _expected(frames: int, size: int, json: bool) -> str:
    texts = [_text(n, size) for n in range(1, frames + 1)]
    if not json:
        return "".join(texts)
    return "[\n" + ",\n".join(texts) + "\n]\n"


def _part(size: int, json: bool, fail_at: int | None = None, slow: str = "",
          parent: int = 0) -> Any:
    """A part writing each of its frames' text (json: its own "[" / "," and "]"),
    the child failing after `fail_at` packets, `slow` ("child" / "parent") sleeping."""

    def part(half: Plan, mark: split_run.Marked) -> int:
        child = os.getpid() != parent
        k = 0
        for n in range(len(half.needed)):
            if not half.needed[n]:
                continue
            if child and fail_at is not None and k == fail_at:
                raise RuntimeError("a child failing midway")
            if slow == ("child" if child else "parent") and n % 50 == 0:
                time.sleep(0.002)
            if json:
                mark.write("[\n" if k == 0 else ",\n")
            mark.write(_text(n, size))
            mark.packet(None)
            k += 1
        if json:
            mark.write("\n]\n")
        return 0

    return part


class SlowOut(io.StringIO):
    """An output consumer that reads slowly: every write waits."""

    def write(self, s: str) -> int:
        time.sleep(0.001)
        return super().write(s)


#: (frames, groups, text size, json, child fails after, who is slow, output)
CASES = [
    (3000, 7, 300, False, None, "", "string"),
    (3000, 7, 300, True, None, "", "string"),
    (3000, 7, 300, True, None, "", "file"),
    (4000, 13, 5000, False, None, "child", "file"),  # (the parent waits)
    (4000, 13, 5000, True, None, "parent", "string"),  # (the pipe holds the child)
    (2000, 5, 2000, False, None, "", "slow"),
    (2000, 5, 2000, True, None, "", "slow"),
    (3000, 7, 3000, False, 700, "", "string"),  # (fails once output began)
    (3000, 7, 3000, True, 700, "", "file"),
    (3000, 7, 300, True, 0, "child", "file"),
]


@pytest.mark.parametrize(("frames", "groups", "size", "json", "fail_at", "slow", "kind"),
                         CASES)
def test_merged_output_is_every_frame_in_order(frames: int, groups: int, size: int,
                                               json: bool, fail_at: int | None, slow: str,
                                               kind: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(split_stream, "BATCH", 1 << 14)
    monkeypatch.setattr(split_stream, "OWN_CAP", 1 << 16)
    expected = _expected(frames, size, json)
    plan = _plan(frames, groups)
    alone_runs = []

    def alone(o: Any) -> int:  # (the one-process run: all of the output)
        alone_runs.append(1)
        o.write(expected)
        return 0

    path = tmp_path / "out.txt"
    f = open(path, "w", encoding="utf-8", errors="surrogateescape")  # noqa: SIM115
    out: Any = {"string": io.StringIO(), "slow": SlowOut(), "file": f}[kind]
    held = []
    own_mark = split_stream.Marked.packet

    def packet(self: split_stream.Marked, pkt: Any) -> None:  # (how much is held)
        own_mark(self, pkt)
        held.append(self.pending())

    monkeypatch.setattr(split_stream.Marked, "packet", packet)
    received = []
    parse = split_stream.Received._parse

    def _parse(self: split_stream.Received) -> None:  # (how much of the child's is held)
        parse(self)
        received.append(self.pending() + len(self.raw))

    monkeypatch.setattr(split_stream.Received, "_parse", _parse)
    code = split_run.run_split(plan, _part(size, json, fail_at, slow, os.getpid()), out,
                               "json" if json else "text", alone)
    f.close()
    got = path.read_text(encoding="utf-8") if kind == "file" else out.getvalue()
    if code is None:  # (nothing written: the caller runs alone)
        assert got == "" and fail_at is not None
        return
    assert code == 0
    assert got == expected
    assert bool(alone_runs) == (fail_at is not None)
    # the parent's own text held unwritten stays near its cap
    assert max(held) <= split_stream.OWN_CAP + split_stream.BATCH + 3 * size
    # and of the child's, what one read of the pipe adds beyond the cap
    assert max(received, default=0) <= split_stream.OWN_CAP + 2 * split_stream.BATCH


def test_a_parent_part_failing_is_run_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process's part returns an error (a capture cut short): the one-process run
    finishes the output, after what the merge wrote while both ran."""
    monkeypatch.setattr(split_stream, "BATCH", 1 << 12)
    expected = _expected(2000, 500, True)
    part = _part(500, True, parent=os.getpid())
    out = io.StringIO()

    def failing(half: Plan, mark: split_run.Marked) -> int:
        code = part(half, mark)
        return 2 if os.getpid() == parent else code

    def alone(o: Any) -> int:
        o.write(expected)
        return 2

    parent = os.getpid()
    assert split_run.run_split(_plan(2000, 9), failing, out, "json", alone) == 2
    assert out.getvalue() == expected


def test_skip_drops_exactly_the_bytes_written() -> None:
    """The one-process run after a failure: its first bytes, already written, dropped,
    also when they end inside a write or inside a multi-byte character's run."""
    text = ["ab\u00e9", "\u4e2dcd", "ef\n", "g"]
    whole = "".join(text).encode()
    for skip in range(len(whole) + 1):
        if skip < len(whole) and (whole[skip] & 0xC0) == 0x80:
            continue  # (a written prefix always ends between characters)
        out = io.StringIO()
        s = split_stream.Skip(out, skip)
        for t in text:
            s.write(t)
        assert out.getvalue().encode() == whole[skip:], skip
