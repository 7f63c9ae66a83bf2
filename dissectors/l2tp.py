"""L2TPv2 (RFC 2661) on UDP 1701: the header, a control message's AVPs, and a data
message's PPP frame, as packet-l2tp.c shows them.

    |T|L|x|x|S|x|O|P|x|x|x|x|  Ver  |          Length (opt, L)      |
    |           Tunnel ID           |           Session ID          |
    |             Ns (opt, S)       |             Nr (opt, S)       |
    |      Offset Size (opt, O)     |    Offset pad... (opt)        |
A control message without AVPs is a ZLB (zero-length body) acknowledgement.
"""

from __future__ import annotations

from dissectors.dispatch import BY_NAME, TUNNEL_UDP_PORTS, UDP_PORT, register_dissector
from dissectors.escape import format_text
from dissectors.format import masked_label
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

MESSAGE_TYPES = {
    1: "Start_Control_Request", 2: "Start_Control_Reply", 3: "Start_Control_Connected",
    4: "Stop_Control_Notification", 5: "Reserved", 6: "Hello", 7: "Outgoing_Call_Request",
    8: "Outgoing_Call_Reply", 9: "Outgoing_Call_Connected", 10: "Incoming_Call_Request",
    11: "Incoming_Call_Reply", 12: "Incoming_Call_Connected", 13: "Reserved",
    14: "Call_Disconnect_Notification", 15: "WAN_Error_Notify", 16: "Set_Link_Info",
    17: "Modem_Status", 18: "Service_Relay_Request_Msg", 19: "Service_Relay_Reply_Message",
    20: "Explicit_Acknowledgement", 21: "Failover_Session_Query_Message",
    22: "Failover_Session_Response_Message", 23: "Multicast-Session-Request",
    24: "Multicast-Session-Response", 25: "Multicast-Session-Establishment",
    26: "Multicast-Session-Information", 27: "Multicast-Session-End-Notify",
    28: "Connect-Speed-Update-Notification", 29: "Connect-Speed-Update-Request",
}
#: The Info column's short names (packet-l2tp.c's calltype_short_str).
SHORT_TYPES = ("Illegal", "SCCRQ", "SCCRP", "SCCCN", "StopCCN", "Reserved", "Hello", "OCRQ",
               "OCRP", "OCCN", "ICRQ", "ICRP", "ICCN", "Reserved", "CDN", "WEN", "SLI",
               "MDMST", "SRRQ", "SRRP", "ACK", "FSQ", "FSR", "MSRQ", "MSRP", "MSE", "MSI",
               "MSEN", "CSUN", "CSURQ")
AVP_TYPES = {
    0: "Control Message", 1: "Result-Error Code", 2: "Protocol Version",
    3: "Framing Capabilities", 4: "Bearer Capabilities", 5: "Tie Breaker",
    6: "Firmware Revision", 7: "Host Name", 8: "Vendor Name", 9: "Assigned Tunnel ID",
    10: "Receive Window Size", 11: "Challenge", 12: "Cause Code", 13: "Challenge Response",
    14: "Assigned Session", 15: "Call Serial Number", 16: "Minimum BPS", 17: "Maximum BPS",
    18: "Bearer Type", 19: "Framing Type", 20: "Reserved", 21: "Called Number",
    22: "Calling Number", 23: "Sub-Address", 24: "Connect Speed", 25: "Physical Channel",
    26: "Initial Received LCP CONFREQ", 27: "Last Sent LCP CONFREQ",
    28: "Last Received LCP CONFREQ", 29: "Proxy Authen Type", 30: "Proxy Authen Name",
    31: "Proxy Authen Challenge", 32: "Proxy Authen ID", 33: "Proxy Authen Response",
    34: "Call status AVPs", 35: "ACCM", 36: "Random Vector", 37: "Private group ID",
    38: "RxConnect Speed", 39: "Sequencing Required", 46: "PPP Disconnect Cause Code",
}

L2TP = protocol("l2tp", "Layer 2 Tunneling Protocol", "L2TP")
FLAGS = L2TP.field("l2tp.flags", "Flags", FT.UINT16, Base.HEX, offset=0)
F_TYPE = L2TP.field("l2tp.type", "Type", FT.UINT16, Base.DEC, bitmask=0x8000,
                    strings={0: "Data Message", 1: "Control Message"})
F_LENGTH = L2TP.field("l2tp.length_bit", "Length Bit", FT.BOOLEAN, bitmask=0x4000,
                      strings=("Length field is present", "Length field is not present"))
F_SEQ = L2TP.field("l2tp.seq_bit", "Sequence Bit", FT.BOOLEAN, bitmask=0x0800,
                   strings=("Ns and Nr fields are present", "Ns and Nr fields are not present"))
F_OFFSET = L2TP.field("l2tp.offset_bit", "Offset bit", FT.BOOLEAN, bitmask=0x0200,
                      strings=("Offset Size field is present",
                               "Offset size field is not present"))
