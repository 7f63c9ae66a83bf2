"""Ethernet II and IEEE 802.3 framing, and the `ethertype` dispatch step.

    0                   6                  12      14
    +-------------------+-------------------+-------+------------
    | destination MAC   | source MAC        | type  | payload ...
    +-------------------+-------------------+-------+------------
A type below 0x0600 is an 802.3 length and an LLC header follows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from dissectors.dispatch import BY_NAME, ETHERTYPE, LINKTYPE, PAYLOAD_LENGTH, register_dissector
from dissectors.etypes import ETHERTYPE_ALL
from dissectors.format import ether_str
from dissectors.ip_fields import CHECKSUM_STATUS
from dissectors.manuf import oui_name
from dissectors.offers import (
    ConversationSpec,
    register_conversation,
    register_learner_layer,
    register_learner_unclaimed,
)
from dissectors.packet import NULL_ITEM, Block, BlockBuilder, Item, Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import BoundsError, ReportedBoundsError, Tvb

ETHERTYPE_NAMES: Final = {
    0x0800: "IPv4", 0x0806: "ARP", 0x8100: "802.1Q Virtual LAN", 0x86DD: "IPv6",
    0x88A8: "802.1ad Provider Bridge (Q-in-Q)", 0x8035: "RARP", 0x88CC: "802.1 Link Layer Discovery Protocol (LLDP)",
    0x8847: "MPLS label switched packet", 0x8863: "PPPoE Discovery", 0x8864: "PPPoE Session",
    0x9100: "VLAN-tagged frame (Q-in-Q)", 0x88E5: "802.1AE (MACsec)",
    0x6558: "Transparent Ethernet bridging", 0x88BE: "ERSPAN", 0x22EB: "ERSPAN Type III",
    0x9000: "Loopback", 0x2000: "CDP",
}

ETH: Final = protocol("eth", "Ethernet", "Ethernet")
DST: Final = ETH.field("eth.dst", "Destination", FT.ETHER, offset=0, width=6)
DST_RESOLVED: Final = ETH.field("eth.dst_resolved", "Destination (resolved)", FT.STRING)
DST_OUI: Final = ETH.field("eth.dst.oui", "Destination OUI", FT.UINT24, Base.OUI)
DST_OUI_RESOLVED: Final = ETH.field("eth.dst.oui_resolved", "Destination OUI (resolved)", FT.STRING)
SRC: Final = ETH.field("eth.src", "Source", FT.ETHER, offset=6, width=6)
SRC_RESOLVED: Final = ETH.field("eth.src_resolved", "Source (resolved)", FT.STRING)
SRC_OUI: Final = ETH.field("eth.src.oui", "Source OUI", FT.UINT24, Base.OUI)
SRC_OUI_RESOLVED: Final = ETH.field("eth.src.oui_resolved", "Source OUI (resolved)", FT.STRING)
LEN: Final = ETH.field("eth.len", "Length", FT.UINT16, Base.DEC, offset=12)
TYPE: Final = ETH.field("eth.type", "Type", FT.UINT16, Base.HEX, strings=ETHERTYPE_NAMES, offset=12)
ADDR: Final = ETH.field("eth.addr", "Address", FT.ETHER)
ADDR_RESOLVED: Final = ETH.field("eth.addr_resolved", "Address (resolved)", FT.STRING)
ADDR_OUI: Final = ETH.field("eth.addr.oui", "Address OUI", FT.UINT24, Base.OUI)
ADDR_OUI_RESOLVED: Final = ETH.field("eth.addr.oui_resolved", "Address OUI (resolved)", FT.STRING)
PADDING: Final = ETH.field("eth.padding", "Padding", FT.BYTES)
TRAILER: Final = ETH.field("eth.trailer", "Trailer", FT.BYTES)
# tshark's heuristic: a frame of 64 bytes or more with a trailer of 4 or more ends in an FCS.
FCS: Final = ETH.field("eth.fcs", "Frame check sequence", FT.UINT32, Base.HEX)
FCS_STATUS: Final = ETH.field("eth.fcs.status", "FCS Status", FT.UINT8, Base.NONE,
                       strings=CHECKSUM_STATUS)
PADDING_BAD: Final = ETH.field("eth.padding_bad",
                        "Padding identification may be inaccurate and impact trailer dissector",
                        FT.NONE)
_MIN_FRAME: Final = 60  # the shortest Ethernet frame without its FCS: shorter payloads are padded
_LG: Final = ("Locally administered address (this is NOT the factory default)",
       "Globally unique address (factory default)")
_IG: Final = ("Group address (multicast/broadcast)", "Individual address (unicast)")
DST_LG: Final = ETH.field("eth.dst.lg", "LG bit", FT.BOOLEAN, bitmask=0x20000, strings=_LG)
DST_IG: Final = ETH.field("eth.dst.ig", "IG bit", FT.BOOLEAN, bitmask=0x10000, strings=_IG)
SRC_LG: Final = ETH.field("eth.src.lg", "LG bit", FT.BOOLEAN, bitmask=0x20000, strings=_LG)
SRC_IG: Final = ETH.field("eth.src.ig", "IG bit", FT.BOOLEAN, bitmask=0x10000, strings=_IG)
LG: Final = ETH.field("eth.lg", "LG bit", FT.BOOLEAN, bitmask=0x20000, strings=_LG)
IG: Final = ETH.field("eth.ig", "IG bit", FT.BOOLEAN, bitmask=0x10000, strings=_IG)
SRC_NOT_GROUP: Final = ETH.field("eth.src_not_group", "Source MAC must not be a group address: "
                          "IEEE 802.3-2002, Section 3.2.3(b)", FT.NONE)

ETHERTYPE_PROTO: Final = protocol("ethertype", "Ethertype", "Ethertype")

#: pkt.proto_data key: (offset, source) where the ethertype step caught an exception
#: (frame.py's mark_* put their item there, as show_exception does).
EXCEPTION_AT: Final = "ethertype.exception_at"


_DST_FIELDS: Final = (DST, DST_RESOLVED, DST_OUI, DST_OUI_RESOLVED, DST_LG, DST_IG)
_SRC_FIELDS: Final = (SRC, SRC_RESOLVED, SRC_OUI, SRC_OUI_RESOLVED, SRC_LG, SRC_IG)
_SHARED: Final = (ADDR, ADDR_RESOLVED, ADDR_OUI, ADDR_OUI_RESOLVED, LG, IG)
#: Every item under an address (_address skips them all when none is wanted).
_ADDR_BLOCK: Final = {is_dst: frozenset(f.abbrev for f in (*fields, *_SHARED))
               for is_dst, fields in ((True, _DST_FIELDS), (False, _SRC_FIELDS))}
_ADDR_ANY: Final = _ADDR_BLOCK[True] | _ADDR_BLOCK[False]
# MAC -> (text, OUI, "Address: text"): a capture repeats a handful of addresses, so
# each is formatted once. Bounded so a capture of random MACs cannot grow it forever.
_MAC_TEXT: Final[dict[bytes, tuple[str, int, str]]] = {}
_MAC_TEXT_MAX: Final = 4096


def _mac_text(mac: bytes) -> tuple[str, int, str]:
    info = _MAC_TEXT.get(mac)
    if info is None:
        if len(_MAC_TEXT) >= _MAC_TEXT_MAX:
            _MAC_TEXT.clear()
        text = ether_str(mac)
        info = _MAC_TEXT[mac] = (text, int.from_bytes(mac[:3], "big"), f"Address: {text}")
    return info


#: (mac, offset, is_dst) -> the address's whole subtree, built once (full trees only):
#: ~13 items a packet's addresses repeat. Bounded as _MAC_TEXT.
_BLOCKS: Final[dict[tuple[bytes, int, bool], Block]] = {}


def _address(pkt: Packet, tree: Item, mac: bytes, off: int, is_dst: bool) -> None:
    if pkt.wanted is None and (is_dst or not mac[0] & 1):  # (no note under it)
        key = (mac, off, is_dst)
        block = _BLOCKS.get(key)
        if block is None:
            if len(_BLOCKS) >= _MAC_TEXT_MAX:
                _BLOCKS.clear()
            builder = BlockBuilder()
            _address_items(builder.add, None, mac, off, is_dst)
            block = _BLOCKS[key] = builder.block()
        pkt.add_block(tree, block)
        return
    if not pkt.wants(_ADDR_BLOCK[is_dst]):
        if not is_dst and mac[0] & 1:
            _src_group(pkt, NULL_ITEM)
        return
    _address_items(pkt.add, tree, mac, off, is_dst, pkt)


def _address_items(add: Callable[..., Item], tree: Item | None, mac: bytes, off: int,
                   is_dst: bool, pkt: Packet | None = None) -> Item:
    """The address item and the items under it (Packet.add's, or a BlockBuilder's:
    no `pkt`, no group source address)."""
    text, code, addr_label = _mac_text(mac)
    f, res, oui, oui_res, lg, ig = _DST_FIELDS if is_dst else _SRC_FIELDS
    item = add(tree, f, mac, off, 6)
    if pkt is not None and not is_dst and mac[0] & 1:
        _src_group(pkt, item)
    vendor = oui_name(code)
    # (tshark's order, visible in -T json: the hidden resolved/OUI items come first)
    add(item, res, text, off, 6, hidden=True)
    add(item, oui, code, off, 3, hidden=True)
    if vendor is not None:
        add(item, oui_res, vendor, off, 6, hidden=True)
    add(item, ADDR, mac, off, 6, addr_label)
    add(item, ADDR_RESOLVED, text, off, 6, hidden=True)
    add(item, ADDR_OUI, code, off, 3, hidden=True)
    if vendor is not None:
        add(item, ADDR_OUI_RESOLVED, vendor, off, 6, hidden=True)
    lg_bit = bool(mac[0] & 2)
    ig_bit = bool(mac[0] & 1)
    add(item, lg, lg_bit, off, 3)
    add(item, LG, lg_bit, off, 3, hidden=True)
    add(item, ig, ig_bit, off, 3)
    add(item, IG, ig_bit, off, 3, hidden=True)
    return item


def _src_group(pkt: Packet, item: Item) -> None:
    """A source address with the group bit set: tshark's warning, on the Source item."""
    pkt.add_expert(item, "warning", "protocol", SRC_NOT_GROUP.name, "eth", field=SRC_NOT_GROUP)


