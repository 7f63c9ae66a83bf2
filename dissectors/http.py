"""HTTP/1.x (RFC 9112) over TCP, as tshark 4.0 shows it in a single pass.

    request-line  = method SP request-target SP HTTP-version CRLF
    status-line   = HTTP-version SP status-code SP [ reason-phrase ] CRLF
    *( field-line CRLF )
    CRLF
    [ message-body ]   (Content-Length bytes, or chunked, or up to the end)

Messages that span TCP segments are reassembled through TCP's desegment interface
(`pkt.desegment`); several messages in one segment are dissected in a loop.
Requests and responses are paired per TCP conversation the way Wireshark's
`push_req`/`push_res` do it (dissectors/http_pairing.py); bodies are de-chunked,
uncompressed and handed on by media type in dissectors/http_body.py.
"""

from __future__ import annotations

from typing import Final

from dissectors.dispatch import BY_NAME, TCP_HEUR, TCP_PORT, register_dissector
from dissectors.escape import format_text
from dissectors.http_auth import AUTH_HEADERS, http_auth
from dissectors.http_body import ENCODINGS, _chunks, _file_text, _media, _nested_data, _uncompress
from dissectors.http_follow import HttpFollower
from dissectors.http_lines import _find_line, _first_line_kind, _is_header_line
from dissectors.http_other import _binary, other_lines
from dissectors.http_pairing import FULL_URI, _lconv, _pairing
from dissectors.http_proto import HTTP, SourceAdd, _text, http_tapped, tap
from dissectors.http_tables import (
    _TLS_PORTS,
    CHAT,
    CODE,
    CODE_DESC,
    CONTENT_LENGTH,
    COOKIE_PAIR,
    FILE_DATA,
    HEADERS,
    METHOD,
    NO_BODY_2XX_METHODS,
    NOTIFICATION,
    NOTIFY_METHODS,
    PHRASE,
    REQ_VERSION,
    REQUEST_LINE,
    RESP_VERSION,
    RESPONSE_LINE,
    STATUS_CODES,
    TLS_PORT,
    UNKNOWN_HEADER,
    URI,
    URI_PATH,
    URI_QUERY,
    URI_QUERY_PARAM,
)
from dissectors.offers import FollowSpec, register_follow, register_learner_layer, register_tapped
from dissectors.packet import NULL_ITEM, Item, Packet
from dissectors.registry import Protocol
from dissectors.session import Session
from dissectors.textnum import strtol, whole_int64, wrap
from dissectors.tvb import ReportedBoundsError, Tvb

DESEGMENT_UNTIL_FIN: Final = -2  # TCP's `more` for "every byte up to the FIN" (see tcp.py)
CHUNK_WAIT_MAX: Final = 1 << 31  # a longer chunk is "unreasonable": tshark stops reassembling
HTTP_TCP_PORTS: Final = (80, 631, 1900, 2710, 2869, 3128, 3132, 3689, 5985, 8080, 8088, 11371)


# -- the dissector --------------------------------------------------------------------------

