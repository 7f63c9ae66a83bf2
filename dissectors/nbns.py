"""NetBIOS Name Service (RFC 1002, UDP port 137), as tshark 4.0 shows it.

DNS's message layout (ID, flags, four counts, questions, resource records) with
NetBIOS names in first-level encoding (`FRED<20>`), its own flag set (a Broadcast bit,
no Z/AD/CD) and two record types: NB (name flags and addresses) and NBSTAT (a node's
name table and statistics). The names are read with DNS's label reader
(dissectors/netbios_names.py); the fields are NBNS's own `nbns.*`, as Wireshark's
packet-nbt.c declares them.
"""

from __future__ import annotations

from dissectors.dispatch import UDP_PORT, register_claim, register_dissector, takes_all
from dissectors.dns import CLASSES
from dissectors.format import ipv4_str
from dissectors.netbios_names import (
    NETBIOS_NAME_LEN,
    bit_label,
    bitmask_header,
    get_nbns_name,
    name_with_type,
    printable_name,
    type_descr,
)
from dissectors.offers import register_learner_layer
from dissectors.packet import KEEP, Item, Packet
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.time_text import time_secs_str
from dissectors.tvb import Tvb

OPCODES = {0: "Name query", 5: "Registration", 6: "Release", 7: "Wait for acknowledgment",
           8: "Refresh", 9: "Refresh (alternate opcode)", 15: "Multi-homed registration"}
RCODES = {0: "No error", 1: "Request was invalidly formatted", 2: "Server failure",
          3: "Requested name does not exist", 4: "Request is not implemented",
          5: "Request was refused", 6: "Name is owned by another node",
          7: "Name is in conflict"}
T_NB, T_NBSTAT = 32, 33
TYPES = {T_NB: "NB", T_NBSTAT: "NBSTAT"}
OPCODE_WACK = 7
# The ONT value strings are keyed by the unshifted bits, so Wireshark finds a name
# only for 0 (B-node) in the bitfield line; the NB flags' appended text uses them all.
_ONT_NAMES = {0: "B-node", 1: "P-node", 2: "M-node", 3: "H-node"}
_YES_NO = ("Yes", "No")
_GROUP = ("Group name", "Unique name")

NBNS = protocol("nbns", "NetBIOS Name Service", "NBNS")
ID = NBNS.field("nbns.id", "Transaction ID", FT.UINT16, Base.HEX)
FLAGS = NBNS.field("nbns.flags", "Flags", FT.UINT16, Base.HEX)
F_RESPONSE = NBNS.field("nbns.flags.response", "Response", FT.BOOLEAN, bitmask=0x8000,
                        strings=("Message is a response", "Message is a query"))
F_OPCODE = NBNS.field("nbns.flags.opcode", "Opcode", FT.UINT16, Base.DEC, bitmask=0x7800,
                      strings=OPCODES)
F_AUTH = NBNS.field("nbns.flags.authoritative", "Authoritative", FT.BOOLEAN, bitmask=0x0400,
                    strings=("Server is an authority for domain",
                             "Server is not an authority for domain"))
F_TRUNC = NBNS.field("nbns.flags.truncated", "Truncated", FT.BOOLEAN, bitmask=0x0200,
                     strings=("Message is truncated", "Message is not truncated"))
F_RD = NBNS.field("nbns.flags.recdesired", "Recursion desired", FT.BOOLEAN, bitmask=0x0100,
                  strings=("Do query recursively", "Don't do query recursively"))
F_RA = NBNS.field("nbns.flags.recavail", "Recursion available", FT.BOOLEAN, bitmask=0x0080,
                  strings=("Server can do recursive queries",
                           "Server can't do recursive queries"))
F_BCAST = NBNS.field("nbns.flags.broadcast", "Broadcast", FT.BOOLEAN, bitmask=0x0010,
                     strings=("Broadcast packet", "Not a broadcast packet"))
