"""analyze --dask --dask-split with stateful outputs: one capture cut into small chunks,
partitioned by conversation (analyzer/scale/partition*.py), equals the single-process
run byte for byte -- TCP stream indices and analysis, TFTP and FeiQ conversations,
conv/phs/expert tables, parquet rows -- with TCP streams and TFTP transfers that span
chunk boundaries; also when a worker is killed mid-run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("dask.distributed")

from scaleutil import analyze  # noqa: E402

from captures import open_capture, open_writer  # noqa: E402
from captures.interface import Interface  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "captures" / "samples"
CHUNK = "0.04"  # MB: ~13 chunks of the 2500-packet capture

TCP_FIELDS = ["-T", "fields", "-e", "frame.number", "-e", "frame.time_delta", "-e",
              "tcp.stream", "-e", "udp.stream", "-e", "tcp.seq", "-e", "tcp.ack", "-e",
              "tcp.len", "-e", "tcp.analysis.flags", "-e", "tcp.analysis.ack_rtt", "-e",
              "tcp.analysis.acks_frame", "-e", "tcp.analysis.bytes_in_flight", "-e",
              "tcp.analysis.retransmission", "-e", "tcp.analysis.duplicate_ack_num", "-e",
              "tcp.reassembled_in", "-e", "tftp.opcode", "-e", "tftp.block", "-e",
              "ip.reassembled_in", "-e", "_ws.col.Info"]
STATS = ["-q", "-z", "conv,tcp", "-z", "io,phs", "-z", "expert", "-z", "conv,udp", "-z",
         "conv,ip", "-z", "endpoints,tcp", "-z", "endpoints,udp", "-z", "io,stat,0.1",
         "-z", "io,phs,tftp"]


@pytest.fixture(scope="module")
def captures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The generator's mixed capture (TCP, TFTP, fragments, DNS, ARP ...) as pcap, and as
    a pcapng with two interfaces."""
    d = tmp_path_factory.mktemp("parts")
    big = d / "g.pcap"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_capture.py"), str(big),
                    "--packets", "2500", "-F", "pcap"], check=True)
    reader = open_capture(big)
    ng = open_writer(d / "g2.pcapng", "pcapng",
                     interfaces=[Interface(1, 262144, 6), Interface(1, 262144, 9)])
    for frame in reader:
        frame.interface_id = frame.number % 2
        frame.ts_digits = 9 if frame.interface_id else 6
        ng.write(frame)
    reader.close()
    ng.close()
    return {"pcap": big, "pcapng": d / "g2.pcapng"}


def _spans(path: Path, field: str, flt: str) -> int:
    """How many streams (of `field`, among packets `flt` shows) have frames in more than
    one chunk of the split run."""
    from analyzer.scale.chunks import layout, plan

    lay = layout(str(path))
    assert lay is not None
    cuts = [c.start for c in plan(lay, int(float(CHUNK) * 1e6))]
    reader = open_capture(path)
    chunk_of = {f.number: sum(1 for c in cuts if c <= f.file_offset) for f in reader}
    reader.close()
    seen: dict[str, set[int]] = {}
    for line in analyze("-r", str(path), "-T", "fields", "-e", "frame.number", "-e", field,
                        "-Y", flt)[1].splitlines():
        n, s = line.split("\t")
        seen.setdefault(s, set()).add(chunk_of[int(n)])
    return sum(1 for v in seen.values() if len(v) > 1)


def test_the_capture_has_streams_across_chunks(captures: dict[str, Path]) -> None:
    assert _spans(captures["pcap"], "tcp.stream", "tcp") >= 5
    assert _spans(captures["pcap"], "udp.stream", "tftp") >= 2


