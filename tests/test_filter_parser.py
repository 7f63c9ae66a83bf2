"""Lexer, parser and semantic check: every construct parses to the right tree, every
bad filter is rejected with tshark's message and a caret under the culprit."""

from __future__ import annotations

import pytest

from filters import FilterError, compile_filter
from filters.lexer import tokenize
from filters.parser import parse
from filters.syntax import Compare, Const, Exists, FieldRef, InSet, Logic, Slice


def tree(text: str) -> str:
    return "\n".join(line.strip() for line in compile_filter(text).tree.dump())


def err(text: str) -> FilterError:
    with pytest.raises(FilterError) as ei:
        compile_filter(text)
    return ei.value


# ---- lexer ---------------------------------------------------------------------------
def test_tokens_carry_columns() -> None:
    toks = tokenize('udp.port  == 69 && frame contains "a\\x41"')
    assert [(t.kind, t.col) for t in toks] == [
        ("WORD", 0), ("CMP", 10), ("WORD", 13), ("AND", 16), ("WORD", 19), ("CMP", 25),
        ("STRING", 34), ("EOF", 41)]
    assert toks[6].value == (b"aA", False)


@pytest.mark.parametrize("text,value", [
    (r'"\n\t\\\"\a\b\f\r\v"', b'\n\t\\"\a\b\f\r\v'),
    (r'"\x41\x4a\x4A\x7"', b"AJJ\x07"),
    (r'"\101\1\0"', b"A\x01\x00"),
    (r'"\u00e9\U0001F600"', "\u00e9\U0001F600".encode()),
    ('"caf\u00e9"', "caf\u00e9".encode()),
    (r'"\$\@"', None),
])
def test_string_escapes(text: str, value: bytes | None) -> None:
    if value is None:
        with pytest.raises(FilterError):
            tokenize(text)
        return
    assert tokenize(text)[0].value == (value, False)


def test_argv_bytes_that_are_not_utf8_stand_for_themselves() -> None:
    """Python hands a non-UTF-8 argv byte over as a surrogate (PEP 383): it is that byte."""
    assert tokenize('"a\udcffb"')[0].value == (b"a\xffb", False)
    assert tokenize('r"\\\udcff"')[0].value == (b"\\\xff", True)


@pytest.mark.parametrize("text,message,column,length,caret", [
    ("frame[0] == '\udcff'", "Non-printable value '0xffffffffffffffff' in character constant.",
     12, 3, " " * 12 + "^~~"),
    ("frame[0] == '\u00ff'", "Non-printable value '0xffffffffffffffc3' in character constant.",
     12, 3, " " * 12 + "^~~~"),
    ("frame[0] == '\x01'", "Non-printable value '0x01' in character constant.", 12, 3,
     " " * 12 + "^~~"),
    ("frame contains \udcff", "Non-printable ASCII characters may only appear inside "
     "double-quotes.", 15, 1, " " * 15 + "^"),
    ('frame contains "\u00e9\\q"', "\\q is not a valid character escape sequence", 17, 2,
     " " * 18 + "^~"),
])
def test_non_printable_bytes(text: str, message: str, column: int, length: int,
                             caret: str) -> None:
    """tshark's words; its caret counts bytes of UTF-8."""
    e = err(text)
    assert (e.message, e.column, e.length) == (message, column, length)
    assert e.caret_lines().splitlines()[1] == "    " + caret


def test_raw_string_keeps_backslashes() -> None:
    assert tokenize(r'r"a\x41\"b"')[0].value == (b'a\\x41\\"b', True)


@pytest.mark.parametrize("text,value", [("'a'", 97), (r"'\n'", 10), (r"'\x41'", 65),
                                        (r"'\101'", 65), (r"'\''", 39), (r"'\\'", 92)])
def test_char_constants(text: str, value: int) -> None:
    assert tokenize(text)[0].value == value


