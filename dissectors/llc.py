"""IEEE 802.2 Logical-Link Control, with SNAP (RFC 1042) dispatch by ethertype.

    +--------+--------+----------------+ - - - - - - - - - - - - - - +
    |  DSAP  |  SSAP  | Control (1|2)  |  SNAP: OUI (3) | PID (2)     |
    +--------+--------+----------------+ - - - - - - - - - - - - - - +
DSAP=SSAP=0xAA means SNAP follows; OUI 0 carries an ethertype in the PID.
Only SNAP payloads are dispatched; other SAPs' payloads are shown as data.
"""

from __future__ import annotations

from dissectors.dispatch import BY_NAME, ETHERTYPE, register_dissector, table
from dissectors.eth import ETHERTYPE_NAMES
from dissectors.offers import register_learner_layer
from dissectors.packet import Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

SAP_NAMES = {
    0x00: "NULL LSAP", 0x02: "LLC Sub-Layer Management", 0x04: "SNA Path Control",
    0x06: "TCP/IP", 0x08: "SNA", 0x0C: "SNA", 0x0E: "PROWAY (IEC955) Network Management and Initialization",
    0x18: "Texas Instruments", 0x42: "Spanning Tree BPDU",
    0x4E: "EIA RS-511 Manufacturing Message Service", 0x54: "ISO 8208 (X.25 over 802.2)",
    0x7E: "ISO 8208 (X.25 over 802.2)", 0x80: "XNS", 0x86: "Nestar",
    0x8E: "PROWAY (IEC955) Active Station List Maintenance", 0x98: "ARP", 0xAA: "SNAP",
    0xBA: "Banyan Vines", 0xBC: "Banyan Vines", 0xE0: "NetWare", 0xF0: "NetBIOS",
    0xF4: "IBM Net Management", 0xF8: "HP Extended LLC", 0xFA: "Ungermann-Bass",
    0xFC: "Remote Program Load", 0xFE: "ISO Network Layer", 0xFF: "Global LSAP",
}
# Unnumbered-frame modifiers ((control & 0xEC) >> 2): short name, long name.
U_MODIFIERS = {
    0x00: ("UI", "Unnumbered Information"), 0x03: ("DM", "Disconnected Mode"),
    0x10: ("DISC", "Disconnect"), 0x18: ("UA", "Unnumbered Acknowledge"),
    0x1B: ("SABME", "Set Asynchronous Balanced Mode Extended"),
    0x21: ("FRMR", "Frame reject"), 0x2B: ("XID", "Exchange identification"),
    0x38: ("TEST", "Test"),
}
# The tree shows the manufacturer-file name, which for OUI 0 is cut short.
_OUI_LABELS = {0x000000: "Officially Xerox, but"}
FTYPES = {0: "Information frame", 1: "Supervisory frame", 3: "Unnumbered frame"}
S_FUNCS = {0: "RR", 1: "RNR", 2: "REJ"}
OUI_NAMES = {0x000000: "Officially Xerox, but 0:0:0:0:0:0 is more common",
             0x00000C: "Cisco Systems, Inc", 0x0080C2: "IEEE 802.1", 0x00E02B: "Extreme Networks",
             0x000081: "Bay Networks",
             0x080007: "Apple"}

LLC = protocol("llc", "Logical-Link Control", "LLC")
DSAP = LLC.field("llc.dsap", "DSAP", FT.UINT8, Base.HEX, strings=SAP_NAMES, offset=0)
DSAP_SAP = LLC.field("llc.dsap.sap", "SAP", FT.UINT8, Base.CUSTOM, bitmask=0xFE, offset=0)
DSAP_IG = LLC.field("llc.dsap.ig", "IG Bit", FT.BOOLEAN, bitmask=0x01,
                    strings=("Group", "Individual"), offset=0, width=1)
SSAP = LLC.field("llc.ssap", "SSAP", FT.UINT8, Base.HEX, strings=SAP_NAMES, offset=1)
SSAP_SAP = LLC.field("llc.ssap.sap", "SAP", FT.UINT8, Base.CUSTOM, bitmask=0xFE, offset=1)
SSAP_CR = LLC.field("llc.ssap.cr", "CR Bit", FT.BOOLEAN, bitmask=0x01,
                    strings=("Response", "Command"), offset=1, width=1)
CONTROL = LLC.field("llc.control", "Control", FT.UINT16, Base.HEX)
N_R = LLC.field("llc.control.n_r", "N(R)", FT.UINT16, Base.DEC, bitmask=0xFE00)
N_S = LLC.field("llc.control.n_s", "N(S)", FT.UINT16, Base.DEC, bitmask=0x00FE)
S_FTYPE = LLC.field("llc.control.s_ftype", "Supervisory frame type", FT.UINT16, Base.HEX,
                    bitmask=0x000C, strings={k << 2: v for k, v in S_FUNCS.items()})
