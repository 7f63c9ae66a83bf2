"""analyzer/pipeline.py: one pass over a source feeds every sink; a Job needs no argv."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest

import captures
from analyzer.app import run
from analyzer.job import Job
from analyzer.pipeline import FileSource, FramesSource, Sinks, run_job

SAMPLES = Path(__file__).resolve().parent.parent / "captures" / "samples"
RRQ = SAMPLES / "tftp_rrq.pcap"


class _Counting:
    """captures.open_capture, counting the opens and the frames read."""

    def __init__(self) -> None:
        self.opens: list[str] = []
        self.frames = 0
        self.real = captures.open_capture

    def __call__(self, path, **kw):  # noqa: ANN001, ANN003, ANN204
        self.opens.append(str(path))
        reader = self.real(path, **kw)
        outer = self

        class Reader:
            interfaces = reader.interfaces

            def __iter__(self):  # noqa: ANN204
                for frame in reader:
                    outer.frames += 1
                    yield frame

            def close(self) -> None:
                reader.close()

        return Reader()


def _analyze(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return run(args, out, err), out.getvalue(), err.getvalue()


def test_list_write_and_export_objects_share_one_read(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """--export-objects, the packet list (-P), -w and a -z tap: the capture is opened
    and read once, and each output equals the one a run of its own makes."""
    alone_dir = tmp_path / "alone"
    code, alone_export, err = _analyze(["-q", "-r", str(RRQ), "--export-objects",
                                        f"tftp,{alone_dir}"])
    assert code == 0, err
    code, alone_list, err = _analyze(["-r", str(RRQ)])
    assert code == 0, err
    code, alone_phs, err = _analyze(["-q", "-r", str(RRQ), "-z", "io,phs"])
    assert code == 0, err

    counting = _Counting()
    monkeypatch.setattr(captures, "open_capture", counting)
    both_dir, written = tmp_path / "both", tmp_path / "out.pcapng"
    code, out, err = _analyze(["-r", str(RRQ), "-P", "-w", str(written), "-z", "io,phs",
                               "--export-objects", f"tftp,{both_dir}"])
    assert code == 0, err
    assert counting.opens == [str(RRQ)]
    n_frames = len(alone_list.splitlines())
    assert counting.frames == n_frames
    # the list, then the tap's report, then the export table (its directory differs)
    assert out == alone_list + alone_phs + alone_export.replace(str(alone_dir), str(both_dir))
    exported = sorted(p.name for p in both_dir.iterdir())
    assert exported and exported == sorted(p.name for p in alone_dir.iterdir())
    for name in exported:
        assert (both_dir / name).read_bytes() == (alone_dir / name).read_bytes()
    monkeypatch.undo()
    with captures.open_capture(str(written)) as back, captures.open_capture(str(RRQ)) as orig:
        assert [bytes(f.data) for f in back] == [bytes(f.data) for f in orig]


class _Collect:
    def __init__(self) -> None:
        self.numbers: list[int] = []
        self.closed = False

    def packet(self, pkt) -> None:  # noqa: ANN001
        self.numbers.append(pkt.frame.number)

    def close(self) -> None:
        self.closed = True


def test_job_runs_without_a_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Job built in Python runs through run_job (file and plain frames alike), and
    the API's count, iteration and stats never parse an argv."""
    import analyzer.options
    from analyzer.api import open_capture
    from filters import compile_filter

    def no_argv(*_a: object, **_k: object) -> None:
        raise AssertionError("the API built a command line")

    monkeypatch.setattr(analyzer.options, "build_parser", no_argv)
    monkeypatch.setattr("analyzer.app.build_parser", no_argv)
    flt = compile_filter("tftp.opcode == 3")
    job = Job(read_file=str(RRQ), display_filter=flt, filter="tftp.opcode == 3")
    shown, every = _Collect(), _Collect()
    run_job(job, FileSource(str(RRQ)), Sinks(every=[every], shown=[shown],
                                             closing=[shown, every]))
    with captures.open_capture(str(RRQ)) as reader:
        frames = [replace(f, data=bytes(f.data)) for f in reader]  # kept after close
    assert every.numbers == [f.number for f in frames]
    assert shown.closed and every.closed
    cap = open_capture(RRQ, filter="tftp.opcode == 3")
    assert shown.numbers == [p.number for p in cap] and len(shown.numbers) == cap.count() > 0
    # the same job over frames from anywhere (here: a list), limited by -c
    again = _Collect()
    run_job(Job(display_filter=flt, count=len(frames) - 1), FramesSource(frames),
            Sinks(shown=[again]))
    assert again.numbers == [n for n in shown.numbers if n < len(frames)]
    assert "Protocol Hierarchy Statistics" in open_capture(RRQ).stats("io,phs")


def test_collector_thresholds_hold_during_a_run_only() -> None:
    """While run_job dissects, the collector runs with collector.run_thresholds (a
    dissected packet makes no cycle: frequent full passes would free nothing and walk
    every long-lived cache); the process's own thresholds are back after it, also when
    the run fails."""
    import gc

    from analyzer.collector import run_thresholds

    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []

    class Probe:
        def packet(self, pkt: object) -> None:
            seen.append(gc.get_threshold())

    try:
        gc.set_threshold(700, 10, 10)
        run_job(Job(read_file=str(RRQ)), FileSource(str(RRQ)), Sinks(every=[Probe()]))
        assert seen and set(seen) == {run_thresholds((700, 10, 10))} != {(700, 10, 10)}
        assert gc.get_threshold() == (700, 10, 10)

        class Failing:
            def packet(self, pkt: object) -> None:
                raise RuntimeError("stop")

        with pytest.raises(RuntimeError):
            run_job(Job(read_file=str(RRQ)), FileSource(str(RRQ)), Sinks(every=[Failing()]))
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)
