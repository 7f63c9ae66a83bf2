"""IPv4 (RFC 791), with fragment reassembly as Wireshark does it by default.

    0                   1                   2                   3
    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   |Version|  IHL  |Type of Service|          Total Length         |
   |         Identification        |Flags|      Fragment Offset    |
   |  Time to Live |    Protocol   |         Header Checksum       |
   |                       Source Address                          |
   |                    Destination Address                        |
   |                    Options                    |    Padding    |

Fragments are collected per (src, dst, id, proto); the frame that completes a
datagram carries the upper layers, the others show `Fragmented IP protocol`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Final

from dissectors.dispatch import (
    BY_NAME,
    ETHERTYPE,
    IP_PROTO,
    LINKTYPE,
    NULL_FAMILY,
    PAYLOAD_LENGTH,
    Dissector,
    register_dissector,
)
from dissectors.format import hex_pad, ipv4_text
from dissectors.ip_fields import (
    _DSCP_SHORT,
    _ECN_SHORT,
    _FRAGMENT_FIELDS,
    _LNCB_ANY_TTL,
    _LNCB_TTL_255,
    ADDR,
    BOGUS_HEADER_LEN,
    BOGUS_LEN,
    CHECKSUM,
    CHECKSUM_STATUS_F,
    DSCP,
    DSFIELD,
    DST,
    DST_HOST,
    ECN,
    EMPTY_RT,
    FLAGS,
    FLAGS_DF,
    FLAGS_MF,
    FLAGS_RB,
    FRAG_OFFSET,
    HDR_LEN,
    HOST,
    ID,
    IP,
    IP_PROTO_NAMES,
    LEN,
    OPT_LEN,
    OPT_PADDING,
    OPT_PROTOS,
    OPT_PTR,
    OPT_RA,
    OPT_TYPE,
    OPT_TYPE_CLASS,
    OPT_TYPE_COPY,
    OPT_TYPE_NUMBER,
    OPTION_NAMES,
    PROTO,
    REASSEMBLED_IN,
    REC_RT,
    SRC,
    SRC_HOST,
    TTL,
    TTL_LNCB,
    TTL_TOO_SMALL,
    VERSION,
)
from dissectors.offers import (
    ConversationSpec,
    register_conversation,
    register_learner_layer,
    register_learner_reassembled,
)
from dissectors.packet import NULL_ITEM, Block, Item, Packet, cached_block
from dissectors.reassembly import (
    FragmentTable,
    add_fragments_tree,
    reassembled_in,
)
from dissectors.session import Session
from dissectors.tvb import BoundsError, ReportedBoundsError, Tvb

_HDR: Final = struct.Struct(">BBHHHBBH4s4s")


def _checksum(hdr: bytes) -> int:
    s = sum(struct.unpack(f">{len(hdr) // 2}H", hdr[: len(hdr) // 2 * 2]))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


# Header labels that depend on one small field only, made once per value (each table
# is bounded by the field's width: 16 header lengths, 256 TOS bytes, 8 flag sets, 8192
# fragment offsets).
_HDR_LEN_LABELS: Final[dict[int, str]] = {}
_DS_LABELS: Final[dict[int, str]] = {}
_FLAGS_LABELS: Final[dict[int, str]] = {}
_FRAG_LABELS: Final[dict[int, str]] = {}


def _labels(table: dict[int, str], value: int, make: Callable[[int], str]) -> str:
    text = table.get(value)
    if text is None:
        text = table[value] = make(value)
    return text


def _hdr_len_label(ihl: int) -> str:
    return f".... {ihl:04b} = Header Length: {ihl * 4} bytes ({ihl})"


def _ds_label(tos: int) -> str:
    return (f"Differentiated Services Field: 0x{tos:02x} (DSCP: "
            f"{_DSCP_SHORT.get(tos >> 2, 'Unknown')}, ECN: {_ECN_SHORT[tos & 3]})")


def _flags_label(flags: int) -> str:
    names = [n for bit, n in ((2, "Don't fragment"), (4, "Reserved bit"), (1, "More fragments"))
             if flags & bit]
    ftext = f"Flags: 0x{flags:x}" + (", " + ", ".join(names) if names else "")
    return f"{flags:03b}. .... = {ftext}"


def _frag_label(frag_off: int) -> str:
    bits = f"{frag_off:013b}"
    return f"...{bits[0]} {bits[1:5]} {bits[5:9]} {bits[9:13]} = Fragment Offset: {frag_off * 8}"


#: The fixed header's items but the TTL (which ICMP's Info reads) and the addresses.
_HDR_BLOCK: Final = frozenset(f.abbrev for f in (
    VERSION, HDR_LEN, DSFIELD, DSCP, ECN, LEN, ID, FLAGS, FLAGS_RB, FLAGS_DF, FLAGS_MF,
    FRAG_OFFSET, PROTO, CHECKSUM, CHECKSUM_STATUS_F))
_ADDR_BLOCK: Final = frozenset(f.abbrev for f in (SRC, DST, ADDR, SRC_HOST, DST_HOST, HOST))


def _ds_items(add: Callable[..., Item], tree: Item | None, tos: int, off: int) -> Item:
    """The DS field and its two parts (Packet.add's or a BlockBuilder's)."""
    ds = add(tree, DSFIELD, tos, off + 1, 1, _labels(_DS_LABELS, tos, _ds_label))
    add(ds, DSCP, tos >> 2, off + 1, 1)
    add(ds, ECN, tos & 3, off + 1, 1)
    return ds


def _flags_items(add: Callable[..., Item], tree: Item | None, flags: int, off: int) -> Item:
    """The flags and their three bits (Packet.add's or a BlockBuilder's)."""
    fl = add(tree, FLAGS, flags, off + 6, 1, _labels(_FLAGS_LABELS, flags, _flags_label))
    add(fl, FLAGS_RB, bool(flags & 4), off + 6, 1)
    add(fl, FLAGS_DF, bool(flags & 2), off + 6, 1)
    add(fl, FLAGS_MF, bool(flags & 1), off + 6, 1)
    return fl


#: (value, header offset) -> the flags' subtree (packet.Block), built once for full
#: trees whose TTL line takes a note. Bounded.
_FLAGS_BLOCKS: Final[dict[tuple[int, int], Block]] = {}


def _version_items(add: Callable[..., Item], tree: Item | None, hlen: int, off: int) -> None:
    """The version and header length lines (Packet.add's or a BlockBuilder's)."""
    add(tree, VERSION, 4, off, 1, "0100 .... = Version: 4")
    add(tree, HDR_LEN, hlen, off, 1, _labels(_HDR_LEN_LABELS, hlen >> 2, _hdr_len_label))


def _addr_items(add: Callable[..., Item], tree: Item | None, raw: bytes, text: str,
                at: int, is_src: bool) -> None:
    """An address's line and its hidden ip.addr, ip.src_host / ip.dst_host, ip.host."""
    v = int.from_bytes(raw, "big")
    add(tree, SRC if is_src else DST, v, at, 4)
    add(tree, ADDR, v, at, 4, hidden=True)
    add(tree, SRC_HOST if is_src else DST_HOST, text, at, 4, hidden=True)
    add(tree, HOST, text, at, 4, hidden=True)


