"""Display filter tokens, each with its column so errors can point at the culprit.

Unquoted words are kept as raw text: whether `10.0.0.1`, `aa:bb`, `udp.port` or
`Read` is a field, an address or a value name is only known once the semantic
check sees what it is compared with (as in Wireshark's scanner + semcheck split).
"""

from __future__ import annotations

from dataclasses import dataclass

from filters.errors import FilterError

# Keyword -> (token kind, canonical value); matched case-insensitively (newer Wireshark).
KEYWORDS: dict[str, tuple[str, str]] = {
    "and": ("AND", "and"), "or": ("OR", "or"), "xor": ("XOR", "xor"), "not": ("NOT", "not"),
    "in": ("IN", "in"), "any": ("ANY", "any"), "all": ("ALL", "all"),
    "eq": ("CMP", "any_eq"), "any_eq": ("CMP", "any_eq"), "ne": ("CMP", "all_ne"),
    "all_ne": ("CMP", "all_ne"), "all_eq": ("CMP", "all_eq"), "any_ne": ("CMP", "any_ne"),
    "gt": ("CMP", "gt"), "lt": ("CMP", "lt"), "ge": ("CMP", "ge"), "le": ("CMP", "le"),
    "contains": ("CMP", "contains"), "matches": ("CMP", "matches"),
    "bitwise_and": ("BITAND", "&"), "bitand": ("BITAND", "&"),  # bitand: newest only
}

# Punctuation, longest first.
SYMBOLS: list[tuple[str, str, str]] = [
    ("===", "CMP", "all_eq"), ("!==", "CMP", "any_ne"),
    ("==", "CMP", "any_eq"), ("!=", "CMP", "all_ne"), ("~=", "CMP", "any_ne"),
    (">=", "CMP", "ge"), ("<=", "CMP", "le"), ("&&", "AND", "and"), ("||", "OR", "or"),
    ("^^", "XOR", "xor"), ("..", "DOTDOT", ".."),
    (">", "CMP", "gt"), ("<", "CMP", "lt"), ("~", "CMP", "matches"), ("!", "NOT", "not"),
    ("(", "LPAREN", "("), (")", "RPAREN", ")"), ("{", "LBRACE", "{"), ("}", "RBRACE", "}"),
    (",", "COMMA", ","), ("+", "PLUS", "+"), ("-", "MINUS", "-"), ("*", "STAR", "*"),
    ("/", "SLASH", "/"), ("%", "PERCENT", "%"), ("&", "BITAND", "&"),
]

_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-")
_SIMPLE_ESCAPES = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92,
                   '"': 34, "'": 39, "?": 63}
_HEX = frozenset("0123456789abcdefABCDEF")


@dataclass(slots=True)
class Token:
    """One token: `kind` (WORD, STRING, CHAR, CMP, AND, ...), its value and place."""

    kind: str
    value: object
    col: int
    length: int
    text: str  # the source text of the token

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.value!r}, col={self.col})"


