"""The Python API: what `analyze` does, for scripts, notebooks and pcap regression tests.

    from analyzer import open_capture

    cap = open_capture("captures/samples/tftp_rrq.pcap")
    cap.filter("tftp.opcode == 3").count()             # -> 3
    for p in cap.filter("tftp"):
        print(p.number, p.protocol, p.info, p.fields["tftp.block"])
    open_capture("captures/samples/lab.pcap", filter="udp").fields("frame.number", "ip.src")
    # -> [("9", "192.168.56.10"), ("10", "192.168.56.1"), ...]

A Capture is a recipe (file, filter, Decode-As, two passes), not a loaded list: every
iteration reads the file again, so memory stays flat whatever its size. Field values
are the text `-T fields` prints (tshark's format), all occurrences in a list.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dissectors.packet import Packet

if TYPE_CHECKING:
    from analyzer.job import Job


@dataclass(frozen=True)
class CapturedPacket:
    """One dissected packet, as the packet list and `-T fields` show it."""

    number: int
    time: float  # seconds since the first packet (the Time column)
    source: str
    destination: str
    protocol: str
    length: int
    info: str
    layers: tuple[str, ...]  # frame.protocols, e.g. ("eth", "ethertype", "ip", "udp", "tftp")
    line: str  # the packet-list line, as `analyze FILE` prints it
    _packet: Packet = field(repr=False, compare=False)

    @property
    def fields(self) -> _Fields:
        return _Fields(self._packet)

    def __getitem__(self, name: str) -> str | None:
        """The first value of field `name` (tshark's text), None when absent."""
        vals = self.fields.get(name)
        return vals[0] if vals else None

    def has(self, name: str) -> bool:
        return name in self._packet.index


class _Fields:
    """field abbrev -> every occurrence's text (what `-T fields -E occurrence=a` prints)."""

    def __init__(self, pkt: Packet) -> None:
        self._pkt = pkt

    def get(self, name: str, default: list[str] | None = None) -> list[str] | None:
        from dissectors.format import field_text

        items = self._pkt.index.get(name)
        if not items:
            return default
        return [field_text(i.field, i.value) for i in items]

    def __getitem__(self, name: str) -> list[str]:
        return self.get(name) or []

    def __contains__(self, name: str) -> bool:
        return name in self._pkt.index

    def keys(self) -> list[str]:
        return list(self._pkt.index)


class Capture:
    """A capture file seen through a display filter (see the module docstring)."""

    def __init__(self, path: str, display_filter: str | None = None,
                 decode_as: list[str] | None = None, two_pass: bool = False) -> None:
        self.path = str(path)
        self.display_filter = display_filter
        self.decode_as = list(decode_as or [])
        self.two_pass = two_pass
        self._match = None
        if display_filter:
            from filters import compile_filter

            self._match = compile_filter(display_filter).match  # FilterError if invalid

    def filter(self, expr: str) -> Capture:
        """The packets of this capture that also match `expr`."""
        combined = f"({self.display_filter}) and ({expr})" if self.display_filter else expr
        return Capture(self.path, combined, self.decode_as, self.two_pass)

    def job(self) -> Job:
        """This recipe as a Job of analyzer.pipeline (what `analyze` would run)."""
        from analyzer.job import Job
        from analyzer.setup import _decode_as
        from filters import compile_filter

        flt = compile_filter(self.display_filter) if self.display_filter else None
        return Job(read_file=self.path, two_pass=self.two_pass, filter=self.display_filter,
                   display_filter=flt, decode_as=list(self.decode_as),
                   decode_table=_decode_as(self.decode_as))

    def __iter__(self) -> Iterator[CapturedPacket]:
        from analyzer.output.packet_list import packet_line
        from analyzer.pipeline import FileSource, packets

        job = self.job()
        for pkt in packets(job, FileSource(self.path, self.two_pass)):
            frame = pkt.frame
            yield CapturedPacket(frame.number, pkt.rel_ns / 1e9, pkt.src, pkt.dst,
                                 pkt.proto_col, frame.origlen, pkt.info,
                                 tuple(pkt.protocols), packet_line(pkt), pkt)

    @property
    def packets(self) -> list[CapturedPacket]:
        """Every matching packet, in a list (for small captures)."""
        return list(self)

    def count(self) -> int:
        """How many packets match (the fast path answers when it can)."""
        if not self.two_pass and not self.decode_as:
            n = _fast_count(self.path, self.display_filter)
            if n is not None:
                return n
        return sum(1 for _ in self)

    def fields(self, *names: str, occurrence: str = "a", aggregator: str = ",") -> list[
            tuple[str, ...]]:
        """One tuple per packet: each field's text as `-T fields -e NAME ...` prints it."""
        out = []
        for p in self:
            row = []
            for n in names:
                vals = p.fields[n]
                if occurrence == "f":
                    vals = vals[:1]
                elif occurrence == "l":
                    vals = vals[-1:]
                row.append(aggregator.join(vals))
            out.append(tuple(row))
        return out

    def stats(self, *specs: str) -> str:
        """The text of `-z SPEC` statistics (e.g. "expert"), as `analyze -q -z` prints it."""
        from analyzer.job import Job

        job = Job(read_file=self.path, quiet=True, filter=self.display_filter,
                  decode_as=list(self.decode_as), two_pass=self.two_pass, stats=list(specs))
        return _run_text(job)

    def __repr__(self) -> str:
        flt = f", filter={self.display_filter!r}" if self.display_filter else ""
        return f"Capture({self.path!r}{flt})"


def _run_text(job: Job) -> str:
    from analyzer.command import run_job_text

    out, err = io.StringIO(), io.StringIO()
    code = run_job_text(job, out, err)
    if code != 0:
        raise AnalyzeFailed(err.getvalue().strip() or f"analyze exited {code}")
    return out.getvalue()


def _fast_count(path: str, display_filter: str | None) -> int | None:
    """The match count from the fast path, None when it does not apply."""
    from analyzer.job import Job
    from analyzer.pipeline import try_fast_path
    from filters import compile_filter

    flt = compile_filter(display_filter) if display_filter else None
    job = Job(read_file=path, output="fields", fields=["frame.number"], filter=display_filter,
              display_filter=flt)
    out = io.StringIO()
    done = try_fast_path(job, out)
    if done != 0:  # not taken (None) or handed over part-way: count the full way
        return None
    return len(out.getvalue().split())


class AnalyzeFailed(Exception):
    """`analyze` reported an error (bad file, bad option): its one-line message."""


def open_capture(path: Any, display_filter: str | None = None, *, filter: str | None = None,
                 decode_as: list[str] | None = None, two_pass: bool = False) -> Capture:
    """A Capture of the pcap/pcapng file at `path`, optionally already filtered:
    `filter=` (as `analyze --filter`) and `display_filter=` (as `-Y`) are the same."""
    if filter is not None and display_filter is not None:
        raise TypeError("open_capture() takes filter= or display_filter=, not both")
    return Capture(str(path), display_filter if filter is None else filter, decode_as,
                   two_pass)


__all__ = ["open_capture", "Capture", "CapturedPacket", "AnalyzeFailed"]
