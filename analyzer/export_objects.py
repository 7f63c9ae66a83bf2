"""`--export-objects tftp,DIR`: write the files carried by TFTP transfers into DIR.

Fed by the main pass (analyzer/pipeline.py: the exporter sees every dissected packet,
-Y hidden ones too, like a tap); the summary table follows the packets and the -z
reports. Only the transfers in progress keep a buffer, and each buffer is written and
dropped as soon as its last block is seen. File names come from the
request but are reduced to a bare name inside DIR, so a hostile name such as
`../../etc/passwd` can never write outside it. Transfers that end early (error,
missing blocks, capture ends) are written with a `.partial` suffix and reported.
Files are created with O_EXCL|O_NOFOLLOW: an existing regular file gets a `(1)`
suffix, while a symbolic link (dangling or not), a directory or anything else already
in DIR under an object's name makes us skip that one object, with a line saying why.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from dissectors.escape import format_str
from dissectors.format import ipv4_str, ipv6_str
from dissectors.tftp import tftp_transfer

SUPPORTED = ("tftp",)
_MAX_NAME = 200
_NETASCII = re.compile(rb"\r(\n|\0)")


class ExportError(Exception):
    """A bad --export-objects argument or an unwritable directory."""


@dataclass(eq=False)
class _Transfer:
    name: str
    mode: str
    host: str
    next_block: int = 1
    buf: bytearray = field(default_factory=bytearray)
    last_frame: int = 0
    got_data: bool = False
    broken: str = ""  # why the transfer is incomplete, "" while it looks fine


@dataclass
class ExportedFile:
    """One line of the summary table."""

    frame: int
    host: str
    content_type: str
    size: int
    filename: str
    complete: bool
    note: str = ""
    skipped: str = ""  # why the file was not written ("" when it was)


def parse_spec(spec: str) -> tuple[str, Path]:
    """`tftp,DIR` -> ("tftp", Path(DIR)); tshark's `--export-objects <protocol>,<destdir>`."""
    proto, sep, dest = spec.partition(",")
    if not sep or not dest:
        raise ExportError(f'Invalid --export-objects argument "{spec}": expected PROTOCOL,DIR')
    proto = proto.strip().lower()
    if proto not in SUPPORTED:
        raise ExportError(f'"{proto}" is not a valid export objects protocol '
                          f'(supported: {", ".join(SUPPORTED)})')
    return proto, Path(dest)


def safe_name(raw: str, fallback: str) -> str:
    """A bare file name from a request's path: no directories, no control characters."""
    base = re.split(r"[/\\]", raw)[-1]
    base = "".join(ch if ch.isprintable() and ch != "\ufffd" else "_" for ch in base)
    base = base.strip()
    if base in ("", ".", ".."):
        base = fallback
    elif base.startswith("."):
        base = "_" + base[1:]  # no hidden files
    return base[:_MAX_NAME]


def _blocker(path: Path) -> str:
    """Why `path` can't be used for a new file ("" if nothing is there, "file" if a
    regular file is, which a suffixed name avoids)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return ""
    except OSError as e:
        return f"cannot be checked ({e.strerror})"
    if stat.S_ISREG(st.st_mode):
        return "file"
    if stat.S_ISLNK(st.st_mode):
        return "is a symbolic link"
    if stat.S_ISDIR(st.st_mode):
        return "is a directory"
    return "is not a regular file"


def _unique(dest: Path, name: str, taken: set[str]) -> tuple[str, str]:
    """(`name` or `stem(N).ext` when a regular file holds it, "") or (name, why not)."""
    why = "" if name in taken else _blocker(dest / name)
    if why not in ("", "file"):
        return name, why
    if not why and name not in taken:
        return name, ""
    stem, dot, ext = name.rpartition(".")
    if not stem:
        stem, dot, ext = name, "", ""
    for i in range(1, 10_000):
        cand = f"{stem}({i}){dot}{ext}"
        if cand not in taken and not _blocker(dest / cand):
            return cand, ""
    return name, "has too many namesakes in the directory"


def _write_new(path: Path, data: bytes) -> str:
    """Create `path` (never through a symlink, never over anything); "" or why not."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as e:
        if e.errno == errno.EEXIST:
            return _blocker(path) or "appeared while writing"
        return f"could not be created ({e.strerror})"
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except OSError as e:
        try:
            os.unlink(path)  # ours (O_EXCL made it), and incomplete
        except OSError:
            pass
        return f"could not be written ({e.strerror})"
    return ""


def _addr(raw: bytes) -> str:
    if len(raw) == 4:
        return ipv4_str(int.from_bytes(raw, "big"))
    if len(raw) == 16:
        return ipv6_str(raw)
    return raw.hex()


