"""`-V`: the detail tree, in tshark's plain-text layout."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final, cast

from analyzer.output.hex_dump import hex_dump
from dissectors.escape import CONTROL_TO_NUL, printable
from dissectors.format import ITEM_LABEL_LENGTH, SHORTEST_LONG, int_label, label, str_label
from dissectors.packet import Item, Packet, SharedItem
from dissectors.registry import REGISTRY


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


def detail_text(pkt: Packet, offsets: bool = False, data_dumps: bool = True,
                only: frozenset[str] | None = None) -> str:
    """The -V tree. tshark's -V prints the bytes of each `data` node under it, but not
    with -x (the whole packet's dump follows the tree then): `data_dumps=False`.
    `only` (-O): the top-level items whose name it does not hold are their line alone."""
    if offsets:
        lines: list[str] = []
        for d, t, item in tree_lines(pkt, offsets):
            lines.append("    " * min(d, MAX_INDENT // 4) + t)
            if data_dumps:
                _data_dump(pkt, item, lines)
        return "\n".join(lines)
    return "".join(detail_parts(pkt, data_dumps, only))


def detail_parts(pkt: Packet, data_dumps: bool = True, only: frozenset[str] | None = None,
                 end: tuple[str, ...] = ()) -> list[str]:
    """The -V text (without offsets) and then `end`, as strings to write in turn: one,
    or more when some line is not ASCII. (Written whole, a packet's text with one
    non-ASCII line, TCP's "[TCP Flags: ·······A····]", is encoded to UTF-8 character by
    character; its ASCII runs written apart are copied as they are.)"""
    walk = _Walk(data_dumps, False)
    _walk_packet(pkt, walk, only)
    if walk.probe and _has_control("".join(walk.probe)):
        # A dissector's label holds a raw control: the walk again, every label checked
        # (label()'s escape) as it is written.
        walk = _Walk(data_dumps, True)
        _walk_packet(pkt, walk, only)
    pieces = walk.pieces
    if pieces:
        pieces[0] = ""  # (the first line's "\n")
    pieces.extend(end)
    cuts = walk.cuts
    if not cuts:
        return ["".join(pieces)]
    parts: list[str] = []
    start = 0
    for cut in cuts:
        if cut > start:
            parts.append("".join(pieces[start:cut]))
        parts.append(pieces[cut])
        start = cut + 1
    if start < len(pieces):
        parts.append("".join(pieces[start:]))
    return parts


class _Walk:
    """One packet's -V text in the making. `pieces`: each line as its "\\n" and indent
    (a prefix), then its text. `probe`: the ASCII explicit labels not yet checked for
    controls (one check a packet: `_has_control`). `cuts`: where in `pieces` a line that
    is not ASCII stands. `checked`: check each label as it comes (label()'s rule)."""

    def __init__(self, data_dumps: bool, checked: bool) -> None:
        self.pieces: list[str] = []
        self.probe: list[str] = []
        self.cuts: list[int] = []
        self.data_dumps = data_dumps
        self.checked = checked


def _walk_packet(pkt: Packet, walk: _Walk, only: frozenset[str] | None) -> None:
    if only is None:
        _detail_lines(pkt, pkt.tree, 0, walk)
        return
    for item in pkt.tree:
        if item.hidden:
            continue
        name = item.field.abbrev if item.field is not None else "text"
        if name in only:
            _detail_lines(pkt, [item], 0, walk)
        else:
            walk.pieces.append("\n")
            walk.pieces.append(label(item))


#: "\n" and the indent of each depth; print.c's MAX_INDENT: tshark -V indents no deeper
#: than 160 spaces (40 levels).
MAX_INDENT: Final = 160
_DEPTHS: Final = MAX_INDENT // 4
_PREFIX: Final = tuple("\n" + "    " * d for d in range(_DEPTHS + 1))

def _has_control(ascii_text: str) -> bool:
    """Whether ASCII text holds a control character (what isprintable() refuses in
    ASCII), in two C passes over its bytes rather than a table look-up a character."""
    return 0 in ascii_text.encode("ascii").translate(CONTROL_TO_NUL)  # (see printable)


def _detail_lines(pkt: Packet, items: list[Item], depth: int, walk: _Walk) -> None:
    """The same lines as tree_lines() (without offsets), appended to `walk.pieces`
    (prefix, text). label() is inlined for the usual items: an explicit short label, an
    int value's label (format.int_label's cache) and a short explicit one, generated or
    not (a generated one's brackets are pieces of their own); a
    prebuilt subtree (a SharedItem, its head line with it) is one cached text; a str
    value's label is format.str_label's (cached). An explicit ASCII label shorter than
    the label buffer is checked with the packet's others (`walk.probe`), unless
    `walk.checked`. (`pieces.append`, not a bound `add`: compiled, that is a direct list
    append.)"""
    prefix = _PREFIX[depth]
    deeper = depth + 1 if depth < _DEPTHS else depth
    pieces = walk.pieces
    data_dumps = walk.data_dumps
    dkey = depth << 1 | (1 if data_dumps else 0)  # (a SharedItem's text's key)
    for item in items:
        if item.hidden:
            continue
        pieces.append(prefix)
        if type(item) is SharedItem:
            head = cast(SharedItem, item)
            key = head.vkey
            if key == dkey:
                got = head.vtext
            else:
                got = head.vtext if key == dkey | _WIDE else \
                    _shared_text(pkt, head, depth, data_dumps)
                if head.vkey & _WIDE:
                    walk.cuts.append(len(pieces))
            pieces.append(got)
            continue
        text = item.text
        if item.generated:
            value = item.value
            if text is None and type(value) is int:
                pieces.append("[")  # (label()'s brackets, as pieces of their own)
                pieces.append(int_label(item.field, value))
                text = "]"
            elif text is not None and len(text) < ITEM_LABEL_LENGTH and text.isascii() \
                    and not walk.checked:
                walk.probe.append(text)  # (an explicit ASCII label that fits, as below)
                pieces.append("[")
                pieces.append(text)
                text = "]"
            else:
                text = label(item)
                if not text.isascii():
                    walk.cuts.append(len(pieces))
        elif text is None:
            value = item.value
            if type(value) is int:
                text = int_label(item.field, value)
            else:
                text = str_label(item.field, value) if type(value) is str else label(item)
                if not text.isascii():
                    walk.cuts.append(len(pieces))
        elif len(text) >= SHORTEST_LONG and (len(text) >= ITEM_LABEL_LENGTH or
                                             not text.isascii()):
            # (label's cut to the buffer, and its escape; an ASCII label shorter than
            # the buffer is never cut: it is checked with the others, below)
            text = label(item)
            if not text.isascii():
                walk.cuts.append(len(pieces))
        elif not text.isascii():
            if not text.isprintable():
                text = label(item)  # (label's escape)
            walk.cuts.append(len(pieces))
        elif walk.checked:
            if not printable(text):
                text = label(item)
        else:
            walk.probe.append(text)
        pieces.append(text)
        if data_dumps and item.field is _DATA and item.length:
            # tshark's -V prints the bytes of each `data` node, unindented, under it.
            pieces.append("\n\n")
            pieces.append(_dump(pkt, item))
        if item.children:
            _detail_lines(pkt, item.children, deeper, walk)


#: The `data` protocol's item, whose bytes -V dumps under it.
_DATA: Final = REGISTRY.fields["data"]
#: In a SharedItem's `vkey` beside its depth and data dumps: its text is not ASCII.
_WIDE: Final = 1 << 16

def _shared_text(pkt: Packet, item: SharedItem, depth: int, data_dumps: bool) -> str:
    """The lines of a SharedItem (a Block's head, the same in every packet that holds
    it) and of its subtree, without the first line's prefix: walked once (every label
    checked) and kept on the item, for this depth and `data_dumps`."""
    walk = _Walk(data_dumps, True)
    walk.pieces.append(label(item))
    if item.children:
        _detail_lines(pkt, item.children, depth + 1 if depth < _DEPTHS else depth, walk)
    text = "".join(walk.pieces)
    item.vkey = (depth << 1 | (1 if data_dumps else 0)) | (0 if text.isascii() else _WIDE)
    item.vtext = text
    return text


def _dump(pkt: Packet, item: Item) -> str:
    """The hex dump of a `data` item's bytes."""
    src = pkt.sources[item.source][1] if item.source < len(pkt.sources) else b""
    return hex_dump(src[item.offset: item.offset + item.length])


def _data_dump(pkt: Packet, item: Item, lines: list[str]) -> None:
    if item.field is not None and item.field.abbrev == "data" and item.length:
        # tshark's -V prints the bytes of each `data` node, unindented, under it.
        lines.append("\n" + _dump(pkt, item))
