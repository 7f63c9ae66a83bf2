"""Readers of the generated value-name tables (dissectors/*_names.py, tls_tables.py, ...):
one "value name" row each, as tshark 4.0's `-G values` lists them. One parser for all
of them, so the generated modules hold data only."""

from __future__ import annotations


def _rows(text: str, sep: str, base: int) -> dict[int, str]:
    out: dict[int, str] = {}
    for row in text.strip().split(sep):
        key, _, name = row.strip().partition(" ")
        out[int(key, base)] = name
    return out


def dec_table(text: str, sep: str = "\n") -> dict[int, str]:
    """Rows of a decimal value (negative ones too: errno codes) and its name."""
    return _rows(text, sep, 10)


def hex_table(text: str, sep: str = "\n") -> dict[int, str]:
    """Rows of a hexadecimal value and its name."""
    return _rows(text, sep, 16)


__all__ = ["dec_table", "hex_table"]
