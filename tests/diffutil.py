"""Helpers for differential tests: run labshark and tshark on the same capture and diff.

tshark is the oracle. Every tshark run uses `-n` (no name resolution), the C.UTF-8
locale and UTC, so its output depends only on the capture.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TSHARK_TIMEOUT = 120
# Lines tshark prints on stderr that are not errors.
_TSHARK_NOISE = ("Running as user", "running as root", "This could be dangerous")


#: Every field the differential tests compare, packet by packet, with tshark.
DIFF_FIELDS: tuple[str, ...] = (
    "frame.number", "frame.time_relative", "frame.time_delta", "frame.len", "frame.cap_len",
    "frame.protocols", "eth.src", "eth.dst", "eth.addr", "eth.type", "vlan.id",
    "arp.opcode", "arp.src.proto_ipv4", "arp.dst.proto_ipv4", "arp.src.hw_mac",
    "ip.src", "ip.dst", "ip.addr", "ip.proto", "ip.ttl", "ip.len", "ip.id", "ip.flags.df",
    "ip.flags.mf", "ip.frag_offset", "ip.checksum", "ipv6.src", "ipv6.dst", "ipv6.addr",
    "ipv6.nxt", "ipv6.hlim", "icmp.type", "icmp.code", "icmp.ident", "icmp.seq",
    "udp.srcport", "udp.dstport", "udp.port", "udp.length", "tcp.srcport", "tcp.dstport",
    "tcp.port", "tcp.seq", "tcp.ack", "tcp.len", "tcp.stream", "tcp.flags", "tcp.flags.syn",
    "tcp.flags.ack", "tcp.flags.fin", "tcp.flags.reset", "tcp.flags.push", "tcp.flags.urg",
    "tcp.window_size_value", "dns.qry.name", "dns.qry.type", "dns.flags.response", "dns.a",
    "http.request.method", "http.request.uri", "http.host", "http.response.code",
    "http.user_agent", "dhcp.option.dhcp", "data.data",
)

#: For captures of protocols we don't dissect (NFS, NTP): only the lower layers.
LOWER_LAYER_PREFIXES = ("frame.", "eth.", "ip.", "udp.")
LOWER_LAYER_FIELDS = tuple(f for f in DIFF_FIELDS
                           if f.startswith(LOWER_LAYER_PREFIXES) and f != "frame.protocols")


#: labshark protocols tshark 4.0 has no dissector for: where labshark decodes one, tshark
#: shows `data`. Such packets compare frame.protocols up to the protocol (tshark: `:data`);
#: their data.data, Info and packet-list line are not compared (counted as skipped).
OUR_ONLY_PROTOCOLS = ("ipmsg", "feiq")


def expected_protocols(ours: str) -> str | None:
    """tshark's frame.protocols for our stack if it holds an our-only protocol, else None."""
    parts = ours.split(":")
    for i, p in enumerate(parts):
        if p in OUR_ONLY_PROTOCOLS:
            return ":".join(parts[:i] + ["data"])
    return None


def tshark_available() -> bool:
    return shutil.which("tshark") is not None


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["LC_ALL"] = "C.UTF-8"
    env["TZ"] = "UTC"
    env.pop("NO_COLOR", None)
    return env


def tshark_stderr(err: str) -> str:
    """tshark's stderr without the 'running as root' warning."""
    return "\n".join(ln for ln in err.splitlines()
                     if ln.strip() and not any(n in ln for n in _TSHARK_NOISE))


def run_tshark_full(args: Sequence[str], *, text: bool = True) -> subprocess.CompletedProcess:
    """Run `tshark -n ARGS` (`tshark -G ...` as is); the caller looks at the exit code and stderr."""
    # -G must come first; the glossary resolves no names anyway.
    cmd = ["tshark", *args] if args and args[0] == "-G" else ["tshark", "-n", *args]
    cp = subprocess.run(cmd, capture_output=True, text=text,
                        env=_env(), timeout=TSHARK_TIMEOUT, check=False)
    if text:
        cp.stderr = tshark_stderr(cp.stderr)
    return cp


def run_tshark(args: Sequence[str]) -> str:
    """stdout of `tshark -n ARGS`; a failure of tshark itself is an error of the test."""
    cp = run_tshark_full(args)
    if cp.returncode != 0:
        raise RuntimeError(f"tshark {' '.join(args)} failed ({cp.returncode}): {cp.stderr}")
    return cp.stdout


