"""Internet Message Format (RFC 5322), as tshark 4.0 shows a mail SMTP or POP carried.

Header fields up to the blank line, each as its field (From, To, Subject, ...; an
unknown one as imf.extension with its type and value); address and mailbox lists split
at commas into items with a display name and an address; then the body as message-text
lines, or, with a Content-Type, handed to the media type (text types as line-based
text; multipart and other media are shown as message text: not decoded here).
"""

from __future__ import annotations

from dissectors.escape import format_str
from dissectors.format import ITEM_LABEL_LENGTH, fit_label
from dissectors.http_body import TEXT_MEDIA
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Field, protocol
from dissectors.textlines import add_text_lines, line_end
from dissectors.tvb import Tvb

IMF = protocol("imf", "Internet Message Format", "IMF")

MAILBOX, MAILBOX_LIST, ADDRESS_LIST = "mailbox", "mailbox_list", "address_list"
# name (lower case) -> (abbrev, label, format, in the Info column)
_HEADERS: dict[str, tuple[str, str, str | None, bool]] = {
    "date": ("imf.date", "Date", None, False),
    "from": ("imf.from", "From", MAILBOX_LIST, True),
    "sender": ("imf.sender", "Sender", MAILBOX, False),
    "reply-to": ("imf.reply_to", "Reply-To", ADDRESS_LIST, False),
    "to": ("imf.to", "To", ADDRESS_LIST, False),
    "cc": ("imf.cc", "Cc", ADDRESS_LIST, False),
    "bcc": ("imf.bcc", "Bcc", ADDRESS_LIST, False),
    "message-id": ("imf.message_id", "Message-ID", None, False),
    "in-reply-to": ("imf.in_reply_to", "In-Reply-To", None, False),
    "references": ("imf.references", "References", None, False),
    "subject": ("imf.subject", "Subject", None, True),
    "comments": ("imf.comments", "Comments", None, False),
    "user-agent": ("imf.user_agent", "User-Agent", None, False),
    "keywords": ("imf.keywords", "Keywords", None, False),
    "resent-date": ("imf.resent.date", "Resent-Date", None, False),
    "resent-from": ("imf.resent.from", "Resent-From", MAILBOX_LIST, False),
    "resent-sender": ("imf.resent.sender", "Resent-Sender", MAILBOX, False),
    "resent-to": ("imf.resent.to", "Resent-To", ADDRESS_LIST, False),
    "resent-cc": ("imf.resent.cc", "Resent-Cc", ADDRESS_LIST, False),
    "resent-bcc": ("imf.resent.bcc", "Resent-Bcc", ADDRESS_LIST, False),
    "resent-message-id": ("imf.resent.message_id", "Resent-Message-ID", None, False),
    "return-path": ("imf.return_path", "Return-Path", None, False),
    "received": ("imf.received", "Received", None, False),
    "content-type": ("imf.content.type", "Content-Type", None, False),
    "content-description": ("imf.content.description", "Content-Description", None, False),
    "content-id": ("imf.content.id", "Content-ID", None, False),
    "content-transfer-encoding": ("imf.content.transfer_encoding",
                                  "Content-Transfer-Encoding", None, False),
    "mime-version": ("imf.mime_version", "MIME-Version", None, False),
    "delivered-to": ("imf.delivered_to", "Delivered-To", MAILBOX, False),
    "x-mailer": ("imf.ext.mailer", "X-Mailer", None, False),
    "x-mimeole": ("imf.ext.mimeole", "X-MimeOLE", None, False),
    "x-uidl": ("imf.ext.uidl", "X-UIDL", None, False),
    "x-authentication-warning": ("imf.ext.authentication_warning",
                                 "X-Authentication-Warning", None, False),
    "x-virus-scanned": ("imf.ext.virus_scanned", "X-Virus-Scanned", None, False),
    "x-original-to": ("imf.ext.original-to", "X-Original-To", ADDRESS_LIST, False),
    "thread-index": ("imf.thread-index", "Thread-Index", None, False),
    "lines": ("imf.lines", "Lines", None, False),
    "precedence": ("imf.precedence", "Precedence", None, False),
    "importance": ("imf.importance", "Importance", None, False),
    "priority": ("imf.priority", "Priority", None, False),
}
FIELDS: dict[str, Field] = {k: IMF.field(a, label, FT.STRING)
                            for k, (a, label, _f, _c) in _HEADERS.items()}
