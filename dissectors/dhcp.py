"""DHCP / BOOTP (RFC 2131, RFC 2132) on UDP ports 67, 68 and 4011, as tshark 4.0 shows it.

    0                   1                   2                   3
    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
   +---------------+---------------+---------------+---------------+
   |     op (1)    |   htype (1)   |   hlen (1)    |   hops (1)    |
   |                            xid (4)                            |
   |           secs (2)            |           flags (2)           |
   |                ciaddr, yiaddr, siaddr, giaddr (4 each)        |
   |                          chaddr (16)                          |
   |                          sname (64)                           |
   |                          file (128)                           |
   |                  magic cookie 99.130.83.99, options           |
   +---------------------------------------------------------------+
"""

from __future__ import annotations

from dissectors.dhcp_names import OPTION_NAMES
from dissectors.dispatch import UDP_PORT, register_claim, register_dissector, takes_all
from dissectors.escape import format_str
from dissectors.format import ether_str, ipv4_str
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.time_text import time_secs_str
from dissectors.tvb import Tvb

MSG_TYPES = {1: "Discover", 2: "Offer", 3: "Request", 4: "Decline", 5: "ACK", 6: "NAK",
             7: "Release", 8: "Inform", 9: "Force Renew", 10: "Lease query",
             11: "Lease Unassigned", 12: "Lease Unknown", 13: "Lease Active",
             14: "Bulk Lease Query", 15: "Lease Query Done", 16: "Active LeaseQuery",
             17: "Lease Query Status", 18: "TLS"}
HW_TYPES = {1: "Ethernet", 6: "IEEE 802 Networks", 32: "InfiniBand"}

DHCP = protocol("dhcp", "Dynamic Host Configuration Protocol", "DHCP/BOOTP")
TYPE = DHCP.field("dhcp.type", "Message type", FT.UINT8, Base.DEC,
                  strings={1: "Boot Request", 2: "Boot Reply"}, offset=0)
HW_TYPE = DHCP.field("dhcp.hw.type", "Hardware type", FT.UINT8, Base.HEX, strings=HW_TYPES,
                     offset=1)
HW_LEN = DHCP.field("dhcp.hw.len", "Hardware address length", FT.UINT8, Base.DEC, offset=2)
HOPS = DHCP.field("dhcp.hops", "Hops", FT.UINT8, Base.DEC, offset=3)
ID = DHCP.field("dhcp.id", "Transaction ID", FT.UINT32, Base.HEX, offset=4)
SECS = DHCP.field("dhcp.secs", "Seconds elapsed", FT.UINT16, Base.DEC, offset=8)
FLAGS = DHCP.field("dhcp.flags", "Bootp flags", FT.UINT16, Base.HEX, offset=10)
FLAGS_BC = DHCP.field("dhcp.flags.bc", "Broadcast flag", FT.BOOLEAN, bitmask=0x8000,
                      strings=("Broadcast", "Unicast"), offset=10, width=2)
FLAGS_RESERVED = DHCP.field("dhcp.flags.reserved", "Reserved flags", FT.UINT16, Base.HEX,
                            bitmask=0x7FFF, offset=10)
IP_CLIENT = DHCP.field("dhcp.ip.client", "Client IP address", FT.IPv4, offset=12, width=4)
IP_YOUR = DHCP.field("dhcp.ip.your", "Your (client) IP address", FT.IPv4, offset=16, width=4)
IP_SERVER = DHCP.field("dhcp.ip.server", "Next server IP address", FT.IPv4, offset=20,
                       width=4)
IP_RELAY = DHCP.field("dhcp.ip.relay", "Relay agent IP address", FT.IPv4, offset=24, width=4)
HW_ADDR = DHCP.field("dhcp.hw.addr", "Client hardware address", FT.BYTES)
HW_ADDR_PADDING = DHCP.field("dhcp.hw.addr_padding", "Client hardware address padding",
                             FT.BYTES)
HW_MAC_ADDR = DHCP.field("dhcp.hw.mac_addr", "Client MAC address", FT.ETHER)
SERVER = DHCP.field("dhcp.server", "Server host name", FT.STRING)
FILE = DHCP.field("dhcp.file", "Boot file name", FT.STRING)
COOKIE = DHCP.field("dhcp.cookie", "Magic cookie", FT.IPv4)
VENDOR_OPTIONS = DHCP.field("dhcp.vendor_specific_options", "Bootp vendor specific options",
                            FT.BYTES)
