"""The `frame` pseudo-protocol and the entry point of a full dissection.

`dissect()` runs the link-layer dissector for the frame's link type and turns any
bounds exception into Wireshark's `[Malformed Packet]` / short-frame marking, so a
damaged packet never stops the capture.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from typing import Any, Final

from captures.frame import Frame
from dissectors.dispatch import BY_NAME, LINKTYPE, take_secrets
from dissectors.escape import comment_text, format_str
from dissectors.expert import MALFORMED, MALFORMED_EXPERT, MALFORMED_REASSEMBLY
from dissectors.format import bit_pattern
from dissectors.packet import KEEP, Block, BlockBuilder, Item, Packet, cached_block
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import (
    BoundsError,
    ReassemblyError,
    ReportedBoundsError,
    Tvb,
    UnreassembledError,
)

FRAME: Final = protocol("frame", "Frame", "FRAME")
ENCAP: Final = FRAME.field("frame.encap_type", "Encapsulation type", FT.INT16, Base.DEC)
TIME: Final = FRAME.field("frame.time", "Arrival Time", FT.ABSOLUTE_TIME)
OFFSET_SHIFT: Final = FRAME.field("frame.offset_shift", "Time shift for this packet", FT.RELATIVE_TIME)
TIME_EPOCH: Final = FRAME.field("frame.time_epoch", "Epoch Time", FT.RELATIVE_TIME, time_point=True)
TIME_DELTA: Final = FRAME.field("frame.time_delta", "Time delta from previous captured frame",
                         FT.RELATIVE_TIME)
TIME_DELTA_DISP: Final = FRAME.field("frame.time_delta_displayed",
                              "Time delta from previous displayed frame", FT.RELATIVE_TIME)
TIME_REL: Final = FRAME.field("frame.time_relative", "Time since reference or first frame",
                       FT.RELATIVE_TIME)
NUMBER: Final = FRAME.field("frame.number", "Frame Number", FT.UINT32, Base.DEC)
LEN: Final = FRAME.field("frame.len", "Frame Length", FT.UINT32, Base.DEC, unit=" bytes")
CAP_LEN: Final = FRAME.field("frame.cap_len", "Capture Length", FT.UINT32, Base.DEC, unit=" bytes")
MARKED: Final = FRAME.field("frame.marked", "Frame is marked", FT.BOOLEAN)
IGNORED: Final = FRAME.field("frame.ignored", "Frame is ignored", FT.BOOLEAN)
PROTOCOLS: Final = FRAME.field("frame.protocols", "Protocols in frame", FT.STRING)
INTERFACE_ID: Final = FRAME.field("frame.interface_id", "Interface id", FT.UINT32, Base.DEC)
SECTION_NUMBER: Final = FRAME.field("frame.section_number", "Section number", FT.UINT32, Base.DEC,
                            blurb="The number of the file section this frame is in")
INTERFACE_NAME: Final = FRAME.field("frame.interface_name", "Interface name", FT.STRING,
                             blurb="The friendly name for this interface")
INTERFACE_DESCRIPTION: Final = FRAME.field("frame.interface_description", "Interface description",
                                    FT.STRING, blurb="The description for this interface")
COMMENT: Final = FRAME.field("frame.comment", "Comment", FT.STRING)
COMMENT_EXPERT: Final = FRAME.field("frame.comment.expert", "Formatted comment", FT.NONE)
PKT_COMMENT: Final = protocol("pkt_comment", "Packet comments", "Pkt_Comment")
# pcapng epb_flags (packet-frame.c's hf_frame_pack_flags and its bits).
_SET: Final = ("Set", "Not set")
PACK_FLAGS: Final = FRAME.field("frame.packet_flags", "Packet flags", FT.UINT32, Base.HEX)
_PACK_BITS: Final = (
    FRAME.field("frame.packet_flags_direction", "Direction", FT.UINT32, Base.HEX,
                bitmask=0x3, strings={0: "Unknown", 1: "Inbound", 2: "Outbound"}),
    FRAME.field("frame.packet_flags_reception_type", "Reception type", FT.UINT32, Base.DEC,
                bitmask=0x1C, strings={0: "Not specified", 1: "Unicast", 2: "Multicast",
                                       3: "Broadcast", 4: "Promiscuous"}),
    FRAME.field("frame.packet_flags_fcs_length", "FCS length", FT.UINT32, Base.DEC,
                bitmask=0x1E0),
    FRAME.field("frame.packet_flags_reserved", "Reserved", FT.UINT32, Base.DEC,
                bitmask=0xFE00),
) + tuple(
    FRAME.field(f"frame.packet_flags_{abbrev}", name, FT.BOOLEAN,
                bitmask=1 << bit, strings=_SET)
    for bit, abbrev, name in (  # (Wireshark's bit names)
        (24, "crc_error", "CRC error"),
        (25, "packet_too_error", "Packet too long error"),
        (26, "packet_too_short_error", "Packet too short error"),
        (27, "wrong_inter_frame_gap_error", "Wrong interframe gap error"),
        (28, "unaligned_frame_error", "Unaligned frame error"),
        (29, "start_frame_delimiter_error", "Start frame delimiter error"),
        (30, "preamble_error", "Preamble error"),
        (31, "symbol_error", "Symbol error"),
    )
)
P2P_DIR: Final = FRAME.field("frame.p2p_dir", "Point-to-Point Direction", FT.INT8, Base.DEC,
                      strings={-1: "Unknown", 0: "Sent", 1: "Received"})
#: epb_flags direction -> (the Frame line's suffix, Wireshark's p2p_dir).
_DIRECTIONS: Final = {1: (" (inbound)", 1), 2: (" (outbound)", 0)}

STRING_ERRORS: Final = protocol("_ws.string", "String Errors", "String errors")
# A string item whose bytes go on after its NUL (proto.c's detect_trailing_stray_characters).
TRAILING_STRAY: Final = STRING_ERRORS.field("_ws.string.trailing_stray_characters",
                                     "Trailing stray characters", FT.NONE)
SHORT: Final = protocol("_ws.short", "Short Frame", "Short")
UNREASSEMBLED: Final = protocol("_ws.unreassembled", "Unreassembled Fragmented Packet",
                         "Unreassembled fragmented packet")
UNREASSEMBLED_EXPERT: Final = UNREASSEMBLED.field(
    "_ws.unreassembled.expert", "Unreassembled fragment (change preferences to enable "
    "reassembly)", FT.NONE)

_ENCAP_NAMES: Final = {
    0: ("NULL/Loopback", 15), 1: ("Ethernet", 1), 101: ("Raw IP", 7), 12: ("Raw IP", 7),
    14: ("Raw IP", 7), 228: ("Raw IPv4", 129), 229: ("Raw IPv6", 130),
    113: ("Linux cooked-mode capture v1", 25), 276: ("Linux cooked-mode capture v2", 210),
    108: ("OpenBSD loopback", 54),
    6: ("Token Ring", 2),
    10: ("FDDI with bit-swapped MAC addresses", 6),
    107: ("Frame Relay", 26),
}


#: The frame items every packet has (one check skips them all when none is wanted).
_FRAME_BLOCK: Final = frozenset(f.abbrev for f in (
    ENCAP, TIME, OFFSET_SHIFT, TIME_EPOCH, TIME_DELTA, TIME_DELTA_DISP, TIME_REL, NUMBER, LEN,
    CAP_LEN, MARKED, IGNORED))


def _iface_name(frame: Frame) -> str:
    """An interface's if_name, even empty (tshark prints it so); "unknown" without one."""
    return "unknown" if frame.interface_name is None else frame.interface_name


