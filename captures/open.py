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
from .spool import Prepend, Read, Spool

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

    Iterate once; call `reopen()` for another pass. stdin and gzip input are copied
    to a temporary file while read, so `reopen()` reads that file (removed on close).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        raw: BinaryIO | None,
        *,
        owns_raw: bool,
        spool: Spool | None = None,
        compressed: bool = False,
    ) -> None:
        self.path = path
        self._raw = raw
        self._owns_raw = owns_raw
        self._spool = spool
        self._gzip: gzip.GzipFile | None = None
        self.compressed = compressed
        self._closed = False
        try:
            self._parser = self._detect()
        except BaseException:
            self.close()
            raise
        self.format: str = self._parser.format

    def _detect(self) -> PcapParser | PcapngParser | _EmptyParser:
        assert self._raw is not None
        raw_read: Read = self._raw.read
        head = raw_read(4)
        read: Read = raw_read
        if head[:2] == GZIP_MAGIC and self._spool is None:
            self.compressed = True
            self._gzip = gzip.GzipFile(fileobj=Prepend(head, raw_read), mode="rb")  # type: ignore[arg-type]
            read = _GzipRead(self._gzip, self.path)
            self._spool = Spool(read)
            read = self._spool.read
            head = read(4)
        elif os.fspath(self.path) == "-" and self._spool is None:
            self._spool = Spool(Prepend(head, raw_read).read)
            read = self._spool.read
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

    def reopen(self) -> CaptureReader:
        """A fresh reader over the same bytes, for a second pass."""
        if self._spool is None:
            return open_capture(self.path)
        name = self._spool.finish()
        spool = self._spool.acquire()
        try:
            raw = open(name, "rb")  # owned (and closed) by the new reader
        except BaseException:
            spool.release()
            raise
        return CaptureReader(self.path, raw, owns_raw=True, spool=spool, compressed=self.compressed)

    def close(self) -> None:
        """Release the file, the gzip stream and (on its last user) the temp file."""
        if self._closed:
            return
        self._closed = True
        if self._gzip is not None:
            self._gzip.close()
        if self._owns_raw and self._raw is not None:
            self._raw.close()
        if self._spool is not None:
            self._spool.release()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<CaptureReader {os.fspath(self.path)!r} {getattr(self, 'format', '?')}>"


def open_capture(path: str | os.PathLike[str]) -> CaptureReader:
    """Open a pcap or pcapng file (maybe gzipped; "-" is stdin), detected by magic."""
    if isinstance(path, str) and path == "-":
        return CaptureReader(path, sys.stdin.buffer, owns_raw=False)
    return CaptureReader(path, _open_file(path), owns_raw=True)
