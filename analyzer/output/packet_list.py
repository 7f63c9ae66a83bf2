"""The one-line packet list, laid out as tshark lays out its default columns.

Dissectors escape the packet text they put in Info (format_text, as Wireshark's do);
format_str here is the safety net that keeps any raw control out of a terminal (it
leaves escaped text unchanged)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from analyzer.output.formats import TIME_FORMATS  # noqa: F401 - (re-exported: its old home)
from dissectors.escape import format_str, printable
from dissectors.packet import Packet
from dissectors.time_text import NS, local_tm, rel_time_str, utc_tm


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
    clock = clock_text(secs, fmt)
    return "" if clock is None else clock + frac_txt


def clock_text(secs: int, fmt: str) -> str | None:
    """An absolute `-t` format's text for whole second `secs` (the fraction follows);
    None where the date cannot be had."""
    if fmt.startswith("u"):
        tm = utc_tm(secs)
    else:
        got = local_tm(secs)
        tm = got[0] if got is not None else None
    if tm is None:
        return None
    year, month, day, hour, minute, sec, yday = tm
    clock = f"{hour:02d}:{minute:02d}:{sec:02d}"
    if fmt in ("a", "u"):
        return clock
    if fmt in ("adoy", "udoy"):
        return f"{year:04d}/{yday:03d} {clock}"
    return f"{year:04d}-{month:02d}-{day:02d} {clock}"


# Wireshark's COL_MAX_INFO_LEN: the Info column holds at most 4095 bytes of UTF-8.
COL_MAX_INFO_LEN: Final = 4096


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


#: 10 ** (9 - digits): nanoseconds per printed unit, by the file's time precision.
_UNIT: Final[tuple[int, ...]] = tuple(10 ** (9 - d) for d in range(10))
_REL_MAX: Final = (1 << 63) * NS
#: Below this every relative time is (a native int's range: checked first)
_SMALL: Final = 1 << 60
#: n spaces / zeros at [n]: the list's padding as one look-up (compiled, rjust, ljust and
#: zfill are generic method calls; the widest column pads to 12).
_SPACES: Final[tuple[str, ...]] = tuple(" " * n for n in range(13))
_ZEROS: Final[tuple[str, ...]] = tuple("0" * n for n in range(10))


def _pad(text: str, width: int) -> str:
    """The spaces that pad `text` to `width` (str.rjust's and ljust's)."""
    n = width - len(text)
    return _SPACES[n] if n > 0 else ""


def _pad_n(length: int, width: int) -> str:
    """The spaces that pad a text of `length` characters to `width`."""
    n = width - length
    return _SPACES[n] if n > 0 else ""


def line_writer(write: Callable[[str], Any], time_fmt: str = "r",
                sep: str = " ") -> Callable[[Packet], None]:
    """write(packet_line(pkt, time_fmt, sep) + "\n") as one function for a whole run:
    the list's hot path (a line a packet), with the default relative time formatted
    inline (rel_time_str's common case) and info_text's checks done once for clean text."""
    rel = time_fmt == "r"
    clock = time_fmt in ("a", "ad", "adoy", "u", "ud", "udoy")
    last: list[Any] = [None, None]  # (whole second, its clock text): one a second
    arrow = f"{sep}\u2192{sep}"

    def line(pkt: Packet) -> None:
        frame = pkt.frame
        if rel:
            ns = pkt.rel_ns
            digits = frame.ts_digits
            # (compiled: `ns < _SMALL` is a native compare where _REL_MAX is a boxed big
            # int, and // and * are native where divmod is a generic call and a tuple)
            if 0 <= ns and (ns < _SMALL or ns < _REL_MAX) and 0 < digits <= 9:
                secs = ns // NS
                secs_txt = str(secs)
                digits_txt = str((ns - secs * NS) // _UNIT[digits])  # (< 10 ** digits)
                # the time's text, padded to 10, written straight into the line
                info = pkt.info
                if not info.isprintable() or len(info) * 4 >= COL_MAX_INFO_LEN:
                    info = info_text(pkt)
                number = str(frame.number)
                src = pkt.src
                dst = pkt.dst
                write(f"{_pad(number, 5)}{number}{sep}"
                      f"{_pad_n(len(secs_txt) + 1 + digits, 10)}{secs_txt}."
                      f"{_ZEROS[digits - len(digits_txt)]}{digits_txt}{sep}"
                      f"{_pad(src, 12)}{src}{arrow}{dst}{_pad(dst, 12)}{sep}{pkt.proto_col}"
                      f"{sep}{frame.origlen}{sep}{info}\n")
                return
            t = rel_time_str(ns, digits)
        elif clock and 0 <= frame.ts_digits <= 9:
            secs, frac = divmod(frame.ts_ns, NS)
            if secs != last[0]:
                last[0], last[1] = secs, clock_text(secs, time_fmt)
            digits = frame.ts_digits
            t = "" if last[1] is None else last[1] + (
                f".{frac // _UNIT[digits]:0{digits}d}" if digits else "")
        else:
            t = time_column(pkt, time_fmt)
        info = pkt.info
        if not printable(info) or len(info) * 4 >= COL_MAX_INFO_LEN:
            info = info_text(pkt)
        # (padding looked up, not format specs: compiled, a spec is a str.format call
        # that parses its format each time, and rjust/ljust are method calls)
        number = str(frame.number)
        src = pkt.src
        dst = pkt.dst
        write(f"{_pad(number, 5)}{number}{sep}{_pad(t, 10)}{t}{sep}{_pad(src, 12)}{src}"
              f"{arrow}{dst}{_pad(dst, 12)}{sep}{pkt.proto_col}{sep}{frame.origlen}{sep}"
              f"{info}\n")
    return line


def column_parts(pkt: Packet, time_fmt: str = "r") -> tuple[str, ...]:
    """The seven default columns, unpadded (for colour rendering)."""
    return (str(pkt.frame.number), time_column(pkt, time_fmt), pkt.src, pkt.dst,
            pkt.proto_col, str(pkt.frame.origlen), info_text(pkt))