F_RCODE = NBNS.field("nbns.flags.rcode", "Reply code", FT.UINT16, Base.DEC, bitmask=0x000F,
                     strings=RCODES)
COUNT_QUERIES = NBNS.field("nbns.count.queries", "Questions", FT.UINT16, Base.DEC)
COUNT_ANSWERS = NBNS.field("nbns.count.answers", "Answer RRs", FT.UINT16, Base.DEC)
COUNT_AUTH = NBNS.field("nbns.count.auth_rr", "Authority RRs", FT.UINT16, Base.DEC)
COUNT_ADD = NBNS.field("nbns.count.add_rr", "Additional RRs", FT.UINT16, Base.DEC)
NAME_FLAGS = NBNS.field("nbns.name_flags", "Name flags", FT.UINT16, Base.HEX)
NAME_GROUP = NBNS.field("nbns.name_flags.group", "Name type", FT.BOOLEAN, bitmask=0x8000,
                        strings=_GROUP)
NAME_ONT = NBNS.field("nbns.name_flags.ont", "ONT", FT.UINT16, Base.DEC, bitmask=0x6000,
                      strings={0: "B-node"})
NAME_DRG = NBNS.field("nbns.name_flags.drg", "Name is being deregistered", FT.BOOLEAN,
                      bitmask=0x1000, strings=_YES_NO)
NAME_CNF = NBNS.field("nbns.name_flags.cnf", "Name is in conflict", FT.BOOLEAN,
                      bitmask=0x0800, strings=_YES_NO)
NAME_ACT = NBNS.field("nbns.name_flags.act", "Name is active", FT.BOOLEAN, bitmask=0x0400,
                      strings=_YES_NO)
NAME_PRM = NBNS.field("nbns.name_flags.prm", "Permanent node name", FT.BOOLEAN,
                      bitmask=0x0200, strings=_YES_NO)
NB_FLAGS = NBNS.field("nbns.nb_flags", "Name flags", FT.UINT16, Base.HEX)
NB_GROUP = NBNS.field("nbns.nb_flags.group", "Name type", FT.BOOLEAN, bitmask=0x8000,
                      strings=_GROUP)
NB_ONT = NBNS.field("nbns.nb_flags.ont", "ONT", FT.UINT16, Base.DEC, bitmask=0x6000,
                    strings={0: "B-node"})
