"""TFTP packet encode/decode (RFC 1350, 2347-2349, 7440), shared by client and server.

One module so both ends agree byte for byte on what a packet is and what is malformed.
"""

from __future__ import annotations

import io
import os
import struct
from dataclasses import dataclass, field
from typing import BinaryIO

RRQ, WRQ, DATA, ACK, ERROR, OACK = 1, 2, 3, 4, 5, 6
OPCODE_NAMES = {RRQ: "RRQ", WRQ: "WRQ", DATA: "DATA", ACK: "ACK", ERROR: "ERROR", OACK: "OACK"}

# Error codes (RFC 1350 + RFC 2347 code 8).
EUNDEF, ENOTFOUND, EACCESS, ENOSPACE, EBADOP, EBADID, EEXISTS, ENOUSER, EOPTNEG = range(9)
ERROR_MESSAGES = {
    EUNDEF: "Undefined error",
    ENOTFOUND: "File not found",
    EACCESS: "Access violation",
    ENOSPACE: "Disk full or allocation exceeded",
    EBADOP: "Illegal TFTP operation",
    EBADID: "Unknown transfer ID",
    EEXISTS: "File already exists",
    ENOUSER: "No such user",
    EOPTNEG: "Option negotiation failed",
}

MODES = ("netascii", "octet")
DEFAULT_BLKSIZE = 512
MIN_BLKSIZE, MAX_BLKSIZE = 8, 65464
MAX_WINDOWSIZE = 65535
DEFAULT_PORT = 69


class TftpProtoError(ValueError):
    """A datagram that is not a well-formed TFTP packet."""


class TftpError(Exception):
    """A transfer ended with a TFTP ERROR packet (sent or received)."""

    def __init__(self, code: int, message: str = "") -> None:
        self.code = code
        self.message = message or ERROR_MESSAGES.get(code, "error")
        super().__init__(f"TFTP error {code}: {self.message}")


class TftpTimeout(Exception):
    """The peer stopped answering (all retransmissions used up)."""


@dataclass
class Packet:
    """A decoded TFTP packet; only the fields of its opcode are meaningful."""

    opcode: int
    filename: str = ""
    mode: str = ""
    options: dict[str, str] = field(default_factory=dict)
    block: int = 0
    data: bytes = b""
    code: int = 0
    message: str = ""


def _cstr(s: str) -> bytes:
    b = s.encode("latin-1", "replace")
    if b"\0" in b:
        raise TftpProtoError("NUL inside a string")
    return b + b"\0"


def _opts(options: dict[str, object] | None) -> bytes:
    return b"".join(_cstr(str(k)) + _cstr(str(v)) for k, v in (options or {}).items())


def encode_request(opcode: int, filename: str, mode: str = "octet",
                   options: dict[str, object] | None = None) -> bytes:
    """RRQ/WRQ: opcode, filename, mode, then option/value pairs."""
    return struct.pack("!H", opcode) + _cstr(filename) + _cstr(mode) + _opts(options)


def encode_rrq(filename: str, mode: str = "octet", options: dict[str, object] | None = None) -> bytes:
    return encode_request(RRQ, filename, mode, options)


def encode_wrq(filename: str, mode: str = "octet", options: dict[str, object] | None = None) -> bytes:
    return encode_request(WRQ, filename, mode, options)


def encode_data(block: int, data: bytes) -> bytes:
    return struct.pack("!HH", DATA, block & 0xFFFF) + data


def encode_ack(block: int) -> bytes:
    return struct.pack("!HH", ACK, block & 0xFFFF)


def encode_error(code: int, message: str | None = None) -> bytes:
    msg = ERROR_MESSAGES.get(code, "error") if message is None else message
    return struct.pack("!HH", ERROR, code) + msg.encode("latin-1", "replace").replace(b"\0", b"?") + b"\0"


def encode_oack(options: dict[str, object]) -> bytes:
    return struct.pack("!H", OACK) + _opts(options)


def _split_strings(body: bytes) -> list[str]:
    if not body.endswith(b"\0"):
        raise TftpProtoError("string not NUL-terminated")
    return [p.decode("latin-1") for p in body[:-1].split(b"\0")]


def decode(pkt: bytes) -> Packet:
    """Decode one datagram; raises TftpProtoError on anything malformed."""
    if len(pkt) < 2:
        raise TftpProtoError("packet shorter than an opcode")
    (op,) = struct.unpack_from("!H", pkt)
    if op in (RRQ, WRQ):
        parts = _split_strings(pkt[2:])
        if len(parts) < 2 or not parts[0]:
            raise TftpProtoError("request without filename or mode")
        if len(parts) % 2:
            raise TftpProtoError("option without a value")
        opts: dict[str, str] = {}
        for i in range(2, len(parts), 2):
            opts[parts[i].lower()] = parts[i + 1]
        return Packet(op, filename=parts[0], mode=parts[1].lower(), options=opts)
    if op == DATA:
        if len(pkt) < 4:
            raise TftpProtoError("DATA shorter than its header")
        return Packet(op, block=struct.unpack_from("!H", pkt, 2)[0], data=bytes(pkt[4:]))
    if op == ACK:
        if len(pkt) < 4:
            raise TftpProtoError("ACK shorter than its header")
        return Packet(op, block=struct.unpack_from("!H", pkt, 2)[0])
    if op == ERROR:
        if len(pkt) < 4:
            raise TftpProtoError("ERROR shorter than its header")
        code = struct.unpack_from("!H", pkt, 2)[0]
        msg = bytes(pkt[4:]).split(b"\0", 1)[0].decode("latin-1")
        return Packet(op, code=code, message=msg)
    if op == OACK:
        body = pkt[2:]
        parts = _split_strings(body) if body else []
        if len(parts) % 2:
            raise TftpProtoError("option without a value")
        return Packet(op, options={parts[i].lower(): parts[i + 1] for i in range(0, len(parts), 2)})
    raise TftpProtoError(f"unknown opcode {op}")