def run_analyze(args: Sequence[str], *, ours: bool = False) -> tuple[int, str, str]:
    """Run `analyze ARGS` in-process (fast): (exit code, stdout, stderr).

    The tree leaves out labshark's own items (--only-tshark-items) unless `ours`: they
    are what tshark lacks, so every comparison with tshark is without them."""
    from analyzer.app import run

    if not ours:
        args = ["--only-tshark-items", *args]

    out, err = io.StringIO(), io.StringIO()
    old_tz = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()  # local-time formats (-t a/ad) must match tshark run with TZ=UTC
    try:
        rc = run(list(args), out, err)
    finally:
        if old_tz is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old_tz
        time.tzset()
    return rc, out.getvalue(), err.getvalue()


def assert_like_tshark(args: Sequence[str], *, nonempty: bool = False) -> None:
    """`analyze ARGS` succeeds and prints exactly what `tshark -n ARGS` prints (and, with
    `nonempty`, tshark prints something: the comparison is not of two empty outputs)."""
    rc, ours, err = run_analyze(args)
    assert rc == 0, err
    theirs = run_tshark(args)
    assert theirs or not nonempty, f"tshark printed nothing for {list(args)}"
    assert ours == theirs


def assert_bytes_like_tshark(args: Sequence[str]) -> str:
    """`analyze ARGS` prints byte for byte what `tshark -n ARGS` prints (compared as
    bytes: an encoding difference fails too); returns our output."""
    rc, ours, err = run_analyze(args)
    assert rc == 0, err
    cp = run_tshark_full(args, text=False)
    assert cp.returncode == 0, cp.stderr
    assert ours.encode() == cp.stdout
    return ours


def run_released(args: Sequence[str], release: str, monkeypatch: object) -> str:
    """`analyze ARGS` in one process with the release schedule forced on ("1") or off
    ("0"): the release tests compare the two (and tshark). Fails on a non-zero exit."""
    monkeypatch.setenv("LABSHARK_RELEASE", release)  # type: ignore[attr-defined]
    monkeypatch.setenv("LABSHARK_SPLIT", "0")  # type: ignore[attr-defined]
    code, out, err = run_analyze(args)
    assert code == 0, err
    return out


def run_planned(args: Sequence[str], planned: bool, monkeypatch: object) -> str:
    """`analyze ARGS` in-process with its plan (only the frames shown ones depend on
    dissected) or with every frame dissected (LABSHARK_DISSECT_ALL=1): the plan tests
    compare the two. Fails on a non-zero exit."""
    from analyzer.app import run

    if planned:
        monkeypatch.delenv("LABSHARK_DISSECT_ALL", raising=False)  # type: ignore[attr-defined]
    else:
        monkeypatch.setenv("LABSHARK_DISSECT_ALL", "1")  # type: ignore[attr-defined]
    out, err = io.StringIO(), io.StringIO()
    assert run(list(args), out, err) == 0, err.getvalue()
    return out.getvalue()


def run_analyze_subprocess(args: Sequence[str], *, env: dict[str, str] | None = None,
                           module: bool = False, input: bytes | None = None,
                           timeout: float = TSHARK_TIMEOUT) -> subprocess.CompletedProcess:
    """Run `analyze ARGS` (or `python -m analyzer ARGS`) as a real process: exit codes
    (TimeoutExpired after `timeout` seconds, so a test fails instead of hanging)."""
    e = _env()
    if env:
        e.update(env)
    if module:
        cmd = [sys.executable, "-m", "analyzer", *args]
    else:
        exe = Path(sys.executable).parent / "analyze"
        cmd = [str(exe) if exe.exists() else "analyze", *args]
    return subprocess.run(cmd, capture_output=True, env=e, cwd=ROOT, timeout=timeout,
                          input=input, check=False)


@dataclass(frozen=True)
class Mismatch:
    frame: int  # 1-based packet number in the output
    field: str
    ours: str
    theirs: str

    def __str__(self) -> str:
        return f"frame {self.frame} {self.field}: ours={self.ours!r} tshark={self.theirs!r}"


def _split_rows(text: str) -> list[str]:
    rows = text.split("\n")
    if rows and rows[-1] == "":
        rows.pop()
    return rows


def fields_output(capture: str | Path, fields: Sequence[str],
                  extra_args: Iterable[str] = ()) -> tuple[list[list[str]], list[list[str]]]:
    """(our rows, tshark's rows) of `-T fields -e F...`, each row split on tabs."""
    args = ["-r", str(capture), *extra_args, "-T", "fields"]
    for f in fields:
        args += ["-e", f]
    rc, out, err = run_analyze(args)
    if rc != 0:
        raise AssertionError(f"analyze {' '.join(args)} exited {rc}: {err}")
    theirs = run_tshark(args)
    n = len(fields)

    def rows(text: str) -> list[list[str]]:
        res = []
        for r in _split_rows(text):
            cells = r.split("\t")
            if len(cells) != n:  # a value containing a tab: keep the row comparable
                cells = (cells + [""] * n)[:n]
            res.append(cells)
        return res

    return rows(out), rows(theirs)


