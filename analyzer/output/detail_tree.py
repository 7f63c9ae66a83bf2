"""`-V`: the detail tree, in tshark's plain-text layout."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from analyzer.output.hex_dump import hex_dump
from dissectors.format import LABEL_CACHE, SHORTEST_LONG, label
from dissectors.packet import Item, Packet, SharedItem
from dissectors.registry import FT, REGISTRY, Field


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


#: print.c's MAX_INDENT: tshark -V indents no deeper than 160 spaces (40 levels).
MAX_INDENT: Final = 160


def detail_text(pkt: Packet, offsets: bool = False, data_dumps: bool = True,
                only: frozenset[str] | None = None) -> str:
    """The -V tree. tshark's -V prints the bytes of each `data` node under it, but not
    with -x (the whole packet's dump follows the tree then): `data_dumps=False`.
    `only` (-O): the top-level items whose name it does not hold are their line alone."""
    lines: list[str] = []
    if only is not None:
        for item in pkt.tree:
            if item.hidden:
                continue
            name = item.field.abbrev if item.field is not None else "text"
            if name in only:
                _detail_lines(pkt, [item], "", lines, data_dumps)
            else:
                lines.append(label(item))
        return "\n".join(lines)
    if offsets:
        for d, t, item in tree_lines(pkt, offsets):
            lines.append("    " * min(d, MAX_INDENT // 4) + t)
            if data_dumps:
                _data_dump(pkt, item, lines)
    else:  # the common -V case, walked directly: no generator and tuple per line
        _detail_lines(pkt, pkt.tree, "", lines, data_dumps)
    return "\n".join(lines)


def _detail_lines(pkt: Packet, items: list[Item], indent: str, lines: list[str],
                  data_dumps: bool) -> None:
    """The same lines as tree_lines() (without offsets), appended to `lines`. label()
    is inlined for the usual items: an explicit short label, an int value whose label
    is cached, a generated one whose bracketed label is; a prebuilt subtree (a
    SharedItem, its head line with it) is one cached text. (`lines.append`, not a
    bound `add`: compiled, that is a direct list append.)"""
    deeper = indent + "    " if len(indent) < MAX_INDENT else indent
    cache = LABEL_CACHE
    generated = _GENERATED
    shared = _SHARED_TEXT
    for item in items:
        if item.hidden:
            continue
        if type(item) is SharedItem:
            got = shared.get((id(item), indent, data_dumps))
            lines.append(got[1] if got is not None else _shared_text(pkt, item, indent, data_dumps))
            continue
        text = item.text
        if item.generated:
            value = item.value
            if text is None and type(value) is int and item.field.type is not _RELTIME:
                key = (item.field, value)
                text = generated.get(key)
                if text is None:
                    if len(generated) >= _GENERATED_MAX:
                        generated.clear()
                    text = generated[key] = label(item)
            else:
                text = label(item)
        elif text is None:
            value = item.value
            text = (cache.get((item.field, value, False)) if type(value) is int else
                    None) or label(item)
        elif len(text) >= SHORTEST_LONG or not text.isprintable():  # (label's escape)
            text = label(item)
        lines.append(indent + text)
        if data_dumps and item.field is _DATA and item.length:
            _data_dump(pkt, item, lines)
        if item.children:
            _detail_lines(pkt, item.children, deeper, lines, data_dumps)


#: The `data` protocol's item, whose bytes -V dumps under it.
_DATA = REGISTRY.fields["data"]

#: (field, int value) -> a generated item's label (brackets included), but for times
#: (seldom the same twice: they would only fill it). Bounded.
_GENERATED: dict[tuple[Field, int], str] = {}
_GENERATED_MAX: Final = 4096
_RELTIME = FT.RELATIVE_TIME

#: (id of a SharedItem, indent, data_dumps) -> (the item, its line and its subtree's
#: lines, joined): a prebuilt subtree's text, made once. The entry holds the item, so
#: no other object can take its id while the entry lives. Bounded.
_SHARED_TEXT: dict[tuple[int, str, bool], tuple[Item, str]] = {}
_SHARED_TEXT_MAX: Final = 20_000


def _shared_text(pkt: Packet, item: Item, indent: str, data_dumps: bool) -> str:
    """The lines of a SharedItem (a Block's head, the same in every packet that holds
    it) and of its subtree, walked once and cached."""
    sub: list[str] = [indent + label(item)]
    if item.children:
        deeper = indent + "    " if len(indent) < MAX_INDENT else indent
        _detail_lines(pkt, item.children, deeper, sub, data_dumps)
    if len(_SHARED_TEXT) >= _SHARED_TEXT_MAX:
        _SHARED_TEXT.clear()
    text = "\n".join(sub)
    _SHARED_TEXT[(id(item), indent, data_dumps)] = (item, text)
    return text


def _data_dump(pkt: Packet, item: Item, lines: list[str]) -> None:
    if item.field is not None and item.field.abbrev == "data" and item.length:
        # tshark's -V prints the bytes of each `data` node, unindented, under it.
        src = pkt.sources[item.source][1] if item.source < len(pkt.sources) else b""
        lines.append("\n" + hex_dump(src[item.offset: item.offset + item.length]))
