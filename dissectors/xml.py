"""XML as tshark 4.0 shows a body of an XML media type (packet-xml.c): a token stream,
not a validating parser. Whitespace between tokens is skipped; a tag opens a subtree
that the next closing tag (whatever its name) closes; a token that fits no rule is
"Unrecognized text" up to the next whitespace. Every label is the token's own text.

Each step consumes at least one byte, and the element stack is bounded (MAX_DEPTH), so
the work per body is linear in its length. No DTD namespaces (tshark's dtds/ files)
are loaded: every tag is `xml.tag`, every attribute `xml.attribute`.
"""

from __future__ import annotations

from dataclasses import dataclass

from dissectors.dispatch import MEDIA_TYPE, register_dissector
from dissectors.escape import format_text
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Field, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

XML = protocol("xml", "eXtensible Markup Language", "XML")
_f = XML.field
XMLPI = _f("xml.xmlpi", "XMLPI", FT.STRING)
CDATASECTION = _f("xml.cdatasection", "CDATASection", FT.STRING)
COMMENT = _f("xml.comment", "Comment", FT.STRING)
ATTRIBUTE = _f("xml.attribute", "Attribute", FT.STRING)
DOCTYPE = _f("xml.doctype", "Doctype", FT.STRING)
DTD_TAG = _f("xml.dtdtag", "DTD Tag", FT.STRING)
CDATA = _f("xml.cdata", "CDATA", FT.STRING)
TAG = _f("xml.tag", "Tag", FT.STRING)
PI_XML = _f("xml.xmlpi.xml", "xml.xmlpi.xml", FT.STRING)
PI_XML_ATTRS = {a: _f(f"xml.xmlpi.xml.{a}", a, FT.STRING)
                for a in ("standalone", "version", "encoding")}
UNOPENED_TAG = _f("xml.closing_unopened_tag", "Closing an unopened tag", FT.NONE)
UNOPENED_PI = _f("xml.closing_unopened_xmpli_tag", "Closing an unopened xmpli tag", FT.NONE)
UNRECOGNIZED = _f("xml.unrecognized_text", "Unrecognized text", FT.NONE)

MAX_DEPTH = 256  # open elements kept (tshark's limit is 500 tree levels); deeper tags stay level
_WS = b" \t\r\n"
_NAME = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
_ATTR_NAME = _NAME | {ord(":")}
_DIGITS = frozenset(b"0123456789")
_DTD_WORDS = (b"ELEMENT", b"ATTLIST", b"ENTITY", b"NOTATION")


def _text(raw: bytes) -> str:
    return raw.decode("ascii", errors="replace")


@dataclass(slots=True)
class _Frame:
    """An open element: its item, the subtree items go to, the item '>' is added to."""

    item: Item
    last: Item
    start: int
    attrs: dict[str, Field] | None  # the known attributes of its namespace (xmlpi xml)


class _Parser:
    """tvbparse's rules for one body, with whitespace ignored between tokens."""

    def __init__(self, buf: bytes, start: int, end: int) -> None:
        self.buf = buf
        self.end = end

    def ws(self, p: int) -> int:
        buf, end = self.buf, self.end
        while p < end and buf[p] in _WS:
            p += 1
        return p

    def chars(self, p: int, allowed: frozenset[int]) -> int:
        """End of the run of `allowed` bytes at p (p itself: none)."""
        buf, end = self.buf, self.end
        while p < end and buf[p] in allowed:
            p += 1
        return p

    def lit(self, p: int, s: bytes) -> int:
        """p after `s` (whitespace before it skipped), or -1."""
        p = self.ws(p)
        return p + len(s) if self.buf[p:p + len(s)] == s else -1

    def name(self, p: int) -> tuple[int, int]:
        """(start, end) of a tag name (name or name:name), or (-1, -1)."""
        p = self.ws(p)
        e = self.chars(p, _NAME)
        if e == p:
            return -1, -1
        if e < self.end and self.buf[e] == ord(":"):
            p2 = self.ws(e + 1)
            e2 = self.chars(p2, _NAME)
            if e2 > p2:
                return p, e2
        return p, e

    def attributes(self, p: int) -> tuple[int, list[tuple[int, int, int, int, int]]]:
        """Attributes from p: (end, [(start, name end, value start, value end, end)])."""
        out: list[tuple[int, int, int, int, int]] = []
        while True:
            a = self.ws(p)
            ne = self.chars(a, _ATTR_NAME)
            if ne == a:
                return p, out
            eq = self.lit(ne, b"=")
            if eq < 0:
                return p, out
            v = self.ws(eq)
            if v >= self.end:
                return p, out
            q = self.buf[v]
            if q in b"\"'":
                i = v + 1
                while i < self.end and self.buf[i] != q:
                    i += 2 if self.buf[i] == ord("\\") else 1
                if i >= self.end:
                    return p, out
                out.append((a, ne, v + 1, i, i + 1))
                p = i + 1
                continue
            ve = self.chars(v, _DIGITS)
            if ve == v:
                ve = self.chars(v, _NAME)
            if ve == v:
                return p, out
            out.append((a, ne, v, ve, ve))
            p = ve

    def until(self, p: int, s: bytes) -> int:
        """p after the next `s`, or -1."""
        i = self.buf.find(s, p, self.end)
        return -1 if i < 0 else i + len(s)


