"""How HTTP/1.x finds its lines and tells a first line or a header line from other
bytes (tvb_find_line_end, is_http_request_or_reply): the tests tshark applies before it
reads a message, shared by the dissector and its heuristic."""

from __future__ import annotations

from typing import Final

from dissectors.http_proto import _text
from dissectors.tvb import Tvb

#: The methods a request line may start with (Wireshark's is_http_request_or_reply).
METHODS: Final = frozenset({
    "GET", "PUT", "POST", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PATCH",
    "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH", "NOTIFY",
    "SUBSCRIBE", "UNSUBSCRIBE", "M-SEARCH", "REPORT", "MERGE", "CHECKOUT", "CHECKIN",
    "UNCHECKOUT", "MKACTIVITY", "MKWORKSPACE", "VERSION-CONTROL", "BASELINE-CONTROL",
    "LABEL", "UPDATE", "ACL", "BIND", "UNBIND", "REBIND", "ORDERPATCH", "MKREDIRECTREF",
    "UPDATEREDIRECTREF", "POLL", "BMOVE", "BCOPY", "BDELETE", "BPROPFIND", "BPROPPATCH",
    "X-MS-ENUMATTS", "RPC_IN_DATA", "RPC_OUT_DATA", "PURGE", "SSTP_DUPLEX_POST",
})


def _first_line_kind(line: bytes) -> str | None:
    """"request", "response" or None, like is_http_request_or_reply() (which also
    takes a method after RFC 2774's "M-" prefix: M-GET, M-POST)."""
    if line.startswith(b"HTTP/") and len(line) >= 12 and line[8:9] == b" " and \
            line[9:12].isdigit():
        return "response"
    sp = line.find(b" ")
    method = line[2:sp] if line.startswith(b"M-") else line[:sp]
    if sp > 0 and _text(method) in METHODS:
        return "request"
    return None


def _find_line(tvb: Tvb, off: int) -> tuple[int, int]:
    """(end of line text, start of next line), as tvb_find_line_end: a line ends at LF,
    CR LF or a bare CR. (-1, -1) when no end is captured, or when a CR is the last
    captured byte (its LF may come in the next segment)."""
    lf = tvb.find(b"\n", off)
    cr = tvb.find(b"\r", off, lf if lf >= 0 else None)
    if cr < 0:
        return (-1, -1) if lf < 0 else (lf, lf + 1)
    if cr + 1 >= tvb.end:
        return -1, -1
    return cr, cr + (2 if tvb.buf[cr + 1] == 0x0A else 1)


# Separators (RFC 9110 tchar's complement): none may come before a header line's colon.
_SEPARATORS: Final = frozenset(b'()<>@,;\\"/[]?={} ')


#: The bytes a header name may hold (printable ASCII but the separators).
_TOKEN: Final = bytes(c for c in range(0x20, 0x7F) if c not in _SEPARATORS and c != 0x3A)


def _is_header_line(line: bytes) -> bool:
    """Whether a line after the first one is a header: a token, then a colon. tshark ends
    the message at the first line that is not (its rest is dissected anew). (One C pass
    over the name: `translate` deletes the token bytes; any left is not a token's.)"""
    colon = line.find(b":")
    return colon >= 0 and not line[:colon].translate(None, _TOKEN)