@pytest.mark.parametrize("fmt", ["pcap", "pcapng"])
def test_tcp_and_tftp_fields_equal_single_process(scheduler: str, captures: dict[str, Path],
                                                  fmt: str) -> None:
    path = str(captures[fmt])
    code, out, err = analyze("--dask", scheduler, "--dask-split", CHUNK, "-r", path,
                             *TCP_FIELDS)
    assert code == 0, err
    assert "chunks, 2500 records" in err and "partitions by conversation" in err
    single = analyze("-r", path, *TCP_FIELDS)
    assert single[0] == 0
    assert out == single[1]
    assert len(out.splitlines()) == 2500


def test_display_filter_on_tcp_and_tftp_fields(scheduler: str,
                                               captures: dict[str, Path]) -> None:
    path = str(captures["pcap"])
    for flt in ("tcp.analysis.flags or tftp.opcode == 3 or tcp.stream == 7",
                "tcp.stream >= 20 and tcp.len > 0", "tftp and udp.stream < 30"):
        args = ["-T", "fields", "-e", "frame.number", "-e", "tcp.stream", "-e",
                "udp.stream", "-e", "tftp.block", "-e", "_ws.col.Info", "-Y", flt]
        code, out, err = analyze("--dask", scheduler, "--dask-split", CHUNK, "-r", path,
                                 *args)
        single = analyze("-r", path, *args)
        assert (code, out) == (0, single[1]), (flt, err)
        assert out.count("\n") > 5, flt


def test_conv_phs_expert_tables_equal_single_process(scheduler: str,
                                                     captures: dict[str, Path]) -> None:
    for fmt in ("pcap", "pcapng"):
        path = str(captures[fmt])
        code, out, err = analyze("--dask", scheduler, "--dask-split", CHUNK, "-r", path,
                                 *STATS)
        assert code == 0, err
        single = analyze("-r", path, *STATS)
        assert out == single[1]
        assert "TCP Conversations" in out and "Protocol Hierarchy" in out and "Warns" in out


def test_parquet_rows_equal_single_process(scheduler: str, captures: dict[str, Path],
                                           tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = str(captures["pcap"])
    fields = ["-e", "tcp.stream", "-e", "tcp.analysis.ack_rtt", "-e", "udp.stream", "-e",
              "tftp.opcode", "-e", "frame.time_relative", "-e", "_ws.col.Info"]
    code, _, err = analyze("--dask", scheduler, "--dask-split", CHUNK, "-r", path, "-Y",
                           "tcp or tftp", "--export", "parquet", str(tmp_path / "ds"),
                           *fields)
    assert code == 0, err
    parts = sorted((tmp_path / "ds").glob("*.parquet"))
    assert len(parts) > 1
    mine = pa.concat_tables([pq.read_table(p) for p in parts]).sort_by("frame.number")
    analyze("-r", path, "-Y", "tcp or tftp", "--export", "parquet", str(tmp_path / "one.pq"),
            *fields)
    theirs = pq.read_table(tmp_path / "one.pq")
    assert mine.select(theirs.column_names).equals(theirs)
    assert all(c.startswith("1:") for c in mine.column("community_id").to_pylist())


def test_feiq_and_tftp_samples_in_tiny_chunks(scheduler: str) -> None:
    # FeiQ (IPMSG) pairs join one group; TFTP transfers are found from their request
    for name in ("feiq.pcap", "tftp_rrq.pcap", "tftp_wrq.pcap", "lab.pcap"):
        path = str(SAMPLES / name)
        args = ["-T", "fields", "-e", "frame.number", "-e", "udp.stream", "-e",
                "tcp.stream", "-e", "tftp.opcode", "-e", "ipmsg.command", "-e",
                "_ws.col.Info"]
        code, out, err = analyze("--dask", scheduler, "--dask-split", "0.002", "-r", path,
                                 *args)
        assert (code, out) == (0, analyze("-r", path, *args)[1]), (name, err)
        code, out, err = analyze("--dask", scheduler, "--dask-split", "0.002", "-r", path,
                                 "-q", "-z", "io,phs", "-z", "conv,udp", "-z", "expert")
        single = analyze("-r", path, "-q", "-z", "io,phs", "-z", "conv,udp", "-z", "expert")
        assert (code, out) == (0, single[1]), (name, err)


def test_killed_worker_mid_partitioned_run(scheduler: str, captures: dict[str, Path],
                                           kill_marker: Path) -> None:
    path = str(captures["pcap"])
    args = [*TCP_FIELDS[:8], "-z", "conv,tcp", "-z", "expert"]
    single = analyze("-r", path, *args)
    before = _worker_pids(scheduler)
    kill_marker.unlink()  # the next route/streams/part task kills its own worker, once
    code, out, err = analyze("--dask", scheduler, "--dask-split", CHUNK, "-r", path, *args)
    assert kill_marker.exists()  # a task found the marker missing ...
    after = _worker_pids(scheduler)
    assert len(before) == 2 and len(before & after) == 1  # ... and its worker was replaced
    assert (code, out) == (0, single[1]), err
    assert out.count("\n") > 2500


def _worker_pids(scheduler: str) -> set[int]:
    """The worker processes' ids (waiting, bounded, until both workers are up)."""
    import time

    from dask.distributed import Client

    with Client(scheduler) as client:
        client.wait_for_workers(2, timeout=60)
        deadline = time.monotonic() + 60
        while True:
            try:
                return set(client.run(os.getpid).values())
            except OSError:  # a worker still restarting
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)