def dissect_xml(tvb: Tvb, pkt: Packet, session: Session) -> int:
    """The body as tshark's XML tree; the Protocol column gets "/XML"."""
    session.current_proto = "xml"
    s, end, src = tvb.start, tvb.end, tvb.source
    pkt.proto_col = (pkt.proto_col or "") + "/XML"
    buf = bytes(tvb.buf[:end])
    top = pkt.add_proto(XML, s, end - s, XML.name, source=src)
    top.value = None
    items = pkt.wants_layer("xml")
    stack = [_Frame(top, top, s, None)]
    P = _Parser(buf, s, end)

    def add(field: Field | None, value: object, off: int, n: int, label: str) -> Item:
        parent = stack[-1].item
        if field is None:
            return pkt.add_text(parent, label, off, n, source=src)
        return pkt.add(parent, field, value, off, n, label, source=src)

    def pop(off: int, n: int, what: Field) -> None:
        if len(stack) > 1:
            stack.pop()
        else:
            it = add(None, None, off, n, what.name)
            pkt.add_expert(it, "error", "malformed", what.name, "xml", field=what)

    def label(a: int, b: int) -> str:
        return format_text(buf[a:b]) if pkt.tree_on else ""

    p = s
    while True:
        p = P.ws(p)
        if p >= end:
            break
        c = buf[p]
        if c != ord("<"):  # character data up to the next '<'
            e = buf.find(b"<", p, end)
            e = end if e < 0 else e
            if items:
                add(CDATA, _text(buf[p:e]), p, e - p, label(p, e))
            p = e
            continue
        nxt = _markup(P, p, stack, add, pop, label, items)
        if nxt <= p:  # no rule: "Unrecognized text" up to whitespace
            e = p
            while e < end and buf[e] not in _WS:
                e += 1
            it = add(None, None, p, e - p, "Unrecognized text")
            pkt.add_expert(it, "warning", "protocol", "Unrecognized text", "xml",
                           field=UNRECOGNIZED)
            nxt = e
        p = nxt
    return end - s


