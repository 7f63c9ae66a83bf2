"""CDP, the Cisco Discovery Protocol (LLC SNAP, OUI 00:00:0c, PID 0x2000; or over GRE).

    | version (1) | TTL (1) | checksum (2) | TLVs: type (2), length (2, header included), value |
The Info column names the device and the port it was sent through.
"""

from __future__ import annotations

from dissectors.dispatch import register_dissector
from dissectors.escape import format_text
from dissectors.format import ether_str, ipv4_str, masked_label
from dissectors.gre import GRE_PROTO
from dissectors.ip_fields import CHECKSUM_STATUS
from dissectors.llc import LLC_CISCO_PID
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

TLV_TYPES = {
    0x01: "Device ID", 0x02: "Addresses", 0x03: "Port ID", 0x04: "Capabilities",
    0x05: "Software version", 0x06: "Platform", 0x07: "IP Prefix/Gateway (used for ODR)",
    0x08: "Protocol Hello", 0x09: "VTP Management Domain", 0x0A: "Native VLAN",
    0x0B: "Duplex", 0x0E: "VoIP VLAN Reply", 0x0F: "VoIP VLAN Query",
    0x10: "Power consumption", 0x11: "MTU", 0x12: "Trust Bitmap", 0x13: "Untrusted Port CoS",
    0x14: "System Name", 0x15: "System Object ID", 0x16: "Management Address",
    0x17: "Location", 0x18: "External Port-ID", 0x19: "Power Requested",
    0x1A: "Power Available", 0x1B: "Port Unidirectional", 0x1D: "EnergyWise",
    0x1F: "Spare PoE",
}
_CAPS = (("router", "Router"), ("trans_bridge", "Transparent Bridge"),
         ("src_bridge", "Source Route Bridge"), ("switch", "Switch"), ("host", "Host"),
         ("igmp_capable", "IGMP capable"), ("repeater", "Repeater"),
         ("voip_phone", "VoIP Phone"), ("remote", "Remotely Managed Device"),
         ("cvta", "CVTA/STP Dispute Resolution/Cisco VT Camera"),
         ("mac_relay", "Two Port Mac Relay"))

CDP = protocol("cdp", "Cisco Discovery Protocol", "CDP")
VERSION = CDP.field("cdp.version", "Version", FT.UINT8, Base.DEC)
TTL = CDP.field("cdp.ttl", "TTL", FT.UINT8, Base.DEC, unit=" seconds")
CHECKSUM = CDP.field("cdp.checksum", "Checksum", FT.UINT16, Base.HEX)
CHECKSUM_STATUS_F = CDP.field("cdp.checksum.status", "Checksum Status", FT.UINT8, Base.NONE,
                              strings=CHECKSUM_STATUS)
BAD_CHECKSUM = CDP.field("cdp.bad_checksum", "Bad checksum", FT.NONE)
TLV_TYPE = CDP.field("cdp.tlv.type", "Type", FT.UINT16, Base.HEX, strings=TLV_TYPES)
TLV_LEN = CDP.field("cdp.tlv.len", "Length", FT.UINT16, Base.DEC)
DEVICE_ID = CDP.field("cdp.deviceid", "Device ID", FT.STRING)
PLATFORM = CDP.field("cdp.platform", "Platform", FT.STRING)
PORT_ID = CDP.field("cdp.portid", "Sent through Interface", FT.STRING)
SOFTWARE = CDP.field("cdp.software_version", "Software version", FT.STRINGZ)
CAPS = CDP.field("cdp.capabilities", "Capabilities", FT.UINT32, Base.HEX)
CAP_BITS = tuple(CDP.field(f"cdp.capabilities.{k}", n, FT.BOOLEAN, bitmask=1 << i,
                           strings=("Yes", "No")) for i, (k, n) in enumerate(_CAPS))
N_ADDRESSES = CDP.field("cdp.number_of_addresses", "Number of addresses", FT.UINT32, Base.DEC)
PROTO_TYPE = CDP.field("cdp.protocol_type", "Protocol type", FT.UINT8, Base.HEX,
                       strings={1: "NLPID", 2: "802.2"})
