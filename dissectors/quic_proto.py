"""The `quic` protocol object and the QUIC version names (quic_version_vals and its
ranges), shared by the QUIC header (quic.py), its frames (quic_frames.py) and the TLS
quic_transport_parameters extension (google_quic_version)."""

from __future__ import annotations

from dissectors.registry import protocol

QUIC = protocol("quic", "QUIC IETF", "QUIC")

_VERSIONS = {0: "Version Negotiation", 1: "1", 0x6B3343CF: "2", 0x709A50C4: "v2-draft-01",
             0xFF020000: "v2-draft-00", 0x51303433: "Google Q043", 0x51303434: "Google Q044",
             0x51303436: "Google Q046", 0x51303530: "Google Q050",
             0x54303530: "Google T050", 0x54303531: "Google T051",
             0x50524F58: "Proxied QUIC (PROX)", 0xFACEB001: "Facebook mvfst (draft-22)",
             0xFACEB002: "Facebook mvfst (draft-27)",
             0xFACEB00E: "Facebook mvfst (Experimental)", 0xFACEB00F: "Facebook mvfst",
             **{0xFF000000 + n: f"draft-{n:02d}" for n in range(4, 35)}}
_VERSION_RANGES = ((0x45474700, 0x454747FF, "Quant"), (0x50435130, 0x50435131, "Picoquic internal"),
                   (0x51474F00, 0x51474FFF, "QGO (QUIC GO)"), (0x91C17000, 0x91C170FF, "Quicly"),
                   (0xABCD0000, 0xABCD000F, "MsQuic"),
                   (0xF0F0F0F0, 0xF0F0F0FF, "ETH Zürich (Measurability experiments)"),
                   (0xF0F0F1F0, 0xF0F0F1FF, "Telecom Italia (Measurability experiments)"),
                   (0xF123F0C0, 0xF123F0CF, "MozQuic"), (0xFACEB003, 0xFACEB00D, "Facebook mvfst"))


def version_name(v: int) -> str:
    name = _VERSIONS.get(v)
    if name is not None:
        return name
    for lo, hi, text in _VERSION_RANGES:
        if lo <= v <= hi:
            return text
    return "Unknown"