@pytest.mark.parametrize("text,kinds", [
    ("a and b AND c And d", ["WORD", "AND", "WORD", "AND", "WORD", "AND", "WORD"]),
    ("a xor b ^^ c", ["WORD", "XOR", "WORD", "XOR", "WORD"]),
    ("!a || b", ["NOT", "WORD", "OR", "WORD"]),
    ("a === b !== c ~= d ~ e", ["WORD", "CMP", "WORD", "CMP", "WORD", "CMP", "WORD", "CMP",
                                "WORD"]),
    ("{1..2}", ["LBRACE", "WORD", "DOTDOT", "WORD", "RBRACE"]),
    ("ip.src#2", ["WORD", "LAYER"]),
    ("eth.src[0:3]", ["WORD", "SLICE"]),
    ("10.0.0.0/8", ["WORD"]),
    ("69/1", ["WORD", "SLASH", "WORD"]),
    ("a -1", ["WORD", "MINUS", "WORD"]),
    ("a-1", ["WORD"]),
])
def test_token_kinds(text: str, kinds: list[str]) -> None:
    assert [t.kind for t in tokenize(text)][:-1] == kinds


# ---- parser: precedence and shapes ---------------------------------------------------
def test_and_binds_tighter_than_or() -> None:
    t = parse("a or b and c")
    assert isinstance(t, Logic) and t.op == "or"
    assert isinstance(t.right, Logic) and t.right.op == "and"


def test_xor_between_and_and_or() -> None:
    t = parse("a or b xor c and d")
    assert t.op == "or" and t.right.op == "xor" and t.right.right.op == "and"


def test_not_binds_tightest_and_is_right_associative() -> None:
    t = parse("not a and not not b")
    assert t.op == "and" and t.left.op == "not" and t.right.op == "not"
    assert t.right.left.op == "not"


def test_left_associative() -> None:
    t = parse("a or b or c")
    assert t.op == "or" and isinstance(t.left, Logic) and t.left.op == "or"


def test_parentheses_group() -> None:
    t = parse("(a or b) and c")
    assert t.op == "and" and t.left.op == "or"


def test_chained_comparison_is_a_conjunction() -> None:
    t = parse("1 < udp.port < 100")
    assert isinstance(t, Logic) and t.op == "and"
    assert isinstance(t.left, Compare) and isinstance(t.right, Compare)
    assert t.left.right is t.right.left


def test_arithmetic_precedence() -> None:
    assert "ARITH(+) <int>\nFIELD(udp.srcport" in tree("udp.dstport == udp.srcport + 2 * 3")
    t = compile_filter("udp.dstport == udp.srcport + 2 * 3").tree
    assert t.right.op == "+" and isinstance(t.right.right, Const) and t.right.right.value == 6


def test_bitand_lower_than_plus() -> None:
    t = compile_filter("tcp.flags & 0x10 + 0x02 == 0x12").tree
    assert t.left.op == "&" and t.left.right.value == 0x12


@pytest.mark.parametrize("text,op,quant", [
    ("udp.port == 1", "any_eq", None), ("udp.port eq 1", "any_eq", None),
    ("udp.port any_eq 1", "any_eq", None), ("udp.port != 1", "all_ne", None),
    ("udp.port ne 1", "all_ne", None), ("udp.port all_ne 1", "all_ne", None),
    ("udp.port === 1", "all_eq", None), ("udp.port all_eq 1", "all_eq", None),
    ("udp.port !== 1", "any_ne", None), ("udp.port ~= 1", "any_ne", None),
    ("udp.port any_ne 1", "any_ne", None), ("udp.port > 1", "gt", None),
    ("udp.port gt 1", "gt", None), ("udp.port < 1", "lt", None), ("udp.port lt 1", "lt", None),
    ("udp.port >= 1", "ge", None), ("udp.port ge 1", "ge", None), ("udp.port <= 1", "le", None),
    ("udp.port le 1", "le", None), ("udp contains 01", "contains", None),
    ('udp matches "x"', "matches", None), ('udp ~ "x"', "matches", None),
    ("any udp.port > 1", "gt", "any"), ("all udp.port > 1", "gt", "all"),
    ("ALL udp.port == 1", "any_eq", "all"),
])
def test_comparison_operators(text: str, op: str, quant: str | None) -> None:
    t = compile_filter(text).tree
    assert isinstance(t, Compare) and t.op == op and t.quant == quant


