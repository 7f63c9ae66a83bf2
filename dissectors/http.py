"""HTTP/1.x (RFC 9112) over TCP, as tshark 4.0 shows it in a single pass.

    request-line  = method SP request-target SP HTTP-version CRLF
    status-line   = HTTP-version SP status-code SP [ reason-phrase ] CRLF
    *( field-line CRLF )
    CRLF
    [ message-body ]   (Content-Length bytes, or chunked, or up to the end)

Messages that span TCP segments are reassembled through TCP's desegment interface
(`pkt.desegment`); several messages in one segment are dissected in a loop.
Requests and responses are paired per TCP conversation the way Wireshark's
`push_req`/`push_res` do it: a response fills the last record that has none yet.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

from dissectors.dispatch import BY_NAME, TCP_HEUR, TCP_PORT, register_dissector
from dissectors.escape import format_str, format_text
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.textnum import strtol, whole_int64, wrap
from dissectors.tvb import ReportedBoundsError, Tvb

STATUS_CODES = {
    100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
    200: "OK", 201: "Created", 202: "Accepted", 203: "Non-authoritative Information",
    204: "No Content", 205: "Reset Content", 206: "Partial Content", 207: "Multi-Status",
    208: "Already Reported", 226: "IM Used",
    300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other",
    304: "Not Modified", 305: "Use Proxy", 307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
    407: "Proxy Authentication Required", 408: "Request Time-out", 409: "Conflict",
    410: "Gone", 411: "Length Required", 412: "Precondition Failed",
    413: "Request Entity Too Large", 414: "Request-URI Too Long",
    415: "Unsupported Media Type", 416: "Requested Range Not Satisfiable",
    417: "Expectation Failed", 418: "I'm a teapot", 421: "Misdirected Request",
    422: "Unprocessable Entity", 423: "Locked", 424: "Failed Dependency",
    426: "Upgrade Required", 428: "Precondition Required", 429: "Too Many Requests",
    431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons",
    500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Time-out", 505: "HTTP Version not supported",
    506: "Variant Also Negotiates", 507: "Insufficient Storage", 508: "Loop Detected",
    510: "Not Extended", 511: "Network Authentication Required",
}
METHODS = frozenset({
    "GET", "PUT", "POST", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PATCH",
    "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH", "NOTIFY",
    "SUBSCRIBE", "UNSUBSCRIBE", "M-SEARCH", "REPORT", "MERGE", "CHECKOUT", "CHECKIN",
    "UNCHECKOUT", "MKACTIVITY", "MKWORKSPACE", "VERSION-CONTROL", "BASELINE-CONTROL",
    "LABEL", "UPDATE", "ACL", "BIND", "UNBIND", "REBIND", "ORDERPATCH", "MKREDIRECTREF",
    "UPDATEREDIRECTREF", "POLL", "BMOVE", "BCOPY", "BDELETE", "BPROPFIND", "BPROPPATCH",
    "X-MS-ENUMATTS", "RPC_IN_DATA", "RPC_OUT_DATA", "PURGE", "SSTP_DUPLEX_POST",
})
# Content types handed to "Line-based text data" (packet-text-media.c).
TEXT_MEDIA = frozenset({
    "text/html", "text/plain", "text/richtext", "text/css", "text/javascript",
    "application/x-javascript", "application/javascript", "application/x-tia",
    "text/vnd.sun.j2me.app-descriptor", "application/x-ns-proxy-autoconfig", "text/vcard",
    "text/x-component", "application/vnd.oma.drm.message", "text/x-vcard", "text/csv",
    "text/x-html", "text/x-markdown", "text/markdown", "text/x-python", "text/x-c",
})
NO_BODY_2XX_METHODS = frozenset({"CONNECT", "SSTP_DUPLEX_POST"})  # a 2xx answer has no body
DESEGMENT_UNTIL_FIN = -2  # TCP's `more` for "every byte up to the FIN" (see tcp.py)
CHUNK_WAIT_MAX = 1 << 31  # a longer chunk is "unreasonable": tshark stops reassembling
HTTP_TCP_PORTS = (80, 631, 1900, 2710, 2869, 3128, 3132, 3689, 5985, 8080, 8088, 11371)

HTTP = protocol("http", "Hypertext Transfer Protocol", "HTTP")
NOTIFICATION = HTTP.field("http.notification", "Notification", FT.BOOLEAN)
RESPONSE = HTTP.field("http.response", "Response", FT.BOOLEAN)
REQUEST = HTTP.field("http.request", "Request", FT.BOOLEAN)
RESPONSE_LINE = HTTP.field("http.response.line", "Response line", FT.STRING)
REQUEST_LINE = HTTP.field("http.request.line", "Request line", FT.STRING)
METHOD = HTTP.field("http.request.method", "Request Method", FT.STRING)
URI = HTTP.field("http.request.uri", "Request URI", FT.STRING)
URI_PATH = HTTP.field("http.request.uri.path", "Request URI Path", FT.STRING)
URI_QUERY = HTTP.field("http.request.uri.query", "Request URI Query", FT.STRING)
URI_QUERY_PARAM = HTTP.field("http.request.uri.query.parameter",
                             "Request URI Query Parameter", FT.STRING)
REQ_VERSION = HTTP.field("http.request.version", "Request Version", FT.STRING)
RESP_VERSION = HTTP.field("http.response.version", "Response Version", FT.STRING)
FULL_URI = HTTP.field("http.request.full_uri", "Full request URI", FT.STRING)
# No value strings: tshark names the code in http.response.code.desc instead.
CODE = HTTP.field("http.response.code", "Status Code", FT.UINT16, Base.DEC)
CODE_DESC = HTTP.field("http.response.code.desc", "Status Code Description", FT.STRING)
RESPONSE_FOR_URI = HTTP.field("http.response_for.uri", "Request URI", FT.STRING)
PHRASE = HTTP.field("http.response.phrase", "Response Phrase", FT.STRING)
CONTENT_LENGTH = HTTP.field("http.content_length", "Content length", FT.UINT64, Base.DEC)
REQUEST_IN = HTTP.field("http.request_in", "Request in frame", FT.FRAMENUM)
RESPONSE_IN = HTTP.field("http.response_in", "Response in frame", FT.FRAMENUM)
NEXT_REQUEST_IN = HTTP.field("http.next_request_in", "Next request in frame", FT.FRAMENUM)
NEXT_RESPONSE_IN = HTTP.field("http.next_response_in", "Next response in frame", FT.FRAMENUM)
PREV_REQUEST_IN = HTTP.field("http.prev_request_in", "Prev request in frame", FT.FRAMENUM)
PREV_RESPONSE_IN = HTTP.field("http.prev_response_in", "Prev response in frame", FT.FRAMENUM)
TIME = HTTP.field("http.time", "Time since request", FT.RELATIVE_TIME)
REQUEST_NUMBER = HTTP.field("http.request_number", "Request number", FT.UINT32, Base.DEC)
RESPONSE_NUMBER = HTTP.field("http.response_number", "Response number", FT.UINT32, Base.DEC)
CHUNK_SIZE = HTTP.field("http.chunk_size", "Chunk size", FT.UINT32, Base.DEC)
CHUNK_DATA = HTTP.field("http.chunk_data", "Chunk data", FT.BYTES)
CHUNK_BOUNDARY = HTTP.field("http.chunk_boundary", "Chunk boundary", FT.BYTES)
CHUNKED_TRAILER = HTTP.field("http.chunked_trailer_part", "trailer-part", FT.STRING)
FILE_DATA = HTTP.field("http.file_data", "File Data", FT.STRING)
UNKNOWN_HEADER = HTTP.field("http.unknown_header", "Unknown header", FT.STRING)
CHAT = HTTP.field("http.chat", "Formatted text", FT.NONE)
COOKIE_PAIR = HTTP.field("http.cookie_pair", "Cookie pair", FT.STRING)


def _hdr(abbrev: str, name: str) -> Field:
    return HTTP.field(abbrev, name, FT.STRING)


# Header name (lower case) -> field, as Wireshark's headers[] table.
HEADERS: dict[str, Field] = {
    "authorization": _hdr("http.authorization", "Authorization"),
    "proxy-authenticate": _hdr("http.proxy_authenticate", "Proxy-Authenticate"),
    "proxy-authorization": _hdr("http.proxy_authorization", "Proxy-Authorization"),
    "www-authenticate": _hdr("http.www_authenticate", "WWW-Authenticate"),
    "content-type": _hdr("http.content_type", "Content-Type"),
    "content-length": _hdr("http.content_length_header", "Content-Length"),
    "content-encoding": _hdr("http.content_encoding", "Content-Encoding"),
    "transfer-encoding": _hdr("http.transfer_encoding", "Transfer-Encoding"),
    "upgrade": _hdr("http.upgrade", "Upgrade"),
    "user-agent": _hdr("http.user_agent", "User-Agent"),
    "host": _hdr("http.host", "Host"),
    "connection": _hdr("http.connection", "Connection"),
    "cookie": _hdr("http.cookie", "Cookie"),
    "accept": _hdr("http.accept", "Accept"),
    "referer": _hdr("http.referer", "Referer"),
    "accept-language": _hdr("http.accept_language", "Accept-Language"),
    "accept-encoding": _hdr("http.accept_encoding", "Accept Encoding"),
    "date": _hdr("http.date", "Date"),
    "cache-control": _hdr("http.cache_control", "Cache-Control"),
    "server": _hdr("http.server", "Server"),
    "location": _hdr("http.location", "Location"),
    "sec-websocket-accept": _hdr("http.sec_websocket_accept", "Sec-WebSocket-Accept"),
    "sec-websocket-extensions": _hdr("http.sec_websocket_extensions",
                                     "Sec-WebSocket-Extensions"),
    "sec-websocket-key": _hdr("http.sec_websocket_key", "Sec-WebSocket-Key"),
    "sec-websocket-protocol": _hdr("http.sec_websocket_protocol", "Sec-WebSocket-Protocol"),
    "sec-websocket-version": _hdr("http.sec_websocket_version", "Sec-WebSocket-Version"),
    "set-cookie": _hdr("http.set_cookie", "Set-Cookie"),
    "last-modified": _hdr("http.last_modified", "Last-Modified"),
    "x-forwarded-for": _hdr("http.x_forwarded_for", "X-Forwarded-For"),
}

# The media-type dissectors HTTP hands a body to; only their columns are reproduced.
TEXT_LINES = protocol("data-text-lines", "Line-based text data", "Line-based text data")
URLENCODED = protocol("urlencoded-form", "HTML Form URL Encoded", "URL Encoded Form Data")
FORM_KEY = URLENCODED.field("urlencoded-form.key", "Key", FT.STRINGZ)
FORM_VALUE = URLENCODED.field("urlencoded-form.value", "Value", FT.STRINGZ)
MEDIA = protocol("media", "Media Type", "Media")
MEDIA_TYPE = MEDIA.field("media.type", "Media type", FT.BYTES)
JSON = protocol("json", "JavaScript Object Notation", "JSON")


# -- request/response pairing -----------------------------------------------------------

@dataclass(eq=False, slots=True)
class ReqRes:
    """One request/response pair (Wireshark's http_req_res_t)."""

    number: int
    req_frame: int = 0
    res_frame: int = 0
    req_ts: int = 0
    prev: ReqRes | None = None
    next: ReqRes | None = None


@dataclass(slots=True)
class HttpConversation:
    """Per TCP conversation: the pair list and what the last request asked for."""

    tail: ReqRes | None = None
    count: int = 0
    seen: bool = False  # a request was seen here (have_seen_http: conv_data->request_uri)
    method: str = ""
    uri: str = ""
    full_uri: str = ""

    def _push(self) -> ReqRes:
        self.count += 1
        rr = ReqRes(self.count, prev=self.tail)
        if self.tail is not None:
            self.tail.next = rr
        self.tail = rr
        return rr

    def push_req(self, frame: int, ts: int) -> ReqRes:
        """A request always starts a new record."""
        rr = self._push()
        rr.req_frame, rr.req_ts = frame, ts
        return rr

    def push_res(self, frame: int) -> ReqRes:
        """A response fills the last record, unless that one already has a response."""
        rr = self.tail
        if rr is None or rr.res_frame > 0:
            rr = self._push()
        rr.res_frame = frame
        return rr


@dataclass(slots=True)
class HttpState:
    """First-pass knowledge: conversations, and per frame the record it last used."""

    convs: dict[tuple, HttpConversation] = field(default_factory=dict)
    frames: dict[int, tuple[ReqRes, str, str, str]] = field(default_factory=dict)


def _conv_key(pkt: Packet) -> tuple:
    sp = pkt.index.get("tcp.srcport")
    dp = pkt.index.get("tcp.dstport")
    a = (pkt.net_src, sp[-1].value if sp else 0)
    b = (pkt.net_dst, dp[-1].value if dp else 0)
    return (a, b) if a <= b else (b, a)


# -- helpers ------------------------------------------------------------------------------

def _text(raw: bytes) -> str:
    """Bytes as Wireshark's ASCII strings: anything above 0x7f becomes U+FFFD."""
    return bytes(raw).decode("ascii", errors="replace")  # one U+FFFD per high byte


def _file_text(body: bytes) -> str:
    """http.file_data's value: an FT_STRING, so it ends at the first NUL as tshark's."""
    return _text(body.split(b"\0", 1)[0])


def _lconv(pkt: Packet, session: Session) -> HttpConversation:
    """This pass's per-conversation state (request method and URI, have_seen_http)."""
    conv_state = session.state("http.conversations", dict)
    ckey = _conv_key(pkt)
    lconv = conv_state.get(ckey)
    if lconv is None:
        lconv = conv_state[ckey] = HttpConversation()
        # Wireshark's conv_data is file-scoped: a second pass starts from what the first
        # one ended with (the last request's method and URI, have_seen_http).
        final = session.state("pass1:http.lconv", dict)
        if session.pass_no == 1:
            final[ckey] = lconv
        elif ckey in final:
            old = final[ckey]
            lconv.seen, lconv.method, lconv.uri, lconv.full_uri = (
                old.seen, old.method, old.uri, old.full_uri)
    return lconv


def _first_line_kind(line: bytes) -> str | None:
    """"request", "response" or None, like is_http_request_or_reply()."""
    if line.startswith(b"HTTP/") and len(line) >= 12 and line[8:9] == b" " and \
            line[9:12].isdigit():
        return "response"
    sp = line.find(b" ")
    if sp > 0 and _text(line[:sp]) in METHODS:
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
_SEPARATORS = frozenset(b'()<>@,;\\"/[]?={} ')


def _is_header_line(line: bytes) -> bool:
    """Whether a line after the first one is a header: a token, then a colon. tshark ends
    the message at the first line that is not (its rest is dissected anew)."""
    for c in line:
        if c == 0x3A:
            return True
        if not 0x20 <= c < 0x7F or c in _SEPARATORS:
            return False
    return False


def _media_type(ctype: str) -> str:
    return ctype.split(";", 1)[0].strip().lower()


# -- the dissector --------------------------------------------------------------------------

def dissect_http(tvb: Tvb, pkt: Packet, session: Session) -> None:
    """Every HTTP message in this (possibly reassembled) TCP payload."""
    session.current_proto = "http"
    off = tvb.start
    first = True
    while off < tvb.rend:
        used = _message(tvb, off, pkt, session, first)
        first = False
        if used is None:
            return
        off += used
        pkt.fence_info()


def _want_more(pkt: Packet, off: int, more: int, tvb: Tvb | None = None) -> bool:
    """Ask TCP for more bytes when it can reassemble; False when it cannot."""
    if not pkt.can_desegment:
        return False
    if tvb is not None and tvb.end < tvb.rend:
        return False  # bytes cut by the snapshot length can never be reassembled
    pkt.desegment = (off, more)
    return True


def _message(tvb: Tvb, off: int, pkt: Packet, session: Session,  # noqa: C901
             first_in_call: bool = True) -> int | None:
    """One message at `off`; its length, or None when TCP must bring more bytes."""
    src = tvb.source
    truncated = tvb.end < tvb.rend  # cut by the snapshot length
    if off < tvb.end and not 0x20 <= tvb.buf[off] <= 0x7E:
        return _binary(tvb, off, pkt, session, first_in_call)
    line_end, nxt = _find_line(tvb, off)
    partial_first = False
    if line_end < 0:
        if _want_more(pkt, off, -1, tvb):
            return None
        kind = None
        if truncated and tvb.end > off:
            # A first line cut by the snapshot length: tshark's Info says Continuation,
            # yet the captured rest is still parsed as the request or status line.
            line_end = nxt = tvb.end
            if tvb.buf[line_end - 1] == 0x0D:
                line_end -= 1
            kind = _first_line_kind(bytes(tvb.buf[off:line_end]))
            partial_first = True
    else:
        kind = _first_line_kind(bytes(tvb.buf[off:line_end]))
    if kind is None:
        return _continuation(tvb, off, pkt, session, first_in_call)

    first = bytes(tvb.buf[off:line_end])
    seen_before = _lconv(pkt, session).seen
    if not partial_first:
        pkt.set_info(format_text(first) + " ")
    elif seen_before:
        pkt.set_info("Continuation")
    if kind == "request":
        _lconv(pkt, session).seen = True
    # Header lines up to the empty line.
    headers: list[tuple[int, int, int]] = []  # (line start, line end, next line)
    p = nxt
    hdr_end = -1
    blank = -1  # where the empty line starts
    cut = cut_early = False
    while True:
        le, ln = _find_line(tvb, p)
        if le < 0:
            if truncated:
                # A line cut by the snapshot length: tshark keeps it as a header when it
                # has a colon, and gives up right away when it has none.
                if not bytes(tvb.buf[p:tvb.end]).strip(b"\r"):
                    cut = True  # only the empty line was cut: the headers are complete
                    if tvb.end > p:
                        blank = p  # its captured `\r` still shows
                elif b":" in bytes(tvb.buf[p:tvb.end]):
                    # (a CR just before the cut ends the line's text: its value has none)
                    cr = tvb.end - 1 if tvb.buf[tvb.end - 1] == 0x0D else tvb.end
                    headers.append((p, cr, tvb.end))
                    cut = True
                else:
                    cut_early = True
            break
        if le == p:
            hdr_end, blank = ln, p
            break
        headers.append((p, le, ln))
        p = ln
    if hdr_end < 0:
        if _want_more(pkt, off, -1, tvb):
            return None
        hdr_end = tvb.end
    stray = False  # a line that is no header ends the message before it (tshark)
    for i, (hs, he, hn) in enumerate(headers):
        if hn < tvb.rend and not _is_header_line(bytes(tvb.buf[hs:he])):
            del headers[i:]
            hdr_end, stray = hs, True
            break
    values: dict[str, str] = {}
    host = None  # the full URI takes the Host header's own bytes (UTF-8), not ASCII's
    for hs, he, _hn in headers:
        line = _text(bytes(tvb.buf[hs:he]))
        name, sep, value = line.partition(":")
        if sep:
            values.setdefault(name.strip().lower(), value.lstrip())
            if host is None and name.strip().lower() == "host":
                host = bytes(tvb.buf[hs:he]).partition(b":")[2].strip().split(b"\0")[
                    0].decode("utf-8", errors="replace")  # a C string: up to a NUL
    is_request = kind == "request"
    lconv = _lconv(pkt, session)
    code = 0
    if not is_request:
        try:
            code = int(first[9:12])
        except ValueError:
            code = 0

    # Body extent.
    clen = _content_length(values["content-length"]) if "content-length" in values else None
    chunked = "chunked" in values.get("transfer-encoding", "").lower()
    # RFC 9110 6.3: 1xx, 204 and 304 responses, answers to HEAD and 2xx answers to
    # CONNECT have no body, so tshark never waits for one; nor after the FIN. A
    # Content-Length still bounds what follows the headers in this segment.
    fin = pkt.tcp_fin
    bodiless_code = not is_request and (code // 100 == 1 or code in (204, 304))
    deseg_body = not fin and not bodiless_code and not (not is_request and (
        lconv.method == "HEAD" or (code // 100 == 2 and lconv.method in NO_BODY_2XX_METHODS)))
    no_body = stray or (bodiless_code and (chunked or clen is None))

    def want(more: int) -> bool:
        return deseg_body and _want_more(pkt, off, more, tvb)

    body_start = hdr_end
    chunks: list[tuple[int, int, int, int]] = []  # (size line start, size, data, next)
    overrun = False
    trailer: tuple[int, int] | None = None
    if no_body:
        body_end = body_start
    elif chunked:
        q = body_start
        while True:
            le, ln = _find_line(tvb, q)
            if le < 0:
                if want(-1):
                    return None
                body_end = tvb.end
                cut = cut or truncated
                break
            # tshark: (guint32)strtol(line, NULL, 16): no digits is 0, the rest wraps.
            size = wrap(strtol(_text(bytes(tvb.buf[q:le])), 16), 32, False)
            if size == 0:
                # Trailer lines up to the empty line.
                t = ln
                while True:
                    te, tn = _find_line(tvb, t)
                    if te < 0:
                        if want(-1):
                            return None
                        tn = tvb.end
                        cut = cut or truncated
                        break
                    if te == t:
                        break
                    t = tn
                chunks.append((q, 0, ln, ln))
                trailer = (ln, tn)
                body_end = tn
                break
            if ln + size + 2 > tvb.end:
                # tshark waits for the rest of a chunk up to 2^31 bytes long.
                if size <= CHUNK_WAIT_MAX and want(-1):
                    return None
                if truncated:
                    cut = True  # tshark gives up on a chunked body cut by the snaplen
                else:
                    overrun = True  # the chunk runs past the data: malformed
                body_end = tvb.end
                break
            chunks.append((q, size, ln, ln + size + 2))
            q = ln + size + 2
    elif clen is not None:
        have = tvb.end - body_start
        if have < clen and want(clen - have):
            return None
        body_end = body_start + min(clen, max(have, 0))
    elif is_request:
        body_end = body_start
    else:
        # No length: the body runs to the end of the connection, so TCP collects the
        # rest of this direction and hands it over at the FIN.
        if deseg_body and _want_more(pkt, off, DESEGMENT_UNTIL_FIN, tvb):
            return None
        body_end = tvb.end

    # The message is complete: build the tree.
    if seen_before or not partial_first:
        pkt.proto_col = "HTTP"
    # Later messages of the same segment are one layer with the first in frame.protocols.
    top = pkt.add_proto(HTTP, off, body_end - off, "Hypertext Transfer Protocol", source=src,
                        in_stack=first_in_call)

    def add(parent: Item | None, f: Field, value: object, o: int, n: int,
            text: str | None = None, **kw: bool) -> Item:
        return pkt.add(parent, f, value, o, n, text, source=src, **kw)

    fl_text = _text(first)
    # The line's label shows its own terminator (`\\r\\n`, `\\r` for a bare CR, none when
    # the snapshot length cut it).
    fl_label = format_text(bytes(tvb.buf[off:nxt]))
    fl = pkt.add_text(top, fl_label, off, nxt - off, source=src)
    pkt.add_expert(fl, "chat", "sequence", fl_label, "http", field=CHAT)
    uri = ""
    if is_request:
        method, _, rest = fl_text.partition(" ")
        uri, _, version = rest.rpartition(" ")
        if not uri:
            uri, version = version, ""
        add(fl, METHOD, method, off, len(method))
        ui = add(fl, URI, uri, off + len(method) + 1, len(uri))
        if "?" in uri:
            path, _, query = uri.partition("?")
            uoff = off + len(method) + 1
            add(ui, URI_PATH, path, uoff, len(path))
            qi = add(ui, URI_QUERY, query, uoff + len(path) + 1, len(query))
            qo = uoff + len(path) + 1
            for param in query.split("&"):
                add(qi, URI_QUERY_PARAM, param, qo, len(param))
                qo += len(param) + 1
        add(fl, REQ_VERSION, version, line_end - len(version), len(version))
    else:
        version, _, rest = fl_text.partition(" ")
        code_txt, _, phrase = rest.partition(" ")
        add(fl, RESP_VERSION, version, off, len(version))
        add(fl, CODE, code, off + len(version) + 1, 3)
        add(fl, CODE_DESC, STATUS_CODES.get(code, "Unknown"), off + len(version) + 1, 3,
            generated=True)
        add(fl, PHRASE, phrase, off + len(version) + 5, len(phrase))

    line_field = REQUEST_LINE if is_request else RESPONSE_LINE
    for hs, he, hn in headers:
        line = _text(bytes(tvb.buf[hs:he]))
        name, sep, value = line.partition(":")
        value = value.lstrip()  # tshark keeps a value's trailing blanks
        crlf = _text(bytes(tvb.buf[he:hn]))  # a line cut by the snapshot length has none
        label = format_text(bytes(tvb.buf[hs:hn]))
        hf = HEADERS.get(name.strip().lower()) if sep else None
        if hf is None:
            # A header tshark does not know is its http.request/response.line, shown.
            _stray_nul(pkt, add(top, line_field, line + crlf, hs, hn - hs, label))
            continue
        hi = add(top, hf, value, hs, hn - hs, label)
        if hf.abbrev == "http.content_length_header":
            n = _content_length(value)
            if n is not None:
                add(hi, CONTENT_LENGTH, n, hs, he - hs, generated=True)
        elif hf.abbrev == "http.cookie":
            for pair in value.split(";"):
                add(hi, COOKIE_PAIR, pair.lstrip(), hs, he - hs)
        _stray_nul(pkt, add(top, line_field, line + crlf, hs, hn - hs, hidden=True))
    if cut_early:
        tvb.need(tvb.end, 1)  # a cut line without a colon ends the dissection here
    if stray:
        pass
    elif blank >= 0:
        pkt.add_text(top, format_text(bytes(tvb.buf[blank:hdr_end])), blank, hdr_end - blank,
                     source=src)

    _pairing(pkt, session, top, add, lconv, is_request, uri, host, off)
    if cut:
        tvb.need(tvb.end, 1)  # the rest of the headers was not captured

    # Body.
    body_len = body_end - body_start
    if overrun:
        # tshark reads a chunk past the end of the data: an exception after the chunks
        # before it (or the chunk tree's title alone).
        if chunks:
            _chunks(tvb, pkt, top, add, chunks, None)
        else:
            pkt.add_text(top, "HTTP chunked response", body_start, tvb.end - body_start,
                         source=src)
        raise ReportedBoundsError()
    if chunks:
        body = _chunks(tvb, pkt, top, add, chunks, trailer)
        bsrc = pkt.add_source("De-chunked entity body", body) if body else src
        btvb = Tvb(body, 0, len(body), len(body), bsrc)
    else:
        body = bytes(tvb.buf[body_start:body_end])
        btvb = Tvb(tvb.buf, body_start, body_end, body_end, src)
    encoding = values.get("content-encoding", "").strip().lower()
    if body and encoding in ("gzip", "x-gzip", "deflate"):
        plain = _uncompress(body)
        if plain is None:
            ci = pkt.add_text(top, f"Content-encoded entity body ({encoding}): {len(body)} bytes",
                              btvb.start, len(body), source=btvb.source)
            pkt.add_expert(ci, "warning", "undecoded", "Decompression failed", "http")
            BY_NAME["data"](btvb, pkt, session)
            return body_end - off
        pkt.add_text(top, f"Content-encoded entity body ({encoding}): {len(body)} bytes -> "
                     f"{len(plain)} bytes", btvb.start, len(body), source=btvb.source)
        body = plain
        usrc = pkt.add_source("Uncompressed entity body", plain)
        btvb = Tvb(plain, 0, len(plain), len(plain), usrc)
    # An empty body shows no File Data, unless its bytes were cut by the snapshot length
    # or it is chunked (tshark's de-chunked entity body, even when empty).
    if body or chunks or (clen is not None and not no_body
                          and min(clen, tvb.rend - body_start) > 0):
        pkt.add(top, FILE_DATA, _file_text(body), btvb.start, len(body),
                f"File Data: {len(body)} bytes", source=btvb.source)
    if body:
        _media(btvb, pkt, session, values.get("content-type"), top)
    return body_end - off if body_end > off else body_len


def _content_length(text: str) -> int | None:
    """A Content-Length value as tshark takes it: a whole decimal number >= 0 that fits
    in 64 bits (ws_strtoi64), else none at all."""
    n = whole_int64(text)
    return n if n is not None and n >= 0 else None


def _uncompress(data: bytes) -> bytes | None:
    """gzip, zlib or raw deflate, as tvb_uncompress accepts them; None when it fails."""
    for wbits in (47, -15):
        try:
            out = zlib.decompressobj(wbits).decompress(data)
        except zlib.error:
            continue
        if out:
            return out
    return None


def _stray_nul(pkt: Packet, item: Item) -> None:
    """proto.c's check of a string item: bytes after its NUL get a note (no -z expert)."""
    text = item.value
    if "\0" in text and text.partition("\0")[2].strip("\0"):
        from dissectors.frame import TRAILING_STRAY  # frame imports the dissectors

        pkt.add_expert(item, "warning", "undecoded", "Trailing stray characters", "http",
                       field=TRAILING_STRAY, tapped=False)


def _pairing(pkt: Packet, session: Session, top: Item, add, lconv: HttpConversation,  # noqa: ANN001
             is_request: bool, uri: str, host: str | None, off: int) -> None:
    """Request/response records, and the generated items that show them."""
    state = session.state("pass1:http", HttpState)
    num = pkt.frame.number
    if is_request:
        method = pkt.index["http.request.method"][-1].value
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
        rr, _for_uri, _m, _u = state.frames[num]
        for_uri = lconv.full_uri or lconv.uri  # conv_data as this pass has it now
        # conv_data->req_res_num: in a second pass, the conversation's final count.
        conv = state.convs.get(_conv_key(pkt))
        total = conv.count if conv is not None else rr.number
    else:
        conv = state.convs.get(_conv_key(pkt))
        if conv is None:
            conv = state.convs[_conv_key(pkt)] = HttpConversation()
        if is_request:
            rr = conv.push_req(num, pkt.frame.ts_ns)
        else:
            rr = conv.push_res(num)
        for_uri = lconv.full_uri or lconv.uri
        state.frames[num] = (rr, for_uri, lconv.method, lconv.uri)
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


def _chunks(tvb: Tvb, pkt: Packet, top: Item, add, chunks: list[tuple[int, int, int, int]],  # noqa: ANN001
            trailer: tuple[int, int] | None) -> bytes:
    """The chunk tree; returns the de-chunked body."""
    start = chunks[0][0]
    end = trailer[1] if trailer else chunks[-1][3]
    ct = pkt.add_text(top, f"HTTP chunked {'response'}", start, end - start,
                      source=tvb.source)
    body = bytearray()
    for q, size, data, nxt in chunks:
        if size == 0:
            ci = pkt.add_text(ct, "End of chunked encoding", q, data - q, source=tvb.source)
            add(ci, CHUNK_SIZE, 0, q, data - q, "Chunk size: 0 octets")
            continue
        ci = pkt.add_text(ct, f"Data chunk ({size} octets)", q, nxt - q, source=tvb.source)
        add(ci, CHUNK_SIZE, size, q, data - q, f"Chunk size: {size} octets")
        piece = bytes(tvb.buf[data:min(data + size, tvb.end)])
        body += piece
        add(ci, CHUNK_DATA, piece, data, len(piece))
        if data + size + 2 <= tvb.end:
            add(ci, CHUNK_BOUNDARY, bytes(tvb.buf[data + size:data + size + 2]), data + size, 2)
    if trailer is not None:
        ts, te = trailer
        if te - ts > 2:
            add(ct, CHUNKED_TRAILER, _text(bytes(tvb.buf[ts:te - 2])), ts, te - ts - 2)
        pkt.add_text(ct, "\\r\\n", te - 2, 2, source=tvb.source)
    return bytes(body)


def _media(btvb: Tvb, pkt: Packet, session: Session, ctype: str | None,
           top: Item) -> None:
    """Hand the body on by its media type, as HTTP's media_type table does."""
    n = btvb.end - btvb.start
    if ctype is None:
        _nested_data(btvb, pkt, session, top)
        return
    mtype = _media_type(ctype)
    src = btvb.source
    if mtype in TEXT_MEDIA:
        raw = bytes(btvb.buf[btvb.start:btvb.end])
        lines = len(raw.splitlines()) or 1  # bytes split at LF, CR LF and a bare CR
        top = pkt.add_proto(TEXT_LINES, btvb.start, n,
                            f"Line-based text data: {mtype} ({lines} lines)", source=src)
        o = btvb.start
        for line in raw.splitlines(keepends=True):  # one label per line, as tshark
            pkt.add_text(top, format_text(line), o, len(line), source=src)
            o += len(line)
        pkt.append_info(f" ({mtype})")
    elif mtype == "application/x-www-form-urlencoded":
        top = pkt.add_proto(URLENCODED, btvb.start, n, "HTML Form URL Encoded: " + mtype,
                            source=src)
        pkt.append_info(f" ({mtype})")
        o = btvb.start
        for item in _text(bytes(btvb.buf[btvb.start:btvb.end])).split("&"):
            key, _, value = item.partition("=")
            it = pkt.add_text(top, format_str(f'Form item: "{key}" = "{value}"'), o, len(item),
                              source=src)
            pkt.add(it, FORM_KEY, key, o, len(key), source=src)
            pkt.add(it, FORM_VALUE, value, o + len(key) + 1, len(value), source=src)
            o += len(item) + 1
    elif mtype == "application/json":
        pkt.add_proto(JSON, btvb.start, n, "JavaScript Object Notation: " + mtype, source=src)
        pkt.proto_col = "HTTP/JSON"
        pkt.append_info(f"JavaScript Object Notation ({mtype})", ", ")
    else:
        top = pkt.add_proto(MEDIA, btvb.start, n, "Media Type", source=src)
        # The label adds the parameters (`; charset=x`). Both texts are escaped, where
        # tshark 4.0 prints a header's control bytes raw here.
        params = ctype.partition(";")[2].lstrip()
        pkt.add(top, MEDIA_TYPE, bytes(btvb.buf[btvb.start:btvb.end]), btvb.start, n,
                format_str(f"Media type: {mtype}{'; ' + params if params else ''} "
                           f"({n} bytes)"), source=src)
        pkt.append_info(f" ({format_str(mtype)})")


def _continuation(tvb: Tvb, off: int, pkt: Packet, session: Session,
                  in_stack: bool = True) -> int:
    """Bytes that do not start an HTTP message: Wireshark's "Continuation"."""
    src = tvb.source
    if not _lconv(pkt, session).seen:
        # Before any request tshark shows no HTTP tree, yet the bytes are consumed, and
        # its follow tap still gets them (an empty header part, then the data).
        pkt.proto_data.setdefault("http.tapped", []).extend((b"", bytes(tvb.buf[off:tvb.end])))
        return max(tvb.rend - off, 1)
    pkt.proto_col = "HTTP"
    pkt.set_info("Continuation")
    end = tvb.end
    top = pkt.add_proto(HTTP, off, end - off, "Hypertext Transfer Protocol", source=src,
                        in_stack=in_stack)
    body = bytes(tvb.buf[off:end])
    pkt.add(top, FILE_DATA, _file_text(body), off, len(body), f"File Data: {len(body)} bytes",
            source=src)
    _nested_data(Tvb(tvb.buf, off, end, tvb.rend, src), pkt, session, top)
    if end < tvb.rend:
        tvb.need(end, 1)  # tshark reads the whole reported payload: "Packet size limited"
    return max(tvb.rend - off, 1)


def _nested_data(tvb: Tvb, pkt: Packet, session: Session, top: Item) -> None:
    """call_data_dissector(..., http_tree): the data layer nests under HTTP."""
    first = len(pkt.tree)
    BY_NAME["data"](tvb, pkt, session)
    moved = pkt.tree[first:]
    if moved:
        del pkt.tree[first:]
        top.children = (top.children or []) + moved


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


def heur_http(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    """Wireshark's http_tcp heuristic: a first line that looks like HTTP."""
    end, _nxt = _find_line(tvb, tvb.start)
    if end < 0 or _first_line_kind(bytes(tvb.buf[tvb.start:end])) is None:
        return False
    from dissectors.ports import Conversations

    sp = pkt.index.get("tcp.srcport")
    dp = pkt.index.get("tcp.dstport")
    if sp and dp:
        session.state("tcp.conversations", Conversations).bind(
            pkt.net_src, sp[-1].value, pkt.net_dst, dp[-1].value, "http")
    dissect_http(tvb, pkt, session)
    return None


for _port in HTTP_TCP_PORTS:
    TCP_PORT.register(_port, dissect_http, "http")
TCP_HEUR.register("http", heur_http)
register_dissector("http", dissect_http)


def http_follow_extras(pkt: Packet) -> tuple[list[bytes], set[int]]:
    """What HTTP's follow tap saw beside the tree: bytes it tapped with no HTTP layer
    (data before any request), and the ids of HTTP layers it never tapped."""
    data = pkt.proto_data
    return data.get("http.tapped", []), data.get("http.untapped", set())