def dissect_http(tvb: Tvb, pkt: Packet, session: Session, proto: Protocol = HTTP) -> None:
    """Every HTTP message in this (possibly reassembled) TCP payload; `proto` is the
    protocol item of a protocol on HTTP's messages (SSDP over UDP, ssdp.py)."""
    session.current_proto = proto.abbrev
    buf = tvb.buf
    if not isinstance(buf, bytes):  # (a frame's memoryview: copied once, so that each
        # line's search and slice works in place instead of copying the rest each time)
        tvb = Tvb(bytes(buf), tvb.start, tvb.end, tvb.rend, tvb.source)
    off = tvb.start
    first = True
    while off < tvb.rend:
        used = _message(tvb, off, pkt, session, first, proto)
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
             first_in_call: bool = True, proto: Protocol = HTTP) -> int | None:
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
    lconv = _lconv(pkt, session)  # (looked up once a message: the state does not move)
    seen_before = lconv.seen
    if not partial_first:
        pkt.set_info(format_text(first) + " ")
    elif seen_before:
        pkt.set_info("Continuation")
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
    stray_len = False  # ... and a length header after it still counted for reassembly
    for i, (hs, he, hn) in enumerate(headers):
        if hn < tvb.rend and not _is_header_line(bytes(tvb.buf[hs:he])):
            stray_len = any(_text(bytes(tvb.buf[a:b])).lower().startswith(
                ("content-length:", "transfer-encoding:")) for a, b, _n in headers[i:])
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
    # (a response's body starts at the stray line: tshark's reassembly scanned every
    # line up to the blank one for a length, the dissection stopped at the stray one)
    no_body = (stray and (is_request or stray_len)) or (
        bodiless_code and (chunked or clen is None))

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
                if deseg_body and _want_more(pkt, off, -1, tvb):
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
                        if deseg_body and _want_more(pkt, off, -1, tvb):
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
                if size <= CHUNK_WAIT_MAX and deseg_body and _want_more(pkt, off, -1, tvb):
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
        if have < clen and deseg_body and _want_more(pkt, off, clen - have, tvb):
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

    # The message is complete: build the tree. (A request's URI is now the
    # conversation's: tshark's have_seen_http for the bytes that follow.)
    if kind == "request":
        lconv.seen = True
    if seen_before or not partial_first:
        pkt.proto_col = proto.short
    # Later messages of the same segment are one layer with the first in frame.protocols.
    top = pkt.add_proto(proto, off, body_end - off, proto.name, source=src,
                        in_stack=first_in_call)

    add = SourceAdd(pkt, src)  # (pkt.add with source=src)

    if proto is HTTP and (pkt.srcport in _TLS_PORTS or pkt.dstport in _TLS_PORTS):
        pkt.add_expert(top, "warning", "security", TLS_PORT.name, "http", field=TLS_PORT)
    fl_text = _text(first)
    # The line's label shows its own terminator (`\\r\\n`, `\\r` for a bare CR, none when
    # the snapshot length cut it).
    fl_label = format_text(bytes(tvb.buf[off:nxt]))
    fl = pkt.add_text(top, fl_label, off, nxt - off, source=src)
    pkt.add_expert(fl, "chat", "sequence", fl_label, proto.abbrev, field=CHAT)
    # A tree-less dissection that reads no HTTP field, no expert item and shows no tree
    # (the plain list's): the line and header items would all be NULL_ITEM, and the
    # notes about them reach nothing (Wireshark's `if (tree)`).
    layers = pkt.layers
    lean = layers is not None and not pkt.tree_visible and "http" not in layers \
        and "_ws" not in layers
    uri = ""
    if is_request:
        method, _, rest = fl_text.partition(" ")
        uri, _, version = rest.rpartition(" ")
        if not uri:
            uri, version = version, ""
        # (the pairing records it as the tap's stat_info holds it: without "M-")
        pkt.proto_data["http.method"] = method[2:] if method.startswith("M-") else method
    if lean:
        pass
    elif is_request:
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

    # GENA's notifications (NOTIFY, [UN]SUBSCRIBE) are neither request nor response
    # for tshark: unknown headers are http.unknown_header, no line items, no pairing.
    notify = is_request and fl_text.partition(" ")[0].removeprefix("M-") in NOTIFY_METHODS
    line_field = UNKNOWN_HEADER if notify else REQUEST_LINE if is_request else RESPONSE_LINE
    for hs, he, hn in headers:
        line = _text(bytes(tvb.buf[hs:he]))
        name, sep, value = line.partition(":")
        value = value.lstrip()  # tshark keeps a value's trailing blanks
        if lean:  # (only what the header does besides items: an Authorization's token)
            hf = HEADERS.get(name.strip().lower()) if sep else None
            if hf is not None and hf.abbrev in AUTH_HEADERS:
                http_auth(pkt, session, NULL_ITEM, value)
            continue
        crlf = _text(bytes(tvb.buf[he:hn]))  # a line cut by the snapshot length has none
        label = format_text(bytes(tvb.buf[hs:hn])) if pkt.tree_on else None
        hf = HEADERS.get(name.strip().lower()) if sep else None
        if hf is None:
            # A header tshark does not know is its http.request/response.line, shown.
            raw = format_text(line + crlf) if notify else line + crlf  # (its value escaped)
            _stray_nul(pkt, add(top, line_field, raw, hs, hn - hs, label), line + crlf)
            continue
        hi = add(top, hf, value, hs, hn - hs, label)
        if hf.abbrev == "http.content_length_header":
            n = _content_length(value)
            if n is not None:
                add(hi, CONTENT_LENGTH, n, hs, hn - hs, generated=True)
        elif hf.abbrev in AUTH_HEADERS:
            http_auth(pkt, session, hi, value)
        elif hf.abbrev == "http.cookie":
            for pair in value.split(";"):
                add(hi, COOKIE_PAIR, pair.lstrip(), hs, he - hs)
        if not notify:
            _stray_nul(pkt, add(top, line_field, line + crlf, hs, hn - hs, label,
                                hidden=True), line + crlf)
    if cut_early:
        tvb.need(tvb.end, 1)  # a cut line without a colon ends the dissection here
    if stray:
        pass
    elif blank >= 0 and pkt.wanted is None:  # (tree-less, add_text under top makes nothing)
        pkt.add_text(top, format_text(bytes(tvb.buf[blank:hdr_end])), blank, hdr_end - blank,
                     source=src)

    if not notify:
        _pairing(pkt, session, top, add, lconv, is_request, uri, host, off)
    else:
        if host is not None and uri:
            add(top, FULL_URI, uri if "://" in uri else f"http://{host}{uri}", off, 0,
                generated=True)
        add(top, NOTIFICATION, True, off, 0, hidden=True)
    if cut:
        tap(pkt, top)  # (tshark's next message in the segment is what fails)
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
    if body and encoding in ENCODINGS:
        plain = _uncompress(body, encoding)
        if plain is None:
            ci = pkt.add_text(top, f"Content-encoded entity body ({encoding}): {len(body)} bytes",
                              btvb.start, len(body), source=btvb.source)
            pkt.add_expert(ci, "warning", "undecoded", "Decompression failed", "http")
            BY_NAME["data"](btvb, pkt, session)
            tap(pkt, top)
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
        top.length = body_start - off  # tshark's HTTP item: the headers (-T pdml shows it)
        _media(btvb, pkt, session, values.get("content-type"), top)
    tap(pkt, top)  # (a message that failed before here never reached the tap)
    return body_end - off if body_end > off else body_len


