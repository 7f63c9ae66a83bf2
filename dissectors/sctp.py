"""SCTP (RFC 9260) on IP protocol 132: the common header and its chunks, as tshark 4.0
shows them with its default preferences (checksum not verified, no association index).

     0                   1                   2                   3
    +-------------------------------+-------------------------------+
    |     Source Port Number        |     Destination Port Number   |
    |                      Verification Tag                         |
    |                          Checksum                             |
    +---------------+---------------+-------------------------------+
    |  Chunk Type   |  Chunk Flags  |        Chunk Length           |   (repeated,
    |                     Chunk Value ...                           |   4-byte padded)
DATA chunks hand their payload on (to data: no upper protocol is decoded here) and,
as in Wireshark, the chunks after one are shown under a new SCTP item. TSNs are shown
relative to the first TSN seen in that direction (a SACK's to its reverse's). INIT / INIT ACK parameters are decoded; other chunks show their
header and value bytes.
"""

from __future__ import annotations

from dissectors.dispatch import BY_NAME, IP_PROTO, register_dissector
from dissectors.ip_fields import CHECKSUM_STATUS
from dissectors.offers import ConversationSpec, register_conversation, register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.time_text import plural
from dissectors.tvb import Tvb

CHUNK_TYPES = {
    0: "DATA", 1: "INIT", 2: "INIT_ACK", 3: "SACK", 4: "HEARTBEAT", 5: "HEARTBEAT_ACK",
    6: "ABORT", 7: "SHUTDOWN", 8: "SHUTDOWN_ACK", 9: "ERROR", 10: "COOKIE_ECHO",
    11: "COOKIE_ACK", 12: "ECNE", 13: "CWR", 14: "SHUTDOWN_COMPLETE", 15: "AUTH",
    16: "NR_SACK", 64: "I_DATA", 128: "ASCONF_ACK", 129: "PKTDROP", 130: "RE_CONFIG",
    132: "PAD", 192: "FORWARD_TSN", 193: "ASCONF", 194: "I_FORWARD_TSN",
    255: "IETF_EXTENSION",
}
PARAM_TYPES = {
    0x1: "Heartbeat info", 0x5: "IPv4 address", 0x6: "IPv6 address", 0x7: "State cookie",
    0x8: "Unrecognized parameter", 0x9: "Cookie preservative", 0xB: "Hostname address",
    0xC: "Supported address types", 0xD: "Outgoing SSN reset request",
    0xE: "Incoming SSN reset request", 0xF: "SSN/TSN reset request",
    0x10: "Re-configuration response", 0x11: "Add outgoing streams request",
    0x12: "Add incoming streams request", 0x8000: "ECN", 0x8002: "Random",
    0x8003: "Authenticated Chunk list", 0x8004: "Requested HMAC Algorithm",
    0x8008: "Supported Extensions", 0xC000: "Forward TSN supported", 0xC001: "Add IP address",
    0xC002: "Delete IP address", 0xC003: "Error cause indication",
    0xC004: "Set primary address", 0xC005: "Success report",
    0xC006: "Adaptation Layer Indication",
}
ADDRESS_TYPES = {5: "IPv4 address", 6: "IPv6 address", 11: "Hostname address"}
_ADDRESS_SHORT = {5: "IPv4", 6: "IPv6", 11: "hostname"}
#: Payload protocol identifiers (tshark -G values, sctp.data_payload_proto_id).
PPIDS = {
    0: "not specified", 1: "IUA", 2: "M2UA", 3: "M3UA", 4: "SUA", 5: "M2PA", 6: "V5UA",
    7: "H.248/MEGACO", 8: "BICC/Q.2150.3", 9: "TALI", 10: "DUA", 11: "ASAP", 12: "ENRP",
    13: "H.323", 14: "Q.IPC/Q.2150.3", 15: "SIMCO", 16: "DDP Segment Chunk",
    17: "DDP Stream Session Control", 18: "S1 Application Protocol (S1AP)", 19: "RUA",
    20: "HNBAP", 21: "ForCES-HP", 22: "ForCES-MP", 23: "ForCES-LP", 24: "SBc-AP", 25: "NBAP",
    26: "Unassigned", 27: "X2AP", 28: "IRCP", 29: "LCS-AP", 30: "MPICH2", 31: "SABP",
    32: "Fractal Generator Protocol", 33: "Ping Pong Protocol", 34: "CalcApp Protocol",
    35: "Scripting Service Protocol", 36: "NetPerfMeter Control", 37: "NetPerfMeter Data",
    38: "Echo", 39: "Discard", 40: "Daytime", 41: "Character Generator", 42: "3GPP RNA",
    43: "3GPP M2AP", 44: "3GPP M3AP", 45: "SSH", 46: "DIAMETER", 47: "DIAMETER over DTLS",
    48: "R14P", 49: "Generic Data Transfer Protocol (GDT)", 50: "WebRTC Control",
    51: "WebRTC String", 52: "WebRTC Binary Partial (Deprecated)", 53: "WebRTC Binary",
    54: "WebRTC String Partial (Deprecated)", 55: "3GPP PUA", 56: "WebRTC String Empty",
    57: "WebRTC Binary Empty", 58: "XwAP", 59: "Xw - Control Plane", 60: "NGAP", 61: "XnAP",
    62: "F1 AP", 65: "ELE2 Lawful Interception", 66: "NGAP over DTLS", 67: "XnAP over DTLS",
    68: "F1AP over DTLS", 69: "E1AP over DTLS", 70: "E2-CP", 71: "E2-UP", 72: "E2-DU", 73: "W1AP",
}