def dissect_eth(tvb: Tvb, pkt: Packet, session: Session) -> None:
    _dissect_eth(tvb, pkt, session, True)


def dissect_eth_nofcs(tvb: Tvb, pkt: Packet, session: Session) -> None:
    """Wireshark's eth_withoutfcs: a frame inside a tunnel never ends in a guessed FCS."""
    _dissect_eth(tvb, pkt, session, False)


def _dissect_eth(tvb: Tvb, pkt: Packet, session: Session, fcs: bool) -> None:
    session.current_proto = "eth"
    off = tvb.start
    buf = tvb.buf
    if tvb.end - off < 14:  # (cut short: the columns say what was read, as tshark's)
        pkt.proto_col = "Ethernet"
        if tvb.end - off >= 6:
            pkt.dst = _mac_text(bytes(buf[off: off + 6]))[0]
        if tvb.end - off >= 12:
            pkt.src = _mac_text(bytes(buf[off + 6: off + 12]))[0]
    if off + 14 > tvb.end:  # (tvb.need inlined: a call a packet saved)
        tvb.need(off, 14)
    # (one copy: compiled, bytes are read natively; a bytes buffer's slice is native too,
    # its bounds checked just above: see Tvb)
    hdr = buf[off: off + 14] if isinstance(buf, bytes) else bytes(buf[off: off + 14])
    dst = hdr[:6]
    src = hdr[6:12]
    etype = (hdr[12] << 8) | hdr[13]
    pkt.proto_col = "Ethernet"
    pkt.src = _mac_text(src)[0]
    pkt.dst = _mac_text(dst)[0]
    pkt.dl_dst = dst
    if etype <= 1500:
        # Novell's raw 802.3: IPX's 0xFFFF checksum where LLC's SAPs would be
        raw = tvb.end - off >= 16 and buf[off + 14] == 0xFF and buf[off + 15] == 0xFF
        tree = pkt.add_proto(ETH, off, 14, "IEEE 802.3 Ethernet Raw " if raw else
                             "IEEE 802.3 Ethernet ")  # (tshark 4.0 appends no addresses)
        _address(pkt, tree, dst, off, True)
        _address(pkt, tree, src, off + 6, False)
        pkt.add(tree, LEN, etype, off + 12, 2)
        payload = tvb.sub(off + 14, min(etype, tvb.rend - off - 14))
        BY_NAME["ipx" if raw else "llc"](payload, pkt, session)
        _trailer(pkt, tree, tvb, off + 14 + etype, off, fcs, "eth")
        return
    wanted = pkt.wanted
    # (a protocol item's value is its label: made whenever the protocol is asked for)
    tree = pkt.add_proto(ETH, off, 14, f"Ethernet II, Src: {pkt.src}, Dst: {pkt.dst}"
                         if wanted is None or "eth" in wanted else None)
    # (a tree-less dissection that reads no address item only checks the source's group bit)
    if wanted is None or src[0] & 1 or wanted and not wanted.isdisjoint(_ADDR_ANY):
        _address(pkt, tree, dst, off, True)
        _address(pkt, tree, src, off + 6, False)
    layers = pkt.layers
    if layers is not None and "eth" not in layers:
        pass
    elif etype in ETHERTYPE_NAMES:
        pkt.add(tree, TYPE, etype, off + 12, 2)
    else:  # (named from tshark's whole table, or Unknown)
        pkt.add(tree, TYPE, etype, off + 12, 2,
                f"Type: {ETHERTYPE_ALL.get(etype, 'Unknown')} (0x{etype:04x})")
    dissect_ethertype(etype, tvb.sub(off + 14), pkt, session, tree, fcs)