def _content_length(text: str) -> int | None:
    """A Content-Length value as tshark takes it: a whole decimal number >= 0 that fits
    in 64 bits (ws_strtoi64), else none at all."""
    n = whole_int64(text)
    return n if n is not None and n >= 0 else None


def _stray_nul(pkt: Packet, item: Item, text: str) -> None:
    """proto.c's check of a string item (`text` its value): bytes after its NUL get a
    note (in -z expert only when tshark prints the tree)."""
    if "\0" in text and text.partition("\0")[2].strip("\0"):
        from dissectors.frame import TRAILING_STRAY  # frame imports the dissectors

        pkt.add_expert(item, "warning", "undecoded", "Trailing stray characters", "http",
                       field=TRAILING_STRAY, tapped=pkt.tree_visible)


def _continuation(tvb: Tvb, off: int, pkt: Packet, session: Session,
                  in_stack: bool = True) -> int:
    """Bytes that do not start an HTTP message: Wireshark's "Continuation"."""
    src = tvb.source
    if not _lconv(pkt, session).seen:
        # Before any request tshark changes no column, yet the bytes are consumed (only
        # header-like lines show, http_other.py), and its follow tap still gets them
        # (an empty header part, then the data).
        tapped = other_lines(tvb, off, pkt, session, in_stack, HEADERS, UNKNOWN_HEADER,
                             FILE_DATA, _find_line)
        pkt.proto_data.setdefault("http.tapped", []).extend(tapped)
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
    tap(pkt, top)  # an "Other HTTP" message
    if end < tvb.rend:
        tvb.need(end, 1)  # tshark reads the whole reported payload: "Packet size limited"
    return max(tvb.rend - off, 1)


_HEUR_VERSIONS: Final = (b"HTTP/1.1", b"HTTP/1.0")


def heur_http(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    """Wireshark's http_tcp heuristic: a first line that looks like HTTP."""
    end, _nxt = _find_line(tvb, tvb.start)
    line = bytes(tvb.buf[tvb.start:end]) if end >= 0 else b""
    # (tshark 4.0 also wants the version token at the line's end or start: "GET /" or
    # NATS's "CONNECT {...}" is not HTTP)
    if end < 0 or len(line) == 8 or _first_line_kind(line) is None or not (
            line[-8:].upper() in _HEUR_VERSIONS or line[:8].upper() in _HEUR_VERSIONS):
        return False
    from dissectors.ports import Conversations

    session.state("tcp.conversations", Conversations).bind(
        pkt.net_src, pkt.srcport, pkt.net_dst, pkt.dstport, "http")
    dissect_http(tvb, pkt, session)
    return None


for _port in HTTP_TCP_PORTS:
    TCP_PORT.register(_port, dissect_http, "http")
TCP_HEUR.register("http", heur_http)
register_dissector("http", dissect_http)


register_follow(FollowSpec("http", "tcp", HttpFollower, byte_stream=True))
register_tapped("http", http_tapped)
register_learner_layer("http", "HTTP")
