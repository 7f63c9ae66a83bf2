"""`analyze --cross-check FILE [-Y EXPR]`: the same capture through tshark, packet by packet.

A student (or the lead) wants to know where labshark and Wireshark disagree. pyshark
locates tshark (its usual search: PATH, the configured path, the standard install
places); the capture is read once by `tshark -T fields`, so tshark's values are
formatted exactly as ours (`analyzer.fields_output.FieldsPrinter`) and can be compared
as strings. Where labshark decodes more (IPMSG on udp 2425, which tshark shows as
UDP/data) the column differences are listed as expected, not as disagreement.
"""

from __future__ import annotations

import subprocess
from typing import Any, TextIO

#: Fields compared on every packet (each side prints "" when it has none).
FIELDS = ("frame.len", "eth.src", "eth.dst", "ip.src", "ip.dst", "ip.proto", "ip.ttl",
          "ipv6.src", "ipv6.dst", "udp.srcport", "udp.dstport", "udp.length",
          "tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq", "tcp.ack", "tcp.stream",
          "dns.qry.name", "dns.id", "tftp.opcode", "tftp.block", "tftp.source_file",
          "http.request.method", "icmp.type")
COLUMNS = ("_ws.col.Protocol", "_ws.col.Info")
#: Differences on these, on a packet labshark decodes as IPMSG, are expected.
_IPMSG_EXPECTED = {"_ws.col.Protocol", "_ws.col.Info", "match"}
MAX_LINES = 20
EXIT_AGREE, EXIT_DIFFER, EXIT_UNAVAILABLE = 0, 1, 2


class CrossCheckUnavailable(Exception):
    """tshark or pyshark is missing: one line for the user, exit 2."""


def find_tshark() -> str:
    """tshark's path, found the way pyshark finds it."""
    try:
        from pyshark.tshark.tshark import TSharkNotFoundException, get_process_path
    except ImportError:
        raise CrossCheckUnavailable("--cross-check needs pyshark (pip install pyshark)"
                                    ) from None
    try:
        return str(get_process_path())
    except TSharkNotFoundException:
        raise CrossCheckUnavailable("--cross-check needs tshark (install Wireshark's "
                                    "tshark, e.g. apt-get install tshark)") from None


def _tshark_lines(tshark: str, path: str, args: list[str]) -> list[list[str]]:
    cmd = [tshark, "-n", "-r", path, *args]
    try:
        res = subprocess.run(cmd, capture_output=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise CrossCheckUnavailable(f"--cross-check: running tshark failed ({e})") from None
    if res.returncode != 0:
        msg = next((ln for ln in res.stderr.decode(errors="replace").splitlines()
                    if ln.strip() and "Running as user" not in ln), "")
        raise CrossCheckUnavailable(f"--cross-check: tshark failed (exit {res.returncode}): "
                                    f"{msg}".rstrip(": "))
    text = res.stdout.decode("utf-8", errors="replace")
    return [ln.split("\t") for ln in text.split("\n") if ln]


def tshark_table(tshark: str, path: str, names: list[str], display_filter: str | None
                 ) -> tuple[dict[int, list[str]], set[int] | None]:
    """Per frame number, tshark's `-T fields` values of `names`; the -Y matches (or None)."""
    rows = {int(r[0]): r[1:] for r in
            _tshark_lines(tshark, path, ["-T", "fields", "-e", "frame.number",
                                         *(a for n in names for a in ("-e", n))])}
    matched = None
    if display_filter:
        matched = {int(r[0]) for r in _tshark_lines(
            tshark, path, ["-Y", display_filter, "-T", "fields", "-e", "frame.number"])}
    return rows, matched


def our_table(path: str, names: list[str], display_filter: str | None, decode_as: Any = None
              ) -> tuple[dict[int, list[str]], set[int] | None, set[int]]:
    """Ours, the same shape as tshark_table, plus the frames we decode as IPMSG."""
    from analyzer.fields_output import FieldsPrinter
    from analyzer.options import parse_field_opts
    from captures import open_capture
    from dissectors import Session, dissect
    from filters import compile_filter

    match = compile_filter(display_filter).match if display_filter else None
    printer = FieldsPrinter(list(names), parse_field_opts([]))
    rows: dict[int, list[str]] = {}
    matched: set[int] | None = set() if match is not None else None
    ipmsg: set[int] = set()
    reader = open_capture(path)
    try:
        session = Session(decode_as=decode_as or {})
        for n, frame in enumerate(reader, 1):
            pkt = dissect(frame, session)
            rows[n] = printer.line(pkt).split("\t")
            if "ipmsg" in pkt.protocols:
                ipmsg.add(n)
            if match is not None and matched is not None and match(pkt):
                matched.add(n)
    finally:
        reader.close()
    return rows, matched, ipmsg


def compare(ours: dict[int, list[str]], theirs: dict[int, list[str]], names: list[str],
            our_match: set[int] | None, their_match: set[int] | None, ipmsg: set[int]
            ) -> tuple[list[str], list[str], set[int]]:
    """(difference lines, expected-difference lines, frames that really differ)."""
    diffs: list[str] = []
    expected: list[str] = []
    differ: set[int] = set()

    def note(n: int, what: str, a: str, b: str) -> None:
        line = f"frame {n}: {what}: labshark={a} tshark={b}"
        if n in ipmsg and what in _IPMSG_EXPECTED:
            expected.append(line + " (expected: labshark decodes IPMSG)")
        else:
            diffs.append(line)
            differ.add(n)

    for n in sorted(set(ours) | set(theirs)):
        a, b = ours.get(n), theirs.get(n)
        if a is None or b is None:
            note(n, "frame", "present" if a is not None else "missing",
                 "present" if b is not None else "missing")
            continue
        if our_match is not None and their_match is not None \
                and (n in our_match) != (n in their_match):
            note(n, "match", "yes" if n in our_match else "no",
                 "yes" if n in their_match else "no")
        b = b + [""] * (len(names) - len(b))
        for name, x, y in zip(names, a, b, strict=False):
            if x != y:
                note(n, name, x, y)
    return diffs, expected, differ


def run_cross_check(opts: Any, out: TextIO, err: TextIO, decode_as: Any = None) -> int:
    """Print the summary and the differences; 0 agree, 1 differ, 2 cannot check."""
    path = opts.cross_check
    try:
        tshark = find_tshark()
        names = [*COLUMNS, *FIELDS]
        theirs, their_match = tshark_table(tshark, path, names, opts.filter)
    except CrossCheckUnavailable as e:
        err.write(f"analyze: {e}\n")
        return EXIT_UNAVAILABLE
    ours, our_match, ipmsg = our_table(path, names, opts.filter, decode_as)
    diffs, expected, differ = compare(ours, theirs, names, our_match, their_match, ipmsg)
    total = len(set(ours) | set(theirs))
    out.write(f"{total} packets, {len(differ)} differ"
              + (f", {len(expected)} expected differences" if expected else "") + "\n")
    for line in diffs[:MAX_LINES]:
        out.write(line + "\n")
    if len(diffs) > MAX_LINES:
        out.write(f"... and {len(diffs) - MAX_LINES} more differences\n")
    for line in expected[:MAX_LINES]:
        out.write(line + "\n")
    if len(expected) > MAX_LINES:
        out.write(f"... and {len(expected) - MAX_LINES} more expected differences\n")
    return EXIT_DIFFER if differ else EXIT_AGREE
