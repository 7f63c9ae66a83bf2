"""analyze --dask on a LocalCluster(n_workers=2, processes=True): the outputs equal the
single-process run byte for byte (many files, one file split into chunks, a lost
worker), damaged inputs are reported while the others finish.

One cluster serves the module; each test talks to it by its scheduler address (the
`--dask SCHEDULER` form), so only the first test pays for the start-up.
"""

from __future__ import annotations

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
GOOD = ["feiq.pcap", "lab.pcap", "tftp_oack.pcap", "tftp_rrq.pcap", "tftp_wrq.pcap",
        "lab.pcapng", "live_tftp.pcapng"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples and a truncated copy of lab.pcap (cut inside its 10th record)."""
    d = tmp_path_factory.mktemp("many")
    for name in GOOD:
        shutil.copy(SAMPLES / name, d / name)
    data = (SAMPLES / "lab.pcap").read_bytes()
    reader = open_capture(SAMPLES / "lab.pcap")
    offsets = [f.file_offset for f in reader]
    reader.close()
    (d / "lab_cut.pcap").write_bytes(data[:offsets[9] + 20])
    return d


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A mixed capture (TCP, TFTP, fragments, DNS, ARP ...) as pcap, as a pcapng with two
    interfaces, and cut into three time-ordered files."""
    d = tmp_path_factory.mktemp("gen")
    big = d / "g.pcap"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_capture.py"), str(big),
                    "--packets", "2500", "-F", "pcap"], check=True)
    reader = open_capture(big)
    ng = open_writer(d / "g2.pcapng", "pcapng",
                     interfaces=[Interface(1, 262144, 6), Interface(1, 262144, 9)])
    parts = [open_writer(d / f"part{i}.pcap", "pcap", interfaces=reader.interfaces)
             for i in range(3)]
    for frame in reader:
        parts[min(2, (frame.number - 1) // 900)].write(frame)
        frame.interface_id = frame.number % 2
        frame.ts_digits = 9 if frame.interface_id else 6
        ng.write(frame)
    reader.close()
    ng.close()
    for w in parts:
        w.close()
    return {"pcap": big, "pcapng": d / "g2.pcapng", "parts": d}


FIELDS = ["-T", "fields", "-e", "frame.number", "-e", "frame.time_relative", "-e",
          "ip.src", "-e", "udp.srcport", "-e", "tcp.stream", "-e", "tftp.opcode",
          "-e", "_ws.col.Info"]


def test_many_files_fields_equal_each_files_run(scheduler: str, inputs: Path) -> None:
    files = sorted(inputs.glob("*.pcap*"))
    code, out, err = analyze("--dask", scheduler, "-r", str(inputs / "*.pcap*"), *FIELDS,
                             "-Y", "udp or tcp")
    expected = "".join(analyze("-r", str(f), *FIELDS, "-Y", "udp or tcp")[1] for f in files)
    assert out == expected
    assert code == 2  # the truncated file, reported by name and position
    cut = [ln for ln in err.splitlines() if "lab_cut.pcap" in ln]
    assert len(cut) == 1 and "cut short" in cut[0] and "(at byte " in cut[0]
    assert f"analyze: --dask: {len(files)}/{len(files)} files done" in err


def test_many_files_statistics_merged_as_one_capture(scheduler: str,
                                                     generated: dict[str, Path]) -> None:
    z = ["-q", "-z", "io,stat,0.05", "-z", "io,stat,0,udp", "-z", "endpoints,ip",
         "-z", "conv,ip", "-z", "endpoints,eth", "-z", "conv,eth", "-z", "io,stat,1,COUNT(ip.len)ip.len"]
    code, out, _ = analyze("--dask", scheduler, "-r", str(generated["parts"] / "part*.pcap"),
                           *z)
    assert code == 0
    assert out == analyze("-r", str(generated["pcap"]), *z)[1]


def test_many_files_phs_conv_expert_merged(scheduler: str, inputs: Path,
                                           tmp_path: Path) -> None:
    # samples whose dissection needs no state from another file: the merged tables equal
    # one run over the files concatenated in the order given (not tftp_rrq.pcap: lab.pcap
    # holds its transfer, whose second request, concatenated, opens a new UDP stream on
    # the same ports, a row of its own in tshark's conv,udp)
    names = ["lab.pcap", "feiq.pcap", "tftp_wrq.pcap"]
    cat = open_writer(tmp_path / "cat.pcap", "pcap")
    for n in names:
        r = open_capture(inputs / n)
        for frame in r:
            cat.write(frame)
        r.close()
    cat.close()
    z = ["-q", "-z", "io,phs", "-z", "conv,udp", "-z", "conv,tcp", "-z", "endpoints,udp",
         "-z", "expert", "-z", "io,phs,udp"]
    d = tmp_path / "in"
    d.mkdir()
    for i, n in enumerate(names):
        shutil.copy(inputs / n, d / f"{i}_{n}")
    code, out, _ = analyze("--dask", scheduler, "-r", str(d / "*.pcap"), *z)
    assert code == 0
    assert out == analyze("-r", str(tmp_path / "cat.pcap"), *z)[1]


def test_write_one_output_per_input(scheduler: str, inputs: Path, tmp_path: Path) -> None:
    code, out, _ = analyze("--dask", scheduler, "-r", str(inputs / "tftp_*.pcap"),
                           "-Y", "tftp.opcode == 3", "-w", str(tmp_path / "w"))
    assert code == 0 and out == ""
    for f in sorted(inputs.glob("tftp_*.pcap")):
        single = tmp_path / f"single_{f.name}"
        assert analyze("-r", str(f), "-Y", "tftp.opcode == 3", "-w", str(single))[0] == 0
        assert (tmp_path / "w" / f.name).read_bytes() == single.read_bytes()


def test_parquet_parts_hold_the_export_columns(scheduler: str, inputs: Path,
                                               tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    fields = ["-e", "ip.src", "-e", "udp.dstport", "-e", "frame.time_relative", "-e",
              "tcp.port", "-e", "_ws.col.Info"]
    code, _, _ = analyze("--dask", scheduler, "-r", str(inputs / "lab.p*"), "-Y", "ip",
                         "--export", "parquet", str(tmp_path / "ds"), *fields)
    assert code == 0
    parts = sorted((tmp_path / "ds").glob("*.parquet"))
    assert [p.name for p in parts] == ["part-00000-lab.pcap.parquet",
                                       "part-00001-lab.pcapng.parquet"]
    for i, name in enumerate(["lab.pcap", "lab.pcapng"]):
        mine = pq.read_table(parts[i])
        single = tmp_path / f"{name}.parquet"
        analyze("-r", str(inputs / name), "-Y", "ip", "--export", "parquet", str(single),
                *fields)
        theirs = pq.read_table(single)
        assert mine.column_names[:3] == ["source_file", "frame.number", "community_id"]
        assert mine.select(theirs.column_names).equals(theirs)
        assert set(mine.column("source_file").to_pylist()) == {str(inputs / name)}
        assert all(c is not None and c.startswith("1:")
                   for c in mine.column("community_id").to_pylist())


def test_community_id_spec_equals_the_package() -> None:
    communityid = pytest.importorskip("communityid")
    from analyzer.api import open_capture as api_open
    from analyzer.scale.flowid import flow_tuple, package_hash, spec_hash

    seen = set()
    for name in ("lab.pcap", "tftp_rrq.pcap", "feiq.pcap"):
        for p in api_open(str(SAMPLES / name)):
            t = flow_tuple(p._packet)
            if t is not None:
                seen.add(t[0])
                assert spec_hash(t) == package_hash(t), (name, p.number)
                assert spec_hash(t, 7) == package_hash(t, 7)
    assert {1, 6, 17} <= seen
    assert communityid.CommunityID  # the package the extra installs


@pytest.mark.parametrize("fmt", ["pcap", "pcapng"])
def test_split_file_stateless_outputs_exact(scheduler: str, generated: dict[str, Path],
                                            fmt: str) -> None:
    # TCP flows, TFTP transfers and fragmented datagrams span the ~40 kB chunks
    args = ["-T", "fields", "-e", "frame.number", "-e", "frame.time_relative", "-e",
            "frame.time_delta", "-e", "frame.interface_id", "-e", "ip.src", "-e",
            "udp.srcport", "-e", "tcp.dstport", "-e", "tcp.seq_raw", "-Y", "udp or arp",
            "-z", "io,stat,0.1", "-z", "endpoints,ip", "-z", "endpoints,udp", "-z", "conv,ip"]
    code, out, err = analyze("--dask", scheduler, "--dask-split", "0.04", "-r",
                             str(generated[fmt]), *args)
    assert code == 0, err
    assert "chunks, 2500 records" in err
    assert out == analyze("-r", str(generated[fmt]), *args)[1]


def test_split_file_stateful_outputs_go_by_conversation(scheduler: str,
                                                       generated: dict[str, Path]) -> None:
    # tcp.stream, conv,tcp and io,phs need earlier packets: the run partitions the
    # records by conversation (tests/test_scale_parts.py checks those outputs in depth)
    args = ["-T", "fields", "-e", "frame.number", "-e", "tcp.stream", "-z", "conv,tcp",
            "-z", "io,phs"]
    code, out, err = analyze("--dask", scheduler, "--dask-split", "0.04", "-r",
                             str(generated["pcap"]), *args)
    assert code == 0 and "partitions by conversation" in err
    assert out == analyze("-r", str(generated["pcap"]), *args)[1]


def test_split_chunks_start_on_record_boundaries(generated: dict[str, Path]) -> None:
    from analyzer.scale.chunks import find_boundary, layout

    for fmt in ("pcap", "pcapng"):
        path = str(generated[fmt])
        reader = open_capture(path)
        offsets = [f.file_offset for f in reader]
        reader.close()
        lay = layout(path)
        assert lay is not None
        for target in range(lay.data_start + 1, lay.size, 997):
            b = find_boundary(lay, target)
            want = next((o for o in offsets if o >= target), lay.size)
            assert b == want, (fmt, target)


def test_lost_worker_is_retried_without_duplicates(scheduler: str, inputs: Path,
                                                   kill_marker: Path,
                                                   tmp_path: Path) -> None:
    args = ["-r", str(inputs / "[flt]*.pcap"), *FIELDS, "-P", "-z", "endpoints,udp", "-z",
            "io,phs"]
    calm = analyze("--dask", scheduler, *args, "-w", str(tmp_path / "a"))
    kill_marker.unlink()  # the next task kills its own worker process, once
    code, out, err = analyze("--dask", scheduler, *args, "-w", str(tmp_path / "b"))
    assert kill_marker.exists()

    def lines(text: str) -> list[str]:  # the progress lines depend on timing
        return [ln for ln in text.splitlines() if "files done" not in ln]

    assert (code, out, lines(err)) == (calm[0], calm[1], lines(calm[2]))
    assert lines(err) == [next(ln for ln in err.splitlines() if "lab_cut.pcap" in ln)]
    files = sorted(inputs.glob("[flt]*.pcap"))
    assert out.startswith("".join(analyze("-r", str(f), *FIELDS)[1] for f in files))
    assert "Protocol Hierarchy Statistics" in out and "UDP Endpoints" in out
    assert code == 2  # lab_cut.pcap is among them
    written = sorted(p.name for p in (tmp_path / "b").iterdir())
    assert written == sorted(f.name for f in files)  # no temporary file left behind
    for name in written:
        assert (tmp_path / "b" / name).read_bytes() == (tmp_path / "a" / name).read_bytes()


def test_read_dataframe_equals_the_api(scheduler: str, inputs: Path) -> None:
    from dask.distributed import Client

    from analyzer.api import Capture
    from analyzer.scale import read_dataframe

    files = [str(inputs / n) for n in ("lab.pcap", "tftp_rrq.pcap", "lab.pcapng")]
    df = read_dataframe(files, fields=["ip.src", "udp.dstport", "frame.len"], filter="udp")
    assert df.npartitions == 3
    with Client(scheduler):
        got = df.compute()
    want = [(f, int(n), s, int(p), int(ln)) for f in files
            for n, s, p, ln in Capture(f, "udp").fields("frame.number", "ip.src",
                                                        "udp.dstport", "frame.len")]
    rows = list(zip(got["source_file"], got["frame.number"], got["ip.src"],
                    got["udp.dstport"], got["frame.len"], strict=True))
    assert rows == want
    assert str(got["frame.number"].dtype).startswith("int64")
    with pytest.raises(ValueError, match="Some fields aren't valid"):
        read_dataframe(files, fields=["no.such.field"])


@pytest.mark.parametrize("args", [
    ["-T", "fields", "-e", "frame.number", "-e", "ip.src", "-e", "udp.srcport"],
    # filter-only: the one-stage fast run finds the damage and hands over
    ["-Y", "udp.port == 69", "-T", "fields", "-e", "frame.number"]])
def test_split_truncated_file_is_read_whole_and_reported(scheduler: str,
                                                         generated: dict[str, Path],
                                                         tmp_path: Path,
                                                         args: list[str]) -> None:
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(generated["pcap"].read_bytes()[:300_001])
    code, out, err = analyze("--dask", scheduler, "--dask-split", "0.04", "-r", str(cut),
                             *args)
    single = analyze("-r", str(cut), *args)
    assert (code, out) == (2, single[1]) and single[0] == 2
    assert [ln for ln in err.splitlines() if "files done" not in ln] == [
        f'analyze: The file "{cut}" appears to have been cut short in the middle of a '
        f"packet. (at byte {single[1].count(chr(10)) and _last_offset(cut)})"]


def _last_offset(path: Path) -> int:
    """The file offset of the record the reader could not complete."""
    from captures import CaptureError

    try:
        r = open_capture(path)
        for _ in r:
            pass
    except CaptureError as e:
        return e.offset
    raise AssertionError("not damaged")


def test_what_cannot_be_merged_is_refused_before_any_task(tmp_path: Path) -> None:
    # refused before a cluster is even asked for: the address below does not exist
    for args, words in (
            (["-z", "follow,udp,ascii,0"], '"-z follow,udp,ascii,0" cannot be merged'),
            (["-z", "io,stat,1,MAX(frame.len)frame.len"], "frames, bytes and COUNT()"),
            (["-c", "3"], "-c and -2"),
            (["--dask-split", "1", "-T", "fields", "-e", "frame.time_delta_displayed"],
             "-e frame.time_delta_displayed")):
        code, out, err = analyze("--dask", "tcp://127.0.0.1:9", "-r",
                                 str(SAMPLES / "lab.pcap"), *args)
        assert (code, out) == (1, "")
        assert err.startswith("analyze: ") and words in err and err.count("\n") == 1


def test_io_stat_of_files_out_of_time_order_is_refused(scheduler: str,
                                                       generated: dict[str, Path],
                                                       tmp_path: Path) -> None:
    shutil.copy(generated["parts"] / "part2.pcap", tmp_path / "a.pcap")
    shutil.copy(generated["parts"] / "part0.pcap", tmp_path / "b.pcap")
    code, out, err = analyze("--dask", scheduler, "-r", str(tmp_path / "*.pcap"), "-q",
                             "-z", "io,stat,0.01")
    assert (code, out) == (2, "")
    assert "start before the last interval" in err
    # the tables that do not depend on the order are merged whatever it is
    code, out, _ = analyze("--dask", scheduler, "-r", str(tmp_path / "*.pcap"), "-q",
                           "-z", "endpoints,ip")
    assert code == 0 and "IPv4 Endpoints" in out


def test_fsspec_urls_are_read_and_named(scheduler: str, inputs: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    url = f"file://{inputs}/tftp_*.pcap"
    files = sorted(inputs.glob("tftp_*.pcap"))
    code, out, _ = analyze("--dask", scheduler, "-r", url, *FIELDS, "-z", "endpoints,udp")
    assert code == 0
    local = analyze("--dask", scheduler, "-r", str(inputs / "tftp_*.pcap"), *FIELDS,
                    "-z", "endpoints,udp")[1]
    assert out == local
    assert out.startswith("".join(analyze("-r", str(f), *FIELDS)[1] for f in files))
    analyze("--dask", scheduler, "-r", url, "--export", "parquet", str(tmp_path / "ds"),
            "-e", "udp.srcport")
    parts = sorted((tmp_path / "ds").glob("*.parquet"))
    assert [set(pq.read_table(p).column("source_file").to_pylist()) for p in parts] == [
        {f"file://{f}"} for f in files]


@pytest.mark.parametrize("flt", ["udp.port == 69", "tcp.flags.syn == 1",
                                 "ip.addr == 10.0.0.0/8", "udp or arp",
                                 "tcp.port == 80 and not ip.src == 10.0.0.1",
                                 "ip.proto == 17 and udp.dstport == 53"])
@pytest.mark.parametrize("fmt", ["pcap", "pcapng"])
def test_split_filter_only_runs_equal_one_process(scheduler: str, generated: dict[str, Path],
                                                  fmt: str, flt: str) -> None:
    # "which frames match": chunk tasks decide by the fast path where it applies
    args = ["-Y", flt, "-T", "fields", "-e", "frame.number"]
    code, out, err = analyze("--dask", scheduler, "--dask-split", "0.04", "-r",
                             str(generated[fmt]), *args)
    assert code == 0, err
    assert "chunks, 2500 records" in err
    assert out == analyze("-r", str(generated[fmt]), *args)[1]


def test_fast_chunk_decides_without_dissection_unless_a_fragment_began_before(
        tmp_path: Path) -> None:
    from scapy.layers.inet import IP, UDP, fragment
    from scapy.layers.l2 import Ether
    from scapy.utils import wrpcap

    from analyzer.fast_run import decide_chunk

    plain = [Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=p, dport=69) / b"x"
             for p in (1000, 1001)] + [Ether() / IP() / UDP(sport=5, dport=6) / b"y"]
    wrpcap(str(tmp_path / "plain.pcap"), plain)
    got = decide_chunk((tmp_path / "plain.pcap").read_bytes(), "udp.port == 69")
    assert got is not None
    nums, count = got
    assert list(nums) == [1, 2] and count == 3
    # a chunk whose first record continues a datagram begun before it: left to dissection
    frags = fragment(IP(src="10.0.0.1", dst="10.0.0.2", id=7) / UDP(sport=1, dport=69)
                     / (b"z" * 3000), fragsize=1000)
    wrpcap(str(tmp_path / "orphan.pcap"), [Ether() / f for f in frags[1:]])
    assert decide_chunk((tmp_path / "orphan.pcap").read_bytes(), "udp.port == 69") is None
    wrpcap(str(tmp_path / "whole.pcap"), [Ether() / f for f in frags])
    got = decide_chunk((tmp_path / "whole.pcap").read_bytes(), "udp.port == 69")
    assert got is not None and list(got[0]) == [len(frags)] and got[1] == len(frags)
    # a frame field: the chunk's numbers are not the file's
    assert decide_chunk((tmp_path / "plain.pcap").read_bytes(), "frame.number == 1") is None


def test_fast_chunk_walks_only_the_prefilter_candidates(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # libpcap's BPF picks a chunk's candidates in C; one walk decides them and checks
    # their fragments (the pre-filter keeps every fragment); the numbers stay the
    # chunk's own, and equal a walk over every record (no pre-filter)
    from scapy.layers.inet import IP, UDP, fragment
    from scapy.layers.l2 import Ether
    from scapy.utils import wrpcap

    import analyzer.fast_run as fr

    frags = fragment(IP(src="10.0.0.1", dst="10.0.0.2", id=9) / UDP(sport=1, dport=7)
                     / (b"z" * 2500), fragsize=1000)
    pkts = [Ether() / IP(src="10.0.0.3", dst="10.0.0.4") / UDP(sport=p, dport=53) / b"q"
            for p in range(2000, 2040)]
    pkts[5] = Ether() / IP() / UDP(sport=69, dport=3000) / b"a"
    pkts[30:30] = [Ether() / f for f in frags]
    pkts.append(Ether() / IP() / UDP(sport=4000, dport=69) / b"b")
    wrpcap(str(tmp_path / "c.pcap"), pkts)
    buf = (tmp_path / "c.pcap").read_bytes()
    seen: list[int] = []
    orphan = fr._orphan
    monkeypatch.setattr(fr, "_orphan", lambda b, rec, begun: seen.append(rec[3])
                        or orphan(b, rec, begun))
    got = fr.decide_chunk(buf, "udp.port == 69")
    assert got is not None
    assert list(got[0]) == [6, len(pkts)] and got[1] == len(pkts)
    assert len(seen) == 2 + len(frags)  # the two matches and the fragments only
    seen.clear()
    monkeypatch.setattr(fr, "_buffer_prefilter", lambda b, tree: None)
    slow = fr.decide_chunk(buf, "udp.port == 69")
    assert slow is not None and (list(slow[0]), slow[1]) == (list(got[0]), got[1])
    assert len(seen) == len(pkts)
    # libpcap reads the chunk in place; offsets are the chunk's own (a record's end)
    from captures.bpf import buffer_matches

    ends = [rec[3] for n, rec in enumerate(fr.record_walker(buf) or (), 1)
            if n in (6, len(pkts))]
    assert list(buffer_matches(buf, "udp port 69") or ()) == ends
    # a chunk cut inside a record: libpcap stops early, so no pre-filter (never a
    # shorter list), and the walk stops there too: the chunk is left to dissection
    assert buffer_matches(buf[:-3], "udp port 69") is None
    assert fr.decide_chunk(buf[:-3], "udp.port == 69") is None