TYPE = NBNS.field("nbns.type", "Type", FT.UINT16, Base.DEC, strings=TYPES)
CLASS = NBNS.field("nbns.class", "Class", FT.UINT16, Base.DEC, strings=CLASSES)
NAME = NBNS.field("nbns.name", "Name", FT.STRING)
ADDR = NBNS.field("nbns.addr", "Addr", FT.IPv4)
NUM_NAMES = NBNS.field("nbns.number_of_names", "Number of names", FT.UINT8, Base.DEC)
UNIT_ID = NBNS.field("nbns.unit_id", "Unit ID", FT.ETHER)
NETBIOS_NAME = NBNS.field("nbns.netbios_name", "Name", FT.STRING)
TTL = NBNS.field("nbns.ttl", "Time to live", FT.UINT32, Base.DEC)
DATA_LENGTH = NBNS.field("nbns.data_length", "Data length", FT.UINT16, Base.DEC)
DATA = NBNS.field("nbns.data", "Data", FT.BYTES)
INCOMPLETE = NBNS.field("nbns.incomplete_entry", "incomplete entry", FT.NONE)
# The NBSTAT statistics after the name table, in wire order: (field, width).
STATS: tuple[tuple[Field, int], ...] = tuple(
    (NBNS.field(abbrev, name, t, base), w) for abbrev, name, t, base, w in (
        ("nbns.jumpers", "Jumpers", FT.UINT8, Base.HEX, 1),
        ("nbns.test_result", "Test result", FT.UINT8, Base.HEX, 1),
        ("nbns.version_number", "Version number", FT.UINT16, Base.HEX, 2),
        ("nbns.period_of_statistics", "Period of statistics", FT.UINT16, Base.HEX, 2),
        ("nbns.num_crcs", "Number of CRCs", FT.UINT16, Base.DEC, 2),
        ("nbns.num_alignment_errors", "Number of alignment errors", FT.UINT16, Base.DEC, 2),
        ("nbns.num_collisions", "Number of collisions", FT.UINT16, Base.DEC, 2),
        ("nbns.num_send_aborts", "Number of send aborts", FT.UINT16, Base.DEC, 2),
        ("nbns.num_good_sends", "Number of good sends", FT.UINT32, Base.DEC, 4),
        ("nbns.num_good_receives", "Number of good receives", FT.UINT32, Base.DEC, 4),
        ("nbns.numretransmits", "Number of retransmits", FT.UINT16, Base.DEC, 2),
        ("nbns.num_no_resource_conditions", "Number of no resource conditions", FT.UINT16,
         Base.DEC, 2),
        ("nbns.numcommand_blocks", "Number of command blocks", FT.UINT16, Base.DEC, 2),
        ("nbns.numpending_sessions", "Number of pending sessions", FT.UINT16, Base.DEC, 2),
        ("nbns.max_num_pending_sessions", "Max number of pending sessions", FT.UINT16,
         Base.DEC, 2),
        ("nbns.max_total_sessions_possible", "Max total sessions possible", FT.UINT16,
         Base.DEC, 2),
        ("nbns.session_data_packet_size", "Session data packet size", FT.UINT16, Base.DEC, 2),
    ))

_QUERY_FLAGS = (F_RESPONSE, F_OPCODE, F_TRUNC, F_RD, F_BCAST)
_RESPONSE_FLAGS = (F_RESPONSE, F_OPCODE, F_AUTH, F_TRUNC, F_RD, F_RA, F_BCAST, F_RCODE)
_WACK_FLAGS = _RESPONSE_FLAGS[:-1]
_NAME_FLAG_FIELDS = (NAME_GROUP, NAME_ONT, NAME_DRG, NAME_CNF, NAME_ACT, NAME_PRM)


def _class_name(c: int) -> str:
    return CLASSES.get(c, "Unknown")


def _tshark_tree(pkt: Packet) -> bool:
    """Whether tshark would build a tree here: for -V/JSON, and for a display filter or
    -e fields (ours is then tree-less with fields beyond what dissectors keep); not for
    a plain packet list or -z expert."""
    return pkt.wanted is None or not pkt.wanted <= KEEP


def _type_text(t: int) -> str | None:
    return None if t in TYPES else f"Type: Unknown ({t})"


class _Ctx:
    """One NBNS message being dissected: the packet, its bytes and where it starts."""

    def __init__(self, tvb: Tvb, pkt: Packet, opcode: int) -> None:
        self.tvb, self.pkt, self.opcode = tvb, pkt, opcode
        self.msg = tvb.start
        self.src = tvb.source

    def add(self, parent: Item, f: Field, value: object, off: int, length: int,
            text: str | None = None) -> Item:
        return self.pkt.add(parent, f, value, off, length, text, source=self.src)

    def bitmask(self, parent: Item, header: Field, fields: tuple[Field, ...], off: int,
                extra: str = "") -> Item:
        value = self.tvb.u16(off)
        head = f"{header.name}: 0x{value:04x}"
        item = self.add(parent, header, value, off, 2,
                        bitmask_header(head, value, fields) + extra)
        for f in fields:
            v = (value & f.bitmask) >> f.shift
            self.add(item, f, bool(v) if f.type is FT.BOOLEAN else v, off, 2,
                     bit_label(f, value, 16))
        return item

    def incomplete(self, parent: Item, off: int, length: int) -> None:
        item = self.pkt.add_text(parent, "incomplete entry", off, length, source=self.src)
        self.pkt.add_expert(item, "error", "malformed", "incomplete entry", "nbns",
                            field=INCOMPLETE)
        self.tvb.need(off, length)  # (the length left may run past the packet: malformed)


