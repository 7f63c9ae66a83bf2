"""SIP (RFC 3261) on UDP/TCP port 5060, as tshark 4.0 shows it: the request or status line,
the message headers (Via, From/To/Contact addresses, CSeq, Call-ID ...) and a text body as
line-based text. Why: SIP signalling rides in tunnelled corpus captures (PPTP/GRE) and was
left undecoded. One message per packet (no TCP desegmentation). A body goes to the
media_type table by its Content-Type (application/sdp: sdp.py); a response (and an ACK) is
paired with its request by Call-ID, CSeq and the reversed addresses, as tshark's
[Request Frame] / [Response Time (ms)].
"""

from __future__ import annotations

from dissectors.bounded import remember
from dissectors.dispatch import MEDIA_TYPE, TCP_PORT, UDP_PORT, call_under, register_dissector
from dissectors.escape import format_text
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field, protocol
from dissectors.sdp import set_trailer, setup_notes
from dissectors.session import Session
from dissectors.sip_headers import HEADERS, UINT_HEADERS, header_abbrev
from dissectors.textlines import add_text_lines, lines
from dissectors.tvb import Tvb

SIP = protocol("sip", "Session Initiation Protocol", "SIP")
S = FT.STRING
REQUEST_LINE = SIP.field("sip.Request-Line", "Request-Line", S)
STATUS_LINE = SIP.field("sip.Status-Line", "Status-Line", S)
METHOD = SIP.field("sip.Method", "Method", S)
STATUS_CODE = SIP.field("sip.Status-Code", "Status-Code", FT.UINT32, Base.DEC)
RESEND = SIP.field("sip.resend", "Resent Packet", FT.BOOLEAN)
REQUEST_FRAME = SIP.field("sip.response-request", "Request Frame", FT.FRAMENUM)
RESPONSE_TIME = SIP.field("sip.response-time", "Response Time (ms)", FT.UINT32, Base.DEC)
RELEASE_TIME = SIP.field("sip.release-time", "Release Time (ms)", FT.UINT32, Base.DEC)
UNRECOGNIZED = SIP.field("sip.unrecognized_header", "Unrecognised SIP header", FT.NONE)
CONTACT_PARAM = SIP.field("sip.contact.parameter", "Contact parameter", S)
MSG_HDR = SIP.field("sip.msg_hdr", "Message Header", S)
MSG_BODY = SIP.field("sip.msg_body", "Message Body", FT.NONE)
HDR_NOT_TERMINATED = SIP.field("sip.header_not_terminated",
                               "Header not terminated by empty line (CRLF)", FT.NONE)
CALL_ID_GEN = SIP.field("sip.call_id_generated", "Generated Call-ID", S)
TAG = SIP.field("sip.tag", "SIP tag", S)
DISPLAY = SIP.field("sip.display.info", "SIP Display info", S)
CSEQ_SEQ = SIP.field("sip.CSeq.seq", "Sequence Number", FT.UINT32, Base.DEC)
CSEQ_METHOD = SIP.field("sip.CSeq.method", "Method", S)
VIA_TRANSPORT = SIP.field("sip.Via.transport", "Transport", S)
VIA_ADDR = SIP.field("sip.Via.sent-by.address", "Sent-by Address", S)
VIA_PORT = SIP.field("sip.Via.sent-by.port", "Sent-by port", FT.UINT16, Base.DEC)
# Via parameters with a field of their own, in tshark's names.
VIA_PARAMS = {p: SIP.field(f"sip.Via.{p}", label, S) for p, label in (
    ("branch", "Branch"), ("maddr", "Maddr"), ("rport", "RPort"),
    ("received", "Received"), ("ttl", "TTL"), ("comp", "Comp"))}

# The headers tshark knows -> the sip.<Name> field (sip_headers.py).
HEADER_FIELDS: dict[str, Field] = {
    h.lower(): SIP.field(header_abbrev(h), "Referred By" if h == "Referred-By" else h,
                         *((FT.UINT32, Base.DEC) if h in UINT_HEADERS else (S,)))
    for h in HEADERS}
