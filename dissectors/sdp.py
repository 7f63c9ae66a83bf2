"""SDP (RFC 4566), the session description SIP (and others) carry as application/sdp, as
tshark 4.0 shows it: one item per `x=` line, split into its tokens (owner, connection,
time, media, attributes: rtpmap, fmtp), the RTP payload type names, and tshark's notes
on broken lines. Why: SIP's INVITE/200 OK bodies were left undecoded, and tshark's
protocol column ("SIP/SDP"), flow labels and trees name SDP.

Tokens are found as packet-sdp.c finds them: a token that ends the line leaves the next
search at the line's start again (so `o=short` shows `short` six times, as tshark does).
Every read is bounded by the line; nothing here can raise on a short or odd body.
RTP conversations that Wireshark sets up from `m=` lines are not made (no RTP dissector).
"""

from __future__ import annotations

from collections.abc import Callable

from dissectors.dispatch import MEDIA_TYPE, register_dissector
from dissectors.escape import format_str, format_text
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet, tshark_has_tree
from dissectors.registry import Field
from dissectors.sdp_fields import (
    BAD_RATE,
    BANDWIDTH,
    BW_MOD,
    BW_VALUE,
    CANDIDATE,
    CONN_ADDR,
    CONN_ATYPE,
    CONN_NET,
    CONN_NUM,
    CONN_TTL,
    CONNECTION,
    DATA,
    EMAIL,
    EXTRA_SPACE,
    FMTP_PARAM,
    H263_LEVEL,
    H263_PROFILE,
    H264_MODE,
    INVALID,
    IPBCP_COMMAND,
    IPBCP_VERSION,
    KEY,
    KEY_DATA,
    KEY_TYPE,
    MATTR_FIELD,
    MATTR_VALUE,
    MEDIA,
    MEDIA_ATTR,
    MEDIA_FORMAT,
    MEDIA_MEDIA,
    MEDIA_PORT,
    MEDIA_PORT_STR,
    MEDIA_PORTCOUNT,
    MEDIA_PROTO,
    MEDIA_TITLE,
    MIME_TYPE,
    MISSING,
    MPEG4_LEVEL,
    NO_EQUAL,
    OWNER,
    OWNER_ADDR,
    OWNER_SUB,
    PHONE,
    REPEAT,
    REPEAT_DURATION,
    REPEAT_INTERVAL,
    REPEAT_OFFSET,
    SAMPLE_RATE,
    SATTR_FIELD,
    SATTR_VALUE,
    SDP,
    SESSION_ATTR,
    SESSION_INFO,
    SESSION_NAME,
    TIME,
    TIME_START,
    TIME_STOP,
    TIMEZONE,
    TZ_OFFSET,
    TZ_TIME,
    UNKNOWN,
    URI,
    VERSION,
    S,
)
from dissectors.sdp_names import (
    CANDIDATE_TYPES,
    payload_type_name,
)
from dissectors.session import Session
from dissectors.textlines import line_end
from dissectors.textnum import strtol, wrap
from dissectors.tvb import ReportedBoundsError, Tvb

_LINE_FIELDS = {"v": VERSION, "o": OWNER, "s": SESSION_NAME, "u": URI, "e": EMAIL,
                "p": PHONE, "c": CONNECTION, "b": BANDWIDTH, "t": TIME, "r": REPEAT,
                "m": MEDIA, "k": KEY, "z": TIMEZONE}
_BW_NAMES = ((b"CT", " [Conference Total(total bandwidth of all RTP sessions)]", " kb/s"),
             (b"AS", " [Application Specific (RTP session bandwidth)]", " kb/s"),
             (b"TIAS", " [Transport Independent Application Specific maximum]", " b/s"))
UNKNOWN_ENCODING = "Unknown"


def _text(raw: bytes) -> str:
    """ENC_UTF_8 text as Wireshark holds it."""
    return raw.decode("utf-8", "replace")


