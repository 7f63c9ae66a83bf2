"""TFTP packet encode/decode (RFC 1350, 2347-2349, 7440), shared by client and server.

One module so both ends agree byte for byte on what a packet is and what is malformed.
"""

from __future__ import annotations

import io
import os
import struct
from dataclasses import dataclass, field

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


def open_source(path: str | os.PathLike[str], mode: str) -> tuple[io.BufferedIOBase, int]:
    """A seekable byte source for sending and its size on the wire (netascii converted in memory)."""
    if mode == "netascii":
        with open(path, "rb") as f:
            data = netascii_encode(f.read())
        return io.BytesIO(data), len(data)
    f = open(path, "rb")  # noqa: SIM115 - caller closes
    return f, os.fstat(f.fileno()).st_size


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
