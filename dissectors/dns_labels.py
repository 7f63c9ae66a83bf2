"""DNS names (RFC 1035 4.1.4): labels, compression pointers, extended labels, as
tshark 4.0 reads and shows them. Shared by DNS, mDNS, LLMNR and NetBIOS (NBNS)."""

from __future__ import annotations

from dissectors.escape import format_text
from dissectors.tvb import ReportedBoundsError, Tvb

ROOT_NAME = "<Root>"
LOOP_NAME = "<Name contains a pointer that loops>"


def get_name(tvb: Tvb, off: int, msg_start: int) -> tuple[str, int]:
    """(name, bytes used at `off`), following compression pointers, loop-safe.

    The name as tshark 4.0 shows it: the raw labels joined by dots, then format_text."""
    raw, used = get_raw_name(tvb, off, msg_start)
    return (raw if isinstance(raw, str) else format_text(raw)), used


def get_raw_name(tvb: Tvb, off: int, msg_start: int) -> tuple[bytes | str, int]:
    """(the labels' bytes joined by dots, or <Root> / the loop text; bytes used)."""
    labels: list[bytes] = []
    used = -1
    cur = off
    processed = 0
    limit = tvb.rend - msg_start  # more pointer hops than message bytes = a loop
    while True:
        ln = tvb.u8(cur)
        kind = ln & 0xC0
        if kind == 0xC0:
            ptr = ((ln & 0x3F) << 8) | tvb.u8(cur + 1)
            if used < 0:
                used = cur + 2 - off
            processed += 2
            if processed >= limit:
                return LOOP_NAME, used
            cur = msg_start + ptr
            continue
        if kind != 0:
            # tshark 4.0 (probed): a reserved (0x80) or bit-string (0x41) label is a
            # malformed packet; another extended label (0x40) stands for the whole name.
            if kind == 0x80 or ln == 0x41:
                raise ReportedBoundsError()
            if used < 0:
                used = cur + 1 - off
            if used < 2:  # (packet-dns.c: shorter than the shortest name, malformed)
                raise ReportedBoundsError()
            return b"<Unknown extended label>", used
        cur += 1
        processed += 1
        if ln == 0:
            break
        raw = tvb.bytes(cur, ln)
        labels.append(raw)
        cur += ln
        processed += ln
        if processed >= limit:
            return LOOP_NAME, (used if used >= 0 else cur - off)
    if used < 0:
        used = cur - off
    name = b".".join(labels)
    return (name or ROOT_NAME), used


def label_count(raw: bytes | str) -> int:
    """tshark 4.0 counts the dots of the joined name (a dot inside a label counts too)."""
    if raw == ROOT_NAME:
        return 1
    return (raw.count(b".") if isinstance(raw, bytes) else raw.count(".")) + 1
