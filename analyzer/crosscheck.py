"""`analyze --cross-check FILE [-Y EXPR]`: the same capture through tshark, packet by packet.

A student (or the lead) wants to know where labshark and Wireshark disagree, on any
field, not on a list somebody chose. tshark's side comes through pyshark: its
`FileCapture(use_json=True)` packets (tshark's `-T json --no-duplicate-keys`) give every
field tshark shows, nested subtrees included; ours is the same layout from our own
`-T json` writer, so values compare as strings. A field is compared when both tools
know its name (our registry and `tshark -G fields`); a field only one side knows (NFS,
NTP, which we leave as data; IPMSG, which tshark leaves as data) is counted, not compared.
The Protocol and Info columns and the `-Y` matches come from `tshark -T fields`, because
pyshark 0.6's summary (PSML) reader returns one packet of a tshark 4.0 capture.
Where labshark decodes more (IPMSG on udp 2425) the differences that follow from it are
listed as expected, not as disagreement.
"""

from __future__ import annotations

import json
import subprocess
from typing import TYPE_CHECKING, Any, TextIO

from dissectors.escape import format_str

if TYPE_CHECKING:
    from analyzer.job import Job

COLUMNS = ("_ws.col.Protocol", "_ws.col.Info")
MAX_LINES = 20
EXIT_AGREE, EXIT_DIFFER, EXIT_UNAVAILABLE = 0, 1, 2

#: One packet: field name -> its values in tree order ("" for a valueless item).
Row = dict[str, list[str]]


class CrossCheckUnavailable(Exception):
    """tshark or pyshark is missing or fails: one line for the user, exit 2."""


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