def compare_fields(capture: str | Path, fields: Sequence[str],
                   extra_args: Iterable[str] = ()) -> list[Mismatch]:
    """Per packet, per field differences between labshark and tshark (empty = equal)."""
    ours, theirs = fields_output(capture, fields, extra_args)
    out: list[Mismatch] = []
    for i in range(max(len(ours), len(theirs))):
        a = ours[i] if i < len(ours) else None
        b = theirs[i] if i < len(theirs) else None
        for j, f in enumerate(fields):
            va = "<no packet>" if a is None else a[j]
            vb = "<no packet>" if b is None else b[j]
            if va != vb:
                out.append(Mismatch(i + 1, f, va, vb))
    return out


@dataclass
class FieldTables:
    """All requested fields of one capture, column-wise, from one run of each tool."""

    ours: dict[str, list[str]]  # only the fields our registry declares
    theirs: dict[str, list[str]]
    unknown: list[str]  # fields labshark does not declare
    packets: int
    ours_only: frozenset[int] = frozenset()  # frames holding an OUR_ONLY_PROTOCOLS layer

    def compared(self, field: str) -> int:
        """How many packets' values of `field` are really compared."""
        if field in self.unknown:
            return 0
        skipped = len(self.ours_only) if field in ("data.data", "_ws.col.Info", "line") else 0
        return self.packets - skipped

    def mismatches(self, field: str) -> list[Mismatch]:
        if field in self.unknown:
            return [Mismatch(0, field, "<field not declared in labshark>", "")]
        a, b = self.ours[field], self.theirs[field]
        out = []
        for i in range(max(len(a), len(b))):
            va = a[i] if i < len(a) else "<no packet>"
            vb = b[i] if i < len(b) else "<no packet>"
            if i + 1 in self.ours_only:
                if field == "data.data":
                    continue
                if field == "frame.protocols":
                    va = expected_protocols(va) or va
            if va != vb:
                out.append(Mismatch(i + 1, field, va, vb))
        return out


def field_tables(capture: str | Path, fields: Sequence[str],
                 extra_args: Iterable[str] = ()) -> FieldTables:
    """Run each tool once with every field; fields we don't declare are reported, not run."""
    from dissectors import REGISTRY

    extra = list(extra_args)
    known = [f for f in fields if f in REGISTRY]
    if "frame.protocols" not in known:
        known.append("frame.protocols")
    unknown = [f for f in fields if f not in REGISTRY]
    _, theirs_rows = fields_output_tshark(capture, fields, extra)
    ours_rows = fields_output(capture, known, extra)[0]
    ours = {f: [r[j] for r in ours_rows] for j, f in enumerate(known)}
    theirs = {f: [r[j] for r in theirs_rows] for j, f in enumerate(fields)}
    only = frozenset(i + 1 for i, p in enumerate(ours["frame.protocols"])
                     if expected_protocols(p) is not None)
    return FieldTables(ours, theirs, unknown, len(theirs_rows), only)


def fields_output_tshark(capture: str | Path, fields: Sequence[str],
                         extra_args: Iterable[str] = ()) -> tuple[None, list[list[str]]]:
    args = ["-r", str(capture), *extra_args, "-T", "fields"]
    for f in fields:
        args += ["-e", f]
    n = len(fields)
    return None, [(r.split("\t") + [""] * n)[:n] for r in _split_rows(run_tshark(args))]