def dissect_nbns(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "nbns"
    pkt.proto_col = "NBNS"
    off = tvb.start
    tid = tvb.u16(off)
    flags = tvb.u16(off + 2)
    response = bool(flags & 0x8000)
    opcode = (flags >> 11) & 0xF
    pkt.set_info(OPCODES.get(opcode, f"Unknown operation ({opcode})")
                 + (" response" if response else ""))
    top = pkt.add_proto(NBNS, off, tvb.end - off, "NetBIOS Name Service", source=tvb.source)
    top.value = None
    c = _Ctx(tvb, pkt, opcode)
    c.add(top, ID, tid, off, 2)
    if response and flags & 0xF:
        pkt.append_info(", " + RCODES.get(flags & 0xF, "Unknown error"))
    c.bitmask(top, FLAGS, _RESPONSE_FLAGS if response else _QUERY_FLAGS, off + 2)
    counts = []
    for i, f in enumerate((COUNT_QUERIES, COUNT_ANSWERS, COUNT_AUTH, COUNT_ADD)):
        n = tvb.u16(off + 4 + 2 * i)
        counts.append(n)
        c.add(top, f, n, off + 4 + 2 * i, 2)
    quest, ans, auth, add = counts
    cur = off + 12
    if quest:
        tree = pkt.add_text(top, "Queries", cur, 0, source=tvb.source)
        start = cur
        for _ in range(quest):
            cur = _query(c, tree, cur, not response)
        tree.length = cur - start
    for count, title, info in ((ans, "Answers", response),
                               (auth, "Authoritative nameservers", False),
                               (add, "Additional records", False)):
        if count:
            tree = pkt.add_text(top, title, cur, 0, source=tvb.source)
            start = cur
            for _ in range(count):
                cur = _answer(c, tree, cur, info)
            tree.length = cur - start


def _query(c: _Ctx, tree: Item, off: int, info: bool) -> int:
    name, name_type, used = get_nbns_name(c.tvb, off, c.msg)
    qtype = c.tvb.u16(off + used)
    qclass = c.tvb.u16(off + used + 2)
    tname = TYPES.get(qtype, "Unknown")
    if info:
        c.pkt.append_info(f" {tname} {name}")
    q = c.pkt.add_text(tree, f"{name}: type {tname}, class {_class_name(qclass)}", off,
                       used + 4, source=c.src)
    c.add(q, NAME, name, off, used, f"Name: {name_with_type(name, name_type)}")
    c.add(q, TYPE, qtype, off + used, 2, _type_text(qtype))
    c.add(q, CLASS, qclass, off + used + 2, 2)
    return off + used + 4


def _answer(c: _Ctx, tree: Item, off: int, info: bool) -> int:  # noqa: C901
    tvb, pkt = c.tvb, c.pkt
    name, name_type, used = get_nbns_name(tvb, off, c.msg)
    p = off + used
    rtype = tvb.u16(p)
    rclass = tvb.u16(p + 2)
    ttl = tvb.u32(p + 4)
    dlen = tvb.u16(p + 8)
    cur = p + 10
    tname = TYPES.get(rtype, "Unknown")
    title = f"{name}: type {tname}, class {_class_name(rclass)}"
    if rtype == T_NB and info and c.opcode != OPCODE_WACK:
        pkt.append_info(f" {tname} {ipv4_str(tvb.u32(cur + 2))}")
    elif rtype != T_NB and info:
        pkt.append_info(f" {tname}")
    if _tshark_tree(pkt):
        # tshark checks the record's extent only when it makes its tree item.
        tvb.need(off, cur - off + dlen)
    rr = pkt.add_text(tree, title, off, cur - off + dlen, source=c.src)
    # An NB record's name value carries its type's description; an NBSTAT's does not.
    shown = f"{name} ({type_descr(name_type)})" if rtype == T_NB else name
    c.add(rr, NAME, shown, off + 1, used - 1)
    c.add(rr, TYPE, rtype, p, 2, _type_text(rtype))
    c.add(rr, CLASS, rclass, p + 2, 2)
    signed = ttl - (1 << 32) if ttl >= 1 << 31 else ttl
    c.add(rr, TTL, ttl, p + 4, 4, f"Time to live: {time_secs_str(signed)}")
    c.add(rr, DATA_LENGTH, dlen, p + 8, 2)
    if rtype == T_NB:
        while dlen > 0:
            if dlen < 2:
                c.incomplete(rr, cur, dlen)
                break
            if c.opcode == OPCODE_WACK:
                # The flags of the request being acknowledged: a query's have fewer.
                c.bitmask(rr, FLAGS, _WACK_FLAGS if tvb.u16(cur) & 0x8000 else _QUERY_FLAGS,
                          cur)
                cur += 2
                dlen -= 2
                continue
            v = tvb.u16(cur)
            extra = f" ({_ONT_NAMES[(v >> 13) & 3]}, {'group' if v & 0x8000 else 'unique'})"
            c.bitmask(rr, NB_FLAGS, (NB_GROUP, NB_ONT), cur, extra)
            cur += 2
            dlen -= 2
            if dlen < 4:
                c.incomplete(rr, cur, dlen)
                break
            c.add(rr, ADDR, tvb.u32(cur), cur, 4)
            cur += 4
            dlen -= 4
        return cur
    if rtype == T_NBSTAT:
        return _nbstat(c, rr, cur, dlen)
    if _tshark_tree(pkt):  # (tshark reads the bytes only for its tree)
        c.add(rr, DATA, tvb.bytes(cur, dlen), cur, dlen)
    return cur + dlen


def _nbstat(c: _Ctx, rr: Item, cur: int, dlen: int) -> int:
    """The node status record: the name table, then fixed statistics as long as the
    data length lasts (tshark stops with "incomplete entry" where it runs out)."""
    tvb = c.tvb
    if dlen < 1:
        c.incomplete(rr, cur, dlen)
        return cur
    num = tvb.u8(cur)
    c.add(rr, NUM_NAMES, num, cur, 1)
    cur += 1
    for _ in range(num):
        if dlen < NETBIOS_NAME_LEN:
            c.incomplete(rr, cur, dlen)
            return cur
        name, name_type = printable_name(tvb.bytes(cur, NETBIOS_NAME_LEN))
        c.add(rr, NETBIOS_NAME, name, cur, NETBIOS_NAME_LEN,
              f"Name: {name}<{name_type:02x}> ({type_descr(name_type)})")
        cur += NETBIOS_NAME_LEN
        dlen -= NETBIOS_NAME_LEN
        if dlen < 2:
            c.incomplete(rr, cur, dlen)
            return cur
        c.bitmask(rr, NAME_FLAGS, _NAME_FLAG_FIELDS, cur)
        cur += 2
        dlen -= 2
    if dlen < 6:
        c.incomplete(rr, cur, dlen)
        return cur
    c.add(rr, UNIT_ID, tvb.bytes(cur, 6), cur, 6)
    cur += 6
    dlen -= 6
    for f, w in STATS:
        if dlen < w:
            c.incomplete(rr, cur, dlen)
            return cur
        c.add(rr, f, tvb.u8(cur) if w == 1 else tvb.u16(cur) if w == 2 else tvb.u32(cur),
              cur, w)
        cur += w
        dlen -= w
    return cur


UDP_PORT.register(137, dissect_nbns, "nbns")
register_claim(dissect_nbns, "nbns", takes_all)
register_dissector("nbns", dissect_nbns)
register_learner_layer("nbns", "NBNS")
