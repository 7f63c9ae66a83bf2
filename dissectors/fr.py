"""Frame Relay (LINKTYPE_FRELAY 107): Q.922 address, the UI control byte and RFC 2427
(NLPID, SNAP) multiprotocol encapsulation, as tshark's default "FRF 3.2/Cisco HDLC".

    +-------------+-------------+---------+------------+- - - - - - - - - - - -+
    | DLCI hi|C/R|EA| DLCI lo|FECN|BECN|DE|EA | Control 0x03 | [pad 0] NLPID | SNAP: OUI (3) PID (2) |
    +-------------+-------------+---------+------------+- - - - - - - - - - - -+
A 3- or 4-octet address (EA clear in the second octet) carries more DLCI bits; a
control byte other than UI is shown as Cisco HDLC's type (not decoded further).
"""

from __future__ import annotations

from dissectors.dispatch import BY_NAME, ETHERTYPE, LINKTYPE, register_dissector, table
from dissectors.eth import ETHERTYPE_NAMES
from dissectors.format import masked_label
from dissectors.llc import OUI_NAMES, SNAP_OUI_TABLES, U_MODIFIERS, oui_label
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

NLPIDS = {0x00: "NULL", 0x01: "T.70", 0x03: "X.633", 0x08: "Q.933", 0x09: "LMI",
          0x0C: "Q.2119", 0x80: "SNAP", 0x81: "CLNP", 0x82: "ESIS", 0x83: "ISIS", 0x85: "IDRP",
          0x8A: "ESIS (X.25)", 0x8C: "ISO 10030", 0x8D: "ISO 11577",
          0xB0: "Data compression protocol", 0xCC: "IP", 0x8E: "IPv6", 0xCF: "PPP"}
_EA = ("Last Octet", "More Follows")
_FTYPES = {0: "Information frame", 1: "Supervisory frame", 3: "Unnumbered frame"}
_U_NAMES = {k: v[1] for k, v in U_MODIFIERS.items()}

FR = protocol("fr", "Frame Relay", "FR")
FIRST = FR.field("fr.first_addr_octet", "First address octet", FT.UINT8, Base.HEX)
SECOND = FR.field("fr.second_addr_octet", "Second address octet", FT.UINT8, Base.HEX)
THIRD = FR.field("fr.third_addr_octet", "Third address octet", FT.UINT8, Base.HEX)
UPPER_DLCI = FR.field("fr.upper_dlci", "Upper DLCI", FT.UINT8, Base.HEX, bitmask=0xFC)
CR = FR.field("fr.cr", "CR", FT.BOOLEAN, bitmask=0x02, strings=("Command", "Response"))
EA = FR.field("fr.ea", "EA", FT.BOOLEAN, bitmask=0x01, strings=_EA)
SECOND_DLCI = FR.field("fr.second_dlci", "Second DLCI", FT.UINT8, Base.HEX, bitmask=0xF0)
FECN = FR.field("fr.fecn", "FECN", FT.BOOLEAN, bitmask=0x08)
BECN = FR.field("fr.becn", "BECN", FT.BOOLEAN, bitmask=0x04)
DE = FR.field("fr.de", "DE", FT.BOOLEAN, bitmask=0x02)
THIRD_DLCI = FR.field("fr.third_dlci", "Third DLCI", FT.UINT8, Base.HEX, bitmask=0xFE)
LOWER_DLCI = FR.field("fr.lower_dlci", "Lower DLCI", FT.UINT8, Base.HEX, bitmask=0xFC)
DLCORE = FR.field("fr.dlcore_control", "DL-CORE Control", FT.UINT8, Base.HEX, bitmask=0xFC)
DC = FR.field("fr.dc", "DC", FT.BOOLEAN, bitmask=0x0002, strings=("DLCI Address", "DL-CORE Control"))
DLCI = FR.field("fr.dlci", "DLCI", FT.UINT32, Base.DEC)
CONTROL = FR.field("fr.control", "Control Field", FT.UINT8, Base.HEX)
U_CMD = FR.field("fr.control.u_modifier_cmd", "Command", FT.UINT8, Base.HEX, bitmask=0xEC,
                 strings=_U_NAMES)
U_RESP = FR.field("fr.control.u_modifier_resp", "Response", FT.UINT8, Base.HEX, bitmask=0xEC,
                  strings=_U_NAMES)
