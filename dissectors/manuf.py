"""OUI -> vendor name, from Wireshark's `manuf` file when it is installed.

tshark adds `eth.src.oui_resolved` (and dst, addr) for every OUI its manuf file knows,
even with `-n`; we read the same file (installed with tshark's wireshark-common, or
named by LABSHARK_MANUF) instead of shipping a copy, so without it the fields are
simply absent. Only 24-bit OUIs count here, as in Wireshark's OUI lookup.

A run meets few OUIs, and parsing the whole file (~50k lines) was a third of a -V
run's start-up: the first few OUIs are looked up each in the file's text (its line
read by the same pattern, the last such line winning as in the table), and only a
run that asks for more parses the whole table, once.
"""

from __future__ import annotations

import os
import re

_PATHS = ("/usr/share/wireshark/manuf", "/usr/local/share/wireshark/manuf")
_LINE = re.compile(rb"^([0-9A-Fa-f]{2}):([0-9A-Fa-f]{2}):([0-9A-Fa-f]{2})\t([^\t\r\n]*)"
                   rb"(?:\t([^\r\n]*))?$", re.M)
_TABLE: dict[int, str] | None = None
#: The file's text and its upper-case copy (where an OUI's lines are found, whatever
#: the case of their hex digits), read on the first lookup; None: no file.
_TEXT: tuple[bytes, bytes] | None = None
_READ = False
#: OUIs looked up one by one so far (their answers); past _SINGLE_MAX the table is made.
_FOUND: dict[int, str | None] = {}
_SINGLE_MAX = 32


def _read() -> bytes | None:
    paths = [os.environ["LABSHARK_MANUF"]] if os.environ.get("LABSHARK_MANUF") else _PATHS
    for path in paths:
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError:
            continue
    return None


def _name(short: bytes, long: bytes) -> str:
    name = (long or short).split(b"\t")[0].split(b"#")[0].strip() or short.strip()
    return name.decode("utf-8", "replace")


def _load(data: bytes | None) -> dict[int, str]:
    table = {}
    for a, b, c, short, long in _LINE.findall(data or b""):
        name = _name(short, long)
        if name:
            table[int(a + b + c, 16)] = name
    return table


def _lookup(text: tuple[bytes, bytes], oui: int) -> str | None:
    """What the table would hold for `oui`: its last line that the pattern reads with a
    name (the table keeps the last)."""
    data, upper = text
    needle = b"%02X:%02X:%02X\t" % (oui >> 16, (oui >> 8) & 0xFF, oui & 0xFF)
    end = len(upper)
    while (at := upper.rfind(needle, 0, end)) >= 0:
        end = at
        if at and upper[at - 1] != 0x0A:  # not at a line's start
            continue
        stop = data.find(b"\n", at)
        m = _LINE.match(data, at, len(data) if stop < 0 else stop)
        if m and (name := _name(m[4], m[5] or b"")):
            return name
    return None


def preload() -> None:
    """Read the file's text now, not at the first lookup: before a split's fork, so that
    both processes share one copy (analyzer/split_run.py) instead of each reading it."""
    global _TEXT, _READ
    if not _READ:
        _READ = True
        data = _read()
        _TEXT = (data, data.upper()) if data is not None else None


def oui_name(oui: int) -> str | None:
    """The vendor Wireshark names for this 24-bit OUI, None when unknown."""
    global _TABLE, _TEXT
    if _TABLE is not None:
        return _TABLE.get(oui)
    if oui in _FOUND:
        return _FOUND[oui]
    if not _READ:
        preload()
    if _TEXT is None:
        _TABLE = {}
        return None
    if len(_FOUND) >= _SINGLE_MAX:
        _TABLE = _load(_TEXT[0])
        _TEXT = None
        _FOUND.clear()
        return _TABLE.get(oui)
    got = _FOUND[oui] = _lookup(_TEXT, oui)
    return got


__all__ = ["oui_name", "preload"]
