"""QUIC (RFC 9000) long headers on UDP port 443, as tshark 4.0 shows them without keys.

    +-+-+-+-+-+-+-+-+
    |1|1|T T|X X X X|  Version (32)  DCID Len (8) DCID (0..160)  SCID Len (8) SCID
    +-+-+-+-+-+-+-+-+  [Initial: Token Length (i), Token]  Length (i)  protected rest
A datagram may hold several (coalesced) packets, each with its own tree. Nothing is
decrypted: the packet number and payload are shown as "Remaining Payload" with
tshark's "Secrets are not available" note. (tshark derives Initial keys from the
DCID and decrypts Initial packets; that is not done here.) Short headers are left
to data (their DCID length is known only from the connection's handshake).
"""

from __future__ import annotations

from dissectors.dispatch import UDP_PORT, register_dissector
from dissectors.offers import register_learner_layer
from dissectors.packet import Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

PACKET_TYPES = {0: "Initial", 1: "0-RTT", 2: "Handshake", 3: "Retry"}
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

QUIC = protocol("quic", "QUIC IETF", "QUIC")
CONNECTION_NUMBER = QUIC.field("quic.connection.number", "Connection Number", FT.UINT32,
                               Base.DEC)
PACKET_LENGTH = QUIC.field("quic.packet_length", "Packet Length", FT.UINT32, Base.DEC)
HEADER_FORM = QUIC.field("quic.header_form", "Header Form", FT.UINT8, Base.DEC, bitmask=0x80,
                         strings={0: "Short Header", 1: "Long Header"})
FIXED_BIT = QUIC.field("quic.fixed_bit", "Fixed Bit", FT.BOOLEAN, bitmask=0x40)
PACKET_TYPE = QUIC.field("quic.long.packet_type", "Packet Type", FT.UINT8, Base.DEC,
                         bitmask=0x30, strings=PACKET_TYPES)
VERSION = QUIC.field("quic.version", "Version", FT.UINT32, Base.HEX)
DCIL = QUIC.field("quic.dcil", "Destination Connection ID Length", FT.UINT8, Base.DEC)
DCID = QUIC.field("quic.dcid", "Destination Connection ID", FT.BYTES)
SCIL = QUIC.field("quic.scil", "Source Connection ID Length", FT.UINT8, Base.DEC)
SCID = QUIC.field("quic.scid", "Source Connection ID", FT.BYTES)
TOKEN_LENGTH = QUIC.field("quic.token_length", "Token Length", FT.UINT64, Base.DEC)
TOKEN = QUIC.field("quic.token", "Token", FT.BYTES)
LENGTH = QUIC.field("quic.length", "Length", FT.UINT64, Base.DEC)
REMAINING = QUIC.field("quic.remaining_payload", "Remaining Payload", FT.BYTES)
DECRYPTION_FAILED = QUIC.field("quic.decryption_failed", "Failed to decrypt handshake",
                               FT.NONE)
CONNECTION_UNKNOWN = QUIC.field(
    "quic.connection.unknown",
    "Unknown QUIC connection. Missing Initial Packet or migrated connection?", FT.NONE)
RETRY_TOKEN = QUIC.field("quic.retry_token", "Retry Token", FT.BYTES)
RETRY_TAG = QUIC.field("quic.retry_integrity_tag", "Retry Integrity Tag", FT.BYTES)
BAD_RETRY = QUIC.field("quic.bad_retry", "Retry Integrity Tag verification failure", FT.NONE)
_NO_PN = "Failed to decrypt packet number"
_NO_SECRETS = "Failed to create decryption context: Secrets are not available"


def version_name(v: int) -> str:
    name = _VERSIONS.get(v)
    if name is not None:
        return name
    for lo, hi, text in _VERSION_RANGES:
        if lo <= v <= hi:
            return text
    return "Unknown"


def _varint(tvb: Tvb, off: int) -> tuple[int, int]:
    """A QUIC variable-length integer at `off`: (value, its size)."""
    first = tvb.u8(off)
    size = 1 << (first >> 6)
    tvb.need(off, size)
    return int.from_bytes(tvb.bytes(off, size), "big") & ((1 << (8 * size - 2)) - 1), size


class _Connections:
    """Connection numbers, one per UDP address/port pair (both directions), made by an
    Initial packet (as Wireshark's, which finds later packets by their connection IDs)."""

    def __init__(self) -> None:
        self.numbers: dict[bytes, int] = {}

    def number(self, pkt: Packet, initial: bool) -> int | None:
        a = pkt.net_src + pkt.srcport.to_bytes(2, "big")
        b = pkt.net_dst + pkt.dstport.to_bytes(2, "big")
        key = a + b if a <= b else b + a
        n = self.numbers.get(key)
        if n is None and initial:
            n = self.numbers[key] = len(self.numbers)
        return n


