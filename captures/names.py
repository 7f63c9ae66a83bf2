"""Names a capture file carries itself: the records of pcapng Name Resolution Blocks.

Read apart from the packets (only `-z hosts` wants them): a plain scan of the blocks,
gzip or not; a pcap file has none. A damaged block ends the scan quietly, since the
packet reader reports the damage itself.
"""

from __future__ import annotations

import gzip
import ipaddress
import os
import struct
from typing import BinaryIO

from captures.open import _open_file

_SHB = 0x0A0D0D0A
_NRB = 4
_MAX_BLOCK = 16 * 1024 * 1024


def _records(body: bytes, endian: str) -> list[tuple[int, str, str]]:
    out = []
    pos = 0
    while pos + 4 <= len(body):
        rtype, rlen = struct.unpack_from(endian + "HH", body, pos)
        if rtype == 0:
            break
        value = body[pos + 4: pos + 4 + rlen]
        size = {1: 4, 2: 16}.get(rtype)
        if size is not None and len(value) > size:
            addr = ipaddress.ip_address(value[:size])
            names = value[size:].split(b"\0")
            if names and names[0]:
                out.append((4 if size == 4 else 6, str(addr),
                            names[0].decode("utf-8", "replace")))
        pos += 4 + rlen + (-rlen % 4)
    return out


def name_records(path: str | os.PathLike[str]) -> list[tuple[int, str, str]]:
    """(4 or 6, address, its first name) of every NRB record, in file order."""
    if os.fspath(path) == "-":
        return []
    raw: BinaryIO = _open_file(path)
    out: list[tuple[int, str, str]] = []
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
            if btype == _SHB:
                bom = f.read(4)
                endian = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
                blen = struct.unpack_from(endian + "I", head, 4)[0]
                rest = f.read(blen - 12) if 12 <= blen <= _MAX_BLOCK else b""
            else:
                btype, blen = struct.unpack_from(endian + "II", head)
                if blen < 12 or blen > _MAX_BLOCK:
                    break
                rest = f.read(blen - 8)
            if len(rest) < blen - (12 if btype == _SHB else 8):
                break
            if btype == _NRB:
                out.extend(_records(rest[:-4], endian))
    except (OSError, EOFError, ValueError, struct.error):
        pass  # the packet reader names the problem
    finally:
        raw.close()
    return out
