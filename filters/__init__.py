"""Wireshark's display filter language: `compile_filter(text).match(pkt)`.

Staged like Wireshark's epan/dfilter: lexer -> parser -> semantic check ->
compiler. Only `compile_filter` and `FilterError` are the public interface.
"""

from __future__ import annotations

from collections.abc import Callable

from dissectors.packet import Packet
from filters.compiler import TRAILERS
from filters.compiler import test as _compile_test
from filters.compiler import values as _values
from filters.errors import FilterError
from filters.macros import expand as expand_macros
from filters.parser import NESTED_TOO_DEEPLY, parse
from filters.semantic import check
from filters.syntax import FieldRef, Node, field_refs


def _guarded(fn: Callable[[Packet], bool]) -> Callable[[Packet], bool]:
    """A value of an unexpected type from a dissector makes the test false, never a
    traceback (the try costs nothing on the normal path)."""

    def match(pkt: Packet) -> bool:
        try:
            return fn(pkt)
        except (TypeError, ValueError, AttributeError, IndexError, KeyError, OverflowError):
            return False
    return match


class CompiledFilter:
    """A checked, compiled filter: `match(pkt)` is the whole run-time cost."""

    __slots__ = ("text", "tree", "match", "references", "fields")

    def __init__(self, text: str, tree: Node) -> None:
        self.text = text
        self.tree = tree  # the checked, typed tree (fields resolved to registry Fields)
        refs = field_refs(tree)
        self.references = [r for r in refs if r.ref]
        self.match = _guarded(_compile_test(tree))
        # The fields `match` reads (what a tree-less dissection must make: Wireshark's
        # interesting fields), with the link trailers a protocol's bytes end at; None
        # when it needs the whole tree (`field#N` counts layers by walking it).
        names = (r.field.abbrev if r.field is not None else r.name for r in refs)
        self.fields: frozenset[str] | None = None if any(r.layers for r in refs) else \
            frozenset(names).union(TRAILERS)

    def select(self, pkt: Packet | None) -> None:
        """Give the field references (`${ip.src}`) the values of the selected packet
        (tshark's --selected-frame); without one they have no value and match nothing."""
        for r in self.references:
            if pkt is None:
                r.selected = []
                continue
            plain = FieldRef(r.col, r.length, r.name, r.layers, r.field, r.kind, r.raw)
            try:
                r.selected = _values(plain)(pkt)
            except (TypeError, ValueError, AttributeError, IndexError, KeyError):
                r.selected = []

    def explain(self) -> str:
        """The checked syntax tree, one node per line (what `--explain` prints)."""
        return "Filter:\n    " + self.text + "\n\nSyntax tree:\n" + "\n".join(
            "  " + line for line in self.tree.dump())

    def __repr__(self) -> str:
        return f"CompiledFilter({self.text!r})"


def compile_filter(text: str, selected: Packet | None = None) -> CompiledFilter:
    """Parse, check and compile a display filter; raises FilterError when it is invalid.
    Macros are expanded first; `selected` is the packet field references read."""
    import dissectors  # noqa: F401 - registers every protocol's fields

    source = text
    try:
        text = expand_macros(text)
        tree = check(parse(text), text)
    except FilterError as e:
        e.text = text
        raise
    except RecursionError:
        raise FilterError(NESTED_TOO_DEEPLY, 0, len(text), text) from None
    flt = CompiledFilter(source, tree)
    flt.select(selected)
    return flt


__all__ = ["compile_filter", "CompiledFilter", "FilterError"]
