"""HTTP request/response pairing, as Wireshark's `push_req`/`push_res` do it.

A response fills the last record of its TCP conversation that has none yet; the
records give the generated request_in/response_in/time items of both messages. A
conversation is one TCP stream: a SYN that reuses the ports starts a new one (Wireshark's
conversation_new), whose requests are numbered from 1 again.
"""

from __future__ import annotations

import marshal
from dataclasses import dataclass, field
from typing import Final

from dissectors.http_proto import HTTP
from dissectors.packet import Item, Packet
from dissectors.ports import pair_key
from dissectors.registry import FT, Base
from dissectors.session import Session
from dissectors.tcp_stream import stream_of

RESPONSE: Final = HTTP.field("http.response", "Response", FT.BOOLEAN)
REQUEST: Final = HTTP.field("http.request", "Request", FT.BOOLEAN)
FULL_URI: Final = HTTP.field("http.request.full_uri", "Full request URI", FT.STRING)
RESPONSE_FOR_URI: Final = HTTP.field("http.response_for.uri", "Request URI", FT.STRING)
REQUEST_IN: Final = HTTP.field("http.request_in", "Request in frame", FT.FRAMENUM)
RESPONSE_IN: Final = HTTP.field("http.response_in", "Response in frame", FT.FRAMENUM)
NEXT_REQUEST_IN: Final = HTTP.field("http.next_request_in", "Next request in frame", FT.FRAMENUM)
NEXT_RESPONSE_IN: Final = HTTP.field("http.next_response_in", "Next response in frame", FT.FRAMENUM)
PREV_REQUEST_IN: Final = HTTP.field("http.prev_request_in", "Prev request in frame", FT.FRAMENUM)
PREV_RESPONSE_IN: Final = HTTP.field("http.prev_response_in", "Prev response in frame", FT.FRAMENUM)
TIME: Final = HTTP.field("http.time", "Time since request", FT.RELATIVE_TIME)
REQUEST_NUMBER: Final = HTTP.field("http.request_number", "Request number", FT.UINT32, Base.DEC)
RESPONSE_NUMBER: Final = HTTP.field("http.response_number", "Response number", FT.UINT32, Base.DEC)


@dataclass(eq=False, slots=True, init=False)
class ReqRes:
    """One request/response pair (Wireshark's http_req_res_t)."""

    # (`__init__` written out, the defaults there: compiled, a dataclass's generated one
    # is interpreted Python setting each field generically, ~2-7k instructions a call)

    number: int
    req_frame: int
    res_frame: int
    req_ts: int
    prev: ReqRes | None
    next: ReqRes | None

    def __init__(self, number: int, req_frame: int = 0, res_frame: int = 0, req_ts: int = 0,
                 prev: ReqRes | None = None, next: ReqRes | None = None) -> None:
        self.number = number
        self.req_frame = req_frame
        self.res_frame = res_frame
        self.req_ts = req_ts
        self.prev = prev
        self.next = next


@dataclass(slots=True, init=False)
class HttpConversation:
    """Per TCP conversation: the pair list and what the last request asked for."""

    # (`__init__` written out, the defaults there: compiled, a dataclass's generated one
    # is interpreted Python setting each field generically, ~2-7k instructions a call)

    stream: int  # its tcp.stream (-1: over UDP, SSDP)
    tail: ReqRes | None
    count: int
    seen: bool  # a request was seen here (have_seen_http: conv_data->request_uri)
    method: str
    uri: str
    full_uri: str

    def __init__(self, stream: int = -1, tail: ReqRes | None = None, count: int = 0,
                 seen: bool = False, method: str = "", uri: str = "",
                 full_uri: str = "") -> None:
        self.stream = stream
        self.tail = tail
        self.count = count
        self.seen = seen
        self.method = method
        self.uri = uri
        self.full_uri = full_uri

    def _push(self, keep: bool) -> ReqRes:
        self.count += 1
        prev = self.tail
        rr = ReqRes(self.count, prev=prev)
        if prev is not None:
            prev.next = rr
            if not keep:  # one pass: only the new record and the one before are read
                prev.prev = None
        self.tail = rr
        return rr

    def push_req(self, frame: int, ts: int, keep: bool = True) -> ReqRes:
        """A request always starts a new record (`keep`: the whole list, for -2)."""
        rr = self._push(keep)
        rr.req_frame, rr.req_ts = frame, ts
        return rr

    def push_res(self, frame: int, keep: bool = True) -> ReqRes:
        """A response fills the last record, unless that one already has a response."""
        rr = self.tail
        if rr is None or rr.res_frame > 0:
            rr = self._push(keep)
        rr.res_frame = frame
        return rr


