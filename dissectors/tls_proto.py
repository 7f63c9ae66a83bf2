"""The `tls` protocol object and what TLS's modules share: version names, per-connection
state and value-string labels (tls.py: records; tls_handshake.py: handshake messages)."""

from __future__ import annotations

from dataclasses import dataclass

from dissectors.packet import Packet
from dissectors.registry import Field, protocol

TLS = protocol("tls", "Transport Layer Security", "TLS")

TLS13 = 0x0304
#: ssl_version_short_names: the Protocol column and the record labels.
SHORT_NAMES = {
    0x0002: "SSLv2", 0x0300: "SSLv3", 0x0301: "TLSv1", 0x0302: "TLSv1.1", 0x0303: "TLSv1.2",
    0x0304: "TLSv1.3", 0xFEFF: "DTLSv1.0", 0xFEFD: "DTLSv1.2", 0x0100: "DTLS 1.0 (OpenSSL pre 0.9.8f)",
    0x0101: "GMTLSv1",
}
#: Versions a record or ServerHello may set for the connection (tls_try_get_version).
KNOWN_VERSIONS = frozenset({0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x0101})


def short_name(version: int | None, default: str) -> str:
    return SHORT_NAMES.get(version, default) if version is not None else default


@dataclass(slots=True)
class TlsConn:
    """What Wireshark's SslSession keeps per TCP connection (no keys: nothing decrypts)."""

    version: int | None = None  # None = SSL_VER_UNKNOWN
    server: tuple[bytes, int] | None = None  # set by the ClientHello's destination
    client_ccs_frame: int = 0
    server_ccs_frame: int = 0
    client_session_id: bytes = b""
    resumed: bool = False
    cipher: int = -1
    app: str = ""  # the application protocol the server's ALPN chose (long name)
    key: tuple = ()  # the connection's key in the session's table

    def from_server(self, src: bytes, sport: int, server_ports: frozenset[int]) -> bool:
        """ssl_packet_from_server: the ClientHello's peer, else the port tables."""
        if self.server is not None:
            return (src, sport) == self.server
        return sport in server_ports


def vs_text(field: Field, value: int, fmt: str = "{}") -> str:
    """A value-string label, with Wireshark's "Unknown" for a value it has no name for."""
    name = field.value_name(value)
    return f"{field.name}: {name if name is not None else 'Unknown'} ({fmt.format(value)})"


def add_info(pkt: Packet, text: str) -> None:
    """col_append_sep_str: ", " when the column (its fenced part too) holds text, as
    when a record reassembled in this frame came before."""
    pkt.info += (", " if pkt.info else "") + text
