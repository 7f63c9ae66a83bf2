"""OUI -> vendor name, from Wireshark's `manuf` file when it is installed.

tshark adds `eth.src.oui_resolved` (and dst, addr) for every OUI its manuf file knows,
even with `-n`; we read the same file (installed with tshark's wireshark-common, or
named by LABSHARK_MANUF) instead of shipping a copy, so without it the fields are
simply absent. Only 24-bit OUIs count here, as in Wireshark's OUI lookup.
"""

from __future__ import annotations

import os
import re

_PATHS = ("/usr/share/wireshark/manuf", "/usr/local/share/wireshark/manuf")
_LINE = re.compile(rb"^([0-9A-Fa-f]{2}):([0-9A-Fa-f]{2}):([0-9A-Fa-f]{2})\t([^\t\r\n]*)"
                   rb"(?:\t([^\r\n]*))?$", re.M)
_TABLE: dict[int, str] | None = None


def _load() -> dict[int, str]:
    paths = [os.environ["LABSHARK_MANUF"]] if os.environ.get("LABSHARK_MANUF") else _PATHS
    for path in paths:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            continue
        table = {}
        for a, b, c, short, long in _LINE.findall(data):
            name = (long or short).split(b"\t")[0].split(b"#")[0].strip() or short.strip()
            if name:
                table[int(a + b + c, 16)] = name.decode("utf-8", "replace")
        return table
    return {}


def oui_name(oui: int) -> str | None:
    """The vendor Wireshark names for this 24-bit OUI, None when unknown."""
    global _TABLE
    if _TABLE is None:
        _TABLE = _load()
    return _TABLE.get(oui)


__all__ = ["oui_name"]
