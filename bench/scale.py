"""Scale benchmark: `analyze --dask` with 1 and 2 local workers against one process.

    python bench/scale.py [--files 1000] [--file-packets 50] [--big-packets 1000000]
                          [--workers 1,2] [--split-mb 8] [--out FILE.md]

Two workloads, both made by bench/gen_capture.py (cached in bench/data/):
  many files  N small captures (consecutive cuts of one generated capture), run as
              `analyze --dask local:W -r 'DIR/*.pcap' -q -z io,stat,1 -z conv,ip
              -z endpoints,eth`; the single-process peer reads the same records as one
              file (their concatenation), since a process per file would mostly
              measure interpreter start-up;
  one file    one larger capture, `--dask-split MB -q -z io,stat,1 -z conv,ip
              -z endpoints,ip` against `analyze -q` with the same -z;
  stateful    the same file, `--dask-split MB -q -z conv,tcp -z io,phs -z expert`
              (the records partitioned by conversation: analyzer/scale/partition*.py);
  filter      the same file, `-Y "udp.port == 69" -T fields -e frame.number` (not in
              the default set): "which frames match", analyze's fast path.
`--repeat K` makes the one file K time-shifted copies of the generated capture (the
multi-GB file: `--big-packets 1000000 --repeat 10` is 2.1 GB).
Every run's merged report must equal the single-process one (else MISMATCH, exit 1).
"run s" is wall time after the cluster's start-up (a fresh LocalCluster per run, its
start reported apart); "load at start" the 1-minute load average as the row began;
"CPU s" is the CPU time the run used (the analyze process; for
Dask the workers' and the client's), which a loaded machine distorts less. Peak RSS per worker is each worker process's ru_maxrss at the end.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from analyzer.app import run  # noqa: E402
from captures import open_capture, open_writer  # noqa: E402

# Tables that cutting a capture into files does not change (io,phs would: TCP
# reassembly and TFTP transfers do not continue across files).
MANY_Z = ["-q", "-z", "io,stat,1", "-z", "conv,ip", "-z", "endpoints,eth"]
BIG_Z = ["-q", "-z", "io,stat,1", "-z", "conv,ip", "-z", "endpoints,ip"]
STATEFUL_Z = ["-q", "-z", "conv,tcp", "-z", "io,phs", "-z", "expert"]
# "which frames match": analyze's fast path in one process, the chunks' in --dask-split
FILTER_ONLY = ["-Y", "udp.port == 69", "-T", "fields", "-e", "frame.number"]


def _repeat(src: Path, times: int, data: Path) -> Path:
    """`times` copies of the pcap `src` one after another, each shifted in time past the
    one before (the multi-GB capture: a pcap record header's seconds rewritten)."""
    out = data / f"{src.stem}-x{times}.pcap"
    if out.exists() or times <= 1:
        return out if times > 1 else src
    import struct

    body = src.read_bytes()
    if body[:4] not in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4",
                        b"\xa1\xb2\x3c\x4d"):
        raise SystemExit(f"scale.py: --repeat needs a pcap file, not {src}")
    endian = "<" if body[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    hdr = struct.Struct(endian + "IIII")
    first = hdr.unpack_from(body, 24)[0]
    off, last = 24, first
    while off + 16 <= len(body):  # the capture's last second
        sec, _frac, caplen, _orig = hdr.unpack_from(body, off)
        last, off = sec, off + 16 + caplen
    span = last - first + 1
    tmp = out.with_suffix(".part")
    with open(tmp, "wb") as f:
        f.write(body[:24])
        for k in range(times):
            chunk = bytearray(body[24:])
            off = 0
            while off + 16 <= len(chunk):
                sec, frac, caplen, orig = hdr.unpack_from(chunk, off)
                hdr.pack_into(chunk, off, sec + k * span, frac, caplen, orig)
                off += 16 + caplen
            f.write(chunk)
    tmp.rename(out)
    return out


def _generate(packets: int, data: Path) -> Path:
    out = data / f"scale-{packets}.pcap"
    if not out.exists():
        subprocess.run([sys.executable, str(HERE / "gen_capture.py"), str(out), "--packets",
                        str(packets), "-F", "pcap"], check=True)
    return out


def _cut(src: Path, files: int, per_file: int, data: Path) -> tuple[Path, Path]:
    """`files` consecutive cuts of `src` in a directory, and their concatenation."""
    d = data / f"scale-many-{files}x{per_file}"
    cat = data / f"scale-many-{files}x{per_file}.pcap"
    if d.exists() and cat.exists():
        return d, cat
    d.mkdir(parents=True, exist_ok=True)
    reader = open_capture(src)
    whole = open_writer(cat, "pcap", interfaces=reader.interfaces)
    it = iter(reader)
    for i in range(files):
        w = open_writer(d / f"c{i:05d}.pcap", "pcap", interfaces=reader.interfaces)
        for _ in range(per_file):
            frame = next(it)
            w.write(frame)
            whole.write(frame)
        w.close()
    whole.close()
    reader.close()
    return d, cat


def _single(args: list[str]) -> tuple[float, str, int, float]:
    """One fresh `analyze` process: wall seconds, stdout, peak RSS (MB), CPU seconds."""
    t = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-m", "analyzer", *args], stdout=subprocess.PIPE,
                         text=True)
    assert p.stdout is not None
    out = p.stdout.read()
    _pid, _status, usage = os.wait4(p.pid, 0)
    p.returncode = 0
    wall = time.perf_counter() - t
    return wall, out, usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime


def _maxrss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _cpu() -> float:
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def _dask(workers: int, args: list[str]) -> tuple[float, float, str, list[int], float]:
    """A fresh LocalCluster: (start-up s, run s, stdout, peak RSS MB per worker, CPU s of
    the workers and the client during the run)."""
    import logging

    from dask.distributed import Client, LocalCluster

    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    client = Client(cluster)
    cpu0 = sum(client.run(_cpu).values()) + _cpu()
    t1 = time.perf_counter()
    out, err = io.StringIO(), io.StringIO()
    code = run(["--dask", cluster.scheduler_address, *args], out, err)
    t2 = time.perf_counter()
    cpu = sum(client.run(_cpu).values()) + _cpu() - cpu0
    if code:
        print(f"--dask {workers}: exit {code}: {err.getvalue()[-500:]}", file=sys.stderr)
    rss = sorted(client.run(_maxrss).values())
    client.close()
    cluster.close()
    return t1 - t0, t2 - t1, out.getvalue(), rss, cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--file-packets", type=int, default=50)
    ap.add_argument("--big-packets", type=int, default=1_000_000)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--split-mb", type=float, default=8.0)
    ap.add_argument("--workloads", default="many,split,stateful")
    ap.add_argument("--repeat", type=int, default=1,
                    help="the one big file: this many time-shifted copies of the generated "
                         "capture (10 x 1M packets: a 2.1 GB pcap)")
    ap.add_argument("--out", type=Path)
    a = ap.parse_args()
    data = HERE / "data"
    data.mkdir(exist_ok=True)
    src = _generate(max(a.big_packets, a.files * a.file_packets), data)
    many, cat = _cut(src, a.files, a.file_packets, data)
    big = src if a.big_packets >= a.files * a.file_packets else _generate(a.big_packets, data)
    big = _repeat(big, a.repeat, data)
    big_packets = a.big_packets * a.repeat
    rows = []
    bad = False
    loads = {
        "many": (f"{a.files} files x {a.file_packets} packets", ["-r", str(cat), *MANY_Z],
                 ["-r", str(many / "*.pcap"), *MANY_Z], a.files * a.file_packets,
                 cat.stat().st_size),
        "split": (f"1 file of {big_packets} packets, --dask-split {a.split_mb:g}",
                  ["-r", str(big), *BIG_Z],
                  ["--dask-split", str(a.split_mb), "-r", str(big), *BIG_Z], big_packets,
                  big.stat().st_size),
        "stateful": (f"1 file of {big_packets} packets, --dask-split {a.split_mb:g}, "
                     "conv,tcp io,phs expert (partitions by conversation)",
                     ["-r", str(big), *STATEFUL_Z],
                     ["--dask-split", str(a.split_mb), "-r", str(big), *STATEFUL_Z],
                     big_packets, big.stat().st_size),
        "filter": (f"1 file of {big_packets} packets, --dask-split {a.split_mb:g}, "
                   "-Y 'udp.port == 69' -T fields -e frame.number",
                   ["-r", str(big), *FILTER_ONLY],
                   ["--dask-split", str(a.split_mb), "-r", str(big), *FILTER_ONLY],
                   big_packets, big.stat().st_size)}
    for label, single_args, dask_args, packets, size in (loads[w] for w in
                                                          a.workloads.split(",")):
        load = os.getloadavg()[0]
        wall, ref, rss, cpu = _single(single_args)
        rows.append((label, "analyze (1 process)", "-", wall, cpu, packets, size, f"{rss}",
                     "ok", load))
        for w in (int(x) for x in a.workers.split(",")):
            load = os.getloadavg()[0]
            start, wall, got, wrss, cpu = _dask(w, dask_args)
            same = "ok" if got == ref else "MISMATCH"
            if got != ref:
                print(f"{label}, {w} workers: got {got[:300]!r}", file=sys.stderr)
            bad |= same != "ok"
            rows.append((label, f"--dask local:{w}", f"{start:.1f}", wall, cpu, packets, size,
                         "/".join(map(str, wrss)), same, load))
    lines = [f"# labshark scale benchmark, {time.strftime('%Y-%m-%d %H:%M:%S')}", "",
             f"Command: `python bench/scale.py {' '.join(sys.argv[1:])}`", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, "
             f"Python {platform.python_version()}, {platform.platform()}", "",
             f"Load average at the end: {os.getloadavg()[0]:.1f} (1 min)", "",
             "| workload | run | load at start | cluster start s | run s | CPU s | packets/s | "
             "MB/s | peak RSS MB (per worker) | same output |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|---|"]
    for label, who, start, wall, cpu, packets, size, rss, same, load in rows:
        lines.append(f"| {label} | {who} | {load:.1f} | {start} | {wall:.2f} | {cpu:.2f} | "
                     f"{packets / wall:,.0f} | {size / 1e6 / wall:.2f} | {rss} | {same} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        a.out.write_text(text)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