def dissect_ethertype(etype: int, tvb: Tvb, pkt: Packet, session: Session,
                      tree: Item | None, fcs: bool = True) -> None:
    """Hand the payload to the dissector for `etype`, then show any trailer."""
    pkt.protocols.append(ETHERTYPE_PROTO.abbrev)
    fn = ETHERTYPE.entries.get(etype)  # (the table's dict: a call a packet saved)
    if fn is None:
        pkt.proto_col = f"0x{etype:04x}"
        pkt.set_info("Ethernet II")
        BY_NAME["data"](tvb, pkt, session)
        return
    pkt.proto_data.pop(PAYLOAD_LENGTH, None)  # (the network layer below this one sets it)
    before = len(pkt.protocols)
    marks = -1  # (a trailer's note goes before the payload's; a trailer needs a tree)
    if tree is not None:
        notes = pkt.index.get(_NOTE_KEYS[0])
        marks = len(notes) if notes else 0
    try:
        used = fn(tvb, pkt, session)
    except (BoundsError, ReportedBoundsError):
        ETHERTYPE.name_called(fn, pkt.protocols, before)
        # packet-ethertype.c shows the exception, then the trailer after what the
        # network layer claimed: the trailer items first, the exception on the way up.
        # The exception's item sits at this payload's start (-T pdml shows it): the
        # innermost ethertype catches it first.
        pkt.proto_data.setdefault(EXCEPTION_AT, (tvb.start, tvb.source))
        claimed = pkt.proto_data.pop(PAYLOAD_LENGTH, None)  # (shown once)
        if claimed is not None and tree is not None:
            _trailer(pkt, tree, tvb, tvb.start + claimed, tvb.start - 14, fcs, "ethertype",
                     marks)
        raise
    if isinstance(used, int) and not isinstance(used, bool) and tree is not None:
        _trailer(pkt, tree, tvb, tvb.start + used, tvb.start - 14, fcs, "ethertype", marks)


