"""IEEE 802.1Q VLAN tags (0x8100, 0x9100) and IEEE 802.1ad service tags (0x88a8).

    0                   1                   2                   3
    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   | PRI |D|          VLAN ID      |     Type (or 802.3 length)    |
   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

Tags stack: each tag dispatches its type through the ethertype table again. Bytes
past what the inner protocol claims are `vlan.trailer` (Wireshark attributes the
trailer of a tagged frame to the tag, zeros included), so the inner ethertype step
is done here rather than with eth.dissect_ethertype, which would file them as
`eth.trailer`; only zeros up to the 60-byte minimum frame are `eth.padding`.
"""

from __future__ import annotations

from typing import Final

from dissectors.dispatch import BY_NAME, ETHERTYPE, PAYLOAD_LENGTH, register_dissector
from dissectors.eth import ETHERTYPE_NAMES, ETHERTYPE_PROTO, PADDING
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.tvb import BoundsError, ReportedBoundsError, Tvb

# Wireshark's default PCP names (IEEE 802.1Q-2005, `tshark -G values` vlan.priority).
PRIORITY_NAMES: Final = {0: "Best Effort (default)", 1: "Background", 2: "Excellent Effort",
                  3: "Critical Applications", 4: "Video, < 100ms latency and jitter",
                  5: "Voice, < 10ms latency and jitter", 6: "Internetwork Control",
                  7: "Network Control"}

_MIN_FRAME: Final = 60  # Ethernet minimum frame length without FCS
# Ethertype names Wireshark shows as Info when no dissector takes the type.
_MORE_NAMES: Final = {0x88B5: "Local Experimental Ethertype 1", 0x88B6: "Local Experimental Ethertype 2"}
# Ethertype names including the ones only shown, never dissected.
ETYPE_NAMES: Final = {**ETHERTYPE_NAMES, **_MORE_NAMES}

VLAN: Final = protocol("vlan", "802.1Q Virtual LAN", "VLAN")
PRIORITY: Final = VLAN.field("vlan.priority", "Priority", FT.UINT16, Base.DEC, bitmask=0xE000,
                      strings=PRIORITY_NAMES, offset=0)
DEI: Final = VLAN.field("vlan.dei", "DEI", FT.BOOLEAN, bitmask=0x1000,
                 strings=("Eligible", "Ineligible"), offset=0, width=2)
ID: Final = VLAN.field("vlan.id", "ID", FT.UINT16, Base.DEC, bitmask=0x0FFF, offset=0)
ETYPE: Final = VLAN.field("vlan.etype", "Type", FT.UINT16, Base.HEX, strings=ETYPE_NAMES,
                   offset=2)
LEN: Final = VLAN.field("vlan.len", "Length", FT.UINT16, Base.DEC, offset=2)
TRAILER: Final = VLAN.field("vlan.trailer", "Trailer", FT.BYTES)

# (tshark 4.0's short name is upper case: "[Malformed Packet: IEEE 802.1AD]")
QINQ: Final = protocol("ieee8021ad", "IEEE 802.1ad", "IEEE 802.1AD")
QINQ_PRIORITY: Final = QINQ.field("ieee8021ad.priority", "Priority", FT.UINT16, Base.DEC,
                           bitmask=0xE000, offset=0)
QINQ_DEI: Final = QINQ.field("ieee8021ad.dei", "DEI", FT.UINT16, Base.DEC, bitmask=0x1000, offset=0)
QINQ_ID: Final = QINQ.field("ieee8021ad.id", "ID", FT.UINT16, Base.DEC, bitmask=0x0FFF, offset=0)
# Wireshark files the 802.1ad tag's type and trailer under its 802.1ah protocol.
PBB: Final = protocol("ieee8021ah", "IEEE 802.1ah", "IEEE 802.1ah")
PBB_ETYPE: Final = PBB.field("ieee8021ah.etype", "Type", FT.UINT16, Base.HEX, strings=ETHERTYPE_NAMES,
                      offset=2)
