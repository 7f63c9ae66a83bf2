"""ARP and RARP (RFC 826, RFC 903) over Ethernet/IPv4.

    +--------+--------+--------+--------+
    | HW type         | Protocol type   |
    | HW size| P size | Opcode          |
    | Sender HW address (6) ...         |
    | Sender IP (4)   | Target HW (6).. |
    | Target IP (4)                     |
    +--------+--------+--------+--------+
Other hardware/protocol sizes are shown as raw address bytes.
"""

from __future__ import annotations

from typing import Final

from dissectors.bounded import remember
from dissectors.dispatch import ETHERTYPE, register_dissector
from dissectors.eth import ETHERTYPE_NAMES
from dissectors.format import ether_str, ipv4_str
from dissectors.offers import register_learner_layer
from dissectors.packet import Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

HW_TYPES: Final = {0: "NET/ROM pseudo", 1: "Ethernet", 2: "Experimental Ethernet", 3: "AX.25",
            4: "ProNET", 5: "Chaos", 6: "IEEE 802", 7: "ARCNET", 8: "Hyperchannel",
            9: "Lanstar", 10: "Autonet Short Address", 11: "Localtalk", 12: "LocalNet",
            13: "Ultra link", 14: "SMDS", 15: "Frame Relay DLCI", 16: "ATM", 17: "HDLC",
            18: "Fibre Channel", 19: "ATM (RFC 2225)", 20: "Serial Line", 21: "ATM",
            22: "MIL-STD-188-220", 23: "Metricom STRIP", 24: "IEEE 1394.1995", 25: "MAPOS",
            26: "Twinaxial", 27: "EUI-64", 28: "HIPARP", 29: "IP and ARP over ISO 7816-3",
            30: "ARPSec", 31: "IPsec tunnel", 32: "InfiniBand", 33: "TIA-102 Project 25 CAI",
            34: "Wiegand Interface", 35: "Pure IP", 36: "Experimental 1", 37: "HFI",
            256: "Experimental 2", 257: "AEthernet", 260: "Notional KISS type", 264: "ADAPT",
            270: "ROSE", 271: "CCITT X.25", 272: "Boards with X.25 in firmware",
            280: "Controller Area Network", 512: "PPP", 513: "Cisco HDLC", 516: "LAPB",
            517: "Digital's DDCMP protocol", 518: "Raw HDLC", 519: "Raw IP",
            768: "IPIP tunnel", 769: "IP6IP6 tunnel", 770: "Frame Relay Access Device",
            771: "SKIP vif", 772: "Loopback", 774: "Fiber Distributed Data Interface",
            775: "AP1000 BIF", 776: "sit0 device - IPv6-in-IPv4",
            777: "IP over DDP tunneller", 778: "GRE over IP", 779: "PIMSM register interface",
            780: "High Performance Parallel Interface", 781: "Nexus 64Mbps Ash",
            782: "Acorn Econet", 783: "Linux-IrDA", 784: "Point to point fibrechannel",
            785: "Fibrechannel arbitrated loop", 786: "Fibrechannel public loop",
            787: "Fibrechannel fabric", 800: "Magic type ident for TR", 801: "IEEE 802.11",
            802: "IEEE 802.11 + Prism2 header", 803: "IEEE 802.11 + radiotap header",
            804: "IEEE 802.15.4", 805: "IEEE 802.15.4 network monitor",
            820: "PhoNet media type", 821: "PhoNet pipe header", 822: "CAIF media type",
            823: "GRE over IPv6", 824: "Netlink", 825: "IPv6 over LoWPAN",
            826: "Vsock monitor header", 65535: "Void type, nothing is known",
            65534: "zero header length"}
OPCODES: Final = {1: "request", 2: "reply", 3: "reverse request", 4: "reverse reply",
           5: "DRARP-Request", 6: "DRARP-Reply", 7: "DRARP-Error", 8: "inverse request",
           9: "inverse reply", 10: "ARP-NAK"}

def _hw_type_label(hw_type: int) -> str | None:
    """tshark names a type its table lacks "Unknown (N)" (the field's own label otherwise)."""
    return None if hw_type in HW_TYPES else f"Hardware type: Unknown ({hw_type})"


ARP: Final = protocol("arp", "Address Resolution Protocol", "ARP/RARP")
HW_TYPE: Final = ARP.field("arp.hw.type", "Hardware type", FT.UINT16, Base.DEC, strings=HW_TYPES,
                    offset=0)
PROTO_TYPE: Final = ARP.field("arp.proto.type", "Protocol type", FT.UINT16, Base.HEX,
                       strings=ETHERTYPE_NAMES, offset=2)
