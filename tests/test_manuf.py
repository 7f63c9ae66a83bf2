"""dissectors/manuf.py: an OUI looked up in the manuf file's text gives what the parsed
table gives (the last named line, any hex case, only whole 24-bit lines), before and
after the table is made."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from dissectors import manuf

REAL = Path("/usr/share/wireshark/manuf")

SYNTHETIC = [
    b"00:00:0C\tCisco\tCisco Systems, Inc\n",
    b"00:00:0c\tCiscoAgain\n",  # a later line, lower-case digits: it wins
    b"AA:BB:CC\tShort\n00:1B:C5:00:00:00/36\tMasked\tMasked Co\n",  # /36: not an OUI line
    b"00:1B:C5\tOnly\t# comment\n",  # a long name that is a comment: the short one
    b"12:34:56\tCrlf\tCR LF line\r\n",  # \r before the end: the pattern reads no name
    b"x00:00:01\tNotAtStart\n 00:00:02\tIndented\n00:00:03\t\n",  # no name: not kept
    b"00:00:04\tA\tAlpha\tExtra\n00:00:04\tB\n00:00:04\t\n",  # last named line: B
    b"00:00:05\tLast\tLast at the end without newline",
]


def _reset(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setenv("LABSHARK_MANUF", str(path))
    monkeypatch.setattr(manuf, "_TABLE", None)
    monkeypatch.setattr(manuf, "_TEXT", None)
    monkeypatch.setattr(manuf, "_READ", False)
    monkeypatch.setattr(manuf, "_FOUND", {})


def _ouis(table: dict[int, str], seed: int, n: int) -> list[int]:
    rng = random.Random(seed)
    known = sorted(table)
    return rng.sample(known, min(n, len(known))) + [rng.randrange(1 << 24) for _ in range(n)]


@pytest.mark.parametrize("single_max", [0, 1, 32, 10_000])
def test_a_looked_up_oui_names_what_the_table_names(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, single_max: int) -> None:
    path = tmp_path / "manuf"
    path.write_bytes(b"".join(SYNTHETIC))
    table = manuf._load(path.read_bytes())
    assert table[0x00000C] == "CiscoAgain" and table[0x000004] == "B"
    assert 0x123456 not in table and 0x000003 not in table
    _reset(monkeypatch, path)
    monkeypatch.setattr(manuf, "_SINGLE_MAX", single_max)
    probes = [0x00000C, 0xAABBCC, 0x001BC5, 0x123456, 0x000001, 0x000002, 0x000003,
              0x000004, 0x000005, 0xFFFFFF, 0x00000C]
    assert [manuf.oui_name(o) for o in probes] == [table.get(o) for o in probes]


@pytest.mark.skipif(not REAL.exists(), reason="Wireshark's manuf file is not installed")
def test_the_real_file_answers_the_same_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    table = manuf._load(REAL.read_bytes())
    assert len(table) > 10_000
    _reset(monkeypatch, REAL)
    monkeypatch.setattr(manuf, "_SINGLE_MAX", 1 << 30)  # every answer looked up
    probes = _ouis(table, 14, 150)
    assert [manuf.oui_name(o) for o in probes] == [table.get(o) for o in probes]
    assert manuf._TABLE is None  # (they were looked up, not read from the table)


def test_no_file_names_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _reset(monkeypatch, tmp_path / "absent")
    assert manuf.oui_name(0x00000C) is None
    assert manuf._TABLE == {}
