"""`-z credentials`: tshark 4.0's list of credentials seen in clear (tap-credentials.c).

What labshark decodes of them: HTTP's Authorization and Proxy-Authorization headers, and
FTP's PASS after a USER (the user name, "Username in packet: N"), POP's likewise
("POP3", "Username in packet N") and IMAP's LOGIN (no info).
`Basic` (case as written) gives "HTTP basic auth" and the user name before the first
`:` of the decoded value (none when it has no `:`); NTLM, Negotiate, Kerberos, Digest
and CitrixAGBasic are schemes HTTP decodes otherwise (no row); any other scheme gives
"HTTP header auth" with tshark's "n.a."; SMTP's AUTH LOGIN password ("SMTP", the
base64 user name, "Username in packet N"; "(null)" and packet 0 after a one-line
`AUTH LOGIN <user>`, as tshark 4.0). tshark takes no filter here (a
suffix is ignored), and all `-z credentials` share one list, as in tshark.
"""

from __future__ import annotations

import string

from analyzer.stats.taps import register
from dissectors.escape import format_str
from dissectors.ftp import ftp_credential
from dissectors.imap import imap_credential
from dissectors.packet import Item, Packet
from dissectors.pop import pop_credential
from dissectors.smtp import smtp_credential

_RULE = "=" * 67 + "\n"
_HEADERS = ("http.authorization", "http.proxy_authorization")
_OTHER_SCHEMES = ("NTLM ", "Negotiate ", "Kerberos ", "Digest ", "CitrixAGBasic ")
_B64 = string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/"
PLACEHOLDER = "n.a."


def b64_lenient(text: str) -> bytes:
    """Base64 as GLib decodes it in place: characters outside the alphabet skipped,
    a partial last group giving what bytes it holds."""
    bits = nbits = 0
    out = bytearray()
    for ch in text:
        v = _B64.find(ch)
        if v < 0:
            continue
        bits = (bits << 6) | v
        nbits += 6
        if nbits >= 8:
            nbits -= 8
            out.append((bits >> nbits) & 0xFF)
    return bytes(out)


def credential(value: str) -> tuple[str, str] | None:
    """(protocol, user name) tshark lists for one Authorization header value."""
    if value.startswith("Basic "):
        decoded = b64_lenient(value[6:]).split(b"\0", 1)[0].decode("utf-8", "replace")
        if ":" not in decoded:
            return None
        return "HTTP basic auth", decoded.split(":", 1)[0]
    if value.startswith(_OTHER_SCHEMES):
        return None
    return "HTTP header auth", PLACEHOLDER


def _pad(text: str, width: int = 16) -> str:
    """printf's %-16s: padded by bytes (UTF-8), not characters."""
    return text + " " * max(0, width - len(text.encode("utf-8", "replace")))


def _walk(items: list[Item]):  # noqa: ANN202 - a generator of Items
    for it in items:
        yield it
        if it.children:
            yield from _walk(it.children)


class CredentialsTap:
    """One `-z credentials`: rows (frame, protocol, user name, info) in packet order."""

    def __init__(self, rows: list[tuple[int, str, str, str]]) -> None:
        self.rows = rows

    def packet(self, pkt: Packet) -> None:
        for got in (ftp_credential(pkt), pop_credential(pkt), imap_credential(pkt),
                    smtp_credential(pkt)):
            if got is not None:
                self.rows.append((pkt.frame.number, *got))
        if "http" not in pkt.index:
            return
        for it in _walk(pkt.tree):
            if it.field is not None and it.field.abbrev in _HEADERS:
                got = credential(str(it.value))
                if got is not None:
                    self.rows.append((pkt.frame.number, got[0], got[1], ""))

    def rich_rows(self) -> list[tuple]:
        """(title, columns, rows, caption) of the terminal table (rich_tables.py)."""
        return [("Credentials", ("Packet", "Protocol", "Username", "Info"),
                 [[str(n), p, format_str(u), i] for n, p, u, i in self.rows], None)]

    def text(self) -> str:
        out = [_RULE, f"{'Packet':<10s} {'Protocol':<16s} {'Username':<16s} {'Info':<16s}\n",
               "------     --------         --------         --------\n"]
        out += [f"{n:<10d} {proto:<16s} {_pad(format_str(user))} {_pad(info)}\n"
                for n, proto, user, info in self.rows]
        out.append(_RULE)
        return "".join(out)


def _build(args: list[str]) -> list[CredentialsTap]:
    rows: list[tuple[int, str, str, str]] = []
    return [CredentialsTap(rows) for _ in args]


def _report(taps: list[CredentialsTap]) -> str:
    return "".join(t.text() for t in reversed(taps))


register("credentials", _build, _report, ("credentials",))
