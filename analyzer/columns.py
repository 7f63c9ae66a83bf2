"""The one-line packet list, laid out as tshark lays out its default columns."""

from __future__ import annotations

import time

from dissectors.packet import Packet

TIME_FORMATS = ("r", "a", "ad", "adoy", "d", "dd", "e", "u", "ud", "udoy")


def _frac(ns: int, digits: int) -> str:
    return f"{ns // 10 ** (9 - digits):0{digits}d}"


def time_column(pkt: Packet, fmt: str) -> str:
    """The Time column in tshark's `-t` format, at the file's own precision."""
    digits = pkt.frame.ts_digits
    if fmt in ("r", "d", "dd"):
        ns = pkt.rel_ns if fmt == "r" else pkt.delta_ns if fmt == "d" else pkt.delta_disp_ns
        sign = "-" if ns < 0 else ""
        ns = abs(ns)
        return f"{sign}{ns // 1_000_000_000}.{_frac(ns % 1_000_000_000, digits)}"
    ts = pkt.frame.ts_ns
    secs, frac = divmod(ts, 1_000_000_000)
    if fmt == "e":
        return f"{secs}.{_frac(frac, digits)}"
    tm = time.gmtime(secs) if fmt.startswith("u") else time.localtime(secs)
    clock = f"{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d}.{_frac(frac, digits)}"
    if fmt in ("a", "u"):
        return clock
    if fmt in ("adoy", "udoy"):
        return f"{tm.tm_year}/{tm.tm_yday:03d} {clock}"
    return f"{tm.tm_year}-{tm.tm_mon:02d}-{tm.tm_mday:02d} {clock}"


#: Wireshark's COL_MAX_INFO_LEN: the Info column holds at most 4095 UTF-8 bytes.
COL_MAX_INFO_LEN = 4096


def info_text(pkt: Packet) -> str:
    """The Info column, cut as tshark's fixed-size column buffer cuts it."""
    info = pkt.info
    if len(info) * 4 < COL_MAX_INFO_LEN:  # cannot be that long in UTF-8
        return info
    raw = info.encode("utf-8")
    if len(raw) < COL_MAX_INFO_LEN:
        return info
    return raw[:COL_MAX_INFO_LEN - 1].decode("utf-8", "ignore")


def packet_line(pkt: Packet, time_fmt: str = "r") -> str:
    """`    1   0.000000     10.0.0.1 → 10.0.0.2     UDP 51 5000 → 6000 Len=9`."""
    t = time_column(pkt, time_fmt)
    return (f"{pkt.frame.number:>5} {t:>10} {pkt.src:>12} \u2192 {pkt.dst:<12} "
            f"{pkt.proto_col} {pkt.frame.origlen} {info_text(pkt)}")


def column_parts(pkt: Packet, time_fmt: str = "r") -> tuple[str, ...]:
    """The seven default columns, unpadded (for colour rendering)."""
    return (str(pkt.frame.number), time_column(pkt, time_fmt), pkt.src, pkt.dst,
            pkt.proto_col, str(pkt.frame.origlen), info_text(pkt))