def _tshark_text(tshark: str, args: list[str]) -> str:
    try:
        res = subprocess.run([tshark, *args], capture_output=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise CrossCheckUnavailable(f"--cross-check: running tshark failed ({e})") from None
    if res.returncode != 0:
        msg = next((ln for ln in res.stderr.decode(errors="replace").splitlines()
                    if ln.strip() and "Running as user" not in ln), "")
        raise CrossCheckUnavailable(f"--cross-check: tshark failed (exit {res.returncode}): "
                                    f"{msg}".rstrip(": "))
    return res.stdout.decode("utf-8", errors="replace")


def tshark_names(tshark: str) -> set[str]:
    """Every protocol and field name tshark knows (`tshark -G fields`)."""
    names = set()
    for line in _tshark_text(tshark, ["-G", "fields"]).splitlines():
        parts = line.split("\t")
        if len(parts) > 2 and parts[0] in ("F", "P"):
            names.add(parts[2])
    return names


def _decode_args(specs: list[str]) -> list[str]:
    return [a for s in specs for a in ("-d", s)]


def tshark_columns(tshark: str, path: str, display_filter: str | None, specs: list[str]
                   ) -> tuple[dict[int, Row], set[int] | None]:
    """Per frame, tshark's Protocol and Info columns; the -Y matches (or None)."""
    base = ["-n", "-r", path, *_decode_args(specs)]
    rows: dict[int, Row] = {}
    cols = [a for c in COLUMNS for a in ("-e", c)]
    for line in _tshark_text(tshark, [*base, "-T", "fields", "-e", "frame.number", *cols]
                             ).split("\n"):
        if line:
            n, *vals = line.split("\t")
            rows[int(n)] = {c: [v] for c, v in zip(COLUMNS, vals, strict=False)}
    matched = None
    if display_filter:
        text = _tshark_text(tshark, [*base, "-Y", display_filter, "-T", "fields",
                                     "-e", "frame.number"])
        matched = {int(x) for x in text.split()}
    return rows, matched


def flatten(layers: dict[str, Any], row: Row) -> None:
    """tshark's JSON layers (either tool's) into `row`: subtrees (`x_tree`) opened,
    arrays (--no-duplicate-keys) spread, an object-valued item kept as ""."""
    for key, val in layers.items():
        for v in val if isinstance(val, list) else [val]:
            if isinstance(v, dict):
                if not key.endswith("_tree"):
                    row.setdefault(key, []).append("")
                flatten(v, row)
            else:
                row.setdefault(key.removesuffix("_tree"), []).append(
                    "" if v is None else str(v))


def tshark_fields(tshark: str, path: str, specs: list[str]) -> dict[int, Row]:
    """Per frame, every field tshark shows, read through pyshark's JSON packets."""
    import pyshark

    rows: dict[int, Row] = {}
    cap = pyshark.FileCapture(path, use_json=True, keep_packets=False, tshark_path=tshark,
                              custom_parameters=_decode_args(specs))
    try:
        for pkt in cap:
            layers: dict[str, Any] = {"frame": _layer_dict(pkt.frame_info)}
            for layer in pkt.layers:
                for one in (layer, *layer.duplicate_layers):
                    layers.setdefault(one.layer_name, []).append(_layer_dict(one))
            row: Row = {}
            flatten(layers, row)
            rows[int(pkt.number)] = row
    except CrossCheckUnavailable:
        raise
    except Exception as e:  # pyshark wraps tshark's failures in many exception types
        raise CrossCheckUnavailable(f"--cross-check: pyshark could not read {path} "
                                    f"({type(e).__name__}: {e})") from None
    finally:
        cap.close()
        _release_child_watcher()
    return rows


def _release_child_watcher() -> None:
    """pyshark attaches asyncio's SafeChildWatcher (a SIGCHLD handler writing to the
    loop's wake-up pipe) and leaves it: every later child exit in this process would
    write to a pipe nobody reads. Detach it once tshark is done."""
    import asyncio
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the watcher API, 3.12+
        try:
            asyncio.get_child_watcher().close()
            asyncio.set_child_watcher(None)
        except (NotImplementedError, RuntimeError, AttributeError):
            pass


def _layer_dict(layer: Any) -> Any:
    """A pyshark JsonLayer's own dict (its `_all_fields`: tshark's JSON object as parsed);
    a layer whose JSON value is not an object keeps that value."""
    fields = getattr(layer, "_all_fields", None)
    if fields is None:
        raise CrossCheckUnavailable("--cross-check: this pyshark version keeps no JSON "
                                    "fields (tested with pyshark 0.6)")
    return fields if fields else getattr(layer, "value", {})


class OurRows:
    """The cross-check's sink of analyzer.pipeline: every packet as the same shape as
    tshark's side (our -T json fields and the two columns); which -Y matches; which
    frames we decode as IPMSG."""

    def __init__(self, display_filter: str | None) -> None:
        from filters import compile_filter

        self.match = compile_filter(display_filter).match if display_filter else None
        self.rows: dict[int, Row] = {}
        self.matched: set[int] | None = set() if self.match is not None else None
        self.ipmsg: set[int] = set()

    def packet(self, pkt: Any) -> None:
        from analyzer.output.fields import COLUMN_FIELDS
        from analyzer.output.json_ek import dumps
        from analyzer.output.packet_list import column_parts

        n = len(self.rows) + 1
        parts = column_parts(pkt)
        row: Row = {c: [parts[COLUMN_FIELDS.index(c)]] for c in COLUMNS}
        flatten(json.loads(dumps(pkt, no_dup=True))["_source"]["layers"], row)
        self.rows[n] = row
        if "ipmsg" in pkt.protocols:
            self.ipmsg.add(n)
        if self.match is not None and self.matched is not None and self.match(pkt):
            self.matched.add(n)

    def close(self) -> None:
        """Nothing to write: run_cross_check reads the rows."""


def our_table(path: str, display_filter: str | None, decode_as: Any = None
              ) -> tuple[dict[int, Row], set[int] | None, set[int]]:
    """Ours, the same shape as tshark's: every field of our -T json and the two
    columns; the -Y matches; the frames we decode as IPMSG."""
    from analyzer.job import Job
    from analyzer.pipeline import FileSource, Sinks, run_job

    ours = OurRows(display_filter)
    # labshark's own items (*.labshark.*): nothing to compare, so left out
    job = Job(read_file=path, decode_table=decode_as or {}, only_tshark=True)
    run_job(job, FileSource(path), Sinks(every=[ours]))
    return ours.rows, ours.matched, ours.ipmsg


def _ipmsg_expected(name: str) -> bool:
    """What follows from decoding udp 2425 as IPMSG where tshark sees data."""
    return name in ("match", "frame.protocols", *COLUMNS) or name == "data" \
        or name.startswith("data.")


def compare(ours: dict[int, Row], theirs: dict[int, Row], shared: set[str],
            our_match: set[int] | None, their_match: set[int] | None, ipmsg: set[int]
            ) -> tuple[list[str], list[str], set[int]]:
    """(difference lines, expected-difference lines, frames that really differ); only
    names in `shared` (and the columns) are compared."""
    diffs: list[str] = []
    expected: list[str] = []
    differ: set[int] = set()

    def note(n: int, what: str, a: str, b: str) -> None:
        line = f"frame {n}: {what}: labshark={_short(a)} tshark={_short(b)}"
        if n in ipmsg and _ipmsg_expected(what):
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
        for name in sorted((a.keys() | b.keys()) & shared):
            x, y = a.get(name), b.get(name)
            if x != y:
                note(n, name, "(absent)" if x is None else ",".join(x),
                     "(absent)" if y is None else ",".join(y))
    return diffs, expected, differ


def _short(value: str, width: int = 60) -> str:
    """A value for the report: escaped (tshark's -T fields keeps controls), then cut."""
    value = format_str(value)
    return value if len(value) <= width else value[:width - 3] + "..."


def _names_seen(rows: dict[int, Row]) -> set[str]:
    return {k for r in rows.values() for k in r}


def run_cross_check(job: Job, out: TextIO, err: TextIO, decode_as: Any = None) -> int:
    """Print the summary and the differences; 0 agree, 1 differ, 2 cannot check."""
    from dissectors.registry import REGISTRY

    path = job.cross_check or ""
    specs = list(job.decode_as)
    try:
        tshark = find_tshark()
        known = tshark_names(tshark)
        columns, their_match = tshark_columns(tshark, path, job.filter, specs)
        fields = tshark_fields(tshark, path, specs)
    except CrossCheckUnavailable as e:
        err.write(f"analyze: {e}\n")
        return EXIT_UNAVAILABLE
    theirs = {n: {**columns.get(n, {}), **fields.get(n, {})} for n in columns.keys() | fields}
    ours, our_match, ipmsg = our_table(path, job.filter, decode_as)
    shared = {n for n in REGISTRY.fields if n in known} | set(COLUMNS)
    diffs, expected, differ = compare(ours, theirs, shared, our_match, their_match, ipmsg)
    seen_ours, seen_theirs = _names_seen(ours), _names_seen(theirs)
    compared = len((seen_ours | seen_theirs) & shared) - len(COLUMNS)
    only_t = sorted(n for n in seen_theirs - shared if n in known)
    only_o = sorted(n for n in seen_ours - shared if n in REGISTRY.fields)
    total = len(set(ours) | set(theirs))
    out.write(f"{total} packets, {len(differ)} differ"
              + (f", {len(expected)} expected differences" if expected else "") + "\n")
    out.write(f"compared: the Protocol and Info columns and {compared} fields both decode"
              + (f"; not compared: {len(only_t)} only tshark decodes ({_some(only_t)})"
                 if only_t else "")
              + (f"; {len(only_o)} only labshark decodes ({_some(only_o)})" if only_o else "")
              + "\n")
    for line in diffs[:MAX_LINES]:
        out.write(line + "\n")
    if len(diffs) > MAX_LINES:
        out.write(f"... and {len(diffs) - MAX_LINES} more differences\n")
    for line in expected[:MAX_LINES]:
        out.write(line + "\n")
    if len(expected) > MAX_LINES:
        out.write(f"... and {len(expected) - MAX_LINES} more expected differences\n")
    return EXIT_DIFFER if differ else EXIT_AGREE


def _some(names: list[str], n: int = 4) -> str:
    return ", ".join(names[:n]) + (", ..." if len(names) > n else "")
