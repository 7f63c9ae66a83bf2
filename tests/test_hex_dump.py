"""`-x`'s dump (analyzer/output/hex_dump.py) slices each line from the whole buffer's hex
and ASCII and keeps the offsets it made. Its lines must be tshark's layout for every
length: full lines, a short last line padded, an empty buffer, and offsets past the 64
KiB that are kept (five hex digits, as tshark prints them)."""

from __future__ import annotations

import pytest

from analyzer.output.hex_dump import hex_dump


def _line(off: int, chunk: bytes, ascii: str) -> str:
    """One line as print.c lays it out, made byte by byte."""
    hexpart = " ".join(f"{b:02x}" for b in chunk).ljust(47)
    text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
    if ascii == "noascii":
        return f"{off:04x}  {hexpart}   "
    return f"{off:04x}  {hexpart}   " + (f"|{text}|" if ascii == "delimit" else text)


def _reference(data: bytes, ascii: str) -> str:
    return "\n".join(_line(off, data[off: off + 16], ascii) for off in range(0, len(data), 16))


@pytest.mark.parametrize("ascii", ["ascii", "delimit", "noascii"])
@pytest.mark.parametrize("n", [0, 1, 15, 16, 17, 31, 32, 33, 1500, 65535, 65536, 65552, 70001])
def test_dump_lines_as_tshark_lays_them_out(n: int, ascii: str) -> None:
    data = bytes((i * 37 + 11) % 256 for i in range(n))
    assert hex_dump(data, ascii) == _reference(data, ascii)
    assert hex_dump(memoryview(data), ascii) == _reference(data, ascii)


def test_offsets_past_64k_in_five_digits() -> None:
    lines = hex_dump(bytes(65552)).split("\n")
    assert lines[-1].startswith("10000  00 00")
    assert lines[-2].startswith("fff0  ")
