"""Fuzz the fast path's exactness: for a table of filters the fast path takes, the frames
it matches (analyze -Y F -T fields -e frame.number, analyzer/fast_run.py, with its BPF
pre-filter) must be those full dissection matches, on damaged and unusual frames.

Each case is a pcap of built frames (tests/fuzzfast_frames.py: Ethernet, 802.1Q/QinQ
tags, IPv4 with options or fragments, IPv6 with extension headers, UDP/TCP/ICMP/ICMPv6/
ARP, odd flags, bad checksums and lengths, cut at and around every header boundary)
mixed with runs of frames of bundled captures, mutated. Full dissection's answer comes from one dissection of the
case for every filter; a difference is checked again with the whole pipeline without
a plan (LABSHARK_DISSECT_ALL=1) and, if tshark is installed, against tshark, and cut
down to the smallest capture that still shows it.

`python tests/fuzzfast.py --seconds 120 --seed 1 [--save DIR]` runs it (nice it);
tests/test_fuzzfast.py runs a bounded, seeded few cases in the suite.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from fuzzfast_frames import records_for, seed_frames, write_case  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

#: Filters the fast path takes: fields of filters/fastpath.py FAST_FIELDS, protocols,
#: pairs, 'or'/'and'/'not', ranges, sets and slices of frame bytes.
FILTERS = [
    "ip",
    "ipv6",
    "arp",
    "udp",
    "tcp",
    "icmp",
    "icmpv6",
    "vlan",
    "tftp",
    "ipmsg",
    "eth",
    "udp.port == 53",
    "udp.port == 69",
    "udp.srcport == 67",
    "udp.dstport >= 1024",
    "tcp.port == 80",
    "tcp.srcport == 443",
    "tcp.dstport < 1024",
    "tcp.port in {22, 80, 443}",
    "udp.port in {53, 67..69}",
    "tcp.port != 80",
    "udp.length > 100",
    "udp.length < 8",
    "udp.checksum == 0",
    "tcp.checksum == 0",
    "ip.checksum == 0",
    "tcp.flags.syn == 1",
    "tcp.flags.syn == 0 and tcp.flags.ack == 1",
    "tcp.flags.res != 0",
    "tcp.flags.reset == 1 or tcp.flags.fin == 1",
    "tcp.flags.urg == 1",
    "tcp.flags.push == 1",
    "tcp.flags == 0x002",
    "tcp.flags & 0x0100",
    "tcp.seq_raw == 0",
    "tcp.urgent_pointer > 0",
    "tcp.window_size_value < 1000",
    "ip.addr == 10.0.0.0/8",
    "ip.src == 10.0.0.1",
    "ip.dst == 10.0.0.2",
    "ip.addr == 192.168.1.1",
    "ip.src == 10.0.0.1 or ip.dst == 10.0.0.2",
    "!(ip.addr == 10.0.0.0/8)",
    "ip.proto == 17",
    "ip.proto == 6",
    "ip.ttl < 64",
    "ip.len > 1000",
    "ip.len < 20",
    "ip.flags.df == 1",
    "ip.flags.mf == 1",
    "ip.flags.rb == 1",
    "ip.frag_offset > 0",
    "ip.id == 0x100",
    "ip.dsfield.dscp == 46",
    "ip.dsfield.ecn == 3",
    "ip.flags == 0x2",
    "ipv6.addr == 2001:db8::1",
    "ipv6.src == 2001:db8::1",
    "ipv6.nxt == 17",
    "ipv6.nxt == 0",
    "ipv6.hlim == 255",
    "ipv6.plen > 100",
    "ipv6.plen == 0",
    "eth.addr == ff:ff:ff:ff:ff:ff",
    "eth.type == 0x0806",
    "eth.dst == 02:00:00:00:00:02",
    "eth.src[0] == 0x02",
    "arp.opcode == 2",
    "arp.hw.size != 6",
    "arp.proto.type == 0x0800",
    "icmp.type == 8",
    "icmp.type == 3",
    "icmp.code == 3",
    "icmpv6.type == 128",
    "icmpv6.code > 0",
    "vlan.id == 10",
    "vlan.priority > 0",
    "vlan.etype == 0x0800",
    "frame.len < 60",
    "frame.len >= 1000",
    "frame.cap_len != frame.len",
    "frame.cap_len < 34",
    'frame contains "GET"',
    "frame[12:2] == 08:00",
    'frame matches "(?i)host"',
    "ipmsg.mode == 0x20",
    "ipmsg.command == 1",
    "ipmsg.version == 1",
    "not tcp",
    "udp && !tftp",
    "tftp || ipmsg",
    "udp.port == 53 || ip",
    "tcp.flags.syn == 1 || ip.addr == 10.0.0.0/8",
    "tcp.srcport == 1 || ip.addr == 10.0.0.0/8",
    "udp.port == 53 || ip.src == 10.0.0.1",
    "arp || udp.port == 53",
    "icmp || udp.port == 53",
    "ip.addr == 10.0.0.0/8 and tcp.flags.syn == 1",
    "ip.proto == 17 or tcp.port == 80",
    "udp.port == 53 and not ip.flags.df == 1",
    "tcp.port == 80 || udp.port == 53 || icmp",
    "ipv6 && udp.port == 53",
    "vlan && tcp",
    "ip.src == 10.0.0.1 && ip.dst == 10.0.0.2",
    "tcp.flags.fin == 1 and tcp.flags.syn == 1",
    "ip.proto == 1 || ip.proto == 58",
    "ip.flags.mf == 1 or udp",
    # quantifiers, field against field, arithmetic, sets, slices and bare booleans
    "ip.addr != 10.0.0.1",
    "ip.addr ~= 10.0.0.1",
    "all ip.addr == 10.0.0.0/8",
    "any udp.port == 53",
    "udp.port != 53",
    "tcp.port ~= 80",
    "ip.src == ip.dst",
    "udp.srcport == udp.dstport",
    "udp.srcport > udp.dstport",
    "frame.len == ip.len + 14",
    "ip.len == udp.length + 20",
    "ip.ttl in {1..64}",
    "ip.dst in {10.0.0.0/8, 192.168.0.0/16}",
    "ipv6.addr in {2001:db8::1, fe80::1}",
    "icmp.type in {0, 8}",
    "vlan.id in {1..10}",
    "ip.src[0] == 10",
    "eth.dst[0] & 1",
    "ip.flags.df",
    "tcp.flags.syn",
    "tcp.flags.res",
    "ip.src == 10.0.0.1 && !ip.flags.df",
]

# ---- the answers ---------------------------------------------------------------------


def full_answers(path: Path, filters: list[str]) -> dict[str, list[int]]:
    """Each filter's matching frame numbers by full dissection (one pass for all)."""
    from captures.open import open_capture
    from dissectors import Session, dissect
    from filters import compile_filter

    compiled = [(f, compile_filter(f).match) for f in filters]
    got: dict[str, list[int]] = {f: [] for f in filters}
    session = Session(revisit=False)
    with open_capture(path) as reader:
        for n, fr in enumerate(reader, 1):
            pkt = dissect(fr, session)
            for f, match in compiled:
                if match(pkt):
                    got[f].append(n)
    return got


