"""Wireshark's own display-filter test suite (test/suite_dfilter), ported as data.

Each row of dfilter_suite.json is one check of that suite: a filter applied to one of
Wireshark's test captures (tests/data/wireshark/) and the number of frames it must
match, or "error" and a fragment of the message it must be rejected with, or "accept"
(it must compile). Expectations follow the project rule: a filter tshark 4.0 accepts
means what it means in tshark 4.0; one tshark 4.0 rejects and the newest Wireshark
accepts keeps the newest suite's expectation; one both reject is rejected. `status`
says `pass-expected`, `skip:<reason>` (a dissector or input labshark lacks: skipped
visibly) or `v4.0:<reason>` (checked; the newest suite disagrees with tshark 4.0 there).
Where both reject a filter with different messages, either message is accepted
(`newest_message`): the newest one is right once the newer syntax it names is supported.

This is a measuring stick for the filter engine: the module is marked `dfilter_suite`
so it can be run alone (`pytest -m dfilter_suite`). Each capture is dissected once and
each filter compiled once per session. `test_tshark40` checks the table against tshark
4.0 itself on the rows whose expectation is tshark 4.0's.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import diffutil
import pytest

TESTS = Path(__file__).resolve().parent
CAPTURES = TESTS / "data" / "wireshark"
TABLE: list[dict] = json.loads((TESTS / "dfilter_suite.json").read_text(encoding="utf-8"))

pytestmark = pytest.mark.dfilter_suite


def _row_id(row: dict) -> str:
    return row["id"].replace("::", ".")


def _params(rows: list[dict]) -> list:
    return [pytest.param(r, id=_row_id(r)) for r in rows]


# ---- labshark ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def utc() -> Iterator[None]:
    """tshark ran with TZ=UTC and reads absolute-time literals as local time; so do we."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


_PACKETS: dict[str, list] = {}
_COMPILED: dict[str, object] = {}


def _packets(capture: str) -> list:
    """The dissected packets of a capture, read once per session."""
    if capture not in _PACKETS:
        from captures import open_capture
        from dissectors import Session, dissect

        reader = open_capture(str(CAPTURES / capture))
        session = Session()
        try:
            _PACKETS[capture] = [dissect(fr, session) for fr in reader]
        finally:
            reader.close()
    return _PACKETS[capture]


def _compiled(text: str) -> object:
    """The compiled filter, or the FilterError compiling it raised (compiled once)."""
    from filters import FilterError, compile_filter

    if text not in _COMPILED:
        try:
            _COMPILED[text] = compile_filter(text)
        except FilterError as e:
            _COMPILED[text] = e
    return _COMPILED[text]


def _skip_reason(row: dict) -> str | None:
    return row["status"][len("skip:"):] if row["status"].startswith("skip:") else None


@pytest.mark.parametrize("row", _params(TABLE))
def test_labshark(row: dict, utc: None) -> None:  # noqa: ARG001 - fixture sets TZ
    from filters import FilterError

    reason = _skip_reason(row)
    if reason:
        pytest.skip(reason)
    got = _compiled(row["filter"])
    expect = row["expect"]
    if expect == "error":
        assert isinstance(got, FilterError), f"{row['filter']!r}: accepted, tshark 4.0 rejects it"
        wanted = [row["message"], row.get("newest_message", row["message"])]
        assert any(w in got.message for w in wanted), (
            f"{row['filter']!r}: message {got.message!r} lacks {' or '.join(map(repr, wanted))}")
        return
    if isinstance(got, FilterError):
        pytest.fail(f"{row['filter']!r}: rejected ({got.message}); expected "
                    f"{'to compile' if expect == 'accept' else f'{expect} frame(s)'}")
    if expect == "accept":
        return
    packets = _packets(row["capture"])
    # Field references (${...}) read the selected frame, as tshark's --selected-frame.
    got.select(packets[row["selected_frame"] - 1] if row["selected_frame"] else None)
    n = sum(1 for p in packets if got.match(p))
    assert n == expect, f"{row['filter']!r} on {row['capture']}: {n} frame(s), expected {expect}"


