"""The -V writer (analyzer/output/detail_tree.py) checks a dissector's explicit labels
for raw controls once a packet, not once a label, and writes a packet's ASCII lines apart
from its other lines. Both must leave the text as label() makes it line by line: a
label holding a raw control (the safety net for a dissector that did not escape packet
text) comes out escaped, wherever it stands in the tree, and the pieces written in turn
are the packet's whole text."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.output.detail_tree import (
    MAX_INDENT,
    _data_dump,
    detail_parts,
    detail_text,
    tree_lines,
)
from captures.open import open_capture
from dissectors import Session
from dissectors.frame import dissect
from dissectors.packet import Item, Packet, SharedItem

ROOT = Path(__file__).resolve().parent.parent
HTTP = ROOT / "tests" / "data" / "corpus" / "dpkt-nb6-http.pcap"


def _packets(path: Path) -> list[Packet]:
    session = Session()
    return [dissect(f, session) for f in open_capture(str(path))]


def _walked_text(pkt: Packet, data_dumps: bool = True) -> str:
    """The -V text from the generic walk, label() on every line: the reference."""
    lines: list[str] = []
    for depth, text, item in tree_lines(pkt):
        lines.append("    " * min(depth, MAX_INDENT // 4) + text)
        if data_dumps:
            _data_dump(pkt, item, lines)
    return "\n".join(lines)


def _explicit(pkt: Packet) -> list[Item]:
    """The shown items with a short explicit label, not generated, not in a block."""
    found: list[Item] = []

    def walk(items: list[Item]) -> None:
        for it in items:
            if it.hidden or type(it) is SharedItem:
                continue
            if it.text is not None and not it.generated and len(it.text) < 40:
                found.append(it)
            walk(it.children or [])
    walk(pkt.tree)
    return found


#: Labels a careless dissector could make from packet text: ASCII controls, a DEL, a
#: control beside a non-ASCII character, a tab; and harmless ones beside them.
#: Long ones too: checked with the packet's others up to the label buffer's 239
#: characters, cut (label()'s fit_label) from 240 on.
HOSTILE = ("GET /\x1b[2J HTTP/1.1", "a\rb", "bell\x07", "del\x7f", "·\x1b·", "tab\there",
           "plain text", "caf\u00e9 \u2026", "L" * 100 + "\x1b", "\x07" + "m" * 237,
           "m" * 238 + "\x7f", "n" * 239 + "\x01", "o" * 300, "p" * 120 + "\u2026\x1b",
           "q" * 59 + "\r", "r" * 60 + "\r", "s" * 250 + "\x1b")


@pytest.mark.parametrize("generated", [False, True])
@pytest.mark.parametrize("where", ["first", "middle", "last"])
@pytest.mark.parametrize("bad", HOSTILE)
def test_raw_controls_in_labels_escaped_as_label_does(bad: str, where: str,
                                                      generated: bool) -> None:
    pkt = max(_packets(HTTP), key=lambda p: len(_explicit(p)))
    items = _explicit(pkt)
    assert len(items) >= 3
    item = {"first": items[0], "middle": items[len(items) // 2], "last": items[-1]}[where]
    item.text = bad
    item.generated = generated
    for data_dumps in (True, False):
        want = _walked_text(pkt, data_dumps)
        assert detail_text(pkt, data_dumps=data_dumps) == want
        parts = detail_parts(pkt, data_dumps, None, ("\n\n",))
        assert "".join(parts) == want + "\n\n"
    text = detail_text(pkt)
    assert not any(ch < " " and ch != "\n" or ch == "\x7f" for ch in text)


def test_parts_split_at_lines_that_are_not_ascii() -> None:
    """A TCP packet's flags line ("·", in the flags block) is written apart: most of the
    text is in ASCII runs, and together the parts are the whole text."""
    split = 0
    for pkt in _packets(HTTP):
        parts = detail_parts(pkt, True, None, ("\n\n",))
        assert "".join(parts) == _walked_text(pkt) + "\n\n"
        if len(parts) > 1:
            split += 1
            assert sum(not p.isascii() for p in parts) >= 1
            wide = sum(len(p) for p in parts if not p.isascii())
            assert wide < sum(len(p) for p in parts if p.isascii())
    assert split > 0


def test_kept_block_texts_split_as_when_first_written() -> None:
    """A prebuilt block's text is written once and kept (with whether it is ASCII); a
    packet written again, from the kept texts, gives the same parts as the first time,
    its non-ASCII block lines apart."""
    wide = 0
    for pkt in _packets(HTTP):
        for dumps in (True, False):
            first = detail_parts(pkt, dumps, None, ())
            assert detail_parts(pkt, dumps, None, ()) == first
            wide += sum(not p.isascii() for p in first)
    assert wide > 0