def _markup(P: _Parser, p: int, stack: list[_Frame], add, pop, label, items: bool) -> int:  # noqa: ANN001, C901
    """The markup token at p ('<'): adds its items, returns where it ends (p: none)."""
    buf = P.buf
    if buf.startswith(b"<!--", p):
        e = P.until(p + 4, b"-->")
        if e > 0:
            add(COMMENT, _text(buf[p:e]), p, e - p, label(p, e))
            return e
    if buf.startswith(b"<![CDATA[", p):
        e = P.until(p + 9, b"]]>")
        if e > 0:
            add(CDATASECTION, _text(buf[p:e]), p, e - p, label(p, e))
            return e
    q = P.lit(p + 1, b"?")
    if q > 0:  # <?name attributes ?>
        ns, ne = P.name(q)
        if ns > 0:
            ae, attrs = P.attributes(ne)
            e = P.lit(ae, b"?>")
            if e > 0:
                known = PI_XML_ATTRS if buf[ns:ne].lower() == b"xml" else None
                it = add(PI_XML if known else XMLPI, _text(buf[p:e]), p, e - p, label(p, ne))
                stack.append(_Frame(it, it, p, known))
                _attrs(stack, add, label, attrs, buf)
                add(None, None, e - 2, 2, label(e - 2, e))
                pop(e - 2, 2, UNOPENED_PI)
                return e
    q = P.lit(p + 1, b"/")
    if q > 0:  # </name>
        ns, ne = P.name(q)
        e = P.lit(ne, b">") if ns > 0 else -1
        if e > 0:
            fr = stack[-1]
            fr.item.length = e - fr.start
            add(None, None, p, e - p, label(p, e))
            pop(p, e - p, UNOPENED_TAG)
            return e
    q = P.lit(p + 1, b"!")
    if q > 0:
        d = P.ws(q)
        if buf[d:d + 7].upper() == b"DOCTYPE":
            ns, ne = P.name(d + 7)
            if ns > 0:
                b = P.lit(ne, b"[")
                e = b if b > 0 else P.until(ne, b">")
                if e > 0:
                    it = add(DOCTYPE, _text(buf[ns:ne]), ns, ne - ns, label(p, e))
                    if b > 0:  # an internal subset: its DTD tags until "]>"
                        stack.append(_Frame(it, it, p, None))
                    return e
        for w in _DTD_WORDS:
            if buf[d:d + len(w)].upper() == w:
                e = P.until(d, b">")
                if e > 0:
                    add(DTD_TAG, _text(buf[p:e]), p, e - p, label(p, e))
                    return e
    ns, ne = P.name(p + 1)
    if ns > 0:  # <name attributes > or />
        ae, attrs = P.attributes(ne)
        g = P.lit(ae, b">")
        e = g if g > 0 else P.lit(ae, b"/>")
        if e > 0:
            it = add(TAG, _text(buf[p:e]), p, e - p, label(p, ne))
            if len(stack) < MAX_DEPTH:
                stack.append(_Frame(it, it, p, None))
            _attrs(stack, add, label, attrs, buf)
            last = stack[-1].last
            if items:
                last.text = (last.text or "") + (">" if g > 0 else "/>")
            if g < 0:
                pop(e - 2, 2, UNOPENED_TAG)
            return e
    if buf.startswith(b"]>", p):
        add(None, None, p, 2, "]>")
        pop(p, 2, UNOPENED_TAG)
        return p + 2
    return p


def _attrs(stack: list[_Frame], add, label, attrs: list[tuple[int, int, int, int, int]],  # noqa: ANN001
           buf: bytes) -> None:
    fr = stack[-1]
    for a, ne, vs, ve, e in attrs:
        f = fr.attrs.get(_text(buf[a:ne]).lower()) if fr.attrs else None
        if f is not None:
            fr.last = add(f, _text(buf[vs:ve]), vs, ve - vs, label(a, e))
        else:
            fr.last = add(ATTRIBUTE, _text(buf[a:e]), a, e - a, label(a, e))


# packet-xml.c's default media types that reach HTTP bodies.
for _mt in ("text/xml", "text/vnd.wap.wml", "text/vnd.wap.si", "text/vnd.wap.sl",
            "text/vnd.wap.co", "text/vnd.wap.emn", "application/auth-policy+xml",
            "application/cpim-pidf+xml", "application/cpl+xml", "application/mathml+xml",
            "application/media_control+xml", "application/pidf+xml",
            "application/poc-settings+xml", "application/rdf+xml",
            "application/reginfo+xml", "application/resource-lists+xml",
            "application/rlmi+xml", "application/rls-services+xml", "application/smil",
            "application/simple-filter+xml", "application/soap+xml",
            "application/vnd.wv.csp+xml", "application/vnd.wv.csp.xml",
            "application/watcherinfo+xml", "application/xcap-att+xml",
            "application/xcap-caps+xml", "application/xcap-el+xml",
            "application/xcap-error+xml", "application/xml", "application/xml-dtd",
            "application/xpidf+xml", "application/xslt+xml", "image/svg+xml"):
    MEDIA_TYPE.register(_mt, dissect_xml, "xml")
register_dissector("xml", dissect_xml)