U_CMD = LLC.field("llc.control.u_modifier_cmd", "Command", FT.UINT8, Base.HEX, bitmask=0xEC,
                  strings={k: v[1] for k, v in U_MODIFIERS.items()})
U_RESP = LLC.field("llc.control.u_modifier_resp", "Response", FT.UINT8, Base.HEX,
                   bitmask=0xEC, strings={k: v[1] for k, v in U_MODIFIERS.items()})
FTYPE = LLC.field("llc.control.ftype", "Frame type", FT.UINT16, Base.HEX, bitmask=0x0001,
                  strings=FTYPES)
FTYPE_8 = LLC.twin(FTYPE, type=FT.UINT8, bitmask=0x03)  # Wireshark's one for U/S frames
TYPE = LLC.field("llc.type", "Type", FT.UINT16, Base.HEX, strings=ETHERTYPE_NAMES)
OUI = LLC.field("llc.oui", "Organization Code", FT.UINT24, Base.OUI, strings=OUI_NAMES)
PID = LLC.field("llc.pid", "Protocol ID", FT.UINT16, Base.HEX)
CISCO_PIDS = {0x0102: "DRIP", 0x0104: "PAgP", 0x0105: "MLS Hello", 0x0108: "RLQ BPDUs (request)",
              0x0109: "RLQ BPDUs (response)", 0x010B: "PVSTP+", 0x010C: "VLAN Bridge",
              0x0111: "UDLD", 0x0139: "MCP", 0x2000: "CDP", 0x2001: "CGMP", 0x2003: "VTP",
              0x2004: "DTP", 0x200A: "STP Uplink Fast"}
CISCO_PID = LLC.field("llc.cisco_pid", "PID", FT.UINT16, Base.HEX, strings=CISCO_PIDS)
NORTEL_PIDS = {0x01A1: "NDP flatnet hello", 0x01A2: "NDP segment hello",
               0x01A3: "NDP bridge hello"}
NORTEL_PID = LLC.field("llc.nortel_pid", "PID", FT.UINT16, Base.HEX, strings=NORTEL_PIDS)
#: Payloads by SAP (DSAP 0x42: BPDUs) and by Cisco's SNAP protocol ID (CDP, PVST+, DTP).
LLC_DSAP = table("llc.dsap", "LLC SAP")
LLC_CISCO_PID = table("llc.cisco_pid", "LLC SNAP PID (Cisco)")
LLC_NORTEL_PID = table("llc.nortel_pid", "LLC Nortel OUI PID")
#: SNAP OUIs with a PID table of their own: OUI -> (PID field, table).
SNAP_OUI_TABLES = {0x00000C: (CISCO_PID, LLC_CISCO_PID), 0x000081: (NORTEL_PID, LLC_NORTEL_PID)}


def _sap_text(sap: int) -> str:
    return SAP_NAMES.get(sap & 0xFE, f"0x{sap & 0xFE:02x}")


def oui_label(oui: int) -> str:
    """A SNAP OUI as the tree shows it (OUI 0's name is cut, as tshark's label is)."""
    text = f"{oui >> 16:02x}:{oui >> 8 & 255:02x}:{oui & 255:02x}"
    if oui in _OUI_LABELS:
        return f"{text} ({_OUI_LABELS[oui]}"
    return f"{text} ({OUI_NAMES[oui]})" if oui in OUI_NAMES else text


def _bits8(v: int, mask: int) -> str:
    s = "".join(("1" if v >> i & 1 else "0") if mask >> i & 1 else "." for i in range(7, -1, -1))
    return f"{s[:4]} {s[4:]}"