OPT_TYPE = DHCP.field("dhcp.option.type", "Option", FT.UINT8, Base.DEC)
OPT_LENGTH = DHCP.field("dhcp.option.length", "Length", FT.UINT8, Base.DEC)
OPT_VALUE = DHCP.field("dhcp.option.value", "Value", FT.BYTES)
OPT_PADDING = DHCP.field("dhcp.option.padding", "Padding", FT.BYTES)
OPT_END = DHCP.field("dhcp.option.end", "Option End", FT.UINT8, Base.DEC)
OPT_DHCP = DHCP.field("dhcp.option.dhcp", "DHCP", FT.UINT8, Base.DEC, strings=MSG_TYPES)
OPT_REQ_ITEM = DHCP.field("dhcp.option.request_list_item", "Parameter Request List Item",
                          FT.UINT8, Base.DEC, strings=OPTION_NAMES)
CLIENT_ID = DHCP.field("dhcp.client_id", "Identifier", FT.BYTES)
CLIENT_ID_TYPE = DHCP.field("dhcp.client_id.type", "Type", FT.UINT8, Base.DEC)
CLIENT_ID_UNDEF = DHCP.field("dhcp.client_id.undef", "Client Identifier", FT.STRING)

# code -> (field, kind); kind says how the value bytes are read.
_OPT_FIELDS: dict[int, tuple[Field, str]] = {}
#: The one length a fixed-size option may have: another shows its value and an error.
_FIXED_SIZE = {"u8": 1, "u16": 2, "u32": 4, "time": 4, "i32": 4}
BAD_LENGTH = DHCP.field("dhcp.bad_length", "length isn't", FT.NONE)
STATIC_ROUTE_IP = DHCP.field("dhcp.option.static_route.ip", "Destination IP Address", FT.IPv4)
STATIC_ROUTE_ROUTER = DHCP.field("dhcp.option.static_route.router", "Destination Router",
                                 FT.IPv4)



#: Options tshark 4.0 has no decoder for (probed, option 43 aside, which depends on the
#: vendor class): it shows their Value, where a decoded option's stays hidden.
_UNDECODED = frozenset({62, 79, 80, 84, 88, 89, 95, 96, 98, *range(102, 112), 115,
                        *range(126, 136), 139, 140, 141, 143, 144, 147, 148, 149,
                        *range(162, 209), 211, *range(213, 242), *range(243, 249), 250,
                        251, 253, 254})

def _stray(pkt: Packet, item: Item, raw: bytes) -> None:
    """proto.c's check of a string item: bytes other than NUL after its first NUL get
    a note (in -z expert only when tshark prints the tree)."""
    if b"\0" in raw and raw.partition(b"\0")[2].strip(b"\0"):
        from dissectors.frame import TRAILING_STRAY  # (frame imports the dissectors)

        pkt.add_expert(item, "warning", "undecoded", "Trailing stray characters", "dhcp",
                       field=TRAILING_STRAY, tapped=pkt.tree_visible)

def _opt(code: int, abbrev: str, name: str, kind: str,
         strings: dict[int, str] | None = None) -> Field:
    ft = {"ip": FT.IPv4, "u32": FT.UINT32, "time": FT.UINT32, "u16": FT.UINT16,
          "u8": FT.UINT8, "i32": FT.INT32, "str": FT.STRINGZ, "bool": FT.BOOLEAN,
          "string": FT.STRING}[kind]
    base = Base.DEC if ft in (FT.UINT32, FT.UINT16, FT.UINT8, FT.INT32) else Base.NONE
    f = DHCP.field(abbrev, name, ft, base, strings=strings)
    _OPT_FIELDS[code] = (f, kind)
    return f