SCTP = protocol("sctp", "Stream Control Transmission Protocol", "SCTP")
SRCPORT = SCTP.field("sctp.srcport", "Source port", FT.UINT16, Base.PT_SCTP, offset=0)
DSTPORT = SCTP.field("sctp.dstport", "Destination port", FT.UINT16, Base.PT_SCTP, offset=2)
PORT = SCTP.field("sctp.port", "Port", FT.UINT16, Base.PT_SCTP)
VTAG = SCTP.field("sctp.verification_tag", "Verification tag", FT.UINT32, Base.HEX, offset=4)
ASSOC_INDEX = SCTP.field("sctp.assoc_index", "Association index", FT.UINT16, Base.DEC)
CHECKSUM = SCTP.field("sctp.checksum", "Checksum", FT.UINT32, Base.HEX, offset=8)
CHECKSUM_STATUS_F = SCTP.field("sctp.checksum.status", "Checksum Status", FT.UINT8, Base.NONE,
                               strings=CHECKSUM_STATUS)
CHUNK_TYPE = SCTP.field("sctp.chunk_type", "Chunk type", FT.UINT8, Base.DEC,
                        strings=CHUNK_TYPES)
CHUNK_BIT_1 = SCTP.field("sctp.chunk_bit_1", "Bit", FT.BOOLEAN, bitmask=0x80, strings=(
    "Skip chunk and continue processing of the packet", "Stop processing of the packet"))
CHUNK_BIT_2 = SCTP.field("sctp.chunk_bit_2", "Bit", FT.BOOLEAN, bitmask=0x40,
                         strings=("Do report", "Do not report"))
CHUNK_FLAGS = SCTP.field("sctp.chunk_flags", "Chunk flags", FT.UINT8, Base.HEX)
CHUNK_LENGTH = SCTP.field("sctp.chunk_length", "Chunk length", FT.UINT16, Base.DEC)
CHUNK_PADDING = SCTP.field("sctp.chunk_padding", "Chunk padding", FT.BYTES)
CHUNK_VALUE = SCTP.field("sctp.chunk_value", "Chunk value", FT.BYTES)
COOKIE = SCTP.field("sctp.cookie", "Cookie", FT.BYTES)
DATA_E = SCTP.field("sctp.data_e_bit", "E-Bit", FT.BOOLEAN, bitmask=0x01,
                    strings=("Last segment", "Not the last segment"))