def dissect_llc(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "llc"
    off = tvb.start
    tvb.need(off, 3)
    b = tvb.buf
    dsap, ssap, c0 = b[off], b[off + 1], b[off + 2]
    pkt.proto_col = "LLC"
    is_cmd = not (ssap & 1)
    if c0 & 3 == 3:
        clen, ctrl = 1, c0
    else:
        tvb.need(off, 4)
        clen, ctrl = 2, c0 | (b[off + 3] << 8)
    hlen = 2 + clen
    tree = pkt.add_proto(LLC, off, hlen, "Logical-Link Control")
    for f, sap_f, bit_f, v in ((DSAP, DSAP_SAP, DSAP_IG, dsap), (SSAP, SSAP_SAP, SSAP_CR, ssap)):
        o = off if f is DSAP else off + 1
        it = pkt.add(tree, f, v, o, 1, f"{f.name}: {SAP_NAMES.get(v, 'Unknown')} (0x{v:02x})")
        pkt.add(it, sap_f, (v & 0xFE) >> 1, o, 1,
                f"{_bits8(v, 0xFE)} = SAP: {SAP_NAMES.get(v & 0xFE, 'Unknown')}")
        pkt.add(it, bit_f, bool(v & 1), o, 1)
    if clen == 1:
        mod = (ctrl & 0xEC) >> 2
        short, long = U_MODIFIERS.get(mod, (f"Unknown (0x{mod:02x})", "Unknown"))
        pf = " P" if is_cmd and ctrl & 0x10 else " F" if ctrl & 0x10 else ""
        summary = f"U{pf}, func={short}"
        ci = pkt.add(tree, CONTROL, ctrl, off + 2, 1, f"Control field: {summary} (0x{ctrl:02X})")
        mf = U_CMD if is_cmd else U_RESP
        pkt.add(ci, mf, mod, off + 2, 1,
                f"{_bits8(ctrl, 0xEC)} = {mf.name}: {long} (0x{mod:02x})")
        pkt.add(ci, FTYPE_8, 3, off + 2, 1, f"{_bits8(ctrl, 0x03)} = Frame type: Unnumbered frame (0x3)")
    elif ctrl & 1 == 0:
        nr, ns = ctrl >> 9, (ctrl >> 1) & 0x7F
        summary = f"I, N(R)={nr}, N(S)={ns}"
        ci = pkt.add(tree, CONTROL, ctrl, off + 2, 2, f"Control field: {summary} (0x{ctrl:04x})")
        pkt.add(ci, N_R, nr, off + 2, 2)
        pkt.add(ci, N_S, ns, off + 2, 2)
        pkt.add(ci, FTYPE, 0, off + 2, 2, ".... .... .... ...0 = Frame type: Information frame (0x0)")
    else:
        nr, st = ctrl >> 9, (ctrl >> 2) & 3
        summary = f"S, func={S_FUNCS.get(st, 'Unknown')}, N(R)={nr}"
        ci = pkt.add(tree, CONTROL, ctrl, off + 2, 2, f"Control field: {summary} (0x{ctrl:04x})")
        pkt.add(ci, S_FTYPE, st << 2, off + 2, 2)
        pkt.add(ci, N_R, nr, off + 2, 2)
        pkt.add(ci, FTYPE_8, 1, off + 2, 1, f"{_bits8(ctrl, 0x03)} = Frame type: Supervisory frame (0x1)")
    pkt.set_info(summary)
    payload = off + hlen
    if dsap == 0xAA and ssap & 0xFE == 0xAA and clen == 1:
        tvb.need(payload, 5)
        oui = (b[payload] << 16) | (b[payload + 1] << 8) | b[payload + 2]
        pid = (b[payload + 3] << 8) | b[payload + 4]
        tree.length = hlen + 5
        pkt.add(tree, OUI, oui, payload, 3, f"Organization Code: {oui_label(oui)}")
        oui_name = OUI_NAMES.get(oui, "Unknown")
        sub = tvb.sub(payload + 5)
        if oui == 0:
            pkt.append_info(f"; SNAP, OUI 0x{oui:06x} ({oui_name}), PID 0x{pid:04x}")
            pkt.add(tree, TYPE, pid, payload + 3, 2)
            fn = ETHERTYPE.get(pid)
            if fn is not None:
                fn(sub, pkt, session)
                return
        elif oui in SNAP_OUI_TABLES:
            pid_field, pid_table = SNAP_OUI_TABLES[oui]
            pkt.append_info(f"; SNAP, OUI 0x{oui:06x} ({oui_name}), PID 0x{pid:04x}")
            pkt.add(tree, pid_field, pid, payload + 3, 2)
            fn = pid_table.get(pid)
            if fn is not None:
                fn(sub, pkt, session)
                return
        else:
            pkt.append_info(f"; SNAP, OUI 0x{oui:06x} ({oui_name}), PID 0x{pid:04x}")
            pkt.add(tree, PID, pid, payload + 3, 2)
        BY_NAME["data"](sub, pkt, session)
        return
    pkt.append_info(f"; DSAP {_sap_text(dsap)} {'Group' if dsap & 1 else 'Individual'}, "
                    f"SSAP {_sap_text(ssap)} {'Command' if is_cmd else 'Response'}")
    fn = LLC_DSAP.get(dsap & 0xFE) if clen == 1 else None
    (fn or BY_NAME["data"])(tvb.sub(payload), pkt, session)


ETHERTYPE.register(0x8870, dissect_llc, "llc")
register_dissector("llc", dissect_llc)
register_learner_layer("llc", "LLC", "link")
