"""X11 message bodies (x11.py splits the stream into messages and keeps the state): the
fields, in tshark 4.0's names and labels, and a Reader that reads them in the
connection's byte order."""

from __future__ import annotations

from dissectors.format import bit_pattern
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field, protocol
from dissectors.tvb import Tvb
from dissectors.x11_names import ATOMS, ERRORS, EVENTS, WINDOW_CLASSES

X11 = protocol("x11", "X11", "X11")


def _f(abbrev: str, name: str, ft: FT, base: Base = Base.NONE, **kw: object) -> Field:
    return X11.field("x11." + abbrev, name, ft, base, **kw)  # type: ignore[arg-type]


def _u(abbrev: str, ft: FT = FT.UINT32, base: Base = Base.DEC, **kw: object) -> Field:
    return _f(abbrev, abbrev.rsplit(".", 1)[-1], ft, base, **kw)


BYTE_ORDER = _u("byte-order", FT.CHAR, Base.HEX)
UNUSED = _f("unused", "unused", FT.NONE)
UNDECODED = _f("undecoded", "undecoded", FT.NONE)
MAJOR = _u("protocol-major-version", FT.UINT16)
MINOR = _u("protocol-minor-version", FT.UINT16)
AUTH_NAME_LEN = _u("authorization-protocol-name-length", FT.UINT16)
AUTH_DATA_LEN = _u("authorization-protocol-data-length", FT.UINT16)
AUTH_NAME = _u("authorization-protocol-name", FT.STRING, Base.NONE)
AUTH_DATA = _u("authorization-protocol-data", FT.STRING, Base.NONE)
SUCCESS = _u("success", FT.UINT8)
REPLYLENGTH = _u("replylength")
RELEASE = _u("release-number")
ID_BASE = _u("resource-id-base", base=Base.HEX)
ID_MASK = _u("resource-id-mask", base=Base.HEX)
MOTION = _u("motion-buffer-size", FT.UINT16)
VENDOR_LEN = _u("length-of-vendor", FT.UINT16)
MAX_REQ = _u("maximum-request-length", FT.UINT16)
N_SCREENS = _u("number-of-screens-in-roots", FT.UINT8)
N_FORMATS = _u("number-of-formats-in-pixmap-formats", FT.UINT8)
IMAGE_ORDER = _u("image-byte-order", FT.CHAR, Base.HEX)
BIT_ORDER = _u("bitmap-format-bit-order", FT.UINT8, Base.HEX,
               strings={0: "LSBFirst", 1: "MSBFirst"})
SCAN_UNIT = _u("bitmap-format-scanline-unit", FT.UINT8)
SCAN_PAD = _u("bitmap-format-scanline-pad", FT.UINT8)
MIN_KEY = _u("min-keycode", FT.UINT8)
MAX_KEY = _u("max-keycode", FT.UINT8)
VENDOR = _u("vendor", FT.STRING, Base.NONE)
PIXMAP_FORMAT = _u("pixmap-format", FT.NONE, Base.NONE)
PF_DEPTH = _u("pixmap-format.depth", FT.UINT8)
PF_BPP = _u("pixmap-format.bits-per-pixel", FT.UINT8)
PF_PAD = _u("pixmap-format.scanline-pad", FT.UINT8)
SCREEN = _u("screen", FT.NONE, Base.NONE)
SCREEN_FIELDS = [(_u("screen." + n, FT.UINT32, Base.HEX), 4) for n in (
    "root", "default_colormap", "white_pixel", "black_pixel", "current_input_masks")] + \
    [(_u("screen." + n, FT.UINT16), 2) for n in (
        "width_in_pixels", "height_in_pixels", "width_in_millimeters", "height_in_millimeters",
        "min_installed_maps", "max_installed_maps")] + \
    [(_u("screen.root_visual", base=Base.HEX), 4),
     (_u("screen.backing_stores", FT.UINT8, Base.HEX), 1),
     (_u("screen.save_unders", FT.BOOLEAN, Base.NONE), 1),
     (_u("screen.root_depth", FT.UINT8), 1), (_u("screen.allowed_depths_len", FT.UINT8), 1)]