DATA_B = SCTP.field("sctp.data_b_bit", "B-Bit", FT.BOOLEAN, bitmask=0x02,
                    strings=("First segment", "Subsequent segment"))
DATA_U = SCTP.field("sctp.data_u_bit", "U-Bit", FT.BOOLEAN, bitmask=0x04,
                    strings=("Unordered delivery", "Ordered delivery"))
DATA_I = SCTP.field("sctp.data_i_bit", "I-Bit", FT.BOOLEAN, bitmask=0x08,
                    strings=("Send SACK immediately", "Possibly delay SACK"))
DATA_TSN = SCTP.field("sctp.data_tsn", "Transmission sequence number (relative)", FT.UINT32,
                      Base.DEC)
DATA_TSN_RAW = SCTP.field("sctp.data_tsn_raw", "Transmission sequence number (absolute)",
                          FT.UINT32, Base.DEC)
DATA_SID = SCTP.field("sctp.data_sid", "Stream identifier", FT.UINT16, Base.HEX)
DATA_SSN = SCTP.field("sctp.data_ssn", "Stream sequence number", FT.UINT16, Base.DEC)
DATA_PPID = SCTP.field("sctp.data_payload_proto_id", "Payload protocol identifier", FT.UINT32,
                       Base.DEC, strings=PPIDS)
#: INIT and INIT ACK fields: (initiate tag, a_rwnd, outbound, inbound, initial TSN).
_INIT_NAMES = (("initiate_tag", "Initiate tag", FT.UINT32, Base.HEX),
               ("credit", "Advertised receiver window credit (a_rwnd)", FT.UINT32, Base.DEC),
               ("nr_out_streams", "Number of outbound streams", FT.UINT16, Base.DEC),
               ("nr_in_streams", "Number of inbound streams", FT.UINT16, Base.DEC),
               ("initial_tsn", "Initial TSN", FT.UINT32, Base.DEC))
INIT_FIELDS = {kind: tuple(SCTP.field(f"sctp.{kind}_{n}", name, t, base)
                           for n, name, t, base in _INIT_NAMES) for kind in ("init", "initack")}
INITIATE_TAG = SCTP.field("sctp.initiate_tag", "Initiate tag", FT.UINT32, Base.HEX)
PARAM_TYPE = SCTP.field("sctp.parameter_type", "Parameter type", FT.UINT16, Base.HEX,
                        strings=PARAM_TYPES)
PARAM_BIT_1 = SCTP.field("sctp.parameter_bit_1", "Bit", FT.BOOLEAN, bitmask=0x8000, strings=(
    "Skip parameter and continue processing of the chunk", "Stop processing of chunk"))
PARAM_BIT_2 = SCTP.field("sctp.parameter_bit_2", "Bit", FT.BOOLEAN, bitmask=0x4000,
                         strings=("Do report", "Do not report"))
PARAM_LENGTH = SCTP.field("sctp.parameter_length", "Parameter length", FT.UINT16, Base.DEC)
PARAM_VALUE = SCTP.field("sctp.parameter_value", "Parameter value", FT.BYTES)
PARAM_PADDING = SCTP.field("sctp.parameter_padding", "Parameter padding", FT.BYTES)
PARAM_PADDING_EXPERT = SCTP.field(
    "sctp.parameter_padding.expert",
    "The padding of this final parameter should be the padding of the chunk.", FT.NONE)
PARAM_IPV4 = SCTP.field("sctp.parameter_ipv4_address", "IP Version 4 address", FT.IPv4)
PARAM_IPV6 = SCTP.field("sctp.parameter_ipv6_address", "IP Version 6 address", FT.IPv6)
PARAM_HEARTBEAT = SCTP.field("sctp.parameter_heartbeat_information", "Heartbeat information",
                             FT.BYTES)
PARAM_COOKIE = SCTP.field("sctp.parameter_state_cookie", "State cookie", FT.BYTES)
PARAM_COOKIE_INCR = SCTP.field("sctp.parameter_cookie_preservative_incr",
                               "Suggested Cookie life-span increment (msec)", FT.UINT32,
                               Base.DEC)
