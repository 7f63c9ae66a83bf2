"""pytest plugin (entry point `pytest11`): fixtures for pcap regression tests.

    def test_tftp_transfer(capture, assert_golden):
        cap = capture("captures/samples/tftp_rrq.pcap")
        assert cap.filter("tftp.opcode == 3").count() == 3
        assert_golden("captures/samples/tftp_rrq.pcap", "tests/golden/tftp_rrq.txt")

`pytest --update-golden` rewrites the expected files instead of comparing.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="labshark: rewrite golden files instead of comparing with them")


@pytest.fixture
def capture() -> Callable[..., Any]:
    """`capture(path, display_filter=None, decode_as=None, two_pass=False)` -> Capture."""
    from analyzer import open_capture

    return open_capture


@pytest.fixture
def assert_golden(request: pytest.FixtureRequest) -> Callable[..., None]:
    """`assert_golden(capture_path, expected_path, *analyze_options)`: the output of
    `analyze CAPTURE OPTIONS` must equal the expected file (a unified diff otherwise)."""
    update = bool(request.config.getoption("--update-golden", default=False))

    def check(capture_path: str | Path, expected: str | Path, *options: str) -> None:
        from analyzer.app import run

        argv = [str(capture_path), *options, "--golden", str(expected)]
        if update:
            argv.append("--update-golden")
        out, err = io.StringIO(), io.StringIO()
        code = run(argv, out, err)
        if code == 1 and not err.getvalue():
            pytest.fail(f"output differs from {expected}:\n{out.getvalue()}", pytrace=False)
        if code != 0:
            pytest.fail(f"analyze failed ({code}): {err.getvalue().strip()}", pytrace=False)

    return check
