"""IEEE 802.5 Token Ring framing (LINKTYPE 6), with the source-routing RIF.

    0    1    2                  8                  14
    +----+----+------------------+------------------+----------------+-----------
    | AC | FC | destination MAC  | source MAC       | RIF (0..30)    | LLC ...
    +----+----+------------------+------------------+----------------+-----------
The top bit of the source MAC says a Routing Information Field follows: its first
byte's low 5 bits give the RIF length (including the 2-byte Routing Control field).
Follows Wireshark's packet-tr.c with the default `fix_linux_botches` = FALSE: byte 14 is
read before the tree is built, so a 14-byte frame is malformed with no Token-Ring tree.
"""

from __future__ import annotations

from dissectors.dispatch import BY_NAME, LINKTYPE, register_dissector
from dissectors.format import bit_pattern, ether_str
from dissectors.offers import register_learner_layer
from dissectors.packet import Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

PCF_NAMES = {0: "Normal buffer", 1: "Express buffer", 2: "Purge", 3: "Claim Token",
             4: "Beacon", 5: "Active Monitor Present", 6: "Standby Monitor Present"}
FRAME_TYPE_NAMES = {0: "MAC", 1: "LLC", 2: "Reserved"}
# Info column words by frame type (Wireshark's `fc[]`: type 3 is "Unknown").
_INFO_TYPES = ("MAC", "LLC", "Reserved", "Unknown")
BROADCAST_NAMES = {0 << 5: "Non-broadcast", 1 << 5: "Non-broadcast", 2 << 5: "Non-broadcast",
                   3 << 5: "Non-broadcast", 4 << 5: "All-routes broadcast",
                   5 << 5: "All-routes broadcast", 6 << 5: "Single-route broadcast",
                   7 << 5: "Single-route broadcast"}
MAX_FRAME_NAMES = {0 << 4: "516", 1 << 4: "1500", 2 << 4: "2052", 3 << 4: "4472",
                   4 << 4: "8144", 5 << 4: "11407", 6 << 4: "17800", 7 << 4: "65535"}
DIRECTION_NAMES = {0: "From originating station (-->)", 128: "To originating station (<--)"}

TR = protocol("tr", "Token-Ring", "Token-Ring")  # Protocol column "TR" is set explicitly
AC = TR.field("tr.ac", "Access Control", FT.UINT8, Base.HEX, offset=0)
PRIORITY = TR.field("tr.priority", "Priority", FT.UINT8, Base.DEC, bitmask=0xE0, offset=0)
FRAME_BIT = TR.field("tr.frame", "Frame", FT.BOOLEAN, bitmask=0x10, strings=("Frame", "Token"),
                     offset=0, width=1)
MONITOR_CNT = TR.field("tr.monitor_cnt", "Monitor Count", FT.UINT8, Base.DEC, bitmask=0x08,
                       offset=0)
PRIO_RES = TR.field("tr.priority_reservation", "Priority Reservation", FT.UINT8, Base.DEC,
                    bitmask=0x07, offset=0)
FC = TR.field("tr.fc", "Frame Control", FT.UINT8, Base.HEX, offset=1)
FRAME_TYPE = TR.field("tr.frame_type", "Frame Type", FT.UINT8, Base.DEC, bitmask=0xC0,
                      strings=FRAME_TYPE_NAMES, offset=1)
FRAME_PCF = TR.field("tr.frame_pcf", "Frame PCF", FT.UINT8, Base.DEC, bitmask=0x0F,
                     strings=PCF_NAMES, offset=1)
DST = TR.field("tr.dst", "Destination", FT.ETHER, blurb="Destination Hardware Address",
               offset=2, width=6)
SRC = TR.field("tr.src", "Source", FT.ETHER, blurb="Source Hardware Address")
ADDR = TR.field("tr.addr", "Source or Destination Address", FT.ETHER,
                blurb="Source or Destination Hardware Address")
SR = TR.field("tr.sr", "Source Routed", FT.BOOLEAN)
RIF_BYTES = TR.field("tr.rif_bytes", "RIF Bytes", FT.UINT8, Base.DEC,
                     blurb="Number of bytes in Routing Information Fields, including the two "
                           "bytes of Routing Control Field")
BROADCAST = TR.field("tr.broadcast", "Broadcast Type", FT.UINT8, Base.DEC,
                     strings=BROADCAST_NAMES, blurb="Type of Token-Ring Broadcast")
MAX_FRAME = TR.field("tr.max_frame_size", "Maximum Frame Size", FT.UINT8, Base.DEC,
                     strings=MAX_FRAME_NAMES)
DIRECTION = TR.field("tr.direction", "Direction", FT.UINT8, Base.DEC, strings=DIRECTION_NAMES,
                     blurb="Direction of RIF")
RIF = TR.field("tr.rif", "Ring-Bridge Pairs", FT.STRING,
               blurb="String representing Ring-Bridge Pairs")
RIF_RING = TR.field("tr.rif.ring", "RIF Ring", FT.UINT16, Base.HEX)
RIF_BRIDGE = TR.field("tr.rif.bridge", "RIF Bridge", FT.UINT8, Base.HEX)
RIF_EXTRA = TR.field("tr.rif.extra", "Extra RIF bytes beyond spec", FT.BYTES)
# Only set by the Linux 2.0 work-arounds (preference `fix_linux_botches`, off by default).
EMPTY_RIF = TR.field("tr.empty_rif", "Empty RIF from Linux 2.0.x driver. The sniffing NIC is "
                     "also running a protocol stack.", FT.NONE)
FAKE_LLC = TR.field("tr.fake_llc_snap_header", "Linux 2.0.x fake LLC and SNAP header", FT.NONE)

