"""The unit every reader yields and every writer takes: one captured record."""

from __future__ import annotations

from dataclasses import dataclass

_TIME_T = 1 << 64


def wrap_secs(secs: int) -> int:
    """Seconds as wiretap's 64-bit time_t holds them (wrapping like C arithmetic)."""
    if -(1 << 63) <= secs < (1 << 63):
        return secs
    secs %= _TIME_T
    return secs - _TIME_T if secs >> 63 else secs


@dataclass(slots=True, init=False)
class Frame:
    """One captured packet as it sits in the capture file.

    `data` is the record's own bytes (pcap.py: a slice that dissection uses as it is) or
    a memoryview into the reader's buffer (pcapng, the mapped readers: no copy); keep a
    Frame only as long as it is needed, readers never hold a list of frames.

    (`__init__` is written out, and holds the defaults: compiled, a dataclass's
    generated one is Python code that sets each attribute through its descriptor, ~15
    generic sets a record.)
    """

    number: int  # 1-based, in file order
    ts_ns: int  # absolute time, integer nanoseconds since the epoch
    ts_digits: int  # the file's time resolution in decimal digits (6 for µs, 9 for ns)
    caplen: int  # bytes present in `data`
    origlen: int  # length on the wire
    linktype: int  # LINKTYPE_* of the interface the frame came from
    interface_id: int
    data: memoryview | bytes
    file_offset: int  # byte offset of the record header in the (decompressed) file
    comment: str | None
    # The file names the interface (pcapng, live): tshark shows frame.interface_id then,
    # and leaves it out for classic pcap.
    interface_known: bool
    section: int  # pcapng section number (1-based), 0 when the format has none
    interface_name: str | None
    interface_description: str | None
    flags: int | None  # pcapng epb_flags (direction, reception type, link errors)
    # Decryption Secrets Blocks read just before this frame: (secrets type, data) each.
    secrets: tuple[tuple[int, bytes], ...] | None

    def __init__(self, number: int, ts_ns: int, ts_digits: int, caplen: int, origlen: int,
                 linktype: int, interface_id: int, data: memoryview | bytes,
                 file_offset: int = 0, comment: str | None = None,
                 interface_known: bool = False, section: int = 0,
                 interface_name: str | None = None, interface_description: str | None = None,
                 flags: int | None = None,
                 secrets: tuple[tuple[int, bytes], ...] | None = None) -> None:
        self.number = number
        self.ts_ns = ts_ns
        self.ts_digits = ts_digits
        self.caplen = caplen
        self.origlen = origlen
        self.linktype = linktype
        self.interface_id = interface_id
        self.data = data
        self.file_offset = file_offset
        self.comment = comment
        self.interface_known = interface_known
        self.section = section
        self.interface_name = interface_name
        self.interface_description = interface_description
        self.flags = flags
        self.secrets = secrets
