"""`-z tcp,rtt[,STREAM]`: labshark's round-trip-time table for a TCP stream, as the TCP
lab computes it (not a tshark statistic).

For every data segment (payload > 0), in frame order and per direction: the first
ACK from the other side that covers it (ack >= its next sequence number), SampleRTT
= ACK time - send time, and RFC 6298's estimators: the first sample sets
EstimatedRTT = R and DevRTT = R/2; each later one sets DevRTT = (1 - beta) DevRTT +
beta |EstimatedRTT - R| (with the old EstimatedRTT), then EstimatedRTT = (1 - alpha)
EstimatedRTT + alpha R, alpha = 1/8, beta = 1/4; RTO = EstimatedRTT + 4 DevRTT (RFC
6298's 1 s floor and clock granularity left out, so the numbers stay the lab's).
Karn's rule: a segment sent more than once gives no sample. A segment never ACKed in
the capture has none either. SampleRTT of a segment whose ACK acknowledges exactly
it equals tshark's `tcp.analysis.ack_rtt` on that ACK.
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.stats.taps import TapArgError, register
from analyzer.stats.tcp_segments import Segment, StreamCollector

ALPHA = 0.125
BETA = 0.25
_RULE = "=" * 100 + "\n"
_HEAD = ("Frame", "Direction", "Seq", "Len", "Sent", "ACK frame", "Acked", "SampleRTT",
         "EstimatedRTT", "DevRTT", "RTO")


@dataclass(frozen=True)
class RttRow:
    frame: int
    direction: str
    seq: int
    length: int
    sent: float
    ack_frame: int | None
    acked: float | None
    sample: float | None  # seconds; None: no sample (unacked or retransmitted)
    estimated: float | None
    dev: float | None
    rto: float | None


def rtt_rows(segs: list[Segment]) -> list[RttRow]:
    """The table of one stream's segments (see the module docstring)."""
    sent_ranges: dict[tuple[str, int, int], int] = {}
    for s in segs:
        if s.length > 0:
            key = (s.src, s.seq, s.nxtseq)
            sent_ranges[key] = sent_ranges.get(key, 0) + 1
    state: dict[str, tuple[float, float]] = {}  # direction -> (srtt, rttvar)
    rows = []
    for i, s in enumerate(segs):
        if s.length <= 0:
            continue
        ack = next((a for a in segs[i + 1:] if a.src == s.dst and a.ack is not None
                    and (a.ack - s.nxtseq) % (1 << 32) < (1 << 31)), None)
        direction = f"{s.src} -> {s.dst}"
        retransmitted = sent_ranges[(s.src, s.seq, s.nxtseq)] > 1
        sample = None if ack is None or retransmitted else ack.time - s.time
        est = dev = None
        if sample is not None:
            if direction not in state:
                est, dev = sample, sample / 2
            else:
                old_est, old_dev = state[direction]
                dev = (1 - BETA) * old_dev + BETA * abs(old_est - sample)
                est = (1 - ALPHA) * old_est + ALPHA * sample
            state[direction] = (est, dev)
        elif direction in state:
            est, dev = state[direction]
        rows.append(RttRow(s.frame, direction, s.seq, s.length, s.time,
                           None if ack is None else ack.frame,
                           None if ack is None else ack.time, sample, est, dev,
                           None if est is None or dev is None else est + 4 * dev))
    return rows


def _secs(v: float | None) -> str:
    return "-" if v is None else f"{v:.6f}"


def cells(row: RttRow) -> list[str]:
    """One row's cells, as the text and the rich table show them."""
    return [str(row.frame), row.direction, str(row.seq), str(row.length), _secs(row.sent),
            "-" if row.ack_frame is None else str(row.ack_frame), _secs(row.acked),
            _secs(row.sample), _secs(row.estimated), _secs(row.dev), _secs(row.rto)]


class RttTap(StreamCollector):
    """One `-z tcp,rtt[,STREAM]` table (every stream when none is given)."""

    def __init__(self, arg: str) -> None:
        rest = arg[len("tcp,rtt"):]
        stream: int | None = None
        if rest:
            if not rest.startswith(",") or not rest[1:].isdigit():
                raise TapArgError('invalid "-z tcp,rtt[,<stream>]" argument')
            stream = int(rest[1:])
        super().__init__(stream)

    def tables(self) -> list[tuple[int, list[RttRow]]]:
        return [(n, rtt_rows(segs)) for n, segs in sorted(self.streams.items())]

    def rich_rows(self) -> list[tuple]:
        """(title, columns, rows, caption) of the terminal tables (rich_tables.py)."""
        if not self.streams:
            raise ValueError("no stream: the plain text says so")
        return [(f"TCP round-trip times: stream {n}", _HEAD, [cells(r) for r in rows],
                 f"RFC 6298, alpha {ALPHA}, beta {BETA}; seconds") for n, rows in self.tables()]

    def text(self) -> str:
        out = []
        for n, rows in self.tables():
            table = [list(_HEAD)] + [cells(r) for r in rows]
            widths = [max(len(r[j]) for r in table) for j in range(len(_HEAD))]
            out += [_RULE, f"TCP round-trip times: stream {n} "
                    f"(RFC 6298, alpha {ALPHA}, beta {BETA}; seconds)\n"]
            for r in table:
                out.append("  ".join(c.ljust(w) if j == 1 else c.rjust(w)
                                     for j, (c, w) in enumerate(zip(r, widths, strict=True)))
                           .rstrip() + "\n")
            out.append(_RULE)
        if not out:
            out = [_RULE, "TCP round-trip times: no TCP stream"
                   + (f" {self.stream}" if self.stream is not None else "") + "\n", _RULE]
        return "".join(out)


def _report(taps: list[RttTap]) -> str:
    return "".join(t.text() for t in reversed(taps))


register("tcp,rtt", lambda args: [RttTap(a) for a in args], _report, ("tcp,rtt",),
         per_tap=True)
