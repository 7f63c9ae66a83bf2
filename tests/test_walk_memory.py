"""What the walks before a split run hold (issue 14: all processes together within 100 MB
at 1M frames): the mapped capture's pages a record walk keeps resident, and the planning
walk's per-frame groups gathered a chunk at a time (analyzer/closure.py) with the same
plan as at once.
"""

from __future__ import annotations

import mmap
import struct
import subprocess
import sys
from pathlib import Path

import pytest

import analyzer.closure as closure
from analyzer.closure import plan_all, plan_for
from analyzer.options import build_parser
from captures.records import RELEASE_EVERY, record_walker
from filters import compile_filter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


@pytest.fixture(scope="module")
def bench_cut(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "bench3000.pcap"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_capture.py"), str(out),
                    "--packets", "3000"], check=True, capture_output=True, timeout=300)
    return out


#: An Ethernet/IPv4/UDP frame of 1,400 bytes (its content does not matter to the walk).
_FRAME = bytes(12) + b"\x08\x00" + bytes(1386)


def _pcap(path: Path, frames: int) -> Path:
    with path.open("wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for n in range(frames):
            f.write(struct.pack("<IIII", n, 0, len(_FRAME), len(_FRAME)) + _FRAME)
    return path


def _pcapng(path: Path, frames: int) -> Path:
    def block(btype: int, body: bytes) -> bytes:
        body += bytes(-len(body) % 4)
        n = len(body) + 12
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)

    with path.open("wb") as f:
        f.write(block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
        f.write(block(1, struct.pack("<HHI", 1, 0, 65535)))
        for n in range(frames):
            f.write(block(6, struct.pack("<IIIII", 0, 0, n, len(_FRAME), len(_FRAME)) + _FRAME))
    return path


def _mapped_kb(path: Path) -> int:
    """This process's resident kB of its mappings of `path` (/proc/self/smaps)."""
    total, inside = 0, False
    with open("/proc/self/smaps") as f:
        for line in f:
            head = line.split()
            if head and "-" in head[0] and not head[0].endswith(":"):
                inside = head[-1] == str(path)
            elif inside and head[0] == "Rss:":
                total += int(head[1])
    return total


@pytest.mark.skipif(not hasattr(mmap.mmap, "madvise") or not Path("/proc/self/smaps").exists(),
                    reason="needs madvise and /proc (Linux)")
@pytest.mark.parametrize(("make", "frames"), [(_pcap, 8000), (_pcapng, 8000)])
def test_record_walk_keeps_little_of_the_file_resident(make, frames: int,  # noqa: ANN001
                                                       tmp_path: Path) -> None:
    """A walk over a mapped ~11 MB capture holds at most ~1.5 x RELEASE_EVERY of it
    resident at any record (it reads each record's header: every page is touched), in
    each process that walks it (the halves of a split run map the file each)."""
    path = make(tmp_path / "big.cap", frames)
    size = path.stat().st_size
    assert size > 4 * RELEASE_EVERY
    with path.open("rb") as f:
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        walker = record_walker(mm)
        assert walker is not None
        peak = count = 0
        for count, rec in enumerate(walker, 1):
            assert rec[1] == len(_FRAME)
            if count % 250 == 0:
                peak = max(peak, _mapped_kb(path))
        assert count == frames and not walker.stopped
        assert 0 < peak * 1024 <= RELEASE_EVERY * 3 // 2 + (256 << 10), (peak, size)
    finally:
        mm.close()


def _plan_fields(plan: closure.Plan) -> tuple:
    r = plan.release
    return (bytes(plan.needed), plan.groups.tobytes(), plan.floor, list(plan.shown),
            plan.starts.tobytes() if plan.starts is not None else None,
            None if r is None else (r.frames.tobytes(), r.packed, r.flow_frames.tobytes(),
                                    r.flows, r.sides))


@pytest.mark.parametrize(("flt", "chunk"), [
    (None, 1), (None, 7), (None, 1000), ("udp.port == 69", 7), ("ip.addr == 10.0.0.0/8", 3),
    ("tcp.flags.syn == 1", 1),
])
def test_walk_in_chunks_plans_as_at_once(flt: str | None, chunk: int, bench_cut: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The planning walk moves its per-frame groups from a list into an array every
    `_CHUNK` frames: any chunk makes the plan, places and release schedule of one list."""
    o = build_parser().parse_args(["-r", str(bench_cut)] + (["-Y", flt] if flt else []))
    monkeypatch.setenv("LABSHARK_RELEASE", "1")

    def make() -> closure.Plan | None:
        if flt is None:
            return plan_all(o, str(bench_cut), None, frozenset(), True, True)
        return plan_for(o, str(bench_cut), compile_filter(flt), None, frozenset(), True, True)

    monkeypatch.setattr(closure, "_CHUNK", 1 << 30)  # (one list: as before the chunks)
    whole = make()
    monkeypatch.setattr(closure, "_CHUNK", chunk)
    chunked = make()
    assert whole is not None and chunked is not None
    assert len(whole.needed) == 3001 and whole.groups.typecode == "i"
    assert _plan_fields(chunked) == _plan_fields(whole)


@pytest.mark.parametrize(("chunk", "every"), [(1, 1), (1, 2), (7, 1), (50, 3), (1000, 1)])
def test_walk_spilling_streams_schedules_as_keeping_them(chunk: int, every: int,
                                                         bench_cut: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Every `_SPILL` chunks the walk moves the UDP streams idle since the last spill out
    of its dict (release.spill); a stream seen again is in the dict again: any spill
    interval makes the release schedule of a walk that keeps every stream in its dict."""
    o = build_parser().parse_args(["-r", str(bench_cut)])
    monkeypatch.setenv("LABSHARK_RELEASE", "1")
    monkeypatch.setattr(closure, "_SPILL", 1 << 30)  # (never spilled)
    kept = plan_all(o, str(bench_cut), None, frozenset(), True, True)
    spilled: list[int] = []
    real = closure.spill

    def counted(flows: dict, idle: int, out: object) -> None:
        real(flows, idle, out)
        spilled.append(len(out))  # type: ignore[arg-type]

    monkeypatch.setattr(closure, "spill", counted)
    monkeypatch.setattr(closure, "_CHUNK", chunk)
    monkeypatch.setattr(closure, "_SPILL", every)
    moved = plan_all(o, str(bench_cut), None, frozenset(), True, True)
    assert kept is not None and moved is not None and kept.release is not None
    assert len(kept.release.flow_frames) > 100  # (the cut has streams to release)
    if closure.__file__.endswith(".py"):  # (compiled, the walk calls spill natively)
        assert spilled and spilled[-1] > 100, spilled  # (and this walk moved them)
    assert _plan_fields(moved) == _plan_fields(kept)


@pytest.mark.parametrize("flt", [None, "udp.port == 69", "ip.addr == 10.0.0.0/8",
                                 "tcp.flags.syn == 1"])
def test_a_plan_without_a_split_keeps_no_groups(flt: str | None, bench_cut: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A run that will not split asks for no per-frame groups (`groups=False`: 4 bytes a
    frame less through the run; a whole list's walk makes none at all): the same
    frames, floor and release schedule as a plan with them."""
    o = build_parser().parse_args(["-r", str(bench_cut)] + (["-Y", flt] if flt else []))
    monkeypatch.setenv("LABSHARK_RELEASE", "1")

    def make(groups: bool) -> closure.Plan | None:
        if flt is None:
            return plan_all(o, str(bench_cut), None, None, False, True, groups)
        return plan_for(o, str(bench_cut), compile_filter(flt), None, None, False, True,
                        groups)

    full, bare = make(True), make(False)
    assert full is not None and bare is not None
    assert len(full.groups) == 3001 and len(bare.groups) == 0
    assert _plan_fields(bare)[2:] == _plan_fields(full)[2:]
    assert bare.needed == full.needed


@pytest.mark.parametrize("chunk", [1, 2, 7, 1000])
def test_last_frames_by_chunk_schedule_as_per_frame_groups(chunk: int, bench_cut: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """A whole list's walk without a split keeps each group's last frame, folded in a
    chunk at a time (closure._fold: no per-frame array): at any chunk size, the release
    schedule of the walk that keeps every frame's group."""
    o = build_parser().parse_args(["-r", str(bench_cut)])
    monkeypatch.setenv("LABSHARK_RELEASE", "1")
    full = plan_all(o, str(bench_cut), None, None, False, True, True)
    monkeypatch.setattr(closure, "_CHUNK", chunk)
    bare = plan_all(o, str(bench_cut), None, None, False, True, False)
    assert full is not None and bare is not None and full.release is not None
    assert len(full.release.frames) > 10 and len(bare.groups) == 0
    assert _plan_fields(bare)[2:] == _plan_fields(full)[2:]
