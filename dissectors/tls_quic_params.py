"""The TLS quic_transport_parameters extension (RFC 9000 section 18) as tshark 4.0 shows
it (extension 57): one "Parameter: NAME (len=N)" subtree per parameter (id and length are QUIC
variable-length integers), its Type, Length and raw Value, then the value decoded by
the parameter's kind. Called from tls_extensions.py."""

from __future__ import annotations

from dissectors.packet import Item, Packet
from dissectors.quic_proto import version_name
from dissectors.registry import FT, Base, Field
from dissectors.tls_proto import TLS
from dissectors.tvb import Tvb

U64, BYTES, NONE = FT.UINT64, FT.BYTES, FT.NONE
P = "tls.quic.parameter."
TYPE = TLS.field(P + "type", "Type", U64, Base.CUSTOM)
LENGTH = TLS.field(P + "length", "Length", U64, Base.DEC)
VALUE = TLS.field(P + "value", "Value", BYTES)
VALUE.missing = True  # (empty, it reads "<MISSING>")


def _u(name: str, label: str) -> Field:
    return TLS.field(P + name, label, U64, Base.DEC)


def _b(name: str, label: str) -> Field:
    f = TLS.field(P + name, label, BYTES)
    f.missing = True
    return f


#: id -> (name, the decoded value's field or None, the summary's unit: None = no value
#: in the summary, "" = the number alone).
PARAMS: dict[int, tuple[str, Field | None, str | None]] = {
    0x00: ("original_destination_connection_id",
           _b("original_destination_connection_id", "original_destination_connection_id"), None),
    0x01: ("max_idle_timeout", _u("max_idle_timeout", "max_idle_timeout"), " ms"),
    0x02: ("stateless_reset_token", _b("stateless_reset_token", "stateless_reset_token"), None),
    0x03: ("max_udp_payload_size", _u("max_udp_payload_size", "max_udp_payload_size"), ""),
    0x04: ("initial_max_data", _u("initial_max_data", "initial_max_data"), ""),
    0x05: ("initial_max_stream_data_bidi_local", _u("initial_max_stream_data_bidi_local",
                                                    "initial_max_stream_data_bidi_local"), ""),
    0x06: ("initial_max_stream_data_bidi_remote", _u("initial_max_stream_data_bidi_remote",
                                                     "initial_max_stream_data_bidi_remote"), ""),
    0x07: ("initial_max_stream_data_uni", _u("initial_max_stream_data_uni",
                                             "initial_max_stream_data_uni"), ""),
    0x08: ("initial_max_streams_bidi", _u("initial_max_streams_bidi",
                                          "initial_max_streams_bidi"), ""),
    0x09: ("initial_max_streams_uni", _u("initial_max_streams_uni", "initial_max_streams_uni"),
           ""),
    0x0A: ("ack_delay_exponent", _u("ack_delay_exponent", "ack_delay_exponent"), None),
    0x0B: ("max_ack_delay", _u("max_ack_delay", "max_ack_delay"), ""),
    0x0C: ("disable_active_migration", None, None),
    0x0D: ("preferred_address", None, None),
    0x0E: ("active_connection_id_limit", _u("active_connection_id_limit",
                                            "Active Connection ID Limit"), ""),
    0x0F: ("initial_source_connection_id", _b("initial_source_connection_id",
                                              "Initial Source Connection ID"), None),
    0x10: ("retry_source_connection_id", _b("retry_source_connection_id",
                                            "Retry Source Connection ID"), None),
    0x20: ("max_datagram_frame_size", _u("max_datagram_frame_size", "max_datagram_frame_size"),
           ""),
    0x1057: ("loss_bits", _u("loss_bits", "loss_bits"), None),
    0x2AB2: ("grease_quic_bit", None, None),
    0x7157: ("enable_time_stamp", None, None),
    0x7158: ("enable_time_stamp_v2", _u("enable_time_stamp_v2", "Enable TimestampV2"), None),
    0xDE1A: ("min_ack_delay", _u("min_ack_delay", "min_ack_delay"), None),
    0x3127: ("google_initial_rtt", TLS.field(P + "google.initial_rtt", "Google Initial RTT",
                                             U64, Base.DEC), " us"),
    0x3128: ("google_connection_options", TLS.field(P + "google.connection_options",
                                                    "Google Connection options", BYTES), None),
    0x3129: ("google_user_agent", TLS.field(P + "google.user_agent", "Google UserAgent",
                                            FT.STRING), None),
    0x312A: ("google_support_handshake_done", None, None),
    0x312B: ("google_key_update_not_yet_supported", None, None),
    0x4751: ("google_quic_params", None, None),
    0x4752: ("google_quic_version", TLS.field(P + "google.quic_version", "Google QUIC version",
                                              FT.UINT32, Base.HEX), None),
    0xFF00: ("facebook_partial_reliability", TLS.field(
        P + "facebook.partial_reliability", "Facebook Partial Reliability", U64, Base.DEC),
             None),
}


def _varint(tvb: Tvb, off: int) -> tuple[int, int]:
    first = tvb.u8(off)
    size = 1 << (first >> 6)
    tvb.need(off, size)
    return int.from_bytes(tvb.bytes(off, size), "big") & ((1 << (8 * size - 2)) - 1), size


def _name(ptype: int) -> str:
    """quic_transport_parameter_id_base_custom's label."""
    if (ptype - 27) % 31 == 0:
        return "GREASE"
    known = PARAMS.get(ptype) if ptype <= 0xFFFFFFFF else None
    return known[0] if known else "Unknown"


def dissect_transport_parameters(tvb: Tvb, pkt: Packet, ext: Item, off: int, n: int) -> None:
    """The parameters of an extension body of `n` bytes at `off`."""
    src = tvb.source
    end = off + n
    while off < end:
        ptype, tsize = _varint(tvb, off)
        plen, lsize = _varint(tvb, off + tsize)
        vat = off + tsize + lsize
        tvb.need(vat, plen)
        name = _name(ptype)
        known = PARAMS.get(ptype) if name != "GREASE" and name != "Unknown" else None
        field, unit = (known[1], known[2]) if known else (None, None)
        value: int | bytes | str | None = None
        if field is not None and plen:
            if field.type is U64:
                value = _varint(tvb, vat)[0]
            elif field.type is FT.UINT32:
                value = tvb.u32(vat) if plen >= 4 else None
            elif field.type is FT.STRING:
                value = tvb.bytes(vat, plen).decode("ascii", "replace")
            else:
                value = tvb.bytes(vat, plen)
        label = name if known or name == "GREASE" else f"Unknown 0x{ptype:02x}"
        head = f"Parameter: {label} (len={plen})"
        if unit is not None and isinstance(value, int):
            head += f" {value}{unit}"
        sub = pkt.add_text(ext, head, off, tsize + lsize + plen, src)
        pkt.add(sub, TYPE, ptype, off, tsize, f"Type: {name} (0x{ptype:02x})", source=src)
        pkt.add(sub, LENGTH, plen, off + tsize, lsize, source=src)
        raw = tvb.bytes(vat, plen)
        pkt.add(sub, VALUE, raw, vat, plen, source=src)
        if field is not None:
            if field.type is FT.UINT32 and isinstance(value, int):
                pkt.add(sub, field, value, vat, 4,
                        f"{field.name}: {version_name(value)} (0x{value:08x})", source=src)
            elif value is not None:
                pkt.add(sub, field, value, vat, plen, source=src)
            elif field.type is BYTES:
                pkt.add(sub, field, b"", vat, 0, source=src)
        off = vat + plen