def _long_packet(tvb: Tvb, pkt: Packet, off: int, conn: int | None, first_in: bool,
                 items: bool) -> tuple[int, str]:
    """One long-header packet at `off`: its tree (the first of a datagram with the
    connection's information); returns (its end, its Info text)."""
    src = tvb.source
    first = tvb.u8(off)
    ptype = (first >> 4) & 3
    version = tvb.u32(off + 1)
    dcil = tvb.u8(off + 5)
    dcid = tvb.bytes(off + 6, dcil)
    at = off + 6 + dcil
    scil = tvb.u8(at)
    scid = tvb.bytes(at + 1, scil)
    at += 1 + scil
    token_len = token_size = 0
    if ptype == 0:
        token_len, token_size = _varint(tvb, at)
        tvb.need(at + token_size, token_len)
    length_at = at + token_size + token_len
    length, length_size = _varint(tvb, length_at) if ptype != 3 else (0, 0)
    rest = length_at + length_size
    end = min(rest + length, tvb.end) if ptype != 3 else tvb.end
    info = PACKET_TYPES[ptype]
    if dcil:
        info += f", DCID={dcid.hex()}"
    if scil:
        info += f", SCID={scid.hex()}"
    top = pkt.add_proto(QUIC, off, end - off, source=src, in_stack=first_in)
    if first_in:
        ci = pkt.add_text(top, "QUIC Connection information", off, 0, source=src) \
            if items else top
        if conn is not None:
            pkt.add(ci, CONNECTION_NUMBER, conn, off, 0, generated=True, source=src)
        else:
            pkt.add_expert(ci, "note", "protocol", CONNECTION_UNKNOWN.name, "quic",
                           field=CONNECTION_UNKNOWN)
    if items:
        pkt.add(top, PACKET_LENGTH, end - off, off, 0, generated=True, source=src)
        pkt.add(top, HEADER_FORM, 1, off, 1, source=src)
        if ptype != 3:
            pkt.add(top, FIXED_BIT, bool(first & 0x40), off, 1, source=src)
        pkt.add(top, PACKET_TYPE, ptype, off, 1, source=src)
        pkt.add(top, VERSION, version, off + 1, 4,
                f"Version: {version_name(version)} (0x{version:08x})", source=src)
        pkt.add(top, DCIL, dcil, off + 5, 1, source=src)
        if dcil:
            pkt.add(top, DCID, dcid, off + 6, dcil, source=src)
        pkt.add(top, SCIL, scil, off + 6 + dcil, 1, source=src)
        if scil:
            pkt.add(top, SCID, scid, off + 7 + dcil, scil, source=src)
        if ptype == 0:
            pkt.add(top, TOKEN_LENGTH, token_len, at, token_size, source=src)
            if token_len:
                pkt.add(top, TOKEN, tvb.bytes(at + token_size, token_len),
                        at + token_size, token_len, source=src)
        if ptype != 3:
            pkt.add(top, LENGTH, length, length_at, length_size, source=src)
    if ptype == 3:
        tag_at = max(at, end - 16)
        if items:
            pkt.add(top, RETRY_TOKEN, tvb.bytes(at, tag_at - at), at, tag_at - at, source=src)
        tag = pkt.add(top, RETRY_TAG, tvb.bytes(tag_at, end - tag_at), tag_at, end - tag_at,
                      source=src)
        pkt.add_expert(tag, "warning", "protocol",
                       "Cannot verify Retry Packet due to unknown ODCID", "quic",
                       field=BAD_RETRY)
        return end, info
    pkt.add_expert(top, "warning", "decryption", _NO_SECRETS if conn is not None else _NO_PN,
                   "quic", field=DECRYPTION_FAILED)
    if items and end > rest:
        pkt.add(top, REMAINING, tvb.bytes(rest, end - rest), rest, end - rest, source=src)
    return end, info


def dissect_quic(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    off = tvb.start
    if tvb.end - off < 7 or not tvb.u8(off) & 0x80:
        return False  # (a short header: its DCID length is not known here)
    session.current_proto = "quic"
    pkt.proto_col = "QUIC"
    initial = (tvb.u8(off) >> 4) & 3 == 0
    conn = session.state("quic.connections", _Connections).number(pkt, initial)
    items = bool(pkt.wants_layer("quic"))
    count = 0
    while off < tvb.end and tvb.end - off >= 7 and tvb.u8(off) & 0x80 and count < 16:
        end, info = _long_packet(tvb, pkt, off, conn, count == 0, items)
        pkt.set_info(info)  # (each coalesced packet sets the column anew)
        count += 1
        if end <= off:
            break
        off = end
    return None


UDP_PORT.register(443, dissect_quic, "quic")
register_dissector("quic", dissect_quic)
register_learner_layer("quic", "QUIC")
