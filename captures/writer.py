"""open_writer(): pick a writer for an output path ("-" is stdout)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import BinaryIO

from .errors import CaptureError, describe
from .interface import Interface
from .pcap import MAX_PACKET, PcapWriter
from .pcapng import PcapngWriter

#: What open_writer returns: both have write(frame), close() and context management.
CaptureWriter = PcapWriter | PcapngWriter
FORMATS = ("pcapng", "pcap")


def open_writer(
    path: str | os.PathLike[str],
    fmt: str = "pcapng",
    *,
    linktype: int | None = None,
    snaplen: int = MAX_PACKET,
    nanosecond: bool | None = None,
    interfaces: Sequence[Interface] | None = None,
) -> CaptureWriter:
    """Create `path` and return a writer; pcapng by default, like `tshark -w`.

    `interfaces` (e.g. a reader's) lets pcapng keep interface ids and names and lets
    pcap take its link type and timestamp precision from the first one.
    """
    if fmt not in FORMATS:
        raise CaptureError(f'"{fmt}" isn\'t a capture file type labshark can write.')
    fileobj: BinaryIO
    owns = not (isinstance(path, str) and path == "-")
    if owns:
        try:
            fileobj = open(path, "wb")  # the writer owns and closes it
        except OSError as err:
            raise CaptureError(
                f"{describe(path)} could not be created: {err.strerror}.", path=path
            ) from None
    else:
        fileobj = sys.stdout.buffer
    if fmt == "pcapng":
        return PcapngWriter(fileobj, interfaces, snaplen=snaplen, owns_file=owns)
    if interfaces:
        if linktype is None:
            linktype = interfaces[0].linktype
        if nanosecond is None:
            nanosecond = interfaces[0].ts_digits > 6
    return PcapWriter(fileobj, linktype, snaplen, bool(nanosecond), owns_file=owns)
