"""IPv6 (RFC 8200) with its extension header chain and fragment reassembly.

    0                   1                   2                   3
    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   |Version| Traffic Class |           Flow Label                  |
   |         Payload Length        |  Next Header  |   Hop Limit   |
   |                  Source Address (16 bytes)                    |
   |               Destination Address (16 bytes)                  |
   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
Hop-by-hop (0), routing (43), fragment (44) and destination options (60) headers
are walked here, each as its own protocol in frame.protocols as Wireshark names
them (ipv6.hopopts, ipv6.routing, ipv6.fraghdr, ipv6.dstopts). Fragments are
collected per (src, dst, identification); the frame completing a datagram carries
the upper layer.
"""

from __future__ import annotations

import mmap
from collections.abc import Callable
from typing import Final

from dissectors.dispatch import (
    BY_NAME,
    ETHERTYPE,
    IP_PROTO,
    LINKTYPE,
    NULL_FAMILY,
    PAYLOAD_LENGTH,
    register_dissector,
)
from dissectors.format import ipv6_str
from dissectors.ip import call_payload
from dissectors.ip_fields import _DSCP, _DSCP_SHORT, _ECN, _ECN_SHORT
from dissectors.ipv6_fields import (
    _FRAGMENT_FIELDS,
    ADDR,
    DST,
    DST_6TO4_GW,
    DST_6TO4_SLA,
    DST_HOST,
    DST_ISATAP,
    DST_SLAAC,
    DST_TC,
    DST_TC_PORT,
    DST_TS,
    DSTOPTS,
    DSTOPTS_LEN,
    DSTOPTS_LEN_OCT,
    DSTOPTS_NXT,
    EXT_HEADERS,
    FLOW,
    FRAG_IDENT,
    FRAG_MORE,
    FRAG_NXT,
    FRAG_OFFSET,
    FRAG_RESERVED_BITS,
    FRAG_RESERVED_OCTET,
    FRAGHDR,
    GW_6TO4,
    HLIM,
    HOPOPTS,
    HOPOPTS_LEN,
    HOPOPTS_LEN_OCT,
    HOPOPTS_NOT_FIRST,
    HOPOPTS_NXT,
    HOST,
    INVALID_HEADER,
    IP_VERSION,
    IPV6,
    ISATAP,
    NXT,
    NXT_NAMES,
    OPT,
    OPT_ACTION,
    OPT_CHANGE,
    OPT_HEADER_MISMATCH,
    OPT_JUMBO,
    OPT_JUMBO_PROHIBITED,
    OPT_LENGTH,
    OPT_NAMES,
    OPT_PAD1,
    OPT_PADN,
    OPT_RA,
    OPT_REST,
    OPT_TEL,
    OPT_TYPE,
    OPT_UNKNOWN,
    PLEN,
    PLEN_EXCEEDS,
    PLEN_ZERO,
    REASSEMBLED_IN,
    ROUTING,
    ROUTING_LEN,
    ROUTING_LEN_OCT,
    ROUTING_NXT,
    ROUTING_TYPES,
    SLA_6TO4,
    SLAAC,
    SRC,
    SRC_6TO4_GW,
    SRC_6TO4_SLA,
    SRC_HOST,
    SRC_ISATAP,
    SRC_SLAAC,
    SRC_TC,
    SRC_TC_PORT,
    SRC_TS,
    TC,
    TC_PORT,
    TCLASS,
    TCLASS_DSCP,
    TCLASS_ECN,
    TS,
    VERSION,
)
from dissectors.ipv6_routing import routing_header
from dissectors.offers import (
    ConversationSpec,
    register_conversation,
    register_learner_layer,
    register_learner_reassembled,
    register_untapped,
)
from dissectors.packet import NULL_ITEM, Block, Item, Packet, cached_block
from dissectors.reassembly import (
    FragmentTable,
    add_fragments_tree,
    reassembled_in,
)
from dissectors.session import Session
from dissectors.tvb import Tvb