DEPTH_DETAIL = _u("depth-detail", FT.NONE, Base.NONE)
DD_DEPTH = _u("depth-detail.depth", FT.UINT8)
DD_NVIS = _u("depth-detail.visualtypes-numbers", FT.UINT16)
VISUALTYPE = _u("visualtype", FT.NONE, Base.NONE)
VISUAL_FIELDS = [(_u("visualtype.visualid", base=Base.HEX), 4),
                 (_u("visualtype.class", FT.UINT8), 1),
                 (_u("visualtype.bits-per-rgb-value", FT.UINT8), 1),
                 (_u("visualtype.colormap-entries", FT.UINT16), 2)] + \
    [(_u(f"visualtype.{c}-mask", base=Base.HEX), 4) for c in ("red", "green", "blue")]
LENGTH_OF_REASON = _u("length-of-reason", FT.UINT8)
REASON = _u("reason", FT.STRING, Base.NONE)
OPCODE = _u("opcode", FT.UINT8)
REQUEST_LENGTH = _f("request-length", "request-length", FT.UINT16, Base.DEC)
DEPTH = _u("depth", FT.UINT8)
WID = _u("wid", base=Base.HEX)
PARENT = _u("parent", base=Base.HEX)
X = _u("x", FT.INT16)
Y = _u("y", FT.INT16)
WIDTH = _u("width", FT.UINT16)
HEIGHT = _u("height", FT.UINT16)
BORDER_WIDTH = _u("border-width", FT.UINT16)
WINDOW_CLASS = _u("window-class", FT.UINT16)
VISUAL = _u("visual", base=Base.HEX)
WINDOW = _u("window", base=Base.HEX)
VALUE_MASK = _u("window-value-mask", base=Base.HEX)
_VALUE_BITS = ["background-pixmap", "background-pixel", "border-pixmap", "border-pixel",
               "bit-gravity", "win-gravity", "backing-store", "backing-planes",
               "backing-pixel", "override-redirect", "save-under", "event-mask",
               "do-not-propagate-mask", "colormap", "cursor"]
VALUE_MASK_BITS = [_u("window-value-mask." + n, FT.BOOLEAN, Base.NONE, bitmask=1 << i)
                   for i, n in enumerate(_VALUE_BITS)]
BACKGROUND_PIXEL = _u("background-pixel", base=Base.HEX)
BORDER_PIXEL = _u("border-pixel", base=Base.HEX)
EVENT_MASK = _u("event-mask", base=Base.HEX)
_EVENT_BITS = ["KeyPress", "KeyRelease", "ButtonPress", "ButtonRelease", "EnterWindow",
               "LeaveWindow", "PointerMotion", "PointerMotionHint", "Button1Motion",
               "Button2Motion", "Button3Motion", "Button4Motion", "Button5Motion",
               "ButtonMotion", "KeymapState", "Exposure", "VisibilityChange",
               "StructureNotify", "ResizeRedirect", "SubstructureNotify",
               "SubstructureRedirect", "FocusChange", "PropertyChange", "ColormapChange",
               "OwnerGrabButton"]
EVENT_MASK_BITS = [_u("event-mask." + n, FT.BOOLEAN, Base.NONE, bitmask=1 << i)
                   for i, n in enumerate(_EVENT_BITS)]