def test_constant_on_the_left_is_swapped() -> None:
    t = compile_filter("64 < ip.ttl").tree
    assert isinstance(t.left, FieldRef) and t.op == "gt" and t.right.value == 64


# ---- semantic typing of literals -----------------------------------------------------
@pytest.mark.parametrize("text,value", [
    ("udp.port == 69", 69), ("udp.port == 0x45", 69), ("udp.port == 0105", 69),
    ("udp.port == 0b1000101", 69), ("udp.port == 'E'", 69), ("udp.port == 65535", 65535),
    ("ip.src == 10.0.0.1", 0x0A000001), ("eth.src == 00:00:83:11:22:33", bytes.fromhex(
        "000083112233")), ("eth.src == 00-00-83-11-22-33", bytes.fromhex("000083112233")),
    ("eth.src == 0000.8311.2233", bytes.fromhex("000083112233")),
    ("eth.src == 000083112233", bytes.fromhex("000083112233")),
    ("udp.payload == aa:bb:cc", b"\xaa\xbb\xcc"), ("udp.payload == :aa", b"\xaa"),
    ("udp.payload == aa", b"\xaa"), ('udp.payload == "ab"', b"ab"),
    ("udp.payload == 'a'", b"a"), ('data.text == "x\\ty"', "x\ty"), ("data.text == abc", "abc"),
    ("ip.flags.df == 1", 1), ("ip.flags.df == true", 1), ("ip.flags.df == False", 0),
    ('ip.flags.df == "Set"', 1), ('ip.flags.df == "Not set"', 0),
    ('ip.proto == "UDP"', 17), ("ip.proto == udp_name", None),
    ("frame.time_delta > 0.5", 500_000_000), ("frame.time_relative == 2", 2_000_000_000),
    ("udp.port == -1", (1 << 64) - 1), ("ip.ttl == 2 * {30 + 2}", 64),
    ("ip.ttl == 7 / 2", 3), ("ip.ttl == 7 % 4", 3),
])
def test_literal_typed_by_field(text: str, value: object) -> None:
    if value is None:
        err(text)
        return
    t = compile_filter(text).tree
    assert isinstance(t.right, Const) and t.right.value == value


def test_cidr_and_ipv6_prefix() -> None:
    t = compile_filter("ip.src == 10.0.0.0/8").tree
    assert t.right.prefix == 8 and t.right.value == 0x0A000000
    t = compile_filter("ipv6.src == 2001:db8::/32").tree
    assert t.right.prefix == 32 and t.right.value[:4] == bytes.fromhex("20010db8")


def test_value_names_from_registry() -> None:
    t = compile_filter('tftp.opcode == "Read Request"').tree
    assert t.right.value == 1
    t = compile_filter("tftp.opcode == 'a'").tree
    assert t.right.value == 97


def test_set_and_ranges() -> None:
    t = compile_filter("tcp.port in {80, 443, 8000..8080}").tree
    assert isinstance(t, InSet) and [getattr(i, "value", None) for i in t.items][:2] == [80, 443]
    assert t.items[2].low.value == 8000 and t.items[2].high.value == 8080
    t = compile_filter("tcp.port not in {80}").tree
    assert isinstance(t, Logic) and t.op == "not" and isinstance(t.left, InSet)


def test_slices_and_layers() -> None:
    t = compile_filter("eth.src[0:3,-1,1-2,:2,4:] == 00").tree
    assert isinstance(t.left, Slice)
    assert t.left.ranges == [(0, 3, ":"), (-1, 1, ":"), (1, 2, "-"), (0, 2, ":"), (4, None, ":")]
    t = compile_filter("ip.src#2 == 1.2.3.4").tree
    assert t.left.layers == [(2, 2)]
    t = compile_filter("ip.addr#[1-2,4] == 1.2.3.4").tree
    assert t.left.layers == [(1, 2), (4, 4)]