CONTENT_TYPE_TYPE = IMF.field("imf.content.type.type", "Type", FT.STRING)
CONTENT_TYPE_PARAMS = IMF.field("imf.content.type.parameters", "Parameters", FT.STRING)
EXTENSION = IMF.field("imf.extension", "Unknown-Extension", FT.STRING)
EXTENSION_TYPE = IMF.field("imf.extension.type", "Type", FT.STRING)
EXTENSION_VALUE = IMF.field("imf.extension.value", "Value", FT.STRING)
DISPLAY_NAME = IMF.field("imf.display_name", "Display-Name", FT.STRING)
ADDRESS = IMF.field("imf.address", "Address", FT.STRING)
ADDRESS_ITEM = IMF.field("imf.address_list.item", "Item", FT.STRING)
MAILBOX_ITEM = IMF.field("imf.mailbox_list.item", "Item", FT.STRING)
MESSAGE_TEXT = IMF.field("imf.message_text", "Message-Text", FT.NONE)


def _ascii(raw: bytes | memoryview) -> str:
    return bytes(raw).decode("ascii", "replace")


def _field_end(b: bytes, off: int, end: int) -> tuple[int, bool]:
    """imf_find_field_end: after the CRLF that ends a header (continuation lines
    included); True when a blank line follows (the last header). -1 when none."""
    while off < end:
        cr = b.find(b"\r", off, end)
        if cr < 0:
            return off, False
        off = cr + 1
        if off >= end:
            return -1, False
        if b[off] != 0x0A:
            continue
        off += 1
        if off >= end:
            return -1, False
        c = b[off]
        if c == 0x0D:
            return off, True  # (the blank line after it is skipped by the caller)
        if c not in (0x20, 0x09):
            return off, False
    return -1, False


_SPACES = {c: " " for c in (9, 10, 11, 12, 13)}


def _wsp(raw: bytes | memoryview) -> str:
    """format_text_wsp: whitespace (CR, LF, tab...) shown as spaces."""
    return format_str(_ascii(raw).split("\0", 1)[0].translate(_SPACES))


def _mailbox(pkt: Packet, item: Item, tvb: Tvb, off: int, n: int, group: bool = False) -> None:
    """Display name before '<', address inside '<...>'; else all of it the address."""
    b, src = tvb.buf, tvb.source
    raw = bytes(b[off:off + n])
    colon = raw.find(b":") if group else -1
    if colon >= 0:  # a group: its name, then its mailboxes up to ';'
        pkt.add(item, DISPLAY_NAME, _ascii(raw[:max(0, colon - 1)]), off, max(0, colon - 1),
                source=src)
        at = colon + 1
        while at < n and raw[at] in b" \t\r\n\x0b\x0c":
            at += 1
        if at < n and raw[at] != 0x3B:
            _list(pkt, item, tvb, off + at, n - at, MAILBOX_ITEM)
        return
    lt = raw.find(b"<")
    if lt < 0:
        pkt.add(item, ADDRESS, _ascii(raw), off, n, source=src)
        return
    start = 0
    while start < lt and raw[start] in b" \t\r\n\x0b\x0c":
        start += 1
    if start != lt:
        pkt.add(item, DISPLAY_NAME, _ascii(raw[start:lt - 1]), off + start, lt - 1 - start,
                source=src)
    gt = raw.find(b">", lt + 1)
    if gt >= 0:
        pkt.add(item, ADDRESS, _ascii(raw[lt + 1:gt]), off + lt + 1, gt - lt - 1, source=src)


def _append(label: str, more: str) -> str:
    """proto_item_append_text: what fits of `more` in the 240-byte label buffer."""
    raw = (label + more).encode("utf-8", "surrogatepass")
    if len(raw) < ITEM_LABEL_LENGTH:
        return label + more
    cut = ITEM_LABEL_LENGTH - 1
    while raw[cut] & 0xC0 == 0x80:
        cut -= 1
    return raw[:cut].decode("utf-8", "surrogatepass")


