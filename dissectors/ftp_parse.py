"""FTP's argument parsers and working-directory bookkeeping (packet-ftp.c's helpers):
PORT/PASV numbers, EPRT and EPSV arguments, CWD/CDUP normalising, PWD replies."""

from __future__ import annotations

import re
import socket

from dissectors.textlines import utf8
from dissectors.textnum import strtol

_SIX_NUMBERS = re.compile(rb"([-+]?\d+),([-+]?\d+),([-+]?\d+),([-+]?\d+),([-+]?\d+),([-+]?\d+)")


class Cwd:
    """A working directory buffer: data connections keep the one current at their setup
    (Wireshark shares the buffer, so an append to an empty one shows there too)."""

    __slots__ = ("text",)

    def __init__(self, text: str = "") -> None:
        self.text = text


def _digits_len(n: int) -> int:
    return 1 if n < 10 else 2 if n < 100 else 3


def _int(digits: bytes) -> int:
    """A decimal number of the command's text (sign and ASCII digits): int() refuses
    more than 4300 digits (a ValueError from a packet), so a longer one saturates as
    C's strtol does (textnum)."""
    if len(digits) <= 64:
        return int(digits)
    return strtol(digits.decode("ascii"))


def parse_port_pasv(args: bytes) -> tuple[int, int, int, int, int] | None:
    """(ip, port, offset of the numbers, ip text length, port text length) of the first
    six comma-separated numbers, as parse_port_pasv's sscanf loop finds them."""
    args = args.split(b"\0", 1)[0]
    i = 0
    while i < len(args):
        while i < len(args) and not 0x30 <= args[i] <= 0x39:
            i += 1
        if i >= len(args):
            return None
        m = _SIX_NUMBERS.match(args, i)
        if m is not None:
            n = [_int(x) for x in m.groups()]
            ip = ((n[0] << 24) | (n[1] << 16) | (n[2] << 8) | n[3]) & 0xFFFFFFFF
            port = ((n[4] & 0xFF) << 8) | (n[5] & 0xFF)
            ip_len = sum(_digits_len(x) for x in n[:4]) + 3
            port_len = _digits_len(n[4]) + 1 + _digits_len(n[5])
            return ip, port, i, ip_len, port_len
        while i < len(args) and 0x30 <= args[i] <= 0x39:
            i += 1
    return None


def _valid_delimiter(c: int) -> bool:
    return 0x21 <= c <= 0x7E and chr(c).lower() not in "0123456789abcdef.:"


def parse_eprt(args: bytes) -> tuple[int, bytes, int, int, int] | None:
    """(family, address bytes, port, address text length, port text length) of
    `|af|addr|port|`, or None as parse_eprt_request refuses it."""
    args = args.split(b"\0", 1)[0]
    if len(args) < 4 or not _valid_delimiter(args[0]) or args.count(args[0:1]) != 4:
        return None
    parts = args.split(args[0:1])
    af_s, addr_s, port_s = parts[1], parts[2], parts[3]
    if not af_s or not addr_s or not port_s or not af_s.isdigit():
        return None
    af = _int(af_s)
    try:
        if af == 1:
            addr = socket.inet_pton(socket.AF_INET, addr_s.decode("ascii"))
        elif af == 2:
            addr = socket.inet_pton(socket.AF_INET6, addr_s.decode("ascii"))
        else:
            return None
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not port_s.isdigit() or _int(port_s) > 0xFFFF:
        return None
    return af, addr, _int(port_s), len(addr_s), len(port_s)


def parse_epsv(args: bytes) -> tuple[int, int, int] | None:
    """(port, offset of its digits, port length as Wireshark counts it) of `(|||port|)`."""
    args = args.split(b"\0", 1)[0]
    p = args.find(b"(")
    if p < 0:
        return None
    p += 1
    delim = 0
    for _ in range(3):
        if p >= len(args):
            break
        c = args[p]
        if delim == 0 and _valid_delimiter(c):
            delim = c
        if c != delim:
            break
        p += 1
    m = re.match(rb"\d+", args[p:])
    if m is None:
        return None
    close = args.find(b")", p)
    if close < 0:
        return None
    # (ws_strtou16 saturates a larger port, and tshark takes it: 65535)
    return min(_int(m.group()), 0xFFFF), p, close - 1 - p


def cwd_join(cwd: Cwd, new: str) -> Cwd:
    """add_directory_to_conv: the path appended, then normalised ('..' and '.')."""
    if not cwd.text:
        cwd.text += new  # (in place, as Wireshark appends to the shared buffer)
        return cwd
    joined = cwd.text + new if cwd.text.endswith("/") else cwd.text + "/" + new
    absolute = cwd.text.startswith("/")
    out = "/" if absolute else ""
    for part in joined[1 if absolute else 0:].split("/"):
        if not part or part == ".":
            continue
        if part == "..":
            while out and not out.endswith("/"):
                out = out[:-1]
            if len(out) > 1 and out.endswith("/"):
                out = out[:-1]
            continue
        if out and not out.endswith("/"):
            out += "/"
        out += part
    return Cwd(out)


def pwd(arg: bytes) -> str | None:
    """The directory a 257 reply quotes ("" doubled inside), or None when malformed."""
    if len(arg) < 2 or arg[0:1] != b'"':
        return None
    out = bytearray()
    i, started = 0, False
    while i < len(arg) and arg[i] not in b"\r\n":
        c = arg[i]
        if c == 0x22:
            if i + 1 < len(arg) and arg[i + 1] == 0x22:
                out.append(0x22)
                i += 2
                continue
            if started:
                break
            started = True
        else:
            out.append(c)
        i += 1
    if i >= len(arg) or arg[i] != 0x22:
        return None
    return utf8(bytes(out))