def _head_items(add: Callable[..., Item], tree: Item | None, hlen: int, tos: int,
                off: int) -> None:
    """The version, header length and DS lines (a Block's: one run of siblings)."""
    _version_items(add, tree, hlen, off)
    _ds_items(add, tree, tos, off)


def _middle_items(add: Callable[..., Item], tree: Item | None, flags: int, frag_off: int,
                  ttl: int, proto: int, off: int) -> None:
    """The flags with their bits, the fragment offset, TTL and protocol lines (a Block's,
    when no TTL note goes under its line)."""
    _flags_items(add, tree, flags, off)
    add(tree, FRAG_OFFSET, frag_off, off + 6, 2, _labels(_FRAG_LABELS, frag_off, _frag_label))
    add(tree, TTL, ttl, off + 8, 1)
    add(tree, PROTO, proto, off + 9, 1)


def _src_items(add: Callable[..., Item], tree: Item | None, raw: bytes, text: str,
               off: int) -> None:
    """The checksum status (the same in every packet) and the source address's items."""
    add(tree, CHECKSUM_STATUS_F, 2, off + 10, 0, "Header checksum status: Unverified",
        generated=True)
    _addr_items(add, tree, raw, text, off + 12, True)


#: Full trees' runs of sibling lines whose items depend only on the key's values, built
#: once (packet.Block; bounded): (header length, DS field, offset) -> the version to DS
#: lines; (flags, fragment offset, TTL, protocol, offset) -> the flags to protocol lines;
#: (source address, its text, offset) -> the checksum status and the source's items;
#: (address, its text, offset, is it the source) -> an address's items.
_HEAD_BLOCKS: Final[dict[tuple[int, int, int], Block]] = {}
_MIDDLE_BLOCKS: Final[dict[tuple[int, int, int, int, int], Block]] = {}
_SRC_BLOCKS: Final[dict[tuple[bytes, str, int], Block]] = {}
_ADDR_BLOCKS: Final[dict[tuple[bytes, str, int, bool], Block]] = {}