PBB_TRAILER: Final = PBB.field("ieee8021ah.trailer", "Trailer", FT.BYTES)

#: tshark 4.0's bound on stacked 802.1Q tags (VLAN_MAX_NESTED_TAGS): the 21st gets a note
#: and ends the frame's dissection (a frame of thousands of tags recursed without end here)
MAX_NESTED_TAGS: Final = 20
TOO_MANY_TAGS: Final = VLAN.field("vlan.too_many_tags", "Too many nested VLAN tags", FT.NONE)


def _bits16(v: int, mask: int) -> str:
    out = []
    for i in range(15, -1, -1):
        out.append(("1" if v >> i & 1 else "0") if mask >> i & 1 else ".")
        if i and i % 4 == 0:
            out.append(" ")
    return "".join(out)


def dissect_vlan(tvb: Tvb, pkt: Packet, session: Session) -> None:
    """An 802.1Q tag (also used for 0x9100)."""
    session.current_proto = "vlan"
    off = tvb.start
    pkt.proto_col = "VLAN"  # (tshark's first steps, before a cut tag fails)
    pkt.clear_info()
    tvb.need(off, 2)
    tci = (tvb.buf[off] << 8) | tvb.buf[off + 1]
    pri, dei, vid = tci >> 13, (tci >> 12) & 1, tci & 0x0FFF
    pkt.set_info(f"PRI: {pri}  DEI: {dei}  ID: {vid}")
    depth = pkt.proto_data.get("vlan.depth", 0) + 1
    if depth > MAX_NESTED_TAGS:  # tshark stops there: no tag fields, a note, no payload
        tree = pkt.add_proto(VLAN, off, 4, "802.1Q Virtual LAN")
        pkt.add_expert(tree, "warning", "undecoded", "Too many nested VLAN tags", "vlan",
                       field=TOO_MANY_TAGS)
        return
    pkt.proto_data["vlan.depth"] = depth
    tree = pkt.add_proto(VLAN, off, 4, f"802.1Q Virtual LAN, PRI: {pri}, DEI: {dei}, ID: {vid}")
    if pkt.wants_layer("vlan"):  # (labels only for a tree someone reads)
        on = pkt.tree_on
        pkt.add(tree, PRIORITY, pri, off, 2,
                f"{_bits16(tci, 0xE000)} = Priority: {PRIORITY_NAMES[pri]} ({pri})"
                if on else None)
        pkt.add(tree, DEI, bool(dei), off, 2,
                f"{_bits16(tci, 0x1000)} = DEI: {'Eligible' if dei else 'Ineligible'}"
                if on else None)
        pkt.add(tree, ID, vid, off, 2, f"{_bits16(tci, 0x0FFF)} = ID: {vid}" if on else None)
    _inner(tvb, pkt, session, tree, ETYPE, LEN, TRAILER)


def dissect_qinq(tvb: Tvb, pkt: Packet, session: Session) -> None:
    """An 802.1ad service tag: same layout, its own protocol and field names."""
    session.current_proto = "ieee8021ad"
    off = tvb.start
    # (packet-ieee8021ah.c's order: its columns, the tag, the item, then the type before
    # any field: a tag cut short shows an empty item)
    pkt.proto_col = "802.1ad"
    pkt.clear_info()
    tvb.need(off, 2)
    tci = (tvb.buf[off] << 8) | tvb.buf[off + 1]
    pri, dei, vid = tci >> 13, (tci >> 12) & 1, tci & 0x0FFF
    pkt.set_info(f"PRI: {pri}  DROP: {dei} ID: {vid}")
    tree = pkt.add_proto(QINQ, off, 4, "IEEE 802.1ad")
    tvb.need(off + 2, 2)
    tree.text = tree.value = f"IEEE 802.1ad, ID: {vid}"
    if pkt.wants_layer("ieee8021ad"):
        on = pkt.tree_on
        # (tshark adds these two one byte long, -T pdml)
        pkt.add(tree, QINQ_PRIORITY, pri, off, 1,
                f"{_bits16(tci, 0xE000)} = Priority: {pri}" if on else None)
        pkt.add(tree, QINQ_DEI, dei, off, 1, f"{_bits16(tci, 0x1000)} = DEI: {dei}" if on else None)
        pkt.add(tree, QINQ_ID, vid, off, 2, f"{_bits16(tci, 0x0FFF)} = ID: {vid}" if on else None)
    _inner(tvb, pkt, session, tree, PBB_ETYPE, None, PBB_TRAILER)


