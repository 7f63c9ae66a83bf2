"""Names a capture file carries itself: the records of pcapng Name Resolution Blocks.

Read apart from the packets (only `-z hosts` and `--info` want them) through
captures/fileinfo.py's block scan; a pcap file has none.
"""

from __future__ import annotations

import ipaddress
import os
import struct

from captures.fileinfo import scan_blocks

_NRB = 4


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
    out: list[tuple[int, str, str]] = []
    for btype, body, endian in scan_blocks(path):
        if btype == _NRB:
            out.extend(_records(body, endian))
    return out