def _bits(n: int) -> str:
    return f"{n} bytes ({n * 8} bits)"


#: Set (to anything) to build the full tree even where a caller asks for a tree-less
#: dissection: the tests compare both ways on every capture.
FULL_TREE_ENV: Final = "LABSHARK_FULL_TREE"
_primed: tuple[Collection[str] | None, frozenset[str] | None, frozenset[str] | None] = (
    None, None, None)


def interesting(wanted: Collection[str] | None) -> frozenset[str] | None:
    """The fields a tree-less dissection makes: the caller's plus those dissectors read
    from each other (packet.KEEP); None (the full tree) when the environment forces it."""
    return _prime(wanted)[1]


def _prime(wanted: Collection[str] | None) -> tuple[Any, frozenset[str] | None,
                                                     frozenset[str] | None]:
    """(wanted, the interesting fields, the protocols they belong to), once a run."""
    global _primed
    if wanted is None:
        return (None, None, None)
    if _primed[0] is not wanted:  # (one set a run: computed once)
        if os.environ.get(FULL_TREE_ENV):
            _primed = (wanted, None, None)
        else:
            fields = frozenset(wanted) | KEEP
            _primed = (wanted, fields, _layers_of(fields))
    return _primed


def _layers_of(fields: frozenset[str]) -> frozenset[str]:
    """The protocols whose own fields are among `fields` (a name no field has counts by
    its prefix, so an unknown name never hides a layer's items)."""
    from dissectors.registry import REGISTRY

    out: set[str] = set()
    for name in fields:
        f = REGISTRY.fields.get(name)
        proto = f.protocol if f is not None else None
        out.add(proto.abbrev if proto is not None else name.split(".", 1)[0])
        out.add(name.split(".", 1)[0])
    return frozenset(out)