PROTO_LEN = CDP.field("cdp.protocol_length", "Protocol length", FT.UINT8, Base.DEC)
PROTOCOL = CDP.field("cdp.protocol", "Protocol", FT.BYTES)
ADDR_LEN = CDP.field("cdp.address_length", "Address length", FT.UINT16, Base.DEC)
ADDRESS = CDP.field("cdp.address", "Address", FT.BYTES)
IP_ADDRESS = CDP.field("cdp.nrgyz.ip_address", "IP Address", FT.IPv4)
ODR_GATEWAY = CDP.field("cdp.odr_default_gateway", "ODR Default gateway", FT.IPv4)
IP_PREFIX = CDP.field("cdp.ip_prefix", "IP Prefix", FT.IPv4)
OUI = CDP.field("cdp.oui", "OUI", FT.UINT24, Base.OUI)
PROTOCOL_ID = CDP.field("cdp.protocol_id", "Protocol ID", FT.UINT16, Base.HEX,
                        strings={0x0112: "Cluster Management"})
CL_MASTER_IP = CDP.field("cdp.cluster.master_ip", "Cluster Master IP", FT.IPv4)
CL_IP = CDP.field("cdp.cluster.ip", "IP?", FT.IPv4)
CL_VERSION = CDP.field("cdp.cluster.version", "Version?", FT.UINT8, Base.HEX)
CL_SUB_VERSION = CDP.field("cdp.cluster.sub_version", "Sub Version?", FT.UINT8, Base.HEX)
CL_STATUS = CDP.field("cdp.cluster.status", "Status?", FT.UINT8, Base.HEX)
CL_UNKNOWN = CDP.field("cdp.cluster.unknown", "UNKNOWN", FT.UINT8, Base.HEX)
CL_COMMANDER = CDP.field("cdp.cluster.commander_mac", "Cluster Commander MAC", FT.ETHER)
CL_SWITCH = CDP.field("cdp.cluster.switch_mac", "Switch's MAC", FT.ETHER)
CL_VLAN = CDP.field("cdp.cluster.management_vlan", "Management VLAN", FT.UINT16, Base.DEC)
HELLO_UNKNOWN = CDP.field("cdp.hello.unknown", "Unknown", FT.BYTES)
VTP_DOMAIN = CDP.field("cdp.vtp_management_domain", "VTP Management Domain", FT.STRING)
NATIVE_VLAN = CDP.field("cdp.native_vlan", "Native VLAN", FT.UINT16, Base.DEC)
DUPLEX = CDP.field("cdp.duplex", "Duplex", FT.BOOLEAN, strings=("Full", "Half"))
DATA = CDP.field("cdp.data", "Data", FT.BYTES)
VOICE_VLAN = CDP.field("cdp.voice_vlan", "Voice VLAN", FT.UINT16, Base.DEC)
POWER = CDP.field("cdp.power_consumption", "Power Consumption", FT.UINT16, Base.DEC,
                  unit=" mW")
MTU = CDP.field("cdp.mtu", "MTU", FT.UINT32, Base.DEC)
TRUST = CDP.field("cdp.trust_bitmap", "Trust Bitmap", FT.UINT8, Base.HEX)
UNTRUSTED_COS = CDP.field("cdp.untrusted_port_cos", "Untrusted port CoS", FT.UINT8, Base.HEX)
SYSTEM_NAME = CDP.field("cdp.system_name", "System Name", FT.STRING)
LOCATION = CDP.field("cdp.location", "Location", FT.STRING)
REQUEST_ID = CDP.field("cdp.request_id", "Request-ID", FT.UINT16, Base.DEC)
MANAGEMENT_ID = CDP.field("cdp.management_id", "Management-ID", FT.UINT16, Base.DEC)
POWER_REQUESTED = CDP.field("cdp.power_requested", "Power Requested", FT.UINT32, Base.DEC)
POWER_AVAILABLE = CDP.field("cdp.power_available", "Power Available", FT.UINT32, Base.DEC)
_MAX_TLVS = 512


def _str(raw: bytes | memoryview) -> tuple[str, str]:
    data = bytes(raw)
    return data.decode("ascii", "replace"), format_text(data)