#: The index keys every note has one item of (expert.add_expert_items).
_NOTE_KEYS: Final = ("_ws.expert", "_ws.expert.message", "_ws.expert.severity",
                     "_ws.expert.group")


def _note_first(pkt: Packet, marks: int) -> None:
    """Move the note just added back to `marks`, before the payload's notes: -T fields
    gives a field's values in the tree's order, and Ethernet's subtree comes first."""
    for key in _NOTE_KEYS:
        lst = pkt.index.get(key)
        if lst is not None and len(lst) > marks + 1:
            lst.insert(marks, lst.pop())


def _trailer(pkt: Packet, tree: Item, tvb: Tvb, end: int, frame_start: int,
             fcs: bool = True, proto: str = "eth", marks: int = -1) -> None:
    """Bytes after the payload's own length, as tshark's add_ethernet_trailer splits them:
    padding of zeros up to 60 bytes, a trailer, and (guessed) a 4-byte FCS. Its note is
    the Ethertype dissector's after an ethertype (802.3 frames: Ethernet's)."""
    if end >= tvb.rend:
        return
    frame_len = tvb.rend - frame_start  # the Ethernet frame's reported length
    cap_len = tvb.end - end
    rep_len = tvb.rend - end
    has_fcs = fcs and frame_len >= 64 and rep_len >= 4
    if has_fcs:
        rep_len -= 4
        cap_len = min(cap_len, rep_len)
    pad_len = 0
    bad_padding = False
    # (a frame inside a tunnel: tshark 4.0 finds no padding there, all is trailer)
    if fcs and end - frame_start < _MIN_FRAME <= frame_len:
        pad_len = min(_MIN_FRAME - (end - frame_start), cap_len)
        if any(tvb.buf[end: end + pad_len]):
            pad_len, bad_padding = 0, True
        elif pad_len:
            pkt.add(tree, PADDING, bytes(tvb.buf[end: end + pad_len]), end, pad_len)
    t_off, t_len = end + pad_len, cap_len - pad_len
    if t_len > 0:
        item = pkt.add(tree, TRAILER, bytes(tvb.buf[t_off: t_off + t_len]), t_off, t_len)
        if bad_padding:
            pkt.add_expert(item, "note", "protocol",
                           "Didn't find padding of zeros, and an undecoded trailer exists. "
                           "There may be padding of non-zeros.", proto, field=PADDING_BAD)
            if marks >= 0:
                _note_first(pkt, marks)
    if has_fcs and tvb.end - end >= rep_len + 4:
        f_off = end + rep_len
        fcs_v = int.from_bytes(tvb.buf[f_off: f_off + 4], "big")
        pkt.add(tree, FCS, fcs_v, f_off, 4, f"Frame check sequence: 0x{fcs_v:08x} [unverified]")
        pkt.add(tree, FCS_STATUS, 2, f_off, 0, "FCS Status: Unverified", generated=True)


LINKTYPE.register(1, dissect_eth, "eth")
register_dissector("eth", dissect_eth)
register_dissector("eth_withoutfcs", dissect_eth_nofcs)
ETHERTYPE.register(0x6558, dissect_eth_nofcs, "eth")
register_conversation(ConversationSpec("eth", "Ethernet", "eth", "eth.src", "eth.dst"))
register_learner_layer("eth", "Ethernet", "link")
register_learner_unclaimed("eth.padding", "padding", "link")
register_learner_unclaimed("eth.trailer", "trailer", "link")