def _bits(v: int, mask: int, width: int) -> str:
    out = []
    for i in range(width - 1, -1, -1):
        out.append(("1" if v >> i & 1 else "0") if mask >> i & 1 else ".")
        if i and i % 4 == 0:
            out.append(" ")
    return "".join(out)


def _tclass_items(add: Callable[..., Item], tree: Item | None, tc: int, off: int,
                  tree_on: bool) -> None:
    """The traffic class and its DSCP and ECN (Packet.add's or a BlockBuilder's)."""
    dscp, ecn = tc >> 2, tc & 3
    labels: tuple[str | None, ...] = (None, None, None)
    if tree_on:
        w0 = tc << 20
        dscp_short = "EF PHB" if dscp == 46 else _DSCP_SHORT.get(dscp, "Unknown")
        labels = (f"{_bits(w0, 0x0FF00000, 32)} = Traffic Class: 0x{tc:02x} "
                  f"(DSCP: {dscp_short}, ECN: {_ECN_SHORT[ecn]})",
                  f"{_bits(w0, 0x0FC00000, 32)} = Differentiated Services Codepoint: "
                  f"{_DSCP.get(dscp, 'Unknown')} ({dscp})",
                  f"{_bits(w0, 0x00300000, 32)} = Explicit Congestion Notification: "
                  f"{_ECN[ecn]} ({ecn})")
    tci = add(tree, TCLASS, tc, off, 4, labels[0])
    add(tci, TCLASS_DSCP, dscp, off, 4, labels[1])
    add(tci, TCLASS_ECN, ecn, off, 4, labels[2])


#: (traffic class, header offset) -> its subtree (packet.Block), full trees only. Bounded.
_TCLASS_BLOCKS: Final[dict[tuple[int, int], Block]] = {}


def _address(pkt: Packet, tree: Item, addr: bytes, off: int, is_src: bool) -> None:
    """The address and its hidden host/addr twins: a block in a full tree (nothing goes
    under them), else one by one."""
    if pkt.wanted is None:
        pkt.add_block(tree, cached_block(_ADDR_BLOCKS, (addr, off, is_src), _address_items))
    else:
        _address_items(pkt.add, tree, addr, off, is_src)


def _address_items(add: Callable[..., Item], tree: Item | None, addr: bytes, off: int,
                   is_src: bool) -> None:
    f, host_f = (SRC, SRC_HOST) if is_src else (DST, DST_HOST)
    text = ipv6_str(addr)
    add(tree, f, addr, off, 16)
    add(tree, ADDR, addr, off, 16, hidden=True)
    add(tree, host_f, text, off, 16, hidden=True)
    add(tree, HOST, text, off, 16, hidden=True)


def _head_items(add: Callable[..., Item], tree: Item | None, tc: int, flow: int,
                off: int) -> None:
    """A whole version-6 header's first lines (version, traffic class, flow label), for
    a full tree: what dissect_ipv6 adds one by one, with its labels."""
    add(tree, VERSION, 6, off, 1, "0110 .... = Version: 6")
    add(tree, IP_VERSION, 6, off, 1, '0110 .... = Version: 6 [This field makes the filter '
        'match on "ip.version == 6" possible]', hidden=True)
    _tclass_items(add, tree, tc, off, True)
    add(tree, FLOW, flow, off + 1, 3, f"{_bits(flow, 0xFFFFF, 24)} = Flow Label: 0x{flow:05x}")


def _next_items(add: Callable[..., Item], tree: Item | None, nxt: int, hlim: int,
                off: int) -> None:
    """Next header and hop limit (labelled: a full tree's)."""
    add(tree, NXT, nxt, off + 6, 1, f"Next Header: {NXT_NAMES.get(nxt, 'Unknown')} ({nxt})")
    add(tree, HLIM, hlim, off + 7, 1)


#: packet.cached_block's caches of a full tree's fixed IPv6 lines: (traffic class, flow
#: label, offset); (next header, hop limit, offset); (address, offset, is source).
_HEAD_BLOCKS: Final[dict[tuple[int, int, int], Block]] = {}
_NEXT_BLOCKS: Final[dict[tuple[int, int, int], Block]] = {}
_ADDR_BLOCKS: Final[dict[tuple[bytes, int, bool], Block]] = {}


