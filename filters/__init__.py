"""Wireshark's display filter language: `compile_filter(text).match(pkt)`.

Staged like Wireshark's epan/dfilter: lexer -> parser -> semantic check ->
compiler. Only `compile_filter` and `FilterError` are the public interface.
"""

from __future__ import annotations

from collections.abc import Callable

from dissectors.packet import Packet
from filters.compiler import test as _compile_test
from filters.errors import FilterError
from filters.parser import NESTED_TOO_DEEPLY, parse
from filters.semantic import check
from filters.syntax import Node


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

    __slots__ = ("text", "tree", "match")

    def __init__(self, text: str, tree: Node) -> None:
        self.text = text
        self.tree = tree  # the checked, typed tree (fields resolved to registry Fields)
        self.match = _guarded(_compile_test(tree))

    def explain(self) -> str:
        """The checked syntax tree, one node per line (what `--explain` prints)."""
        return "Filter:\n    " + self.text + "\n\nSyntax tree:\n" + "\n".join(
            "  " + line for line in self.tree.dump())

    def __repr__(self) -> str:
        return f"CompiledFilter({self.text!r})"


def compile_filter(text: str) -> CompiledFilter:
    """Parse, check and compile a display filter; raises FilterError when it is invalid."""
    import dissectors  # noqa: F401 - registers every protocol's fields

    try:
        tree = check(parse(text), text)
    except FilterError as e:
        e.text = text
        raise
    except RecursionError:
        raise FilterError(NESTED_TOO_DEEPLY, 0, len(text), text) from None
    return CompiledFilter(text, tree)


__all__ = ["compile_filter", "CompiledFilter", "FilterError"]
