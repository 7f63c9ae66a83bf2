"""IP fragment reassembly as reassemble.c does it (dissectors/reassembly.py).

Captures built here repeat, overlap, conflict and give several tails; the packet list,
`-V`, JSON and the mark fields are tshark's. A hostile capture repeating one fragment
keeps one datagram's stored fragments and bytes under the caps.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from diffutil import assert_bytes_like_tshark, run_analyze, run_tshark
from scapy.all import IP as IPv4
from scapy.all import UDP, Ether, IPv6, IPv6ExtHdrFragment, Raw, wrpcap

from captures import open_capture
from dissectors import Session, dissect, reassembly
from dissectors.reassembly import FragmentTable

#: a flood past the bytes cap, then a datagram reusing its key (tests/data/made)
MADE = Path(__file__).resolve().parent / "data" / "made"
REUSE = MADE / "ip_fragment_reuse.pcap"
#: the same flood, then the new datagram's tail before its first fragment
REUSE_TAIL_FIRST = MADE / "ip_fragment_reuse_tail_first.pcap"

# (a non-zero checksum: over IPv6 a zero one is illegal, which is not what is tested)
UDP_BYTES = bytes(UDP(sport=1000, dport=2000, len=32, chksum=0x1234) / Raw(b"x" * 24))


def _v4(off: int, data: bytes, more: bool, ident: int = 7):
    return (Ether(src="00:00:00:00:00:01", dst="00:00:00:00:00:02")
            / IPv4(src="10.0.0.1", dst="10.0.0.2", id=ident, proto=17, frag=off // 8,
                   flags="MF" if more else 0) / Raw(data))


def _v6(off: int, data: bytes, more: bool, ident: int = 7):
    return (Ether(src="00:00:00:00:00:01", dst="00:00:00:00:00:02")
            / IPv6(src="fd00::1", dst="fd00::2")
            / IPv6ExtHdrFragment(nh=17, offset=off // 8, m=int(more), id=ident) / Raw(data))


def _frames(make: Callable) -> dict[str, list]:
    u = UDP_BYTES
    return {
        "repeated": [make(0, u[:16], True), make(0, u[:16], True), make(0, u[:16], True),
                     make(16, u[16:], False)],
        "conflict": [make(0, u[:16], True), make(8, b"Z" * 16, True), make(16, u[16:], False)],
        "after": [make(0, u[:16], True), make(16, u[16:], False), make(0, u[:16], True),
                  make(8, b"Q" * 8, True)],
        "tails": [make(16, u[16:], False), make(24, b"T" * 16, False), make(0, u[:16], True),
                  make(40, b"P" * 8, True)],
    }


CASES = [(v, name) for v in ("v4", "v6") for name in ("repeated", "conflict", "after", "tails")]
MARKS = ["ip.fragment", "ip.fragment.error", "ip.fragment.overlap",
         "ip.fragment.overlap.conflict", "ip.fragment.multipletails",
         "ip.fragment.toolongfragment", "ip.reassembled.length", "udp.length", "data.data"]
ARGS = [[], ["-V"], ["-2", "-V"], ["-T", "json"], ["-T", "fields", *sum((["-e", f] for f in MARKS), [])],
        ["-Y", "ip.fragment.overlap.conflict || ipv6.fragment.error"]]


@pytest.mark.tshark
@pytest.mark.parametrize(("version", "name"), CASES)
@pytest.mark.parametrize("args", ARGS, ids=lambda a: " ".join(a)[:20] or "list")
def test_overlapping_fragments_like_tshark(tmp_path: Path, version: str, name: str,
                                           args: list[str]) -> None:
    path = tmp_path / f"{version}-{name}.pcap"
    wrpcap(str(path), _frames(_v4 if version == "v4" else _v6)[name])
    if version == "v6":
        args = [a.replace("ip.", "ipv6.") if a.startswith("ip.") else a for a in args]
    ours = assert_bytes_like_tshark(["-r", str(path), *args])
    if args == ["-V"] and name in ("conflict", "tails"):  # (not vacuous: the marks show)
        assert "[Conflicting data in fragment overlap: True]" in ours


def _flood(path: Path, copies: int) -> None:
    """One datagram's first fragment sent `copies` times, then tiny overlapping ones."""
    first = _v4(0, UDP_BYTES[:16], True)
    tiny = [_v4(8 * (i % 64), b"y" * 8, True) for i in range(copies)]
    wrpcap(str(path), [first] * copies + tiny + [_v4(16, UDP_BYTES[16:], False)])


