"""Syntax tree nodes: the parser builds them, the semantic check types them.

After the check, every value node carries `kind` (what its values are: "int",
"ipv4", "bytes", "string", ...) and every FieldRef its registry Field, so a later
compiler (closures today, raw-byte readers later) needs nothing but this tree.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from dissectors.registry import Field


@dataclass(eq=False)
class Node:
    col: int
    length: int

    def children(self) -> list[tuple[Node, int]]:
        """Sub-nodes to show under this one, each with its extra indentation."""
        return []

    def dump(self, depth: int = 0) -> list[str]:
        """One line per node, children indented; a loop, so a 10,000-term chain
        cannot exhaust Python's recursion limit."""
        out: list[str] = []
        todo: list[tuple[Node, int]] = [(self, depth)]
        while todo:
            node, d = todo.pop()
            out.append("  " * d + repr(node))
            todo.extend((c, d + k) for c, k in reversed(node.children()))
        return out


# ---- value expressions -------------------------------------------------------------
@dataclass(eq=False)
class Word(Node):
    """Unquoted text: a field name or a literal, decided by the semantic check."""

    text: str

    def __repr__(self) -> str:
        return f"UNPARSED({self.text})"


@dataclass(eq=False)
class Literal(Node):
    """A quoted string (`raw` for r"..."), or a char constant ('a' -> int)."""

    kind: str  # "string" | "char"
    value: Any  # bytes for strings, int for chars
    raw: bool = False

    def __repr__(self) -> str:
        return f"{'STRING' if self.kind == 'string' else 'CHARCONST'}({self.value!r})"


@dataclass(eq=False)
class FieldRef(Node):
    """A field or protocol occurrence list, optionally restricted to some layers."""

    name: str
    layers: list[tuple[int, int | None]] | None = None  # (first, last) 1-based, inclusive
    field: Field | None = None  # set by the semantic check
    kind: str = ""
    raw: bool = False  # `@field`: its bytes as in the packet, whatever its type
    ref: bool = False  # `${field}`: its values in the selected packet
    selected: list[Any] = dataclasses.field(default_factory=list)  # set by select()

    def __repr__(self) -> str:
        lay = f"#{self.layers}" if self.layers else ""
        if self.ref:
            return f"REFERENCE({'@' if self.raw else ''}{self.name}{lay})"
        ft = f" <{self.field.type.value}>" if self.field is not None else ""
        return f"FIELD({self.name}{lay}{ft})"


@dataclass(eq=False)
class Const(Node):
    """A typed constant (made by the semantic check from a Word/Literal)."""

    value: Any
    kind: str
    text: str = ""
    prefix: int | None = None  # CIDR / IPv6 prefix length

    def __repr__(self) -> str:
        pfx = f"/{self.prefix}" if self.prefix is not None else ""
        return f"FVALUE({self.text or self.value!r}{pfx} <{self.kind}>)"


@dataclass(eq=False)
class Slice(Node):
    """`expr[ranges]`: ranges are (start, end-exclusive or None=to end)."""

    expr: Node
    spec: str
    ranges: list[tuple[int, int | None, str]] = field(default_factory=list)
    kind: str = "bytes"

    def __repr__(self) -> str:
        return f"SLICE[{self.spec}]"

    def children(self) -> list[tuple[Node, int]]:
        return [(self.expr, 1)]


@dataclass(eq=False)
class Func(Node):
    name: str
    args: list[Node]
    kind: str = ""

    def __repr__(self) -> str:
        return f"FUNCTION({self.name}) <{self.kind}>" if self.kind else f"FUNCTION({self.name})"

    def children(self) -> list[tuple[Node, int]]:
        return [(a, 1) for a in self.args]


@dataclass(eq=False)
class Arith(Node):
    """Binary arithmetic / bitwise-and (`op` in + - * / % &), or unary minus (right None)."""

    op: str
    left: Node
    right: Node | None
    kind: str = ""

    def __repr__(self) -> str:
        return f"ARITH({self.op})" + (f" <{self.kind}>" if self.kind else "")

    def children(self) -> list[tuple[Node, int]]:
        return [(self.left, 1)] + ([(self.right, 1)] if self.right is not None else [])


