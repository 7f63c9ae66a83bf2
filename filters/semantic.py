"""Semantic check: resolve names against the registry and type every literal.

A literal has no type of its own: `10` is a byte for `frame[0]`, ten for
`ip.ttl` and an error for `ip.src`; the field it is compared with decides, as in
Wireshark's semcheck. Error texts follow tshark's where it has one. The kinds
themselves are in filters/kinds.py, the typing of literals in filters/consts.py.
"""

from __future__ import annotations

import re

from dissectors.registry import FT, REGISTRY, Field
from filters.consts import ConstTyper
from filters.errors import FilterError
from filters.kinds import (
    _BYTES_LIKE,
    _KIND_DESC,
    _NUMERIC,
    _ORDERED,
    _SLICEABLE,
    KIND_OF_FT,
    _desc_of,
    _ft_name,
    _unsigned,
    compatible,
    type_desc,
)
from filters.literals import parse_double, parse_int
from filters.regex import Regex, RegexError
from filters.syntax import (
    Arith,
    Compare,
    Const,
    Exists,
    FieldRef,
    Func,
    InSet,
    Literal,
    Logic,
    Node,
    SetRange,
    Slice,
    Word,
)
from filters.words import (
    absent_protocol,
    deprecated,
    is_dotted_field,
    names_field,
)

_MIRROR = {"gt": "lt", "lt": "gt", "ge": "le", "le": "ge"}
# The newest Wireshark's functions; float/double/dec/hex are newer than tshark 4.0.
FUNCTIONS = {"len", "count", "upper", "lower", "string", "min", "max", "abs", "float", "double",
             "dec", "hex"}
# float()/double() take what Wireshark converts to a double (ftype_can_val_to_double).
_TO_DOUBLE = frozenset({"int", "bool", "float", "reltime", "abstime"})
_FIELD_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*(\.[A-Za-z0-9_\-]+)*\Z")


