"""`-x`: the packet's bytes in tshark's hex dump layout, each data source titled.

`--hexdump` shapes it as tshark's does: `frames` dumps the frame's bytes alone (no
title), `delimit` puts the ASCII column between `|`s and `noascii` leaves it out.
"""

from __future__ import annotations

from dissectors.packet import Packet

# Byte -> itself when printable ASCII, else ".": the ASCII column in one translate().
_PRINTABLE = bytes(c if 32 <= c < 127 else 0x2E for c in range(256))

#: tshark's `--hexdump` values: (data-source choices, ASCII-column choices).
HEXDUMP_SOURCES = ("all", "frames")
HEXDUMP_ASCII = ("ascii", "delimit", "noascii")


def hex_dump(data: bytes | memoryview, ascii: str = "ascii") -> str:
    """tshark's `-x` layout: offset, 16 hex bytes in two groups of 8, ASCII."""
    lines = []
    b = bytes(data)
    for off in range(0, len(b), 16):
        chunk = b[off: off + 16]
        hexpart = chunk.hex(" ")  # tshark 4.0: no gap after 8 bytes
        if ascii == "noascii":
            lines.append(f"{off:04x}  {hexpart:<47}   ")
            continue
        asc = chunk.translate(_PRINTABLE).decode("ascii")
        if ascii == "delimit":
            asc = f"|{asc}|"
        lines.append(f"{off:04x}  {hexpart:<47}   {asc}")
    return "\n".join(lines)


def hex_text(pkt: Packet, sources: str = "all", ascii: str = "ascii") -> str:
    """The frame's bytes, then each extra data source (reassembled data) titled."""
    if len(pkt.sources) == 1 or sources == "frames":
        return hex_dump(pkt.sources[0][1], ascii)
    parts = []
    for name, data in pkt.sources:
        # tshark titles every source with its size; ours may carry it in the name.
        title = name if name.endswith(" bytes)") else f"{name} ({len(data)} bytes)"
        title += ":"
        parts.append(title + "\n" + hex_dump(data, ascii))
    return "\n".join(parts)