HW_SIZE: Final = ARP.field("arp.hw.size", "Hardware size", FT.UINT8, Base.DEC, offset=4)
PROTO_SIZE: Final = ARP.field("arp.proto.size", "Protocol size", FT.UINT8, Base.DEC, offset=5)
OPCODE: Final = ARP.field("arp.opcode", "Opcode", FT.UINT16, Base.DEC, strings=OPCODES, offset=6)
IS_GRATUITOUS: Final = ARP.field("arp.isgratuitous", "Is gratuitous", FT.BOOLEAN)
IS_PROBE: Final = ARP.field("arp.isprobe", "Is probe", FT.BOOLEAN)
IS_ANNOUNCEMENT: Final = ARP.field("arp.isannouncement", "Is announcement", FT.BOOLEAN)
SRC_HW: Final = ARP.field("arp.src.hw", "Sender hardware address", FT.BYTES)
SRC_HW_MAC: Final = ARP.field("arp.src.hw_mac", "Sender MAC address", FT.ETHER)
SRC_PROTO: Final = ARP.field("arp.src.proto", "Sender protocol address", FT.BYTES)
SRC_PROTO_IPV4: Final = ARP.field("arp.src.proto_ipv4", "Sender IP address", FT.IPv4)
DST_HW: Final = ARP.field("arp.dst.hw", "Target hardware address", FT.BYTES)
DST_HW_MAC: Final = ARP.field("arp.dst.hw_mac", "Target MAC address", FT.ETHER)
DST_PROTO: Final = ARP.field("arp.dst.proto", "Target protocol address", FT.BYTES)
DST_PROTO_IPV4: Final = ARP.field("arp.dst.proto_ipv4", "Target IP address", FT.IPv4)
DUP_FRAME: Final = ARP.field("arp.duplicate-address-frame", "Frame showing earlier use of IP address",
                      FT.FRAMENUM)
DUP_SECONDS: Final = ARP.field("arp.seconds-since-duplicate-address-frame",
                        "Seconds since earlier frame seen", FT.UINT32, Base.DEC)
DUP_DETECTED: Final = ARP.field("arp.duplicate-address-detected", "Duplicate IP address configured",
                         FT.NONE)


class AddressTable:
    """IPv4 address -> (MAC, latest frame showing it, its whole seconds), to spot duplicates."""

    def __init__(self) -> None:
        self.seen: dict[int, tuple[bytes, int, int]] = {}


def _addr(b: bytes, is_mac: bool, is_ip: bool) -> str:
    if is_mac:
        return ether_str(b)
    if is_ip:
        return ipv4_str(int.from_bytes(b, "big"))
    return b.hex()


def _cut_header(tvb: Tvb, pkt: Packet) -> None:
    """A packet cut inside the fixed header, as tshark 4.0 shows it: ARP in the column and
    in frame.protocols, and (from 2 bytes on) its item with the fields it holds whole,
    then the short-packet note (raised here)."""
    off = tvb.start
    have = tvb.end - off
    pkt.proto_col = "ARP"
    if have < 2:
        pkt.protocols.append(ARP.abbrev)
    else:
        top = pkt.add_proto(ARP, off, have, ARP.name)
        for field, at, width in ((HW_TYPE, 0, 2), (PROTO_TYPE, 2, 2), (HW_SIZE, 4, 1),
                                 (PROTO_SIZE, 5, 1)):
            if at + width <= have:
                pkt.add(top, field, int.from_bytes(tvb.buf[off + at: off + at + width], "big"),
                        off + at, width)
    tvb.need(off, 8)


