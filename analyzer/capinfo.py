"""`analyze --info FILE...`: capinfos 4.0's default report of each capture file (file
type, encapsulation, packet count, sizes, times, rates, hashes, interfaces), one
after the other with a blank line between, as `capinfos FILE...` prints them.

The numbers come from one pass over the frames (captures/open.py); what the file says
about itself (sections, interfaces, names) from captures/fileinfo.py and names.py.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from typing import TextIO

from captures.errors import CaptureError
from captures.fileinfo import FileInfo, InterfaceInfo, file_info
from captures.names import name_records
from captures.open import open_capture
from dissectors.escape import format_str

#: LINKTYPE -> (wiretap encapsulation number, description, short name)
ENCAPS: dict[int, tuple[int, str, str]] = {
    0: (15, "NULL/Loopback", "null"), 1: (1, "Ethernet", "ether"),
    6: (2, "Token Ring", "tr"), 9: (4, "PPP", "ppp"),
    10: (6, "FDDI with bit-swapped MAC addresses", "fddi-swapped"),
    12: (7, "Raw IP", "rawip"), 14: (7, "Raw IP", "rawip"), 101: (7, "Raw IP", "rawip"),
    104: (28, "Cisco HDLC", "chdlc"), 105: (20, "IEEE 802.11 Wireless LAN", "ieee-802-11"),
    107: (26, "Frame Relay", "frelay"), 108: (174, "OpenBSD loopback", "loop"),
    113: (25, "Linux cooked-mode capture v1", "linux-sll"),
    127: (23, "IEEE 802.11 plus radiotap radio header", "ieee-802-11-radiotap"),
    228: (129, "Raw IPv4", "rawip4"), 229: (130, "Raw IPv6", "rawip6"),
    276: (210, "Linux cooked-mode capture v2", "linux-sll2"),
}
_PRECISIONS = ("seconds", "100 milliseconds (deciseconds)", "10 milliseconds (centiseconds)",
               "milliseconds", "100 microseconds", "10 microseconds", "microseconds",
               "100 nanoseconds", "10 nanoseconds", "nanoseconds")
_PAD = " " * 21


def encap(linktype: int) -> tuple[int, str, str]:
    return ENCAPS.get(linktype, (0, "Unknown", "unknown"))


def format_size(size: int, unit: str = "") -> str:
    """wsutil's format_size with SI prefixes: "948 bytes/s", "18 kBps", "149 kbps"."""
    small, prefixed = {"bytes": (" bytes", "B"), "bytes/s": (" bytes/s", "Bps"),
                       "bits/s": (" bits/s", "bps"), "packets/s": (" packets/s", "packets/s"),
                       "": ("", "")}[unit]
    for power, prefix in ((10**15, "P"), (10**12, "T"), (10**9, "G"), (10**6, "M"),
                          (10**3, "k")):
        if size >= power * 10:
            return f"{size // power} {prefix}{prefixed}"
    return f"{size}{small}"


def _tsprec(digits: int) -> str:
    return f"{_PRECISIONS[digits] if 0 <= digits < len(_PRECISIONS) else 'unknown'} ({digits})"


def _tsresol(iface: InterfaceInfo) -> tuple[int, int]:
    """(time precision digits, ticks per second) of an interface."""
    r = 6 if iface.tsresol is None else iface.tsresol
    if r & 0x80:
        ticks = 1 << (r & 0x7F)
        digits = len(str(ticks - 1)) if ticks > 1 else 0
        return min(digits, 9), ticks
    return min(r, 9), 10 ** r


@dataclass
class Totals:
    """What one pass over the frames counts."""

    count: int = 0
    data: int = 0
    first: int | None = None
    last: int | None = None
    first_digits: int = 6
    last_digits: int = 6
    ordered: bool = True
    snap_min: int = 0
    snap_max: int = 0
    per_iface: dict[int, int] = field(default_factory=dict)
    encaps: dict[int, int] = field(default_factory=dict)


