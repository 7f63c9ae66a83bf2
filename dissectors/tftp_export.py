"""`--export-objects tftp,DIR`: the files TFTP transfers carry, registered by tftp.py.

Follows each transfer through the packets one by one (what tftp.py keeps in
`pkt.proto_data`, read through `tftp_transfer`); only the transfers in progress keep a
buffer, and each file is handed to the writer and dropped as soon as its last block is
seen. A netascii file is converted back to local text (CR LF -> LF, CR NUL -> CR).
Transfers that end early (error, missing blocks, capture ends) are handed on with the
reason, which the writer shows and marks in the name (`.partial`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dissectors.format import ipv4_str, ipv6_str
from dissectors.offers import ExportObject
from dissectors.packet import Packet

_NETASCII = re.compile(rb"\r(\n|\0)")


def tftp_transfer(pkt: Packet) -> tuple[Any, int | None, tuple[int, bytes, bool] | None]:
    """What this packet did in its TFTP transfer: the transfer's conversation
    (tftp_transfers.TftpConversation), the opcode, and for DATA (block, payload, is last)."""
    data = pkt.proto_data
    return data.get("tftp.conv"), data.get("tftp.opcode"), data.get("tftp.data")


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


def _addr(raw: bytes) -> str:
    if len(raw) == 4:
        return ipv4_str(int.from_bytes(raw, "big"))
    if len(raw) == 16:
        return ipv6_str(raw)
    return raw.hex()


class TftpExporter:
    """Follows TFTP transfers through dissected packets and emits their files."""

    def __init__(self, emit: Callable[[ExportObject], None]) -> None:
        self.emit = emit
        self.transfers: dict[object, _Transfer] = {}

    def packet(self, pkt: Packet) -> None:
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
        """Hand on what the transfers still open at the end of the capture received."""
        for t in self.transfers.values():
            if t.got_data:
                self._finish(t, t.broken or "capture ended before the last block")
        self.transfers.clear()

    def _finish(self, t: _Transfer, why: str) -> None:
        data = bytes(t.buf)
        t.buf = bytearray()
        if t.mode == "netascii":
            data = _NETASCII.sub(lambda m: b"\n" if m.group(1) == b"\n" else b"\r", data)
        ctype = "netascii" if t.mode == "netascii" else "application/octet-stream"
        self.emit(ExportObject(t.last_frame, t.host, ctype, data, t.name,
                               f"tftp-object-{t.last_frame}", t.broken or why))