FTYPE = FR.field("fr.control.ftype", "Frame type", FT.UINT16, Base.HEX, bitmask=0x0001,
                 strings=_FTYPES)
FTYPE_8 = FR.twin(FTYPE, type=FT.UINT8, bitmask=0x03)
NLPID = FR.field("fr.nlpid", "NLPID", FT.UINT8, Base.HEX, strings=NLPIDS)
OUI = FR.field("fr.snap.oui", "Organization Code", FT.UINT24, Base.OUI, strings=OUI_NAMES)
PID = FR.field("fr.snap.pid", "Protocol ID", FT.UINT16, Base.HEX)
SNAPTYPE = FR.field("fr.snaptype", "Type", FT.UINT16, Base.HEX, strings=ETHERTYPE_NAMES)
CHDLC_TYPES = {0x2000: "Cisco Discovery Protocol", 0x0800: "IP", 0x86DD: "IPv6", 0x8035: "SLARP",
               0x8038: "DEC LanBridge", 0x4242: "Spanning Tree BPDU", 0x809B: "Appletalk",
               0x80F3: "AARP", 0x8137: "Netware IPX/SPX", 0x6558: "Transparent Ethernet bridging",
               0xFEFE: "OSI", 0x8847: "MPLS unicast", 0x8848: "MPLS multicast"}
CHDLCTYPE = FR.field("fr.chdlctype", "Type", FT.UINT16, Base.HEX, strings=CHDLC_TYPES)
BOGUS = FR.field("fr.bogus_address", "Bogus address", FT.NONE)
#: Payloads by NLPID (RFC 2427: 0xCC IPv4, 0x8E IPv6), Wireshark's "fr.nlpid" table.
FR_NLPID = table("fr.nlpid", "Frame Relay NLPID")
_SNAP = 0x80
_UI = 0x03


def _octet(pkt: Packet, tree: Item, field: object, bits: tuple, b: int, off: int) -> None:
    """An address octet as proto_tree_add_bitmask shows it: the set flags' names appended."""
    flags = [f.name for f in bits if f.type is FT.BOOLEAN and b & f.bitmask]  # type: ignore[attr-defined]
    text = (f"{field.name}: 0x{b:02x}"  # type: ignore[attr-defined]
            + "".join(", " + n for n in flags)) if pkt.tree_on else None
    it = pkt.add(tree, field, b, off, 1, text)  # type: ignore[arg-type]
    for f in bits:
        pkt.add(it, f, (b & f.bitmask) >> f.shift if f.type is not FT.BOOLEAN
                else bool(b & f.bitmask), off, 1)