EVENT_MASK_ERR = _u("event-mask.erroneous-bits", FT.BOOLEAN, Base.NONE, bitmask=0xFE000000)
ONLY_IF_EXISTS = _u("only-if-exists", FT.BOOLEAN, Base.NONE)
NAME_LENGTH = _u("name-length", FT.UINT16)
NAME = _u("name", FT.STRING, Base.NONE)
DELETE = _u("delete", FT.BOOLEAN, Base.NONE)
PROPERTY = _u("property", base=Base.HEX)
PROPERTY_TYPE = _u("get-property-type", base=Base.HEX)
LONG_OFFSET = _u("long-offset")
LONG_LENGTH = _u("long-length")
REPLY = _u("reply", FT.UINT8)
REPLY_SEQ = _f("reply-sequencenumber", "sequencenumber", FT.UINT16, Base.DEC)
ATOM = _u("atom", base=Base.HEX)
PRESENT = _u("present", FT.BOOLEAN, Base.NONE)
MAJOR_OPCODE = _u("major-opcode", FT.UINT16)
FIRST_EVENT = _u("first-event", FT.UINT8)
FIRST_ERROR = _u("first-error", FT.UINT8)
FORMAT = _u("format", FT.UINT8)
BYTES_AFTER = _u("bytes-after")
VALUELENGTH = _u("valuelength")
EVENTCODE = _u("eventcode", FT.UINT8)
EVENT_SEQ = _u("event-sequencenumber", FT.UINT16)
EVENTWINDOW = _u("eventwindow", base=Base.HEX)
COUNT = _u("count", FT.UINT8)
OVERRIDE_REDIRECT = _u("override-redirect", FT.BOOLEAN, Base.NONE)
ERROR = _u("error", FT.UINT8)
ERRORCODE = _u("errorcode", FT.UINT8)
ERROR_SEQ = _u("error_sequencenumber", FT.UINT16)
BAD_RESOURCE = _u("error-badresourceid", base=Base.HEX)
BAD_VALUE = _u("error-badvalue")
MINOR_OPCODE = _u("minor-opcode", FT.UINT16)

# errors whose bad value is a resource id (the others' four bytes stay undecoded)
_RESOURCE_ERRORS = frozenset({3, 4, 5, 6, 7, 9, 12, 13, 14})


class Reader:
    """Reads one message's fields in its connection's byte order, adding them when a
    tree is wanted (`on`); the offset advances either way."""

    def __init__(self, tvb: Tvb, pkt: Packet, off: int, little: bool, on: bool,
                 top: Item | None = None) -> None:
        self.tvb, self.pkt, self.off, self.little, self.on = tvb, pkt, off, little, on
        self.t = top

    def sub(self, length: int) -> Reader:
        return Reader(self.tvb.sub(self.off, length), self.pkt, self.off, self.little,
                      self.on)

    def peek8(self, off: int) -> int:
        return self.tvb.u8(self.off + off)

    def peek16(self, off: int) -> int:
        t = self.tvb
        return t.u16le(self.off + off) if self.little else t.u16(self.off + off)

    def peek32(self, off: int) -> int:
        t = self.tvb
        return t.u32le(self.off + off) if self.little else t.u32(self.off + off)

    def top(self, text: str) -> None:
        tvb = self.tvb
        pkt = self.pkt
        again = bool(pkt.protocols) and pkt.protocols[-1] == "x11"
        self.t = pkt.add_proto(X11, tvb.start, tvb.rend - tvb.start, "X11" + text,
                               source=tvb.source, in_stack=not again)

    def add(self, f: Field, value: object, n: int, text: str | None = None,
            parent: Item | None = None) -> Item | None:
        self.tvb.need(self.off, n)
        item = None
        if self.on:
            item = self.pkt.add(parent or self.t, f, value, self.off, n, text,
                                source=self.tvb.source)
        self.off += n
        return item

    def num(self, f: Field, n: int, text: str | None = None,
            parent: Item | None = None) -> int:
        v = {1: self.peek8, 2: self.peek16, 4: self.peek32}[n](0)
        if f.type is FT.INT16 and v >= 0x8000:
            v -= 0x10000
        if f.type is FT.BOOLEAN:
            self.add(f, bool(v), n, text, parent)
        else:
            self.add(f, v, n, text(v) if callable(text) else text, parent)
        return v

    def unused(self, n: int) -> None:
        if n > 0:
            self.add(UNUSED, None, n)

    def string(self, f: Field, n: int) -> None:
        self.tvb.need(self.off, n)
        raw = self.tvb.bytes(self.off, n)
        self.add(f, "".join(chr(b) if b < 0x80 else "\ufffd" for b in raw), n)

    def rest(self) -> None:
        left = self.tvb.rend - self.off
        if left > 0:
            self.add(UNDECODED, None, left)

    def pad(self) -> None:
        self.unused(-(self.off - self.tvb.start) % 4)


