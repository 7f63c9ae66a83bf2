"""The one-line packet list, laid out as tshark lays out its default columns.

Dissectors escape the packet text they put in Info (format_text, as Wireshark's do);
format_str here is the safety net that keeps any raw control out of a terminal (it
leaves escaped text unchanged)."""

from __future__ import annotations

from analyzer.output.formats import TIME_FORMATS  # noqa: F401 - (re-exported: its old home)
from dissectors.escape import format_str
from dissectors.format import NS, local_tm, rel_time_str, utc_tm
from dissectors.packet import Packet


def time_column(pkt: Packet, fmt: str) -> str:
    """The Time column in tshark's `-t` format, at the file's own precision: blank
    where the date cannot be had (tshark's gmtime/localtime failing)."""
    digits = pkt.frame.ts_digits
    if fmt in ("r", "d", "dd"):
        ns = pkt.rel_ns if fmt == "r" else pkt.delta_ns if fmt == "d" else pkt.delta_disp_ns
        return rel_time_str(ns, digits)
    secs, frac = divmod(pkt.frame.ts_ns, NS)
    frac_txt = f".{frac // 10 ** (9 - digits):0{digits}d}" if digits else ""
    if fmt == "e":
        # tshark prints the seconds through a double (difftime): "%.0f".
        return f"{float(secs):.0f}{frac_txt}"
    if fmt.startswith("u"):
        tm = utc_tm(secs)
    else:
        got = local_tm(secs)
        tm = got[0] if got is not None else None
    if tm is None:
        return ""
    year, month, day, hour, minute, sec, yday = tm
    clock = f"{hour:02d}:{minute:02d}:{sec:02d}{frac_txt}"
    if fmt in ("a", "u"):
        return clock
    if fmt in ("adoy", "udoy"):
        return f"{year:04d}/{yday:03d} {clock}"
    return f"{year:04d}-{month:02d}-{day:02d} {clock}"


# Wireshark's COL_MAX_INFO_LEN: the Info column holds at most 4095 bytes of UTF-8.
COL_MAX_INFO_LEN = 4096


def info_text(pkt: Packet) -> str:
    """The Info column as printed: escaped, and cut to 4095 bytes as tshark cuts it
    (tshark may cut inside a character; we drop that character's partial bytes)."""
    info = format_str(pkt.info)
    if len(info) * 4 < COL_MAX_INFO_LEN:
        return info
    raw = info.encode("utf-8", "surrogatepass")
    if len(raw) < COL_MAX_INFO_LEN:
        return info
    return raw[:COL_MAX_INFO_LEN - 1].decode("utf-8", "ignore")


def packet_line(pkt: Packet, time_fmt: str = "r", sep: str = " ") -> str:
    """`    1   0.000000     10.0.0.1 → 10.0.0.2     UDP 51 5000 → 6000 Len=9`; `-T tabs`
    (sep a tab) keeps the padding and puts a tab between the columns and round the arrow."""
    t = time_column(pkt, time_fmt)
    return (f"{pkt.frame.number:>5}{sep}{t:>10}{sep}{pkt.src:>12}{sep}\u2192{sep}"
            f"{pkt.dst:<12}{sep}{pkt.proto_col}{sep}{pkt.frame.origlen}{sep}{info_text(pkt)}")


def column_parts(pkt: Packet, time_fmt: str = "r") -> tuple[str, ...]:
    """The seven default columns, unpadded (for colour rendering)."""
    return (str(pkt.frame.number), time_column(pkt, time_fmt), pkt.src, pkt.dst,
            pkt.proto_col, str(pkt.frame.origlen), info_text(pkt))