def _checksum_ok(data: bytes) -> tuple[bool, int]:
    """CDP's checksum over the whole PDU; an odd last byte counts as the low byte of a
    word (sign-extended: Cisco sums on a big-endian machine, as Wireshark notes)."""
    if len(data) % 2:
        last = data[-1]
        word = last if last < 0x80 else 0xFF00 | last
        body = data[:-1]
        extra = word - (1 if last >= 0x80 else 0)
    else:
        body, extra = data, 0
    s = sum(int.from_bytes(body[i: i + 2], "big") for i in range(0, len(body), 2)) + extra
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s == 0xFFFF, s


def dissect_cdp(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "cdp"
    off = tvb.start
    b = tvb.buf
    tvb.need(off, 4)
    pkt.proto_col = "CDP"
    pkt.clear_info()
    top = pkt.add_proto(CDP, off, tvb.end - off, "Cisco Discovery Protocol")
    pkt.add(top, VERSION, b[off], off, 1)
    pkt.add(top, TTL, b[off + 1], off + 1, 1)
    csum = tvb.u16(off + 2)
    if tvb.end == tvb.rend:
        ok, _ = _checksum_ok(bytes(b[off: tvb.end]))
        if ok:
            pkt.add(top, CHECKSUM, csum, off + 2, 2, f"Checksum: 0x{csum:04x} [correct]")
            pkt.add(top, CHECKSUM_STATUS_F, 1, off + 2, 0, "Checksum Status: Good",
                    generated=True)
        else:
            ci = pkt.add(top, CHECKSUM, csum, off + 2, 2, f"Checksum: 0x{csum:04x} [incorrect]")
            pkt.add(top, CHECKSUM_STATUS_F, 0, off + 2, 0, "Checksum Status: Bad",
                    generated=True)
            pkt.add_expert(ci, "error", "checksum", "Bad checksum", "cdp", field=BAD_CHECKSUM)
    else:
        pkt.add(top, CHECKSUM, csum, off + 2, 2, f"Checksum: 0x{csum:04x} [unverified]")
        pkt.add(top, CHECKSUM_STATUS_F, 2, off + 2, 0, "Checksum Status: Unverified",
                generated=True)
    at = off + 4
    for _ in range(_MAX_TLVS):
        if at + 4 > tvb.end:
            break
        ttype, tlen = tvb.u16(at), tvb.u16(at + 2)
        if tlen < 4:
            break
        tvb.need(at, tlen)
        _tlv(pkt, tvb, top, ttype, tlen, at)
        at += tlen


def _head(pkt: Packet, tree: Item, ttype: int, tlen: int, at: int) -> None:
    pkt.add(tree, TLV_TYPE, ttype, at, 2)
    pkt.add(tree, TLV_LEN, tlen, at + 2, 2)


def _tlv(pkt: Packet, tvb: Tvb, top: Item, ttype: int, tlen: int, at: int) -> None:
    b = tvb.buf
    v, vlen = at + 4, tlen - 4
    raw = bytes(b[v: v + vlen])
    simple = _STRINGS.get(ttype)
    if simple is not None:
        field, label, info = simple
        value, text = _str(raw)
        tree = pkt.add_text(top, f"{label}: {text}", at, tlen)
        _head(pkt, tree, ttype, tlen, at)
        pkt.add(tree, field, value, v, vlen, f"{field.name}: {text}")
        if info:
            pkt.append_info(f"{info}: {text}  ")
        return
    if ttype == 0x05:
        tree = pkt.add_text(top, "Software Version", at, tlen)
        _head(pkt, tree, ttype, tlen, at)
        pos = 0
        for line in raw.split(b"\n"):
            value, text = _str(line)
            pkt.add(tree, SOFTWARE, value, v + pos, len(line), f"Software version: {text}")
            pos += len(line) + 1
    elif ttype in (0x02, 0x16):
        tree = pkt.add_text(top, "Addresses" if ttype == 2 else "Management Addresses", at,
                            tlen)
        _head(pkt, tree, ttype, tlen, at)
        _addresses(pkt, tvb, tree, v, v + vlen)
    elif ttype == 0x04:
        tree = pkt.add_text(top, "Capabilities", at, tlen)
        _head(pkt, tree, ttype, tlen, at)
        caps = int.from_bytes(raw[:4], "big")
        ci = pkt.add(tree, CAPS, caps, v, 4)
        for f in CAP_BITS:
            flag = bool(caps & f.bitmask)
            pkt.add(ci, f, flag, v, 4, masked_label(f, flag, 32) if pkt.tree_on else None)
    elif ttype == 0x07:
        _prefixes(pkt, tvb, top, ttype, tlen, at)
    elif ttype == 0x08 and vlen >= 32 and int.from_bytes(raw[3:5], "big") == 0x0112:
        _cluster(pkt, tvb, top, ttype, tlen, at)
    elif ttype in _NUMBERS and vlen == _NUMBERS[ttype][1]:
        field, n = _NUMBERS[ttype]
        value = int.from_bytes(raw, "big")
        text = f"0x{value:02x}" if field.base is Base.HEX else f"{value}{field.unit}"
        tree = pkt.add_text(top, f"{field.name}: {text}", at, tlen)
        _head(pkt, tree, ttype, tlen, at)
        pkt.add(tree, field, value, v, n)
    elif ttype == 0x0B and vlen == 1:
        tree = pkt.add_text(top, f"Duplex: {'Full' if raw[0] else 'Half'}", at, tlen)
        _head(pkt, tree, ttype, tlen, at)
        pkt.add(tree, DUPLEX, bool(raw[0]), v, 1)
    elif ttype == 0x1A and vlen >= 4:
        _power_available(pkt, tvb, top, ttype, tlen, at)
    else:
        name = TLV_TYPES.get(ttype, f"Unknown (0x{ttype:04x})")
        tree = pkt.add_text(top, f"Type: {name}, length: {tlen}", at, tlen)
        _head(pkt, tree, ttype, tlen, at)
        if vlen:
            pkt.add(tree, DATA, raw, v, vlen)


def _addresses(pkt: Packet, tvb: Tvb, tree: Item, at: int, end: int) -> None:
    b = tvb.buf
    n = int.from_bytes(b[at: at + 4], "big")
    pkt.add(tree, N_ADDRESSES, n, at, 4)
    at += 4
    for _ in range(min(n, 256)):
        if at + 2 > end:
            break
        ptype, plen = b[at], b[at + 1]
        proto = bytes(b[at + 2: at + 2 + plen])
        alen = tvb.u16(at + 2 + plen)
        a_at = at + 4 + plen
        addr = bytes(b[a_at: a_at + alen])
        is_ip = ptype == 1 and proto == b"\xcc" and alen == 4
        text = f"IP address: {ipv4_str(int.from_bytes(addr, 'big'))}" if is_ip else (
            f"Address: {addr.hex()}")
        sub = pkt.add_text(tree, text, at, 4 + plen + alen)
        pkt.add(sub, PROTO_TYPE, ptype, at, 1)
        pkt.add(sub, PROTO_LEN, plen, at + 1, 1)
        pkt.add(sub, PROTOCOL, proto, at + 2, plen, "Protocol: IP" if is_ip else None)
        pkt.add(sub, ADDR_LEN, alen, at + 2 + plen, 2)
        if is_ip:
            pkt.add(sub, IP_ADDRESS, int.from_bytes(addr, "big"), a_at, 4)
        else:
            pkt.add(sub, ADDRESS, addr, a_at, alen)
        at = a_at + alen


def _prefixes(pkt: Packet, tvb: Tvb, top: Item, ttype: int, tlen: int, at: int) -> None:
    b = tvb.buf
    v, vlen = at + 4, tlen - 4
    if vlen == 4:
        ip = int.from_bytes(b[v: v + 4], "big")
        tree = pkt.add_text(top, f"ODR Default gateway: {ipv4_str(ip)}", at, tlen)
        _head(pkt, tree, ttype, tlen, at)
        pkt.add(tree, ODR_GATEWAY, ip, v, 4)
        return
    tree = pkt.add_text(top, f"IP Prefixes: {vlen // 5}", at, tlen)
    _head(pkt, tree, ttype, tlen, at)
    for p in range(v, v + vlen - 4, 5):
        ip = int.from_bytes(b[p: p + 4], "big")
        # (tshark 4.0 stores the prefix byte-swapped: -T fields prints it reversed)
        pkt.add(tree, IP_PREFIX, int.from_bytes(b[p: p + 4], "little"), p, 5,
                f"IP Prefix: {ipv4_str(ip)}/{b[p + 4]}")


def _cluster(pkt: Packet, tvb: Tvb, top: Item, ttype: int, tlen: int, at: int) -> None:
    b = tvb.buf
    v = at + 4
    tree = pkt.add_text(top, "Protocol Hello: Cluster Management", at, tlen)
    _head(pkt, tree, ttype, tlen, at)
    oui = int.from_bytes(b[v: v + 3], "big")
    pkt.add(tree, OUI, oui, v, 3,
            f"OUI: {oui >> 16:02x}:{oui >> 8 & 255:02x}:{oui & 255:02x}"
            + (" (Cisco Systems, Inc)" if oui == 0x0C else ""))
    pkt.add(tree, PROTOCOL_ID, tvb.u16(v + 3), v + 3, 2)
    h = v + 5
    pkt.add(tree, CL_MASTER_IP, int.from_bytes(b[h: h + 4], "big"), h, 4)
    pkt.add(tree, CL_IP, int.from_bytes(b[h + 4: h + 8], "big"), h + 4, 4)
    pkt.add(tree, CL_VERSION, b[h + 8], h + 8, 1)
    pkt.add(tree, CL_SUB_VERSION, b[h + 9], h + 9, 1)
    pkt.add(tree, CL_STATUS, b[h + 10], h + 10, 1)
    pkt.add(tree, CL_UNKNOWN, b[h + 11], h + 11, 1)
    pkt.add(tree, CL_COMMANDER, bytes(b[h + 12: h + 18]), h + 12, 6)
    pkt.add(tree, CL_SWITCH, bytes(b[h + 18: h + 24]), h + 18, 6,
            f"Switch's MAC: {ether_str(bytes(b[h + 18: h + 24]))}")
    pkt.add(tree, CL_UNKNOWN, b[h + 24], h + 24, 1)
    pkt.add(tree, CL_VLAN, tvb.u16(h + 25), h + 25, 2)


def _power_available(pkt: Packet, tvb: Tvb, top: Item, ttype: int, tlen: int,
                     at: int) -> None:
    b = tvb.buf
    v, end = at + 4, at + tlen
    values = [int.from_bytes(b[p: p + 4], "big") for p in range(v + 4, end - 3, 4)]
    tree = pkt.add_text(top, "Power Available: " + ", ".join(f"{x} mW" for x in values),
                        at, tlen)
    _head(pkt, tree, ttype, tlen, at)
    pkt.add(tree, REQUEST_ID, tvb.u16(v), v, 2)
    pkt.add(tree, MANAGEMENT_ID, tvb.u16(v + 2), v + 2, 2)
    for i, x in enumerate(values):
        pkt.add(tree, POWER_AVAILABLE, x, v + 4 + 4 * i, 4, f"Power Available: {x}mW")


#: TLVs holding one string: (field, subtree label, Info label).
_STRINGS = {0x01: (DEVICE_ID, "Device ID", "Device ID"), 0x03: (PORT_ID, "Port ID", "Port ID"),
            0x06: (PLATFORM, "Platform", ""),
            0x09: (VTP_DOMAIN, "VTP Management Domain", ""),
            0x14: (SYSTEM_NAME, "System Name", "")}
#: TLVs holding one number: (field, its width).
_NUMBERS = {0x0A: (NATIVE_VLAN, 2), 0x10: (POWER, 2), 0x11: (MTU, 4), 0x12: (TRUST, 1),
            0x13: (UNTRUSTED_COS, 1)}

LLC_CISCO_PID.register(0x2000, dissect_cdp, "cdp")
GRE_PROTO.register(0x2000, dissect_cdp, "cdp")
register_dissector("cdp", dissect_cdp)
register_learner_layer("cdp", "CDP", "link")