def test_what_partitions_cannot_answer_is_refused() -> None:
    for args, words in ((["-T", "text"], "-T text"),
                        (["-T", "fields", "-e", "frame.time_delta_displayed"],
                         "-e frame.time_delta_displayed"),
                        (["-Y", "tcp", "-w", "/tmp/x.pcap"], "-w")):
        code, out, err = analyze("--dask", "tcp://127.0.0.1:9", "--dask-split", "1", "-r",
                                 str(SAMPLES / "lab.pcap"), *args)
        assert (code, out) == (1, ""), args
        assert err.startswith("analyze: ") and words in err and err.count("\n") == 1
    code, out, err = analyze("--merge", "-r", str(SAMPLES / "lab.pcap"))
    assert (code, out) == (1, "") and "--merge merges several files on Dask" in err


@pytest.fixture(scope="module")
def session_files(captures: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
                  ) -> tuple[Path, Path]:
    """The capture dealt into three files that overlap in time (runs of 7 records in
    turn: TCP streams and TFTP transfers cross files), and mergecap's merge of them."""
    d = tmp_path_factory.mktemp("session")
    reader = open_capture(captures["pcap"])
    parts = [open_writer(d / f"s{i}.pcap", "pcap", interfaces=reader.interfaces)
             for i in range(3)]
    for frame in reader:
        parts[(frame.number // 7) % 3].write(frame)
    reader.close()
    for w in parts:
        w.close()
    merged = tmp_path_factory.mktemp("merged") / "m.pcap"
    subprocess.run(["mergecap", "-F", "pcap", "-w", str(merged),
                    *(str(d / f"s{i}.pcap") for i in range(3))], check=True)
    return d, merged


@pytest.mark.skipif(not shutil.which("mergecap"), reason="needs mergecap (wireshark)")
def test_merge_equals_mergecap_then_analyze(scheduler: str,
                                            session_files: tuple[Path, Path]) -> None:
    d, merged = session_files
    for args in (TCP_FIELDS, STATS,
                 ["-T", "fields", "-e", "frame.number", "-e", "tcp.stream", "-e",
                  "frame.time_relative", "-Y", "tcp.analysis.flags or tftp.opcode == 3"]):
        code, out, err = analyze("--dask", scheduler, "--merge", "-r", str(d / "s*.pcap"),
                                 *args)
        single = analyze("-r", str(merged), *args)
        assert single[0] == 0
        assert (code, out) == (0, single[1]), err
    # and chunked as well as merged
    code, out, err = analyze("--dask", scheduler, "--merge", "--dask-split", "0.03", "-r",
                             str(d / "s*.pcap"), *STATS)
    assert (code, out) == (0, analyze("-r", str(merged), *STATS)[1]), err
    assert "partitions by conversation" in err


def test_truncated_file_with_stateful_outputs_is_read_whole(scheduler: str,
                                                            captures: dict[str, Path],
                                                            tmp_path: Path) -> None:
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(captures["pcap"].read_bytes()[:300_001])
    args = ["-T", "fields", "-e", "frame.number", "-e", "tcp.stream", "-z", "conv,tcp"]
    code, out, err = analyze("--dask", scheduler, "--dask-split", CHUNK, "-r", str(cut),
                             *args)
    single = analyze("-r", str(cut), *args)
    # the records before the damage, then (unlike analyze, which stops) the table of
    # them, as --dask does for any damaged input (README)
    assert single[0] == 2 and code == 2 and out.startswith(single[1])
    assert out[len(single[1]):].lstrip("=\n").startswith("TCP Conversations")
    assert "partitions" not in err and f'The file "{cut}" appears to have been cut short' in err


def _with_dsb(src: Path, dst: Path, before: int) -> None:
    """`src` (a little-endian pcapng) with a Decryption Secrets Block put just before
    the block of frame `before`."""
    import struct

    reader = open_capture(src)
    at = next(f.file_offset for f in reader if f.number == before)
    reader.close()
    data = src.read_bytes()
    secret = b"CLIENT_RANDOM 00 11\n"  # (any bytes: the block is only carried along)
    body = struct.pack("<II", 0x544C534B, len(secret)) + secret + b"\0" * (-len(secret) % 4)
    block = struct.pack("<II", 0x0A, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))
    dst.write_bytes(data[:at] + block + data[at:])


@pytest.mark.parametrize(("fmt", "chunk"), [("pcap", 40_000), ("pcapng", 40_000),
                                            ("dsb", 1 << 30)])
def test_partitions_read_their_records_from_the_file(captures: dict[str, Path],
                                                     tmp_path: Path, fmt: str,
                                                     chunk: int) -> None:
    # What moves from a chunk to a partition is where its records sit (no record
    # bytes); the partition's reader gives the frames the file's reader gives, each
    # with its own number, offset, interface and the keys of a DSB before it (even
    # when the frame before the DSB went to another partition).
    from analyzer.scale.chunks import layout, plan, survey
    from analyzer.scale.partition import NO_TS, Piece, _records, route_task

    path = captures["pcapng" if fmt == "dsb" else fmt]
    if fmt == "dsb":
        path = tmp_path / "dsb.pcapng"
        _with_dsb(captures["pcapng"], path, 101)
    lay = layout(str(path))
    assert lay is not None
    chunks = plan(lay, chunk)
    assert (len(chunks) > 5) == (chunk < 1 << 20)
    parts, base, prev_ts = 3, 0, None
    per_part: list[list[Piece]] = [[] for _ in range(parts)]
    for c in chunks:
        c = survey(lay, c)
        pieces = route_task(lay, c, 0, base, prev_ts, {}, parts)
        assert all(type(p) is Piece for p in pieces)
        for p, piece in enumerate(pieces):
            per_part[p].append(piece)
        base, prev_ts = base + c.records, c.last_ts
    reader = open_capture(path)
    want = {f.number: (f.ts_ns, bytes(f.data), f.file_offset, f.interface_id, f.secrets)
            for f in reader}
    reader.close()
    got: dict[int, tuple] = {}
    for pieces in per_part:
        numbers = [n for n, _prev, _src, _f in _records([lay], tuple(pieces))]
        assert numbers == sorted(numbers) and len(numbers) < len(want)
        for _n, prev, src, f in _records([lay], tuple(pieces)):
            assert src == 0 and f.number not in got
            assert prev == (want[f.number - 1][0] if f.number > 1 else NO_TS)
            got[f.number] = (f.ts_ns, bytes(f.data), f.file_offset, f.interface_id,
                             f.secrets)
    assert got == want
    if fmt == "dsb":
        assert [n for n, v in want.items() if v[4]] == [101]
