"""HTTP bytes that start no message before any request was dissected on the connection.

tshark 4.0 (dissect_http_message with no `have_seen_http`) changes no column then, but
still walks the lines: while they look like headers (a colon) or a blank line ends them,
it makes the HTTP tree and shows them as headers; the bytes after them are the body
(File Data, data). Data whose first line is no header shows nothing at all; data starting with a byte that
is not printable skips the line walk (`_binary`).
Separate from dissectors/http.py, which hands the fields it declares to it.
"""

from __future__ import annotations

from collections.abc import Callable

from dissectors.escape import format_text
from dissectors.http_body import _file_text, _nested_data
from dissectors.http_pairing import _lconv
from dissectors.http_proto import HTTP, _text, tap
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Field
from dissectors.session import Session
from dissectors.tvb import Tvb

BAD_HEADER_NAME = HTTP.field("http.bad_header_name", "Illegal characters found in header name",
                             FT.NONE)
# RFC 9110's tchar: what a header name is made of.
_TCHAR = frozenset(b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def other_lines(tvb: Tvb, off: int, pkt: Packet, session: Session, in_stack: bool,
                headers: dict[str, Field], unknown: Field, file_data: Field,
                find_line: Callable[[Tvb, int], tuple[int, int]]) -> list[bytes]:
    """Show the header-like lines at `off` as tshark does; what its follow tap gets:
    the lines, then the rest (the lines are none when the first one is no header, and
    then nothing is shown)."""
    src = tvb.source
    end = tvb.end
    top: Item | None = None
    p = off
    while p < end:
        le, ln = find_line(tvb, p)
        if le < 0:  # (the last line, unterminated, runs to the end)
            le = ln = end
        line = bytes(tvb.buf[p:le])
        if line and b":" not in line:
            break
        if top is None:
            top = pkt.add_proto(HTTP, off, end - off, "Hypertext Transfer Protocol",
                                source=src, in_stack=in_stack)
        label = format_text(bytes(tvb.buf[p:ln])) if pkt.tree_on else None
        if not line:  # a blank line ends them
            pkt.add_text(top, format_text(bytes(tvb.buf[p:ln])), p, ln - p, source=src)
            p = ln
            break
        text = _text(line)
        name, _sep, value = text.partition(":")
        hf = headers.get(name.strip().lower())
        raw_name = line.partition(b":")[0]
        if not raw_name or not _TCHAR.issuperset(raw_name):
            # (the line as it is, and a warning)
            item = pkt.add(top, unknown, _text(bytes(tvb.buf[p:ln])), p, ln - p, label,
                           source=src)
            pkt.add_expert(item, "warning", "protocol", BAD_HEADER_NAME.name, "http",
                           field=BAD_HEADER_NAME)
        elif hf is None:
            pkt.add(top, unknown, format_text(bytes(tvb.buf[p:ln])), p, ln - p, label,
                    source=src)
        else:
            pkt.add(top, hf, value.lstrip(), p, ln - p, label, source=src)
        p = ln
    if top is None:
        tap(pkt, None)  # (nothing shown, yet the stats taps count an "Other HTTP" message)
        return [b"", bytes(tvb.buf[off:end])]
    # (the follow tap gets the parts, the layer is not re-read for it)
    pkt.proto_data.setdefault("http.untapped", set()).add(id(top))
    if p < end:
        body = bytes(tvb.buf[p:end])
        pkt.add(top, file_data, _file_text(body), p, len(body), f"File Data: {len(body)} bytes",
                source=src)
        _nested_data(Tvb(tvb.buf, p, end, tvb.rend, src), pkt, session, top)
    tap(pkt, top)
    return [bytes(tvb.buf[off:p])] + ([bytes(tvb.buf[p:end])] if p < end else [])


def _binary(tvb: Tvb, off: int, pkt: Packet, session: Session, in_stack: bool = True) -> int:
    """A message cannot start with a byte that is not printable ASCII: tshark skips the
    line parsing (and so never asks TCP for more), showing the bytes as data under a
    Continuation once a request was seen, or nothing at all before."""
    if _lconv(pkt, session).seen:
        src = tvb.source
        pkt.proto_col = "HTTP"
        pkt.set_info("Continuation")
        top = pkt.add_proto(HTTP, off, tvb.end - off, "Hypertext Transfer Protocol",
                            source=src, in_stack=in_stack)
        pkt.proto_data.setdefault("http.untapped", set()).add(id(top))  # returns before the tap
        _nested_data(Tvb(tvb.buf, off, tvb.end, tvb.rend, src), pkt, session, top)
    return max(tvb.rend - off, 1)
