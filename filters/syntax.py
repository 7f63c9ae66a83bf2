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

    def dump(self, depth: int = 0) -> list[str]:
        return ["  " * depth + repr(self)]


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

    def dump(self, depth: int = 0) -> list[str]:
        return super().dump(depth) + self.expr.dump(depth + 1)


@dataclass(eq=False)
class Func(Node):
    name: str
    args: list[Node]
    kind: str = ""

    def __repr__(self) -> str:
        return f"FUNCTION({self.name}) <{self.kind}>" if self.kind else f"FUNCTION({self.name})"

    def dump(self, depth: int = 0) -> list[str]:
        out = super().dump(depth)
        for a in self.args:
            out += a.dump(depth + 1)
        return out


@dataclass(eq=False)
class Arith(Node):
    """Binary arithmetic / bitwise-and (`op` in + - * / % &), or unary minus (right None)."""

    op: str
    left: Node
    right: Node | None
    kind: str = ""

    def __repr__(self) -> str:
        return f"ARITH({self.op})" + (f" <{self.kind}>" if self.kind else "")

    def dump(self, depth: int = 0) -> list[str]:
        out = super().dump(depth) + self.left.dump(depth + 1)
        if self.right is not None:
            out += self.right.dump(depth + 1)
        return out


@dataclass(eq=False)
class SetRange(Node):
    low: Node
    high: Node

    def __repr__(self) -> str:
        return "RANGE"

    def dump(self, depth: int = 0) -> list[str]:
        return super().dump(depth) + self.low.dump(depth + 1) + self.high.dump(depth + 1)


# ---- tests -------------------------------------------------------------------------
@dataclass(eq=False)
class Exists(Node):
    """A bare value used as a test: field present, or (for `a & b`) non-zero."""

    expr: Node

    def __repr__(self) -> str:
        return "TEST_EXISTS" if not isinstance(self.expr, Arith) else "TEST_NONZERO"

    def dump(self, depth: int = 0) -> list[str]:
        return super().dump(depth) + self.expr.dump(depth + 1)


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

    def dump(self, depth: int = 0) -> list[str]:
        return super().dump(depth) + self.left.dump(depth + 1) + self.right.dump(depth + 1)


@dataclass(eq=False)
class InSet(Node):
    expr: Node
    items: list[Node]
    negated: bool = False
    quant: str | None = None  # "all": tshark 4.0 expands to (all x == a) or (all x == b)...

    def __repr__(self) -> str:
        q = f"{self.quant.upper()} " if self.quant else ""
        return f"TEST_{q}{'NOT_IN' if self.negated else 'IN'}"

    def dump(self, depth: int = 0) -> list[str]:
        out = super().dump(depth) + self.expr.dump(depth + 1)
        for it in self.items:
            out += it.dump(depth + 2)
        return out


@dataclass(eq=False)
class Logic(Node):
    """`and` / `or` / `xor` (two operands) or `not` (right None)."""

    op: str
    left: Node
    right: Node | None = None

    def __repr__(self) -> str:
        return f"TEST_{self.op.upper()}"

    def dump(self, depth: int = 0) -> list[str]:
        out = super().dump(depth) + self.left.dump(depth + 1)
        if self.right is not None:
            out += self.right.dump(depth + 1)
        return out


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