COMPACT = {"i": "call-id", "m": "contact", "e": "content-encoding", "l": "content-length",
           "c": "content-type", "f": "from", "s": "subject", "k": "supported", "t": "to",
           "v": "via", "o": "event", "u": "allow-events"}


def _uri_fields(prefix: str, what: str, short: str) -> dict[str, Field]:
    """The display/address/user/host/port fields of an address header (sip.to.*)."""
    return {
        "display": SIP.field(f"{prefix}.display.info", f"{what} display info", S),
        "addr": SIP.field(f"{prefix}.addr" if short else f"{prefix}", f"{what} address"
                          if short else what, S),
        "user": SIP.field(f"{prefix}.user", f"{what}{short} User Part", S),
        "host": SIP.field(f"{prefix}.host", f"{what}{short} Host Part", S),
        "port": SIP.field(f"{prefix}.port", f"{what}{short} Host Port", S),
    }


TO = _uri_fields("sip.to", "SIP to", " address")
FROM = _uri_fields("sip.from", "SIP from", " address")
TO["tag"] = SIP.field("sip.to.tag", "SIP to tag", S)
FROM["tag"] = SIP.field("sip.from.tag", "SIP from tag", S)
RURI = {"addr": SIP.field("sip.r-uri", "Request-URI", S),
        "user": SIP.field("sip.r-uri.user", "Request-URI User Part", S),
        "host": SIP.field("sip.r-uri.host", "Request-URI Host Part", S),
        "port": SIP.field("sip.r-uri.port", "Request-URI Host Port", S)}
CONTACT = {"display": SIP.field("sip.contact.display.info", "SIP C-URI display info", S),
           "addr": SIP.field("sip.contact.uri", "Contact URI", S),
           "user": SIP.field("sip.contact.user", "Contact URI User Part", S),
           "host": SIP.field("sip.contact.host", "Contact URI Host Part", S),
           "port": SIP.field("sip.contact.port", "Contact URI Host Port", S)}
PAI = {"display": SIP.field("sip.pai.display.info", "SIP PAI display info", S),
       "addr": SIP.field("sip.pai.addr", "SIP PAI Address", S),
       "user": SIP.field("sip.pai.user", "SIP PAI User Part", S),
       "host": SIP.field("sip.pai.host", "SIP PAI Host Part", S),
       "port": SIP.field("sip.pai.port", "SIP PAI Host Port", S)}
_ADDRESS = {"to": TO, "from": FROM, "contact": CONTACT, "p-asserted-identity": PAI}

_METHOD_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ-")


def _text(raw: bytes) -> str:
    """ENC_UTF_8 text as Wireshark holds it."""
    return raw.decode("utf-8", "replace")


def _add_uri(pkt: Packet, parent: Item, fields: dict[str, Field], uri: bytes, at: int,
             src: int) -> None:
    """The address item and its user/host/port parts (sip:user@host:port;params)."""
    item = pkt.add(parent, fields["addr"], _text(uri), at, len(uri), source=src)
    colon = uri.find(b":")
    rest_at = colon + 1
    body = uri[rest_at:]
    semi = body.find(b";")
    if semi >= 0:
        body = body[:semi]
    q = body.find(b"?")
    if q >= 0:
        body = body[:q]
    at_sign = body.find(b"@")
    if at_sign >= 0:
        user = body[:at_sign]
        pkt.add(item, fields["user"], _text(user), at + rest_at, len(user), source=src)
        rest_at += at_sign + 1
        body = body[at_sign + 1:]
    port_colon = body.rfind(b":") if not body.startswith(b"[") else body.find(b"]:") + 1
    host = body[:port_colon] if port_colon > 0 else body
    pkt.add(item, fields["host"], _text(host), at + rest_at, len(host), source=src)
    if port_colon > 0:
        port = body[port_colon + 1:]
        pkt.add(item, fields["port"], _text(port), at + rest_at + port_colon + 1, len(port),
                source=src)