def test_every_field_ref_knows_its_registry_field() -> None:
    t = compile_filter("udp.port == udp.srcport and ip and len(udp.payload) > 1").tree
    refs = []

    def walk(n: object) -> None:
        if isinstance(n, FieldRef):
            refs.append(n)
        for v in vars(n).values():
            if isinstance(v, list):
                for x in v:
                    walk(x)
            elif hasattr(v, "col") and hasattr(v, "length"):
                walk(v)
    walk(t)
    assert {r.name for r in refs} == {"udp.port", "udp.srcport", "ip", "udp.payload"}
    assert all(r.field is not None and r.field.abbrev == r.name for r in refs)


def test_exists_and_explain() -> None:
    flt = compile_filter("udp and not tcp")
    assert isinstance(flt.tree.left, Exists)
    text = flt.explain()
    assert "TEST_AND" in text and "FIELD(udp <FT_PROTOCOL>)" in text and "TEST_NOT" in text


# ---- errors: message, column, length -------------------------------------------------
ERRORS = [
    ("udp.prot eq 69",
     '"udp.prot" is not a valid protocol or protocol field (did you mean "udp.port"?)', 0, 8),
    ("ip.src == 1.2.3.4 and tcp.prot == 1", '"tcp.prot" is not a valid protocol or protocol '
     'field (did you mean "tcp.port"?)', 22, 8),
    ("zzzz", "zzzz is neither a field nor a protocol name.", 0, 4),
    ("ip.addr == 10.0.0.300", '"10.0.0.300" is not a valid hostname or IPv4 address.', 11, 10),
    ('tcp.port == "x"', 'Unsigned integer (2 bytes) cannot be converted from a string ("x").',
     12, 3),
    ("udp.port == 70000", '"70000" too big for this field, maximum 65535.', 12, 5),
    ("udp.port == foo", '"foo" is not a valid number.', 12, 3),
    ("ip.ttl == 08", '"08" is not a valid number.', 10, 2),
    ("ip.src == 10.0.0.1/33", "Netmask bits in a CIDR IPv4 address should be <= 32, not 33",
     10, 11),
    ("udp.port == 10.0.0.0/8", '"10.0.0.0/8" is not a valid number.', 12, 10),
    ("eth.src == 00:00:83", '"00:00:83" contains too few bytes to be a valid Ethernet address.',
     11, 8),
    ("udp.port[0] == 1", '"udp.port" is a Unsigned integer (2 bytes) and cannot be sliced into '
     "a sequence of bytes.", 0, 8),
    ("(udp", "Unexpected end of filter expression.", 4, 1),
    ("udp)", '")" was unexpected in this context.', 3, 1),
    ("udp.port in {69", "Unexpected end of filter expression.", 15, 1),
    ("udp.port in {69 70}", '"70" was unexpected in this context.', 16, 2),
    ("== 69", '"==" was unexpected in this context.', 0, 2),
    ('frame contains "\\q"', "\\q is not a valid character escape sequence", 16, 2),
    ('frame contains "abc', "The final quote was missing from a quoted string.", 19, 1),
    ('frame contains "\\u0068"', "\\u0068 is not a valid universal character name", 16, 6),
    ('frame matches "("', "Regex compilation error: missing closing parenthesis.", 14, 3),
    ('frame matches "(*UTF)x"', "Regex compilation error: using UTF is disabled by the "
     "application.", 14, 9),
    ('frame matches "\\\\u0041"', "Regex compilation error: PCRE2 does not support \\F, \\L, "
     "\\l, \\N{name}, \\U, or \\u.", 14, 9),
    ("1 == 1", 'Left side of "==" expression must be a field or function, not 1.', 0, 1),
    ("foo(udp.port)", "Function 'foo' does not exist", 0, 3),
    ('string(frame[0:2]) == "a"', "Only fields can be used as parameter for string()", 7, 10),
    ("frame[0:2] - 1", "FT_BYTES cannot -.", 0, 10),
    ('upper(udp.port) == "X"', "Only string type fields can be used as parameter for upper()",
     6, 8),
    ("ip.src == eth.src", "ip.src and eth.src are not of compatible types.", 10, 7),
    ("frame[0", "The right bracket was missing from a slice.", 7, 1),
    ("frame[a]", '"a" is not a valid number.', 6, 1),
    ("frame[1:2:3]", '"1:2:3" is not a valid range.', 6, 5),
    ("ip.src#a", 'Expected digit or "[", not "a"', 7, 1),
    ("udp contains hello", '"hello" is not a valid byte string.', 13, 5),
    ('ip.flags.df == "maybe"', '"maybe" cannot be found among the possible values for '
     "ip.flags.df.", 15, 7),
    ("udp.port == 69.", '"." was unexpected in this context.', 14, 1),
    ("udp.port contains 69", 'udp.port (type=Unsigned integer (2 bytes)) cannot participate '
     'in contains comparison.', 0, 8),
    ("frame matches hello", "Matches requires a double quoted string on the right side.", 14, 5),
    ("ip.ttl == ''", "Empty character constant.", 10, 2),
    ("abs(ip.src) == 1", "'ip.src' is not a valid argument to 'abs'()", 4, 6),
    ("min(ip.src, eth.src) == 1", "Arguments to 'min' must have the same type (expected "
     "FT_IPv4, got FT_ETHER)", 12, 7),
    ('max(udp.port, "x") == 1', "Argument '\"x\"' is not valid for max()", 14, 3),
    ("frame.time == 16000x", '"16000x" is not a valid absolute time. Example: "Nov 12, '
     '1999 08:55:44.123" or "2011-07-04 12:34:56"', 14, 6),
    ('frame.time == "2020-09-13 12:26:40 FOO"', "Unexpected data after time value.", 14, 25),
    ('frame.time == "2020-09-13 12:26.5"', "Subsecond precision requires a seconds field.",
     14, 20),
    ("", "Empty filter expression.", 0, 1),
    ("udp &", "Unexpected end of filter expression.", 5, 1),
    ("frame @", '"@" was unexpected in this context.', 6, 1),
    ("{zz}", '"zz" is not a valid protocol or protocol field', 1, 2),
    ("{1 + 2}", "Constant arithmetic expression on the LHS is invalid.", 1, 1),
    ("1 + 2 == 2 + 1", "Constant arithmetic expression on the LHS is invalid.", 0, 1),
    ("ip.proto == '\\xZZ'", "'\\xZZ' isn't a valid character constant.", 12, 6),
    ("ip.proto == '\\400'", "'\\400' is too large to be a valid character constant.", 12, 6),
    ("123 in {ip}", "Only a field may be tested for membership in a set.", 0, 3),
    ('frame == "00"[1]', 'Range is not supported for entity "00"', 9, 4),
    ("zzzz[0] == 1", "Range is not supported for entity zzzz", 0, 4),
    ('http.request.method matches "^HEAD" matches "^POST"',
     '"matches" was unexpected in this context.', 36, 7),
    ("tcp and hTTp", 'hTTp is neither a field nor a protocol name. Did you mean "http"?', 8, 4),
    ("udp.port + 1", "You cannot test whether an arithmetic expression is present.", 0, 12),
    ("frame[12:2] in {08:00}", "Only a field may be tested for membership in a set.", 0, 11),
    ("tcp.flags.syn & 1", "FT_BOOLEAN cannot &.", 0, 13),
    ("ip.src + 1 == 1", "FT_IPv4 cannot +.", 0, 6),
    ("tcp.flags.urg == ip.proto", "tcp.flags.urg and ip.proto are not of compatible types.",
     17, 8),
    # Out-of-range numbers (issue 12): tshark's words, never an OverflowError.
    ("frame.time_delta > 1e400", '"1e400" is not a valid time.', 19, 5),
    ("frame.time_delta > -1e400", '"1e400" is not a valid time.', 20, 5),
    ("frame.time_delta in {1 .. 1e400}", '"1e400" is not a valid time.', 26, 5),
    ("frame.time_delta > inf", '"inf" is not a valid time.', 19, 3),
    ("frame.time_delta > 1.0000000001", '"1.0000000001" is not a valid time.', 19, 12),
    ("icmp.resptime > 1e400", '"1e400" causes floating-point overflow.', 16, 5),
    ("icmp.resptime > 0x1p2000", '"0x1p2000" causes floating-point overflow.', 16, 8),
    ("icmp.resptime > -1e-400", '"1e-400" causes floating-point underflow.', 17, 6),
    ("icmp.resptime > 1e-310", '"1e-310" is not a valid floating-point number.', 16, 6),
    ("icmp.resptime > 1_0", '"1_0" is not a valid floating-point number.', 16, 3),
    ("frame.len > 18446744073709551616", '"18446744073709551616" causes an integer overflow.',
     12, 20),
    ("data.len > 9223372036854775808", '"9223372036854775808" causes an integer overflow.',
     11, 19),
    ("frame[2147483648] == 1", '"2147483648" causes an integer overflow.', 6, 10),
    ("frame[ 2147483648:1 , 0] == 1", '" 2147483648:1 " causes an integer overflow.', 6, 14),
    ("frame[0:2147483648] == 1", '"0:2147483648" is not a valid range.', 6, 12),
    ("ip.ttl#2147483648 == 1", '"2147483648" causes an integer overflow.', 7, 10),
    ("ip.ttl#[1-99999999999999999999] == 1", '"1-99999999999999999999" is not a valid range.',
     8, 22),
    # Found by fuzzing (issue 12): a constant `&` of a type that has none.
    ("dns.qry.name == 1 & 2", "FT_STRING cannot &.", 16, 1),
    ("tcp.flags.syn == 1 & 1", "FT_BOOLEAN cannot &.", 17, 1),
    ('frame.protocols == "a" & "b"', '"a" is not a valid arithmetic operand.', 19, 3),
    ('frame.time == "2020-01-01 00:00:00" & 1', '"2020-01-01 00:00:00" is not a valid '
     "arithmetic operand.", 14, 21),
]


