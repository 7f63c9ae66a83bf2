"""Errors raised while opening, reading or writing capture files.

The texts copy tshark 4.0's wording (measured with `tshark -r broken.pcap`) so a user
who knows Wireshark recognises them, and `exit_code` is the status tshark exits with.
"""

from __future__ import annotations

import os

#: tshark 4.0 exits with 2 for every open/read failure of a capture file.
TSHARK_READ_FAILURE = 2


def describe(path: str | os.PathLike[str] | None) -> str:
    """Name the input the way tshark does: `The file "x"` or `The standard input`."""
    if path is None or os.fspath(path) == "-":
        return "The standard input"
    return f'The file "{os.fspath(path)}"'


class CaptureError(Exception):
    """A capture file could not be opened, read or written.

    `str(err)` is the one-line message for the user; `path`, `offset` (byte position in
    the decompressed file, when known) and `detail` (the parenthesised reason) are kept
    separately so callers can report them as they like.
    """

    exit_code: int = TSHARK_READ_FAILURE

    def __init__(
        self,
        message: str,
        *,
        path: str | os.PathLike[str] | None = None,
        offset: int | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = os.fspath(path) if path is not None else None
        self.offset = offset
        self.detail = detail

    def __str__(self) -> str:
        return self.message


class CaptureFileNotFound(CaptureError):
    """The path names nothing; tshark: `The file "x" doesn't exist.`"""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(f"{describe(path)} doesn't exist.", path=path)


class CapturePermissionError(CaptureError):
    """tshark: `You don't have permission to read the file "x".`"""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(
            f'You don\'t have permission to read the file "{os.fspath(path)}".',
            path=path,
        )


class CaptureIsDirectory(CaptureError):
    """tshark: `"x" is a directory (folder), not a file.`"""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(f'"{os.fspath(path)}" is a directory (folder), not a file.', path=path)


class NotACaptureFile(CaptureError):
    """The magic number matches no format we read."""

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        super().__init__(
            f"{describe(path)} isn't a capture file in a format labshark understands.",
            path=path,
            offset=0,
        )


class CutShort(CaptureError):
    """The file ends inside a record (or inside the file header)."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        offset: int | None,
        *,
        in_header: bool = False,
    ) -> None:
        what = "a packet or other data" if in_header else "a packet"
        super().__init__(
            f"{describe(path)} appears to have been cut short in the middle of {what}.",
            path=path,
            offset=offset,
        )


class CorruptCapture(CaptureError):
    """A record or block is impossible, e.g. a 4 GiB packet length."""

    def __init__(
        self, path: str | os.PathLike[str] | None, offset: int | None, detail: str
    ) -> None:
        super().__init__(
            f"{describe(path)} appears to be damaged or corrupt. ({detail})",
            path=path,
            offset=offset,
            detail=detail,
        )


class UnsupportedCapture(CaptureError):
    """A well-formed file uses something we cannot read, e.g. pcap major version 1."""

    def __init__(
        self, path: str | os.PathLike[str] | None, offset: int | None, detail: str
    ) -> None:
        super().__init__(
            f"{describe(path)} contains record data that labshark doesn't support. ({detail})",
            path=path,
            offset=offset,
            detail=detail,
        )


class CaptureWriteError(CaptureError):
    """A frame cannot be stored in the chosen output format."""