def _address_header(pkt: Packet, hi: Item, kind: str, value: bytes, at: int,
                    src: int) -> None:
    """To/From/Contact: [display] <uri> or uri, then ;tag=..."""
    fields = _ADDRESS[kind]
    lt = value.find(b"<")
    if lt >= 0:
        gt = value.find(b">", lt)
        if gt < 0:
            return
        if lt > 0:
            disp = value[:lt]
            if disp.startswith(b'"') and disp.find(b'"', 1) > 0:  # (a quoted name ends there)
                disp = disp[:disp.find(b'"', 1) + 1]
            pkt.add(hi, fields["display"], _text(disp), at, len(disp), source=src)
            # (and hidden, for every address header, Contact and PAI included)
            pkt.add(hi, DISPLAY, _text(disp), at, len(disp), hidden=True, source=src)
        uri, uri_at, params = value[lt + 1:gt], at + lt + 1, value[gt + 1:]
        params_at = at + gt + 1
    else:
        semi = value.find(b";")
        uri = value if semi < 0 else value[:semi]
        uri_at, params, params_at = at, value[len(uri):], at + len(uri)
    _add_uri(pkt, hi, fields, uri, uri_at, src)
    if kind == "contact":
        pos = 0
        for p in params.split(b";"):
            if pos and p:  # (what follows each ';')
                pkt.add(hi, CONTACT_PARAM, _text(p), params_at + pos, len(p),
                        f"Contact parameter: {format_text(p)}" if pkt.tree_on else None,
                        source=src)
            pos += len(p) + 1
        return
    if "tag" not in fields:
        return
    pos = 0
    for p in params.split(b";"):
        if p.strip().lower().startswith(b"tag="):
            start = params_at + pos + p.index(b"=") + 1
            tag = p.split(b"=", 1)[1]
            pkt.add(hi, fields["tag"], _text(tag), start, len(tag), source=src)
            pkt.add(hi, TAG, _text(tag), start, len(tag), hidden=True, source=src)
        pos += len(p) + 1


def _via_header(pkt: Packet, hi: Item, value: bytes, at: int, src: int) -> None:
    """SIP/2.0/UDP host[:port];param=value..."""
    parts = value.split(b";")
    sent = parts[0]
    slash = sent.rfind(b"/", 0, sent.find(b" ") if b" " in sent else len(sent))
    sp = sent.find(b" ")
    if slash < 0 or sp < 0:
        return
    pkt.add(hi, VIA_TRANSPORT, _text(sent[slash + 1:sp]), at + slash + 1, sp - slash - 1,
            source=src)
    by = sent[sp + 1:].strip()
    if not by:
        return
    by_at = at + sent.index(by, sp) if by else at + sp + 1
    colon = by.rfind(b":")
    host = by[:colon] if colon > 0 and not by.endswith(b"]") else by
    pkt.add(hi, VIA_ADDR, _text(host), by_at, len(host), source=src)
    if len(host) < len(by):
        port = by[len(host) + 1:]
        pkt.add(hi, VIA_PORT, int(port) if port.isdigit() and int(port) < 65536 else 0,
                by_at + len(host) + 1, len(port), source=src)
    pos = len(sent) + 1
    for p in parts[1:]:
        name, _, val = p.partition(b"=")
        field = VIA_PARAMS.get(_text(name.strip().lower()))
        if field is not None:
            vat = at + pos + len(name) + 1
            pkt.add(hi, field, _text(val), vat, len(val), source=src)
        elif p:  # (a parameter tshark has no field for: its text)
            pkt.add_text(hi, format_text(p), at + pos, len(p), source=src)
        pos += len(p) + 1