def _address_details(pkt: Packet, tree: Item, addr: bytes, off: int, is_src: bool) -> None:
    """What an address embeds (6to4, Teredo, SLAAC MAC, ISATAP), after both addresses."""
    if addr[:2] == b"\x20\x02":
        gw = int.from_bytes(addr[2:6], "big")
        sla = int.from_bytes(addr[6:8], "big")
        pkt.add(tree, SRC_6TO4_GW if is_src else DST_6TO4_GW, gw, off + 2, 4, generated=True)
        pkt.add(tree, GW_6TO4, gw, off + 2, 4, hidden=True, generated=True)
        pkt.add(tree, SRC_6TO4_SLA if is_src else DST_6TO4_SLA, sla, off + 6, 2,
                generated=True)
        pkt.add(tree, SLA_6TO4, sla, off + 6, 2, hidden=True, generated=True)
    elif addr[:4] == b"\x20\x01\x00\x00":
        server = int.from_bytes(addr[4:8], "big")
        port = int.from_bytes(addr[10:12], "big") ^ 0xFFFF
        client = int.from_bytes(addr[12:16], "big") ^ 0xFFFFFFFF
        for specific, generic, v, o, n in (
                (SRC_TS if is_src else DST_TS, TS, server, 4, 4),
                (SRC_TC_PORT if is_src else DST_TC_PORT, TC_PORT, port, 10, 2),
                (SRC_TC if is_src else DST_TC, TC, client, 12, 4)):
            pkt.add(tree, specific, v, off + o, n, generated=True)
            pkt.add(tree, generic, v, off + o, n, hidden=True, generated=True)
    if addr[11] == 0xFF and addr[12] == 0xFE and addr[8] & 0x02:
        # (only a universal MAC, its U/L bit inverted into the interface id, counts)
        mac = bytes([addr[8] ^ 0x02]) + addr[9:11] + addr[13:16]
        pkt.add(tree, SRC_SLAAC if is_src else DST_SLAAC, mac, off + 8, 8, generated=True)
        pkt.add(tree, SLAAC, mac, off + 8, 8, hidden=True, generated=True)
    if addr[8:12] in (b"\x00\x00\x5e\xfe", b"\x02\x00\x5e\xfe"):
        v4 = int.from_bytes(addr[12:16], "big")
        pkt.add(tree, SRC_ISATAP if is_src else DST_ISATAP, v4, off + 12, 4, generated=True)
        pkt.add(tree, ISATAP, v4, off + 12, 4, hidden=True, generated=True)


def upper_layer(b: bytes | mmap.mmap, off: int, e: int) -> int:
    """Where the header after the IPv6 header at b[off:e] and its hop-by-hop and
    destination options headers (at most 7) starts: its offset << 8 | its next header
    value; -1 when a cheap walk cannot tell (not IPv6, cut, a longer chain). The one
    walk of skipping.state_key and release.udp_flow, which read every frame: one int,
    nothing boxed when compiled; each caller says what -1 and other headers mean."""
    if e - off < 40 or b[off] >> 4 != 6:
        return -1
    nxt: int = b[off + 6]
    at = off + 40
    for _ in range(8):
        if nxt != 0 and nxt != 60:
            return at << 8 | nxt
        if e - at < 2:
            return -1
        nxt, at = b[at], at + (b[at + 1] + 1) * 8
    return -1


def ipv6_hlim(pkt: Packet) -> int | None:
    """The hop limit of the packet's last IPv6 header so far (ICMPv6's Info shows it)."""
    return pkt.proto_data.get("ipv6.hlim")


