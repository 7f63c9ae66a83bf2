"""`-x`: the packet's bytes in tshark's hex dump layout, each data source titled."""

from __future__ import annotations

from dissectors.packet import Packet

# Byte -> itself when printable ASCII, else ".": the ASCII column in one translate().
_PRINTABLE = bytes(c if 32 <= c < 127 else 0x2E for c in range(256))


def hex_dump(data: bytes | memoryview) -> str:
    """tshark's `-x` layout: offset, 16 hex bytes in two groups of 8, ASCII."""
    lines = []
    b = bytes(data)
    for off in range(0, len(b), 16):
        chunk = b[off: off + 16]
        hexpart = chunk.hex(" ")  # tshark 4.0: no gap after 8 bytes
        asc = chunk.translate(_PRINTABLE).decode("ascii")
        lines.append(f"{off:04x}  {hexpart:<47}   {asc}")
    return "\n".join(lines)


def hex_text(pkt: Packet) -> str:
    """The frame's bytes, then each extra data source (reassembled data) titled."""
    if len(pkt.sources) == 1:
        return hex_dump(pkt.sources[0][1])
    parts = []
    for name, data in pkt.sources:
        # tshark titles every source with its size; ours may carry it in the name.
        title = name if name.endswith(" bytes)") else f"{name} ({len(data)} bytes)"
        title += ":"
        parts.append(title + "\n" + hex_dump(data))
    return "\n".join(parts)
