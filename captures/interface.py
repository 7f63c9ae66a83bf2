"""Interface: what a capture file says about the link a group of frames came from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Interface:
    """One capture interface (pcap files have exactly one, pcapng one per IDB).

    `ts_digits` is the decimal precision of its timestamps (6 = µs, 9 = ns); `fcs_len`
    is the FCS length in bytes announced by the file, None when it says nothing.
    """

    linktype: int
    snaplen: int
    ts_digits: int = 6
    name: str | None = None
    description: str | None = None
    fcs_len: int | None = None