# ---- tshark 4.0 on the same table -------------------------------------------------------
def _applies_to_tshark(row: dict) -> bool:
    """Rows whose expectation is tshark 4.0's own (not newest-only, capture present)."""
    return bool(row["tshark40"]) and not row["tshark40"].startswith("n/a") and "note" not in row


_TSHARK_ROWS = [r for r in TABLE if _applies_to_tshark(r)]
_ROW = re.compile(r"^\|\s*[\d.]+\s*<>\s*(?:[\d.]+|Dur)\s*\|(.*)\|\s*$")
_TSHARK: dict[tuple[str, str, int | None], tuple[int, str]] = {}


def _batchable(row: dict) -> bool:
    """io,stat takes a comma-separated list: no commas, no calc functions, no refs."""
    f = row["filter"]
    return (row["expect"] != "error" and not row["selected_frame"] and "," not in f
            and "(" not in f and f == f.strip())


def _tshark_single(capture: str, text: str, selected: int | None) -> tuple[int, str]:
    args = ["-r", str(CAPTURES / capture)]
    if selected:
        args += ["-2", f"--selected-frame={selected}"]
    cp = diffutil.run_tshark_full([*args, "-Y", text])
    return (cp.stdout.count("\n") if cp.returncode == 0 else -1), cp.stderr


def _tshark_batch(capture: str, texts: list[str]) -> dict[str, int] | None:
    """Frames matching each filter, from one `-z io,stat,0,F1,F2,...` run; None when that
    run fails or prints no interval (io,stat prints none for a zero-length capture)."""
    cp = diffutil.run_tshark_full(["-q", "-r", str(CAPTURES / capture), "-z",
                                   "io,stat,0," + ",".join(texts)])
    if cp.returncode != 0:
        return None
    totals = [0] * len(texts)
    rows = 0
    for line in cp.stdout.splitlines():
        m = _ROW.match(line)
        if m:
            rows += 1
            cells = [c.strip() for c in m.group(1).split("|")]
            for i in range(len(texts)):
                totals[i] += int(cells[2 * i])
    return dict(zip(texts, totals, strict=True)) if rows else None


def _run_capture(capture: str, cache: object) -> None:
    """tshark's verdict on every row of one capture: cached by tshark version, capture
    and filter; io,stat batches where it can, single `-Y` runs (two at a time) else."""
    rows = [r for r in _TSHARK_ROWS if r["capture"] == capture]
    base = diffutil.run_tshark(["-v"]).splitlines()[0] + hashlib.sha256(
        (CAPTURES / capture).read_bytes()).hexdigest()
    todo = []
    for r in rows:
        key = (r["capture"], r["filter"], r["selected_frame"])
        ck = "dfilter_suite/" + hashlib.sha256(json.dumps([base, *key]).encode()).hexdigest()
        hit = cache.get(ck, None) if cache else None
        if hit is not None:
            _TSHARK[key] = (hit[0], hit[1])
        else:
            todo.append((r, key, ck))
    batch = sorted({r["filter"] for r, _, _ in todo if _batchable(r)})
    counts = _tshark_batch(capture, batch) if batch else None
    singles = []
    for r, key, _ in todo:
        if counts is not None and _batchable(r):
            _TSHARK[key] = (counts[r["filter"]], "")
        else:
            singles.append(key)
    with ThreadPoolExecutor(max_workers=2) as ex:
        for key, res in zip(singles, ex.map(lambda k: _tshark_single(*k), singles),
                            strict=True):
            _TSHARK[key] = res
    if cache:
        for _, key, ck in todo:
            cache.set(ck, list(_TSHARK[key]))


@pytest.mark.tshark
@pytest.mark.parametrize("row", _params(_TSHARK_ROWS))
def test_tshark40(row: dict, request: pytest.FixtureRequest) -> None:
    key = (row["capture"], row["filter"], row["selected_frame"])
    if key not in _TSHARK:
        _run_capture(row["capture"], getattr(request.config, "cache", None))
    n, err = _TSHARK[key]
    if row["expect"] == "error":
        assert n == -1, f"tshark accepts {row['filter']!r}"
        assert row["message"] in err, f"tshark says {err!r}, table {row['message']!r}"
    else:
        assert n == row["expect"], f"tshark: {row['filter']!r} matches {n}, table {row['expect']}"

