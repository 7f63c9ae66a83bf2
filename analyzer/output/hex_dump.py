"""`-x`: the packet's bytes in tshark's hex dump layout, each data source titled.

`--hexdump` shapes it as tshark's does: `frames` dumps the frame's bytes alone (no
title), `delimit` puts the ASCII column between `|`s and `noascii` leaves it out.
"""

from __future__ import annotations

from typing import Final

from dissectors.packet import Packet

# Byte -> itself when printable ASCII, else ".": the ASCII column in one translate().
_PRINTABLE: Final = bytes(c if 32 <= c < 127 else 0x2E for c in range(256))

#: tshark's `--hexdump` values: (data-source choices, ASCII-column choices).
HEXDUMP_SOURCES = ("all", "frames")
HEXDUMP_ASCII = ("ascii", "delimit", "noascii")


def hex_dump(data: bytes | memoryview, ascii: str = "ascii") -> str:
    """tshark's `-x` layout: offset, 16 hex bytes in two groups of 8, ASCII. (The hex
    and ASCII of the whole buffer made at once, each line sliced from them.)"""
    b = bytes(data)
    n = len(b)
    hexes = b.hex(" ")  # tshark 4.0: no gap after 8 bytes
    offsets = _offsets(n)
    full = n - n % 16  # (full lines: 47 characters of hex, no padding)
    # (each full line one f-string: one BUILD_STRING, not five concatenations)
    if ascii == "noascii":
        lines = [f"{offsets[i]}  {hexes[i * 48: i * 48 + 47]}   " for i in range(full >> 4)]
        if full < n:
            lines.append(offsets[full >> 4] + "  " + hexes[full * 3:].ljust(47) + "   ")
        return "\n".join(lines)
    text = b.translate(_PRINTABLE).decode("ascii")
    if ascii == "delimit":
        lines = [f"{offsets[i]}  {hexes[i * 48: i * 48 + 47]}   |{text[i * 16: i * 16 + 16]}|"
                 for i in range(full >> 4)]
        left, right = "|", "|"
    else:
        lines = [f"{offsets[i]}  {hexes[i * 48: i * 48 + 47]}   {text[i * 16: i * 16 + 16]}"
                 for i in range(full >> 4)]
        left, right = "", ""
    if full < n:
        lines.append(offsets[full >> 4] + "  " + hexes[full * 3:].ljust(47) + "   " + left
                     + text[full:] + right)
    return "\n".join(lines)


#: Each line's offset text ("0000", "0010", ...), made as far as a dump has needed, up
#: to 64 KiB (a frame's largest): a larger buffer's further offsets are made each time.
_OFFSETS: list[str] = []
_OFFSETS_MAX: Final = 1 << 16


def _offsets(n: int) -> list[str]:
    """The offset texts of a dump of `n` bytes (the shared list, grown to fit)."""
    have = len(_OFFSETS) * 16
    if have < n:
        if n > _OFFSETS_MAX:
            return _offsets(_OFFSETS_MAX) + [f"{off:04x}" for off in
                                             range(_OFFSETS_MAX, n, 16)]
        _OFFSETS.extend(f"{off:04x}" for off in range(have, n, 16))
    return _OFFSETS


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
