"""Numbers read from packet text: C's strtol and casts, never Python's int() limits."""

from __future__ import annotations

import pytest

from dissectors.textnum import LONG_MAX, LONG_MIN, strtol, whole_int64, wrap


@pytest.mark.parametrize(("text", "base", "value"), [
    ("123abc", 10, 123), ("  -42", 10, -42), ("+7", 10, 7), ("", 10, 0), ("x1", 10, 0),
    ("9" * 4301, 10, LONG_MAX), ("-" + "9" * 4301, 10, LONG_MIN), ("0" * 5000 + "5", 10, 5),
    ("1_0", 10, 1), ("\u0663", 10, 0), ("ff;ext", 16, 255), ("0x1F", 16, 31), ("0xg", 16, 0),
    ("f" * 5000, 16, LONG_MAX), ("-3", 16, -3), ("9223372036854775808", 10, LONG_MAX),
    ("-9223372036854775808", 10, LONG_MIN),
])
def test_strtol_is_c_strtol(text: str, base: int, value: int) -> None:
    assert strtol(text, base) == value


def test_casts_wrap() -> None:
    assert wrap(LONG_MAX, 32, True) == -1
    assert wrap(-3, 32, False) == 0xFFFFFFFD
    assert wrap(4294967304, 32, True) == 8


@pytest.mark.parametrize(("text", "value"), [
    ("2", 2), ("+2", 2), ("-1", -1), (" 5", 5), ("1_0", None), ("2x", None), ("", None),
    ("9" * 5000, None), ("0" * 5000 + "2", 2), ("99999999999999999999", None),
    ("9223372036854775807", LONG_MAX), ("9223372036854775808", None),
    ("-9223372036854775808", LONG_MIN), ("\u0663", None),
])
def test_whole_int64_is_ws_strtoi64(text: str, value: int | None) -> None:
    assert whole_int64(text) == value