def tokenize(text: str) -> list[Token]:
    """Split a filter into tokens, ending with an EOF token."""
    toks: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c == '"' or (c in "rR" and i + 1 < n and text[i + 1] == '"'):
            raw = c != '"'
            start = i
            i += 1 if not raw else 2
            val, i = _string(text, i, raw, start)
            toks.append(Token("STRING", (val, raw), start, i - start, text[start:i]))
            continue
        if c == "'":
            start = i
            val, i = _charconst(text, i)
            toks.append(Token("CHAR", val, start, i - start, text[start:i]))
            continue
        if c == "[":
            start = i
            j = text.find("]", i + 1)
            if j < 0:
                raise FilterError("The right bracket was missing from a slice.", n, 1, text)
            toks.append(Token("SLICE", text[i + 1:j], i + 1, j - i - 1, text[i:j + 1]))
            i = j + 1
            continue
        if c == "#":
            start = i
            i += 1
            if i < n and text[i] == "[":
                j = text.find("]", i + 1)
                if j < 0:
                    raise FilterError("The right bracket was missing from a slice.", n, 1, text)
                toks.append(Token("LAYER", text[i + 1:j], i + 1, j - i - 1, text[start:j + 1]))
                i = j + 1
            elif i < n and text[i].isdigit():
                j = i
                while j < n and text[j].isdigit():
                    j += 1
                toks.append(Token("LAYER", text[i:j], i, j - i, text[start:j]))
                i = j
            else:
                what = text[i] if i < n else "end of filter"
                raise FilterError(f'Expected digit or "[", not "{what}"', min(i, n), 1, text)
            continue
        if c == "$" or (c == "@" and i + 1 < n and (text[i + 1].isalpha() or text[i + 1] == "_")):
            tok, i = _reference_or_raw(text, i)
            toks.append(tok)
            continue
        if c in _WORD_CHARS and not (c == "-") and not (c == "." and text[i:i + 2] == ".."):
            start = i
            while i < n and text[i] in _WORD_CHARS:
                if text[i] == "." and text[i:i + 2] == "..":
                    break
                i += 1
            word = text[start:i]
            if len(word) > 1 and word.endswith(".") and not word.endswith(".."):
                # `69.`: Wireshark's scanner stops before the dot, which is then unexpected.
                raise FilterError('"." was unexpected in this context.', i - 1, 1, text)
            # CIDR suffix: only after an address-looking word, so `69/1` stays a division.
            if (i + 1 < n and text[i] == "/" and text[i + 1].isdigit()
                    and (word.count(".") == 3 or ":" in word)
                    and (word[0].isalnum() or word.startswith("::"))
                    and not any(ch.isalpha() and ch not in "abcdefABCDEF" for ch in word)):
                i += 1
                while i < n and text[i].isdigit():
                    i += 1
                word = text[start:i]
            low = word.lower()
            if low in KEYWORDS:
                kind, val = KEYWORDS[low]
                toks.append(Token(kind, val, start, i - start, word))
            else:
                toks.append(Token("WORD", word, start, i - start, word))
            continue
        for sym, kind, val in SYMBOLS:
            if text.startswith(sym, i):
                toks.append(Token(kind, val, i, len(sym), sym))
                i += len(sym)
                break
        else:
            if not _printable(c):
                raise FilterError("Non-printable ASCII characters may only appear inside "
                                  "double-quotes.", i, 1, text)
            raise FilterError(f'"{c}" was unexpected in this context.', i, 1, text)
    toks.append(Token("EOF", None, n, 1, ""))
    return toks


def _utf8(s: str) -> bytes:
    """The bytes of filter text. A byte of the command line that is not UTF-8 (a GBK
    terminal's, say) reaches us as a surrogate (PEP 383) and stands for itself."""
    return s.encode("utf-8", "surrogateescape")


def _printable(c: str) -> bool:
    return " " <= c <= "~"


_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def _reference_or_raw(text: str, i: int) -> tuple[Token, int]:
    """`@field` (raw bytes, newest), `${field}` / `${field#2}` (a field of the selected
    packet; macros are already expanded) or `$field` (newest). A REF token's value is
    the text inside the braces; RAW's the field name."""
    n = len(text)
    if text[i] == "@":
        j = i + 1
        while j < n and text[j] in _NAME_CHARS:
            j += 1
        return Token("RAW", text[i + 1:j], i, j - i, text[i:j]), j
    if text.startswith("${", i):
        end = text.find("}", i + 2)
        if end < 0:
            raise FilterError("missing end of macro", i, n - i, text)
        return Token("REF", text[i + 2:end], i, end + 1 - i, text[i:end + 1]), end + 1
    j = i + 1
    if j < n and text[j] == "@":
        j += 1
    k = j
    while k < n and text[k] in _NAME_CHARS:
        k += 1
    word = text[j:k]
    if "." not in word:
        # tshark 4.0: `$aaaa` leaves the word unexpected (no field has no dot but protocols).
        what = word or text[i]
        raise FilterError(f'"{what}" was unexpected in this context.', j if word else i,
                          max(1, len(word)), text)
    while k < n and text[k] == "#":  # `$ip.src#4`: the layer belongs to the reference
        m = k + 1
        if m < n and text[m] == "[":
            m = text.find("]", m)
            if m < 0:
                break
            m += 1
        else:
            while m < n and text[m].isdigit():
                m += 1
        k = m
    return Token("REF", text[i + 1:k], i, k - i, text[i:k]), k