def list_output(capture: str | Path, extra_args: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """(our packet-list lines, tshark's packet-list lines)."""
    args = ["-r", str(capture), *extra_args]
    rc, out, err = run_analyze(args)
    if rc != 0:
        raise AssertionError(f"analyze {' '.join(args)} exited {rc}: {err}")
    return _split_rows(out), _split_rows(run_tshark(args))


def compare_list(capture: str | Path, extra_args: Iterable[str] = ()) -> list[Mismatch]:
    """Packet-list lines that differ (field name 'line')."""
    extra = list(extra_args)
    ours, theirs = list_output(capture, extra)
    skip = ours_only_frames(capture) if not extra else frozenset()
    out = []
    for i in range(max(len(ours), len(theirs))):
        if i + 1 in skip:
            continue
        a = ours[i] if i < len(ours) else "<no packet>"
        b = theirs[i] if i < len(theirs) else "<no packet>"
        if a != b:
            out.append(Mismatch(i + 1, "line", a, b))
    return out


def our_packets(capture: str | Path) -> list[tuple[str, str]]:
    """(Info, frame.protocols) of every packet, from an in-process dissection."""
    from captures import open_capture
    from dissectors import Session, dissect

    reader = open_capture(str(capture))
    try:
        session = Session()
        out = []
        for frame in reader:
            pkt = dissect(frame, session)
            out.append((pkt.info, ":".join(pkt.protocols)))
        return out
    finally:
        reader.close()


def our_infos(capture: str | Path) -> list[str]:
    return [info for info, _ in our_packets(capture)]


def ours_only_frames(capture: str | Path) -> frozenset[int]:
    """Frames where labshark decodes a protocol tshark lacks (see OUR_ONLY_PROTOCOLS)."""
    return frozenset(i + 1 for i, (_, p) in enumerate(our_packets(capture))
                     if expected_protocols(p) is not None)


def compare_info(capture: str | Path) -> list[Mismatch]:
    """Info column differences (tshark's `_ws.col.Info`)."""
    pk = our_packets(capture)
    ours = [info for info, _ in pk]
    skip = {i + 1 for i, (_, p) in enumerate(pk) if expected_protocols(p) is not None}
    theirs = _split_rows(run_tshark(["-r", str(capture), "-T", "fields", "-e", "_ws.col.Info"]))
    out = []
    for i in range(max(len(ours), len(theirs))):
        if i + 1 in skip:
            continue
        a = ours[i] if i < len(ours) else "<no packet>"
        b = theirs[i] if i < len(theirs) else "<no packet>"
        if a != b:
            out.append(Mismatch(i + 1, "_ws.col.Info", a, b))
    return out


def format_mismatches(ms: Sequence[Mismatch], limit: int = 10) -> str:
    lines = [str(m) for m in ms[:limit]]
    if len(ms) > limit:
        lines.append(f"... and {len(ms) - limit} more")
    return "\n".join(lines)


__all__ = [
    "FieldTables", "Mismatch", "OUR_ONLY_PROTOCOLS", "expected_protocols", "our_packets", "ours_only_frames", "field_tables", "compare_fields", "compare_list", "compare_info", "fields_output", "our_infos",
    "format_mismatches", "in_ci", "list_output", "run_analyze", "run_analyze_subprocess",
    "run_tshark", "run_tshark_full", "tshark_available", "tshark_stderr",
]


@dataclass
class ReportEntry:
    capture: str
    check: str  # a field name, "line" or "_ws.col.Info"
    packets: int
    mismatches: list[Mismatch]


#: Filled by the differential tests; conftest prints it and writes tests/diff_report.txt.
REPORT: list[ReportEntry] = []


def record(capture: str | Path, check: str, packets: int, mismatches: list[Mismatch]) -> None:
    REPORT.append(ReportEntry(Path(capture).name, check, packets, list(mismatches)))


def report_text() -> str:
    """Summary: values compared, and every open mismatch grouped by check."""
    if not REPORT:
        return ""
    total = sum(e.packets for e in REPORT)
    bad = [e for e in REPORT if e.mismatches]
    lines = [f"labshark vs tshark: {total} (field x packet) values compared in {len(REPORT)} "
             f"checks over {len({e.capture for e in REPORT})} captures; "
             f"{sum(len(e.mismatches) for e in bad)} values differ in {len(bad)} checks."]
    undeclared = sorted({e.check for e in bad if e.mismatches[0].frame == 0})
    if undeclared:
        lines.append("\nnot declared in labshark (no packet compared): " + ", ".join(undeclared))
    by_check: dict[str, list[ReportEntry]] = {}
    for e in bad:
        if e.check not in undeclared:
            by_check.setdefault(e.check, []).append(e)
    for check in sorted(by_check):
        lines.append(f"\n{check}:")
        for e in by_check[check]:
            frames = sorted({m.frame for m in e.mismatches})
            shown = ",".join(map(str, frames[:12])) + (",..." if len(frames) > 12 else "")
            lines.append(f"  {e.capture}: {len(e.mismatches)}/{e.packets} differ, frames {shown}")
            m = e.mismatches[0]
            lines.append(f"    first: frame {m.frame} ours={m.ours[:100]!r} "
                         f"tshark={m.theirs[:100]!r}")
    return "\n".join(lines) + "\n"
