"""Sweep every tshark `-z` statistic of issue 17 over every capture in the repository and
compare each with tshark 4.0 (`tshark -n`): a table of the (capture, kind) pairs that differ.

    python tests/stats_sweep.py [--out DIR] [NAME-PART ...]
    python tests/stats_sweep.py --check-known [NAME-PART ...]

Per capture: one analyze run (in-process) and one tshark run with every kind but `hosts`
as repeated `-z` (tshark accepts several); only a capture whose outputs differ is run
again kind by kind to name the kinds (both outputs written to DIR when given). `hosts` is
run alone: tshark prints its names in hash-table order, so it is compared as the existing
test does (the same four header lines, the same lines). tests/test_stats_sweep.py runs
the same comparison as a test per capture.

`--check-known` runs instead each (capture, kind) pair of that test's KNOWN list as the
test would once the pair is removed (the capture's other kinds, all but its other KNOWN
ones, together with it) and lists the pairs now equal to tshark's: stale entries to
remove, so the list cannot silently go stale (exit status 1 when there are any).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from diffutil import run_analyze, run_tshark_full  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DIRS = (ROOT / "tests" / "data" / "corpus", ROOT / "captures" / "samples",
        ROOT / "tests" / "data" / "wireshark")
FLOWS = [f"flow,{k},{m}" for k in ("any", "tcp", "icmp", "icmpv6")
         for m in ("standard", "network")]
TREES = ["http,tree", "http_req,tree", "http_srv,tree", "http_seq,tree", "dns,tree",
         "dhcp,stat", "plen,tree", "ptype,tree", "icmp,srt", "icmpv6,srt", "dests,tree",
         "ip_hosts,tree", "ip_srcdst,tree", "ipv6_hosts,tree", "ipv6_srcdst,tree",
         "ipv6_dests,tree", "ipv6_ptype,tree"]
CONV_TYPES = ("eth", "ip", "ipv6", "tcp", "udp", "sctp", "sll")
CONVS = [f"{w},{t}" for w in ("conv", "endpoints") for t in CONV_TYPES]
OTHER = ["credentials", "expert", "io,phs"]
#: Every kind compared byte for byte in one run (hosts apart, see the docstring).
KINDS = [*FLOWS, *TREES, *CONVS, *OTHER]


def captures(parts: list[str] | None = None) -> list[Path]:
    """Every capture in the repository's capture folders (by name part when given)."""
    caps = [p for d in DIRS if d.is_dir() for p in sorted(d.iterdir())
            if ".pcap" in p.name and (not parts or any(s in p.name for s in parts))]
    return caps


def both(args: list[str]) -> tuple[str, str]:
    """(tshark's stdout, analyze's stdout + a note when analyze failed)."""
    rc, out, err = run_analyze(args)
    if rc != 0:
        out += f"\n[analyze exit {rc}: {err.strip()[:300]}]"
    return run_tshark_full(args).stdout, out


def hosts_same(theirs: str, ours: str) -> bool:
    """tshark's hosts order follows its hash tables: same header, same lines."""
    t, o = theirs.splitlines(), ours.splitlines()
    return t[:4] == o[:4] and sorted(t) == sorted(o)


HOSTS_MARK = "# TShark hosts output"


def same_with_hosts(theirs: str, ours: str) -> bool:
    """One run with `-z hosts` first (so printed last): all before the hosts output
    byte-equal, the hosts output as hosts_same."""
    t, _, t_hosts = theirs.partition(HOSTS_MARK)
    o, _, o_hosts = ours.partition(HOSTS_MARK)
    return t == o and hosts_same(HOSTS_MARK + t_hosts, HOSTS_MARK + o_hosts)


def differing(cap: Path, out: Path | None = None) -> list[str]:
    """The kinds whose output differs from tshark's on CAP ([] when all are equal)."""
    bad = []
    theirs, ours = both(["-q", "-z", "hosts", "-r", str(cap)])
    if not hosts_same(theirs, ours):
        bad.append("hosts")
        _write(out, cap, "hosts", theirs, ours)
    every = [a for k in KINDS for a in ("-z", k)]
    theirs, ours = both(["-q", *every, "-r", str(cap)])
    if theirs == ours:
        return bad
    for kind in KINDS:
        theirs, ours = both(["-q", "-z", kind, "-r", str(cap)])
        if theirs != ours:
            bad.append(kind)
            _write(out, cap, kind, theirs, ours)
    return bad or ["(only together)"]


def _with_known_removed(cap: Path, known: list[str], kind: str) -> bool:
    """Would the test pass on CAP with KIND taken out of its KNOWN list?"""
    rest = [k for k in known if k != kind]
    kinds = [k for k in ["hosts", *KINDS] if k not in rest]
    theirs, ours = both(["-q", *[a for k in kinds for a in ("-z", k)], "-r", str(cap)])
    return theirs.count(HOSTS_MARK) == ("hosts" not in rest) and same_with_hosts(theirs, ours)


def stale_known(known: dict[str, list[str]], parts: list[str] | None = None) -> list[str]:
    """The KNOWN entries ("capture: kind") now equal to tshark's, and those naming a
    capture that is no longer in the repository ("capture: (no such capture)")."""
    caps = {f"{c.parent.name}/{c.name}": c for c in captures()}
    stale = []
    for name, kinds in known.items():
        if parts and not any(s in name for s in parts):
            continue
        cap = caps.get(name)
        if cap is None:
            stale.append(f"{name}: (no such capture)")
            continue
        for kind in kinds:
            if _with_known_removed(cap, kinds, kind):
                stale.append(f"{name}: {kind}")
                print(f"stale: {name}: {kind}", flush=True)
    return stale


def _check_known(parts: list[str]) -> int:
    from test_stats_sweep import KNOWN

    pairs = sum(len(v) for k, v in KNOWN.items() if not parts or any(s in k for s in parts))
    stale = stale_known(KNOWN, parts)
    print(f"{len(stale)} stale of {pairs} KNOWN pairs"
          + ("" if stale else ": every entry still differs"))
    return 1 if stale else 0


def _write(out: Path | None, cap: Path, kind: str, theirs: str, ours: str) -> None:
    if out is not None:
        stem = f"{cap.name}__{kind.replace(',', '_')}"
        (out / f"{stem}.tshark").write_text(theirs)
        (out / f"{stem}.analyze").write_text(ours)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="write each differing output pair here")
    ap.add_argument("--check-known", action="store_true",
                    help="list the KNOWN pairs of tests/test_stats_sweep.py now equal")
    ap.add_argument("parts", nargs="*", help="only captures whose name contains one")
    opts = ap.parse_args(argv)
    if opts.check_known:
        return _check_known(opts.parts)
    if opts.out is not None:
        opts.out.mkdir(parents=True, exist_ok=True)
    caps = captures(opts.parts)
    pairs = 0
    by_kind: dict[str, int] = {}
    for cap in caps:
        bad = differing(cap, opts.out)
        if bad:
            pairs += len(bad)
            for k in bad:
                by_kind[k] = by_kind.get(k, 0) + 1
            print(f"{cap.parent.name}/{cap.name}: {' '.join(bad)}", flush=True)
    print("by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(by_kind.items())))
    print(f"{pairs} differing (capture, kind) pairs of {len(caps) * (len(KINDS) + 1)}; "
          f"{len(caps)} captures x {len(KINDS) + 1} kinds")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