PARAM_ADDR_TYPE = SCTP.field("sctp.parameter_supported_address_type",
                             "Supported address type", FT.UINT16, Base.DEC,
                             strings=ADDRESS_TYPES)

SACK_NOUNCE = SCTP.field("sctp.sack_nounce_sum", "Nounce sum", FT.UINT8, Base.DEC, bitmask=0x01)
SACK_FIELDS = (
    SCTP.field("sctp.sack_cumulative_tsn_ack", "Cumulative TSN ACK (relative)", FT.UINT32,
               Base.DEC),
    SCTP.field("sctp.sack_cumulative_tsn_ack_raw", "Cumulative TSN ACK (absolute)", FT.UINT32,
               Base.DEC),
    SCTP.field("sctp.sack_a_rwnd", "Advertised receiver window credit (a_rwnd)", FT.UINT32,
               Base.DEC),
    SCTP.field("sctp.sack_number_of_gap_blocks", "Number of gap acknowledgement blocks",
               FT.UINT16, Base.DEC),
    SCTP.field("sctp.sack_number_of_duplicated_tsns", "Number of duplicated TSNs", FT.UINT16,
               Base.DEC))
SHUTDOWN_ACK = SCTP.field("sctp.shutdown_cumulative_tsn_ack", "Cumulative TSN Ack", FT.UINT32,
                          Base.DEC)
_T_BIT = ("Tag reflected", "Tag not reflected")
ABORT_T = SCTP.field("sctp.abort_t_bit", "T-Bit", FT.BOOLEAN, bitmask=0x01, strings=_T_BIT)
SHUTDOWN_COMPLETE_T = SCTP.field("sctp.shutdown_complete_t_bit", "T-Bit", FT.BOOLEAN,
                                 bitmask=0x01, strings=_T_BIT)
#: The flag bits each chunk type shows under its flags.
_FLAG_BITS = {0: (DATA_I, DATA_U, DATA_B, DATA_E), 3: (SACK_NOUNCE,), 6: (ABORT_T,),
              14: (SHUTDOWN_COMPLETE_T,)}
_NO_ASSOC = 65535  # the association index Wireshark shows when the preference is off


class TsnBases:
    """Per direction (packed addresses and ports): the TSN relative TSNs count from."""

    def __init__(self) -> None:
        self.base: dict[bytes, int] = {}


def _direction(pkt: Packet, sport: int, dport: int, reverse: bool = False) -> bytes:
    a, b = (pkt.net_dst, pkt.net_src) if reverse else (pkt.net_src, pkt.net_dst)
    pa, pb = (dport, sport) if reverse else (sport, dport)
    return b"%s%s%d:%d" % (a, b, pa, pb)