def _count(path: str) -> tuple[Totals, object]:
    totals = Totals()
    prev: int | None = None
    with open_capture(path) as reader:
        for fr in reader:
            t = totals
            t.count += 1
            t.data += fr.origlen
            ts = fr.ts_ns
            if t.first is None or ts < t.first:
                t.first, t.first_digits = ts, fr.ts_digits
            if t.last is None or ts > t.last:
                t.last, t.last_digits = ts, fr.ts_digits
            if prev is not None and ts < prev:
                t.ordered = False
            prev = ts
            if fr.caplen < fr.origlen:
                t.snap_min = fr.caplen if not t.snap_max else min(t.snap_min, fr.caplen)
                t.snap_max = max(t.snap_max, fr.caplen)
            t.per_iface[fr.interface_id] = t.per_iface.get(fr.interface_id, 0) + 1
            t.encaps[fr.linktype] = t.encaps.get(fr.linktype, 0) + 1
        meta = (reader.format, getattr(reader._parser, "nanosecond", False),  # noqa: SLF001
                reader.compressed, list(reader.interfaces))
    return totals, meta


def _abs_time(ns: int, digits: int) -> str:
    secs, frac = divmod(ns, 1_000_000_000)
    tm = time.localtime(secs)
    text = time.strftime("%Y-%m-%d %H:%M:%S", tm)
    return f"{text}.{frac // 10 ** (9 - digits):0{digits}d}" if digits else text


def _rel_time(ns: int, digits: int) -> str:
    secs, frac = divmod(ns, 1_000_000_000)
    return (f"{secs}.{frac // 10 ** (9 - digits):0{digits}d} seconds" if digits
            else f"{secs} seconds")


def _hashes(path: str) -> tuple[str, str, str]:
    h256, hrip, h1 = hashlib.sha256(), hashlib.new("ripemd160"), hashlib.sha1()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            for h in (h256, hrip, h1):
                h.update(chunk)
    return h256.hexdigest(), hrip.hexdigest(), h1.hexdigest()


def _interface_lines(iface: InterfaceInfo) -> list[str]:
    num, desc, short = encap(iface.linktype)
    digits, ticks = _tsresol(iface)
    out = []
    if iface.name is not None:
        out.append(f"Name = {iface.name}")
    if iface.description is not None:
        out.append(f"Description = {iface.description}")
    out.append(f"Encapsulation = {desc} ({num} - {short})")
    if iface.speed is not None:
        out.append(f"Speed = {iface.speed}")
    out.append(f"Capture length = {iface.snaplen}")
    if iface.fcslen is not None:
        out.append(f"FCS length = {iface.fcslen}")
    out.append(f"Time precision = {_tsprec(digits)}")
    out.append(f"Time ticks per second = {ticks}")
    if iface.tsresol is not None:
        out.append(f"Time resolution = 0x{iface.tsresol:02x}")
    if iface.filter is not None:
        out += [f"Filter string = {iface.filter}", "BPF filter length = 0"]
    if iface.os is not None:
        out.append(f"Operating system = {iface.os}")
    if iface.comment is not None:
        out.append(f"Comment = {iface.comment}")
    out.append(f"Number of stat entries = {iface.stat_entries}")
    return [_PAD + format_str(line) + "\n" for line in out]


