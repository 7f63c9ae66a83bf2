"""FDDI framing (LINKTYPE 10), handing async LLC frames to LLC.

    0    1                  7                  13
    +----+------------------+------------------+-----------
    | FC | destination MAC  | source MAC       | LLC ...
    +----+------------------+------------------+-----------
pcap's LINKTYPE_FDDI is Wireshark's WTAP_ENCAP_FDDI_BITSWAPPED: the MAC addresses are
stored in FDDI (MSB-first) bit order, so each byte is bit-reversed for display. Wireshark
also adds hidden "bit-swapped" copies of each address; for this encapsulation they are
the same bit-reversed value, which is what `-T fields` then prints twice. The
`fddi.padding` preference (3 pad bytes before FC) is off by default and not supported.
"""

from __future__ import annotations

from dissectors.dispatch import BY_NAME, LINKTYPE, register_dissector
from dissectors.format import bit_pattern, ether_str
from dissectors.offers import register_learner_layer
from dissectors.packet import Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

CLF_NAMES = {0x0: "Void", 0x4: "SMT", 0x5: "Async LLC", 0x6: "Implementor Async",
             0x8: "Nonrestricted Token", 0xC: "MAC", 0xD: "Sync LLC", 0xE: "Implementor Sync"}
SMT_SUBTYPE_NAMES = {0x1: "Info", 0xF: "Next Station Address"}
MAC_SUBTYPE_NAMES = {0x2: "Beacon", 0x3: "Claim"}

FDDI = protocol("fddi", "Fiber Distributed Data Interface", "FDDI")
FC = FDDI.field("fddi.fc", "Frame Control", FT.UINT8, Base.HEX, offset=0)
FC_CLF = FDDI.field("fddi.fc.clf", "Class/Length/Format", FT.UINT8, Base.HEX, bitmask=0xF0,
                    strings=CLF_NAMES, offset=0)
FC_PRIO = FDDI.field("fddi.fc.prio", "Priority", FT.UINT8, Base.DEC, bitmask=0x07, offset=0)
FC_SMT = FDDI.field("fddi.fc.smt_subtype", "SMT Subtype", FT.UINT8, Base.DEC, bitmask=0x0F,
                    strings=SMT_SUBTYPE_NAMES, offset=0)
FC_MAC = FDDI.field("fddi.fc.mac_subtype", "MAC Subtype", FT.UINT8, Base.DEC, bitmask=0x0F,
                    strings=MAC_SUBTYPE_NAMES, offset=0)
DST = FDDI.field("fddi.dst", "Destination", FT.ETHER, blurb="Destination Hardware Address")
SRC = FDDI.field("fddi.src", "Source", FT.ETHER)
ADDR = FDDI.field("fddi.addr", "Source or Destination Address", FT.ETHER,
                  blurb="Source or Destination Hardware Address")

_HDR = 13
_BITREV = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


def bitswap(mac: bytes) -> bytes:
    """Reverse the bit order of each byte (FDDI wire order -> canonical order)."""
    return mac.translate(_BITREV)


def fc_text(fc: int) -> str:
    """Wireshark's fddifc_to_str(): the frame-kind summary used in Info and the tree."""
    exact = {0x00: "Void frame", 0x80: "Nonrestricted token", 0xC0: "Restricted token",
             0x41: "SMT info", 0x4F: "SMT Next station address", 0xC2: "MAC beacon",
             0xC3: "MAC claim token"}
    if fc in exact:
        return exact[fc]
    clff, z = fc & 0xF0, fc & 0x0F
    if clff == 0xC0:
        return f"MAC frame, control {z:x}"
    if clff == 0x40:
        return f"SMT frame, control {z:x}"
    if clff == 0x50:
        if fc & 0x08:
            return f"Async LLC frame, control {z:x}"
        return f"Async LLC frame, priority {fc & 7}"
    if clff == 0xD0:
        return f"Sync LLC frame, control {z:x}" if z else "Sync LLC frame"
    if clff == 0x60:
        return f"Implementor async frame, control {z:x}"
    if clff == 0xE0:
        return f"Implementor sync frame, control {z:x}"
    return "Unknown frame type"


def dissect_fddi(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "fddi"
    off = tvb.start
    pkt.proto_col = "FDDI"
    fc = tvb.u8(off)
    summary = fc_text(fc)
    pkt.set_info(summary)
    tree = pkt.add_proto(FDDI, off, _HDR, f"Fiber Distributed Data Interface, {summary}")
    fc_item = pkt.add(tree, FC, fc, off, 1, f"Frame Control: 0x{fc:02x} ({summary})")
    clf = fc >> 4
    # Wireshark sizes the hex digits to the 4-bit mask: "(0x5)", and "Unknown" if unnamed.
    pkt.add(fc_item, FC_CLF, clf, off, 1, f"{bit_pattern(FC_CLF, clf)} = Class/Length/Format: "
            f"{CLF_NAMES.get(clf, 'Unknown')} (0x{clf:x})")
    clff = fc & 0xF0
    if clff == 0x40:
        pkt.add(fc_item, FC_SMT, fc & 0x0F, off, 1)
    elif clff == 0xC0 and fc != 0xC0:
        pkt.add(fc_item, FC_MAC, fc & 0x0F, off, 1)
    elif clff == 0x50 and not fc & 0x08:
        pkt.add(fc_item, FC_PRIO, fc & 0x07, off, 1)

    buf = tvb.buf
    for field, o in ((DST, off + 1), (SRC, off + 7)):
        tvb.need(o, 6)
        mac = bitswap(bytes(buf[o: o + 6]))
        if field is DST:
            pkt.dst = ether_str(mac)
        else:
            pkt.src = ether_str(mac)
        pkt.add(tree, field, mac, o, 6)
        pkt.add(tree, ADDR, mac, o, 6, hidden=True)
        pkt.add(tree, field, mac, o, 6, hidden=True)
        pkt.add(tree, ADDR, mac, o, 6, hidden=True)

    payload = tvb.sub(off + _HDR)
    if clff == 0x50:
        BY_NAME["llc"](payload, pkt, session)
    else:
        BY_NAME["data"](payload, pkt, session)


LINKTYPE.register(10, dissect_fddi, "fddi")
register_dissector("fddi", dissect_fddi)
register_learner_layer("fddi", "FDDI", "link")