def dissect(frame: Frame, session: Session,
            wanted: Collection[str] | None = None) -> Packet:
    """Dissect one frame; never raises for bad packet bytes.

    `wanted` None builds the full labelled tree (-V, JSON, the API); a set of field
    names builds it tree-less: columns, conversation state and expert notes as always,
    but items only for those fields (and the top-level protocol items), no labels.
    """
    pkt = Packet(frame)
    pkt.show_ours = session.show_ours
    pkt.tree_visible = session.tree_visible
    if frame.secrets:
        take_secrets(frame.secrets, session)
    if wanted is not None:
        _w, pkt.wanted, pkt.layers = _prime(wanted)
        pkt.tree_on = pkt.wanted is None
        pkt.tshark_tree = not KEEP.issuperset(wanted) if session.tshark_tree is None \
            else session.tshark_tree
    else:
        pkt.indexed = session.indexed
        if session.tshark_tree is not None:
            pkt.tshark_tree = session.tshark_tree
    if pkt.tree_on:
        session.trees += 1
    else:
        session.treeless += 1
    ts = frame.ts_ns
    if session.first_ts is None:
        session.first_ts = ts
    prev = session.prev_ts if session.prev_ts is not None else ts
    pkt.rel_ns = ts - session.first_ts
    pkt.delta_ns = ts - prev
    session.prev_ts = ts
    pkt.delta_disp_ns = pkt.delta_ns

    enc_name, wtap_encap = _ENCAP_NAMES.get(frame.linktype, ("Unknown", -1))
    if frame.comment:
        # tshark's "Packet comments" tree comes first: the comment, and a Comment expert
        # note carrying it; tshark 4.0 prints both with their tabs and line ends as they
        # are (comment_text: other control characters escaped).
        pc = pkt.add_proto(PKT_COMMENT, 0, 0, "Packet comments", in_stack=False)
        ci = pkt.add(pc, COMMENT, frame.comment, 0, 0, comment_text(frame.comment))
        # ("Frame": Wireshark's current_proto there, not the FRAME short name)
        pkt.add_expert(ci, "comment", "comment", frame.comment, "Frame", field=COMMENT_EXPERT,
                       escape=comment_text)
    tree_on = pkt.tree_on
    # (a protocol item's value is its label: made whenever the protocol is asked for)
    top = pkt.add_proto(
        FRAME, 0, frame.caplen,
        f"Frame {frame.number}: {frame.origlen} bytes on wire ({frame.origlen * 8} bits), "
        f"{frame.caplen} bytes captured ({frame.caplen * 8} bits)"
        # (a file's interface name is escaped in labels, where tshark prints it raw)
        + (f" on interface {format_str(_iface_name(frame))}, "
           f"id {frame.interface_id}"
           + (_DIRECTIONS[frame.flags & 3][0]
              if frame.flags is not None and frame.flags & 3 in _DIRECTIONS else "")
           if frame.interface_known else "")
        if tree_on or "frame" in pkt.wanted else None,  # type: ignore[operator]
        in_stack=False)
    add = pkt.add  # (a dozen items a frame: skip the attribute lookup)
    layers = pkt.layers
    items = layers is None or "frame" in layers  # (pkt.wants_layer, inlined)
    if items and frame.interface_known:
        if frame.section:
            add(top, SECTION_NUMBER, frame.section, 0, 0)
        if pkt.wanted is None:
            pkt.add_block(top, cached_block(_IFACE_BLOCKS, (
                frame.interface_id, _iface_name(frame), frame.interface_description),
                _iface_items, frame, True))
        else:
            _iface_items(add, top, frame, tree_on)
    if items and frame.flags is not None:
        if pkt.wanted is None:
            pkt.add_block(top, cached_block(_FLAGS_BLOCKS, (frame.flags,), _add_pack_flags,
                                            frame.flags, True))
        else:
            _add_pack_flags(add, top, frame.flags, tree_on)
    if items and pkt.wanted is None:  # (the constant lines: prebuilt, packet.Block)
        blocks = _SIZE_BLOCKS.get((wtap_encap, enc_name, frame.origlen, frame.caplen)) or \
            _size_blocks(wtap_encap, enc_name, frame.origlen, frame.caplen)
        # (pkt.add itself, not a local bound method: compiled, that is a direct call)
        pkt.add_block(top, blocks[0])
        pkt.add(top, TIME, ts, 0, 0)
        pkt.add_block(top, blocks[1])
        pkt.add(top, TIME_EPOCH, ts, 0, 0)
        pkt.add(top, TIME_DELTA, pkt.delta_ns, 0, 0, generated=True)
        pkt.add(top, TIME_DELTA_DISP, pkt.delta_disp_ns, 0, 0, generated=True)
        pkt.add(top, TIME_REL, pkt.rel_ns, 0, 0, generated=True)
        pkt.add(top, NUMBER, frame.number, 0, 0)
        pkt.add_block(top, blocks[2])
    elif items and pkt.wants(_FRAME_BLOCK):  # (a tree-less dissection mostly skips them)
        add(top, ENCAP, wtap_encap, 0, 0,
            f"Encapsulation type: {enc_name} ({wtap_encap})" if tree_on else None)
        add(top, TIME, ts, 0, 0)
        add(top, OFFSET_SHIFT, 0, 0, 0, generated=True)
        add(top, TIME_EPOCH, ts, 0, 0)
        add(top, TIME_DELTA, pkt.delta_ns, 0, 0, generated=True)
        add(top, TIME_DELTA_DISP, pkt.delta_disp_ns, 0, 0, generated=True)
        add(top, TIME_REL, pkt.rel_ns, 0, 0, generated=True)
        add(top, NUMBER, frame.number, 0, 0)
        _size_items(add, top, frame.origlen, frame.caplen, tree_on)
    if items and frame.flags is not None and frame.flags & 3 in _DIRECTIONS:
        add(top, P2P_DIR, _DIRECTIONS[frame.flags & 3][1], 0, 0)
    protos_item = add(top, PROTOCOLS, "", 0, 0, generated=True) if items else None

    data = frame.data
    # (the reader's memoryview copied once into bytes: each layer's indexing, slicing and
    # bytes() of it are then the bytes type's own, not memoryview's, which cost more)
    tvb = Tvb(data if isinstance(data, bytes) else bytes(data), 0, frame.caplen,
              max(frame.origlen, frame.caplen))
    fn = LINKTYPE.entries.get(frame.linktype)  # (the table's dict: a call a packet saved)
    if fn is None:
        pkt.proto_col = f"WTAP_ENCAP = {wtap_encap}" if wtap_encap >= 0 else "UNKNOWN"
        pkt.set_info(f"WTAP_ENCAP = {wtap_encap}")
        pkt.add_expert(top, "note", "undecoded",
                       f"Link type {frame.linktype} is not decoded by labshark", "frame",
                       ours=True)
        BY_NAME["data"](tvb, pkt, session)
    else:
        call_protected(fn, tvb, pkt, session)
    if protos_item is not None:
        protos_item.value = ":".join(pkt.protocols)
    return pkt