class _Line:
    """One SDP line's value (after `x=`): its items go under `item`, at `base` in the
    data source; the notes packet-sdp.c adds while it reads tokens."""

    __slots__ = ("raw", "base", "item", "pkt", "src")

    def __init__(self, pkt: Packet, raw: bytes, base: int, item: Item, src: int) -> None:
        self.pkt, self.raw, self.base, self.item, self.src = pkt, raw, base, item, src

    def add(self, field: Field, start: int, length: int, value: object = None,
            suffix: str = "", **kw: object) -> Item:
        """A string item over raw[start:start+length] (length -1: to the line's end,
        which must hold a byte: proto_tree_add_item's rule, [Malformed Packet] else)."""
        if length < 0:
            length = len(self.raw) - start
            if length <= 0:
                raise ReportedBoundsError()
        raw = self.raw[start:start + length]
        text = None
        if self.pkt.tree_on and field.type == S:
            shown = format_text(raw) if value is None else format_str(str(value))
            text = f"{field.name}: {shown}{suffix}"
        if value is None:
            value = _text(raw)
        return self.pkt.add(self.item, field, value, self.base + start, length, text,
                            source=self.src, **kw)  # type: ignore[arg-type]

    def note(self, field: Field, start: int, length: int, severity: str, group: str) -> None:
        """A label item carrying the note. tshark reads the tokens only for its tree:
        without one (a packet list, `-z expert` alone) there is no note."""
        pkt = self.pkt
        if not tshark_has_tree(pkt):
            return
        item = pkt.add_text(self.item, field.name, self.base + start, length, source=self.src)
        pkt.add_expert(item, severity, group, field.name, "sdp", field=field)

    def token(self, off: int, optional: bool = False) -> tuple[int, int, int]:
        """packet-sdp.c's find_next_optional_token_in_line: (length, start, next space
        or -1). Doubled spaces are noted and skipped; a missing token noted unless
        optional."""
        raw, length, nxt = self.raw, 0, -1
        if 0 <= off < len(raw):
            while length == 0:
                nxt = raw.find(b" ", off)
                if nxt < 0:
                    length = len(raw) - off
                    break
                length = nxt - off
                if length == 0:
                    if off == 0:  # (the note's offset -1 is past the line's end)
                        raise ReportedBoundsError()
                    self.note(EXTRA_SPACE, off - 1, 2, "error", "malformed")
                    off = nxt + 1
        if not optional and length == 0:
            self.note(MISSING, 0, len(raw), "error", "malformed")
        return length, off, nxt


class _State:
    """What one description's lines tell later ones (encoding names by payload type)
    and what it sets up: an RTP stream needs an IP address (c=) and an RTP media line
    with a port (Wireshark then makes the RTP conversation; we only note it)."""

    __slots__ = ("encodings", "proto", "address", "rtp")

    def __init__(self) -> None:
        self.encodings: dict[int, str] = {}
        self.proto = ""
        self.address = False  # the last c= holds an IPv4/IPv6 address
        self.rtp = False  # an RTP/AVP or RTP/SAVP m= line with a port other than 0


def _tokens(ln: _Line, fields: tuple[Field, ...], off: int = 0) -> tuple[int, bytes] | None:
    """Each of `fields` from the next token of the line: (the offset after the last,
    its text), or None where one is missing (the line's other parts are not shown)."""
    word = b""
    for field in fields:
        n, off, nxt = ln.token(off)
        if n == 0:
            return None
        ln.add(field, off, n)
        word = ln.raw[off:off + n]
        off = nxt + 1
    return off, word


def _each_token(ln: _Line, off: int, each: Callable[[int, int], object]) -> None:
    """`each(start, length)` for every further token (a list: the first must be there,
    the rest are optional) up to the line's end."""
    optional = False
    for _ in range(len(ln.raw) + 1):  # (each pass reads a token or ends)
        n, off, nxt = ln.token(off, optional)
        if n == 0:
            break
        each(off, n)
        optional = True
        if nxt < 0:
            break
        off = nxt + 1


def _colon(ln: _Line, name: Field, value: Field | None) -> int:
    """`name:value` lines: the name before the first colon, the value after it (when a
    field is given); the colon's offset, -1 (nothing shown) without one."""
    colon = ln.raw.find(b":")
    if colon >= 0:
        ln.add(name, 0, colon)
        if value is not None:
            ln.add(value, colon + 1, -1)
    return colon


def _owner(ln: _Line, st: _State) -> None:
    got = _tokens(ln, OWNER_SUB)
    if got is not None:
        ln.add(OWNER_ADDR, got[0], -1)


def _connection(ln: _Line, st: _State) -> None:
    got = _tokens(ln, (CONN_NET, CONN_ATYPE))
    if got is None:
        return
    off, atype = got
    raw = ln.raw
    slash = raw.find(b"/", off) if 0 <= off <= len(raw) else -1
    st.address = _is_address(atype, raw[off:] if slash < 0 else raw[off:slash])
    for field in (CONN_ADDR, CONN_TTL):
        slash = raw.find(b"/", off) if 0 <= off <= len(raw) else -1
        ln.add(field, off, -1 if slash < 0 else slash - off)
        if slash < 0:
            return
        off = slash + 1
    ln.add(CONN_NUM, off, -1)