def analyze_numbers(path: Path, flt: str, fast: bool, split: bool = False) -> list[int] | None:
    """`analyze -r path -Y flt -T fields -e frame.number` in-process: with `fast`, by
    the fast path (None when it does not take the filter; `split`: its walk in two
    processes, split by address pair, as for a large file); else with neither the fast
    path nor a plan."""
    import analyzer.fast_run as fast_run
    from analyzer.app import run

    real, parallel_from = fast_run.run_fast, fast_run._PARALLEL_FROM
    if split:
        fast_run._PARALLEL_FROM = 0
    taken: list[object] = []

    def spy(*a: object, **k: object) -> int | None:
        r = real(*a, **k) if fast else None  # type: ignore[arg-type]
        taken.append(r)
        return r

    fast_run.run_fast = spy  # type: ignore[assignment]
    old = os.environ.get("LABSHARK_DISSECT_ALL")
    if not fast:
        os.environ["LABSHARK_DISSECT_ALL"] = "1"
    try:
        out, err = io.StringIO(), io.StringIO()
        code = run(["-r", str(path), "-Y", flt, "-T", "fields", "-e", "frame.number"], out, err)
    finally:
        fast_run.run_fast = real  # type: ignore[assignment]
        fast_run._PARALLEL_FROM = parallel_from
        if not fast:
            if old is None:
                os.environ.pop("LABSHARK_DISSECT_ALL", None)
            else:
                os.environ["LABSHARK_DISSECT_ALL"] = old
    if code != 0 or (fast and (not taken or taken[0] is None)):
        return None
    return [int(x) for x in out.getvalue().split()]


