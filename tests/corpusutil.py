"""Measure labshark against tshark on the public capture corpus (tests/data/corpus/).

One tshark run and one labshark run per capture, both `-P -V -z io,phs -z expert -c N`:
the output splits into packet-list lines, `-V` packets, the expert report and the
protocol hierarchy. The figures per capture are recorded in `FIGURES.json` (the floor
`tests/test_corpus.py` holds labshark to); `python tests/corpusutil.py --write`
measures again and rewrites it (only after checking a drop is intended).
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from diffutil import run_analyze, run_tshark_full  # noqa: E402

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
FIGURES = CORPUS / "FIGURES.json"
#: Packets read per capture: keeps the run short (tshark and labshark both stop there).
MAX_PACKETS = 200
ARGS = ("-c", str(MAX_PACKETS), "-P", "-V", "-z", "io,phs", "-z", "expert")


@dataclass
class Figures:
    """What one capture measures; `*_same` count packets identical to tshark's."""

    packets: int
    list_same: int
    v_same: int
    undecoded: int  # packets holding a protocol labshark has no dissector for
    phs_equal: bool
    expert_equal: bool
    undecoded_protocols: list[str]


def captures() -> list[Path]:
    manifest = json.loads((CORPUS / "MANIFEST.json").read_text())
    return [CORPUS / name for name in manifest["files"]]


def split_output(text: str) -> tuple[list[str], list[str], str, str]:
    """(list lines, -V packets incl. their list line, expert text, io,phs text)."""
    lines = text.split("\n")
    phs_at = len(lines)
    for i, ln in enumerate(lines):
        if ln == "Protocol Hierarchy Statistics" and i and lines[i - 1].startswith("====="):
            phs_at = i - 1
            break
    phs = "\n".join(lines[phs_at:])
    packets: list[str] = []
    expert: list[str] = []
    for block in "\n".join(lines[:phs_at]).split("\n\n"):
        rows = block.strip("\n").split("\n")
        if len(rows) >= 2 and rows[1].startswith("Frame "):
            packets.append("\n".join(rows))
        elif block.strip():
            expert.append(block.strip("\n"))
    return [p.split("\n", 1)[0] for p in packets], packets, "\n\n".join(expert), phs


def _frame_protocols(packet: str) -> list[str]:
    for ln in packet.split("\n"):
        s = ln.strip()
        if s.startswith("[Protocols in frame: "):
            return s[len("[Protocols in frame: "):-1].split(":")
    return []


def known_protocols() -> set[str]:
    import dissectors  # noqa: F401  (declares every protocol)
    from dissectors.registry import REGISTRY

    return set(REGISTRY.protocols)


def measure(theirs: str, ours: str, known: set[str]) -> Figures:
    t_list, t_v, t_exp, t_phs = split_output(theirs)
    o_list, o_v, o_exp, o_phs = split_output(ours)
    undecoded = 0
    missing: set[str] = set()
    for p in t_v:
        lack = set(_frame_protocols(p)) - known
        if lack:
            undecoded += 1
            missing |= lack
    return Figures(
        packets=len(t_v),
        list_same=sum(a == b for a, b in zip(t_list, o_list, strict=False)),
        v_same=sum(a == b for a, b in zip(t_v, o_v, strict=False)),
        undecoded=undecoded,
        phs_equal=t_phs == o_phs,
        expert_equal=t_exp == o_exp,
        undecoded_protocols=sorted(missing),
    )


def measure_all(paths: list[Path] | None = None) -> dict[str, Figures]:
    """Figures of every capture: tshark runs in two worker threads while labshark runs
    in this process."""
    paths = captures() if paths is None else paths
    known = known_protocols()
    out: dict[str, Figures] = {}
    with ThreadPoolExecutor(2) as pool:
        jobs: dict[Path, Future] = {
            p: pool.submit(run_tshark_full, ["-r", str(p), *ARGS]) for p in paths
        }
        for p in paths:
            rc, ours, _err = run_analyze(["-r", str(p), *ARGS])
            theirs = jobs[p].result().stdout
            out[p.name] = measure(theirs, ours if rc == 0 else "", known)
    return out


def totals(figs: dict[str, Figures]) -> dict[str, float]:
    n = sum(f.packets for f in figs.values()) or 1
    decoded = [f for f in figs.values() if not f.undecoded_protocols]
    return {
        "captures": len(figs),
        "packets": n,
        "list_same_pct": round(100 * sum(f.list_same for f in figs.values()) / n, 2),
        "v_same_pct": round(100 * sum(f.v_same for f in figs.values()) / n, 2),
        "undecoded_pct": round(100 * sum(f.undecoded for f in figs.values()) / n, 2),
        "all_decoded_captures": len(decoded),
        "phs_equal_of_all_decoded": sum(f.phs_equal for f in decoded),
        "expert_equal_of_all_decoded": sum(f.expert_equal for f in decoded),
    }


def summary(figs: dict[str, Figures]) -> str:
    t = totals(figs)
    return (f"corpus: {t['captures']} captures, {t['packets']} packets; "
            f"list lines identical {t['list_same_pct']}%, -V packets identical "
            f"{t['v_same_pct']}%, packets with an undecoded protocol {t['undecoded_pct']}%; "
            f"captures with every protocol decoded: {t['all_decoded_captures']} "
            f"(io,phs equal {t['phs_equal_of_all_decoded']}, "
            f"expert equal {t['expert_equal_of_all_decoded']})")


def write_figures(figs: dict[str, Figures]) -> None:
    data = {"totals": totals(figs), "captures": {k: asdict(v) for k, v in sorted(figs.items())}}
    FIGURES.write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    figs = measure_all()
    print(summary(figs))
    if "--write" in sys.argv[1:]:
        write_figures(figs)