def _is_address(atype: bytes, text: bytes) -> bool:
    """inet_pton of the connection address for its type (IP4 / IP6)."""
    import ipaddress

    if atype not in (b"IP4", b"IP6") or not text.isascii():
        return False
    try:
        addr = ipaddress.ip_address(text.decode())
    except ValueError:
        return False
    return addr.version == (4 if atype == b"IP4" else 6)


def _bandwidth(ln: _Line, st: _State) -> None:
    colon = ln.raw.find(b":")
    if colon < 0:
        return
    mod, unit = ln.raw[:colon], ""
    suffix = ""
    for name, label, u in _BW_NAMES:
        if mod.startswith(name):
            suffix, unit = label, u
            break
    ln.add(BW_MOD, 0, colon, suffix=suffix)
    ln.add(BW_VALUE, colon + 1, -1, suffix=unit)


def _time(ln: _Line, st: _State) -> None:
    got = _tokens(ln, (TIME_START,))
    if got is not None:
        ln.add(TIME_STOP, got[0], -1)


def _repeat(ln: _Line, st: _State) -> None:
    got = _tokens(ln, (REPEAT_INTERVAL, REPEAT_DURATION))
    if got is not None:
        _each_token(ln, got[0], lambda o, n: ln.add(REPEAT_OFFSET, o, n))


def _timezone(ln: _Line, st: _State) -> None:
    off, optional = 0, False
    for _ in range(len(ln.raw) + 1):
        n, off, nxt = ln.token(off, optional)
        if n == 0:
            break
        ln.add(TZ_TIME, off, n)
        off = nxt + 1
        n, off, nxt = ln.token(off, optional)
        if n == 0:
            break
        ln.add(TZ_OFFSET, off, n)
        off = nxt + 1
        optional = True
        if nxt < 0:
            break


def _key(ln: _Line, st: _State) -> None:
    _colon(ln, KEY_TYPE, KEY_DATA)


def _session_attr(ln: _Line, st: _State) -> None:
    colon = _colon(ln, SATTR_FIELD, None)
    if colon < 0:
        return
    if ln.raw[:colon] == b"ipbcp":
        _ipbcp(ln, colon + 1)
        return
    ln.add(SATTR_VALUE, colon + 1, -1)


def _ipbcp(ln: _Line, off: int) -> None:
    """a=ipbcp:VERSION TYPE: the version from the first digit, the command type from
    the first capital letter to the line's end."""
    raw = ln.raw
    start = next((i for i in range(off, len(raw)) if 0x30 <= raw[i] <= 0x39), -1)
    if start < 0:
        return
    n, start, _nxt = ln.token(start)
    if n == 0:
        return
    ln.add(IPBCP_VERSION, start, n)
    cmd = next((i for i in range(start, len(raw)) if 0x41 <= raw[i] <= 0x5A), -1)
    if cmd >= 0:
        ln.add(IPBCP_COMMAND, cmd, len(raw) - cmd)


def _media(ln: _Line, st: _State) -> None:
    raw = ln.raw
    got = _tokens(ln, (MEDIA_MEDIA,))
    if got is None:
        return
    n, off, nxt = ln.token(got[0])
    if n == 0:
        return
    slash = raw.find(b"/", off, off + n)
    port = strtol(_text(raw[off:off + n if slash < 0 else slash])) & 0xFFFF
    if slash >= 0:
        _port(ln, off, slash - off)
        off = slash + 1
        n, off, nxt = ln.token(off)
        if n == 0:
            return
        ln.add(MEDIA_PORTCOUNT, off, n)
    else:
        _port(ln, off, n)
    off = nxt + 1
    n, off, nxt = ln.token(off)
    if n == 0:
        return
    st.proto = _text(raw[off:off + n])
    if st.proto in ("RTP/AVP", "RTP/SAVP") and port:
        st.rtp = True
    ln.add(MEDIA_PROTO, off, n)
    if st.proto in ("RTP/AVP", "RTP/SAVP"):
        def fmt(o: int, n: int) -> None:
            pt = wrap(strtol(_text(raw[o:o + n])), 32, False)
            ln.add(MEDIA_FORMAT, o, n, payload_type_name(pt))
    else:
        def fmt(o: int, n: int) -> None:
            ln.add(MEDIA_FORMAT, o, n)
    _each_token(ln, nxt + 1, fmt)


def _port(ln: _Line, off: int, n: int) -> None:
    """The port as a number when it is one, its text otherwise (a hidden copy then)."""
    raw = ln.raw[off:off + n]
    if raw.isdigit() and int(raw) <= 0xFFFF:
        ln.add(MEDIA_PORT_STR, off, n, hidden=True)
        ln.add(MEDIA_PORT, off, n, int(raw))
    else:
        ln.add(MEDIA_PORT_STR, off, n)


