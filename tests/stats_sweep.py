"""Sweep every tshark `-z` statistic of issue 17 over every capture in the repository and
compare each with tshark 4.0 (`tshark -n`): a table of the (capture, kind) pairs that differ.

    python tests/stats_sweep.py [--out DIR] [NAME-PART ...]

Per capture: one analyze run (in-process) and one tshark run with every kind but `hosts`
as repeated `-z` (tshark accepts several); only a capture whose outputs differ is run
again kind by kind to name the kinds (both outputs written to DIR when given). `hosts` is
run alone: tshark prints its names in hash-table order, so it is compared as the existing
test does (the same four header lines, the same lines). tests/test_stats_sweep.py runs
the same comparison as a test per capture.
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


def _write(out: Path | None, cap: Path, kind: str, theirs: str, ours: str) -> None:
    if out is not None:
        stem = f"{cap.name}__{kind.replace(',', '_')}"
        (out / f"{stem}.tshark").write_text(theirs)
        (out / f"{stem}.analyze").write_text(ours)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="write each differing output pair here")
    ap.add_argument("parts", nargs="*", help="only captures whose name contains one")
    opts = ap.parse_args(argv)
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