def tshark_numbers(path: Path, flt: str) -> list[int] | None:
    if shutil.which("tshark") is None:
        return None
    p = subprocess.run(
        ["tshark", "-n", "-r", str(path), "-Y", flt, "-T", "fields", "-e", "frame.number"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return [int(x) for x in p.stdout.split()]


@dataclass
class Finding:
    flt: str
    frames: list[tuple[bytes, int]]  # the smallest capture found (last frame differs)
    fast: list[int]
    full: list[int] | None
    tshark: list[int] | None
    split: bool = False  # (the fast walk in two processes)

    @property
    def full_unlike_tshark(self) -> bool:
        """The fast path answers as tshark and full dissection does not: a fault of
        the dissectors that the fast path (here: its split walk) does not share."""
        return self.tshark is not None and self.fast == self.tshark != self.full

    def describe(self) -> str:
        last = self.frames[-1]
        what = "full dissection unlike tshark" if self.full_unlike_tshark else "fast path"
        return (
            f"{what}: {self.flt!r}{' (split)' if self.split else ''}: {len(self.frames)} frame(s); "
            f"fast {self.fast} full {self.full} tshark {self.tshark}; last frame "
            f"({len(last[0])} of {last[1]} bytes): {last[0].hex()}"
        )


def _differs(tmp: Path, recs: list[tuple[bytes, int]], flt: str, split: bool) -> bool:
    p = write_case(tmp / "min.pcap", recs)
    fast = analyze_numbers(p, flt, True, split)
    return fast is not None and fast != analyze_numbers(p, flt, False)


def minimise(
    tmp: Path, recs: list[tuple[bytes, int]], flt: str, frame: int, split: bool = False
) -> Finding:
    """The shortest run of records ending at `frame` (1-based) that still differs (the
    frame alone, then with more before it); all of them up to `frame` if none does."""
    keep = recs[:frame]
    for start in range(frame - 1, -1, -1):
        if _differs(tmp, keep[start:], flt, split):
            keep = keep[start:]
            break
    p = write_case(tmp / "min.pcap", keep)
    fast = analyze_numbers(p, flt, True, split) or []
    return Finding(flt, keep, fast, analyze_numbers(p, flt, False), tshark_numbers(p, flt), split)


def check_case(
    tmp: Path,
    recs: list[tuple[bytes, int]],
    filters: list[str],
    confirm: bool = True,
    split: bool = False,
) -> list[Finding]:
    """The filters whose fast answer (`split`: from two processes) differs from full
    dissection's on `recs`."""
    path = write_case(tmp / "case.pcap", recs)
    full = full_answers(path, filters)
    found = []
    for flt in filters:
        fast = analyze_numbers(path, flt, True, split)
        if fast is None:
            raise AssertionError(f"the fast path did not take {flt!r}")
        if fast == full[flt]:
            continue
        if confirm and analyze_numbers(path, flt, False) == fast:
            continue  # (the pipeline agrees with the fast path: a one-pass artefact)
        frame = min(set(fast) ^ set(full[flt]))
        found.append(minimise(tmp, recs, flt, frame, split))
    return found


def fuzz(
    tmp: Path,
    *,
    seed: int,
    cases: int | None,
    seconds: float,
    frames: int = 120,
    filters: list[str] | None = None,
    report: Callable[[Finding], None] | None = None,
) -> list[Finding]:
    """Run cases (at most `cases`, at most `seconds`); every finding, the first per
    filter."""
    rng = random.Random(seed)
    seeds = seed_frames()
    todo = list(filters or FILTERS)
    found: list[Finding] = []
    t0, n = time.monotonic(), 0
    while todo and (cases is None or n < cases) and time.monotonic() - t0 < seconds:
        n += 1
        recs = records_for(rng, seeds, frames)
        for f in check_case(tmp, recs, todo, split=n % 2 == 0):
            found.append(f)
            todo.remove(f.flt)
            if report:
                report(f)
    LAST_RUN["cases"] = n
    return found


#: what the last fuzz() ran
LAST_RUN = {"cases": 0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--cases", type=int)
    ap.add_argument("--frames", type=int, default=120)
    ap.add_argument("--save", type=Path, help="write each finding's capture here")
    args = ap.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as d:

        def report(f: Finding) -> None:
            print(f.describe(), flush=True)
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                name = "".join(c if c.isalnum() else "_" for c in f.flt)[:60]
                write_case(args.save / f"{name}.pcap", f.frames)

        found = fuzz(
            Path(d),
            seed=args.seed,
            cases=args.cases,
            seconds=args.seconds,
            frames=args.frames,
            report=report,
        )
    print(f"{len(found)} finding(s) in {LAST_RUN['cases']} case(s)")


if __name__ == "__main__":
    main()