def _atom(label: str) -> object:
    return lambda v: f"{label}: {v} ({ATOMS.get(v, 'Not a predefined atom')})"


def _lsb(v: int) -> str:
    return {0: "LSBFirst", 1: "MSBFirst"}.get(v, "Unknown")


def initial_request(r: Reader) -> None:
    r.top(", Request, Initial connection request")
    order = r.peek8(0)
    name = {0x42: "Big-endian", 0x6C: "Little-endian"}.get(order, "Unknown")
    r.add(BYTE_ORDER, order, 1, f"byte-order: 0x{order:02x} ({name})")
    r.unused(1)
    r.num(MAJOR, 2)
    r.num(MINOR, 2)
    nlen = r.num(AUTH_NAME_LEN, 2)
    dlen = r.num(AUTH_DATA_LEN, 2)
    r.unused(2)
    for f, n in ((AUTH_NAME, nlen), (AUTH_DATA, dlen)):
        if n:
            r.string(f, n)
            r.off += -(r.off - r.tvb.start) % 4
    r.rest()


def initial_reply(r: Reader) -> None:
    r.top(", Reply, Initial connection reply")
    success = r.num(SUCCESS, 1)
    reason = 0
    if success:
        r.unused(1)
    else:
        reason = r.num(LENGTH_OF_REASON, 1)
    r.num(MAJOR, 2)
    r.num(MINOR, 2)
    r.num(REPLYLENGTH, 2)
    if not success:
        r.string(REASON, reason)
        r.rest()
        return
    r.num(RELEASE, 4)
    r.num(ID_BASE, 4)
    r.num(ID_MASK, 4)
    r.num(MOTION, 4)
    vlen = r.num(VENDOR_LEN, 2)
    r.num(MAX_REQ, 2)
    screens = r.num(N_SCREENS, 1)
    formats = r.num(N_FORMATS, 1)
    order = r.peek8(0)
    r.add(IMAGE_ORDER, order, 1, f"image-byte-order: 0x{order:02x} ({_lsb(order)})")
    r.num(BIT_ORDER, 1, lambda v: f"bitmap-format-bit-order: 0x{v:02x} ({_lsb(v)})")
    for f in (SCAN_UNIT, SCAN_PAD, MIN_KEY, MAX_KEY):
        r.num(f, 1)
    r.unused(4)
    r.string(VENDOR, vlen)
    r.off += -(r.off - r.tvb.start) % 4
    top = r.t
    lst = _list(r, PIXMAP_FORMAT, top)
    for _ in range(formats):
        r.t = _list(r, PIXMAP_FORMAT, lst, 8)
        r.num(PF_DEPTH, 1)
        r.num(PF_BPP, 1)
        r.num(PF_PAD, 1)
        r.unused(5)
    r.t = top
    lst = _list(r, SCREEN, top)
    for _ in range(screens):
        _screen(r, lst)
    r.t = top
    r.rest()


def _list(r: Reader, f: Field, parent: Item | None, length: int = -1) -> Item | None:
    """A list item (to the message's end unless told): Wireshark adds it with a length
    that must start inside the message."""
    tvb = r.tvb
    n = tvb.rend - r.off if length < 0 else length
    if n <= 0 or r.off >= tvb.rend:
        tvb.need(r.off, 1)
    tvb.need(r.off, min(n, tvb.rend - r.off))
    if not r.on:
        return None
    return r.pkt.add(parent, f, None, r.off, n, source=tvb.source)