def dissect_arp(tvb: Tvb, pkt: Packet, session: Session) -> int:
    session.current_proto = "arp"
    off = tvb.start
    if off + 8 > tvb.end:
        _cut_header(tvb, pkt)
    hw_type, ptype = tvb.u16(off), tvb.u16(off + 2)
    hsize, psize = tvb.u8(off + 4), tvb.u8(off + 5)
    op = tvb.u16(off + 6)
    is_rarp = op in (3, 4)
    pkt.proto_col = "RARP" if is_rarp else "Inverse ARP" if op in (8, 9) else "ARP"
    total = 8 + 2 * hsize + 2 * psize
    is_mac = hw_type in (1, 6) and hsize == 6
    is_ip = ptype == 0x0800 and psize == 4
    sha_o = off + 8
    spa_o = sha_o + hsize
    tha_o = spa_o + psize
    tpa_o = tha_o + hsize
    name = ARP.name
    # Wireshark fetches every address before building the tree: a short packet shows
    # the fixed header only.
    top = pkt.add_proto(ARP, off, min(total, tvb.end - off), name)  # (pdml: what was captured)
    pkt.add(top, HW_TYPE, hw_type, off, 2, _hw_type_label(hw_type))
    pkt.add(top, PROTO_TYPE, ptype, off + 2, 2)
    pkt.add(top, HW_SIZE, hsize, off + 4, 1)
    pkt.add(top, PROTO_SIZE, psize, off + 5, 1)
    opi = pkt.add(top, OPCODE, op, off + 6, 2)
    tvb.need(off, total)
    b = tvb.buf
    sha, spa = bytes(b[sha_o: spa_o]), bytes(b[spa_o: tha_o])
    tha, tpa = bytes(b[tha_o: tpa_o]), bytes(b[tpa_o: tpa_o + psize])
    is_gratuitous = op in (1, 2) and spa == tpa
    is_probe = op == 1 and not any(tha) and not any(spa)
    is_announcement = op == 1 and not any(tha) and spa == tpa
    s_sha, s_spa = _addr(sha, is_mac, False), _addr(spa, False, is_ip)
    s_tha, s_tpa = _addr(tha, is_mac, False), _addr(tpa, False, is_ip)
    if op == 1:
        if is_probe:
            info = f"Who has {s_tpa}? (ARP Probe)"
        elif is_announcement:
            info = f"ARP Announcement for {s_spa}"
        elif is_gratuitous:
            info = f"Gratuitous ARP for {s_spa} (Request)"
        else:
            info = f"Who has {s_tpa}? Tell {s_spa}"
    elif op == 2:
        info = (f"Gratuitous ARP for {s_spa} (Reply)" if is_gratuitous
                else f"{s_spa} is at {s_sha}")
    elif op in (3, 8):
        info = f"Who is {s_tha}? Tell {s_sha}"
    elif op == 4:
        info = f"{s_tha} is at {s_tpa}"
    elif op == 9:
        info = f"{s_sha} is at {s_spa}"
    else:
        info = f"Unknown ARP opcode 0x{op:04x}"
    pkt.set_info(info)
    if is_probe:
        suffix = "ARP Probe"
    elif is_announcement:
        suffix = "ARP Announcement"
    elif is_gratuitous:
        suffix = f"{OPCODES[op]}/gratuitous ARP"
    else:
        suffix = OPCODES.get(op, f"opcode 0x{op:04x}")
    top.text = top.value = f"{name} ({suffix})"
    del opi
    if is_gratuitous:
        pkt.add(top, IS_GRATUITOUS, True, 0, 0, generated=True)
    if is_announcement:
        pkt.add(top, IS_ANNOUNCEMENT, True, 0, 0, generated=True)
    if is_probe:
        pkt.add(top, IS_PROBE, True, 0, 0, generated=True)
    for hw, pa, ho, po, hw_f, hw_raw, pa_f, pa_raw in (
            (sha, spa, sha_o, spa_o, SRC_HW_MAC, SRC_HW, SRC_PROTO_IPV4, SRC_PROTO),
            (tha, tpa, tha_o, tpa_o, DST_HW_MAC, DST_HW, DST_PROTO_IPV4, DST_PROTO)):
        if hsize:
            if is_mac:
                pkt.add(top, hw_f, hw, ho, hsize)
            else:
                pkt.add(top, hw_raw, hw, ho, hsize)
        if psize:
            if is_ip:
                pkt.add(top, pa_f, int.from_bytes(pa, "big"), po, psize)
            else:
                pkt.add(top, pa_raw, pa, po, psize)
    if is_mac and is_ip and op in (1, 2):
        # packet-arp.c: the sender's pair, then (replies) the target's unless it is the
        # address just reported; the target's answer replaces the sender's in Info.
        table = session.state("arp.addresses", AddressTable)
        ip = int.from_bytes(spa, "big")
        dup = _duplicate(pkt, table, ip, sha, s_spa) if _bindable(ip, sha) else ""
        ip = int.from_bytes(tpa, "big")
        if op == 2 and _bindable(ip, tha) and dup != s_tpa:
            dup = _duplicate(pkt, table, ip, tha, s_tpa)
        if dup:
            pkt.append_info(f" (duplicate use of {dup} detected!)")
    return total


def _bindable(ip: int, mac: bytes) -> bool:
    """A pair ARP learns: a unicast, non-zero MAC and a non-zero address."""
    return ip != 0 and not mac[0] & 1 and any(mac)


def _duplicate(pkt: Packet, table: AddressTable, ip: int, mac: bytes, ip_text: str) -> str:
    """Wireshark's duplicate-address check: an address seen earlier with another MAC
    (reported against the latest frame that showed the first MAC, which it refreshes)."""
    earlier = table.seen.get(ip)
    num = pkt.frame.number
    secs = pkt.frame.ts_ns // 1_000_000_000  # (whole seconds, as abs_ts.secs)
    if earlier is None:
        remember(table.seen, ip, (mac, num, secs))  # (the newest 64k)
        return ""
    old_mac, old_num, old_secs = earlier
    if num <= old_num:
        return ""
    if old_mac == mac:
        table.seen[ip] = (mac, num, secs)
        return ""
    top = pkt.add_text(None, f"[Duplicate IP address detected for {ip_text} ({ether_str(mac)}) "
                             f"- also in use by {ether_str(old_mac)} (frame {old_num})]", 0, 0)
    fi = pkt.add(top, DUP_FRAME, old_num, 0, 0, generated=True)
    pkt.add_expert(fi, "warning", "sequence", f"Duplicate IP address configured ({ip_text})",
                   "arp", field=DUP_DETECTED)
    pkt.add(top, DUP_SECONDS, (secs - old_secs) & 0xFFFFFFFF, 0, 0, generated=True)
    return ip_text


ETHERTYPE.register(0x0806, dissect_arp, "arp")
ETHERTYPE.register(0x8035, dissect_arp, "arp")
register_dissector("arp", dissect_arp)
register_learner_layer("arp", "ARP", "link")
