"""Precedence-climbing parser: tokens -> syntax tree (untyped).

Precedence, lowest first (newest Wireshark): or, xor, and, not, comparison,
`&`, `+ -`, `* / %`, unary minus. Parentheses group tests; braces group
arithmetic, as in Wireshark.
"""

from __future__ import annotations

from filters.errors import FilterError
from filters.lexer import Token, tokenize
from filters.literals import INT32_MAX, INT32_MIN
from filters.syntax import (
    Arith,
    Compare,
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

_LOGIC_PREC = {"OR": 1, "XOR": 2, "AND": 3}
_ARITH_PREC = {"BITAND": 1, "PLUS": 2, "MINUS": 2, "STAR": 3, "SLASH": 3, "PERCENT": 3}
# How deep parentheses, braces, function calls and value expressions may nest (tshark's
# parser stack takes about 97 parentheses). Chains of and/or/xor/not are not nesting:
# every stage walks them with a loop, so `a or b or ...` may have any length.
MAX_NESTING = 100
NESTED_TOO_DEEPLY = f"Filter expression is nested too deeply (more than {MAX_NESTING} levels)."


class Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = tokenize(text)
        self.pos = 0
        self.nesting = 0

    # -- helpers ---------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.toks[self.pos]

    def next(self) -> Token:
        t = self.toks[self.pos]
        self.pos += 1
        return t

    def unexpected(self, t: Token | None = None) -> FilterError:
        t = t or self.tok
        if t.kind == "EOF":
            return FilterError("Unexpected end of filter expression.", len(self.text), 1, self.text)
        return FilterError(f'"{t.text}" was unexpected in this context.', t.col, t.length,
                           self.text)

    def enter(self, t: Token) -> None:
        """One more level of nesting at `t` (left as it is when the parse fails)."""
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise FilterError(NESTED_TOO_DEEPLY, t.col, t.length, self.text)

    def expect(self, kind: str) -> Token:
        if self.tok.kind != kind:
            raise self.unexpected()
        return self.next()

    # -- grammar ---------------------------------------------------------------------
    def parse(self) -> Node:
        if self.tok.kind == "EOF":
            raise FilterError("Empty filter expression.", 0, 1, self.text)
        node = self.logic(0)
        if self.tok.kind != "EOF":
            raise self.unexpected()
        _check_depth(node, self.text)
        return node

    def logic(self, min_prec: int) -> Node:
        left = self.unary_test()
        while self.tok.kind in _LOGIC_PREC and _LOGIC_PREC[self.tok.kind] > min_prec:
            op = self.next()
            prec = _LOGIC_PREC[op.kind]
            right = self.logic(prec)  # left-associative: the right side binds tighter only
            left = Logic(left.col, right.col + right.length - left.col, op.value, left, right)
        return left

    def unary_test(self) -> Node:
        nots = []
        while self.tok.kind == "NOT":  # a loop: `not not ... x` has any length
            nots.append(self.next())
        t = self.tok
        if t.kind == "LPAREN":
            self.next()
            self.enter(t)
            inner = self.logic(0)
            self.expect("RPAREN")
            self.nesting -= 1
        else:
            inner = self.test()
        for n in reversed(nots):
            inner = Logic(n.col, inner.col + inner.length - n.col, "not", inner)
        return inner

    def test(self) -> Node:
        quant = None
        start = self.tok
        if self.tok.kind in ("ANY", "ALL"):
            quant = self.next().value
        left = self.value()
        if self.tok.kind == "CMP":
            tests: list[Node] = []
            while self.tok.kind == "CMP":
                if tests and (self.tok.value in ("contains", "matches") or
                              tests[-1].op in ("contains", "matches")):  # type: ignore[attr-defined]
                    raise self.unexpected()  # no chains through contains / matches
                op = self.next()
                right = self.value()
                end = right.col + right.length
                tests.append(Compare(left.col, end - left.col, op.value, left, right, quant,
                                     op.col, op.length))
                left = right
            node = tests[0]
            for t in tests[1:]:  # chained comparison: a < b < c == a < b and b < c
                node = Logic(node.col, t.col + t.length - node.col, "and", node, t)
            if quant and isinstance(node, Compare):
                node.col, node.length = start.col, node.col + node.length - start.col
            return node
        negated = False
        if self.tok.kind == "NOT" and self.toks[self.pos + 1].kind == "IN":
            self.next()
            negated = True
        if self.tok.kind == "IN":
            self.next()
            items, end = self.set_items()
            # The quantifier of `all x not in S` lands on the `not`, where it means nothing.
            node = InSet(left.col, end - left.col, left, items, negated,
                         None if negated else quant)
            return Logic(node.col, node.length, "not", node) if negated else node
        if quant:
            raise self.unexpected()
        return Exists(left.col, left.length, left)

    def set_items(self) -> tuple[list[Node], int]:
        self.expect("LBRACE")
        items: list[Node] = []
        while True:
            low = self.value()
            if self.tok.kind == "DOTDOT":
                self.next()
                high = self.value()
                items.append(SetRange(low.col, high.col + high.length - low.col, low, high))
            else:
                items.append(low)
            if self.tok.kind == "COMMA":
                self.next()
                continue
            end = self.expect("RBRACE")
            return items, end.col + 1

    def value(self, min_prec: int = 0) -> Node:
        left = self.unary_value()
        while self.tok.kind in _ARITH_PREC and _ARITH_PREC[self.tok.kind] > min_prec:
            op = self.next()
            right = self.value(_ARITH_PREC[op.kind])
            sym = "&" if op.kind == "BITAND" else op.text  # `bitand`, `bitwise_and`
            left = Arith(left.col, right.col + right.length - left.col, sym, left, right)
        return left

    def unary_value(self) -> Node:
        signs = []
        while self.tok.kind in ("MINUS", "PLUS"):
            signs.append(self.next())
        inner = self.postfix(self.primary())
        for t in reversed(signs):
            if t.kind == "MINUS":
                inner = Arith(t.col, inner.col + inner.length - t.col, "neg", inner, None)
        return inner

    def primary(self) -> Node:
        t = self.tok
        if t.kind == "WORD":
            self.next()
            if self.tok.kind == "LPAREN":
                self.enter(self.next())
                args: list[Node] = []
                if self.tok.kind != "RPAREN":
                    while True:
                        args.append(self.value())
                        if self.tok.kind != "COMMA":
                            break
                        self.next()
                end = self.expect("RPAREN")
                self.nesting -= 1
                return Func(t.col, end.col + 1 - t.col, t.value, args)
            node: Node = Word(t.col, t.length, t.value)
            if self.tok.kind == "LAYER":
                lt = self.next()
                node = FieldRef(t.col, lt.col + lt.length - t.col + (1 if "[" in lt.text else 0),
                                t.value, _layers(lt, self.text))
            return node
        if t.kind == "RAW":
            self.next()
            node = FieldRef(t.col, t.length, t.value, None, raw=True)  # type: ignore[arg-type]
            if self.tok.kind == "LAYER":
                lt = self.next()
                node.layers = _layers(lt, self.text)
                node.length = lt.col + lt.length - t.col + (1 if "[" in lt.text else 0)
            return node
        if t.kind == "REF":
            self.next()
            return _reference(t, self.text)
        if t.kind == "STRING":
            self.next()
            val, raw = t.value
            return Literal(t.col, t.length, "string", val, raw)
        if t.kind == "CHAR":
            self.next()
            return Literal(t.col, t.length, "char", t.value)
        if t.kind == "LBRACE":
            self.next()
            self.enter(t)
            inner = self.value()
            end = self.expect("RBRACE")
            self.nesting -= 1
            inner_span = Arith(t.col, end.col + 1 - t.col, "group", inner, None)
            return inner_span
        raise self.unexpected()

    def postfix(self, node: Node) -> Node:
        while self.tok.kind == "SLICE":
            st = self.next()
            node = Slice(node.col, st.col + st.length + 1 - node.col, node, st.value,
                         _ranges(st, self.text))
        return node


def _check_depth(tree: Node, text: str) -> None:
    """Refuse a tree whose value expressions (arithmetic, slices, functions) nest deeper
    than MAX_NESTING: checking and matching them recurses. and/or/not nodes do not
    count (they are walked with loops)."""
    todo: list[tuple[Node, int]] = [(tree, 0)]
    while todo:
        node, depth = todo.pop()
        if not isinstance(node, Logic):
            depth += 1
            if depth > MAX_NESTING:
                raise FilterError(NESTED_TOO_DEEPLY, node.col, node.length, text)
        todo.extend((c, depth) for c, _ in node.children())


def _int(s: str, t: Token, text: str, col: int) -> int:
    try:
        return int(s, 10)
    except ValueError:
        raise FilterError(f'"{s}" is not a valid number.', col, max(1, len(s)), text) from None


def _ranges(t: Token, text: str) -> list[tuple[int, int | None, str]]:
    """Parse `0:3,-1,2-4,:2,3:` into (start, length-or-None-for-end, kind) triples."""
    out: list[tuple[int, int | None, str]] = []
    pos = t.col
    for part in t.value.split(","):  # type: ignore[union-attr]
        raw, raw_col = part, pos
        p = part.strip()
        col = pos + (len(part) - len(part.lstrip()))
        pos += len(raw) + 1
        if not p:
            raise FilterError(f'"{t.value}" is not a valid range.', t.col, t.length, text)
        if p.count(":") > 1 or ("-" in p.lstrip("-") and ":" in p):
            raise FilterError(f'"{p}" is not a valid range.', col, len(p), text)
        if ":" in p:
            a, b = p.split(":")
            start = _int(a, t, text, col) if a else 0
            if b:
                length = _int(b, t, text, col + len(a) + 1)
                item: tuple[int, int | None, str] = (start, length, ":")
            else:
                item = (start, None, ":")
        elif "-" in p[1:]:
            k = p.index("-", 1)
            a, b = p[:k], p[k + 1:]
            start, end = _int(a, t, text, col), _int(b, t, text, col + k + 1)
            item = (start, end, "-")
        else:
            item = (_int(p, t, text, col), 1, ":")
        # Wireshark keeps offsets and lengths in C ints (drange).
        if not INT32_MIN <= item[0] <= INT32_MAX:
            raise FilterError(f'"{raw}" causes an integer overflow.', raw_col, len(raw), text)
        if item[1] is not None and not INT32_MIN <= item[1] <= INT32_MAX:
            raise FilterError(f'"{raw}" is not a valid range.', raw_col, len(raw), text)
        out.append(item)
    return out


def _layers(t: Token, text: str) -> list[tuple[int, int | None]]:
    """`#2` or `#[1-2,4]` -> [(first, last)], 1-based inclusive (last None = open)."""
    out: list[tuple[int, int | None]] = []
    for a, b, kind in _ranges(t, text):
        if kind == "-":
            out.append((a, b))
        elif b is None:
            out.append((a, None))
        else:
            out.append((a, a + b - 1))
    return out


def _reference(t: Token, text: str) -> FieldRef:
    """`${@ip.src#4}` -> FieldRef(ip.src, layers [4], raw, ref)."""
    inner = str(t.value)
    raw = inner.startswith("@")
    name, _, layer = inner.lstrip("@").partition("#")
    layers = None
    if layer:
        lt = Token("LAYER", layer[1:-1] if layer.startswith("[") else layer, t.col, t.length,
                   "#" + layer)
        layers = _layers(lt, text)
    return FieldRef(t.col, t.length, name.strip(), layers, raw=raw, ref=True)


def parse(text: str) -> Node:
    return Parser(text).parse()