def _inner(tvb: Tvb, pkt: Packet, session: Session, tree: Item, etype_f: Field,
           len_f: Field | None, trailer_f: Field) -> None:
    off = tvb.start
    etype = tvb.u16(off + 2)
    payload_off = off + 4
    if etype <= 1500 and len_f is not None:
        pkt.add(tree, len_f, etype, off + 2, 2)
        end = payload_off + etype
        _trailer(pkt, tree, tvb, end, trailer_f)
        BY_NAME["llc"](tvb.sub(payload_off, min(etype, tvb.rend - payload_off)), pkt, session)
        return
    pkt.add(tree, etype_f, etype, off + 2, 2,
            f"Type: {ETHERTYPE_NAMES.get(etype) or _MORE_NAMES.get(etype, 'Unknown')} "
            f"(0x{etype:04x})" if pkt.tree_on else None)
    pkt.protocols.append(ETHERTYPE_PROTO.abbrev)
    sub = tvb.sub(payload_off)
    fn = ETHERTYPE.get(etype)
    if fn is None:
        pkt.proto_col = f"0x{etype:04x}"
        name = ETHERTYPE_NAMES.get(etype) or _MORE_NAMES.get(etype)
        if name:
            pkt.set_info(name)
        BY_NAME["data"](sub, pkt, session)
        return
    pkt.proto_data.pop(PAYLOAD_LENGTH, None)  # (the network layer below this one sets it)
    before = len(pkt.protocols)
    try:
        used = fn(sub, pkt, session)
    except (BoundsError, ReportedBoundsError):  # (the trailer still shows: see eth.py)
        ETHERTYPE.name_called(fn, pkt.protocols, before)
        claimed = pkt.proto_data.pop(PAYLOAD_LENGTH, None)  # (shown once)
        if claimed is not None:
            _trailer(pkt, tree, tvb, payload_off + claimed, trailer_f)
        raise
    if isinstance(used, int) and not isinstance(used, bool):
        _trailer(pkt, tree, tvb, payload_off + used, trailer_f)


def _trailer(pkt: Packet, tree: Item, tvb: Tvb, end: int, trailer_f: Field) -> None:
    """Zeros filling the frame up to the 60-byte minimum are eth.padding; the rest (or
    everything, in a frame shorter than the minimum) is the tag's trailer."""
    if end >= tvb.end:
        return
    if tvb.source == 0 and tvb.end >= _MIN_FRAME > end:
        pad = bytes(tvb.buf[end:_MIN_FRAME])
        if not any(pad):
            pkt.add(tree, PADDING, pad, end, len(pad))
            end = _MIN_FRAME
    if end < tvb.end:
        pkt.add(tree, trailer_f, bytes(tvb.buf[end: tvb.end]), end, tvb.end - end)


ETHERTYPE.register(0x8100, dissect_vlan, "vlan")
ETHERTYPE.register(0x9100, dissect_vlan, "vlan")
ETHERTYPE.register(0x88A8, dissect_qinq, "ieee8021ad")
register_dissector("vlan", dissect_vlan)
register_dissector("ieee8021ad", dissect_qinq)
register_learner_layer("vlan", "802.1Q", "link")