def _list(pkt: Packet, item: Item, tvb: Tvb, off: int, n: int, item_field: Field) -> None:
    """Comma-separated items, each a mailbox; the header's label counts them."""
    raw = bytes(tvb.buf[off:off + n])
    count = 0
    start = 0
    while True:
        comma = raw.find(b",", start)
        stop = n if comma < 0 else comma
        count += 1
        it = pkt.add(item, item_field, _ascii(raw[start:stop]), off + start, stop - start,
                     source=tvb.source)
        _mailbox(pkt, it, tvb, off + start, stop - start, item_field is ADDRESS_ITEM)
        if comma < 0:
            break
        start = comma + 1
    if pkt.tree_on and item.text is not None:
        item.text = _append(item.text, f", {count} item{'' if count == 1 else 's'}")


def dissect_imf(tvb: Tvb, pkt: Packet) -> None:
    """A whole message (reassembled by SMTP or POP)."""
    b, src = bytes(tvb.buf), tvb.source
    start, end = tvb.start, tvb.end
    pkt.proto_col += "/IMF" if pkt.proto_col else "IMF"
    pkt.clear_info()
    top = pkt.add_proto(IMF, start, tvb.rend - start, "Internet Message Format", source=src)
    off = start
    last = False
    body = start
    ctype: str | None = None
    info = ""
    while not last:
        colon = b.find(b":", off, end)
        if colon < 0:
            break
        key = _ascii(b[off:colon]).lower()
        fend, last = _field_end(b, colon + 1, end)
        if fend < 0:
            break
        v = colon + 1
        while v < fend and b[v] in b" \t\r\n\x0b\x0c":
            v += 1
        if v == fend:
            v = colon + 1
        vlen = max(0, fend - v - 2)
        value = _ascii(b[v:v + vlen])
        spec = _HEADERS.get(key)
        if spec is None:
            n = max(0, fend - off - 2)
            item = pkt.add(top, EXTENSION, _ascii(b[off:off + n]), off, n,
                           (f"Unknown-Extension: {format_str(_ascii(b[off:off + n]))} "
                            "(Contact Wireshark developers if you want this supported.)")
                           if pkt.tree_on else None, source=src)
            pkt.add(item, EXTENSION_TYPE, _ascii(b[off:colon]), off, colon - off, source=src)
            pkt.add(item, EXTENSION_VALUE, value, v, vlen, source=src)
        else:
            _abbrev, label, fmt, in_info = spec
            item = pkt.add(top, FIELDS[key], value, v, vlen,
                           fit_label(f"{label}: {format_str(value)}", len(label))
                           if pkt.tree_on else None, source=src)
            if in_info:
                info += f"{key}: {format_str(value)}, "
            if key == "content-type":
                semi = b.find(b";", v, fend)
                ctype = value.split(";", 1)[0].strip().lower()
                if semi >= 0:
                    pkt.add(item, CONTENT_TYPE_TYPE, _ascii(b[v:semi]), v, semi - v,
                            source=src)
                    pend, _n = line_end(b, semi + 1, fend)
                    pkt.add(item, CONTENT_TYPE_PARAMS, _ascii(b[semi + 1:pend]), semi + 1,
                            pend - semi - 1, source=src)
            elif fmt == MAILBOX:
                _mailbox(pkt, item, tvb, v, fend - v)
            elif fmt == MAILBOX_LIST:
                _list(pkt, item, tvb, v, fend - v, MAILBOX_ITEM)
            elif fmt == ADDRESS_LIST:
                _list(pkt, item, tvb, v, fend - v, ADDRESS_ITEM)
        off = body = fend
        if last:  # the blank line ending the header
            body = fend + (2 if fend + 1 < end and b[fend + 1] == 0x0A else 1)
    pkt.set_info(info)
    if ctype is not None and ctype in TEXT_MEDIA:
        add_text_lines(pkt, tvb, body, end, top, f"Line-based text data: {ctype}")
        pkt.append_info(f" ({ctype})")
        return
    text = pkt.add(top, MESSAGE_TEXT, None, body, tvb.rend - body, source=src)
    o = body
    while o < end:
        _eol, nxt = line_end(b, o, end)
        line = _wsp(b[o:nxt])
        pkt.add_text(text, line, o, nxt - o, source=src)
        pkt.append_info(line, ", ")
        o = nxt