def _check_ttl(pkt: Packet, item: Item, ttl: int, dst: bytes, proto: int) -> None:
    """tshark's TTL notes: RFC 3171's rule for 224.0.0.0/24, a small unicast TTL."""
    if dst[:3] == b"\xe0\x00\x00":
        igmp = proto == 2
        want = 255 if dst[3] in _LNCB_TTL_255 and not igmp else 1
        if ttl != want and (igmp or dst[3] != _LNCB_ANY_TTL):
            pkt.add_expert(item, "note", "sequence",
                           f'"Time To Live" != {want} for a packet sent to the Local Network '
                           "Control Block (see RFC 3171)", "ip", field=TTL_LNCB)
    elif dst[0] & 0xF0 != 0xE0 and ttl < 5 and proto not in (89, 103):  # not OSPF, PIM
        pkt.add_expert(item, "note", "sequence", f'"Time To Live" only {ttl}', "ip",
                       field=TTL_TOO_SMALL)


def _bogus_total(pkt: Packet, off: int, hlen: int, tos: int, total: int) -> None:
    """A total length below the header's (not 0, TSO's): packet-ip.c stops after the
    length's line, before it reads the addresses (no address columns, nor in the label)."""
    tree = pkt.add_proto(IP, off, hlen, "Internet Protocol Version 4")
    add = pkt.add
    _version_items(add, tree, hlen, off)
    _ds_items(add, tree, tos, off)
    item = add(tree, LEN, total, off + 2, 2,
               f"Total Length: {total} bytes (bogus, less than header length {hlen})")
    pkt.add_expert(item, "error", "protocol", "Bogus IP length", "ip", field=BOGUS_LEN)
    pkt.set_info(f"Bogus IP length ({total}, less than header length {hlen})")


def _cut_header(pkt: Packet, have: bytes, off: int, hlen: int) -> None:
    """A header cut inside its 20 bytes (`have`, at least its first byte): the items
    packet-ip.c adds before its read of the first missing byte throws (the protocol
    item's length what was captured; its label names the source once it was read)."""
    n = len(have)
    label = "Internet Protocol Version 4"
    if n >= 16:  # (the source's text is appended to the label once it was read)
        label += ", Src: " + ipv4_text(have[12:16])
    tree = pkt.add_proto(IP, off, min(hlen, n), label)
    add = pkt.add
    _version_items(add, tree, hlen, off)
    if n >= 2:
        _ds_items(add, tree, have[1], off)
    if n >= 4:
        total = int.from_bytes(have[2:4], "big")
        if total:
            add(tree, LEN, total, off + 2, 2)
    if n >= 6:
        add(tree, ID, int.from_bytes(have[4:6], "big"), off + 4, 2)
    if n >= 8:
        frag = int.from_bytes(have[6:8], "big")
        _flags_items(add, tree, frag >> 13, off)
        frag_off = frag & 0x1FFF
        add(tree, FRAG_OFFSET, frag_off, off + 6, 2, _labels(_FRAG_LABELS, frag_off, _frag_label))
    if n >= 9:
        add(tree, TTL, have[8], off + 8, 1)
    if n >= 10:
        add(tree, PROTO, have[9], off + 9, 1)
    if n >= 12:
        csum = int.from_bytes(have[10:12], "big")
        add(tree, CHECKSUM, csum, off + 10, 2,
            f"Header Checksum: 0x{hex_pad(csum, 4)} [validation disabled]" if pkt.tree_on else None)
        add(tree, CHECKSUM_STATUS_F, 2, off + 10, 0, "Header checksum status: Unverified",
            generated=True)
    if n >= 16:
        src = have[12:16]
        pkt.src = ipv4_text(src)
        _addr_items(add, tree, src, pkt.src, off + 12, True)


def ip_ttl(pkt: Packet) -> int | None:
    """The TTL of the packet's last IPv4 header so far (ICMP's Info shows it)."""
    return pkt.proto_data.get("ip.ttl")