def dissect_ipv6(tvb: Tvb, pkt: Packet, session: Session) -> int | None:
    session.current_proto = "ipv6"
    off = tvb.start
    b = tvb.buf
    pkt.proto_col = "IPv6"
    pkt.clear_info()
    tree = pkt.add_proto(IPV6, off, 40, "Internet Protocol Version 6")
    tvb.need(off, 1)
    version = b[off] >> 4
    # (a full tree of a whole version-6 header: its fixed lines are prebuilt blocks; a
    # cut header shows what it holds, one by one)
    blocks = pkt.wanted is None and version == 6 and tvb.end - off >= 40
    if not blocks:
        pkt.add(tree, VERSION, version, off, 1, f"{version:04b} .... = Version: {version}")
        pkt.add(tree, IP_VERSION, version, off, 1,
                f'{version:04b} .... = Version: {version} [This field makes the filter match '
                f'on "ip.version == {version}" possible]' if pkt.tree_on else None,
                hidden=True)
    if version != 6:
        pkt.set_info(f"Bogus IP version ({version})")
        return None
    if tvb.rend - off < 40:  # (a header the packet's own length cuts: before reading on)
        pkt.add_expert(tree, "error", "malformed", "IPv6 header must be exactly 40 bytes",
                       "ipv6", field=INVALID_HEADER)
        pkt.set_info(f"Invalid IPv6 header ({tvb.rend - off} bytes, need exactly 40)")
    w0 = tvb.u32(off)
    tc = (w0 >> 20) & 0xFF
    flow = w0 & 0xFFFFF
    # (a tree-less dissection nobody reads IPv6's items from skips making them)
    items = pkt.wants_layer("ipv6")
    plen_item = NULL_ITEM
    if not items:
        plen = tvb.u16(off + 4)
        nxt = tvb.u8(off + 6)
    elif blocks:  # (the payload length alone may get a note: one by one)
        pkt.add_block(tree, cached_block(_HEAD_BLOCKS, (tc, flow, off), _head_items))
        plen = tvb.u16(off + 4)
        plen_item = pkt.add(tree, PLEN, plen, off + 4, 2)
        nxt = tvb.u8(off + 6)
        pkt.add_block(tree, cached_block(_NEXT_BLOCKS, (nxt, b[off + 7], off), _next_items))
    else:  # (in the order they are read: a cut header shows what it holds)
        if pkt.wanted is None:  # (the traffic class's subtree: built once per value)
            pkt.add_block(tree, cached_block(_TCLASS_BLOCKS, (tc, off), _tclass_items, tc,
                                             off, True))
        else:
            _tclass_items(pkt.add, tree, tc, off, False)
        pkt.add(tree, FLOW, flow, off + 1, 3,
                f"{_bits(flow, 0xFFFFF, 24)} = Flow Label: 0x{flow:05x}"
                if pkt.tree_on else None)  # (bit-pattern labels: for a tree someone reads)
        plen = tvb.u16(off + 4)
        nxt = tvb.u8(off + 6)  # (read before the length's item: a header cut at 6 shows none)
        plen_item = pkt.add(tree, PLEN, plen, off + 4, 2)
        pkt.add(tree, NXT, nxt, off + 6, 1,
                f"Next Header: {NXT_NAMES.get(nxt, 'Unknown')} ({nxt})" if pkt.tree_on else None)
    pkt.proto_data["ipv6.hlim"] = tvb.u8(off + 7)  # (ICMPv6's Info shows the last one)
    if items and not blocks:
        pkt.add(tree, HLIM, tvb.u8(off + 7), off + 7, 1)
    tvb.need(off + 8, 16)
    src = bytes(b[off + 8: off + 24])
    pkt.src, pkt.net_src = ipv6_str(src), src
    if items:
        _address(pkt, tree, src, off + 8, True)
    tvb.need(off + 24, 16)
    dst = bytes(b[off + 24: off + 40])
    pkt.dst, pkt.net_dst = ipv6_str(dst), dst
    if items:
        _address(pkt, tree, dst, off + 24, False)
        _address_details(pkt, tree, src, off + 8, True)
        _address_details(pkt, tree, dst, off + 24, False)
    tree.text = tree.value = f"Internet Protocol Version 6, Src: {pkt.src}, Dst: {pkt.dst}"
    reported = tvb.reported_length - 40
    # (tshark 4.0: a zero length is only noted, the payload stays empty, what follows the
    # header is the link layer's trailer; a length past the frame is a warning)
    if plen == 0 and nxt not in (0, 59):
        pkt.add_expert(plen_item, "chat", "protocol",
                       'IPv6 payload length equals 0 (maybe because of "TCP segmentation '
                       'offload" (TSO))', "ipv6", field=PLEN_ZERO)
    elif plen > reported:
        if not pkt.in_error_pkt:  # (a datagram quoted by ICMPv6 is cut: no complaint)
            pkt.add_expert(plen_item, "warning", "protocol",
                           f"IPv6 payload length exceeds framing length ({reported} bytes)",
                           "ipv6", field=PLEN_EXCEEDS)
        plen = reported
    used = 40 + plen
    pkt.proto_data.setdefault(PAYLOAD_LENGTH, used)  # (see ip.py)
    end = off + used
    pos = off + 40
    first = True
    while nxt in EXT_HEADERS:
        if nxt == 44:
            return _fragment(tvb, pkt, session, tree, pos, end, src, dst, used)
        try:
            nxt, pos = _ext_header(tvb, pkt, session, nxt, pos, first, plen)
        finally:  # (a header cut short is shown under IPv6's item too)
            _nest_last(pkt, tree)
        tree.length = pos - off  # (tshark's IPv6 item covers the headers it nests)
        first = False
    if nxt == 59:
        pkt.set_info("IPv6 no next header")
        if end > pos:  # bytes inside the payload length after "no next header": tshark's Data
            BY_NAME["data"](tvb.sub(pos, end - pos), pkt, session)
        return used
    _dispatch(nxt, tvb.sub(pos, max(end - pos, 0)), pkt, session)
    return used