class Checker(ConstTyper):
    """Resolves names and types every comparison; literals are typed by ConstTyper."""

    # -- names ---------------------------------------------------------------------
    def unknown(self, name: str, node: Node, bare: bool = False) -> FilterError:
        def message() -> str:  # (the hint searched only when the message is read)
            hint = REGISTRY.similar(name) or (
                name.lower() != name and REGISTRY.similar(name.lower()))
            if bare:  # the name alone as a test: tshark 4.0's words
                msg = f"{name} is neither a field nor a protocol name."
                return msg + (f' Did you mean "{hint}"?' if hint else "")
            msg = f'"{name}" is not a valid protocol or protocol field'
            return msg + (f' (did you mean "{hint}"?)' if hint else "")

        return self.err(message, node)

    def field_ref(self, node: Word | FieldRef) -> FieldRef:
        name = node.text if isinstance(node, Word) else node.name
        if isinstance(node, Word) and is_dotted_field(name):
            name = name[1:]  # `.udp.dstport`: the leading dot says "a field, not a value"
        name = deprecated(name)
        f = REGISTRY.get(name) or absent_protocol(name)
        if f is None:
            raise self.unknown(name, node)
        ref = node if isinstance(node, FieldRef) else FieldRef(node.col, node.length, name)
        ref.field = f
        ref.kind = "bytes" if ref.raw else KIND_OF_FT[f.type]
        return ref

    def is_field(self, node: Node) -> bool:
        return isinstance(node, Word) and names_field(node.text)

    # -- value expressions -----------------------------------------------------------
    def value(self, node: Node) -> Node:
        """Resolve a value expression; literals (Word/Literal) stay untyped here."""
        if isinstance(node, Word):
            return self.field_ref(node) if names_field(node.text) else node
        if isinstance(node, FieldRef):
            return self.field_ref(node)
        if isinstance(node, Slice):
            node.expr = self.value(node.expr)
            inner = node.expr
            if isinstance(inner, (Word, Literal)):
                raise self.err(f"Range is not supported for entity {self.src(inner)}", inner)
            kind = getattr(inner, "kind", "")
            if kind not in _SLICEABLE:
                name = inner.name if isinstance(inner, FieldRef) else repr(inner)
                desc = type_desc(inner.field.type) if isinstance(inner, FieldRef) and \
                    inner.field else _KIND_DESC.get(kind, kind)
                raise self.err(f'"{name}" is a {desc} and cannot be sliced into a sequence of '
                               "bytes.", inner)
            node.kind = "bytes"
            return node
        if isinstance(node, Func):
            return self.func(node)
        if isinstance(node, Arith):
            return self.arith(node)
        return node

    def func(self, node: Func) -> Node:
        name = node.name  # case-sensitive, as in tshark: uPPer() does not exist
        if name not in FUNCTIONS:
            raise FilterError(f"Function '{node.name}' does not exist", node.col,
                              len(node.name), self.text)
        node.name = name
        args = [self.value(a) for a in node.args]
        want = {"len": 1, "count": 1, "upper": 1, "lower": 1, "string": 1, "abs": 1, "float": 1,
                "double": 1, "dec": 1, "hex": 1}
        if name in want and len(args) != 1:
            raise self.err(f"Function {name}() needs exactly one argument, {len(args)} given.",
                           node)
        if name in ("min", "max") and not args:
            raise self.err(f"Function {name}() needs at least one argument.", node)
        typed = [a for a in args if _is_typed(a)]
        if not typed and name in ("abs", "min", "max"):
            # Constant arguments (newest Wireshark): typed, and computed, by the other side.
            for a in args:
                if isinstance(a, Word) and _FIELD_NAME_RE.match(a.text) and \
                        parse_int(a.text) is None and parse_double(a.text) is not None:
                    raise self.unknown(a.text, a)
            node.args = args
            node.kind = ""
            return node
        if not typed:
            bad = args[0]
            if isinstance(bad, Word) and _FIELD_NAME_RE.match(bad.text):
                raise self.unknown(bad.text, bad)
            raise self.err(f"Only fields can be used as parameter for {name}()", bad)
        first = typed[0]
        kind = first.kind  # type: ignore[attr-defined]
        if name == "count":
            if not isinstance(first, FieldRef):
                raise self.err("Only fields can be used as parameter for count()", first)
            node.kind = "int"
        elif name == "len":
            # Fields, and (newest Wireshark) any byte or string value: slices, functions.
            if not isinstance(first, FieldRef) and kind not in ("bytes", "string"):
                raise self.err("Only fields can be used as parameter for len()", first)
            node.kind = "int"
        elif name in ("upper", "lower"):
            if kind != "string":
                raise self.err(f"Only string type fields can be used as parameter for {name}()",
                               first)
            node.kind = "string"
        elif name == "string":
            if not isinstance(first, FieldRef):
                raise self.err("Only fields can be used as parameter for string()", first)
            if kind not in ("int", "ipv4", "ipv6", "float", "ether") or (
                    isinstance(first, FieldRef) and first.field is not None
                    and first.field.type is FT.CHAR):
                raise self.err(f'String conversion for field "{self.describe(first)}" is not '
                               "supported", first)
            node.kind = "string"
        elif name in ("float", "double"):
            if kind not in _TO_DOUBLE:
                raise self.err(f"Argument '{self.describe(first)}' cannot be converted to a "
                               f"floating point number by {name}()", first)
            node.kind = "float"
        elif name in ("dec", "hex"):
            # Unsigned integer fields only (dfunctions.c's ul_semcheck_base).
            if not isinstance(first, FieldRef) or first.field is None or \
                    not first.field.type.value.startswith(("FT_UINT", "FT_CHAR", "FT_FRAMENUM")):
                raise self.err(f"Only unsigned integer fields can be used as parameter for "
                               f"{name}()", first)
            node.kind = "string"
        elif name == "abs":
            if kind not in _NUMERIC:
                raise self.err(f"'{self.describe(first)}' is not a valid argument to 'abs'()", first)
            node.kind = kind
        else:  # min / max
            if kind not in _ORDERED or kind in ("proto",):
                raise self.err(f"Argument of {name}() must be an ordered type", first)
            for i, a in enumerate(args):
                if isinstance(a, (Word, Literal)):
                    try:
                        args[i] = self.const(a, kind, first.field if isinstance(first, FieldRef)
                                             else None)
                    except FilterError:
                        raise self.err(f"Argument '{self.text[a.col:a.col + a.length]}' is not "
                                       f"valid for {name}()", a) from None
                elif not compatible(a.kind, kind) or (  # type: ignore[attr-defined]
                        isinstance(a, FieldRef) and isinstance(first, FieldRef)
                        and a.field.type is not first.field.type):  # type: ignore[union-attr]
                    raise self.err(f"Arguments to '{name}' must have the same type (expected "
                                   f"{_ft_name(first)}, got {_ft_name(a)})", a)
            node.kind = kind
        node.args = args
        return node

    def arith(self, node: Arith) -> Node:
        if node.op == "group":
            inner = self.value(node.left)
            return inner
        node.left = self.value(node.left)
        if node.right is not None:
            node.right = self.value(node.right)
        sides = [s for s in (node.left, node.right) if s is not None]
        typed = [s for s in sides if _is_typed(s)]
        if not typed:
            node.kind = ""  # constant expression: typed by the other side of the test
            return node
        kind = typed[0].kind  # type: ignore[attr-defined]
        fld = typed[0].field if isinstance(typed[0], FieldRef) else None
        op = "-" if node.op == "neg" else node.op
        ok = {"&": ("int", "bytes", "ether"), "+": _NUMERIC, "-": _NUMERIC}.get(op, ("int", "float"))
        if kind not in ok:
            ftname = fld.type.value if fld is not None else {
                "bytes": "FT_BYTES", "string": "FT_STRING"}.get(kind, _KIND_DESC.get(kind, kind))
            raise self.err(f"{ftname} cannot {op}.", typed[0])
        if isinstance(node.left, (Word, Literal, Arith)) and not getattr(node.left, "kind", ""):
            node.left = self.typed(node.left, kind, fld)
        if node.right is not None and isinstance(node.right, (Word, Literal, Arith)) and \
                not getattr(node.right, "kind", ""):
            node.right = self.typed(node.right, kind, fld)
        for s in (node.left, node.right):
            if s is None:
                continue
            sk = getattr(s, "kind", kind)
            if not compatible(sk, kind):
                raise self.err(f"{self.describe(typed[0])} and {self.describe(s)} are not of compatible "
                               "types.", s)
        node.kind = kind
        return node

    def typed(self, node: Node, kind: str, fld: Field | None) -> Node:
        """Give an untyped value (literal or constant arithmetic) the type `kind`."""
        if isinstance(node, (Word, Literal)):
            return self.const(node, kind, fld)
        if isinstance(node, Func) and not node.kind:
            if kind not in _NUMERIC and node.name == "abs":
                raise self.err(f"'{self.src(node)}' is not a valid argument to 'abs'()", node)
            # Typed without the field: no unsigned wrap-around before abs() sees -67.
            vals = [self.typed(a, kind, None) for a in node.args]
            if not all(isinstance(v, Const) for v in vals):
                node.args, node.kind = vals, kind
                return node
            got = [v.value for v in vals]  # type: ignore[attr-defined]
            val = abs(got[0]) if node.name == "abs" else min(got) if node.name == "min" \
                else max(got)
            return Const(node.col, node.length, val, kind, self.src(node))
        if isinstance(node, Arith) and not node.kind:
            if node.op == "&":
                self.bitand_operands(node, kind, fld)
            left = self.typed(node.left, kind, fld)
            right = self.typed(node.right, kind, fld) if node.right is not None else None
            if kind not in _NUMERIC and node.op != "&":
                raise self.err(f'Constant arithmetic is not valid for {_KIND_DESC[kind]}.', node)
            if not isinstance(left, Const) or (right is not None and
                                               not isinstance(right, Const)):
                # A part divides by zero: the whole has no value at run time either.
                node.left, node.right, node.kind = left, right, kind
                return node
            a = left.value
            if right is None:
                val = -a
            else:
                b = right.value
                try:
                    val = arith_op(node.op, a, b, kind)
                except ZeroDivisionError:
                    # tshark accepts it; the expression just has no value at run time.
                    node.left, node.right, node.kind = left, right, kind
                    return node
            if kind == "int" and val < 0 and fld is not None and _unsigned(fld):
                val += 1 << 64  # tshark reads a negative constant for an unsigned field so
            return Const(node.col, node.length, val, kind, self.text[node.col:node.col +
                                                                      node.length])
        return node

    def bitand_operands(self, node: Arith, kind: str, fld: Field | None) -> None:
        """tshark's refusals of a constant `a & b` (integers, addresses and bytes only)."""
        for side in (node.left, node.right):
            if isinstance(side, Literal) and side.kind == "string":
                raise self.err(f"{self.text[side.col:side.col + side.length]} is not a valid "
                               "arithmetic operand.", side)
        if kind not in ("int", "ipv4", "ipv6") and kind not in _BYTES_LIKE:
            ftname = fld.type.value if fld is not None else _KIND_DESC.get(kind, kind)
            raise self.err(f"{ftname} cannot &.", node.left)

    def describe(self, node: Node) -> str:
        if isinstance(node, (FieldRef, Func, Const)):
            return _describe(node)
        return self.src(node)

    # -- tests -----------------------------------------------------------------------
    def test(self, node: Node) -> Node:
        """Check every test under `node`, left to right (so the first error reported is
        the leftmost); and/or/not nodes are walked with a stack, not recursion."""
        todo = [node]
        while todo:
            n = todo.pop()
            if isinstance(n, Logic):
                todo += [n.right, n.left] if n.right is not None else [n.left]
            else:
                self.leaf_test(n)
        return node

    def leaf_test(self, node: Node) -> Node:
        """Check one test that is not and/or/not (it is typed in place)."""
        if isinstance(node, Exists):
            return self.exists(node)
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, InSet):
            return self.inset(node)
        raise self.err("Not a test.", node)

    def exists(self, node: Exists) -> Node:
        e = node.expr
        if isinstance(e, Word):
            if not names_field(e.text):
                raise self.unknown(e.text, e, bare=True)
            node.expr = self.field_ref(e)
            return node
        if isinstance(e, Literal):
            raise self.err(f'"{self.text[e.col:e.col + e.length]}" is neither a field nor a '
                           "protocol name.", e)
        x = node.expr = self.value(e)
        if isinstance(x, Word):
            raise self.unknown(x.text, x)
        if isinstance(x, Func) and x.kind:
            return node  # newest Wireshark: true when the function gives a non-zero value
        if isinstance(x, Arith) and not _is_typed(x):
            raise self.const_lhs(x)
        if isinstance(x, Arith) and x.op != "&":
            raise self.err("You cannot test whether an arithmetic expression is present.", x)
        if not _is_typed(x):
            raise self.err("Constant expression is invalid.", x)
        return node

    def const_lhs(self, node: Node) -> FilterError:
        """tshark 4.0 points at the first operand of a constant expression."""
        while isinstance(node, Arith):
            node = node.left
        return self.err("Constant arithmetic expression on the LHS is invalid.", node)

    def side_error(self, node: Compare) -> FilterError:
        for s in (node.left, node.right):
            if isinstance(s, Word) and _FIELD_NAME_RE.match(s.text) and parse_int(s.text) is None:
                return self.unknown(s.text, s)
        left = node.left
        return FilterError(f'Left side of "{self.text[node.op_col:node.op_col + node.op_len]}" '
                           f"expression must be a field or function, not "
                           f"{self.text[left.col:left.col + left.length]}.",
                           left.col, left.length, self.text)

    def compare(self, node: Compare) -> Node:
        node.left = self.value(node.left)
        node.right = self.value(node.right)
        lt = _is_typed(node.left)
        rt = _is_typed(node.right)
        if not lt and not rt:
            if isinstance(node.left, Arith):
                raise self.const_lhs(node.left)
            raise self.side_error(node)
        if not lt:
            if node.op in ("contains", "matches"):
                raise self.side_error(node)
            node.left, node.right = node.right, node.left
            node.op = _MIRROR.get(node.op, node.op)
        left = node.left
        kind = left.kind  # type: ignore[attr-defined]
        fld = left.field if isinstance(left, FieldRef) else None
        opname = self.text[node.op_col:node.op_col + node.op_len]
        if kind == "none":
            raise self.err(f'{self.describe(left)} is a Label and cannot be compared.', left)
        if node.op in ("matches", "contains") and kind in ("int", "bool") and fld is not None \
                and isinstance(fld.strings, dict):
            # Newest Wireshark: a string test on a value-string field reads its names.
            node.labels = fld.strings
            kind = "string"
        if node.op == "matches":
            if kind not in ("string", "bytes", "proto", "ether"):
                raise self.err(f'{self.describe(left)} (type={_desc_of(left)}) cannot participate in '
                               f"{opname} comparison.", left)
            r = node.right
            if not (isinstance(r, Literal) and r.kind == "string"):
                raise self.err("Matches requires a double quoted string on the right side.", r)
            pattern = r.value.decode("utf-8", "surrogateescape")
            node.regex = compile_regex(pattern, self, r)
            node.right = Const(r.col, r.length, pattern, "string", repr(pattern))
            return node
        if node.op == "contains":
            if kind not in ("string", "bytes", "proto", "ether", "ipv6"):
                raise self.err(f'{self.describe(left)} (type={_desc_of(left)}) cannot participate in '
                               f"{opname} comparison.", left)
            if not _is_typed(node.right):
                node.right = self.typed(node.right, "string" if kind == "string" else "bytes",
                                        fld)
            elif node.right.kind not in _BYTES_LIKE | {"string", "ipv6"}:  # type: ignore
                raise self.err(f"{self.describe(left)} and {self.describe(node.right)} are not of "
                               "compatible types.", node.right)
            return node
        if node.op in ("gt", "lt", "ge", "le") and kind not in _ORDERED:
            raise self.err(f'{self.describe(left)} (type={_desc_of(left)}) cannot participate in '
                           f"{opname} comparison.", left)
        if not _is_typed(node.right):
            node.right = self.typed(node.right, kind, fld)
            if isinstance(node.right, Const) and node.right.kind == "bytes" and kind == "proto":
                pass
        else:
            rk = node.right.kind  # type: ignore[attr-defined]
            if not compatible(kind, rk):
                raise self.err(f"{self.describe(left)} and {self.describe(node.right)} are not of "
                               "compatible types.", node.right)
        return node

    def inset(self, node: InSet) -> Node:
        node.expr = self.value(node.expr)
        if not _is_typed(node.expr):
            e = node.expr
            if isinstance(e, Word) and _FIELD_NAME_RE.match(e.text) and \
                    parse_int(e.text) is None:
                raise self.unknown(e.text, e)
            raise self.err("Only a field may be tested for membership in a set.", e)
        if not isinstance(node.expr, FieldRef):
            raise self.err("Only a field may be tested for membership in a set.", node.expr)
        kind = node.expr.kind  # type: ignore[attr-defined]
        fld = node.expr.field if isinstance(node.expr, FieldRef) else None
        items: list[Node] = []
        for it in node.items:
            if isinstance(it, SetRange):
                if kind not in _ORDERED - {"bytes", "proto"}:
                    raise self.err(f"A range is not valid for {_desc_of(node.expr)}.", it)
                it.low = self._set_item(it.low, kind, fld)
                it.high = self._set_item(it.high, kind, fld)
                items.append(it)
            else:
                items.append(self._set_item(it, kind, fld))
        node.items = items
        return node

    def _set_item(self, it: Node, kind: str, fld: Field | None) -> Node:
        it = self.value(it)
        if _is_typed(it):
            if not compatible(kind, it.kind):  # type: ignore[attr-defined]
                raise self.err("Set elements must have the type of the tested value.", it)
            return it
        return self.typed(it, kind, fld)


