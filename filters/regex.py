"""`matches`: PCRE2, compiled and run the way Wireshark runs it.

Wireshark (wsutil/regex.c) compiles a display filter's pattern with PCRE2_CASELESS and
PCRE2_NEVER_UTF only, matches the field's bytes without JIT under PCRE2's default
match and depth limits, and takes any failure of a match (the limit hit by `(a+)+$`
on a run of `a`s, say) as "no match". The `pcre2` package gives us the same library;
its public compile() adds PCRE2_ALT_BSUX and PCRE2_NEVER_BACKSLASH_C, which Wireshark
does not use, so patterns go through its low-level compile, which can turn them off.
Work per packet is thus bounded by PCRE2's limits, as in tshark.
"""

from __future__ import annotations

import os
import sys

import pcre2
from pcre2 import _cy

# pcre2.h option bits.
_CASELESS = 0x0000_0008
_NEVER_UTF = 0x0000_1000
_ALT_BSUX = 0x0000_0002
_NEVER_BACKSLASH_C = 0x0010_0000

_NOTED: set[bytes] = set()
_MAIN_PID = os.getpid()  # a forked fast-path worker leaves the note to the parent
#: (pattern, note) kept, not printed, by both parts of a split run: analyzer/split_run.py
#: prints them once, after both, as one process would have; None: print at once.
held: list[tuple[bytes, str]] | None = None


class RegexError(Exception):
    """PCRE2 refused the pattern; the message is PCRE2's (as tshark shows it)."""


class Regex:
    """A compiled `matches` pattern; `search(subject)` says whether it matches."""

    __slots__ = ("pattern", "_compiled")

    def __init__(self, pattern: bytes) -> None:
        self.pattern = pattern
        try:
            code = _cy.compile(_one_byte_escapes(pattern), _CASELESS | _NEVER_UTF,
                               _ALT_BSUX | _NEVER_BACKSLASH_C)
        except pcre2.PatternError as e:
            raise RegexError(str(pcre2.LibraryError(e.code))) from None
        self._compiled = pcre2.Pattern(code, pattern, 0, False, None)

    def search(self, subject: bytes) -> bool:
        try:
            return self._compiled.search(subject) is not None
        except pcre2.LibraryError as e:  # match or depth limit, no memory: no match
            _note(self.pattern, str(e))
            return False

    def __repr__(self) -> str:
        return f"Regex({self.pattern!r})"


def _one_byte_escapes(pattern: bytes) -> bytes:
    """`\\C` (one code unit) as `(?s:.)`, its meaning without UTF: the wheel's PCRE2 is
    built without `\\C`, Wireshark's is not. Inside a class or `\\Q...\\E` it stays."""
    if b"\\C" not in pattern:
        return pattern
    out = bytearray()
    i, n = 0, len(pattern)
    in_class = in_quote = False
    while i < n:
        two = pattern[i:i + 2]
        if in_quote:
            in_quote = two != b"\\E"
            step = 1 if in_quote else 2
            out += pattern[i:i + step]
            i += step
            continue
        if two[:1] == b"\\":
            if two == b"\\Q":
                in_quote = True
            out += b"(?s:.)" if two == b"\\C" and not in_class else two
            i += 2
            continue
        c = pattern[i:i + 1]
        if c == b"[" and not in_class:
            in_class = True
            out += c
            i += 1
            if pattern[i:i + 1] == b"^":
                out += b"^"
                i += 1
            if pattern[i:i + 1] == b"]":  # a leading ] is a member
                out += b"]"
                i += 1
            continue
        if c == b"]" and in_class:
            in_class = False
        out += c
        i += 1
    return bytes(out)


def _note(pattern: bytes, why: str) -> None:
    """Say once per pattern, on stderr, why a packet did not match (tshark says
    nothing; stdout stays as tshark's)."""
    if pattern in _NOTED or (held is None and os.getpid() != _MAIN_PID):
        return
    _NOTED.add(pattern)
    shown = pattern.decode("utf-8", "backslashreplace")
    line = (f'analyze: note: matching "{shown}" stopped on a packet ({why}); '
            "such a packet does not match, as in tshark\n")
    if held is not None:
        held.append((pattern, line))
    else:
        sys.stderr.write(line)


def print_held(notes: list[tuple[bytes, str]]) -> None:
    """Print a split run's notes (both parts' `held`), each pattern's once; from now on
    this process counts their patterns as noted."""
    done: set[bytes] = set()
    for pattern, line in notes:
        if pattern not in done:
            done.add(pattern)
            _NOTED.add(pattern)
            sys.stderr.write(line)
