"""A full dissection (-V, -x, the tree formats) indexes only the fields its run reads
back (setup.indexed_fields): the same output as indexing every item, on every sample
capture, and the index really holds only those fields."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import analyzer.command
from analyzer.app import run
from dissectors import REGISTRY, Session
from dissectors.frame import dissect
from dissectors.packet import Packet
from filters import compile_filter

ROOT = Path(__file__).resolve().parent.parent
CAPTURES = sorted(p for d in ("captures/samples", "tests/data/corpus")
                  for p in (ROOT / d).iterdir() if p.suffix in (".pcap", ".pcapng"))

#: (args, fields indexed below the top level besides the filter's; None: every field)
RUNS: list[tuple[list[str], frozenset[str] | None]] = [
    (["-V"], frozenset({"frame.time", "frame.time_delta_displayed"})),
    (["-T", "json"], frozenset({"frame.time", "frame.time_delta_displayed"})),
    (["-V", "-Y", "tcp.port == 80 || dns.qry.name contains \"a\""],
     frozenset({"frame.time", "frame.time_delta_displayed", "tcp.port", "dns.qry.name"})),
    (["-T", "json", "-e", "ip.src", "-e", "tcp.seq"],
     frozenset({"frame.time", "frame.time_delta_displayed", "ip.src", "tcp.seq"})),
    (["-V", "-Y", "tcp.analysis.flags"],
     frozenset({"frame.time", "frame.time_delta_displayed", "tcp.analysis.flags"})),
    (["-V", "-2"], None),
    ([], None),  # (tree-less: what it makes, it indexes)
]


def _run(args: list[str]) -> str:
    out, err = io.StringIO(), io.StringIO()
    rc = run(args, out, err)
    return f"{out.getvalue()}{err.getvalue()}{rc}"


@pytest.mark.parametrize(("args", "fields"), RUNS, ids=[" ".join(a) or "list" for a, _ in RUNS])
def test_indexed_set(args: list[str], fields: frozenset[str] | None,
                     monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[frozenset[str] | None] = []
    real = analyzer.command.indexed_fields

    def spy(*a: object) -> frozenset[str] | None:
        got = real(*a)  # type: ignore[arg-type]
        seen.append(got)
        return got

    monkeypatch.setattr(analyzer.command, "indexed_fields", spy)
    monkeypatch.setenv("LABSHARK_SPLIT", "0")
    _run(["-r", str(ROOT / "captures/samples/lab.pcap"), *args])
    if fields is not None and "-Y" in args:  # (and what the filter reads: its own rule)
        fields = fields | compile_filter(args[args.index("-Y") + 1]).fields
    assert seen == [fields]


@pytest.mark.parametrize("args", [a for a, f in RUNS if f is not None],
                         ids=[" ".join(a) for a, f in RUNS if f is not None])
@pytest.mark.parametrize("capture", CAPTURES, ids=[p.name for p in CAPTURES])
def test_same_as_indexing_all(capture: Path, args: list[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABSHARK_SPLIT", "0")
    got = _run(["-r", str(capture), *args])
    monkeypatch.setattr(analyzer.command, "indexed_fields", lambda *a: None)
    assert got == _run(["-r", str(capture), *args])


def test_index_holds_only_read_fields() -> None:
    """Below the top level, only the fields asked for; the top-level items (protocol
    items, also those a dissector moves under another layer, as ICMP's quoted data) all."""
    from captures import open_capture

    session = Session()
    session.indexed = frozenset({"tcp.srcport"})
    reader = open_capture(str(ROOT / "captures/samples/lab.pcap"))
    try:
        pkts: list[Packet] = [dissect(f, session) for f, _ in zip(reader, range(200), strict=False)]
    finally:
        reader.close()
    tcp = [p for p in pkts if "tcp" in p.index]
    assert tcp and all(p.index["tcp.srcport"] for p in tcp)
    for p in pkts:
        top = {i.field.abbrev for i in p.tree if i.field is not None}
        assert set(p.index) <= top | set(REGISTRY.protocols) | {"tcp.srcport"}
        assert top <= set(p.index)
        assert any(i.children for i in p.tree)  # (the tree itself is whole)
