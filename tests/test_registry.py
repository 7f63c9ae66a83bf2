"""Every declared protocol and field agrees with tshark 4.0's `tshark -G fields`.

Same type (FT_*), same base for integers, same bitmask. tshark prints a boolean's bit
width in the base column, so for FT_BOOLEAN only the bitmask is compared. Fields tshark
doesn't know are allowed only inside protocols tshark doesn't know (listed below).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pytest
from diffutil import run_tshark

from dissectors import REGISTRY
from dissectors.registry import FT, Field

pytestmark = pytest.mark.tshark

#: labshark protocols that tshark 4.0 has no dissector for: their fields are ours alone.
PROTOCOLS_TSHARK_LACKS = frozenset({"ipmsg", "feiq"})
#: Our own additions inside protocols tshark knows carry ".labshark." in their name
#: (e.g. the TFTP expert notes Wireshark lacks), so they can never shadow a future
#: Wireshark field.
OUR_FIELD_MARK = ".labshark."
#: Deliberate differences, each with its reason.
DECLARED_AS_PRINTED = {
    # tshark's glossary says BASE_HEX with mask 0x7fff, but `-T fields` prints the
    # value in decimal and unmasked; we declare what tshark prints.
    "dns.rr.udp_payload_size",
}
INT_BASES = {"BASE_DEC", "BASE_HEX", "BASE_HEX_DEC", "BASE_DEC_HEX", "BASE_OCT", "BASE_NONE",
             "BASE_OUI", "BASE_PT_UDP", "BASE_PT_TCP", "BASE_CUSTOM"}


@dataclass(frozen=True)
class TsharkField:
    abbrev: str
    type: str
    parent: str
    base: str
    bitmask: int


@functools.cache
def tshark_glossary() -> tuple[frozenset[str], dict[str, tuple[TsharkField, ...]]]:
    """(protocol abbrevs, field abbrev -> every registration) from `tshark -G fields`."""
    protos: set[str] = set()
    fields: dict[str, list[TsharkField]] = {}
    for line in run_tshark(["-G", "fields"]).splitlines():
        c = line.split("\t")
        if c[0] == "P" and len(c) >= 3:
            protos.add(c[2])
        elif c[0] == "F" and len(c) >= 7:
            fields.setdefault(c[2], []).append(
                TsharkField(c[2], c[3], c[4], c[5], int(c[6], 16) if c[6] else 0))
    return frozenset(protos), {k: tuple(v) for k, v in fields.items()}


def _owner(f: Field) -> str:
    return f.protocol.abbrev if f.protocol is not None else f.abbrev.split(".")[0]


def _problems(f: Field, theirs: TsharkField) -> list[str]:
    out = []
    if f.type.value != theirs.type:
        out.append(f"type {f.type.value} != tshark {theirs.type}")
    if f.type is FT.BOOLEAN:
        if f.bitmask != theirs.bitmask:
            out.append(f"bitmask 0x{f.bitmask:x} != tshark 0x{theirs.bitmask:x}")
    elif f.type.is_integer:
        if theirs.base in INT_BASES and f.base.value != theirs.base:
            out.append(f"base {f.base.value} != tshark {theirs.base}")
        if f.bitmask != theirs.bitmask:
            out.append(f"bitmask 0x{f.bitmask:x} != tshark 0x{theirs.bitmask:x}")
    return out


FIELDS = sorted((f for f in REGISTRY.fields.values() if f.type is not FT.PROTOCOL),
                key=lambda f: f.abbrev)
PROTOCOLS = sorted(REGISTRY.protocols)


@pytest.mark.parametrize("abbrev", PROTOCOLS)
def test_protocol_known_to_tshark(abbrev: str) -> None:
    protos, fields = tshark_glossary()
    if abbrev in PROTOCOLS_TSHARK_LACKS:
        assert abbrev not in protos, f"{abbrev} is known to tshark: drop it from the exceptions"
        return
    # tshark registers some protocols as protocols, some (tcp.options.*) as fields too.
    assert abbrev in protos or abbrev in fields, f"tshark has no protocol {abbrev!r}"


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.abbrev)
def test_field_declared_like_tshark(field: Field) -> None:
    protos, fields = tshark_glossary()
    owner = _owner(field)
    regs = fields.get(field.abbrev)
    if not regs:
        if OUR_FIELD_MARK in field.abbrev:
            return
        assert owner in PROTOCOLS_TSHARK_LACKS and owner not in protos, (
            f"{field.abbrev}: tshark has no such field, and its protocol {owner!r} is one "
            f"tshark knows (only {sorted(PROTOCOLS_TSHARK_LACKS)} may add fields)")
        return
    if field.abbrev in DECLARED_AS_PRINTED:
        return
    # A field tshark registers several times matches if any registration does.
    problems = [_problems(field, r) for r in regs]
    assert any(not p for p in problems), f"{field.abbrev}: " + "; ".join(problems[0])


def test_glossary_is_parsed() -> None:
    """Guards the parser above: a known field reads back with tshark's declaration."""
    _, fields = tshark_glossary()
    (udp,) = fields["udp.srcport"]
    assert (udp.type, udp.base, udp.bitmask) == ("FT_UINT16", "BASE_PT_UDP", 0)
    assert fields["ip.flags.df"][0].bitmask == 0x40