def _media_attr(ln: _Line, st: _State) -> None:
    raw = ln.raw
    colon = _colon(ln, MATTR_FIELD, None)
    if colon < 0:
        return
    name = raw[:colon].lower()
    off = colon + 1
    while off < len(raw) and raw[off] in b" \t":
        off += 1
    if name == b"rtpmap":
        _rtpmap(ln, st, off)
    elif name == b"fmtp":
        _fmtp(ln, st, off)
    elif name == b"candidate" and _candidate(ln, off):
        pass
    elif name not in (b"path", b"h248item", b"crypto"):
        ln.add(MATTR_VALUE, off, -1)


def _candidate(ln: _Line, off: int) -> bool:
    """a=candidate: foundation, component, transport, priority, address, port, typ TYPE
    (RFC 5245); False for a line not of that form (shown as a plain value)."""
    raw = ln.raw
    words = raw[off:].split(b" ")
    if len(words) < 8 or words[6] != b"typ" or not all(words[:8]):
        return False
    pos = off
    for i, field in enumerate(CANDIDATE):
        if i == 6:
            pos += len(words[6]) + 1  # ("typ")
            word = words[7]
        else:
            word = words[i]
        label = CANDIDATE_TYPES.get(word) if field is CANDIDATE[-1] else None
        ln.add(field, pos, len(word), suffix=f" ({label})" if label else "")
        pos += len(word) + 1
    return True


def _rtpmap(ln: _Line, st: _State, off: int) -> None:
    raw = ln.raw
    sp = raw.find(b" ", off)
    if sp < 0:
        return
    ln.add(MEDIA_FORMAT, off, sp - off)
    pt = wrap(strtol(_text(raw[off:sp])), 8, False)  # (a guint8, as tshark's)
    off = sp + 1
    slash = raw.find(b"/", off)
    if slash < 0:
        return
    ln.add(MIME_TYPE, off, slash - off)
    if pt < 128:
        st.encodings[pt] = _text(raw[off:slash])
    else:
        return
    off = end = slash + 1
    while end < len(raw) and 0x30 <= raw[end] <= 0x39:
        end += 1
    item = ln.add(SAMPLE_RATE, off, end - off)
    if end == off:  # (no digits after the '/')
        ln.pkt.add_expert(item, "error", "malformed", BAD_RATE.name, "sdp", field=BAD_RATE)


def _fmtp(ln: _Line, st: _State, off: int) -> None:
    raw = ln.raw
    sp = raw.find(b" ", off)
    if sp < 0:
        return
    pt = wrap(strtol(_text(raw[off:sp])), 8, False)
    if pt >= 128:
        ln.add(MEDIA_FORMAT, off, sp - off)
        return
    encoding = st.encodings.get(pt, UNKNOWN_ENCODING)
    ln.add(MEDIA_FORMAT, off, sp - off, suffix=f" [{format_text(encoding.encode())}]")
    off = sp + 1
    for _ in range(len(raw) + 1):
        semi = raw.find(b";", off)
        while off < len(raw) and raw[off] in b" \t":
            off += 1
        more = semi >= 0
        stop = semi if more else len(raw)
        item = ln.add(FMTP_PARAM, off, stop - off)
        _fmtp_param(ln, item, off, stop, encoding.lower())
        off = stop + 1
        if not more:
            break


_FMTP_UINTS = {("h263-2000", b"profile"): H263_PROFILE, ("h263-1998", b"profile"): H263_PROFILE,
               ("h263-2000", b"level"): H263_LEVEL, ("h263-1998", b"level"): H263_LEVEL,
               ("mp4v-es", b"profile-level-id"): MPEG4_LEVEL,
               ("h264", b"packetization-mode"): H264_MODE}


def _fmtp_param(ln: _Line, item: Item, off: int, stop: int, encoding: str) -> None:
    """decode_sdp_fmtp: the numeric parameters tshark reads, as generated items."""
    eq = ln.raw.find(b"=", off)
    if eq < 0:
        return
    field = _FMTP_UINTS.get((encoding, ln.raw[off:eq]))
    if field is None:
        return
    value = wrap(strtol(_text(ln.raw[eq + 1:stop])), 32, False)
    ln.pkt.add(item, field, value, ln.base + eq + 1, max(stop - eq - 1, 0), generated=True,
               source=ln.src)


_SUB: dict[str, Callable[[_Line, _State], None]] = {
    "o": _owner, "c": _connection, "b": _bandwidth, "t": _time, "r": _repeat,
    "z": _timezone, "k": _key, "m": _media}