def dissect_ip(tvb: Tvb, pkt: Packet, session: Session) -> int | None:
    session.current_proto = "ip"
    off = tvb.start
    buf = tvb.buf
    # (as packet-ip.c: the columns are IPv4's from the start, so a header cut short
    # inside a tunnel shows IPv4, with the source address if it was read)
    pkt.proto_col = "IPv4"
    pkt.clear_info()
    if off >= tvb.end:  # (tvb.need inlined: a call a packet saved)
        tvb.need(off, 1)
    vhl = tvb.u8(off)  # (native indexing compiled: see Tvb)
    hlen = (vhl & 0x0F) * 4
    if vhl >> 4 != 4:
        tree = pkt.add_proto(IP, off, 1, "Internet Protocol Version 4")
        pkt.add(tree, VERSION, vhl >> 4, off, 1, f"{vhl >> 4:04b} .... = Version: {vhl >> 4}")
        pkt.proto_col = "IPv4"
        pkt.set_info(f"Bogus IPv4 version ({vhl >> 4}, must be 4)")
        return None
    if hlen < 20:
        tree = pkt.add_proto(IP, off, 1, "Internet Protocol Version 4")
        pkt.add(tree, VERSION, 4, off, 1, "0100 .... = Version: 4")
        pkt.add(tree, HDR_LEN, hlen, off, 1,
                f".... {vhl & 0x0F:04b} = Header Length: {hlen} bytes ({vhl & 0xF})")
        pkt.proto_col = "IPv4"
        pkt.set_info(f"Bogus IPv4 header length ({hlen}, must be at least 20)")
        pkt.add_expert(tree, "error", "protocol",
                       f"Bogus IP header length ({hlen}, must be at least 20)", "ip",
                       field=BOGUS_HEADER_LEN)
        return None
    if off + 20 > tvb.end:
        _cut_header(pkt, bytes(buf[off:tvb.end]), off, hlen)
        tvb.need(off, 20)
    tos: int  # (typed: mypyc then unboxes struct's values once, not at each use)
    total: int
    ident: int
    frag: int
    ttl: int
    proto: int
    csum: int
    src: bytes
    dst: bytes
    (vhl, tos, total, ident, frag, ttl, proto, csum, src, dst) = _HDR.unpack_from(buf, off)
    if total and total < hlen:
        _bogus_total(pkt, off, hlen, tos, total)
        return None
    src_s = ipv4_text(src)  # (format.py's cache, keyed by the 4 bytes)
    dst_s = ipv4_text(dst)
    pkt.proto_col = "IPv4"
    pkt.src, pkt.dst = src_s, dst_s
    pkt.net_src, pkt.net_dst = src, dst
    wanted = pkt.wanted
    # (a protocol item's value is its label: made whenever the protocol is asked for)
    tree = pkt.add_proto(IP, off, hlen, f"Internet Protocol Version 4, Src: {src_s}, Dst: {dst_s}"
                         if wanted is None or "ip" in wanted else None)
    add = pkt.add
    # (a tree-less dissection mostly skips the header items)
    hdr = wanted is None or bool(wanted) and not wanted.isdisjoint(_HDR_BLOCK)
    if hdr:
        if wanted is None:
            pkt.add_block(tree, cached_block(_HEAD_BLOCKS, (hlen, tos, off), _head_items))
        else:
            _version_items(add, tree, hlen, off)
            _ds_items(add, tree, tos, off)
        len_item = pkt.add(tree, LEN, total, off + 2, 2) if total else tree
    else:
        len_item = tree
    reported = tvb.reported_length
    if total == 0:  # tshark's "TSO" case: the length is the packet's (not a bogus length)
        total = reported
        if hdr:
            len_item = add(tree, LEN, total, off + 2, 2,
                           f"Total Length: {total} bytes (reported as 0, presumed to be "
                           'because of "TCP segmentation offload" (TSO))', generated=True)
    if total > reported:
        if not pkt.in_error_pkt:  # (a datagram quoted by ICMP is cut: no complaint)
            pkt.add_expert(len_item, "error", "protocol",
                           f"IPv4 total length exceeds packet length ({reported} bytes)", "ip",
                           field=BOGUS_LEN)
        total = reported
    # (Wireshark's set_actual_length: the link layer's trailer starts after this, even
    # when the payload's dissection then fails)
    pkt.proto_data.setdefault(PAYLOAD_LENGTH, total)
    flags = frag >> 13
    frag_off = frag & 0x1FFF
    pkt.proto_data["ip.ttl"] = ttl  # (ICMP's Info shows the last one: ip_ttl)
    checked = ttl < 5 or dst[0] == 0xE0  # (only then can _check_ttl note anything)
    if hdr:
        pkt.add(tree, ID, ident, off + 4, 2)
    if wanted is None and not checked:
        pkt.add_block(tree, cached_block(_MIDDLE_BLOCKS, (flags, frag_off, ttl, proto, off),
                                         _middle_items))
    else:
        if hdr:
            if wanted is None:
                pkt.add_block(tree, cached_block(_FLAGS_BLOCKS, (flags, off), _flags_items))
            else:
                _flags_items(add, tree, flags, off)
            add(tree, FRAG_OFFSET, frag_off, off + 6, 2,
                _labels(_FRAG_LABELS, frag_off, _frag_label))
        ttl_item = add(tree, TTL, ttl, off + 8, 1) if hdr or pkt.wants_layer("ip") \
            else NULL_ITEM
        if checked:
            _check_ttl(pkt, ttl_item, ttl, dst, proto)
        if hdr:
            add(tree, PROTO, proto, off + 9, 1)
    if wanted is None:  # (addresses repeat: each one's items built once)
        pkt.add(tree, CHECKSUM, csum, off + 10, 2,
            f"Header Checksum: 0x{hex_pad(csum, 4)} [validation disabled]" if pkt.tree_on else None)
        pkt.add_block(tree, cached_block(_SRC_BLOCKS, (src, src_s, off), _src_items))
        pkt.add_block(tree, cached_block(_ADDR_BLOCKS, (dst, dst_s, off + 16, False),
                                         _addr_items))
    elif hdr:
        add(tree, CHECKSUM, csum, off + 10, 2,
            f"Header Checksum: 0x{hex_pad(csum, 4)} [validation disabled]" if pkt.tree_on else None)
        add(tree, CHECKSUM_STATUS_F, 2, off + 10, 0, "Header checksum status: Unverified",
            generated=True)
    if wanted and not wanted.isdisjoint(_ADDR_BLOCK):
        _addr_items(add, tree, src, src_s, off + 12, True)
        _addr_items(add, tree, dst, dst_s, off + 16, False)
    if hlen > 20:
        tvb.need(off, hlen)
        _options(pkt, tree, tvb, off + 20, off + hlen)

    payload_off = off + hlen
    payload_end = off + total
    more = bool(flags & 1)
    if more or frag_off:
        return _fragment(tvb, pkt, session, tree, src, dst, ident, proto, frag_off * 8, more,
                         payload_off, payload_end, total)
    if total <= hlen:
        return total  # (tshark 4.0 calls no next layer for an IPv4 payload of 0 bytes)
    sub = tvb.sub(payload_off, total - hlen)
    fn = IP_PROTO.entries.get(proto)
    if fn is None:
        _dispatch(proto, sub, pkt, session, tree)
    else:  # (_dispatch's common case inlined: a call a packet saved)
        call_payload(fn, sub, pkt, session)
    return total