def _screen(r: Reader, lst: Item | None) -> None:
    tvb = r.tvb
    tvb.need(r.off, 40)
    root, w, h, depth = r.peek32(0), r.peek16(20), r.peek16(22), r.peek8(38)
    item = None
    if r.on:
        item = r.pkt.add(lst, SCREEN, None, r.off, 40,
                         f"screen ({root:08x}: {w} x {h} x {depth})", source=tvb.source)
    r.t = item
    for f, n in SCREEN_FIELDS:
        r.num(f, n)
    depths = r.peek8(-1)
    dlst = _list(r, DEPTH_DETAIL, item)
    for _ in range(depths):
        r.t = _list(r, DEPTH_DETAIL, dlst, 8)
        r.num(DD_DEPTH, 1)
        r.unused(1)
        nvis = r.num(DD_NVIS, 2)
        r.unused(4)
        ditem = r.t
        vlst = _list(r, VISUALTYPE, ditem)
        for _ in range(nvis):
            r.t = _list(r, VISUALTYPE, vlst, 24)
            for f, n in VISUAL_FIELDS:
                r.num(f, n)
            r.unused(4)
        r.t = ditem


def _opcode(r: Reader, opcode: int, name: str | None) -> None:
    r.add(OPCODE, opcode, 1, f"opcode: {name or 'Unknown'} ({opcode})")


def request(r: Reader, opcode: int, name: str | None) -> None:
    r.top(f", Request, opcode: {opcode} ({name or f'<Unknown opcode {opcode}>'})")
    _opcode(r, opcode, name)
    handler = _REQUESTS.get(opcode) if name else None
    if handler is None:
        if name and opcode < 128:  # (a core request not decoded here: its length)
            r.off += 1
            r.num(REQUEST_LENGTH, 2)
        r.rest()
        return
    handler(r)


def _window_request(r: Reader) -> None:
    r.unused(1)
    r.num(REQUEST_LENGTH, 2)
    r.num(WINDOW, 4)


def _create_window(r: Reader) -> None:
    r.num(DEPTH, 1)
    r.num(REQUEST_LENGTH, 2)
    r.num(WID, 4)
    r.num(PARENT, 4)
    for f in (X, Y, WIDTH, HEIGHT, BORDER_WIDTH):
        r.num(f, 2)
    r.num(WINDOW_CLASS, 2, lambda v: f"window-class: {v} ({WINDOW_CLASSES.get(v, 'Unknown')})")
    r.num(VISUAL, 4, lambda v: f"Visualid: 0x{v:08x}" + ("" if v else " (CopyFromParent)"))
    mask = r.peek32(0)
    names = [n for i, n in enumerate(_VALUE_BITS) if mask & (1 << i)]
    item = r.add(VALUE_MASK, mask, 4,
                 f"window-value-mask: 0x{mask:08x}" + "".join(", " + n for n in names))
    _bits(r, item, VALUE_MASK_BITS, mask, r.off - 4)
    for i in range(len(_VALUE_BITS)):
        if not mask & (1 << i):
            continue
        if i == 1:
            r.num(BACKGROUND_PIXEL, 4)
        elif i == 3:
            r.num(BORDER_PIXEL, 4)
        elif i == 11:
            emask = r.peek32(0)
            enames = [n for j, n in enumerate(_EVENT_BITS) if emask & (1 << j)]
            eitem = r.add(EVENT_MASK, emask, 4,
                          f"event-mask: 0x{emask:08x}" + "".join(", " + n for n in enames))
            _bits(r, eitem, EVENT_MASK_BITS, emask, r.off - 4)
            if emask & 0xFE000000 and r.on:
                r.pkt.add(eitem, EVENT_MASK_ERR, True, r.off - 4, 4,
                          f"{bit_pattern(EVENT_MASK_ERR, True, 32)} = erroneous-bits: True",
                          source=r.tvb.source)
        else:
            break
    r.rest()


def _bits(r: Reader, parent: Item | None, fields: list[Field], value: int, off: int) -> None:
    if not r.on:
        return
    for f in fields:
        on = bool(value & f.bitmask)
        r.pkt.add(parent, f, on, off, 4, f"{bit_pattern(f, on, 32)} = {f.name}: {on}",
                  source=r.tvb.source)


def _name_request(r: Reader, first: Field | None) -> None:
    if first is None:
        r.unused(1)
    else:
        r.num(first, 1)
    r.num(REQUEST_LENGTH, 2)
    n = r.num(NAME_LENGTH, 2)
    r.unused(2)
    r.string(NAME, n)
    r.pad()