def _size_items(add: Callable[..., Item], top: Item | None, origlen: int, caplen: int,
                tree_on: bool) -> None:
    """The lengths and the marked / ignored lines (Packet.add's or a BlockBuilder's)."""
    _length_items(add, top, origlen, caplen, tree_on)
    _mark_items(add, top)


def _length_items(add: Callable[..., Item], top: Item | None, origlen: int, caplen: int,
                  tree_on: bool) -> None:
    add(top, LEN, origlen, 0, 0, f"Frame Length: {_bits(origlen)}" if tree_on else None)
    add(top, CAP_LEN, caplen, 0, 0, f"Capture Length: {_bits(caplen)}" if tree_on else None)


def _mark_items(add: Callable[..., Item], top: Item | None) -> None:
    add(top, MARKED, False, 0, 0, generated=True)
    add(top, IGNORED, False, 0, 0, generated=True)


#: (encapsulation, its name, frame length, captured length) -> the frame's constant lines in
#: full trees, three runs of siblings (packet.Block): the encapsulation type; the time
#: shift; the lengths with the marked and ignored lines. Bounded. (Its own cache, not
#: packet.cached_block's: three blocks under one key, found with one look-up a packet.)
#: Only the lengths' two items are a length's own: the encapsulation's and the time
#: shift's blocks are one per encapsulation (`_ENCAP_BLOCKS`), the marked and ignored
#: items one pair in every lengths block (`_MARKS`), so that each process of a split
#: run holds ~1 KB a frame length, not ~2.3 KB (its items and their texts: s18-memjson).
_SIZE_BLOCKS: Final[dict[tuple[int, str, int, int], tuple[Block, Block, Block]]] = {}
_ENCAP_BLOCKS: Final[dict[tuple[int, str], tuple[Block, Block]]] = {}
_MARKS: Final[list[Block]] = []