def _fragment(tvb: Tvb, pkt: Packet, session: Session, tree: Item, src: bytes, dst: bytes,
              ident: int, proto: int, frag_off: int, more: bool, payload_off: int,
              payload_end: int, total: int) -> int:
    key = (src, dst, ident, proto)
    data = bytes(tvb.buf[payload_off: min(payload_end, tvb.end)])
    done = session.state("ip.fragments", FragmentTable).add(
        key, (pkt.frame.number, frag_off, data, more))
    if done is None:
        name = IP_PROTO_NAMES.get(proto, "Unknown")
        pkt.set_info(f"Fragmented IP protocol (proto={name} {proto}, off={frag_off}, "
                     f"ID={ident:04x})")
        done_in = reassembled_in(session, "ip", key, pkt.frame.number)
        if done_in is not None:
            pkt.add(tree, REASSEMBLED_IN, done_in, 0, 0, f"Reassembled IPv4 in frame: {done_in}",
                    generated=True)
            pkt.append_info(f" [Reassembled in #{done_in}]")
        BY_NAME["data"](tvb.sub(payload_off, payload_end - payload_off), pkt, session)
        return total
    whole, frags, marks = done
    source = add_fragments_tree(pkt, session, "ip", tree, _FRAGMENT_FIELDS, key, whole, frags,
                                marks)
    _dispatch(proto, Tvb(whole, 0, len(whole), len(whole), source), pkt, session, tree)
    return total