def _nest_last(pkt: Packet, tree: Item) -> None:
    """Move the protocol item just added to the top level under the IPv6 item, where
    Wireshark shows extension headers (it stays in frame.protocols)."""
    if pkt.tree and pkt.tree[-1] is not tree:
        item = pkt.tree.pop()
        if tree.children is None:
            tree.children = []
        tree.children.append(item)


def _dispatch(nxt: int, sub: Tvb, pkt: Packet, session: Session) -> None:
    fn = IP_PROTO.get(nxt)
    if fn is None:
        name = NXT_NAMES.get(nxt)
        pkt.set_info(f"{name} ({nxt})" if name else f"Unknown ({nxt})")
        BY_NAME["data"](sub, pkt, session)
        return
    call_payload(fn, sub, pkt, session)


def _ext_header(tvb: Tvb, pkt: Packet, session: Session, kind: int, pos: int,
                first: bool, plen: int) -> tuple[int, int]:
    """One hop-by-hop, routing or destination options header; returns (next, end)."""
    b = tvb.buf
    proto, nxt_f, len_f, len_oct_f = {
        0: (HOPOPTS, HOPOPTS_NXT, HOPOPTS_LEN, HOPOPTS_LEN_OCT),
        60: (DSTOPTS, DSTOPTS_NXT, DSTOPTS_LEN, DSTOPTS_LEN_OCT),
        43: (ROUTING, ROUTING_NXT, ROUTING_LEN, ROUTING_LEN_OCT)}[kind]
    session.current_proto = proto.abbrev
    if kind == 0:
        pkt.set_info("IPv6 hop-by-hop options")  # (packet-ipv6.c's, before any read)
    if pos + 2 > tvb.end:  # (called, so in frame.protocols, though nothing shows)
        pkt.protocols.append(proto.abbrev)
        tvb.need(pos, 2)
    nxt, hlen = b[pos], b[pos + 1]
    size = (hlen + 1) * 8
    title = proto.name
    if kind == 43:
        tvb.need(pos, 4)
        rtype = b[pos + 2]
        title = f"{proto.name} ({ROUTING_TYPES.get(rtype, 'Unknown')})"
    top = pkt.add_proto(proto, pos, min(size, tvb.end - pos), title)  # (what was captured)
    if kind != 43:
        top.value = proto.abbrev  # what tshark's -e prints for these two
    if kind == 0 and not first:
        pkt.add_expert(top, "error", "protocol", HOPOPTS_NOT_FIRST.name, "ipv6.hopopts",
                       field=HOPOPTS_NOT_FIRST)
    pkt.add(top, nxt_f, nxt, pos, 1)
    pkt.add(top, len_f, hlen, pos + 1, 1)
    pkt.add(top, len_oct_f, size, pos + 1, 1, f"Length: {size} bytes", generated=True)
    if kind == 43:
        tvb.need(pos, size)
        routing_header(pkt, top, tvb, pos, size)
    else:  # (options cut short show up to the first byte missing, then it throws)
        _options(pkt, top, tvb, pos + 2, pos + size, kind == 0, plen)
    session.current_proto = "ipv6"
    return nxt, pos + size