_SWEEP_EVERY = 4096  # new conversations between two packings of a table (one pass only)


def _sweep(table: dict) -> None:
    """One pass only: pack every conversation of `table` into bytes (lossless; `_get`
    unpacks the few a later packet needs). In revisit mode the objects stay, since the
    per-frame links of -2 point into them."""
    for key, c in table.items():
        if type(c) is HttpConversation:
            table[key] = _pack(c)


def _pack(c: HttpConversation) -> bytes:
    tail = c.tail
    prev = tail.prev if tail is not None else None  # (all that one pass reads back)
    return marshal.dumps((c.stream, c.count, c.seen, c.method, c.uri, c.full_uri, _rr(tail),
                          _rr(prev)))


def _rr(r: ReqRes | None) -> tuple | None:
    return None if r is None else (r.number, r.req_frame, r.res_frame, r.req_ts)


def _get(table: dict, key: bytes) -> HttpConversation | None:
    """The conversation of `key` in `table` (unpacked if packed), or None."""
    c = table.get(key)
    if type(c) is bytes:
        stream, count, seen, method, uri, full_uri, t, p = marshal.loads(c)
        prev = ReqRes(*p) if p is not None else None
        tail = ReqRes(*t, prev=prev) if t is not None else None  # type: ignore[misc]
        if prev is not None:
            prev.next = tail
        c = table[key] = HttpConversation(stream, tail, count, seen, method, uri, full_uri)
    return c


def _current(table: dict, key: bytes, stream: int) -> HttpConversation | None:
    """The conversation of `key` in `table` if it is still that of `stream` (after a
    port reuse the pair's entry is the old stream's: None, a new one replaces it)."""
    c = _get(table, key)
    return c if c is not None and c.stream == stream else None


def _add(table: dict, key: bytes, session: Session, stream: int) -> HttpConversation:
    """A new conversation in `table` (after packing the others now and then)."""
    if not session.revisit and len(table) % _SWEEP_EVERY == _SWEEP_EVERY - 1:
        _sweep(table)
    c = table[key] = HttpConversation(stream)
    return c


@dataclass(slots=True)
class HttpState:
    """First-pass knowledge: conversations, and per frame the record it last used and
    its conversation (whose count is final in a later pass)."""

    convs: dict[bytes, HttpConversation | bytes] = field(default_factory=dict)
    frames: dict[int, tuple[ReqRes, HttpConversation]] = field(default_factory=dict)


def _conv_key(pkt: Packet) -> bytes:
    """Both directions of the address/port pair, packed (a small key per stream); the
    ports as TCP (or UDP, for SSDP) set them."""
    return pair_key(bytes(pkt.net_src), pkt.srcport, bytes(pkt.net_dst), pkt.dstport)


def _stream(pkt: Packet) -> int:
    s = stream_of(pkt)
    return -1 if s is None else s


