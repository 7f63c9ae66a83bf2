"""The HTTP protocol's declaration and the ASCII text rule its modules share.

Separate from dissectors/http.py so that the pairing and body modules can add their own
HTTP fields without importing the dissector that imports them.
"""

from __future__ import annotations

from dissectors.registry import protocol

HTTP = protocol("http", "Hypertext Transfer Protocol", "HTTP")


def _text(raw: bytes) -> str:
    """Bytes as Wireshark's ASCII strings: anything above 0x7f becomes U+FFFD."""
    return bytes(raw).decode("ascii", errors="replace")  # one U+FFFD per high byte