F_PRIORITY = L2TP.field("l2tp.priority", "Priority", FT.BOOLEAN, bitmask=0x0100,
                        strings=("This data message has priority", "No priority"))
F_VERSION = L2TP.field("l2tp.version", "Version", FT.UINT16, Base.DEC, bitmask=0x000F)
LENGTH = L2TP.field("l2tp.length", "Length", FT.UINT16, Base.DEC)
TUNNEL = L2TP.field("l2tp.tunnel", "Tunnel ID", FT.UINT16, Base.DEC)
SESSION = L2TP.field("l2tp.session", "Session ID", FT.UINT16, Base.DEC)
NS = L2TP.field("l2tp.Ns", "Ns", FT.UINT16, Base.DEC)
NR = L2TP.field("l2tp.Nr", "Nr", FT.UINT16, Base.DEC)
OFFSET = L2TP.field("l2tp.offset", "Offset", FT.UINT16, Base.DEC)
AVP_MANDATORY = L2TP.field("l2tp.avp.mandatory", "Mandatory", FT.BOOLEAN, bitmask=0x8000)
AVP_HIDDEN = L2TP.field("l2tp.avp.hidden", "Hidden", FT.BOOLEAN, bitmask=0x4000)
AVP_LENGTH = L2TP.field("l2tp.avp.length", "Length", FT.UINT16, Base.DEC, bitmask=0x03FF)
AVP_VENDOR = L2TP.field("l2tp.avp.vendor_id", "Vendor ID", FT.UINT16, Base.CUSTOM)
AVP_TYPE = L2TP.field("l2tp.avp.type", "AVP Type", FT.UINT16, Base.DEC, strings=AVP_TYPES)
MESSAGE_TYPE = L2TP.field("l2tp.avp.message_type", "Message Type", FT.UINT16, Base.DEC,
                          strings=MESSAGE_TYPES)
PROTO_VERSION = L2TP.field("l2tp.avp.protocol_version", "Version", FT.UINT8, Base.DEC)
PROTO_REVISION = L2TP.field("l2tp.avp.protocol_revision", "Revision", FT.UINT8, Base.DEC)
ASYNC_FRAMING = L2TP.field("l2tp.avp.async_framing_supported", "Async Framing Supported",
                           FT.BOOLEAN, bitmask=0x2)
SYNC_FRAMING = L2TP.field("l2tp.avp.sync_framing_supported", "Sync Framing Supported",
                          FT.BOOLEAN, bitmask=0x1)
HOST_NAME = L2TP.field("l2tp.avp.host_name", "Host Name", FT.STRING)
VENDOR_NAME = L2TP.field("l2tp.avp.vendor_name", "Vendor Name", FT.STRING)
ASSIGNED_TUNNEL = L2TP.field("l2tp.avp.assigned_tunnel_id", "Assigned Tunnel ID",
                             FT.UINT16, Base.DEC)
WINDOW = L2TP.field("l2tp.avp.receive_window_size", "Receive Window Size", FT.UINT16, Base.DEC)
ASSIGNED_SESSION = L2TP.field("l2tp.avp.assigned_session_id", "Assigned Session ID",
                              FT.UINT16, Base.DEC)
ZLB = L2TP.field("l2tp.zero_length_body_message", "Zero Length Body message", FT.NONE)
_FLAG_NAMES = ((0x4000, "Length Bit"), (0x0800, "Sequence Bit"), (0x0200, "Offset bit"),
               (0x0100, "Priority"))
#: AVPs holding one 16-bit number, by type.
_U16_AVPS = {9: ASSIGNED_TUNNEL, 10: WINDOW, 14: ASSIGNED_SESSION}
_STRING_AVPS = {7: HOST_NAME, 8: VENDOR_NAME}
_MAX_AVPS = 128  # (bounded work per packet)