class TftpExporter:
    """Follows TFTP transfers through dissected packets and writes their files."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.transfers: dict[object, _Transfer] = {}
        self.files: list[ExportedFile] = []
        self._taken: set[str] = set()

    def packet(self, pkt) -> None:  # noqa: ANN001 - dissectors.packet.Packet
        conv, op, got = tftp_transfer(pkt)
        if conv is None:
            return
        frame = pkt.frame.number
        t = self.transfers.get(conv)
        if op in (1, 2):
            if t is not None and t.got_data:
                self._finish(t, "new request on the same ports")
            name = conv.source_file if conv.source_file is not None else conv.destination_file
            self.transfers[conv] = _Transfer(name or "", conv.mode.lower(),
                                             _addr(conv.server_addr), last_frame=frame)
            return
        if t is None:
            return
        if op == 5:
            t.last_frame = frame
            if t.got_data:
                self._finish(t, "ended by an ERROR packet")
            del self.transfers[conv]
            return
        if op != 3 or got is None or t.broken:
            return
        block, payload, is_last = got
        if block < t.next_block:
            return  # a retransmission
        t.got_data = True
        t.last_frame = frame
        if block > t.next_block:
            t.broken = f"blocks {t.next_block}-{block - 1} missing"
            return
        t.buf += payload
        t.next_block += 1
        if is_last:
            self._finish(t, "")
            del self.transfers[conv]

    def close(self) -> None:
        """Write what the transfers still open at the end of the capture received."""
        for t in self.transfers.values():
            if t.got_data:
                self._finish(t, t.broken or "capture ended before the last block")
        self.transfers.clear()

    def _finish(self, t: _Transfer, why: str) -> None:
        why = t.broken or why
        data = bytes(t.buf)
        t.buf = bytearray()
        if t.mode == "netascii":
            data = _NETASCII.sub(lambda m: b"\n" if m.group(1) == b"\n" else b"\r", data)
        name = safe_name(t.name, f"tftp-object-{t.last_frame}")
        if why:
            name += ".partial"
        name, skipped = _unique(self.dest, name, self._taken)
        if not skipped:
            if "/" in name or name in (".", ".."):  # safe_name makes bare names only
                raise ExportError(f"refusing to write {name!r} outside {self.dest}")
            self._taken.add(name)
            skipped = _write_new(self.dest / name, data)
        ctype = "netascii" if t.mode == "netascii" else "application/octet-stream"
        self.files.append(ExportedFile(t.last_frame, t.host, ctype, len(data), name, not why,
                                       why, skipped))


class ObjectsExport:
    """The --export-objects sink of analyzer.pipeline: every dissected packet of the
    main pass goes to the protocol's exporter (no second read of the capture); `close`
    writes what is still open and prints the summary table after the packets.

    A directory that cannot be created is reported at `close` too, after the packets,
    as when the export was a pass of its own."""

    def __init__(self, spec: str, out: TextIO) -> None:
        _proto, self.dest = parse_spec(spec)
        self.out = out
        self.error: ExportError | None = None
        self.exporter: TftpExporter | None = None
        try:
            self.dest.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            self.error = ExportError(f"cannot create {self.dest}: {e.strerror}")
            return
        self.exporter = TftpExporter(self.dest)

    def packet(self, pkt) -> None:  # noqa: ANN001 - dissectors.packet.Packet
        if self.exporter is not None:
            self.exporter.packet(pkt)

    def close(self) -> list[ExportedFile]:
        if self.error is not None or self.exporter is None:
            raise self.error or ExportError("nothing to export")
        self.exporter.close()
        write_table(self.exporter.files, self.dest, self.out)
        return self.exporter.files


def write_table(files: list[ExportedFile], dest: Path, out: TextIO) -> None:
    """The summary: one row per file written, like Wireshark's Export Objects list."""
    written = [f for f in files if not f.skipped]
    n_bad = sum(1 for f in written if not f.complete)
    n_skip = len(files) - len(written)
    out.write(f"TFTP export objects: {len(written)} file(s) written to {os.fspath(dest)}"
              f"{f', {n_bad} incomplete' if n_bad else ''}"
              f"{f', {n_skip} skipped' if n_skip else ''}\n")
    if not files:
        return
    out.write(f"{'Packet':>7}  {'Hostname':<39}  {'Content Type':<24}  {'Size':>10}  Filename\n")
    for f in files:
        status = f"  [incomplete: {f.note}]" if not f.complete else ""
        if f.skipped:
            status = f"  [not written: {os.path.join(dest, f.filename)} {f.skipped}]"
        host, ctype = format_str(f.host), format_str(f.content_type)  # packet text
        out.write(f"{f.frame:>7}  {host:<39}  {ctype:<24}  {f.size:>10}  "
                  f"{f.filename}{status}\n")
