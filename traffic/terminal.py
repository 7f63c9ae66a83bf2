"""Text our tools print: peer-sent strings escaped, counts with the right noun form.

A peer chooses the bytes of a message, a user name or a TFTP error string; printed raw, an
ESC or CR in them would drive the user's terminal. Every line that shows peer text goes
through `escape`, so there is one rule for all of traffic/.
"""

from __future__ import annotations

import unicodedata

# C escapes for the ASCII controls that have one (as Wireshark's format_text writes them).
_C_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
              "\v": "\\v", "\\": "\\\\"}
# Unicode categories a terminal must not get raw: controls, format characters (bidi
# overrides, zero-width marks), line/paragraph separators, surrogates, unassigned.
_UNSAFE = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs", "Cn"))


def _escape_char(ch: str) -> str:
    if ch in _C_ESCAPES:
        return _C_ESCAPES[ch]
    o = ord(ch)
    if o < 0x80:
        return f"\\{o:03o}"  # ESC -> \033, DEL -> \177
    if unicodedata.category(ch) in _UNSAFE:
        return f"\\u{o:04x}" if o <= 0xFFFF else f"\\U{o:08x}"
    return ch


def escape(text: str) -> str:
    """`text` safe for a terminal: controls as C escapes or octal, printable Unicode kept."""
    if text.isprintable() and "\\" not in text:
        return text  # the common case: nothing to look at per character
    return "".join(ch if ch.isprintable() and ch != "\\" else _escape_char(ch) for ch in text)


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """'1 datagram', '2 datagrams', '0 datagrams' (singular only for exactly one)."""
    return f"{n} {noun if n == 1 else (nouns or noun + 's')}"
