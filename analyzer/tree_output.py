"""`-V` detail tree and `-x` hex dump, in tshark's plain-text layout."""

from __future__ import annotations

from collections.abc import Iterator

from dissectors.format import label
from dissectors.packet import Item, Packet


def tree_lines(pkt: Packet, offsets: bool = False) -> Iterator[tuple[int, str, Item]]:
    """(depth, text, item) for every visible node, depth-first."""
    stack: list[tuple[int, list[Item], int]] = [(0, pkt.tree, 0)]
    while stack:
        depth, items, i = stack.pop()
        if i >= len(items):
            continue
        stack.append((depth, items, i + 1))
        item = items[i]
        if item.hidden:
            continue
        text = label(item)
        if offsets and item.length:
            text += f"  [{item.offset}:{item.length}]" if item.source == 0 else (
                f"  [{pkt.sources[item.source][0]} {item.offset}:{item.length}]")
        yield depth, text, item
        if item.children:
            stack.append((depth + 1, item.children, 0))


def detail_text(pkt: Packet, offsets: bool = False, data_dumps: bool = True) -> str:
    """The -V tree. tshark's -V prints the bytes of each `data` node under it, but not
    with -x (the whole packet's dump follows the tree then): `data_dumps=False`."""
    lines: list[str] = []
    if offsets:
        for d, t, item in tree_lines(pkt, offsets):
            lines.append("    " * d + t)
            if data_dumps:
                _data_dump(pkt, item, lines)
    else:  # the common -V case, walked directly: no generator and tuple per line
        _detail_lines(pkt, pkt.tree, "", lines, data_dumps)
    return "\n".join(lines)


def _detail_lines(pkt: Packet, items: list[Item], indent: str, lines: list[str],
                  data_dumps: bool) -> None:
    """The same lines as tree_lines() (without offsets), appended to `lines`."""
    deeper = indent + "    "
    for item in items:
        if item.hidden:
            continue
        lines.append(indent + label(item))
        if data_dumps and item.length:
            _data_dump(pkt, item, lines)
        if item.children:
            _detail_lines(pkt, item.children, deeper, lines, data_dumps)


def _data_dump(pkt: Packet, item: Item, lines: list[str]) -> None:
    if item.field is not None and item.field.abbrev == "data" and item.length:
        # tshark's -V prints the bytes of each `data` node, unindented, under it.
        src = pkt.sources[item.source][1] if item.source < len(pkt.sources) else b""
        lines.append("\n" + hex_dump(src[item.offset: item.offset + item.length]))


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