def _size_blocks(wtap_encap: int, enc_name: str, origlen: int,
                 caplen: int) -> tuple[Block, Block, Block]:
    if len(_SIZE_BLOCKS) >= 4096:  # (about as many frame lengths as an MTU allows)
        _SIZE_BLOCKS.clear()
    shared = _ENCAP_BLOCKS.get((wtap_encap, enc_name))
    if shared is None:  # (one per link type of _ENCAP_NAMES, and "Unknown")
        encap = BlockBuilder()
        encap.add(None, ENCAP, wtap_encap, 0, 0,
                  f"Encapsulation type: {enc_name} ({wtap_encap})")
        shift = BlockBuilder()
        shift.add(None, OFFSET_SHIFT, 0, 0, 0, generated=True)
        shared = _ENCAP_BLOCKS[(wtap_encap, enc_name)] = (encap.block(), shift.block())
    if not _MARKS:
        marks = BlockBuilder()
        _mark_items(marks.add, None)
        _MARKS.append(marks.block())
    mark = _MARKS[0]
    sizes = BlockBuilder()
    _length_items(sizes.add, None, origlen, caplen, True)
    blocks = _SIZE_BLOCKS[(wtap_encap, enc_name, origlen, caplen)] = (
        shared[0], shared[1],
        Block(tuple(sizes.heads) + mark.heads, tuple(sizes.pairs) + mark.index))
    return blocks


def _iface_items(add: Callable[..., Item], top: Item | None, frame: Frame,
                 tree_on: bool) -> None:
    """The interface id and its name (and description) under it."""
    name = _iface_name(frame)
    iid = add(top, INTERFACE_ID, frame.interface_id, 0, 0,
              f"Interface id: {frame.interface_id} ({format_str(name)})"
              if tree_on else None)
    add(iid, INTERFACE_NAME, name, 0, 0)
    if frame.interface_description:
        add(iid, INTERFACE_DESCRIPTION, frame.interface_description, 0, 0)


#: (interface id, name, description) -> its subtree (packet.cached_block), full trees
#: only; (epb_flags,) -> theirs.
_IFACE_BLOCKS: Final[dict[tuple[int, str, str | None], Block]] = {}
_FLAGS_BLOCKS: Final[dict[tuple[int], Block]] = {}


def _add_pack_flags(add: Callable[..., Item], top: Item | None, flags: int,
                    tree_on: bool) -> None:
    """The epb_flags word and its bit fields (packet-frame.c adds them after the
    interface, before the encapsulation type)."""
    fl = add(top, PACK_FLAGS, flags, 0, 0)
    for f in _PACK_BITS:
        v = flags & f.bitmask
        if f.type is FT.BOOLEAN:
            add(fl, f, bool(v), 0, 0)
            continue
        v >>= f.shift
        text = None
        if isinstance(f.strings, dict) and v not in f.strings and tree_on:
            num = f"0x{v:x}" if f.base is Base.HEX else str(v)  # (1 hex digit: the mask's)
            text = f"{bit_pattern(f, v)} = {f.name}: Unknown ({num})"
        add(fl, f, v, 0, 0, text)