def _escape(text: str, i: int, out: bytearray) -> int:
    """Decode the escape starting at the backslash `text[i]`; return the index after it."""
    n = len(text)
    if i + 1 >= n:
        raise FilterError("The final quote was missing from a quoted string.", n, 1, text)
    e = text[i + 1]
    if e in _SIMPLE_ESCAPES:
        out.append(_SIMPLE_ESCAPES[e])
        return i + 2
    if e in "01234567":
        j = i + 1
        while j < n and j < i + 4 and text[j] in "01234567":
            j += 1
        v = int(text[i + 1:j], 8)
        if v > 255:
            raise FilterError(f"{text[i:j]} is not a valid octal escape sequence", i, j - i, text)
        out.append(v)
        return j
    if e == "x":
        j = i + 2
        while j < n and j < i + 4 and text[j] in _HEX:
            j += 1
        if j == i + 2:
            raise FilterError("\\x is not a valid character escape sequence", i, 2, text)
        out.append(int(text[i + 2:j], 16))
        return j
    if e in "uU":
        width = 4 if e == "u" else 8
        digits = text[i + 2:i + 2 + width]
        if len(digits) != width or not all(ch in _HEX for ch in digits):
            raise FilterError(f"\\{e}{digits} is not a valid universal character name",
                              i, 2 + len(digits), text)
        cp = int(digits, 16)
        # C's rules for universal character names, which tshark applies.
        if (cp < 0xA0 and cp not in (0x24, 0x40, 0x60)) or 0xD800 <= cp <= 0xDFFF or cp > 0x10FFFF:
            raise FilterError(f"\\{e}{digits} is not a valid universal character name",
                              i, 2 + width, text)
        out += chr(cp).encode("utf-8")
        return i + 2 + width
    raise FilterError(f"\\{e} is not a valid character escape sequence", i, 2, text)


def _string(text: str, i: int, raw: bool, start: int) -> tuple[bytes, int]:
    """Body of a quoted string from `i` (after the quote); returns (bytes, end index)."""
    out = bytearray()
    n = len(text)
    while i < n:
        c = text[i]
        if c == '"':
            return bytes(out), i + 1
        if c == "\\":
            if raw:
                out += _utf8(text[i:i + 2])
                i += 2
                continue
            i = _escape(text, i, out)
            continue
        out += _utf8(c)
        i += 1
    raise FilterError("The final quote was missing from a quoted string.", n, 1, text)


def _charconst(text: str, i: int) -> tuple[int, int]:
    """A C character constant `'a'`, `'\\n'`, `'\\x41'`; returns (value, end index)."""
    n = len(text)
    j = i + 1
    out = bytearray()
    if j < n and text[j] == "\\":
        try:
            j = _escape(text, j, out)
        except FilterError as e:
            end = text.find("'", j + 1)
            bad = text[i:end + 1] if end > 0 else text[i:]
            why = "is too large to be" if "octal" in e.message else "isn't"
            raise FilterError(f"{bad} {why} a valid character constant.", i, len(bad),
                              text) from None
    elif j < n and text[j] != "'":
        first = _utf8(text[j])[0]
        if not 0x20 <= first < 0x7F:
            end = text.find("'", j + 1)
            length = (end - i + 1) if end > 0 else n - i
            # tshark shows the byte as a sign-extended C char.
            shown = first if first < 0x80 else first | 0xFFFF_FFFF_FFFF_FF00
            raise FilterError(f"Non-printable value '0x{shown:02x}' in character constant.",
                              i, length, text)
        out += _utf8(text[j])
        j += 1
    if j < n and text[j] == "'" and not out:
        raise FilterError("Empty character constant.", i, 2, text)
    if j >= n or text[j] != "'" or len(out) != 1:
        end = text.find("'", i + 1)
        length = (end - i + 1) if end > 0 else n - i
        raise FilterError(f"{text[i:i + length]} is not a valid character constant.",
                          i, length, text)
    return out[0], j + 1