def dissect_sctp(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "sctp"
    off = tvb.start
    pkt.proto_col = "SCTP"
    tvb.need(off, 12)
    sport, dport = tvb.u16(off), tvb.u16(off + 2)
    pkt.srcport, pkt.dstport = sport, dport
    pkt.set_info("")
    top = pkt.add_proto(SCTP, off, tvb.length,
                        f"{SCTP.name}, Src Port: {sport} ({sport}), Dst Port: {dport} ({dport})")
    if pkt.wants_layer("sctp"):
        pkt.add(top, SRCPORT, sport, off, 2)
        pkt.add(top, DSTPORT, dport, off + 2, 2)
        pkt.add(top, VTAG, tvb.u32(off + 4), off + 4, 4)
        pkt.add(top, PORT, sport, off, 2, hidden=True)
        pkt.add(top, PORT, dport, off + 2, 2, hidden=True)
        csum = tvb.u32(off + 8)
        pkt.add(top, CHECKSUM, csum, off + 8, 4, f"Checksum: 0x{csum:08x} [unverified]")
        pkt.add(top, CHECKSUM_STATUS_F, 2, off + 8, 0, "Checksum Status: Unverified",
                generated=True)
    _chunks(tvb, pkt, session, top, off + 12, sport, dport)
    # Wireshark adds the association index once the chunks are read (none when they
    # throw), and moves it after the verification tag.
    ai = pkt.add(top, ASSOC_INDEX, _NO_ASSOC, off, 0,
                 "Association index: disabled (enable in preferences)", generated=True)
    kids = top.children
    if kids is not None and len(kids) > 3 and kids[-1] is ai:
        kids.insert(3, kids.pop())


def _chunks(tvb: Tvb, pkt: Packet, session: Session, top: Item, pos: int, sport: int,
            dport: int) -> None:
    end = tvb.rend
    while pos < end:
        tvb.need(pos, 4)
        ctype, length = tvb.u8(pos), tvb.u16(pos + 2)
        name = CHUNK_TYPES.get(ctype, "RESERVED")
        pkt.append_info(f"{name} ")
        if length < 4:
            ci = pkt.add_text(top, f"{name} chunk, bogus chunk length {length} < 4)", pos, 4,
                              source=tvb.source)
            _chunk_header(tvb, pkt, ci, pos, ctype, length, bad=True)
            return
        padded = min(length + (-length & 3), end - pos)
        ci = pkt.add_text(top, f"{name} chunk", pos, padded, source=tvb.source)
        _chunk_header(tvb, pkt, ci, pos, ctype, length)
        body, body_end = pos + 4, pos + length
        if ctype == 0:
            _data(tvb, pkt, session, ci, pos, length, sport, dport)
            top.length = pos + 16 - top.offset
            if padded > length:
                pkt.add(ci, CHUNK_PADDING, tvb.bytes(body_end, padded - length), body_end,
                        padded - length)
            pos += padded
            if pos < end:  # (Wireshark: the chunks after a DATA chunk's payload)
                top = pkt.add_proto(SCTP, pos, end - pos, SCTP.name, source=tvb.source,
                                    in_stack=False)
            continue
        if ctype in (1, 2):
            _init(tvb, pkt, session, ci, ctype, body, body_end, sport, dport)
        elif ctype == 3 and length >= 16:
            _sack(tvb, pkt, session, ci, body, sport, dport)
        elif ctype == 7 and length >= 8:
            ack = tvb.u32(body)
            ci.text = f"SHUTDOWN chunk (Cumulative TSN ack: {ack})"
            pkt.add(ci, SHUTDOWN_ACK, ack, body, 4)
        elif ctype in (4, 5):
            ci.text = f"{name} chunk (Information: {plural(length - 4, 'byte')})"
            tvb.need(body, 4)  # (the Heartbeat info parameter's header must be there)
            _parameters(tvb, pkt, ci, body, body_end)
        elif ctype == 10:
            n = length - 4
            ci.text = f"COOKIE_ECHO chunk (Cookie length: {plural(n, 'byte')})"
            pkt.add(ci, COOKIE, tvb.bytes(body, n), body, n)
        elif length > 4 or ctype not in CHUNK_TYPES:
            if ctype not in CHUNK_TYPES:
                ci.text = (f"RESERVED chunk (Type: {ctype}, value length: "
                           f"{plural(length - 4, 'byte')})")
            if length > 4:
                pkt.add(ci, CHUNK_VALUE, tvb.bytes(body, length - 4), body, length - 4)
        if padded > length:
            pkt.add(ci, CHUNK_PADDING, tvb.bytes(body_end, padded - length), body_end,
                    padded - length)
        pos += padded


def _chunk_header(tvb: Tvb, pkt: Packet, ci: Item, pos: int, ctype: int, length: int,
                  bad: bool = False) -> None:
    ti = pkt.add(ci, CHUNK_TYPE, ctype, pos, 1,
                 None if ctype in CHUNK_TYPES else f"Chunk type: Unknown ({ctype})")
    pkt.add(ti, CHUNK_BIT_1, bool(ctype & 0x80), pos, 1)
    pkt.add(ti, CHUNK_BIT_2, bool(ctype & 0x40), pos, 1)
    flags = tvb.u8(pos + 1)
    fi = pkt.add(ci, CHUNK_FLAGS, flags, pos + 1, 1)
    if bad:
        pkt.add(ci, CHUNK_LENGTH, length, pos + 2, 2,
                f"Chunk length: {length} (invalid, should be >= 4)")
        return
    for f in _FLAG_BITS.get(ctype, ()):
        pkt.add(fi, f, (flags & f.bitmask) if f.type is FT.UINT8 else bool(flags & f.bitmask),
                pos + 1, 1)
    pkt.add(ci, CHUNK_LENGTH, length, pos + 2, 2)


def _data(tvb: Tvb, pkt: Packet, session: Session, ci: Item, pos: int, length: int,
          sport: int, dport: int) -> None:
    tvb.need(pos, 16)
    flags = tvb.u8(pos + 1)
    tsn, sid, ssn, ppid = tvb.u32(pos + 4), tvb.u16(pos + 8), tvb.u16(pos + 10), tvb.u32(
        pos + 12)
    bases = session.state("sctp.tsn", TsnBases).base
    key = _direction(pkt, sport, dport)
    base = bases.setdefault(key, tsn)
    rel = (tsn - base) & 0xFFFFFFFF
    pkt.append_info(f"(TSN={rel}) ")
    n = max(length - 16, 0)
    if pkt.tree_on:
        segment = {3: "complete segment", 2: "first segment", 1: "last segment"}.get(
            flags & 3, "middle segment")
        ci.text = (f"DATA chunk ({'unordered' if flags & 4 else 'ordered'}, {segment}, "
                   f"TSN: {rel}, SID: {sid}, SSN: {ssn}, PPID: {ppid}, "
                   f"payload length: {plural(n, 'byte')})")
    ci.length = 16
    pkt.add(ci, DATA_TSN, rel, pos + 4, 4)
    pkt.add(ci, DATA_TSN_RAW, tsn, pos + 4, 4)
    pkt.add(ci, DATA_SID, sid, pos + 8, 2)
    pkt.add(ci, DATA_SSN, ssn, pos + 10, 2)
    pkt.add(ci, DATA_PPID, ppid, pos + 12, 4)
    if flags & 3 != 3:
        # (a fragment of a user message: tshark 4.0 does not reassemble them by default)
        pkt.append_info("(Message Fragment) ")
    elif n:
        BY_NAME["data"](tvb.sub(pos + 16, n), pkt, session)


def _sack(tvb: Tvb, pkt: Packet, session: Session, ci: Item, body: int, sport: int,
          dport: int) -> None:
    """SACK: the cumulative TSN relative to the acknowledged (reverse) direction's base."""
    ack, rwnd, gaps, dups = tvb.u32(body), tvb.u32(body + 4), tvb.u16(body + 8), tvb.u16(
        body + 10)
    bases = session.state("sctp.tsn", TsnBases).base
    rel = (ack - bases.setdefault(_direction(pkt, sport, dport, reverse=True), ack)) \
        & 0xFFFFFFFF
    pkt.append_info(f"(Ack={rel}, Arwnd={rwnd}) ")
    ci.text = (f"SACK chunk (Cumulative TSN: {ack}, a_rwnd: {rwnd}, gaps: {gaps}, "
               f"duplicate TSNs: {dups})")
    for i, (f, v) in enumerate(zip(SACK_FIELDS, (rel, ack, rwnd, gaps, dups), strict=True)):
        at = body + (0, 0, 4, 8, 10)[i]
        pkt.add(ci, f, v, at, 4 if i < 3 else 2)


def _init(tvb: Tvb, pkt: Packet, session: Session, ci: Item, ctype: int, body: int,
          body_end: int, sport: int, dport: int) -> None:
    fields = INIT_FIELDS["init" if ctype == 1 else "initack"]
    tvb.need(body, 16)
    at = body
    values = []
    for f in fields:
        width = 4 if f.type is FT.UINT32 else 2
        v = tvb.u32(at) if width == 4 else tvb.u16(at)
        values.append(v)
        pkt.add(ci, f, v, at, width)
        if f is fields[0]:
            pkt.add(ci, INITIATE_TAG, v, at, 4, hidden=True)
        at += width
    ci.text = (f"{CHUNK_TYPES[ctype]} chunk (Outbound streams: {values[2]}, "
               f"inbound streams: {values[3]})")
    _parameters(tvb, pkt, ci, at, body_end)


def _parameters(tvb: Tvb, pkt: Packet, ci: Item, pos: int, end: int) -> None:
    while pos + 4 <= end:
        ptype, plen = tvb.u16(pos), tvb.u16(pos + 2)
        if plen < 4:
            return
        padded = plen + (-plen & 3)
        name = PARAM_TYPES.get(ptype, "Unknown")
        pi = pkt.add_text(ci, f"{name} parameter", pos, min(padded, end - pos),
                          source=tvb.source)
        if pos + padded == end and padded > plen:  # (the chunk's length holds it)
            pkt.add_expert(pi, "note", "malformed",
                           "The padding of this final parameter should be the padding of the "
                           "chunk.", "sctp", field=PARAM_PADDING_EXPERT)
        ti = pkt.add(pi, PARAM_TYPE, ptype, pos, 2,
                     f"Parameter type: {name} (0x{ptype:04x})")
        pkt.add(ti, PARAM_BIT_1, bool(ptype & 0x8000), pos, 2)
        pkt.add(ti, PARAM_BIT_2, bool(ptype & 0x4000), pos, 2)
        pkt.add(pi, PARAM_LENGTH, plen, pos + 2, 2)
        v, n = pos + 4, plen - 4
        if ptype == 0x1:
            pi.text = f"Heartbeat info parameter (Information: {plural(n, 'byte')})"
            pkt.add(pi, PARAM_HEARTBEAT, tvb.bytes(v, n), v, n)
        elif ptype == 0x7:
            pi.text = f"State cookie parameter (Cookie length: {plural(n, 'byte')})"
            pkt.add(pi, PARAM_COOKIE, tvb.bytes(v, n), v, n)
        elif ptype == 0xC:
            types = [tvb.u16(v + i) for i in range(0, n - 1, 2)]
            pi.text = ("Supported address types parameter (Supported types: "
                       + ", ".join(_ADDRESS_SHORT.get(t, "unknown") for t in types) + ")")
            for i, t in enumerate(types):
                pkt.add(pi, PARAM_ADDR_TYPE, t, v + 2 * i, 2)
        elif ptype == 0x5:
            pkt.add(pi, PARAM_IPV4, tvb.u32(v), v, 4)
            pi.text = f"IPv4 address parameter (Address: {_v4(tvb.u32(v))})"
        elif ptype == 0x6:
            pkt.add(pi, PARAM_IPV6, tvb.bytes(v, 16), v, 16)
        elif ptype == 0x9:
            incr = tvb.u32(v)
            pkt.add(pi, PARAM_COOKIE_INCR, incr, v, 4)
            pi.text = f"Cookie preservative parameter (Increment :{incr} msec)"
        elif n > 0:
            pkt.add(pi, PARAM_VALUE, tvb.bytes(v, n), v, n)
        if padded > plen and pos + plen < end:
            pad = min(padded, end - pos) - plen
            pkt.add(pi, PARAM_PADDING, tvb.bytes(pos + plen, pad), pos + plen, pad)
        pos += padded


def _v4(v: int) -> str:
    return f"{v >> 24}.{v >> 16 & 255}.{v >> 8 & 255}.{v & 255}"


IP_PROTO.register(132, dissect_sctp, "sctp")
register_dissector("sctp", dissect_sctp)
register_conversation(ConversationSpec("sctp", "SCTP", "sctp", "sctp.srcport", "sctp.dstport",
                                       over=("ip", "ipv6")))
register_learner_layer("sctp", "SCTP", "transport")