@pytest.mark.parametrize("text", ["frame.len == 1/0 + 1", "frame.len == -{1/0}",
                                  "frame.len == {1/0} * 2 - 1"])
def test_division_by_zero_inside_constant_arithmetic(text: str) -> None:
    """Accepted as tshark does; the expression has no value, so nothing matches."""
    from test_filter_semantics import PACKETS

    assert [compile_filter(text).match(p) for p in PACKETS] == [False] * 3


def test_constant_bitand_of_bytes_and_addresses() -> None:
    assert compile_filter("frame[0:2] == 02:ff & ff:00").tree.right.value == b"\x02\x00"
    assert compile_filter("ip.src == 10.0.0.1 & 255.0.0.255").tree.right.value == 0x0A000001


@pytest.mark.parametrize("text,value", [
    ("frame.time_delta == 1.5", 1_500_000_000), ("frame.time_delta == -2", -2_000_000_000),
    ("frame.time_delta == 1.10000000000", 1_100_000_000),
    ("frame.time_delta == 99999999999999999999999", 99999999999999999999999 * 10**9),
    ("icmp.resptime == 1e308", 1e308), ("icmp.resptime == 0x1p3", 8.0),
    ("icmp.resptime == inf", float("inf")), ("icmp.resptime == 1e308 * 10", float("inf")),
])
def test_time_and_double_literals(text: str, value: object) -> None:
    """Times are exact nanosecond integers, doubles what strtod gives (issue 12)."""
    assert compile_filter(text).tree.right.value == value


