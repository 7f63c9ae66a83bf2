"""The HTTP protocol's declaration and the ASCII text rule its modules share.

Separate from dissectors/http.py so that the pairing and body modules can add their own
HTTP fields without importing the dissector that imports them.
"""

from __future__ import annotations

from typing import Final

from dissectors.packet import Item, Packet
from dissectors.registry import protocol

HTTP: Final = protocol("http", "Hypertext Transfer Protocol", "HTTP")


def _text(raw: bytes) -> str:
    """Bytes as Wireshark's ASCII strings: anything above 0x7f becomes U+FFFD."""
    return bytes(raw).decode("ascii", errors="replace")  # one U+FFFD per high byte


def tap(pkt: Packet, layer: Item | None) -> None:
    """A message reached packet-http.c's tap_queue_packet(http_tap): `layer` is the
    protocol item it shows under (HTTP's or SSDP's), None when it shows nothing."""
    pkt.proto_data.setdefault("http.taps", []).append(layer)


def http_tapped(pkt: Packet) -> list[Item | None]:
    """What HTTP's stats taps saw in `pkt`, in order (offers.register_tapped)."""
    taps: list[Item | None] = pkt.proto_data.get("http.taps", [])
    return taps
