"""The HTTP protocol's declaration and the ASCII text rule its modules share.

Separate from dissectors/http.py so that the pairing and body modules can add their own
HTTP fields without importing the dissector that imports them.
"""

from __future__ import annotations

from typing import Final

from dissectors.packet import Item, Packet
from dissectors.registry import Field, protocol

HTTP: Final = protocol("http", "Hypertext Transfer Protocol", "HTTP")


def _text(raw: bytes) -> str:
    """Bytes as Wireshark's ASCII strings: anything above 0x7f becomes U+FFFD."""
    # (one U+FFFD per high byte; compiled, bytes(raw) of bytes is a generic call that
    # copies nothing, made for every line)
    if isinstance(raw, bytes):
        return raw.decode("ascii", errors="replace")
    return bytes(raw).decode("ascii", errors="replace")


class SourceAdd:
    """`pkt.add` with one message's data source, for the message's items. An object, not
    a closure: compiled, a closure and its environment refer to each other, a cycle that
    kept every HTTP packet (tree and bytes) alive until the cyclic collector ran."""

    __slots__ = ("pkt", "source")

    def __init__(self, pkt: Packet, source: int) -> None:
        self.pkt = pkt
        self.source = source

    def __call__(self, parent: Item | None, f: Field, value: object, o: int, n: int,
                 text: str | None = None, *, hidden: bool = False,
                 generated: bool = False) -> Item:
        return self.pkt.add(parent, f, value, o, n, text, hidden=hidden,
                            generated=generated, source=self.source)


def tap(pkt: Packet, layer: Item | None) -> None:
    """A message reached packet-http.c's tap_queue_packet(http_tap): `layer` is the
    protocol item it shows under (HTTP's or SSDP's), None when it shows nothing."""
    pkt.proto_data.setdefault("http.taps", []).append(layer)


def http_tapped(pkt: Packet) -> list[Item | None]:
    """What HTTP's stats taps saw in `pkt`, in order (offers.register_tapped)."""
    taps: list[Item | None] = pkt.proto_data.get("http.taps", [])
    return taps
