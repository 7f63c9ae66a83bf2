"""LLDP (IEEE 802.1AB, ethertype 0x88cc), as packet-lldp.c shows it.

A sequence of TLVs, each with a 16-bit header: type (7 bits) and length (9 bits):
chassis id, port id, time to live, then optional ones (port description, system
name/description, capabilities, management address, organization specific) until
End of LLDPDU. Org-specific TLVs of IEEE 802.1 (00:80:c2) and 802.3 (00:12:0f) are
decoded for their common subtypes; others show their OUI, subtype and bytes.
The Info column lists chassis and port ids, TTL, system name and description.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dissectors import lldp_dcb
from dissectors.dispatch import ETHERTYPE, register_dissector
from dissectors.escape import format_text
from dissectors.format import ether_str, ipv4_str, ipv6_str, masked_label, oid_str
from dissectors.lldp_names import MAU_TYPES
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

TLV_TYPES = {0: "End of LLDPDU", 1: "Chassis Id", 2: "Port Id", 3: "Time to Live",
             4: "Port Description", 5: "System Name", 6: "System Description",
             7: "System Capabilities", 8: "Management Address", 127: "Organization Specific"}
CHASSIS_SUBTYPES = {0: "Reserved", 1: "Chassis component", 2: "Interface alias",
                    3: "Port component", 4: "MAC address", 5: "Network address",
                    6: "Interface name", 7: "Locally assigned"}
PORT_SUBTYPES = {0: "Reserved", 1: "Interface alias", 2: "Port component", 3: "MAC address",
                 4: "Network address", 5: "Interface name", 6: "Agent circuit Id",
                 7: "Locally assigned"}
_CHASSIS_ABBR = {1: "CC", 2: "IA", 3: "PC", 4: "MA", 5: "NA", 6: "IN", 7: "LA"}
_PORT_ABBR = {1: "IA", 2: "PC", 3: "MA", 4: "NA", 5: "IN", 6: "AC", 7: "LA"}
ADDR_FAMILIES = {0: "Reserved", 1: "IPv4", 2: "IPv6", 3: "NSAP", 4: "HDLC (8-bit multidrop)",
                 5: "BBN 1822", 6: "802 (includes all 802 media plus Ethernet)", 7: "E.163",
                 8: "E.164 (SMDS, Frame Relay, ATM)", 9: "F.69 (Telex)",
                 10: "X.121 (X.25, Frame Relay)", 11: "IPX", 12: "Appletalk"}
IF_SUBTYPES = {1: "Unknown", 2: "ifIndex", 3: "System port number"}
SUBTYPES_8021 = {1: "Port VLAN ID", 2: "Port and Protocol VLAN ID", 3: "VLAN Name",
                 4: "Protocol Identity", 5: "VID Usage Digest", 6: "Management VID",
                 7: "Link Aggregation", 8: "Congestion Notification", 9: "ETS Configuration",
                 10: "ETS Recommendation", 11: "Priority Flow Control Configuration",
                 12: "Application Protocol", 13: "EVB", 14: "CDCP", 15: "Port extension",
                 16: "Application VLAN", 17: "LRP ECP Discovery", 18: "LRP TCP Discovery",
                 19: "Congestion Isolation", 20: "Topology Recognition"}
SUBTYPES_8023 = {1: "MAC/PHY Configuration/Status", 2: "Power Via MDI", 3: "Link Aggregation",
                 4: "Maximum Frame Size", 5: "EEE (Energy-Efficient Ethernet)",
                 7: "IEEE 802.3br Additional Ethernet capabilities"}
OUI_802_1, OUI_802_3 = 0x0080C2, 0x00120F
_OUI_LABELS = {OUI_802_1: "IEEE", OUI_802_3: "Ieee 802.3"}
_CAPABLE = ("Capable", "Not capable")
_SUPPORTED = ("Supported", "Not supported")
_ENABLED = ("Enabled", "Disabled")

LLDP = protocol("lldp", "Link Layer Discovery Protocol", "LLDP")
TLV_TYPE = LLDP.field("lldp.tlv.type", "TLV Type", FT.UINT16, Base.DEC, bitmask=0xFE00,
                      strings=TLV_TYPES)
TLV_LEN = LLDP.field("lldp.tlv.len", "TLV Length", FT.UINT16, Base.DEC, bitmask=0x01FF)
CHASSIS_SUBTYPE = LLDP.field("lldp.chassis.subtype", "Chassis Id Subtype", FT.UINT8, Base.DEC,
                             strings=CHASSIS_SUBTYPES)
CHASSIS_ID = LLDP.field("lldp.chassis.id", "Chassis Id", FT.BYTES)
CHASSIS_MAC = LLDP.field("lldp.chassis.id.mac", "Chassis Id", FT.ETHER)
CHASSIS_IP4 = LLDP.field("lldp.chassis.id.ip4", "Chassis Id", FT.IPv4)
CHASSIS_IP6 = LLDP.field("lldp.chassis.id.ip6", "Chassis Id", FT.IPv6)
PORT_SUBTYPE = LLDP.field("lldp.port.subtype", "Port Id Subtype", FT.UINT8, Base.DEC,
                          strings=PORT_SUBTYPES)
PORT_ID = LLDP.field("lldp.port.id", "Port Id", FT.STRING)
PORT_MAC = LLDP.field("lldp.port.id.mac", "Port Id", FT.ETHER)
PORT_IP4 = LLDP.field("lldp.port.id.ip4", "Port Id", FT.IPv4)
PORT_IP6 = LLDP.field("lldp.port.id.ip6", "Port Id", FT.IPv6)
NET_FAMILY = LLDP.field("lldp.network_address.subtype", "Network Address family", FT.UINT8,
                        Base.DEC, strings=ADDR_FAMILIES)
TTL = LLDP.field("lldp.time_to_live", "Seconds", FT.UINT16, Base.DEC)
PORT_DESC = LLDP.field("lldp.port.desc", "Port Description", FT.STRING)
SYS_NAME = LLDP.field("lldp.tlv.system.name", "System Name", FT.STRING)
SYS_DESC = LLDP.field("lldp.tlv.system.desc", "System Description", FT.STRING)
_CAP_BITS = (("other", "Other"), ("repeater", "Repeater"), ("bridge", "Bridge"),
             ("wlan_access_pt", "WLAN access point"), ("router", "Router"),
             ("telephone", "Telephone"), ("docsis_cable_device", "DOCSIS cable device"),
             ("station_only", "Station only"))
SYS_CAP = LLDP.field("lldp.tlv.system_cap", "Capabilities", FT.UINT16, Base.HEX)
SYS_CAP_BITS = tuple(LLDP.field(f"lldp.tlv.system_cap.{k}", n, FT.BOOLEAN, bitmask=1 << i,
                                strings=_CAPABLE) for i, (k, n) in enumerate(_CAP_BITS))
EN_CAP = LLDP.field("lldp.tlv.enable_system_cap", "Enabled Capabilities", FT.UINT16, Base.HEX)
EN_CAP_BITS = tuple(LLDP.field(f"lldp.tlv.enable_system_cap.{k}", n, FT.BOOLEAN, bitmask=1 << i,
                               strings=_CAPABLE) for i, (k, n) in enumerate(_CAP_BITS))
MGN_ADDR_LEN = LLDP.field("lldp.mgn.address.len", "Address String Length", FT.UINT8, Base.DEC)
MGN_ADDR_SUBTYPE = LLDP.field("lldp.mgn.address.subtype", "Address Subtype", FT.UINT8,
                              Base.DEC, strings=ADDR_FAMILIES)
MGN_IP4 = LLDP.field("lldp.mgn.addr.ip4", "Management Address", FT.IPv4)
MGN_IP6 = LLDP.field("lldp.mgn.addr.ip6", "Management Address", FT.IPv6)
MGN_HEX = LLDP.field("lldp.mgn.addr.hex", "Management Address", FT.BYTES)
MGN_IF_SUBTYPE = LLDP.field("lldp.mgn.interface.subtype", "Interface Subtype", FT.UINT8,
                            Base.DEC, strings=IF_SUBTYPES)
MGN_IF_NUMBER = LLDP.field("lldp.mgn.interface.number", "Interface Number", FT.UINT32, Base.DEC)
MGN_OID_LEN = LLDP.field("lldp.mgn.obj.len", "OID String Length", FT.UINT8, Base.DEC)
MGN_OID = LLDP.field("lldp.mgn.obj.id", "Object Identifier", FT.OID)
ORG_OUI = LLDP.field("lldp.orgtlv.oui", "Organization Unique Code", FT.UINT24, Base.OUI)
SUB_8021 = LLDP.field("lldp.ieee.802_1.subtype", "IEEE 802.1 Subtype", FT.UINT8, Base.HEX,
                      strings=SUBTYPES_8021)
PPV_FLAGS = LLDP.field("lldp.ieee.802_1.port_and_vlan_id_flag", "Flags", FT.UINT8, Base.HEX)
PPV_SUPPORTED = LLDP.field("lldp.ieee.802_1.port_and_vlan_id_flag.supported",
                           "Port and Protocol VLAN", FT.BOOLEAN, bitmask=0x02,
                           strings=_SUPPORTED)
PPV_ENABLED = LLDP.field("lldp.ieee.802_1.port_and_vlan_id_flag.enabled",
                         "Port and Protocol VLAN", FT.BOOLEAN, bitmask=0x04, strings=_ENABLED)
PORT_VLAN = LLDP.field("lldp.ieee.802_1.port_vlan.id", "Port VLAN Identifier", FT.UINT16,
                       Base.DEC_HEX)
PPV_ID = LLDP.field("lldp.ieee.802_1.port_proto_vlan.id", "Port and Protocol VLAN Identifier",
                    FT.UINT16, Base.DEC_HEX)
VLAN_ID = LLDP.field("lldp.ieee.802_1.vlan.id", "VLAN Identifier", FT.UINT16, Base.DEC_HEX)
VLAN_NAME_LEN = LLDP.field("lldp.ieee.802_1.vlan.name_len", "VLAN Name Length", FT.UINT8,
                           Base.DEC)
VLAN_NAME = LLDP.field("lldp.ieee.802_1.vlan.name", "VLAN Name", FT.STRINGZ)
PROTO_ID_LEN = LLDP.field("lldp.ieee.802_1.proto.id_length", "Protocol Identity Length",
                          FT.UINT8, Base.DEC)
PROTO_ID = LLDP.field("lldp.ieee.802_1.proto.id", "Protocol Identity", FT.BYTES)
SUB_8023 = LLDP.field("lldp.ieee.802_3.subtype", "IEEE 802.3 Subtype", FT.UINT8, Base.HEX,
                      strings=SUBTYPES_8023)
AUTONEG = LLDP.field("lldp.ieee.802_3.mac_phy_auto_neg_status",
                     "Auto-Negotiation Support/Status", FT.UINT8, Base.HEX)
AUTONEG_SUP = LLDP.field("lldp.ieee.802_3.mac_phy_auto_neg_status.supported",
                         "Auto-Negotiation", FT.BOOLEAN, bitmask=0x01, strings=_SUPPORTED)
AUTONEG_EN = LLDP.field("lldp.ieee.802_3.mac_phy_auto_neg_status.enabled",
                        "Auto-Negotiation", FT.BOOLEAN, bitmask=0x02, strings=_ENABLED)
_PMD_BITS = (("1000base_tfd", "1000BASE-T (full duplex mode)"),
             ("1000base_t", "1000BASE-T (half duplex mode)"),
             ("1000base_xfd", "1000BASE-X (-LX, -SX, -CX full duplex mode)"),
             ("1000base_x", "1000BASE-X (-LX, -SX, -CX half duplex mode)"),
             ("fdx_bpause", "Asymmetric and Symmetric PAUSE (for full-duplex links)"),
             ("fdx_spause", "Symmetric PAUSE (for full-duplex links)"),
             ("fdx_apause", "Asymmetric PAUSE (for full-duplex links)"),
             ("fdx_pause", "PAUSE (for full-duplex links)"),
             ("100base_t2fd", "100BASE-T2 (full duplex mode)"),
             ("100base_t2", "100BASE-T2 (half duplex mode)"),
             ("100base_txfd", "100BASE-TX (full duplex mode)"),
             ("100base_tx", "100BASE-TX (half duplex mode)"), ("100base_t4", "100BASE-T4"),
             ("10base_tfd", "10BASE-T (full duplex mode)"),
             ("10base_t", "10BASE-T (half duplex mode)"), ("other", "Other or unknown"))
_PMD = "lldp.ieee.802_3.pmd_auto_neg_advertised_caps"
PMD_CAPS = LLDP.field(_PMD, "PMD Auto-Negotiation Advertised Capability", FT.UINT16, Base.HEX)
PMD_BITS = tuple(LLDP.field(f"{_PMD}.{k}", n, FT.BOOLEAN, bitmask=1 << i, strings=_CAPABLE)
                 for i, (k, n) in enumerate(_PMD_BITS))
PMD_INV_BITS = tuple(LLDP.field(f"{_PMD}_inv.{k}", n, FT.BOOLEAN, bitmask=0x8000 >> i,
                                strings=_CAPABLE) for i, (k, n) in enumerate(_PMD_BITS))
MAU_TYPE = LLDP.field("lldp.ieee.802_3.pmd_mau_type", "Operational MAU Type", FT.UINT16,
                      Base.HEX, strings=MAU_TYPES)
MDI_SUPPORT = LLDP.field("lldp.ieee.802_3.mdi_power_support", "MDI Power Support", FT.UINT8,
                         Base.HEX)
MDI_BITS = (
    LLDP.field("lldp.ieee.802_3.mdi_power_support.port_class", "Port Class", FT.BOOLEAN,
               bitmask=0x01, strings=("PSE", "PD")),
    LLDP.field("lldp.ieee.802_3.mdi_power_support.supported", "PSE MDI Power", FT.BOOLEAN,
               bitmask=0x02, strings=_SUPPORTED),
    LLDP.field("lldp.ieee.802_3.mdi_power_support.enabled", "PSE MDI Power", FT.BOOLEAN,
               bitmask=0x04, strings=_ENABLED),
    LLDP.field("lldp.ieee.802_3.mdi_power_support.pse_pairs", "PSE Pairs Control Ability",
               FT.BOOLEAN, bitmask=0x08, strings=("Yes", "No")))
MDI_PAIR = LLDP.field("lldp.ieee.802_3.mdi_pse_pair", "PSE Power Pair", FT.UINT8, Base.DEC)
MDI_CLASS = LLDP.field("lldp.ieee.802_3.mdi_power_class", "Power Class", FT.UINT8, Base.DEC,
                       strings={1: "0", 2: "1", 3: "2", 4: "3", 5: "4"})
MDI_TYPE = LLDP.field("lldp.ieee.802_3.mdi_power_type", "Power Type", FT.UINT8, Base.DEC,
                      bitmask=0xC0, strings={0: "Type 2 PSE Device", 1: "Type 2 PD Device",
                                             2: "Type 1 PSE Device", 3: "Type 1 PD Device"})
MDI_SOURCE = LLDP.field("lldp.ieee.802_3.mdi_power_source", "Power Source", FT.UINT8, Base.DEC,
                        bitmask=0x30)
MDI_PRIORITY = LLDP.field("lldp.ieee.802_3.mdi_power_priority", "Power Priority", FT.UINT8,
                          Base.DEC, bitmask=0x0F,
                          strings={0: "Unknown", 1: "Critical", 2: "High", 3: "Low"})
MDI_REQUESTED = LLDP.field("lldp.ieee.802_3.mdi_pde_requested", "PD Requested Power Value",
                           FT.UINT16, Base.CUSTOM)
MDI_ALLOCATED = LLDP.field("lldp.ieee.802_3.mdi_pse_allocated", "PSE Allocated Power Value",
                           FT.UINT16, Base.CUSTOM)
_PSE_SOURCES = {0: "Unknown", 1: "Primary Power Source", 2: "Backup Power Source", 3: "Reserved"}
_PD_SOURCES = {0: "Unknown", 1: "PSE", 2: "Local", 3: "PSE and Local"}
AGG_STATUS = LLDP.field("lldp.ieee.802_3.aggregation_status", "Aggregation Status", FT.UINT8,
                        Base.HEX)
AGG_CAP = LLDP.field("lldp.ieee.802_3.aggregation_status.cap", "Aggregation Capability",
                     FT.BOOLEAN, bitmask=0x01, strings=("Yes", "No"))
AGG_EN = LLDP.field("lldp.ieee.802_3.aggregation_status.enabled", "Aggregation Status",
                    FT.BOOLEAN, bitmask=0x02, strings=_ENABLED)
AGG_PORT = LLDP.field("lldp.ieee.802_3.aggregated_port_id", "Aggregated Port Id", FT.UINT32,
                      Base.DEC)
MAX_FRAME = LLDP.field("lldp.ieee.802_3.max_frame_size", "Maximum Frame Size", FT.UINT16,
                       Base.DEC)
UNKNOWN_SUBTYPE = LLDP.field("lldp.unknown_subtype", "Unknown Subtype", FT.UINT8, Base.DEC)
UNKNOWN_CONTENT = LLDP.field("lldp.unknown_subtype.content", "Unknown Subtype Content",
                             FT.BYTES)
DCB_SUBTYPES = lldp_dcb.declare(LLDP)
DEPRECATED = LLDP.field("lldp.tlv_deprecated", "TLV has been deprecated", FT.NONE)
_MAX_TLVS = 512  # (a TLV is at least 2 bytes: a frame holds fewer)


def _text(raw: bytes | memoryview) -> tuple[str, str]:
    """(value as Wireshark holds an ASCII string, its escaped display text)."""
    data = bytes(raw)
    return data.decode("ascii", "replace"), format_text(data)


def _bit16(pkt: Packet, parent: Item, f: Field, word: int, at: int) -> None:
    """A flag of a 16-bit word (Wireshark's FT_BOOLEAN, 16: drawn 16 bits wide)."""
    v = bool(word & f.bitmask)
    pkt.add(parent, f, v, at, 2, masked_label(f, v, 16) if pkt.tree_on else None)


def _header(pkt: Packet, tree: Item, word: int, off: int) -> None:
    pkt.add(tree, TLV_TYPE, word >> 9, off, 2)
    pkt.add(tree, TLV_LEN, word & 0x1FF, off, 2)


def dissect_lldp(tvb: Tvb, pkt: Packet, session: Session) -> int:
    session.current_proto = "lldp"
    start = off = tvb.start
    pkt.proto_col = "LLDP"
    pkt.clear_info()
    top = pkt.add_proto(LLDP, off, 0, "Link Layer Discovery Protocol")
    for _ in range(_MAX_TLVS):
        tvb.need(off, 2)
        word = tvb.u16(off)
        ttype, tlen = word >> 9, word & 0x1FF
        tvb.need(off + 2, tlen)
        body = off + 2
        if ttype == 0:
            tree = pkt.add_text(top, "End of LLDPDU", off, 2 + tlen)
            _header(pkt, tree, word, off)
            off += 2 + tlen
            break
        handler = _TLVS.get(ttype)
        if handler is None:
            tree = pkt.add_text(top, f"Unknown TLV ({ttype})" if ttype not in TLV_TYPES
                                else TLV_TYPES[ttype], off, 2 + tlen)
            _header(pkt, tree, word, off)
        else:
            handler(pkt, tvb, top, word, off, body, tlen)
        off = body + tlen
        if off >= tvb.end:
            break
    top.length = off - start
    # tshark 4.0 hands Ethernet a length 3 bytes short of the End TLV's end (so its
    # last 3 bytes show again as a trailer); the same, for the same trailer.
    return max(off - start - 3, 0)


def _address_id(pkt: Packet, tree: Item, data: Any, body: int, tlen: int, sub: int,
                forms: tuple[int, int, Field, Field, Field],
                other: Callable[[bytes, int], str]) -> str | None:
    """The two forms both ID TLVs share, a MAC address and a network address (`forms`:
    their subtypes and the MAC, IPv4 and IPv6 fields; `other` adds an address of another
    family); the ID's text, or None for any other form."""
    mac_sub, net_sub, mac_f, ip4_f, ip6_f = forms
    if sub == mac_sub and tlen == 7:
        pkt.add(tree, mac_f, bytes(data), body + 1, 6)
        return ether_str(bytes(data))
    if sub != net_sub or tlen < 2:
        return None
    fam = data[0]
    pkt.add(tree, NET_FAMILY, fam, body + 1, 1)
    addr = bytes(data[1:])
    if fam == 1 and len(addr) == 4:
        pkt.add(tree, ip4_f, int.from_bytes(addr, "big"), body + 2, 4)
        return ipv4_str(int.from_bytes(addr, "big"))
    if fam == 2 and len(addr) == 16:
        pkt.add(tree, ip6_f, addr, body + 2, 16)
        return ipv6_str(addr)
    return other(addr, body + 2)


def _chassis(pkt: Packet, tvb: Tvb, top: Item, word: int, off: int, body: int,
             tlen: int) -> None:
    b = tvb.buf
    sub = b[body]
    data = b[body + 1: body + tlen]
    name = CHASSIS_SUBTYPES.get(sub, "Reserved")
    tree = pkt.add_text(top, "", off, 2 + tlen)
    _header(pkt, tree, word, off)
    pkt.add(tree, CHASSIS_SUBTYPE, sub, body, 1)

    def hex_id(addr: bytes, at: int) -> str:
        pkt.add(tree, CHASSIS_ID, addr, at, len(addr))
        return addr.hex()

    text = _address_id(pkt, tree, data, body, tlen, sub,
                       (4, 5, CHASSIS_MAC, CHASSIS_IP4, CHASSIS_IP6), hex_id)
    if text is None and sub in (2, 6, 7):
        text = _text(data)[1]
        pkt.add(tree, CHASSIS_ID, bytes(data), body + 1, tlen - 1, f"Chassis Id: {text}")
    elif text is None:
        text = bytes(data).hex()
        pkt.add(tree, CHASSIS_ID, bytes(data), body + 1, tlen - 1)
    tree.text = f"Chassis Subtype = {name}, Id: {text}"
    pkt.append_info(f"{_CHASSIS_ABBR.get(sub, '??')}/{text} ")


def _port(pkt: Packet, tvb: Tvb, top: Item, word: int, off: int, body: int, tlen: int) -> None:
    b = tvb.buf
    sub = b[body]
    data = b[body + 1: body + tlen]
    name = PORT_SUBTYPES.get(sub, "Reserved")
    tree = pkt.add_text(top, "", off, 2 + tlen)
    _header(pkt, tree, word, off)
    pkt.add(tree, PORT_SUBTYPE, sub, body, 1)

    def text_id(addr: bytes, at: int) -> str:
        value, text = _text(addr)
        pkt.add(tree, PORT_ID, value, at, len(addr), f"Port Id: {text}")
        return text

    text = _address_id(pkt, tree, data, body, tlen, sub, (3, 4, PORT_MAC, PORT_IP4, PORT_IP6),
                       text_id)
    if text is None:
        value, text = _text(data)
        pkt.add(tree, PORT_ID, value, body + 1, tlen - 1, f"Port Id: {text}")
    tree.text = f"Port Subtype = {name}, Id: {text}"
    pkt.append_info(f"{_PORT_ABBR.get(sub, '??')}/{text} ")


def _ttl(pkt: Packet, tvb: Tvb, top: Item, word: int, off: int, body: int, tlen: int) -> None:
    ttl = tvb.u16(body)
    tree = pkt.add_text(top, f"Time To Live = {ttl} sec", off, 2 + tlen)
    _header(pkt, tree, word, off)
    pkt.add(tree, TTL, ttl, body, 2)
    pkt.append_info(f"{ttl} ")


def _string_tlv(field: Field, info: str) -> object:
    def handler(pkt: Packet, tvb: Tvb, top: Item, word: int, off: int, body: int,
                tlen: int) -> None:
        value, text = _text(tvb.buf[body: body + tlen])
        tree = pkt.add_text(top, f"{field.name} = {text}", off, 2 + tlen)
        _header(pkt, tree, word, off)
        pkt.add(tree, field, value, body, tlen, f"{field.name}: {text}")
        if info:
            pkt.append_info(f"{info}={text} ")
    return handler


def _caps(pkt: Packet, tvb: Tvb, top: Item, word: int, off: int, body: int, tlen: int) -> None:
    tree = pkt.add_text(top, "Capabilities", off, 2 + tlen)
    _header(pkt, tree, word, off)
    for at, field, bits in ((body, SYS_CAP, SYS_CAP_BITS), (body + 2, EN_CAP, EN_CAP_BITS)):
        v = tvb.u16(at)
        item = pkt.add(tree, field, v, at, 2)
        for f in bits:
            _bit16(pkt, item, f, v, at)


def _mgmt(pkt: Packet, tvb: Tvb, top: Item, word: int, off: int, body: int, tlen: int) -> None:
    b = tvb.buf
    tree = pkt.add_text(top, "Management Address", off, 2 + tlen)
    _header(pkt, tree, word, off)
    alen = b[body]
    pkt.add(tree, MGN_ADDR_LEN, alen, body, 1)
    fam = b[body + 1]
    pkt.add(tree, MGN_ADDR_SUBTYPE, fam, body + 1, 1)
    at, n = body + 2, max(alen - 1, 0)
    addr = bytes(b[at: at + n])
    if fam == 1 and n == 4:
        pkt.add(tree, MGN_IP4, int.from_bytes(addr, "big"), at, 4)
    elif fam == 2 and n == 16:
        pkt.add(tree, MGN_IP6, addr, at, 16)
    else:
        pkt.add(tree, MGN_HEX, addr, at, n)
    at += n
    tvb.need(at, 6)
    pkt.add(tree, MGN_IF_SUBTYPE, b[at], at, 1)
    pkt.add(tree, MGN_IF_NUMBER, int.from_bytes(b[at + 1: at + 5], "big"), at + 1, 4)
    olen = b[at + 5]
    pkt.add(tree, MGN_OID_LEN, olen, at + 5, 1)
    if olen:
        raw = bytes(b[at + 6: at + 6 + olen])
        dotted = oid_str(raw)
        first = dotted.split(".", 1)
        root = {"0": "itu-t", "1": "iso", "2": "joint-iso-itu-t"}.get(first[0], first[0])
        resolved = ".".join([root, *first[1:]])
        pkt.add(tree, MGN_OID, dotted, at + 6, olen, f"Object Identifier: {dotted} ({resolved})")


def _org(pkt: Packet, tvb: Tvb, top: Item, word: int, off: int, body: int, tlen: int) -> None:
    b = tvb.buf
    tvb.need(body, 4)
    oui = int.from_bytes(b[body: body + 3], "big")
    sub = b[body + 3]
    names = SUBTYPES_8021 if oui == OUI_802_1 else SUBTYPES_8023 if oui == OUI_802_3 else {}
    oui_label = _OUI_LABELS.get(oui, "Unknown")
    sub_name = names.get(sub, f"Unknown ({sub})")
    tree = pkt.add_text(top, f"{oui_label} - {sub_name}", off, 2 + tlen)
    _header(pkt, tree, word, off)
    pkt.add(tree, ORG_OUI, oui, body, 3,
            f"Organization Unique Code: {oui >> 16:02x}:{oui >> 8 & 255:02x}:{oui & 255:02x}"
            + (f" ({oui_label})" if oui in _OUI_LABELS else ""))
    at, end = body + 4, body + tlen
    if oui == OUI_802_1:
        pkt.add(tree, SUB_8021, sub, body + 3, 1)
        _ieee_8021(pkt, tvb, tree, sub, at, end)
    elif oui == OUI_802_3:
        si = pkt.add(tree, SUB_8023, sub, body + 3, 1)
        _ieee_8023(pkt, tvb, tree, si, sub, at, end)
    else:
        pkt.add(tree, UNKNOWN_SUBTYPE, sub, body + 3, 1)
        if end > at:
            pkt.add(tree, UNKNOWN_CONTENT, bytes(b[at: end]), at, end - at)


def _ieee_8021(pkt: Packet, tvb: Tvb, tree: Item, sub: int, at: int, end: int) -> None:
    b = tvb.buf
    if sub == 1:
        pkt.add(tree, PORT_VLAN, tvb.u16(at), at, 2)
    elif sub == 2:
        flags = b[at]
        fi = pkt.add(tree, PPV_FLAGS, flags, at, 1)
        pkt.add(fi, PPV_SUPPORTED, bool(flags & 2), at, 1)
        pkt.add(fi, PPV_ENABLED, bool(flags & 4), at, 1)
        pkt.add(tree, PPV_ID, tvb.u16(at + 1), at + 1, 2)
    elif sub == 3:
        pkt.add(tree, VLAN_ID, tvb.u16(at), at, 2)
        n = b[at + 2]
        pkt.add(tree, VLAN_NAME_LEN, n, at + 2, 1)
        value, text = _text(bytes(b[at + 3: at + 3 + n]).split(b"\0", 1)[0])
        pkt.add(tree, VLAN_NAME, value, at + 3, n, f"VLAN Name: {text}")
    elif sub == 4:
        n = b[at]
        pkt.add(tree, PROTO_ID_LEN, n, at, 1)
        pkt.add(tree, PROTO_ID, bytes(b[at + 1: at + 1 + n]), at + 1, n)
    elif sub in DCB_SUBTYPES:
        DCB_SUBTYPES[sub](pkt, tvb, tree, at, end)


def _ieee_8023(pkt: Packet, tvb: Tvb, tree: Item, sub_item: Item, sub: int, at: int,
               end: int) -> None:
    b = tvb.buf
    if sub == 1:
        tvb.need(at, 5)
        st = b[at]
        ai = pkt.add(tree, AUTONEG, st, at, 1)
        pkt.add(ai, AUTONEG_SUP, bool(st & 1), at, 1)
        pkt.add(ai, AUTONEG_EN, bool(st & 2), at, 1)
        caps = tvb.u16(at + 1)
        ci = pkt.add(tree, PMD_CAPS, caps, at + 1, 2)
        for f in PMD_BITS:
            _bit16(pkt, ci, f, caps, at + 1)
        inv = pkt.add_text(tree, "Same in inverse (wrong) bitorder", at + 1, 2)
        for f in PMD_INV_BITS:
            _bit16(pkt, inv, f, caps, at + 1)
        pkt.add(tree, MAU_TYPE, tvb.u16(at + 3), at + 3, 2)
    elif sub == 2:
        _power_via_mdi(pkt, tvb, tree, at, end)
    elif sub == 3:
        pkt.add_expert(sub_item, "warning", "protocol", "TLV has been deprecated", "lldp",
                       field=DEPRECATED)
        tvb.need(at, 5)
        st = b[at]
        si = pkt.add(tree, AGG_STATUS, st, at, 1)
        pkt.add(si, AGG_CAP, bool(st & 1), at, 1)
        pkt.add(si, AGG_EN, bool(st & 2), at, 1)
        pkt.add(tree, AGG_PORT, int.from_bytes(b[at + 1: at + 5], "big"), at + 1, 4)
    elif sub == 4:
        pkt.add(tree, MAX_FRAME, tvb.u16(at), at, 2)


def _power_via_mdi(pkt: Packet, tvb: Tvb, tree: Item, at: int, end: int) -> None:
    b = tvb.buf
    tvb.need(at, 3)
    st = b[at]
    si = pkt.add(tree, MDI_SUPPORT, st, at, 1)
    for f in MDI_BITS:
        pkt.add(si, f, bool(st & f.bitmask), at, 1)
    pkt.add(tree, MDI_PAIR, b[at + 1], at + 1, 1)
    pkt.add(tree, MDI_CLASS, b[at + 2], at + 2, 1)
    if end - at < 8:
        return
    tvb.need(at + 3, 5)
    v = b[at + 3]
    ptype, source = v >> 6, (v >> 4) & 3
    pkt.add(tree, MDI_TYPE, ptype, at + 3, 1)
    names = _PD_SOURCES if ptype & 1 else _PSE_SOURCES
    pkt.add(tree, MDI_SOURCE, source, at + 3, 1,
            f"..{source:02b} .... = Power Source: {source} {names[source]}")
    pkt.add(tree, MDI_PRIORITY, v & 0x0F, at + 3, 1)
    for f, o in ((MDI_REQUESTED, at + 4), (MDI_ALLOCATED, at + 6)):
        w = tvb.u16(o)
        pkt.add(tree, f, w, o, 2, f"{f.name}: {w // 10}.{w % 10}. Watt")


_TLVS = {1: _chassis, 2: _port, 3: _ttl, 4: _string_tlv(PORT_DESC, ""),
         5: _string_tlv(SYS_NAME, "SysN"), 6: _string_tlv(SYS_DESC, "SysD"), 7: _caps,
         8: _mgmt, 127: _org}

ETHERTYPE.register(0x88CC, dissect_lldp, "lldp")
register_dissector("lldp", dissect_lldp)
register_learner_layer("lldp", "LLDP", "link")
