"""open_capture(): format detection by magic number, gzip, stdin, and a second pass."""

from __future__ import annotations

import gzip
import os
import sys
import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO

from .errors import (
    CaptureError,
    CaptureFileNotFound,
    CaptureIsDirectory,
    CapturePermissionError,
    CorruptCapture,
    CutShort,
    NotACaptureFile,
    describe,
)
from .frame import Frame
from .interface import Interface
from .pcap import MAGICS as PCAP_MAGICS
from .pcap import PcapParser
from .pcapng import SHB_MAGIC, PcapngParser
from .spool import Prepend, Read, Spool, SpoolReader

if TYPE_CHECKING:
    from typing import Self  # 3.11+, needed only by type checkers

GZIP_MAGIC = b"\x1f\x8b"


class _EmptyParser:
    """A zero-byte input: tshark 4.0 reads it as no packets and exits 0, so do we."""

    format = "pcap"

    def __init__(self) -> None:
        self.interfaces: list[Interface] = []

    def __iter__(self) -> Iterator[Frame]:
        return iter(())


class _GzipRead:
    """gzip's read() with its exceptions turned into capture errors."""

    def __init__(self, gz: gzip.GzipFile, path: str | os.PathLike[str]) -> None:
        self._gz = gz
        self._path = path
        self._offset = 0

    def __call__(self, size: int) -> bytes:
        try:
            data = self._gz.read(size)
        except EOFError:
            raise CutShort(self._path, self._offset) from None
        except (OSError, zlib.error) as err:  # BadGzipFile is an OSError
            raise CorruptCapture(self._path, self._offset, f"gzip: {err}") from None
        self._offset += len(data)
        return data


def _open_file(path: str | os.PathLike[str]) -> BinaryIO:
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise CaptureFileNotFound(path) from None
    except IsADirectoryError:
        raise CaptureIsDirectory(path) from None
    except PermissionError:
        raise CapturePermissionError(path) from None
    except OSError as err:
        raise CaptureError(
            f"{describe(path)} could not be opened: {err.strerror}.", path=path
        ) from None


class CaptureReader:
    """An open capture file: metadata attributes, and one pass of Frames by iteration.

    Iterate once; call `reopen()` for another pass. Files (gzipped or not) are simply
    opened again; gzip input is decompressed as a stream, never copied to disk. The
    standard input is copied to an unnamed temp file only when the caller asked for a
    second pass up front (`second_pass=True`): the spool `reopen()` reads.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        raw: BinaryIO | SpoolReader | None,
        *,
        owns_raw: bool,
        spool: Spool | None = None,
        second_pass: bool = False,
    ) -> None:
        self.path = path
        self._raw = raw
        self._owns_raw = owns_raw
        #: where reopen() reads stdin again; the first reader holds one reference
        self._spool = spool
        self._holds_spool = False
        self._second_pass = second_pass
        self._gzip: gzip.GzipFile | None = None
        self.compressed = False
        self._closed = False
        try:
            self._parser = self._detect()
        except BaseException:
            self.close()
            raise
        self.format: str = self._parser.format

    def _detect(self) -> PcapParser | PcapngParser | _EmptyParser:
        assert self._raw is not None
        read: Read = self._raw.read
        head = read(4)
        if self._second_pass and self._spool is None and os.fspath(self.path) == "-":
            self._spool = Spool(Prepend(head, read).read)
            self._holds_spool = True
            read = self._spool.read
            head = read(4)
        if head[:2] == GZIP_MAGIC:
            self.compressed = True
            self._gzip = gzip.GzipFile(fileobj=Prepend(head, read), mode="rb")  # type: ignore[arg-type,call-overload]
            read = _GzipRead(self._gzip, self.path)
            head = read(4)
        if not head:
            return _EmptyParser()
        if head in PCAP_MAGICS:
            return PcapParser(read, head, self.path)
        if head == SHB_MAGIC:
            return PcapngParser(read, head, self.path)
        raise NotACaptureFile(self.path)

    @property
    def interfaces(self) -> list[Interface]:
        """Interfaces read so far (pcapng files may add more as they go)."""
        return self._parser.interfaces

    @property
    def linktype(self) -> int | None:
        """The first interface's link type (None if the file has no interface)."""
        return self.interfaces[0].linktype if self.interfaces else None

    @property
    def snaplen(self) -> int | None:
        """The first interface's snapshot length (None if the file has no interface)."""
        return self.interfaces[0].snaplen if self.interfaces else None

    def __iter__(self) -> Iterator[Frame]:
        return iter(self._parser)

    def only(self, needed: bytearray) -> None:
        """Make Frames only of the frames marked in `needed` (PcapParser.only); a format
        whose parser cannot makes them all."""
        only = getattr(self._parser, "only", None)
        if only is not None:
            only(needed)

    def reopen(self) -> CaptureReader:
        """A fresh reader over the same bytes, for a second pass."""
        if self._spool is not None:
            raw = self._spool.reader()  # owned (and closed) by the new reader
            return CaptureReader(self.path, raw, owns_raw=True, spool=self._spool)
        if os.fspath(self.path) == "-":
            raise CaptureError("The standard input can be read only once (open it with "
                               "second_pass=True to read it again).", path=self.path)
        return open_capture(self.path)

    def close(self) -> None:
        """Release the file, the gzip stream and (on its last user) the spool."""
        if self._closed:
            return
        self._closed = True
        if self._gzip is not None:
            self._gzip.close()
        if self._owns_raw and self._raw is not None:
            self._raw.close()
        if self._holds_spool and self._spool is not None:
            self._spool.release()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<CaptureReader {os.fspath(self.path)!r} {getattr(self, 'format', '?')}>"


def open_capture(path: str | os.PathLike[str], *, second_pass: bool = False) -> CaptureReader:
    """Open a pcap or pcapng file (maybe gzipped; "-" is stdin), detected by magic.

    `second_pass`: the caller will call `reopen()`; only stdin needs to know this
    beforehand (it is then spooled as it is read).
    """
    if isinstance(path, str) and path == "-":
        return CaptureReader(path, sys.stdin.buffer, owns_raw=False, second_pass=second_pass)
    return CaptureReader(path, _open_file(path), owns_raw=True)