SUBNET_MASK = _opt(1, "dhcp.option.subnet_mask", "Subnet Mask", "ip")
TIME_OFFSET = _opt(2, "dhcp.option.time_offset", "Time Offset", "i32")
ROUTER = _opt(3, "dhcp.option.router", "Router", "ip")
TIME_SERVER = _opt(4, "dhcp.option.time_server", "Time Server", "ip")
NAME_SERVER = _opt(5, "dhcp.option.name_server", "Name Server", "ip")
DNS_SERVER = _opt(6, "dhcp.option.domain_name_server", "Domain Name Server", "ip")
LOG_SERVER = _opt(7, "dhcp.option.log_server", "Log Server", "ip")
HOSTNAME = _opt(12, "dhcp.option.hostname", "Host Name", "str")
DOMAIN_NAME = _opt(15, "dhcp.option.domain_name", "Domain Name", "str")
MTU = _opt(26, "dhcp.option.interface_mtu", "Interface MTU", "u16")
BROADCAST = _opt(28, "dhcp.option.broadcast_address", "Broadcast Address", "ip")
NIS_DOMAIN = _opt(40, "dhcp.option.nis_domain", "Network Information Service Domain", "str")
NIS_SERVER = _opt(41, "dhcp.option.nis_server", "Network Information Service Server", "ip")
NTP_SERVER = _opt(42, "dhcp.option.ntp_server", "Network Time Protocol Server", "ip")
NBNS = _opt(44, "dhcp.option.netbios_over_tcpip_name_server",
            "NetBIOS over TCP/IP Name Server", "ip")
REQUESTED_IP = _opt(50, "dhcp.option.requested_ip_address", "Requested IP Address", "ip")
LEASE_TIME = _opt(51, "dhcp.option.ip_address_lease_time", "IP Address Lease Time", "time")
SERVER_ID = _opt(54, "dhcp.option.dhcp_server_id", "DHCP Server Identifier", "ip")
MESSAGE = _opt(56, "dhcp.option.message", "Message", "str")
MAX_MSG = _opt(57, "dhcp.option.dhcp_max_message_size", "Maximum DHCP Message Size", "u16")
RENEWAL = _opt(58, "dhcp.option.renewal_time_value", "Renewal Time Value", "time")
REBINDING = _opt(59, "dhcp.option.rebinding_time_value", "Rebinding Time Value", "time")
LAST_TRANSACTION = _opt(91, "dhcp.option.client_last_transaction_time",
                        "Client last transaction time", "time")
ASSOCIATED_IP = _opt(92, "dhcp.option.associated_ip_option", "Associated IP option", "ip")
VENDOR_CLASS = _opt(60, "dhcp.option.vendor_class_id", "Vendor class identifier", "str")
TFTP_SERVER = _opt(66, "dhcp.option.tftp_server_name", "TFTP Server Name", "str")
BOOTFILE = _opt(67, "dhcp.option.bootfile_name", "Bootfile name", "str")
TZ_PCODE = _opt(100, "dhcp.option.tz_pcode", "TZ PCode", "string")  # (RFC 4833)
TZ_TCODE = _opt(101, "dhcp.option.tz_tcode", "TZ TCode", "string")
FORCERENEW_ALGORITHM = _opt(145, "dhcp.option.forcerenew_nonce.algorithm", "Algorithm", "u8",
                            {1: "HMAC-MD5"})  # (RFC 6704: one byte per algorithm)
AUTO_CONFIGURE = _opt(116, "dhcp.option.dhcp_auto_configuration", "DHCP Auto-Configuration",
                      "u8", {0: "DoNotAutoConfigure", 1: "AutoConfigure"})  # (RFC 2563)
NETBIOS_NODE_TYPE = _opt(46, "dhcp.option.netbios_over_tcpip_node_type",
                         "NetBIOS over TCP/IP Node Type", "u8",
                         {1: "B-node", 2: "P-node", 4: "M-node", 8: "H-node"})
VENDOR_VALUE = DHCP.field("dhcp.option.vendor.value", "Value", FT.BYTES)
ARUBA_AP_IP = DHCP.field("dhcp.option.vendor.arubaap.controllerip", "Aruba Controller IP",
                         FT.STRING)
MUDURL = _opt(161, "dhcp.option.mudurl", "MUDURL", "string")  # (RFC 8520)

MAGIC_COOKIE = 0x63825363
# Wireshark's ipv4_list options: their option line shows no address, even a single one.
_IP_LIST_OPTS = frozenset((3, 4, 5, 6, 7, 41, 42, 44, 92))


def _duration(secs: int) -> str:
    """`(3150s) 52 minutes, 30 seconds`, as Wireshark's unsigned_time_secs_to_str."""
    if secs == 0xFFFFFFFF:
        return "(4294967295s) infinity"
    return f"({secs}s) " + time_secs_str(secs)