_HDR = 14
_RIF_MAX = 30  # bytes of RIF the spec allows; the rest is shown as extra


def _ac_text(ac: int) -> str:
    """Wireshark's bitmask summary: only a set `Frame` bit is appended (by name)."""
    return f"Access Control: 0x{ac:02x}" + (", Frame" if ac & 0x10 else "")


def _fc_text(fc: int) -> str:
    ftype = FRAME_TYPE_NAMES.get(fc >> 6, "Unknown")
    pcf = PCF_NAMES.get(fc & 0x0F, "Unknown")
    return f"Frame Control: 0x{fc:02x}, Frame Type: {ftype}, Frame PCF: {pcf}"


def _ring_bridge_pairs(tvb: Tvb, pkt: Packet, tree, off: int, rif_len: int) -> None:  # noqa: ANN001
    """Hidden ring/bridge numbers and the `001-1-002` string, as Linux's tr_rif shows them."""
    unprocessed = rif_len - _RIF_MAX
    n = min(rif_len, _RIF_MAX) - 2
    rif_off = off + 16
    parts: list[str] = []
    for j in range(1, n - 1, 2):
        if j == 1:
            seg = tvb.u16(rif_off) >> 4
            parts.append(f"{seg:03X}")
            pkt.add(tree, RIF_RING, seg, off + _HDR + 2, 2, hidden=True)
        seg = tvb.u16(rif_off + 1 + j) >> 4
        bridge = tvb.u8(rif_off + j) & 0x0F
        parts.append(f"-{bridge:X}-{seg:03X}")
        pkt.add(tree, RIF_RING, seg, off + _HDR + 3 + j, 2, hidden=True)
        pkt.add(tree, RIF_BRIDGE, bridge, off + _HDR + 2 + j, 1, hidden=True)
    tvb.need(off + _HDR + 2, n)
    pkt.add(tree, RIF, "".join(parts), off + _HDR + 2, n)
    if unprocessed > 0:
        extra_off = off + _HDR + _RIF_MAX
        tvb.need(extra_off, unprocessed)
        extra = bytes(tvb.buf[extra_off: extra_off + unprocessed])
        pkt.add(tree, RIF_EXTRA, extra, extra_off, unprocessed)


def dissect_tr(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "tr"
    off = tvb.start
    # Wireshark lists the layer before the dissector runs, so a frame too short for any
    # tree still shows "tr" in frame.protocols.
    pkt.protocols.append(TR.abbrev)
    pkt.proto_col = "TR"
    fc = tvb.u8(off + 1)
    tvb.need(off + 2, 12)
    buf = tvb.buf
    dst = bytes(buf[off + 2: off + 8])
    src = bytes(buf[off + 8: off + 14])
    source_routed = bool(src[0] & 0x80)
    src_nonsr = bytes([src[0] & 0x7F]) + src[1:]
    frame_type = fc >> 6
    pkt.set_info(f"Token-Ring {_INFO_TYPES[frame_type]}")
    rcf1 = tvb.u8(off + _HDR)  # read unconditionally, as Wireshark does
    rif_len = rcf1 & 0x1F if source_routed else 0
    pkt.src = ether_str(src_nonsr)
    pkt.dst = ether_str(dst)

    tree = pkt.add_proto(TR, off, _HDR + rif_len, "Token-Ring", in_stack=False)
    ac = buf[off]
    ac_item = pkt.add(tree, AC, ac, off, 1, _ac_text(ac))
    pkt.add(ac_item, PRIORITY, ac >> 5, off, 1)
    pkt.add(ac_item, FRAME_BIT, bool(ac & 0x10), off, 1)
    pkt.add(ac_item, MONITOR_CNT, (ac >> 3) & 1, off, 1)
    pkt.add(ac_item, PRIO_RES, ac & 7, off, 1)
    fc_item = pkt.add(tree, FC, fc, off + 1, 1, _fc_text(fc))
    for f, v in ((FRAME_TYPE, frame_type), (FRAME_PCF, fc & 0x0F)):
        name = f.value_name(v) or "Unknown"
        pkt.add(fc_item, f, v, off + 1, 1, f"{bit_pattern(f, v)} = {f.name}: {name} ({v})")
    pkt.add(tree, DST, dst, off + 2, 6)
    pkt.add(tree, SRC, src, off + 8, 6)
    pkt.add(tree, ADDR, dst, off + 2, 6, hidden=True)
    pkt.add(tree, ADDR, src, off + 8, 6, hidden=True)
    pkt.add(tree, SR, source_routed, off + 8, 1)
    pkt.add(tree, SRC, src_nonsr, off + 8, 6, hidden=True)
    if source_routed:
        pkt.add(tree, RIF_BYTES, rif_len, off + _HDR, 1)
        pkt.add(tree, BROADCAST, rcf1 & 0xE0, off + _HDR, 1)
        rcf2 = tvb.u8(off + _HDR + 1)
        pkt.add(tree, MAX_FRAME, rcf2 & 0x70, off + _HDR + 1, 1)
        pkt.add(tree, DIRECTION, rcf2 & 0x80, off + _HDR + 1, 1)
        if rif_len > 2:
            _ring_bridge_pairs(tvb, pkt, tree, off, rif_len)

    payload = tvb.sub(off + _HDR + rif_len)
    if frame_type == 1:
        BY_NAME["llc"](payload, pkt, session)
    else:
        # MAC frames go to Wireshark's `trmac`, which labshark lacks: shown as data.
        BY_NAME["data"](payload, pkt, session)


LINKTYPE.register(6, dissect_tr, "tr")
register_dissector("tr", dissect_tr)
register_learner_layer("tr", "TR", "link")