def call_protected(fn, tvb: Tvb, pkt: Packet, session: Session) -> None:  # noqa: ANN001
    """Run a dissector, marking (not raising) a malformed or cut-short packet."""
    try:
        fn(tvb, pkt, session)
    except UnreassembledError:
        mark_unreassembled(pkt, session.current_proto)
    except ReassemblyError as e:
        mark_reassembly_error(pkt, session.current_proto, str(e))
    except ReportedBoundsError:
        mark_malformed(pkt, session.current_proto)
    except BoundsError:
        mark_short(pkt, session.current_proto)
    except RecursionError:
        # Tunnels nested hundreds deep (VXLAN in VXLAN...) outgrow the call stack before
        # tshark's own bound (500 layers, a "Dissector bug" note): the frame ends there as
        # malformed instead of the whole run stopping on an internal error.
        mark_malformed(pkt, session.current_proto)


def _exception_at(pkt: Packet) -> tuple[int, int]:
    """Where show_exception puts its item: the payload of the ethertype step that caught
    the exception (eth.py records it), else the frame's start."""
    return pkt.proto_data.get("ethertype.exception_at", (0, 0))


def mark_malformed(pkt: Packet, proto: str) -> None:
    from dissectors.registry import REGISTRY

    p = REGISTRY.protocols.get(proto)
    name = p.short if p else proto
    at, src = _exception_at(pkt)
    item = pkt.add_proto(MALFORMED, at, 0, f"[Malformed Packet: {name}]", source=src,
                         in_stack=False)
    item.value = f"[Malformed Packet: {name}]"
    pkt.malformed = True
    pkt.add_expert(item, "error", "malformed", "Malformed Packet (Exception occurred)", proto,
                   field=MALFORMED_EXPERT)
    pkt.append_info("[Malformed Packet]")


def mark_reassembly_error(pkt: Packet, proto: str, message: str) -> None:
    """show_exception's ReassemblyError: a `_ws.malformed` item and an error note."""
    from dissectors.registry import REGISTRY

    p = REGISTRY.protocols.get(proto)
    text = f"[Reassembly error, protocol {p.short if p else proto}: {message}]"
    at, src = _exception_at(pkt)
    item = pkt.add_proto(MALFORMED, at, 0, text, source=src, in_stack=False)
    item.value = text
    pkt.malformed = True
    pkt.add_expert(item, "error", "malformed", message, proto, field=MALFORMED_REASSEMBLY)
    pkt.append_info(text)


def mark_unreassembled(pkt: Packet, proto: str) -> None:
    from dissectors.registry import REGISTRY

    p = REGISTRY.protocols.get(proto)
    name = p.short if p else proto
    text = f"[BoundError Unreassembled Packet: {name}]"
    at, src = _exception_at(pkt)
    item = pkt.add_proto(UNREASSEMBLED, at, 0, text, source=src, in_stack=False)
    item.value = text
    pkt.add_expert(item, "note", "reassemble", UNREASSEMBLED_EXPERT.name, proto,
                   field=UNREASSEMBLED_EXPERT)
    pkt.append_info("[BoundErrorUnreassembled Packet]")


def mark_short(pkt: Packet, proto: str) -> None:
    from dissectors.registry import REGISTRY

    p = REGISTRY.protocols.get(proto)
    name = p.short if p else proto
    # At the frame's start (-T pdml's pos="0"): packet-ethertype.c's CATCH_NONFATAL_ERRORS
    # lets a BoundsError through to the frame, whose show_exception has the frame's tvb
    # (the malformed items above sit at the ethertype payload's start).
    item = pkt.add_proto(SHORT, 0, 0, f"[Packet size limited during capture: {name} truncated]",
                         in_stack=False)
    item.value = f"[Packet size limited during capture: {name} truncated]"
    # Wireshark's show_exception appends this (no leading space) for a BoundsError; a
    # payload merely cut short by the snapshot length raises none (see data.py).
    pkt.append_info("[Packet size limited during capture]")
