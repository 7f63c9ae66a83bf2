"""The fast path of `analyze`: filter a pcap file's records without dissecting them.

Taken when the question is only "which frames match" (`-T fields -e frame.number`,
or `-q`), the file is a plain Ethernet pcap, and the filter names only fields the
fast path reads exactly (filters/fastpath.py). Otherwise `run_fast` returns None and
the full pipeline runs. Exactness is kept per packet: a record the cheap layering
pass is unsure of is dissected fully (same Session, so conversations and reassembly
stay whole), and libpcap's BPF pre-selects in C only a superset of the matches.
"""

from __future__ import annotations

import mmap
import os
import struct
from typing import Any, TextIO

from captures.frame import Frame
from captures.pcap import MAGICS, MAX_PACKET
from dissectors import Session, dissect
from dissectors.layers import FRAGMENT, ethernet_layers, fragment_layers
from filters.fastpath import UNSURE, FastFilter, NotFast, classify_udp, compile_fast

_PRINTABLE = ("frame.number",)
_LINKTYPE_ETHERNET = 1
_FCS_PRESENT = 0x04000000
_PORTS = struct.Struct(">HH").unpack_from
_DROP_EVERY = 32 << 20


def eligible(opts: Any, fields: list[str] | None) -> bool:
    """Whether the options ask only for matching frame numbers (or nothing) from a file."""
    if opts.two_pass or opts.verbose or opts.hex or opts.count or opts.write or \
            opts.export_objects or opts.decode_as or getattr(opts, "stats", None):
        return False
    if opts.output == "fields":
        return bool(fields) and all(f in _PRINTABLE for f in fields) and not opts.field_opts
    return bool(opts.quiet) and opts.output == "text"


def _pcap_header(mm: mmap.mmap) -> tuple[str, int] | None:
    """(endianness, ts multiplier) of a plain Ethernet pcap without FCS, else None."""
    if len(mm) < 24 or mm[:4] not in MAGICS:
        return None
    endian, nano = MAGICS[mm[:4]]
    major, = struct.unpack_from(endian + "H", mm, 4)
    network, = struct.unpack_from(endian + "I", mm, 20)
    if major != 2 or network & _FCS_PRESENT or network & 0x0FFFFFFF != _LINKTYPE_ETHERNET:
        return None
    return endian, (1 if nano else 1000)


def _prefilter(path: str, tree: Any) -> Any:
    """Record end offsets libpcap's BPF keeps (a superset of the matches), or None."""
    from filters.prefilter import superset_bpf

    text = superset_bpf(tree)
    if text is None:
        return None
    try:
        from captures.bpf import BpfError, offline_matches

        return offline_matches(path, text)
    except (BpfError, OSError):
        return None


def run_fast(opts: Any, path: str, tree: Any, full_match: Any, fields: list[str] | None,
             out: TextIO) -> int | None:
    """Print matching frame numbers; None when this path does not apply (nothing printed).

    Returns the number of the first record it could not walk (a broken record) + 0,
    i.e. 0 when the whole file was done; the caller lets the full reader report it.
    """
    if not eligible(opts, fields):
        return None
    try:
        flt = compile_fast(tree) if tree is not None else None
    except NotFast:
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        if not os.path.isfile(path) or os.fstat(fd).st_size < 24:
            return None
        mm = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
    finally:
        os.close(fd)
    try:
        head = _pcap_header(mm)
        if head is None:
            return None
        ends = _prefilter(path, tree) if tree is not None else None
        quiet = opts.output != "fields"
        return _walk(mm, head, flt, full_match, ends, out, quiet)
    finally:
        mm.close()


def _walk(mm: mmap.mmap, head: tuple[str, int], flt: FastFilter | None, full_match: Any,
          ends: Any, out: TextIO, quiet: bool) -> int:
    """Decide every record (or those in `ends`) in file order, printing matches."""
    endian, mult = head
    rec_hdr = struct.Struct(endian + "IIII").unpack_from
    caplen_at = struct.Struct(endian + "I").unpack_from
    session = Session()
    layers = ethernet_layers
    match = flt.match if flt is not None else None
    needs_app = flt.needs_app if flt is not None else False
    needs_layers = flt.needs_layers if flt is not None else False
    # A completing fragment's datagram is rebuilt for header fields; the frame's own
    # bytes and payload claims (which may need full dissection) take the full path.
    rebuild = flt is not None and not flt.reads_frame and not flt.needs_app
    size = len(mm)
    off = 24
    number = 0
    lines: list[str] = []
    emit = lines.append
    digits = 6 if mult == 1000 else 9

    def full(number: int, start: int, caplen: int, origlen: int, ts_ns: int) -> bool:
        frame = Frame(number, ts_ns, digits, caplen, origlen, _LINKTYPE_ETHERNET, 0,
                      memoryview(mm)[start: start + caplen], start - 16)
        return bool(full_match(dissect(frame, session)))

    def decide(number: int, o: int) -> bool:
        if match is None:
            return True
        sec, frac, caplen, origlen = rec_hdr(mm, o)
        s = o + 16
        e = s + caplen
        if not needs_layers:
            return match((mm, s, e, None, number, origlen, None))
        buf: Any = mm
        lay = layers(mm, s, e, s + origlen)
        if lay is not None and lay[3] == FRAGMENT:
            got = fragment_layers(mm, s, lay, session, number, rebuild)
            if got is None:
                lay = None
            else:
                buf, lay = got
                if buf is not mm:
                    s, e = 0, caplen
        app = None
        if lay is not None and needs_app:
            if lay[2] == 17 and lay[3] >= 0 or lay[6] is not None:
                app = classify_udp(session, buf, lay)
                if app is UNSURE:
                    lay = None
            elif lay[2] == 6 and lay[3] >= 0 and 2425 in _PORTS(buf, lay[3]):
                lay = None  # IPMSG over TCP: segments need the full TCP dissection
        if lay is None:
            return full(number, o + 16, caplen, origlen,
                        sec * 1_000_000_000 + frac * mult)
        return match((buf, s, e, lay, number, origlen, app))

    # Mapped file pages count as our resident memory: drop those already walked.
    drop_at = _DROP_EVERY

    def drop(upto: int) -> None:
        nonlocal drop_at
        if hasattr(mm, "madvise"):
            mm.madvise(mmap.MADV_DONTNEED, 0, upto - upto % mmap.PAGESIZE)
        drop_at = upto + _DROP_EVERY

    if ends is None:
        while off + 16 <= size:
            if off >= drop_at:
                drop(off)
            caplen = caplen_at(mm, off + 8)[0]
            if caplen > MAX_PACKET or off + 16 + caplen > size:
                break
            number += 1
            if decide(number, off) and not quiet:
                emit(f"{number}\n")
                if len(lines) >= 4096:
                    out.write("".join(lines))
                    lines.clear()
            off += 16 + caplen
    else:
        it = iter(ends)
        nxt = next(it, -1)
        while off + 16 <= size:
            if off >= drop_at:
                drop(off)
            caplen = caplen_at(mm, off + 8)[0]
            end = off + 16 + caplen
            if caplen > MAX_PACKET or end > size:
                break
            number += 1
            if end == nxt:
                nxt = next(it, -1)
                if decide(number, off) and not quiet:
                    emit(f"{number}\n")
                    if len(lines) >= 4096:
                        out.write("".join(lines))
                        lines.clear()
            off = end
    out.write("".join(lines))
    if off < size:
        return number + 1  # a record the walk could not take: the full reader reports it
    return 0


__all__ = ["run_fast", "eligible"]
