"""Display-filter macros, expanded in the filter text before it is scanned (as Wireshark).

`${name:arg1;arg2}` is tshark 4.0's form; `${name;arg1;arg2}` and `$name(arg1, arg2)` are
the newest Wireshark's. A macro's text names its arguments `$1`, `$2`, ... Macros come
from Wireshark's `dfilter_macros` files: the ones Wireshark ships, then the user's
(`~/.config/wireshark/dfilter_macros`, or `$WIRESHARK_CONFIG_DIR`), then `--macros FILE`.
`${ip.src}` / `$ip.src` (a name with a dot, `@` or `#`) are field references, not macros:
they are left for the scanner.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from filters.errors import FilterError

# The macros Wireshark ships (its `dfilter_macros` file), so they work without it.
SHIPPED: dict[str, str] = {
    "private_ipv4": "$1 == 192.168.0.0/16 or $1 == 172.16.0.0/12 or $1 == 10.0.0.0/8",
    "private_ethernet": "$1[0] & 0x0F == 2",
    "private_ipv6": "ipv6 && $1 == fc00::/7",
}

_LINE = re.compile(r'\s*"((?:[^"\\]|\\.)*)"\s*,\s*"((?:[^"\\]|\\.)*)"\s*')
_NAME = re.compile(r"[A-Za-z0-9_]+")
_MAX_EXPANSIONS = 100  # a macro that names itself must not loop for ever,
_MAX_LENGTH = 1 << 16  # nor one that names itself twice grow without bound

_user: dict[str, str] | None = None
_extra: dict[str, str] = {}


def _unescape(s: str) -> str:
    return re.sub(r"\\x([0-9A-Fa-f]{2})|\\(.)",
                  lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2), s)


def read_macros(path: str | os.PathLike[str]) -> dict[str, str]:
    """The macros of one `dfilter_macros` file (`"name","text"` lines, # comments).
    Raises OSError if it cannot be read, ValueError naming the line if it is malformed."""
    out: dict[str, str] = {}
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _LINE.fullmatch(line)
        if m is None or not _NAME.fullmatch(m.group(1)):
            raise ValueError(f"{path}:{n}: not a macro line (\"name\",\"text\")")
        out[m.group(1)] = _unescape(m.group(2))
    return out


def _user_macros() -> dict[str, str]:
    global _user
    if _user is None:
        base = os.environ.get("WIRESHARK_CONFIG_DIR") or os.path.join(
            os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config"), "wireshark")
        try:
            _user = read_macros(os.path.join(base, "dfilter_macros"))
        except (OSError, ValueError):
            _user = {}  # no (usable) personal macros: as Wireshark, just the shipped ones
    return _user


def add_macros(macros: dict[str, str]) -> None:
    """Macros of `--macros FILE`: they win over the shipped and the user's."""
    _extra.update(macros)


def lookup(name: str) -> str | None:
    for table in (_extra, _user_macros(), SHIPPED):
        if name in table:
            return table[name]
    return None


def _substitute(name: str, body: str, args: list[str], text: str, col: int) -> str:
    want = max((int(d) for d in re.findall(r"\$([0-9]+)", body)), default=0)
    if want != len(args):
        raise FilterError(f"wrong number of arguments for macro '{name}', expecting {want} "
                          f"instead of {len(args)}", col, 1, text)
    return re.sub(r"\$([0-9]+)", lambda m: args[int(m.group(1)) - 1], body)


def _is_ref(inner: str) -> bool:
    return inner.startswith("@") or "." in inner.split(":")[0].split(";")[0] or "#" in inner


def expand(text: str) -> str:
    """The filter with every macro replaced by its text; field references kept."""
    source = text
    for _ in range(_MAX_EXPANSIONS):
        new, count = _expand_once(text)
        if not count:
            return text
        if len(new) > _MAX_LENGTH:
            break
        text = new
    raise FilterError("Macro expansion is nested too deeply or too long.", 0, len(source),
                      source)


def _expand_once(text: str) -> tuple[str, int]:
    """One pass over the text: (new text, how many macros it expanded)."""
    out: list[str] = []
    count = 0
    i, n = 0, len(text)
    in_string = False
    while i < n:
        c = text[i]
        if c == '"' and (i == 0 or text[i - 1] != "\\"):
            in_string = not in_string
        if c != "$" or in_string:
            out.append(c)
            i += 1
            continue
        if text.startswith("${", i):
            end = text.find("}", i + 2)
            if end < 0:
                raise FilterError("missing end of macro", i, n - i, text)
            inner = text[i + 2:end]
            if _is_ref(inner):
                out.append(text[i:end + 1])
                i = end + 1
                continue
            m = re.match(r"[A-Za-z0-9_]*", inner)
            name = m.group(0) if m else ""
            rest = inner[len(name):]
            if not name or (rest and rest[0] not in ":;"):
                raise FilterError("invalid character in macro name", i + 2 + len(name), 1, text)
            body = lookup(name)
            if body is None:
                raise FilterError(f"macro '{name}' does not exist", i, end + 1 - i, text)
            args = rest[1:].split(";") if rest else []
            out.append(_substitute(name, body, args, text, i))
            count += 1
            i = end + 1
            continue
        m = re.compile(r"\$([A-Za-z0-9_]+)\(").match(text, i)
        if m:  # newest Wireshark: $name(arg1, arg2)
            end = text.find(")", m.end())
            if end < 0:
                raise FilterError("missing end of macro", i, n - i, text)
            raw = text[m.end():end]
            args = [a.strip() for a in raw.split(",")] if raw.strip() else []
            if any(not a for a in args):
                raise FilterError("null argument in macro expression", i, end + 1 - i, text)
            body = lookup(m.group(1))
            if body is None:
                raise FilterError(f"macro '{m.group(1)}' does not exist", i, end + 1 - i, text)
            out.append(_substitute(m.group(1), body, args, text, i))
            count += 1
            i = end + 1
            continue
        out.append(c)
        i += 1
    return "".join(out), count
