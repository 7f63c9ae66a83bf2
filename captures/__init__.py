"""Reading and writing capture files (pcap, pcapng, gzip-compressed, stdin).

with open_capture("in.pcapng") as cap:
    for frame in cap:
        ...
"""

from .errors import CaptureError
from .frame import Frame
from .interface import Interface
from .open import CaptureReader, open_capture
from .writer import CaptureWriter, open_writer

__all__ = [
    "CaptureError",
    "CaptureReader",
    "CaptureWriter",
    "Frame",
    "Interface",
    "open_capture",
    "open_writer",
]