def test_a_flood_of_one_fragment_stays_under_the_caps(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    cap_frags, cap_bytes = 64, 600
    monkeypatch.setattr(reassembly, "MAX_FRAGMENTS", cap_frags)
    monkeypatch.setattr(reassembly, "MAX_BYTES", cap_bytes)
    path = tmp_path / "flood.pcap"
    _flood(path, 500)
    session = Session(revisit=False)
    table = session.state("ip.fragments", FragmentTable)
    most_frags = most_bytes = 0
    full = False
    with open_capture(str(path)) as reader:
        for frame in reader:
            dissect(frame, session, ())
            for d in table.pending.values():
                most_frags = max(most_frags, len(d.frags))
                most_bytes = max(most_bytes, d.size)
                full = full or d.full
    assert 0 < most_frags <= cap_frags and 0 < most_bytes <= cap_bytes
    # (the flood reached a cap, its 16-byte first fragments the bytes one: the bound was
    # tested; the datagram then gathered nothing more until the tail, which starts anew)
    assert most_bytes + 16 > cap_bytes and full


@pytest.mark.parametrize(("fragment", "cap"), [
    ((0, b"a" * 8, True), "frags"),      # one small fragment repeated: the count cap
    ((0, b"b" * 1000, True), "bytes"),   # a large one: the bytes cap
])
def test_a_capped_datagram_gathers_no_more(fragment: tuple, cap: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Past a cap the datagram is dropped once and stays full: the rest of the flood is
    not gathered again up to the cap (each packet a look-up), the fast path's peek
    agrees, and another datagram still reassembles. (The table's own count of gathered
    fragments is watched: compiled, a spy patched onto `Datagram.add` is not called.)"""
    monkeypatch.setattr(reassembly, "MAX_FRAGMENTS", 64)
    monkeypatch.setattr(reassembly, "MAX_BYTES", 10_000)
    table = FragmentTable()
    _o, data, more = fragment
    kept = 64 if cap == "frags" else 10_000 // len(data)
    for n in range(1, 1001):
        assert table.add(("flood",), (n, 0, data, more)) is None
        assert table.gathered == min(n, kept)  # (before: refilled, 1,000 gathered)
    d = table.pending[("flood",)]
    assert d.full and d.frags == [] and d.size == 0
    more = (1001, len(data), b"t" * 8, True)  # (another fragment of it: not gathered)
    assert table.add(("flood",), more) is None and table.gathered == kept
    # its tail fixes the length the flood left open: it completes the first fragment it
    # kept, as in reassemble.c, where the flood's fragments all wait
    tail = (1002, len(data), b"t" * 8, False)
    assert table.peek(("flood",), tail) == data + b"t" * 8
    whole, frags, _marks = table.add(("flood",), tail)
    assert whole == data + b"t" * 8 and [f[0] for f in frags] == [1, 1002]
    assert table.add(("other",), (1, 0, b"x" * 8, True)) is None
    whole, _frags, _marks = table.add(("other",), (2, 8, b"y" * 8, False))
    assert whole == b"x" * 8 + b"y" * 8


@pytest.mark.parametrize("flood", [
    [(0, b"a" * 8, True)],                                   # its first fragment repeated
    [(0, b"a" * 8, True), (8, b"b" * 8, True)],              # a first fragment and more
    [(1480, b"c" * 8, True)],                                # no first fragment at all
])
def test_a_new_datagram_after_a_capped_one_reassembles(flood: list[tuple],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A capped datagram's key reused by a new datagram (a first fragment with other
    bytes): it is gathered afresh and reassembles, as reassemble.c starts a new
    datagram after a finished one; the flood's own first fragment still is not."""
    monkeypatch.setattr(reassembly, "MAX_FRAGMENTS", 64)
    table = FragmentTable()
    for n in range(1, 201):
        off, data, more = flood[n % len(flood)]
        assert table.add(("k",), (n, off, data, more)) is None
    assert table.pending[("k",)].full and table.gathered == 64
    if flood[0][1] == 0:  # the flood's first fragment again: swallowed, no refill
        assert table.add(("k",), (201, 0, b"a" * 8, True)) is None and table.gathered == 64
    new, tail = (202, 0, b"n" * 16, True), (203, 16, b"t" * 4, False)
    assert table.peek(("k",), new) is None and table.add(("k",), new) is None
    assert not table.pending[("k",)].full and table.gathered == 65
    assert table.peek(("k",), tail) == b"n" * 16 + b"t" * 4
    whole, frags, marks = table.add(("k",), tail)
    assert whole == b"n" * 16 + b"t" * 4 and [f[0] for f in frags] == [202, 203]
    assert marks == [0, 0] and ("k",) not in table.pending


@pytest.mark.parametrize(("flood", "held"), [
    ([(1480, b"c" * 8, True)], []),               # no first fragment, no tail: length open
    ([(0, b"a" * 16, True)], [b"a" * 16]),        # its first fragment: the tail joins it
    ([(1480, b"c" * 8, False)], None),            # a tail: the length is fixed, swallowed
])
def test_a_tail_before_its_first_after_a_capped_one(flood: list[tuple], held: list | None,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A new datagram's tail under a capped key whose length is still open starts it
    (reassemble.c: the first tail fixes the length) with the first fragment the capped
    one kept; where a tail fixed the length already, it is the flood's and swallowed."""
    monkeypatch.setattr(reassembly, "MAX_FRAGMENTS", 64)
    table = FragmentTable()
    for n in range(1, 201):
        off, data, more = flood[0]
        assert table.add(("k",), (n, off, data, more)) is None
    assert table.pending[("k",)].full and table.gathered == 64
    tail, first = (201, 16, b"t" * 4, False), (202, 0, b"n" * 16, True)
    assert table.peek(("k",), tail) == (None if held != [b"a" * 16] else b"a" * 16 + b"t" * 4)
    got = table.add(("k",), tail)
    if held is None:
        assert got is None and table.pending[("k",)].full and table.gathered == 64
        return
    if held:
        assert got is not None and got[0] == held[0] + b"t" * 4
        assert [f[0] for f in got[1]] == [1, 201] and ("k",) not in table.pending
        return
    assert got is None and not table.pending[("k",)].full
    assert table.peek(("k",), first) == b"n" * 16 + b"t" * 4
    whole, frags, _marks = table.add(("k",), first)
    assert whole == b"n" * 16 + b"t" * 4 and [f[0] for f in frags] == [202, 201]


SHOWN = ["-T", "fields", "-e", "frame.number", "-e", "ip.reassembled_in", "-e", "data.data",
         "-e", "_ws.col.Info"]


@pytest.mark.tshark
@pytest.mark.parametrize("capture", [REUSE, REUSE_TAIL_FIRST], ids=["first-then-tail",
                                                                     "tail-first"])
@pytest.mark.parametrize(("args", "last"), [
    ([], None),
    (SHOWN, None),
    (["-Y", "udp"], None),  # (a planned run: the cheap pass peeks at the table)
    (["-2", "-Y", "frame.number > 180"], None),
    (["-2", *SHOWN], 2),  # (tshark, uncapped, also says the flood's are reassembled in #182)
], ids=["list", "fields", "planned", "two-pass-list", "two-pass-fields"])
def test_a_datagram_reusing_a_flooded_key_like_tshark(capture: Path, args: list[str],
                                                      last: int | None) -> None:
    """After a flood that filled a datagram past the bytes cap, a datagram with the same
    (src, dst, id, proto) reassembles on its last fragment as in tshark, its tail first
    or last (the last `last` lines only where tshark's uncapped reassembly differs on the
    flood's own frames)."""
    rc, ours, err = run_analyze(["-r", str(capture), *args])
    assert rc == 0, err
    theirs = run_tshark(["-r", str(capture), *args])
    if last is not None:
        ours, theirs = (t.splitlines()[-last:] for t in (ours, theirs))
    assert ours == theirs
    assert "40001 → 40002 Len=21" in str(ours)  # (not vacuous: it reassembled)


def test_below_the_caps_every_fragment_is_kept() -> None:
    """The default caps hold a whole 65,535-byte datagram in 8-byte fragments."""
    table = FragmentTable()
    n = 65535 // 8
    for i in range(n):
        assert table.add(("k",), (i + 1, 8 * i, b"a" * 8, True)) is None
    whole, frags, marks = table.add(("k",), (n + 1, 8 * n, b"b" * 7, False))
    assert len(whole) == 65535 and len(frags) == n + 1 and not any(marks)