@dataclass(eq=False)
class SetRange(Node):
    low: Node
    high: Node

    def __repr__(self) -> str:
        return "RANGE"

    def children(self) -> list[tuple[Node, int]]:
        return [(self.low, 1), (self.high, 1)]


# ---- tests -------------------------------------------------------------------------
@dataclass(eq=False)
class Exists(Node):
    """A bare value used as a test: field present, or (for `a & b`) non-zero."""

    expr: Node

    def __repr__(self) -> str:
        return "TEST_EXISTS" if not isinstance(self.expr, Arith) else "TEST_NONZERO"

    def children(self) -> list[tuple[Node, int]]:
        return [(self.expr, 1)]


@dataclass(eq=False)
class Compare(Node):
    """`left op right`; `op` canonical (any_eq, all_ne, all_eq, any_ne, gt, ...)."""

    op: str
    left: Node
    right: Node
    quant: str | None = None  # explicit "any" / "all" prefix
    op_col: int = 0
    op_len: int = 1
    regex: Any = None  # compiled pattern for `matches`
    labels: dict[int, str] | None = None  # value names a string test reads instead

    def __repr__(self) -> str:
        q = f"{self.quant.upper()} " if self.quant else ""
        return f"TEST_{q}{self.op.upper()}"

    def children(self) -> list[tuple[Node, int]]:
        return [(self.left, 1), (self.right, 1)]


@dataclass(eq=False)
class InSet(Node):
    expr: Node
    items: list[Node]
    negated: bool = False
    quant: str | None = None  # "all": tshark 4.0 expands to (all x == a) or (all x == b)...

    def __repr__(self) -> str:
        q = f"{self.quant.upper()} " if self.quant else ""
        return f"TEST_{q}{'NOT_IN' if self.negated else 'IN'}"

    def children(self) -> list[tuple[Node, int]]:
        return [(self.expr, 1)] + [(it, 2) for it in self.items]


@dataclass(eq=False)
class Logic(Node):
    """`and` / `or` / `xor` (two operands) or `not` (right None)."""

    op: str
    left: Node
    right: Node | None = None

    def __repr__(self) -> str:
        return f"TEST_{self.op.upper()}"

    def children(self) -> list[tuple[Node, int]]:
        return [(self.left, 1)] + ([(self.right, 1)] if self.right is not None else [])


VALUE_NODES = (Word, Literal, FieldRef, Const, Slice, Func, Arith)


def field_refs(tree: Node | None) -> list[FieldRef]:
    """Every field or protocol reference in a tree (the fast path's field check, the
    fields a filter primes for io,stat): one walk over every node type."""
    out: list[FieldRef] = []
    todo: list[Any] = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, FieldRef):
            out.append(node)
        if isinstance(node, Node) and dataclasses.is_dataclass(node):
            todo.extend(getattr(node, f.name) for f in dataclasses.fields(node))
        elif isinstance(node, (list, tuple)):
            todo.extend(node)
    return out


def operands(node: Logic) -> list[Node]:
    """The terms of a run of one binary operator: `a or b or c` (however it nests,
    `a or (b or c)` too) -> [a, b, c]. Walked with a stack, so checking, compiling
    and matching a 10,000-term chain never recurses per term."""
    out: list[Node] = []
    todo: list[Node] = [node]
    while todo:
        n = todo.pop()
        if isinstance(n, Logic) and n.op == node.op and n.right is not None:
            todo += (n.right, n.left)
        else:
            out.append(n)
    return out


def strip_not(node: Logic) -> tuple[Node, int]:
    """`not not ... x` -> (x, how many `not`s)."""
    count = 0
    inner: Node = node
    while isinstance(inner, Logic) and inner.op == "not":
        inner = inner.left
        count += 1
    return inner, count
