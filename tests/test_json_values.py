"""`-T json`'s value texts (analyzer/output/json_ek.py): the string escaping's quick
test (nothing to escape) against tshark's json_dumper rule written out character by
character; a value of a type whose text never needs escaping, written without the
escape pass, against the escaped text; and the per-field pair cache: a cached pair is
the pair made afresh, a field's table stays bounded and stops for values that never
repeat, an int's pair is not a bool's."""

from __future__ import annotations

import pytest

from analyzer.output import json_ek as J
from captures.frame import Frame
from dissectors.format import Texts, field_text
from dissectors.packet import Item, Packet
from dissectors.registry import REGISTRY

_ESC = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
        "\r": "\\r"}


def _dumper(s: str, dots: bool = False) -> str:
    """tshark's json_dumper string rule, a character at a time."""
    out = []
    for i, ch in enumerate(s):
        if ch in _ESC:
            out.append(_ESC[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        elif ch == "/" and i and s[i - 1] == "<":
            out.append("\\/")
        elif dots and ch == ".":
            out.append("_")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


STRINGS = [
    "", "plain", "eth:ethertype:ip:udp:dns", "a\"b", "back\\slash", "</script>", "<a/b",
    "a/<", "<", "/", "tab\there", "nul\0x", "\x1f", "del\x7fete", "caf\u00e9",
    "line\u2028sep", "zero\u200bwidth", "\u00a0nbsp", "emoji \U0001f600", "\r\n",
    "dots.in.name", "x" * 300, "<\\/", '"', "\x00",
]


@pytest.mark.parametrize("dots", [False, True])
@pytest.mark.parametrize("s", STRINGS)
def test_str_is_the_dumpers_text(s: str, dots: bool) -> None:
    assert J._str(s, dots) == _dumper(s, dots)


F = REGISTRY.fields
#: (field, value): values of types whose text is written without the escape pass.
PLAIN_VALUES = [
    (F["frame.number"], 12), (F["ip.id"], 0x1234), (F["tcp.checksum"], 0xBEEF),
    (F["tcp.flags.syn"], True), (F["tcp.flags.syn"], 1), (F["udp.srcport"], True),
    (F["ip.src"], 0x0A000001), (F["tcp.time_delta"], 1_500_000_000),
    (F["tcp.time_delta"], -7), (F["frame.time_epoch"], -1_500_000_000),
    (F["eth.src"], bytes.fromhex("001122aabbcc")), (F["ipv6.src"], bytes(15) + b"\1"),
    (F["x11.byte-order"], 0x5C), (F["x11.byte-order"], 0x22), (F["x11.byte-order"], 10),
    (F["frame.protocols"], 'a"b'), (F["dns.qry.name"], "x</y"),
]


@pytest.mark.parametrize(("field", "value"), PLAIN_VALUES,
                         ids=[f"{f.abbrev}={v!r}" for f, v in PLAIN_VALUES])
def test_value_text_is_the_escaped_text(field, value) -> None:  # noqa: ANN001
    item = Item(field, value, 0, 1)
    want = J._str(J._value(item))
    assert J._jvalue(item, field, field.type) == want
    assert J._jpair(item, field) == J._jpair(item, field) == J._jkey(field)[0] + want


_PKT = Packet(Frame(1, 0, 9, 0, 0, 1, 0, b""))


def _leaf_pair(field, value) -> str:  # noqa: ANN001
    """The pair _jobj writes for one leaf (through the cache)."""
    return J._jobj(_PKT, [Item(field, value, 0, 1)], "", None)[4:-2]


@pytest.mark.parametrize("name", ["udp.srcport", "dns.qry.name", "eth.src"])
def test_unique_values_stay_bounded_and_stop_the_caching(name: str) -> None:
    field = F[name]
    J._JPAIRS.pop(field, None)
    make = {"udp.srcport": lambda v: v, "dns.qry.name": lambda v: f"host{v}.example",
            "eth.src": lambda v: v.to_bytes(6, "big")}[name]
    for v in range(3 * J.PAIRS_MAX):  # never the same value twice
        value = make(v)
        assert _leaf_pair(field, value) == J._jkey(field)[0] + J._str(J._value(
            Item(field, value, 0, 1)))
        assert len(J._JPAIRS[field].texts) <= J.PAIRS_MAX
    assert not J._JPAIRS[field].on and not J._JPAIRS[field].texts


def test_repeating_values_keep_their_table_and_int_is_not_bool() -> None:
    field = F["udp.srcport"]
    J._JPAIRS.pop(field, None)
    for v in range(3 * J.PAIRS_MAX):
        _leaf_pair(field, 10_000 + v)  # a new value, then two hot ones
        assert _leaf_pair(field, 53) == '"udp.srcport": "53"'
        assert _leaf_pair(field, 80) == '"udp.srcport": "80"'
    assert J._JPAIRS[field].on and J._JPAIRS[field].texts.get(53) == '"udp.srcport": "53"'
    assert _leaf_pair(field, 1) == '"udp.srcport": "1"'
    assert _leaf_pair(field, True) == '"udp.srcport": ' + J._str(field_text(field, True))
    assert _leaf_pair(field, 1) == '"udp.srcport": "1"'


def test_long_strings_and_payload_bytes_are_not_kept() -> None:
    text, data = F["frame.protocols"], F["data.data"]
    J._JPAIRS.pop(text, None)
    J._JPAIRS.pop(data, None)
    long = "x" * 65
    assert _leaf_pair(text, long) == _leaf_pair(text, long) == \
        '"frame.protocols": "' + long + '"'
    assert long not in J._JPAIRS.get(text, Texts()).texts
    assert _leaf_pair(data, b"\1\2") == '"data.data": "01:02"'
    assert data not in J._JPAIRS