def _cstr(raw: bytes) -> str:
    """An ENC_ASCII string up to its NUL: each byte above 0x7f is U+FFFD, as tshark's."""
    return raw.split(b"\0", 1)[0].decode("ascii", errors="replace")


def dissect_dhcp(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "dhcp"
    off = tvb.start
    src = tvb.source
    # Columns first, from the bytes that decide them, as Wireshark does: a snapshot
    # length that cuts the packet later still leaves BOOTP/DHCP in the packet list.
    pkt.proto_col = "BOOTP"
    pkt.clear_info()
    op, htype, hlen = tvb.u8(off), tvb.u8(off + 1), tvb.u8(off + 2)
    mac = ""
    if op == 1:
        if htype in (1, 6) and hlen == 6:
            mac = ether_str(tvb.bytes(off + 28, 6))
            pkt.set_info(f"Boot Request from {mac} ({mac})")
        else:
            pkt.set_info("Boot Request")
    else:
        pkt.set_info("Boot Reply")
    cookie = tvb.end - off >= 240 and tvb.u32(off + 236) == MAGIC_COOKIE
    msg_type = _find_msg_type(tvb, off + (240 if cookie else 236))
    summary = "Dynamic Host Configuration Protocol"
    if msg_type is not None:
        name = MSG_TYPES.get(msg_type, f"Unknown Message Type (0x{msg_type:02x})")
        pkt.proto_col = "DHCP"
        pkt.set_info(f"DHCP {name:<8} - Transaction ID 0x{tvb.u32(off + 4):x}")
        summary += f" ({name})"
    top = pkt.add_proto(DHCP, off, tvb.end - off, summary, source=src)
    hops = tvb.u8(off + 3)
    xid = tvb.u32(off + 4)
    secs, flags = tvb.u16(off + 8), tvb.u16(off + 10)

    def add(parent: Item, field: Field, value: object, o: int, n: int,
            text: str | None = None, **kw: bool) -> Item:
        return pkt.add(parent, field, value, o, n, text, source=src, **kw)

    add(top, TYPE, op, off, 1)
    add(top, HW_TYPE, htype, off + 1, 1)
    add(top, HW_LEN, hlen, off + 2, 1)
    add(top, HOPS, hops, off + 3, 1)
    add(top, ID, xid, off + 4, 4)
    add(top, SECS, secs, off + 8, 2)
    fi = add(top, FLAGS, flags, off + 10, 2,
             # (tshark's bitmask appends the name of the flag that is set)
             f"Bootp flags: 0x{flags:04x}"
             f"{', Broadcast flag (Broadcast)' if flags & 0x8000 else ' (Unicast)'}")
    add(fi, FLAGS_BC, bool(flags & 0x8000), off + 10, 2)
    add(fi, FLAGS_RESERVED, flags & 0x7FFF, off + 10, 2)
    for i, f in enumerate((IP_CLIENT, IP_YOUR, IP_SERVER, IP_RELAY)):
        add(top, f, tvb.u32(off + 12 + 4 * i), off + 12 + 4 * i, 4)
    ch = off + 28
    if htype == 1 and hlen == 6:
        mac_b = tvb.bytes(ch, 6)
        add(top, HW_MAC_ADDR, mac_b, ch, 6)
        add(top, HW_ADDR_PADDING, tvb.bytes(ch + 6, 10), ch + 6, 10)
    elif hlen:
        n = min(hlen, 16)
        add(top, HW_ADDR, tvb.bytes(ch, n), ch, n)
        if n < 16:
            add(top, HW_ADDR_PADDING, tvb.bytes(ch + n, 16 - n), ch + n, 16 - n)
    sname = _cstr(tvb.bytes(off + 44, 64))
    bfile = _cstr(tvb.bytes(off + 108, 128))
    add(top, SERVER, sname, off + 44, 64,
        f"Server host name: {format_str(sname)}" if sname else "Server host name not given")
    add(top, FILE, bfile, off + 108, 128,
        f"Boot file name: {format_str(bfile)}" if bfile else "Boot file name not given")
    p = off + 236
    if tvb.end - p >= 4 and tvb.u32(p) == MAGIC_COOKIE:
        add(top, COOKIE, MAGIC_COOKIE, p, 4, "Magic cookie: DHCP")
        _options(tvb, p + 4, pkt, top, add)
    else:
        # Plain BOOTP (RFC 951): a 64-byte vendor area, then whatever follows read as
        # options; a shorter packet is malformed, as tshark reads it.
        add(top, VENDOR_OPTIONS, tvb.bytes(p, 64), p, 64)
        _options(tvb, p + 64, pkt, top, add)



def _find_msg_type(tvb: Tvb, p: int) -> int | None:
    """Option 53, found before the tree is built; None unless the options up to End
    were all captured (tshark then shows the packet as plain BOOTP)."""
    end = tvb.end
    found = None
    while p < end:
        code = tvb.buf[p]
        if code == 255:
            return found
        if code == 0:
            p += 1
            continue
        if p + 1 >= end:
            return None
        ln = tvb.buf[p + 1]
        if code == 53 and ln >= 1 and p + 2 < end and found is None:
            found = tvb.buf[p + 2]
        p += 2 + ln
    return found if p <= tvb.rend and tvb.end == tvb.rend else None


def _vendor_class(tvb: Tvb, p: int) -> bytes:
    """Option 60's bytes wherever it stands among the options (tshark reads it before
    option 43, whose layout depends on it); b"" when absent."""
    end = tvb.end
    while p + 1 < end:
        code = tvb.buf[p]
        if code == 255:
            break
        if code == 0:
            p += 1
            continue
        ln = tvb.buf[p + 1]
        if code == 60:
            return bytes(tvb.buf[p + 2: min(p + 2 + ln, end)])
        p += 2 + ln
    return b""


def _options(tvb: Tvb, p: int, pkt: Packet, top: Item, add) -> None:  # noqa: ANN001, C901
    end = tvb.end
    start = p
    while p < tvb.rend:
        code = tvb.u8(p)
        if code == 0:
            # Wireshark shows a run of pad bytes as one Padding option (a 1-byte
            # option item) holding the whole run.
            q = p
            while q < end and tvb.buf[q] == 0:
                q += 1
            oi = add(top, OPT_TYPE, 0, p, 1, "Option: (0) Padding")
            add(oi, OPT_PADDING, tvb.bytes(p, q - p), p, q - p)
            p = q
            continue
        if code == 255:
            oi = add(top, OPT_TYPE, 0, p, 1, "Option: (255) End")
            add(oi, OPT_END, 255, p, 1)
            p += 1
            if p < end:
                add(top, OPT_PADDING, tvb.bytes(p, end - p), p, end - p)
            return
        ln = tvb.u8(p + 1)
        v = p + 2
        raw = tvb.bytes(v, ln)
        name = OPTION_NAMES.get(code, "Unknown")
        oi = add(top, OPT_TYPE, code, p, 2 + ln, f"Option: ({code}) {name}")
        add(oi, OPT_LENGTH, ln, p + 1, 1)
        spec = _OPT_FIELDS.get(code)
        size = _FIXED_SIZE.get(spec[1]) if spec is not None and code != 145 else None
        bad = size is not None and ln != size
        # (a wrong length shows the raw value, and so does an empty Static Route)
        shown = code in _UNDECODED or bad or (code == 33 and not ln)
        aruba = code == 43 and _vendor_class(tvb, start).startswith(b"ArubaAP")
        shown = shown or (code == 43 and not ln)
        add(oi, OPT_VALUE, raw, v, ln, "Value: <MISSING>" if shown and not ln else None,
            hidden=not shown)
        if bad:
            pkt.add_expert(oi, "error", "protocol", f"length isn't {size}", "dhcp",
                           field=BAD_LENGTH)
        elif code == 53 and ln >= 1:
            t = raw[0]
            tname = MSG_TYPES.get(t, "Unknown")
            add(oi, OPT_DHCP, t, v, 1)
            oi.text += f" ({tname})"
        elif code == 33:  # Static Route: (destination, router) pairs, RFC 2132 5.8
            for i in range(0, ln - ln % 8, 8):
                add(oi, STATIC_ROUTE_IP, int.from_bytes(raw[i:i + 4], "big"), v + i, 4)
                add(oi, STATIC_ROUTE_ROUTER, int.from_bytes(raw[i + 4:i + 8], "big"), v + i + 4, 4)
            if ln % 8:
                pkt.add_expert(oi, "error", "protocol", "Option length isn't a multiple of 8",
                               "dhcp", field=BAD_LENGTH)
        elif aruba:  # the controller's address as text (packet-dhcp.c's Aruba AP vendor)
            oi.text += " (Aruba AP)"
            add(oi, ARUBA_AP_IP, raw.decode("ascii", errors="replace"), v, ln)
            pkt.protocols.append("dhcp")  # (tshark calls its vendor dissectors as dhcp)
        elif code == 43:  # a vendor tshark 4.0 has no decoder for: the raw value, shown
            add(oi, VENDOR_VALUE, raw, v, ln, "Value: <MISSING>" if not ln else None)
        elif code == 55:
            for i, item in enumerate(raw):
                add(oi, OPT_REQ_ITEM, item, v + i, 1,
                    f"Parameter Request List Item: ({item}) "
                    f"{OPTION_NAMES.get(item, 'Unknown')}")
        elif code == 61 and ln >= 1:
            htype = raw[0]
            if htype == 1 and ln == 7:
                add(oi, HW_TYPE, htype, v, 1)
                add(oi, HW_MAC_ADDR, raw[1:7], v + 1, 6)
            elif htype == 0:
                add(oi, CLIENT_ID_TYPE, htype, v, 1)
                ci = add(oi, CLIENT_ID_UNDEF, raw[1:].decode("latin-1"), v + 1, ln - 1)
                _stray(pkt, ci, raw[1:])
            elif htype != 255:
                add(oi, CLIENT_ID_TYPE, htype, v, 1)
                if ln > 1:
                    add(oi, CLIENT_ID, raw[1:], v + 1, ln - 1)
        elif spec is not None:
            f, kind = spec
            if kind == "ip":
                for i in range(0, ln - ln % 4, 4):
                    a = int.from_bytes(raw[i:i + 4], "big")
                    add(oi, f, a, v + i, 4)
                if ln == 4 and code not in _IP_LIST_OPTS:
                    oi.text += f" ({ipv4_str(int.from_bytes(raw, 'big'))})"
            elif kind == "str":
                add(oi, f, _cstr(raw), v, ln)  # tshark's option line shows no string
            elif kind == "string":
                _stray(pkt, add(oi, f, _cstr(raw), v, ln), raw)  # (a C string)
            elif kind in ("u32", "time") and ln == 4:
                n = int.from_bytes(raw, "big")
                add(oi, f, n, v, 4, f"{f.name}: {_duration(n)}" if kind == "time" else None)
            elif kind == "i32" and ln == 4:
                n = int.from_bytes(raw, "big", signed=True)
                add(oi, f, n, v, 4, f"{f.name}: ({n}s) {time_secs_str(n)}" if code == 2 else None)
            elif kind == "u16" and ln == 2:
                add(oi, f, int.from_bytes(raw, "big"), v, 2)
            elif kind == "u8" and code == 145:
                for i, b in enumerate(raw):
                    add(oi, f, b, v + i, 1)
            elif kind == "u8" and ln == 1:
                known = not isinstance(f.strings, dict) or raw[0] in f.strings
                add(oi, f, raw[0], v, 1, None if known else f"{f.name}: Unknown ({raw[0]})")
        p = v + ln


def claim_pxe(session: Session, payload: bytes | memoryview, src: bytes, sport: int, dst: bytes,
              dport: int) -> bool | None:
    """Port 4011: only a payload with the magic cookie is DHCP (see dissect_pxe)."""
    return True if len(payload) >= 240 and bytes(payload[236:240]) == MAGIC_COOKIE.to_bytes(4, "big") else None


def dissect_pxe(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    """Port 4011 (PXE proxyDHCP): tshark 4.0 takes only payloads with the magic cookie
    (probed: all-zero or short payloads on 4011 stay UDP data, a real BOOTP is DHCP)."""
    if not claim_pxe(session, tvb.buf[tvb.start: tvb.end], b"", 0, b"", 0):
        return False
    dissect_dhcp(tvb, pkt, session)
    return None


UDP_PORT.register(67, dissect_dhcp, "dhcp")
UDP_PORT.register(68, dissect_dhcp, "dhcp")
UDP_PORT.register(4011, dissect_pxe, "dhcp")
register_claim(dissect_dhcp, "dhcp", takes_all)
register_claim(dissect_pxe, "dhcp", claim_pxe)
register_dissector("dhcp", dissect_dhcp)
register_learner_layer("dhcp", "DHCP")