@pytest.mark.parametrize("text,message,column,length", ERRORS)
def test_errors(text: str, message: str, column: int, length: int) -> None:
    e = err(text)
    assert (e.message, e.column, e.length) == (message, column, length)


def test_caret_lines() -> None:
    e = err("udp.prot eq 69")
    assert e.caret_lines() == "    udp.prot eq 69\n    ^~~~~~~~"
    e = err("ip.addr == 10.0.0.300")
    assert e.caret_lines().splitlines()[1] == "    " + " " * 11 + "^" + "~" * 9


def test_check_filter_cli(capsys: pytest.CaptureFixture[str]) -> None:
    import io

    from analyzer.app import run

    out, errs = io.StringIO(), io.StringIO()
    assert run(["--check-filter", "udp.prot eq 69"], out, errs) == 2
    assert errs.getvalue() == ('analyze: "udp.prot" is not a valid protocol or protocol field '
                               '(did you mean "udp.port"?)\n    udp.prot eq 69\n    ^~~~~~~~\n')
    out, errs = io.StringIO(), io.StringIO()
    assert run(["--check-filter", "udp.port == 69", "--explain"], out, errs) == 0
    assert "TEST_ANY_EQ" in out.getvalue() and "FIELD(udp.port <FT_UINT16>)" in out.getvalue()
    out, errs = io.StringIO(), io.StringIO()
    assert run(["-Y", "tcp.port ==", "/nonexistent.pcap"], out, errs) == 2
    assert "Unexpected end of filter expression." in errs.getvalue()


