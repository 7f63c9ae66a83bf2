"""How packet text is made safe to print: the one place each escaping rule lives.

No packet text reaches a human view (packet list, tree, reports) raw. Wireshark has two
rules, and so do we:

* `format_text` — Wireshark's format_text(): what the packet list, the `-V` tree
  labels and every label-derived text show. Printable characters stay; ASCII
  controls become C escapes (`\\r`, `\\n`, `\\t`, `\\a`, `\\b`, `\\f`, `\\v`) or three
  octal digits (`\\033`); other non-printable characters become `\\uXXXX` /
  `\\UXXXXXXXX`; bytes that are not UTF-8 become U+FFFD. A backslash stays as it is
  (tshark 4.0), so the result is printable and escaping it again changes nothing.
* `comment_text` — a packet comment from the capture file, as tshark 4.0 keeps it in
  the tree (JSON): format_text's rule except that tabs and line ends stay.
* `fields_text` — what `tshark -T fields` does to a string value: only `\\b \\t \\n
  \\f \\r` become C escapes; every other byte is written as it is (byte-equal with
  tshark: that output is for scripts, which expect exactly tshark's text).

Strings are C strings in Wireshark, so a string value ends at its first NUL in every
output (`cstr`). JSON output escapes with JSON's own rules (analyzer/output/json_ek.py).
"""

from __future__ import annotations

import unicodedata
from typing import Final

# ASCII 0x00-0x7f as format_text shows each one.
_C_ESCAPES: Final = {7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r"}
_ASCII: Final = tuple(chr(c) if 0x20 <= c < 0x7F else _C_ESCAPES.get(c, f"\\{c:03o}")
               for c in range(0x80))
# str.translate tables: controls of format_text / of -T fields. format_text's is the
# whole ASCII tuple (for ASCII text only): translate's lookup of a character a dict
# lacks raises and catches a KeyError (~500 instructions a character), a tuple's is
# an index.
_ASCII_TABLE: Final = _ASCII
_FIELDS_TABLE: Final = {c: _C_ESCAPES[c] for c in (8, 9, 10, 12, 13)}
# glib's g_unichar_isprint() is false for these general categories only.
_UNPRINTABLE: Final = frozenset(("Cc", "Cf", "Cs", "Cn"))


#: Byte -> NUL for an ASCII control (0x00-0x1f, 0x7f), else itself: ASCII text holds a
#: control when its bytes' translation holds a NUL.
CONTROL_TO_NUL: Final = bytes(0 if c < 0x20 or c == 0x7F else c for c in range(256))


def printable(s: str) -> bool:
    """s.isprintable(), in two C passes over the bytes of ASCII text of some length
    (isprintable looks each character up in the Unicode tables: ~20 instructions a
    character; in ASCII it refuses the controls alone)."""
    if len(s) >= 16 and s.isascii():
        # (`in`, compiled a direct C call, where `.find` is a method looked up by name)
        return 0 not in s.encode("ascii").translate(CONTROL_TO_NUL)
    return s.isprintable()


def cstr(s: str) -> str:
    """The string as Wireshark holds it: up to its first NUL."""
    i = s.find("\0")
    return s if i < 0 else s[:i]


def _uni(cp: int) -> str:
    """One non-ASCII code point: itself if printable, else its universal character name."""
    ch = chr(cp)
    if unicodedata.category(ch) not in _UNPRINTABLE:
        return ch
    return f"\\u{cp:04X}" if cp <= 0xFFFF else f"\\U{cp:08X}"


def format_str(s: str) -> str:
    """format_text() of already-decoded text."""
    if printable(s):  # Python's printable is stricter than glib's: nothing to do
        return s
    if s.isascii():
        return s.translate(_ASCII_TABLE)
    return "".join(_ASCII[o] if (o := ord(ch)) < 0x80 else _uni(o) for ch in s)


# comment_text keeps line ends and tabs.
_COMMENT_TABLE: Final = tuple(chr(c) if c in (9, 10, 13) else v for c, v in enumerate(_ASCII))


def comment_text(s: str) -> str:
    """A capture file's packet comment as tshark 4.0 keeps it in the tree: tabs, CR and
    LF as they are (so `-T json` equals tshark's), every other control escaped as
    format_text does. The text outputs escape it whole: -V by label()'s safety net,
    `-z expert` by format_str (README: differs on purpose)."""
    if s.isascii():
        return s.translate(_COMMENT_TABLE)
    return "".join(ch if ch in "\t\r\n" else
                   (_ASCII[o] if (o := ord(ch)) < 0x80 else _uni(o)) for ch in s)


def format_text(text: str | bytes | bytearray | memoryview) -> str:
    """Wireshark's format_text(): packet bytes (UTF-8, leniently) or text, escaped."""
    if isinstance(text, str):
        return format_str(text)
    raw = bytes(text)
    if raw.isascii():
        return format_str(raw.decode("ascii"))
    try:
        return format_str(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return _format_lenient(raw)


# Lead byte -> (continuation bytes that follow, its payload bits); 5- and 6-byte forms
# are the old ones. Stray continuation bytes, 0xFE and 0xFF are no lead.
_LEADS: Final = {c: (more, c & bits) for more, (lo, hi, bits) in enumerate(
    ((0xC0, 0xE0, 0x1F), (0xE0, 0xF0, 0x0F), (0xF0, 0xF8, 0x07), (0xF8, 0xFC, 0x03),
     (0xFC, 0xFE, 0x01)), start=1) for c in range(lo, hi)}


def _format_lenient(raw: bytes) -> str:
    """format_text() of bytes that are not strict UTF-8, decoded as Wireshark does.

    Overlong forms decode to their code point (C1 81 is `A`; an overlong control shows as
    `\\u00XX`), surrogates and code points past U+10FFFF become U+FFFD, and a sequence
    cut short becomes one U+FFFD, its breaking byte read again as a new character."""
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        i += 1
        if c < 0x80:
            out.append(_ASCII[c])
            continue
        lead = _LEADS.get(c)
        if lead is None:
            out.append("\ufffd")
            continue
        more, cp = lead
        for _ in range(more):
            if i >= n or raw[i] & 0xC0 != 0x80:
                cp = 0xFFFD
                break
            cp = (cp << 6) | (raw[i] & 0x3F)
            i += 1
        if cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
            cp = 0xFFFD
        if cp < 0x80:  # an overlong form
            out.append(chr(cp) if 0x20 <= cp < 0x7F else f"\\u{cp:04X}")
        else:
            out.append(_uni(cp))
    return "".join(out)


def fields_text(s: str) -> str:
    """A string value as `tshark -T fields` writes it: \\b \\t \\n \\f \\r escaped only."""
    if printable(s):
        return s
    return cstr(s).translate(_FIELDS_TABLE)