def dissect_fr(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "fr"
    off = tvb.start
    pkt.proto_col = "FR"
    pkt.set_info("")
    tree = pkt.add_proto(FR, off, tvb.end - off, "Frame Relay")
    first = tvb.u8(off)
    is_response = False
    if first & 1:  # EA set in the first octet: no room for a DLCI
        addr = 0
        pkt.add_expert(pkt.add_text(tree, "Bogus 1-octet address field", off, 1), "warning",
                       "protocol", "Bogus 1-octet address field", "fr", field=BOGUS)
        o = off + 1
    else:
        addr = (first & 0xFC) >> 2
        is_response = bool(first & 0x02)
        _octet(pkt, tree, FIRST, (UPPER_DLCI, CR, EA), first, off)
        second = tvb.u8(off + 1)
        addr = (addr << 4) | ((second & 0xF0) >> 4)
        _octet(pkt, tree, SECOND, (SECOND_DLCI, FECN, BECN, DE, EA), second, off + 1)
        o = off + 2
        if not second & 1:
            octet = tvb.u8(o)
            if not octet & 1:
                addr = (addr << 7) | ((octet & 0xFE) >> 1)
                _octet(pkt, tree, THIRD, (THIRD_DLCI, EA), octet, o)
                o += 1
                octet = tvb.u8(o)
                while not octet & 1:  # (bounded: each step reads one more byte)
                    pkt.add_expert(pkt.add_text(tree, "Bogus extra address octet", o, 1),
                                   "warning", "protocol", "Bogus extra address octet", "fr",
                                   field=BOGUS)
                    o += 1
                    octet = tvb.u8(o)
            sub = pkt.add_text(tree, f"Final address octet: 0x{octet:02x}", o, 1)
            if octet & 0x02:
                pkt.add(sub, DLCORE, (octet & 0xFC) >> 2, o, 1)
            else:
                addr = (addr << 6) | ((octet & 0xFC) >> 2)
                pkt.add(sub, LOWER_DLCI, (octet & 0xFC) >> 2, o, 1)
            pkt.add(sub, DC, bool(octet & 0x02), o, 1,
                    masked_label(DC, bool(octet & 0x02), 16) if pkt.tree_on else None)
            pkt.add(sub, EA, bool(octet & 1), o, 1)
            o += 1
    pkt.add(tree, DLCI, addr, off, o - off)
    pkt.set_info(f"DLCI {addr}")
    ctrl = tvb.u8(o)
    if ctrl == _UI:
        _control(pkt, tree, ctrl, o, is_response)
        _nlpid(tvb, o + 1, pkt, session, tree)
        return
    # (Cisco HDLC framing: a 2-byte type where the control byte would be)
    tree.length = o + 2 - off
    ctype = tvb.u16(o)
    pkt.add(tree, CHDLCTYPE, ctype, o, 2)
    fn = ETHERTYPE.get(ctype)
    (fn or BY_NAME["data"])(tvb.sub(o + 2), pkt, session)


def _control(pkt: Packet, tree: Item, ctrl: int, o: int, is_response: bool) -> None:
    mod = (ctrl & 0xEC) >> 2
    short, long = U_MODIFIERS.get(mod, (f"Unknown (0x{mod:02x})", "Unknown"))
    ci = pkt.add(tree, CONTROL, ctrl, o, 1, f"Control field: U, func={short} (0x{ctrl:02X})"
                 if pkt.tree_on else None)
    pkt.add(ci, U_RESP if is_response else U_CMD, mod, o, 1)
    pkt.add(ci, FTYPE_8, 3, o, 1)


def _nlpid(tvb: Tvb, o: int, pkt: Packet, session: Session, tree: Item) -> None:
    """RFC 2427's NLPID (after an optional zero pad byte) and, for SNAP, OUI and PID."""
    start = tree.offset
    tree.length = o - start
    nlpid = tvb.u8(o)
    if nlpid == 0:
        pkt.add(tree, NLPID, 0, o, 1, "Padding")
        o += 1
        tree.length = o - start
        nlpid = tvb.u8(o)
    pkt.add(tree, NLPID, nlpid, o, 1)
    o += 1
    if nlpid != _SNAP:
        tree.length = o - start
        fn = FR_NLPID.get(nlpid)
        (fn or BY_NAME["data"])(tvb.sub(o), pkt, session)
        return
    tree.length = o + 5 - start
    tvb.need(o, 5)
    b = tvb.buf
    oui = (b[o] << 16) | (b[o + 1] << 8) | b[o + 2]
    pid = (b[o + 3] << 8) | b[o + 4]
    pkt.add(tree, OUI, oui, o, 3, f"Organization Code: {oui_label(oui)}")
    if oui == 0:
        pkt.add(tree, SNAPTYPE, pid, o + 3, 2)
        fn = ETHERTYPE.get(pid)
    elif oui in SNAP_OUI_TABLES:  # (Cisco's, Nortel's: their own PID field and table)
        pid_field, pid_table = SNAP_OUI_TABLES[oui]
        pkt.add(tree, pid_field, pid, o + 3, 2)
        fn = pid_table.get(pid)
    else:
        pkt.add(tree, PID, pid, o + 3, 2)
        fn = None
    (fn or BY_NAME["data"])(tvb.sub(o + 5), pkt, session)


def _ip(tvb: Tvb, pkt: Packet, session: Session) -> object:
    return BY_NAME["ip"](tvb, pkt, session)


def _ipv6(tvb: Tvb, pkt: Packet, session: Session) -> object:
    return BY_NAME["ipv6"](tvb, pkt, session)


FR_NLPID.register(0xCC, _ip, "ip")
FR_NLPID.register(0x8E, _ipv6, "ipv6")
LINKTYPE.register(107, dissect_fr, "fr")
register_dissector("fr", dissect_fr)
register_learner_layer("fr", "Frame Relay", "link")