def _get_property(r: Reader) -> None:
    r.num(DELETE, 1)
    r.num(REQUEST_LENGTH, 2)
    r.num(WINDOW, 4)
    r.num(PROPERTY, 4, _atom("property"))
    r.num(PROPERTY_TYPE, 4, _atom("get-property-type"))
    r.num(LONG_OFFSET, 4)
    r.num(LONG_LENGTH, 4)


def _no_operation(r: Reader) -> None:
    r.unused(1)
    r.num(REQUEST_LENGTH, 2)


_REQUESTS = {1: _create_window, **{op: _window_request for op in (3, 4, 5, 8, 9, 10, 11, 21, 38)},
             **{op: _no_operation for op in (36, 37, 43, 44, 52, 99)},
             16: lambda r: _name_request(r, ONLY_IF_EXISTS),
             98: lambda r: _name_request(r, None), 20: _get_property, 127: _no_operation}


def _seq(r: Reader, name: str | None) -> None:
    r.num(REPLY_SEQ, 2, lambda v: f"sequencenumber: {v} ({name or '<Unknown opcode 0>'})")
    r.num(REPLYLENGTH, 4)


def reply(r: Reader, opcode: int, name: str | None) -> None:
    r.top(f", Reply, opcode: {opcode} ({name})" if name else ", Reply to unknown request")
    r.num(REPLY, 1)
    if opcode == 16:
        r.unused(1)
        _seq(r, name)
        r.num(ATOM, 4, _atom("atom"))
        r.unused(20)
    elif opcode == 98:
        r.unused(1)
        _seq(r, name)
        r.num(PRESENT, 1)
        r.num(MAJOR_OPCODE, 1)
        r.num(FIRST_EVENT, 1)
        r.num(FIRST_ERROR, 1)
        r.unused(20)
    elif opcode == 20:
        r.num(FORMAT, 1)
        _seq(r, name)
        r.num(PROPERTY_TYPE, 4, _atom("get-property-type"))
        r.num(BYTES_AFTER, 4)
        r.num(VALUELENGTH, 4)
        r.unused(12)
    else:
        r.add(UNDECODED, None, 1)
        _seq(r, name)
    r.rest()


def event_name(kind: int) -> str:
    """An event's name; "Sent-" when a SendEvent request made it (the high bit)."""
    code = kind & 0x7F
    name = EVENTS.get(code, f"<Unknown eventcode {code}>")
    return "Sent-" + name if kind & 0x80 else name


def event(r: Reader, kind: int, name: str) -> None:
    code = kind & 0x7F
    r.top(f", Event, eventcode: {kind} ({name})")
    r.num(EVENTCODE, 1, f"eventcode: {kind} ({name})")
    if code == 12:
        r.unused(1)
        r.num(EVENT_SEQ, 2)
        r.num(EVENTWINDOW, 4)
        for f in (X, Y, WIDTH, HEIGHT):
            r.num(f, 2)
        r.num(COUNT, 2)
        r.unused(14)
    elif code == 19:
        r.unused(1)
        r.num(EVENT_SEQ, 2)
        r.num(EVENTWINDOW, 4)
        r.num(WINDOW, 4)
        r.num(OVERRIDE_REDIRECT, 1)
        r.unused(19)
    r.rest()


def error(r: Reader, code: int) -> None:
    name = ERRORS.get(code, f"<Unknown errorcode {code}>")
    r.top(f", Error, errorcode: {code} ({name})")
    r.num(ERROR, 1)
    r.num(ERRORCODE, 1, f"errorcode: {code} ({name})")
    r.num(ERROR_SEQ, 2)
    if code in _RESOURCE_ERRORS:
        r.num(BAD_RESOURCE, 4)
    elif code == 2:
        r.num(BAD_VALUE, 4)
    else:
        r.add(UNDECODED, None, 4)
    r.num(MINOR_OPCODE, 2)
    r.num(MAJOR_OPCODE, 1)
    r.rest()
