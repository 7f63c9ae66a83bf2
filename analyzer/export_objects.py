"""`--export-objects PROTOCOL,DIR`: write the files a protocol carried into DIR.

What a protocol's objects are is the protocol's: its exporter (registered with
`dissectors.offers.register_export_object`, e.g. dissectors/tftp_export.py) takes the
packets one by one and hands each finished object to `ObjectWriter`, which writes it
at once. Fed by the main pass (analyzer/pipeline.py: the exporter sees every dissected
packet, -Y hidden ones too, like a tap); the summary table follows the packets and the
-z reports. Only the objects in progress keep a buffer. File names come from the
packets but are reduced to a bare name inside DIR, so a hostile name such as
`../../etc/passwd` can never write outside it. Objects that end early (error, missing
blocks, capture ends) are written with a `.partial` suffix and reported.
Files are created with O_EXCL|O_NOFOLLOW: an existing regular file gets a `(1)`
suffix, while a symbolic link (dangling or not), a directory or anything else already
in DIR under an object's name makes us skip that one object, with a line saying why.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from dissectors.escape import format_str
from dissectors.offers import EXPORTERS, ExportObject
from dissectors.packet import Packet

SUPPORTED = tuple(EXPORTERS)
_MAX_NAME = 200


class ExportError(Exception):
    """A bad --export-objects argument or an unwritable directory."""



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


class ObjectWriter:
    """Writes each object an exporter hands on into `dest`, and notes its summary row."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.files: list[ExportedFile] = []
        self._taken: set[str] = set()

    def __call__(self, obj: ExportObject) -> None:
        name = safe_name(obj.filename, obj.fallback)
        if obj.note:
            name += ".partial"
        name, skipped = _unique(self.dest, name, self._taken)
        if not skipped:
            if "/" in name or name in (".", ".."):  # safe_name makes bare names only
                raise ExportError(f"refusing to write {name!r} outside {self.dest}")
            self._taken.add(name)
            skipped = _write_new(self.dest / name, obj.data)
        self.files.append(ExportedFile(obj.frame, obj.host, obj.content_type, len(obj.data),
                                       name, not obj.note, obj.note, skipped))


class ObjectExport:
    """One `--export-objects PROTOCOL,DIR`: the protocol's exporter feeding a writer.
    Takes packets one by one (`packet`), `close()` at the end; `files` the summary."""

    def __init__(self, proto: str, dest: Path) -> None:
        self.spec = EXPORTERS[proto]
        self.writer = ObjectWriter(dest)
        self.exporter = self.spec.exporter(self.writer)
        self.files = self.writer.files

    def packet(self, pkt: Packet) -> None:
        self.exporter.packet(pkt)

    def close(self) -> None:
        self.exporter.close()


class ObjectsExport:
    """The --export-objects sink of analyzer.pipeline: every dissected packet of the
    main pass goes to the protocol's exporter (no second read of the capture); `close`
    writes what is still open and prints the summary table after the packets.

    A directory that cannot be created is reported at `close` too, after the packets,
    as when the export was a pass of its own."""

    def __init__(self, spec: str, out: TextIO) -> None:
        proto, self.dest = parse_spec(spec)
        self.out = out
        self.error: ExportError | None = None
        self.exporter: ObjectExport | None = None
        try:
            self.dest.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            self.error = ExportError(f"cannot create {self.dest}: {e.strerror}")
            return
        self.exporter = ObjectExport(proto, self.dest)

    def packet(self, pkt: Packet) -> None:
        if self.exporter is not None:
            self.exporter.packet(pkt)

    def close(self) -> list[ExportedFile]:
        if self.error is not None or self.exporter is None:
            raise self.error or ExportError("nothing to export")
        self.exporter.close()
        write_table(self.exporter.files, self.dest, self.out, self.exporter.spec.title)
        return self.exporter.files


def write_table(files: list[ExportedFile], dest: Path, out: TextIO, title: str) -> None:
    """The summary: one row per file written, like Wireshark's Export Objects list."""
    written = [f for f in files if not f.skipped]
    n_bad = sum(1 for f in written if not f.complete)
    n_skip = len(files) - len(written)
    out.write(f"{title} export objects: {len(written)} file(s) written to {os.fspath(dest)}"
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
