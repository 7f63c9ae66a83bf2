"""Run `analyze` in one process over many captures and argument sets, for
tests/test_compiled.py, which starts it once in pure Python and once compiled:

    python tests/compiled_modes.py outputs OUT.json     # {case: sha256 of out+err+rc}
    python tests/compiled_modes.py fuzz OUT.json SECONDS  # the findings of a seeded fuzz run

Both print which mode they ran in (`dissectors.COMPILED`), so a test cannot compare a
mode with itself. In one process because ~160 captures x 6 argument sets as separate
`analyze` processes would take many minutes.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

SUFFIXES = (".pcap", ".pcapng", ".pcap.gz", ".pcapng.gz")
#: every capture of the repository's test data and samples
CAPTURES = sorted(p for d in ("tests/data", "captures/samples")
                  for p in (ROOT / d).rglob("*") if p.name.endswith(SUFFIXES))
ARGSETS: dict[str, list[str]] = {
    "list": [],
    "V": ["-V"],
    "json": ["-T", "json"],
    "jsonraw": ["-T", "jsonraw"],  # (its writer once subclassed the compiled JsonOutput)
    "fields": ["-T", "fields", "-e", "frame.number", "-e", "frame.protocols",
               "-e", "_ws.col.Protocol", "-e", "_ws.col.Info", "-e", "ip.src",
               "-e", "tcp.stream", "-e", "udp.length", "-e", "tftp.opcode"],
    "x": ["-x"],
    "z": ["-q", "-z", "io,phs", "-z", "conv,ip", "-z", "conv,tcp", "-z", "conv,udp"],
    # filters decided on raw records: the fast path and the light plan (dissectors/
    # skipping.py reads the mapped file)
    "Y69": ["-Y", "udp.port == 69"],
    "Ysyn": ["-Y", "tcp.flags.syn == 1 || ip.addr == 10.0.0.0/8"],
}


def run_case(capture: Path, args: list[str]) -> str:
    """out, err and exit status of one in-process `analyze -r capture args`."""
    from analyzer.app import run

    out, err = io.StringIO(), io.StringIO()
    rc = run(["-r", str(capture), *args], out, err)
    return f"{out.getvalue()}\n--stderr--\n{err.getvalue()}\nrc={rc}"


def outputs() -> dict[str, str]:
    got = {}
    for cap in CAPTURES:
        for name, args in ARGSETS.items():
            text = run_case(cap, args)
            got[f"{cap.relative_to(ROOT)} {name}"] = hashlib.sha256(text.encode()).hexdigest()
    return got


def lab_mix(path: Path, packets: int = 400) -> Path:
    """The benchmark's traffic mix (bench/gen_capture.py): TFTP, HTTP, IPMSG, ICMP
    errors, ARP, VLAN, fragments, IPv6: the compiled dissectors' inputs."""
    from gen_capture import write_capture

    write_capture(path, packets)
    return path


def fuzz(seconds: float, workdir: Path) -> list[list[str]]:
    """A seeded fuzz run over seeds the compiled modules dissect; its findings."""
    import fuzz_mutate
    import fuzzcase

    seeds = [lab_mix(workdir / "labmix.pcap"), *sorted((ROOT / "captures/samples").glob("*.pcap*")),
             *(fuzzcase.CORPUS / n for n in ("dpkt-http.pcap", "tcpdump-dns_udp_2.pcap",
                                             "ndpi-tcp_scan.pcapng", "scapy-http_compressed.pcap"))]
    caps = [c for p in seeds if p.exists() and (c := fuzz_mutate.read_capture(p, limit=60))]
    # filters the fast path decides: the light plan reads the mapped case file
    fuzzcase.ARGSETS += [["-Y", "udp.port == 69 || tcp.flags.syn == 1"],
                         ["-x", "-Y", "ip.addr == 10.0.0.0/8"]]
    found = fuzzcase.fuzz(caps, seed=11, cases=None, seconds=seconds, workdir=workdir / "w",
                          files=[ROOT / "captures/samples/lab.pcap"], quic=False,
                          file_share=0.1, batch_share=0.6)
    return [[f.kind, str(f.seed), " ".join(f.args), f.detail] for f in found]


def main(argv: list[str]) -> int:
    import dissectors

    os.environ.setdefault("TZ", "UTC")
    what, out = argv[0], Path(argv[1])
    if what == "outputs":
        result: object = outputs()
    else:
        import fuzzcase

        result = {"findings": fuzz(float(argv[2]), out.parent),
                  "mutants": fuzzcase.LAST_RUN["mutants"]}
    out.write_text(json.dumps({"compiled": dissectors.COMPILED, "result": result}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