def _dispatch(proto: int, sub: Tvb, pkt: Packet, session: Session, tree: Item) -> None:
    fn = IP_PROTO.get(proto)
    if fn is None:
        name = IP_PROTO_NAMES.get(proto)
        pkt.set_info(f"{name} ({proto})" if name else f"Unknown ({proto})")
        BY_NAME["data"](sub, pkt, session)
        return
    call_payload(fn, sub, pkt, session)


def call_payload(fn: Dissector, sub: Tvb, pkt: Packet, session: Session) -> None:
    """Call the next layer's dissector as tshark 4.0 does: the layer is in frame.protocols
    once it is called, so a payload cut before the dissector added its protocol (a UDP
    header with nothing captured, a TCP header cut short) still names it there."""
    before = len(pkt.protocols)
    try:
        fn(sub, pkt, session)
    except (BoundsError, ReportedBoundsError):
        IP_PROTO.name_called(fn, pkt.protocols, before)
        raise

def _opt_item(pkt: Packet, parent: Item, t: int, buf: bytes | memoryview, off: int, n: int,
              text: str) -> Item:
    proto = OPT_PROTOS.get(t)
    if proto is None or proto.proto_field is None:
        return pkt.add_text(parent, text, off, n)
    return pkt.add(parent, proto.proto_field, bytes(buf[off:off + n]), off, n, text)


def _options(pkt: Packet, tree: Item, tvb: Tvb, off: int, end: int) -> None:
    opts = pkt.add_text(tree, f"Options: ({end - off} bytes)", off, end - off)
    buf = tvb.buf
    while off < end:
        t = buf[off]
        name = OPTION_NAMES.get(t, "Unknown")
        if t in (0, 1):
            o = _opt_item(pkt, opts, t, buf, off, 1, f"IP Option - {name}")
            _opt_type(pkt, o, t, off)
            off += 1
            if t == 0:
                if off < end:
                    pkt.add(opts, OPT_PADDING, bytes(buf[off:end]), off, end - off)
                break
            continue
        if off + 1 >= end:
            break
        olen = buf[off + 1]
        if olen < 2 or off + olen > end:
            break
        label = f"IP Option - {name} ({olen} bytes)"
        if t == 148 and olen == 4:
            ra = int.from_bytes(buf[off + 2: off + 4], "big")
            label += f": {'Router shall examine packet' if ra == 0 else 'Reserved'} ({ra})"
        o = _opt_item(pkt, opts, t, buf, off, olen, label)
        opts.text += f", {name}"  # type: ignore[operator]
        _opt_type(pkt, o, t, off)
        pkt.add(o, OPT_LEN, olen, off + 1, 1)
        if t == 7 and olen >= 3:  # Record Route
            ptr = buf[off + 2]
            pkt.add(o, OPT_PTR, ptr, off + 2, 1)
            p = off + 3
            while p + 4 <= off + olen:
                v = int.from_bytes(buf[p:p + 4], "big")
                used = p - off + 1 < ptr
                pkt.add(o, REC_RT if used else EMPTY_RT, v, p, 4)
                p += 4
        elif t == 148 and olen == 4:
            pkt.add(o, OPT_RA, int.from_bytes(buf[off + 2: off + 4], "big"), off + 2, 2)
        off += olen


def _opt_type(pkt: Packet, item: Item, t: int, off: int) -> None:
    ti = pkt.add(item, OPT_TYPE, t, off, 1)
    pkt.add(ti, OPT_TYPE_COPY, bool(t & 0x80), off, 1)
    pkt.add(ti, OPT_TYPE_CLASS, (t >> 5) & 3, off, 1)
    pkt.add(ti, OPT_TYPE_NUMBER, t & 0x1F, off, 1)


ETHERTYPE.register(0x0800, dissect_ip, "ip")
IP_PROTO.register(4, dissect_ip, "ip")
LINKTYPE.register(228, dissect_ip, "ip")
NULL_FAMILY.register(2, dissect_ip, "ip")
register_dissector("ip", dissect_ip)
register_conversation(ConversationSpec("ip", "IPv4", "ip", "ip.src", "ip.dst"))
register_learner_layer("ip", "IPv4", "network")
register_learner_reassembled("ip.fragments")