def dissect_sdp(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    """The whole of tvb[start:end] is one session description."""
    session.current_proto = "sdp"
    pkt.proto_col += "/SDP"
    buf, off, end, src = tvb.buf, tvb.start, tvb.end, tvb.source
    top = pkt.add_proto(SDP, off, end - off, "Session Description Protocol", source=src)
    st = _State()
    in_media = False
    while off < end:
        eol, nxt = line_end(buf, off, end)
        if eol - off < 2:
            break
        kind, delim = chr(buf[off]), buf[off + 1]
        raw = bytes(buf[off:eol])
        if delim != 0x3D:  # '='
            item = pkt.add(top, INVALID, _text(raw), off, eol - off,
                           f"{INVALID.name}: {format_text(raw)}" if pkt.tree_on else None,
                           source=src)
            pkt.add_expert(item, "note", "malformed", NO_EQUAL.name, "sdp", field=NO_EQUAL)
            off = nxt
            continue
        if kind == "m":
            in_media = True
        if kind == "i":
            field = MEDIA_TITLE if in_media else SESSION_INFO
        elif kind == "a":
            field = MEDIA_ATTR if in_media else SESSION_ATTR
        else:
            field = _LINE_FIELDS.get(kind, UNKNOWN)
        value = raw if field is UNKNOWN else raw[2:]
        vstart = off if field is UNKNOWN else off + 2
        # (the line's value as ENC_ASCII: a byte above 0x7f is U+FFFD)
        item = pkt.add(top, field, value.decode("ascii", "replace"), off, eol - off,
                       f"{field.name}: {format_text(value)}" if pkt.tree_on else None,
                       source=src)
        ln = _Line(pkt, value, vstart, item, src)
        if field is MEDIA_ATTR:
            _media_attr(ln, st)
        elif field is SESSION_ATTR:
            _session_attr(ln, st)
        elif kind in _SUB and field is not UNKNOWN:
            _SUB[kind](ln, st)
        off = nxt
    if off < end and pkt.wants_layer("sdp"):
        pkt.add(top, DATA, bytes(buf[off:end]), off, end - off, source=src)
    trailer = pkt.proto_data.pop(_TRAILER, None)
    if trailer is not None:
        trailer(pkt, top, tvb.start, st.address and st.rtp)
    return None


def setup_notes(pkt: Packet, tvb: Tvb, protocol: str) -> None:
    """The notes of Wireshark's transport pass over a description (setup_sdp_transport,
    run by SIP before the SDP tree, tree-less): a media rtpmap with nothing after its
    '/' is an invalid sample rate (no digits after the '/'), noted for the taps under the
    caller's protocol; a c= or m= value that starts with a space is malformed there."""
    buf, off, end = tvb.buf, tvb.start, tvb.end
    in_media = False
    while off < end:
        eol, nxt = line_end(buf, off, end)
        if eol - off < 2:
            break
        kind = buf[off]
        if kind in (0x63, 0x6D) and buf[off + 1] == 0x3D and eol - off > 2 and \
                buf[off + 2] == 0x20:  # (c= / m= starting with a space: the token
            raise ReportedBoundsError()  # search's note falls before the line)
        if kind == 0x6D:  # 'm'
            in_media = True
        elif kind == 0x61 and in_media and buf[off + 1] == 0x3D:  # 'a='
            raw = bytes(buf[off + 2:eol])
            sp = raw.find(b" ", 7)
            slash = raw.find(b"/", sp + 1) if sp >= 0 else -1
            if raw[:7].lower() == b"rtpmap:" and slash >= 0 and \
                    not raw[slash + 1:slash + 2].isdigit() and \
                    wrap(strtol(_text(raw[7:sp])), 8, False) < 128:
                pkt.add_expert(None, "error", "malformed", BAD_RATE.name, protocol,
                               field=BAD_RATE, itemless=True)
        off = nxt


_TRAILER = "sdp.trailer"
Trailer = Callable[[Packet, Item, int, bool], None]


def set_trailer(pkt: Packet, fn: Trailer) -> None:
    """A caller's item at the end of the SDP tree: fn(pkt, sdp_item, offset, rtp) runs
    once, after the next description of this packet, `rtp` telling whether it sets up
    an RTP stream (SIP's generated Call-ID, which tshark 4.0 shows there for a call
    with media)."""
    pkt.proto_data[_TRAILER] = fn

MEDIA_TYPE.register("application/sdp", dissect_sdp, "sdp")
register_dissector("sdp", dissect_sdp)
register_learner_layer("sdp", "SDP")
