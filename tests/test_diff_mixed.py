"""labshark vs tshark on the generated mixed capture (pcap and pcapng), field by field.

One test per field compares every packet; a failure names the field and the first
differing frames with both values. The packet-list line and Info column are compared too.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from diffutil import (
    DIFF_FIELDS,
    FieldTables,
    compare_info,
    compare_list,
    field_tables,
    format_mismatches,
    record,
)

pytestmark = pytest.mark.tshark
FORMATS = ("pcap", "pcapng")


@functools.cache
def _tables(path: str) -> FieldTables:
    return field_tables(path, DIFF_FIELDS)


@pytest.fixture(params=FORMATS)
def mixed(request: pytest.FixtureRequest) -> Path:
    return request.getfixturevalue(f"mixed_{request.param}")


def test_mixed_capture_is_deterministic(tmp_path: Path) -> None:
    from gen_mixed import write_mixed

    a = write_mixed(tmp_path / "a.pcap", rounds=6).read_bytes()
    b = write_mixed(tmp_path / "b.pcap", rounds=6).read_bytes()
    assert a == b
    assert write_mixed(tmp_path / "c.pcapng", "pcapng", rounds=6).read_bytes()[:4] == \
        b"\x0a\x0d\x0d\x0a"


def test_mixed_capture_covers_the_cases(mixed_pcap: Path) -> None:
    """The capture holds what the brief asks for, as tshark sees it."""
    t = _tables(str(mixed_pcap))
    assert t.packets >= 2000
    protos = set(t.theirs["frame.protocols"])
    for want in ("eth:ethertype:arp", "eth:ethertype:ip:udp:dns", "eth:ethertype:ip:udp:dhcp",
                 "eth:ethertype:vlan:ethertype:vlan:ethertype:ip:icmp:data",
                 "eth:ethertype:ipv6:icmpv6:data", "eth:ethertype:ipv6:tcp",
                 "eth:ethertype:ip:icmp:ip:udp:data", "eth:ethertype:ip:data"):
        assert want in protos, want
    assert any(a != b for a, b in zip(t.theirs["frame.len"], t.theirs["frame.cap_len"], strict=True))
    assert "1" in t.theirs["ip.flags.mf"]
    assert {"1", "2"} <= set(t.theirs["arp.opcode"])
    assert {"200", "404", "301"} <= set(t.theirs["http.response.code"])


@pytest.mark.parametrize("field", DIFF_FIELDS)
def test_field_matches_tshark(mixed: Path, field: str) -> None:
    t = _tables(str(mixed))
    ms = t.mismatches(field)
    record(mixed, field, t.compared(field), ms)
    print(f"{mixed.name} {field}: {t.compared(field)} packets compared, {len(ms)} differ")
    assert not ms, f"{field} differs from tshark on {len(ms)} packets:\n" + \
        format_mismatches(ms)


def test_info_column_matches_tshark(mixed: Path) -> None:
    ms = compare_info(mixed)
    record(mixed, "_ws.col.Info", _tables(str(mixed)).compared("_ws.col.Info"), ms)
    assert not ms, "Info column differs:\n" + format_mismatches(ms)


def test_packet_list_matches_tshark(mixed: Path) -> None:
    ms = compare_list(mixed)
    record(mixed, "line", _tables(str(mixed)).compared("line"), ms)
    assert not ms, "packet-list lines differ:\n" + format_mismatches(ms)