def _is_typed(node: Node) -> bool:
    return bool(getattr(node, "kind", "")) and not isinstance(node, (Literal, Const))


def _describe(node: Node) -> str:
    if isinstance(node, FieldRef):
        return node.name
    if isinstance(node, Func):
        return f"{node.name}()"
    if isinstance(node, Const):
        return node.text
    return repr(node)


def compile_regex(pattern: str, checker: Checker, node: Node) -> Regex:
    """PCRE2 with Wireshark's options (caseless; `(?-i)` turns that off)."""
    try:
        return Regex(pattern.encode("utf-8", "surrogateescape"))
    except RegexError as e:
        err = checker.err(f"Regex compilation error: {e}.", node)
        err.caret = False  # tshark 4.0 gives this error no place in the filter
        raise err from None


def arith_op(op: str, a, b, kind: str):  # noqa: ANN001, ANN201
    """One arithmetic step with C semantics (integer division truncates toward zero)."""
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "&":
        if isinstance(a, (bytes, bytearray)):  # byte by byte, as long as the shorter
            return bytes(x & y for x, y in zip(a, b, strict=False))
        return int(a) & int(b)
    if kind == "float":
        return a / b if op == "/" else a % b
    if b == 0:
        raise ZeroDivisionError
    q = abs(a) // abs(b)
    if (a < 0) != (b < 0):
        q = -q
    return q if op == "/" else a - b * q


def check(tree: Node, text: str) -> Node:
    """Resolve and type a parsed tree; raises FilterError on the first problem."""
    return Checker(text).test(tree)