def report(path: str) -> str:
    """capinfos's text for one file (CaptureError when it cannot be read)."""
    totals, meta = _count(path)
    fmt, nanosecond, compressed, ifaces = meta  # type: ignore[misc]
    size = os.path.getsize(path)
    if fmt == "pcapng":
        ftype = "Wireshark/... - pcapng"
        info = file_info(path)
    else:
        ftype = "Wireshark/tcpdump/... - " + ("nanosecond pcap" if nanosecond else "pcap")
        info = FileInfo(interfaces=[InterfaceInfo(i.linktype, i.snaplen,
                                                  tsresol=None) for i in ifaces[:1]])
        if nanosecond and info.interfaces:  # wiretap gives it an if_tsresol of 9
            info.interfaces[0].tsresol = 9
    if compressed:
        ftype += " (gzip compressed)"
    links = {i.linktype for i in info.interfaces}
    out = [f"File name:           {path}\n", f"File type:           {ftype}\n"]
    if len(links) == 1:
        out.append(f"File encapsulation:  {encap(links.pop())[1]}\n")
    elif links:
        out.append("File encapsulation:  Per packet\n")
        out.append("Encapsulation in use by packets (# of pkts):\n")
        for lt, n in sorted(totals.encaps.items(), key=lambda kv: encap(kv[0])[0]):
            out.append(f"{_PAD}{encap(lt)[1]} ({n})\n")
    else:
        out.append("File encapsulation:  Unknown\n")
    file_digits = 9 if nanosecond else 6
    if fmt == "pcapng" and info.interfaces:
        file_digits = _tsresol(info.interfaces[0])[0]
    out.append(f"File timestamp precision:  {_tsprec(file_digits)}\n")
    if fmt != "pcapng" and ifaces and ifaces[0].snaplen:
        out.append(f"Packet size limit:   file hdr: {ifaces[0].snaplen} bytes\n")
    else:
        out.append("Packet size limit:   file hdr: (not set)\n")
    t = totals
    if t.snap_max:
        out.append(f"Packet size limit:   inferred: {t.snap_min} bytes\n" if t.snap_min == t.snap_max
                   else f"Packet size limit:   inferred: {t.snap_min} bytes - {t.snap_max} "
                        "bytes (range)\n")
    out += [f"Number of packets:   {format_size(t.count)}\n",
            f"File size:           {format_size(size, 'bytes')}\n",
            f"Data size:           {format_size(t.data, 'bytes')}\n"]
    if t.first is not None and t.last is not None:
        dur = t.last - t.first
        secs = dur / 1e9
        rate = t.data / secs if secs > 0 else 0.0
        out += [f"Capture duration:    {_rel_time(dur, max(t.first_digits, t.last_digits))}\n",
                f"First packet time:   {_abs_time(t.first, t.first_digits)}\n",
                f"Last packet time:    {_abs_time(t.last, t.last_digits)}\n",
                f"Data byte rate:      {format_size(int(rate), 'bytes/s')}\n",
                f"Data bit rate:       {format_size(int(rate * 8), 'bits/s')}\n"]
    out.append(f"Average packet size: {t.data / t.count if t.count else 0.0:.2f} bytes\n")
    if t.first is not None and t.last is not None:
        secs = (t.last - t.first) / 1e9
        prate = t.count / secs if secs > 0 else 0.0
        out.append(f"Average packet rate: {format_size(int(prate), 'packets/s')}\n")
    sha256, ripemd, sha1 = _hashes(path)
    out += [f"SHA256:              {sha256}\n", f"RIPEMD160:           {ripemd}\n",
            f"SHA1:                {sha1}\n",
            f"Strict time order:   {'True' if t.ordered else 'False'}\n"]
    for sec in info.sections[:1]:
        for label, value in (("Capture hardware:    ", sec.hardware),
                             ("Capture oper-sys:    ", sec.os),
                             ("Capture application: ", sec.application)):
            if value:
                out.append(f"{label}{format_str(value)}\n")
        out += [f"Capture comment:     {format_str(c)}\n" for c in sec.comments if c]
    if info.interfaces:
        out.append(f"Number of interfaces in file: {len(info.interfaces)}\n")
        for i, iface in enumerate(info.interfaces):
            out.append(f"Interface #{i} info:\n")
            out += _interface_lines(iface)
            out.append(f"{_PAD}Number of packets = {t.per_iface.get(i, 0)}\n")
    records = name_records(path) if fmt == "pcapng" else []
    v4 = sum(1 for fam, _, _ in records if fam == 4)
    v6 = len(records) - v4
    if v4:
        out.append(f"Number of resolved IPv4 addresses in file: {v4}\n")
    if v6:
        out.append(f"Number of resolved IPv6 addresses in file: {v6}\n")
    return "".join(out)


def run_info(paths: list[str], out: TextIO, err: TextIO) -> int:
    """Each file's report, a blank line between; 2 when a file could not be read."""
    status = 0
    first = True
    for path in paths:
        try:
            text = report(path)
        except (CaptureError, OSError) as e:
            err.write(f"analyze: {e}\n")
            status = 2
            continue
        if not first:
            out.write("\n")
        out.write(text)
        first = False
    return status