def _options(pkt: Packet, top: Item, tvb: Tvb, pos: int, end: int, hop: bool,
             plen: int) -> None:
    """TLV options of a hop-by-hop (`hop`) or destination options header."""
    b = tvb.buf
    while pos < end:
        if pos + 2 > tvb.end:
            tvb.need(pos, min(2, end - pos))
        t = b[pos]
        name = OPT_NAMES.get(t, f"Unknown IPv6 Option (0x{t:02x})")
        if t == 0:
            o = pkt.add(top, OPT, None, pos, 1, name)
            _opt_type(pkt, o, t, pos, name, hop)
            pkt.add(o, OPT_PAD1, None, pos, 1, "Pad1")
            pos += 1
            continue
        if pos + 2 > end:
            break
        olen = b[pos + 1]
        o = pkt.add(top, OPT, None, pos, min(2 + olen, tvb.end - pos), name)
        _opt_type(pkt, o, t, pos, name, hop)
        pkt.add(o, OPT_LENGTH, olen, pos + 1, 1)
        if pos + 2 + olen > tvb.end:
            tvb.need(pos + 2, min(olen, end - pos - 2))
        data = bytes(b[pos + 2: min(pos + 2 + olen, end)])
        d = pos + 2
        if t == 1:
            pkt.add(o, OPT_PADN, data, d, olen, f"PadN: {data.hex() or '<none>'}")
        elif t == 5 and olen == 2:
            pkt.add(o, OPT_RA, int.from_bytes(data, "big"), d, 2)
        elif t == 4 and olen == 1:
            pkt.add(o, OPT_TEL, data[0], d, 1)
        elif t == 0xC2 and olen == 4:
            pkt.add(o, OPT_JUMBO, int.from_bytes(data, "big"), d, 4)
            if plen:
                pkt.add_expert(o, "warning", "protocol", OPT_JUMBO_PROHIBITED.name, "ipv6",
                               field=OPT_JUMBO_PROHIBITED)
        elif olen:
            pkt.add(o, OPT_UNKNOWN, data, d, olen)
        pos += 2 + olen


_HOP_ONLY: Final = (5, 0xC2)  # Router Alert and Jumbo Payload belong in hop-by-hop options


def _opt_type(pkt: Packet, item: Item, t: int, pos: int, name: str, hop: bool) -> None:
    ti = pkt.add(item, OPT_TYPE, t, pos, 1, f"Type: {name} (0x{t:02x})")
    if t in _HOP_ONLY and not hop:
        pkt.add_expert(ti, "warning", "protocol",
                       f"{name} must use a hop-by-hop options header", "ipv6",
                       field=OPT_HEADER_MISMATCH)
    if t == 0:
        return  # Pad1's type has no bit fields in Wireshark's tree
    pkt.add(ti, OPT_ACTION, t >> 6, pos, 1)
    pkt.add(ti, OPT_CHANGE, bool(t & 0x20), pos, 1)
    pkt.add(ti, OPT_REST, t & 0x1F, pos, 1)