# --- netascii (RFC 764: LF -> CR LF, CR -> CR NUL) -------------------------------------------

def netascii_encode(data: bytes) -> bytes:
    """Local text to netascii."""
    return data.replace(b"\r", b"\r\0").replace(b"\n", b"\r\n")


def netascii_decode(data: bytes) -> bytes:
    """Netascii to local text (CR LF -> LF, CR NUL -> CR; a lone CR is kept)."""
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        j = data.find(b"\r", i)
        if j < 0 or j == n - 1:
            out += data[i:]
            break
        out += data[i:j]
        nxt = data[j + 1]
        if nxt == 0x0A:
            out += b"\n"
            i = j + 2
        elif nxt == 0x00:
            out += b"\r"
            i = j + 2
        else:
            out += b"\r"
            i = j + 1
    return bytes(out)


_CHUNK = 1 << 16


class NetasciiReader(io.RawIOBase):
    """A file read as netascii, converted as it is read, never whole in memory.

    The sender seeks back only to blocks the peer has not acknowledged; `release(pos)` says
    nothing before wire offset `pos` is needed again, so at most a window stays buffered.
    """

    def __init__(self, f: io.BufferedIOBase) -> None:
        self._f = f
        self._buf = bytearray()
        self._start = 0  # wire offset of _buf[0]
        self._pos = 0
        self._eof = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, pos: int, whence: int = 0) -> int:
        if whence != 0 or pos < self._start:
            raise ValueError("netascii stream: cannot seek before the released offset")
        self._pos = pos
        return pos

    def tell(self) -> int:
        return self._pos

    def read(self, n: int = -1) -> bytes:
        want = self._pos + (n if n >= 0 else 1 << 62)
        while not self._eof and self._start + len(self._buf) < want:
            chunk = self._f.read(_CHUNK)
            if not chunk:
                self._eof = True
                break
            self._buf += netascii_encode(chunk)
        off = self._pos - self._start
        out = bytes(self._buf[off:off + n] if n >= 0 else self._buf[off:])
        self._pos += len(out)
        return out

    def release(self, pos: int) -> None:
        drop = min(pos, self._pos) - self._start
        if drop > 0:
            del self._buf[:drop]
            self._start += drop

    def close(self) -> None:
        self._f.close()
        super().close()


class NetasciiWriter:
    """A sink that decodes netascii into `f` as blocks arrive (a CR at a block end waits)."""

    def __init__(self, f: io.BufferedIOBase | BinaryIO) -> None:
        self._f = f
        self._cr = False

    def write(self, data: bytes) -> int:
        n = len(data)
        if self._cr:
            data = b"\r" + data
            self._cr = False
        if data.endswith(b"\r"):
            data = data[:-1]
            self._cr = True
        self._f.write(netascii_decode(data))
        return n

    def finish(self) -> None:
        """Write a CR the stream ended with (kept, like a lone CR)."""
        if self._cr:
            self._f.write(b"\r")
            self._cr = False


def netascii_size(path: str | os.PathLike[str]) -> int:
    """Bytes `path` takes as netascii (counted in chunks, not loaded)."""
    n = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            n += len(chunk) + chunk.count(b"\r") + chunk.count(b"\n")
    return n


def open_source(path: str | os.PathLike[str], mode: str,
                measure: bool = True) -> tuple[io.IOBase, int]:
    """A byte source for sending and its size on the wire (-1 when not `measure`d).

    netascii is converted while it is sent, so a large file costs a window, not its size.
    """
    f = open(path, "rb")  # noqa: SIM115 - caller closes
    if mode == "netascii":
        return NetasciiReader(f), netascii_size(path) if measure else -1
    return f, os.fstat(f.fileno()).st_size


def wire_name(name: str) -> str:
    """A local file name as a request carries it: its bytes (UTF-8 here), one char per byte."""
    return os.fsencode(name).decode("latin-1")


def local_name(wire: str) -> str:
    """A requested name as a local path: the bytes as sent, not re-encoded (see wire_name)."""
    return os.fsdecode(wire.encode("latin-1"))


def block_number(index: int) -> int:
    """Wire block number of the 0-based data block `index` (wraps 65535 -> 0 like tftp-hpa)."""
    return (index + 1) & 0xFFFF


def parse_hostport(text: str, default_port: int = DEFAULT_PORT) -> tuple[str, int]:
    """'host', 'host:port', '[v6]:port' -> (host, port)."""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else default_port
    if text.count(":") == 1:
        host, port = text.split(":")
        return host or "127.0.0.1", int(port)
    return text, default_port
