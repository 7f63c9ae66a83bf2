"""Compare `-z flow,...` with tshark 4.0 over the public corpus (tests/data/corpus):
which captures differ, in which of the eight diagrams, and whether the packet list
(Source, Destination, Protocol, Info: the `any` diagrams' labels) differs too, which
points at a dissector rather than the flow code.

    python tests/flow_corpus_compare.py [--out DIR] [NAME-PART ...]

One run of both tools per capture with all eight diagrams; only a capture that differs
is run again diagram by diagram (its two outputs written to DIR when given). analyze
runs in this process (diffutil.run_analyze), tshark as `tshark -n`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from diffutil import run_analyze, run_tshark_full  # noqa: E402

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
MODES = ["any,standard", "any,network", "tcp,standard", "tcp,network", "icmp,standard",
         "icmp,network", "icmpv6,standard", "icmpv6,network"]
COLUMNS = ["frame.number", "_ws.col.Source", "_ws.col.Destination", "_ws.col.Protocol",
           "_ws.col.Info"]


def _both(args: list[str]) -> tuple[str, str]:
    return run_tshark_full(args).stdout, run_analyze(args)[1]


def compare(cap: Path, out: Path | None) -> tuple[list[str], int] | None:
    """None when all eight diagrams are equal, else (the modes that differ, the number
    of packet-list lines that differ)."""
    every = [a for m in MODES for a in ("-z", f"flow,{m}")]
    theirs, ours = _both(["-q", *every, "-r", str(cap)])
    if theirs == ours:
        return None
    bad = []
    for mode in MODES:
        theirs, ours = _both(["-q", "-z", f"flow,{mode}", "-r", str(cap)])
        if theirs != ours:
            bad.append(mode)
            if out is not None:
                stem = f"{cap.name}__{mode.replace(',', '_')}"
                (out / f"{stem}.tshark").write_text(theirs)
                (out / f"{stem}.analyze").write_text(ours)
    cols = ["-T", "fields", "-E", "separator=|", *[a for c in COLUMNS for a in ("-e", c)],
            "-r", str(cap)]
    t_list, a_list = (s.splitlines() for s in _both(cols))
    list_diff = (sum(x != y for x, y in zip(t_list, a_list, strict=False))
                 + abs(len(t_list) - len(a_list)))
    return bad, list_diff


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="write each differing diagram pair here")
    ap.add_argument("parts", nargs="*", help="only captures whose name contains one")
    opts = ap.parse_args(argv)
    if opts.out is not None:
        opts.out.mkdir(parents=True, exist_ok=True)
    caps = sorted(p for p in CORPUS.glob("*.pcap*")
                  if not opts.parts or any(s in p.name for s in opts.parts))
    same = 0
    for cap in caps:
        result = compare(cap, opts.out)
        if result is None:
            same += 1
            continue
        bad, list_diff = result
        print(f"{cap.name}: differs in {' '.join(bad) or '(only together)'}; "
              f"packet-list lines differing: {list_diff}", flush=True)
    print(f"{same} of {len(caps)} captures equal in all eight diagrams")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