def _cseq_header(pkt: Packet, hi: Item, value: bytes, at: int, src: int) -> str:
    """CSeq: number method; returns the method."""
    n = 0
    while n < len(value) and 0x30 <= value[n] <= 0x39:
        n += 1
    num, method = value[:n], value[n:].strip()
    pkt.add(hi, CSEQ_SEQ, int(num) & 0xFFFFFFFF if num else 0, at, n, source=src)
    if method:
        pkt.add(hi, CSEQ_METHOD, _text(method), at + value.index(method, len(num)),
                len(method), source=src)
    return _text(method)


def _first_line(line: bytes) -> tuple[str, str, int] | None:
    """('request', method, uri end) / ('status', code, 0) or None for no SIP line."""
    if line.startswith(b"SIP/2.0 ") and len(line) >= 11 and line[8:11].isdigit():
        return "status", _text(line[8:11]), 0
    sp = line.find(b" ")
    if sp > 0 and line.endswith(b" SIP/2.0") and all(c in _METHOD_CHARS for c in line[:sp]):
        return "request", _text(line[:sp]), len(line) - 8
    return None


def dissect_sip(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    off, end, buf, src = tvb.start, tvb.end, tvb.buf, tvb.source
    found = lines(buf, off, end)
    if not found:
        return False
    start, eol, nxt = found[0]
    first = bytes(buf[start:eol])
    kind = _first_line(first)
    if kind is None:
        return False
    session.current_proto = "sip"
    pkt.proto_col = "SIP"
    items = pkt.wants_layer("sip")
    what, word, uri_end = kind
    # (named after the method or code, and the resend flag added, once the headers are
    # read: a message cut short in them is "Session Initiation Protocol", as tshark's)
    top = pkt.add_proto(SIP, off, end - off, "Session Initiation Protocol", source=src)
    line_item: Item | None = None
    line_text = _text(first)
    if what == "request":
        info = f"Request: {format_text(first[:uri_end])} "
        pkt.set_info(info[:-1])  # (until the headers are read)
        if items:
            rl = pkt.add(top, REQUEST_LINE, line_text, start, eol - start,
                         f"Request-Line: {format_text(first)}" if pkt.tree_on else None,
                         source=src)
            pkt.add(rl, METHOD, word, start, len(word), source=src)
            uri = first[len(word) + 1:uri_end]
            _add_uri(pkt, rl, RURI, uri, start + len(word) + 1, src)
            line_item = rl
    else:
        info = f"Status: {format_text(first[8:])} "
        pkt.set_info(info[:-1])
        if items:
            sl = pkt.add(top, STATUS_LINE, line_text, start, eol - start,
                         f"Status-Line: {format_text(first)}" if pkt.tree_on else None,
                         source=src)
            pkt.add(sl, STATUS_CODE, int(word), start + 8, 3, source=src)
            line_item = sl
    # Headers up to the empty line.
    hdr_lines = []
    body_at = end
    terminated = False  # (an empty line ends the headers)
    for ls, le, ln in found[1:]:
        if le == ls:
            body_at, terminated = ln, True
            break
        hdr_lines.append((ls, le, ln))
    hdr_start = found[0][2]
    # (its value runs to the end of the message, body included, as tshark's)
    hdr = pkt.add(top, MSG_HDR, _text(bytes(buf[hdr_start:end])), hdr_start,
                  end - hdr_start, "Message Header", source=src) if items else None
    ctype = ""
    clen = -1
    cseq_method = ""
    contacts = 0
    call_id = ""
    cseq_num = -1
    for ls, le, _ln in hdr_lines:
        raw = bytes(buf[ls:le])
        colon = raw.find(b":")
        if colon <= 0:
            if hdr is not None:
                pkt.add_text(hdr, format_text(raw), ls, le - ls, source=src)
            continue
        name = _text(raw[:colon].strip()).lower()
        name = COMPACT.get(name, name)
        vstart = colon + 1
        while vstart < len(raw) and raw[vstart] in b" \t":
            vstart += 1
        value = raw[vstart:]
        vat = ls + vstart
        if name == "content-type":
            ctype = _text(value).split(";", 1)[0].strip().lower()
        elif name == "content-length" and value.strip().isdigit():
            clen = int(value.strip())
        elif name == "contact":
            contacts += 1
        elif name == "call-id":
            call_id = _text(value)
        elif name == "cseq":
            digits = value[:len(value) - len(value.lstrip(b"0123456789"))]
            cseq_num = int(digits) & 0xFFFFFFFF if digits else 0
        field = HEADER_FIELDS.get(name)
        if field is None:
            note = pkt.add_text(hdr, format_text(raw), ls, le - ls, source=src) \
                if hdr is not None else None
            pkt.add_expert(note, "note", "undecoded",
                           f"Unrecognised SIP header ({format_text(name.encode())})",
                           "sip", field=UNRECOGNIZED)
            continue
        if hdr is None:
            if name == "cseq":
                cseq_method = _text(value.lstrip(b"0123456789").strip())
            continue
        label = f"{format_text(raw[:colon])}: {format_text(value)}" if pkt.tree_on else None
        if field.type == FT.UINT32:
            v = value.strip()
            num = int(v) & 0xFFFFFFFF if v.isdigit() else 0
            pkt.add(hdr, field, num, ls, le - ls, label, source=src)
            continue
        hi = pkt.add(hdr, field, _text(value), ls, le - ls, label, source=src)
        if name in _ADDRESS:
            _address_header(pkt, hi, name, value, vat, src)
        elif name == "via":
            _via_header(pkt, hi, value, vat, src)
        elif name == "cseq":
            cseq_method = _cseq_header(pkt, hi, value, vat, src)
        elif name == "call-id":
            pkt.add(hdr, CALL_ID_GEN, _text(value), vat, len(value), generated=True,
                    source=src)
    if not terminated and found[-1][1] == found[-1][2]:
        tvb.need(end, 1)  # (the last header line cut short: [Malformed Packet])
    if not terminated:
        text = "Header not terminated by empty line (CRLF)"
        note = pkt.add_text(hdr, text, end, 0, source=src) if hdr is not None else None
        pkt.add_expert(note, "warning", "malformed", text, "sip", field=HDR_NOT_TERMINATED)
    if contacts and (what == "request" and word == "REGISTER" or
                     what == "status" and cseq_method == "REGISTER" and
                     200 <= int(word) < 300):
        if what == "status":
            info += f"({format_text(cseq_method.encode())}) "
        info += f" ({contacts} binding{'s' if contacts > 1 else ''}) "
    elif what == "status" and int(word) >= 200 and cseq_method:
        info += f"({format_text(cseq_method.encode())}) "
    pkt.set_info(info + "| ")
    if body_at < end:
        blen = end - body_at if clen < 0 else min(clen, end - body_at)
        if blen > 0:  # (a body cut short raises past here, as tshark's: no name, no pairing)
            code = int(word) if what == "status" else 0
            _body(tvb, pkt, session, top, body_at, blen, ctype, call_id, items, code)
    top.value = top.text = f"Session Initiation Protocol ({word})"
    if line_item is not None:
        pkt.add(line_item, RESEND, False, 0, 0, generated=True, source=src)
        _pair(pkt, session, line_item, what, word, call_id, cseq_num, cseq_method, src)
    return None


def _body(tvb: Tvb, pkt: Packet, session: Session, top: Item, at: int, blen: int,
          ctype: str, call_id: str, items: bool, code: int) -> None:
    """The message body: to the media_type table by its Content-Type (SDP), as text
    lines (named in the Info column) for text/*."""
    src = tvb.source
    body = pkt.add(top, MSG_BODY, None, at, blen, "Message Body", source=src)
    sub = MEDIA_TYPE.get(ctype) if ctype else None
    if sub is not None:
        btvb = Tvb(tvb.buf, at, at + blen, source=tvb.source)
        if ctype == "application/sdp" and (code == 0 or 200 <= code < 300):
            setup_notes(pkt, btvb, "sip")  # (SIP's transport pass, before the tree)
        if call_id:
            def trailer(p: Packet, sdp_item: Item, off: int, rtp: bool) -> None:
                # (tshark shows the Call-ID of a call whose SDP set up RTP media, now
                # or in an earlier message of the call)
                calls = session.state("sip.media_calls", set)
                if rtp and len(calls) < _MAX_CALLS:
                    calls.add(call_id)
                if call_id in calls:
                    p.add(sdp_item, CALL_ID_GEN, call_id, off, 0, generated=True,
                          source=src)
            set_trailer(pkt, trailer)
        call_under(body, sub, btvb, pkt, session)
        session.current_proto = "sip"
        return
    if not ctype.startswith("text/"):
        return  # (tshark's media dissector names no other type in Info)
    pkt.append_info(f" ({format_text(ctype.encode())})")
    if items:
        add_text_lines(pkt, tvb, at, at + blen, parent=body,
                       label=f"Line-based text data: {ctype}")


_MAX_CALLS = 1 << 16  # (calls with media remembered: bounded)


class _Requests:
    """Requests seen, by (Call-ID, addresses and ports as sent): the last one's CSeq,
    method, frame and time (the newest `bounded.PENDING_MAX` Call-IDs: a flood of new
    ones stays bounded); and per frame the pairing made (for a second pass)."""

    def __init__(self) -> None:
        self.last: dict[tuple, tuple[int, str, int, int]] = {}
        self.pairs: dict[int, tuple[int, int, bool]] = {}


def _pair(pkt: Packet, session: Session, line_item: Item, what: str, word: str,
          call_id: str, cseq_num: int, cseq_method: str, src: int) -> None:
    """[Request Frame] / [Response Time (ms)] (and [Release Time] for a BYE's 2xx):
    a response pairs with the request its reversed addresses, Call-ID, CSeq number and
    method name; an ACK with the INVITE it acknowledges."""
    reqs = session.state("pass1:sip.requests", _Requests)
    num = pkt.frame.number
    pair = reqs.pairs.get(num) if session.pass_no > 1 else None
    if pair is None and call_id and cseq_num >= 0:
        fwd = (call_id, pkt.net_src, pkt.net_dst, pkt.srcport, pkt.dstport)
        if what == "request":
            if word == "ACK":
                last = reqs.last.get(fwd)
                if last is not None and last[0] == cseq_num and last[1] == "INVITE":
                    pair = (last[2], _ms(pkt.frame.ts_ns - last[3]), False)
            else:
                remember(reqs.last, fwd, (cseq_num, word, num, pkt.frame.ts_ns))
        else:
            back = (call_id, pkt.net_dst, pkt.net_src, pkt.dstport, pkt.srcport)
            last = reqs.last.get(back)
            if last is not None and last[0] == cseq_num and last[1] == cseq_method:
                release = cseq_method == "BYE" and 200 <= int(word) < 300
                pair = (last[2], _ms(pkt.frame.ts_ns - last[3]), release)
        if pair is not None and session.recording:
            reqs.pairs[num] = pair
    if pair is None:
        return
    frame, ms, release = pair
    pkt.add(line_item, REQUEST_FRAME, frame, 0, 0, generated=True, source=src)
    pkt.add(line_item, RESPONSE_TIME, ms, 0, 0, generated=True, source=src)
    if release:
        pkt.add(line_item, RELEASE_TIME, ms, 0, 0, generated=True, source=src)


def _ms(delta_ns: int) -> int:
    """A time difference in whole milliseconds, as a guint32."""
    return (delta_ns // 1_000_000) & 0xFFFFFFFF


UDP_PORT.register(5060, dissect_sip, "sip")
TCP_PORT.register(5060, dissect_sip, "sip")
register_dissector("sip", dissect_sip)
register_learner_layer("sip", "SIP")