def dissect_l2tp(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    off = tvb.start
    if tvb.end - off < 2:
        return False
    flags = tvb.u16(off)
    if flags & 0x000F != 2:
        return False  # (L2TPv3 over UDP is not decoded here)
    session.current_proto = "l2tp"
    pkt.proto_col = "L2TP"
    pkt.clear_info()
    control = bool(flags & 0x8000)
    at = off + 2
    length = None
    if flags & 0x4000:
        length = tvb.u16(at)
        at += 2
    tunnel, sess = tvb.u16(at), tvb.u16(at + 2)
    at += 4
    seq = None
    if flags & 0x0800:
        seq = (tvb.u16(at), tvb.u16(at + 2))
        at += 4
    offset = None
    if flags & 0x0200:
        offset = tvb.u16(at)
        at += 2
    top = pkt.add_proto(L2TP, off, at - off, "Layer 2 Tunneling Protocol")
    _flags(pkt, top, flags, off)
    pos = off + 2
    if length is not None:
        pkt.add(top, LENGTH, length, pos, 2)
        pos += 2
    pkt.add(top, TUNNEL, tunnel, pos, 2)
    pkt.add(top, SESSION, sess, pos + 2, 2)
    pos += 4
    if seq is not None:
        pkt.add(top, NS, seq[0], pos, 2)
        pkt.add(top, NR, seq[1], pos + 2, 2)
        pos += 4
    if offset is not None:
        pkt.add(top, OFFSET, offset, pos, 2)
        at += offset
    if not control:
        pkt.set_info(f"Data Message - tunnel id={tunnel}, session id={sess}")
    end = min(off + length, tvb.rend) if length is not None else tvb.rend
    if not control:
        if at < end:
            BY_NAME["ppp_hdlc"](tvb.sub(at, end - at), pkt, session)
        return None
    top.length = min(end, tvb.end) - off
    if at >= end:
        pkt.set_info(f"Control Message - ZLB      (tunnel id={tunnel}, session id={sess})")
        pkt.add(top, ZLB, None, at, 0)
        return None
    mtype = tvb.u16(at + 6) if tvb.end - at >= 8 and tvb.u16(at + 4) == 0 else 0
    short = SHORT_TYPES[mtype] if mtype < len(SHORT_TYPES) else "Unknown Message Type"
    pkt.set_info(f"Control Message - {short} (tunnel id={tunnel}, session id={sess})")
    _avps(tvb, pkt, top, at, end)
    return None


def _flags(pkt: Packet, top: Item, flags: int, off: int) -> None:
    kind = "Control Message" if flags & 0x8000 else "Data Message"
    names = "".join(f", {n}" for m, n in _FLAG_NAMES if flags & m)
    fi = pkt.add(top, FLAGS, flags, off, 2,
                 f"Flags: 0x{flags:04x}, Type: {kind}{names}" if pkt.tree_on else None)
    pkt.add(fi, F_TYPE, flags >> 15, off, 2)
    for f in (F_LENGTH, F_SEQ, F_OFFSET, F_PRIORITY):
        v = bool(flags & f.bitmask)
        pkt.add(fi, f, v, off, 2, masked_label(f, v, 16) if pkt.tree_on else None)
    pkt.add(fi, F_VERSION, flags & 0x0F, off, 2)


def _avps(tvb: Tvb, pkt: Packet, top: Item, at: int, end: int) -> None:
    for _ in range(_MAX_AVPS):
        if at + 6 > end:
            break
        head = tvb.u16(at)
        alen = head & 0x03FF
        vendor, atype = tvb.u16(at + 2), tvb.u16(at + 4)
        if alen < 6:
            break
        name = AVP_TYPES.get(atype, "Unknown") if vendor == 0 else "Vendor-Specific"
        item = pkt.add_text(top, f"{name} AVP", at, alen)
        for f in (AVP_MANDATORY, AVP_HIDDEN):
            v = bool(head & f.bitmask)
            pkt.add(item, f, v, at, 2, masked_label(f, v, 16) if pkt.tree_on else None)
        pkt.add(item, AVP_LENGTH, alen, at, 2)
        pkt.add(item, AVP_VENDOR, vendor, at + 2, 2,
                "Vendor ID: Reserved (0)" if vendor == 0 else f"Vendor ID: {vendor}")
        pkt.add(item, AVP_TYPE, atype, at + 4, 2)
        v, n = at + 6, alen - 6
        tvb.need(v, n)
        if vendor == 0 and not head & 0x4000:
            _avp_value(tvb, pkt, item, atype, v, n)
        at += alen


def _avp_value(tvb: Tvb, pkt: Packet, item: Item, atype: int, v: int, n: int) -> None:
    if atype == 0 and n == 2:
        pkt.add(item, MESSAGE_TYPE, tvb.u16(v), v, 2)
    elif atype == 2 and n == 2:
        pkt.add(item, PROTO_VERSION, tvb.u8(v), v, 1)
        pkt.add(item, PROTO_REVISION, tvb.u8(v + 1), v + 1, 1)
    elif atype == 3 and n == 4:
        caps = tvb.u32(v)
        for f in (ASYNC_FRAMING, SYNC_FRAMING):
            val = bool(caps & f.bitmask)
            pkt.add(item, f, val, v, 4, masked_label(f, val, 32) if pkt.tree_on else None)
    elif atype in _STRING_AVPS:
        raw = tvb.bytes(v, n)
        f = _STRING_AVPS[atype]
        pkt.add(item, f, raw.decode("utf-8", "replace"), v, n,
                f"{f.name}: {format_text(raw)}" if pkt.tree_on else None)
    elif atype in _U16_AVPS and n == 2:
        pkt.add(item, _U16_AVPS[atype], tvb.u16(v), v, 2)


UDP_PORT.register(1701, dissect_l2tp, "l2tp")
TUNNEL_UDP_PORTS.add(1701)  # (an inner packet: layers of its own)
register_dissector("l2tp", dissect_l2tp)
register_learner_layer("l2tp", "L2TP", "link")