def _lconv(pkt: Packet, session: Session) -> HttpConversation:
    """This pass's per-conversation state (request method and URI, have_seen_http)."""
    conv_state: dict = session.state("http.conversations", dict)
    ckey = _conv_key(pkt)
    stream = _stream(pkt)
    lconv = _current(conv_state, ckey, stream)
    if lconv is None:
        lconv = _add(conv_state, ckey, session, stream)
        # Wireshark's conv_data is file-scoped: a second pass starts from what the first
        # one ended with (the last request's method and URI, have_seen_http).
        final = session.state("pass1:http.lconv", dict)
        fkey = (ckey, stream)
        if session.recording:
            final[fkey] = lconv
        elif fkey in final:
            old = final[fkey]
            lconv.seen, lconv.method, lconv.uri, lconv.full_uri = (
                old.seen, old.method, old.uri, old.full_uri)
    return lconv


def _pairing(pkt: Packet, session: Session, top: Item, add, lconv: HttpConversation,  # noqa: ANN001
             is_request: bool, uri: str, host: str | None, off: int) -> None:
    """Request/response records, and the generated items that show them."""
    state = session.state("pass1:http", HttpState)
    num = pkt.frame.number
    if is_request:
        method = pkt.proto_data["http.method"]
        full = ""
        if host is not None and uri:
            full = uri if "://" in uri else f"http://{host}{uri}"
        lconv.method, lconv.uri = method, uri
        if full:  # conv_data->full_uri keeps the last one a request had
            lconv.full_uri = full
            add(top, FULL_URI, full, off, 0, generated=True)
        add(top, REQUEST, True, off, 0, hidden=True)
    else:
        add(top, RESPONSE, True, off, 0, hidden=True)
    if session.pass_no > 1 and num in state.frames:
        rr, conv = state.frames[num]
        for_uri = lconv.full_uri or lconv.uri  # conv_data as this pass has it now
        # conv_data->req_res_num: in a second pass, the conversation's final count.
        total = conv.count
    else:
        ckey = _conv_key(pkt)
        found = _current(state.convs, ckey, lconv.stream)
        conv = found if found is not None else _add(state.convs, ckey, session, lconv.stream)
        keep = session.revisit
        if is_request:
            rr = conv.push_req(num, pkt.frame.ts_ns, keep)
        else:
            rr = conv.push_res(num, keep)
        for_uri = lconv.full_uri or lconv.uri
        if session.recording:
            state.frames[num] = (rr, conv)
        total = conv.count
    prev, nxt = rr.prev, rr.next
    if is_request:
        add(top, REQUEST_NUMBER, rr.number, off, 0, f"HTTP request {rr.number}/{total}",
            generated=True)
        if prev is not None and prev.req_frame:
            add(top, PREV_REQUEST_IN, prev.req_frame, off, 0, generated=True)
        if rr.res_frame:
            add(top, RESPONSE_IN, rr.res_frame, off, 0, generated=True)
        if nxt is not None and nxt.req_frame:
            add(top, NEXT_REQUEST_IN, nxt.req_frame, off, 0, generated=True)
        return
    add(top, RESPONSE_NUMBER, rr.number, off, 0, f"HTTP response {rr.number}/{total}",
        generated=True)
    if rr.req_frame:
        add(top, TIME, pkt.frame.ts_ns - rr.req_ts, off, 0, generated=True)
    if prev is not None and prev.req_frame:
        add(top, PREV_REQUEST_IN, prev.req_frame, off, 0, generated=True)
    if prev is not None and prev.res_frame:
        add(top, PREV_RESPONSE_IN, prev.res_frame, off, 0, generated=True)
    if rr.req_frame:
        add(top, REQUEST_IN, rr.req_frame, off, 0, generated=True)
    if nxt is not None and nxt.req_frame:
        add(top, NEXT_REQUEST_IN, nxt.req_frame, off, 0, generated=True)
    if nxt is not None and nxt.res_frame:
        add(top, NEXT_RESPONSE_IN, nxt.res_frame, off, 0, generated=True)
    if for_uri:
        add(top, RESPONSE_FOR_URI, for_uri, off, 0, generated=True)
