"""What a capture file says about itself, apart from its packets: the pcapng blocks'
options (section: hardware, OS, application, comments; interface: name, description,
time resolution, filter, OS, FCS length, statistics blocks) for `analyze --info`.

A plain scan of the blocks, gzip or not, like captures/names.py's (which reads its
Name Resolution Blocks through `scan_blocks`); a damaged block ends the scan quietly,
since the packet reader reports the damage itself.
"""

from __future__ import annotations

import gzip
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from captures.open import _open_file

SHB = 0x0A0D0D0A
IDB = 1
ISB = 5
_MAX_BLOCK = 16 * 1024 * 1024


@dataclass
class InterfaceInfo:
    """One IDB's fields and options (None: the option is absent)."""

    linktype: int
    snaplen: int
    name: str | None = None
    description: str | None = None
    speed: int | None = None
    tsresol: int | None = None
    filter: str | None = None
    os: str | None = None
    fcslen: int | None = None
    comment: str | None = None
    stat_entries: int = 0


@dataclass
class SectionInfo:
    hardware: str | None = None
    os: str | None = None
    application: str | None = None
    comments: list[str] = field(default_factory=list)


@dataclass
class FileInfo:
    sections: list[SectionInfo] = field(default_factory=list)
    interfaces: list[InterfaceInfo] = field(default_factory=list)


def scan_blocks(path: str | os.PathLike[str]) -> Iterator[tuple[int, bytes, str]]:
    """(block type, body without the trailing length, byte order) of each pcapng
    block; nothing for a pcap file or stdin."""
    if os.fspath(path) == "-":
        return
    raw: BinaryIO = _open_file(path)
    try:
        f: BinaryIO = raw
        if raw.read(2) == b"\x1f\x8b":
            raw.seek(0)
            f = gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
        else:
            raw.seek(0)
        endian = "<"
        while True:
            head = f.read(8)
            if len(head) < 8:
                break
            btype = struct.unpack_from("<I", head)[0]
            if btype == SHB:
                bom = f.read(4)
                endian = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
                blen = struct.unpack_from(endian + "I", head, 4)[0]
                rest = bom + f.read(blen - 12) if 12 <= blen <= _MAX_BLOCK else b""
            else:
                btype, blen = struct.unpack_from(endian + "II", head)
                if blen < 12 or blen > _MAX_BLOCK:
                    break
                rest = f.read(blen - 8)
            if len(rest) < blen - 8:
                break
            yield btype, rest[:-4], endian
    except (OSError, EOFError, ValueError, struct.error):
        pass  # the packet reader names the problem
    finally:
        raw.close()


def _options(body: bytes, pos: int, endian: str) -> Iterator[tuple[int, bytes]]:
    while pos + 4 <= len(body):
        code, length = struct.unpack_from(endian + "HH", body, pos)
        if code == 0:
            break
        yield code, body[pos + 4: pos + 4 + length]
        pos += 4 + length + (-length % 4)


def _text(v: bytes) -> str:
    return v.rstrip(b"\0").decode("utf-8", "replace")


def file_info(path: str | os.PathLike[str]) -> FileInfo:
    """The sections and interfaces of a pcapng file (empty for pcap)."""
    info = FileInfo()
    for btype, body, e in scan_blocks(path):
        if btype == SHB:
            sec = SectionInfo()
            for code, v in _options(body, 16, e):
                if code == 1:
                    sec.comments.append(_text(v))
                elif code == 2:
                    sec.hardware = _text(v)
                elif code == 3:
                    sec.os = _text(v)
                elif code == 4:
                    sec.application = _text(v)
            info.sections.append(sec)
        elif btype == IDB and len(body) >= 8:
            linktype, _, snaplen = struct.unpack_from(e + "HHI", body, 0)
            iface = InterfaceInfo(linktype, snaplen)
            for code, v in _options(body, 8, e):
                if code == 1 and iface.comment is None:
                    iface.comment = _text(v)
                elif code == 2:
                    iface.name = _text(v)
                elif code == 3:
                    iface.description = _text(v)
                elif code == 8 and len(v) >= 8:
                    iface.speed = struct.unpack_from(e + "Q", v)[0]
                elif code == 9 and v:
                    iface.tsresol = v[0]
                elif code == 11 and v:
                    iface.filter = _text(v[1:]) if v[0] == 0 else None
                elif code == 12:
                    iface.os = _text(v)
                elif code == 13 and v:
                    iface.fcslen = v[0]
            info.interfaces.append(iface)
        elif btype == ISB and len(body) >= 4:
            ifid = struct.unpack_from(e + "I", body, 0)[0]
            if ifid < len(info.interfaces):
                info.interfaces[ifid].stat_entries += 1
    return info