# ---- long chains and deep nesting (issue 12) -------------------------------------------
def _shallow_stack_limit() -> int:
    """A recursion limit only 150 frames above the caller: a predicate that recursed per
    term of a long chain would fail under it."""
    import inspect

    return len(inspect.stack(0)) + 150


@pytest.mark.parametrize("op,n", [("or", 1000), ("or", 10000), ("and", 1000), ("and", 10000),
                                  ("xor", 1001), ("||", 1000), ("&&", 1000)])
def test_long_flat_chain_compiles_and_matches(op: str, n: int) -> None:
    import sys

    from test_filter_semantics import PACKETS

    test_op = "!=" if op in ("and", "&&") else "=="
    text = f" {op} ".join(f"udp.port {test_op} {i}" for i in range(n))
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(_shallow_stack_limit())
    try:
        flt = compile_filter(text)
        got = [flt.match(p) for p in PACKETS]
        lines = flt.explain().splitlines()
    finally:
        sys.setrecursionlimit(old)
    ports = [{1234, 7777}, {1234, 7777}, {5000}]
    if op in ("and", "&&"):
        want = [not any(p < n for p in ps) for ps in ports]
    elif op == "xor":  # an odd number of true terms: one per port below n
        want = [sum(1 for p in ps if p < n) % 2 == 1 for ps in ports]
    else:
        want = [any(p < n for p in ps) for ps in ports]
    assert got == want
    assert len(lines) == 4 + (n - 1) + 3 * n  # heading, one node per operator, 3 per term


def test_long_not_chain() -> None:
    from test_filter_semantics import PACKETS

    assert [compile_filter("not " * 1000 + "tcp").match(p) for p in PACKETS] == [False] * 3
    assert [compile_filter("not " * 1001 + "tcp").match(p) for p in PACKETS] == [True] * 3


@pytest.mark.parametrize("text", [
    "(" * 101 + "udp" + ")" * 101, "(" * 10000 + "udp" + ")" * 10000,
    "(" * 10000 + "udp", "frame.len == " + "{" * 5000 + "1" + "}" * 5000,
    "frame.len == " + "+".join(["1"] * 10000), "frame.len == " + "-" * 10000 + "1",
    "frame" + "[0:10]" * 10000 + " == 00", "len(" * 5000 + "frame" + ")" * 5000 + " == 1",
    "udp.port in {" + "{" * 3000 + "1" + "}" * 3000 + "}",
])
def test_deep_nesting_is_a_clean_error(text: str) -> None:
    e = err(text)
    assert e.message == "Filter expression is nested too deeply (more than 100 levels)."
    assert 0 <= e.column < len(text)


def test_nesting_up_to_the_limit_is_fine() -> None:
    from test_filter_semantics import PACKETS

    flt = compile_filter("(" * 100 + "udp.port == 1234" + ")" * 100)
    assert [flt.match(p) for p in PACKETS] == [True, True, False]
    flt = compile_filter("(not " * 51 + "(udp and " * 49 + "tcp" + ")" * 100)
    assert [flt.match(p) for p in PACKETS] == [True] * 3  # an odd number of `not`s
