"""Property tests: random well-formed filters compile and never crash; `not (X)` matches
exactly the complement of X; arbitrary text either compiles or raises FilterError."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_filter_semantics import PACKETS

from filters import FilterError, compile_filter

# Fields with literal pools valid for their type.
_FIELDS = {
    "udp.port": ["1234", "0x1e61", "5000", "0", "65535", "'A'"],
    "udp.srcport": ["1234", "7777"],
    "ip.ttl": ["1", "64", "128", "0x80", "0100"],
    "ip.src": ["10.0.0.1", "10.0.0.0/8", "192.168.1.7", "0.0.0.0/0"],
    "ip.addr": ["10.0.0.2", "255.255.255.255"],
    "eth.src": ["00:00:83:11:22:33", "02-00-00-00-00-02", "0200.0000.0003"],
    "ip.flags.df": ["1", "0", "true", '"Set"'],
    "frame.len": ["50", "60", "0x3c"],
    "udp.payload": ["68:65", '"hello"', "00"],
    "frame.protocols": ['"eth:ethertype:ip:udp:data"', '"x"'],
    "tcp.port": ["80", "443"],
    "data.len": ["11", "6"],
}
_ORDERED_OK = {"udp.port", "udp.srcport", "ip.ttl", "frame.len", "tcp.port", "data.len"}
_CMP = ["==", "!=", "===", "!==", "~=", "eq", "ne"]
_ORD = [">", "<", ">=", "<=", "gt", "le"]


@st.composite
def comparison(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(sorted(_FIELDS)))
    lit = draw(st.sampled_from(_FIELDS[name]))
    kind = draw(st.integers(0, 6))
    if kind == 0:
        return name
    if kind == 1 and name in _ORDERED_OK and "/" not in lit:
        return f"{name} {draw(st.sampled_from(_ORD))} {lit}"
    if kind == 2:
        lits = draw(st.lists(st.sampled_from(_FIELDS[name]), min_size=1, max_size=3))
        neg = draw(st.sampled_from(["", "not "]))
        return f"{name} {neg}in {{{', '.join(lits)}}}"
    if kind == 3 and name in ("udp.payload", "frame.protocols"):
        return f"{name} contains {lit}"
    if kind == 4:
        q = draw(st.sampled_from(["any ", "all "]))
        return f"{q}{name} {draw(st.sampled_from(_CMP))} {lit}"
    if kind == 5 and name in ("ip.ttl", "udp.port", "frame.len"):
        return f"{name} & {draw(st.sampled_from(['1', '0x40', '0xff']))}"
    return f"{name} {draw(st.sampled_from(_CMP))} {lit}"


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from([" and ", " or ", " xor ", " && ", " || ", " ^^ "]),
                  children).map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
        children.map(lambda c: f"not {c}"),
        children.map(lambda c: f"!({c})"),
        children.map(lambda c: f"({c})"),
    )


FILTERS = st.recursive(comparison(), _combine, max_leaves=8)


def _matches(text: str) -> list[bool]:
    flt = compile_filter(text)
    return [flt.match(p) for p in PACKETS]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FILTERS)
def test_not_is_exact_complement(text: str) -> None:
    m = _matches(text)
    assert _matches(f"not ({text})") == [not x for x in m]
    assert _matches(f"({text}) and ({text})") == m
    assert _matches(f"({text}) xor ({text})") == [False] * len(m)


@settings(max_examples=200, deadline=None)
@given(FILTERS, FILTERS)
def test_de_morgan(a: str, b: str) -> None:
    assert _matches(f"not (({a}) or ({b}))") == _matches(f"not ({a}) and not ({b})")


_ALPHABET = st.sampled_from(list("udpiptcframe.src[]{}()!=<>~&|^#:,-+*/%\"'\\ 0123456789abx"
                                 ) + [" and ", " or ", " in ", " contains ", " matches ",
                                      "udp.port", "ip.src", "eth.src", "len(", "\\x", "..",
                                      "0x", "10.0.0.1"])


@settings(max_examples=500, deadline=None)
@given(st.lists(_ALPHABET, max_size=14).map("".join))
def test_arbitrary_text_never_crashes(text: str) -> None:
    try:
        flt = compile_filter(text)
    except FilterError as e:
        assert 0 <= e.column <= len(text) and e.length >= 1
        assert e.caret_lines().startswith("    " + text)
        return
    for p in PACKETS:
        assert flt.match(p) in (True, False)