def _fragment(tvb: Tvb, pkt: Packet, session: Session, ipv6_tree: Item, pos: int, end: int,
              src: bytes, dst: bytes, used: int) -> int:
    session.current_proto = "ipv6.fraghdr"
    b = tvb.buf
    tvb.need(pos, 8)
    nxt, rsv = b[pos], b[pos + 1]
    offm = tvb.u16(pos + 2)
    ident = tvb.u32(pos + 4)
    frag_off, more = (offm >> 3) * 8, bool(offm & 1)
    top = pkt.add_proto(FRAGHDR, pos, 8, FRAGHDR.name)
    top.value = FRAGHDR.abbrev  # what tshark's -e prints
    _nest_last(pkt, ipv6_tree)
    pkt.add(top, FRAG_NXT, nxt, pos, 1)
    pkt.add(top, FRAG_RESERVED_OCTET, rsv, pos + 1, 1)
    pkt.add(top, FRAG_OFFSET, offm >> 3, pos + 2, 2,
            f"{_bits(offm, 0xFFF8, 16)} = Offset: {offm >> 3} ({frag_off} bytes)")
    pkt.add(top, FRAG_RESERVED_BITS, (offm >> 1) & 3, pos + 2, 2)
    pkt.add(top, FRAG_MORE, more, pos + 2, 2,
            f"{_bits(offm, 0x0001, 16)} = More Fragments: {'Yes' if more else 'No'}")
    pkt.add(top, FRAG_IDENT, ident, pos + 4, 4)
    session.current_proto = "ipv6"
    payload = pos + 8
    if not more and frag_off == 0:  # atomic fragment: nothing to reassemble
        _dispatch(nxt, tvb.sub(payload, max(end - payload, 0)), pkt, session)
        return used
    key = (src, dst, ident)
    data = bytes(b[payload: min(end, tvb.end)])
    done = session.state("ipv6.fragments", FragmentTable).add(
        key, (pkt.frame.number, frag_off, data, more))
    if done is None:
        # Wireshark 4.0 shows a fragment it cannot reassemble yet as data and returns
        # before its ipv6 tap: the -z ipv6_* trees, conv/endpoints,ipv6 skip this header.
        pkt.proto_data.setdefault("ipv6.untapped", set()).add(id(ipv6_tree))
        pkt.set_info(f"IPv6 fragment (off={frag_off} more={'y' if more else 'n'} "
                     f"ident=0x{ident:08x} nxt={nxt})")
        done_in = reassembled_in(session, "ipv6", key, pkt.frame.number)
        if done_in is not None:
            pkt.add(ipv6_tree, REASSEMBLED_IN, done_in, 0, 0,
                    f"Reassembled IPv6 in frame: {done_in}", generated=True)
        BY_NAME["data"](tvb.sub(payload, max(end - payload, 0)), pkt, session)
        return used
    whole, frags, marks = done
    ipv6_tree.length = pos + 8 - ipv6_tree.offset  # (tshark's, once it reassembled)
    source = add_fragments_tree(pkt, session, "ipv6", ipv6_tree, _FRAGMENT_FIELDS, key, whole,
                                frags, marks)
    _dispatch(nxt, Tvb(whole, 0, len(whole), len(whole), source), pkt, session)
    return used


ETHERTYPE.register(0x86DD, dissect_ipv6, "ipv6")
IP_PROTO.register(41, dissect_ipv6, "ipv6")
LINKTYPE.register(229, dissect_ipv6, "ipv6")
for _family in (24, 28, 30):
    NULL_FAMILY.register(_family, dissect_ipv6, "ipv6")
register_dissector("ipv6", dissect_ipv6)
register_conversation(ConversationSpec("ipv6", "IPv6", "ipv6", "ipv6.src", "ipv6.dst"))
register_learner_layer("ipv6", "IPv6", "network")
register_learner_reassembled("ipv6.fragments")


def ipv6_untapped(pkt: Packet) -> set[int]:
    """Ids of the IPv6 headers that never reached the ipv6 tap (see _fragment)."""
    return pkt.proto_data.get("ipv6.untapped", set())


register_untapped("ipv6", ipv6_untapped)
