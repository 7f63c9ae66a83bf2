"""DNS (RFC 1035) over UDP and TCP port 53, as Wireshark 4.0 shows it: the message
after its fixed header (dns_header.py), its questions and records.

Over TCP each message is preceded by a 2-byte length. Requests and responses are
paired per conversation and transaction ID like Wireshark's `dns_transaction_t`.
"""

from __future__ import annotations

from collections.abc import Callable

from dissectors.dispatch import (
    TCP_PORT,
    UDP_HEUR,
    UDP_PORT,
    register_claim,
    register_dissector,
    takes_all,
)
from dissectors.dns_header import (
    COUNT_ADD,
    COUNT_ANSWERS,
    COUNT_AUTH,
    COUNT_PREREQ,
    COUNT_QUERIES,
    COUNT_UPDATES,
    COUNT_ZONES,
    COUNTS,
    DNS,
    ID,
    LENGTH,
    Variant,
    add_flags,
    looks_like_dns,
)
from dissectors.dns_labels import get_name, get_raw_name, label_count
from dissectors.dns_names import CLASSES, OPCODES, RCODES, TYPE_VALS, TYPES_WITHOUT_CASE
from dissectors.dns_track import track
from dissectors.escape import format_text
from dissectors.format import ipv4_str, ipv6_str, masked_label
from dissectors.offers import register_learner_layer, register_untapped
from dissectors.packet import NULL_ITEM, Item, Packet, tshark_has_tree
from dissectors.registry import FT, Base, Field
from dissectors.session import Session
from dissectors.tcp_reassembly import tcp_dissect_pdus
from dissectors.time_text import time_secs_str
from dissectors.tvb import Tvb

# (value names: dns_names.py, generated from tshark's)
#: type -> its short name, as the Info column and summaries say it (dns_types_vals)
RR_TYPES: dict[int, str] = {t: d.split(" ", 1)[0] for t, d in TYPE_VALS.items()}
_TYPE_VALS = TYPE_VALS

QRY_NAME = DNS.field("dns.qry.name", "Name", FT.STRING)
QRY_NAME_LEN = DNS.field("dns.qry.name.len", "Name Length", FT.UINT16, Base.DEC)
COUNT_LABELS = DNS.field("dns.count.labels", "Label Count", FT.UINT16, Base.DEC)
QRY_TYPE = DNS.field("dns.qry.type", "Type", FT.UINT16, Base.DEC, strings=_TYPE_VALS)
QRY_CLASS = DNS.field("dns.qry.class", "Class", FT.UINT16, Base.HEX, strings=CLASSES)
RESP_NAME = DNS.field("dns.resp.name", "Name", FT.STRING)
RESP_TYPE = DNS.field("dns.resp.type", "Type", FT.UINT16, Base.DEC, strings=_TYPE_VALS)
RESP_CLASS = DNS.field("dns.resp.class", "Class", FT.UINT16, Base.HEX, strings=CLASSES)
RESP_TTL = DNS.field("dns.resp.ttl", "Time to live", FT.UINT32, Base.DEC)
RESP_LEN = DNS.field("dns.resp.len", "Data length", FT.UINT16, Base.DEC)
A = DNS.field("dns.a", "Address", FT.IPv4)
AAAA = DNS.field("dns.aaaa", "AAAA Address", FT.IPv6)
CNAME = DNS.field("dns.cname", "CNAME", FT.STRING)
PTR = DNS.field("dns.ptr.domain_name", "Domain Name", FT.STRING)
NS = DNS.field("dns.ns", "Name Server", FT.STRING)
MX_PREF = DNS.field("dns.mx.preference", "Preference", FT.UINT16, Base.DEC)
MX_EXCH = DNS.field("dns.mx.mail_exchange", "Mail Exchange", FT.STRING)
TXT_LEN = DNS.field("dns.txt.length", "TXT Length", FT.UINT8, Base.DEC)
TXT = DNS.field("dns.txt", "TXT", FT.STRING)
SOA_MNAME = DNS.field("dns.soa.mname", "Primary name server", FT.STRING)
SOA_RNAME = DNS.field("dns.soa.rname", "Responsible authority's mailbox", FT.STRING)
SOA_SERIAL = DNS.field("dns.soa.serial_number", "Serial Number", FT.UINT32, Base.DEC)
SOA_REFRESH = DNS.field("dns.soa.refresh_interval", "Refresh Interval", FT.UINT32, Base.DEC)
SOA_RETRY = DNS.field("dns.soa.retry_interval", "Retry Interval", FT.UINT32, Base.DEC)
SOA_EXPIRE = DNS.field("dns.soa.expire_limit", "Expire limit", FT.UINT32, Base.DEC)
SOA_MIN = DNS.field("dns.soa.minimum_ttl", "Minimum TTL", FT.UINT32, Base.DEC)
SRV_SERVICE = DNS.field("dns.srv.service", "Service", FT.STRING)
SRV_PROTO = DNS.field("dns.srv.proto", "Protocol", FT.STRING)
SRV_NAME = DNS.field("dns.srv.name", "Name", FT.STRING)
SRV_PRIORITY = DNS.field("dns.srv.priority", "Priority", FT.UINT16, Base.DEC)
SRV_WEIGHT = DNS.field("dns.srv.weight", "Weight", FT.UINT16, Base.DEC)
SRV_PORT = DNS.field("dns.srv.port", "Port", FT.UINT16, Base.DEC)
SRV_TARGET = DNS.field("dns.srv.target", "Target", FT.STRING)
# tshark 4.0 declares this BASE_HEX/0x7fff in its glossary but prints it in decimal.
UDP_PAYLOAD_SIZE = DNS.field("dns.rr.udp_payload_size", "UDP payload size", FT.UINT16,
                             Base.DEC)
EXT_RCODE = DNS.field("dns.resp.ext_rcode", "Higher bits in extended RCODE", FT.UINT8,
                      Base.HEX)
EDNS0_VERSION = DNS.field("dns.resp.edns0_version", "EDNS0 version", FT.UINT8, Base.DEC)
RESP_Z = DNS.field("dns.resp.z", "Z", FT.UINT16, Base.HEX)
RESP_Z_DO = DNS.field("dns.resp.z.do", "DO bit", FT.BOOLEAN, bitmask=0x8000,
                      strings=("Accepts DNSSEC security RRs",
                               "Cannot handle DNSSEC security RRs"))
RESP_Z_RESERVED = DNS.field("dns.resp.z.reserved", "Reserved", FT.UINT16, Base.HEX,
                            bitmask=0x7FFF)
RESPONSE_IN = DNS.field("dns.response_in", "Response In", FT.FRAMENUM)
RESPONSE_TO = DNS.field("dns.response_to", "Request In", FT.FRAMENUM)
TIME = DNS.field("dns.time", "Time", FT.RELATIVE_TIME)
UNSOLICITED = DNS.field("dns.unsolicited", "Unsolicited", FT.BOOLEAN)
RETRANSMISSION = DNS.field("dns.retransmission", "Retransmission", FT.BOOLEAN)
RETRANS_REQ_IN = DNS.field("dns.retransmit_request_in",
                           "Retransmitted request. Original request in", FT.FRAMENUM)
RETRANS_RESP_IN = DNS.field("dns.retransmit_response_in",
                            "Retransmitted response. Original response in", FT.FRAMENUM)
EXTRANEOUS = DNS.field("dns.extraneous", "Extraneous data", FT.NONE)
EXTRA_DATA = DNS.field("dns.extraneous.data", "Extraneous Data Bytes", FT.BYTES)
EXTRA_LEN = DNS.field("dns.extraneous.length", "Extraneous Data Length", FT.INT32, Base.DEC)
RETRANS_REQ = DNS.field("dns.retransmit_request", "DNS query retransmission", FT.NONE)
RETRANS_RESP = DNS.field("dns.retransmit_response", "DNS response retransmission", FT.NONE)
UNDECODED_TYPE = DNS.field("dns.undecoded.type", "Undecoded option", FT.NONE)
RR_DATA = DNS.field("dns.data", "Data", FT.BYTES)

def type_name(t: int) -> str:
    if t == 255:
        return "ANY"  # the Info column and summaries say ANY, the Type line says *
    return RR_TYPES.get(t) or f"Unknown ({t})"


def type_label(t: int) -> str:
    """A Type line's value: `A (Host Address) (1)`, `OPT (41)`."""
    desc = TYPE_VALS.get(t)
    return f"{desc} ({t})" if desc else f"Unknown ({t})"


#: Record data dissectors by type beyond the everyday ones (dns_rr.py registers them):
#: fn(tvb, rdata start, rdata end, message start, pkt, record item, add) -> None, or
#: (text for the Info column, text for the record's summary line).
RDATA: dict[int, Callable[..., tuple[str, str] | None]] = {}


def _class_name(c: int) -> str:
    return CLASSES.get(c, "Unknown")


def _class_label(f: Field, c: int) -> str | None:
    """A Class line for a class with no name (`Class: Unknown (0x0005)`); None: the
    field's own label."""
    return None if c in CLASSES else f"{f.name}: Unknown (0x{c:04x})"


# -- the dissector --------------------------------------------------------------------------

def dissect_dns_udp(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "dns"
    dissect_message(tvb, tvb.start, pkt, session, "udp", None)


def dissect_variant_udp(variant: Variant, tvb: Tvb, pkt: Packet, session: Session) -> None:
    """mDNS or LLMNR over UDP: one message, DNS's machinery, the variant's items."""
    session.current_proto = variant.proto.abbrev
    dissect_message(tvb, tvb.start, pkt, session, "udp", None, variant=variant)


def _pdu_len(tvb: Tvb, pkt: Packet, off: int) -> int:
    return tvb.u16(off) + 2  # (the length prefix does not count itself)


def dissect_dns_tcp(tvb: Tvb, pkt: Packet, session: Session) -> None:
    """A TCP payload holds one or more length-prefixed messages (tcp_dissect_pdus)."""
    session.current_proto = "dns"
    first = [True]

    def pdu(sub: Tvb, pkt: Packet, session: Session) -> None:
        # tshark: each message replaces the Info of the one before; one "dns" layer.
        dissect_message(sub, sub.start + 2, pkt, session, "tcp", sub.u16(sub.start), first[0])
        first[0] = False

    tcp_dissect_pdus(tvb, pkt, session, 2, _pdu_len, pdu)


def dissect_message(tvb: Tvb, start: int, pkt: Packet, session: Session, kind: str,
                    tcp_len: int | None, in_stack: bool = True,
                    variant: Variant | None = None) -> None:
    """One DNS message starting at `start` (after the TCP length prefix, if any)."""
    src = tvb.source
    v = variant or _DNS
    pkt.proto_col = v.column or v.proto.short
    if start + 4 > tvb.end:
        # cut before its flags: tshark has named it (frame.protocols) and cleared Info
        # before its first read fails; no item
        pkt.clear_info()
        if in_stack:
            pkt.protocols.append(v.proto.abbrev)
        tvb.need(start, 4)
    tid = tvb.u16(start)
    flags = tvb.u16(start + 2)
    response = bool(flags & 0x8000)
    opcode = (flags >> 11) & 0xF
    rcode = flags & 0xF
    head = tvb.start
    top = pkt.add_proto(v.proto, head, tvb.end - head,
                        f"{v.proto.name} ({'response' if response else 'query'})",
                        source=src, in_stack=in_stack)
    top.value = None
    # Wireshark queues DNS's tap at the end of the message and not for one quoted in an
    # ICMP error: until then (an exception past the bytes present) the layer is untapped.
    # (typed: compiled, its add and discard are then set calls, not generic method calls)
    untapped: set[int] = pkt.proto_data.setdefault("dns.untapped", set())
    untapped.add(id(top))

    # (a tree-less dissection nobody reads DNS's items from makes none of them)
    items = pkt.wants_layer("dns")

    def add(parent: Item, field: Field, value: object, off: int, length: int,
            text: str | None = None, *, generated: bool = False) -> Item:
        if not items:
            return NULL_ITEM
        return pkt.add(parent, field, value, off, length, text, generated=generated,
                       source=src)

    info = (f"{OPCODES.get(opcode, f'Unknown operation ({opcode})')}"
            f"{' response' if response else ''} 0x{tid:04x}")
    if response and rcode:
        info += " " + RCODES.get(rcode, f"Unknown error ({rcode})")
    pkt.set_info(info)
    iditem = NULL_ITEM
    if items:
        if tcp_len is not None:
            add(top, LENGTH, tcp_len, start - 2, 2)
        iditem = add(top, ID, tid, start, 2)
        add_flags(pkt, top, v, flags, start + 2, src)
    # (tshark 4.0 records the transaction once it has the id and flags, before the counts:
    # a message cut after its flags is a request or reply later ones are matched with)
    trans, retrans = track(pkt, session, tid, response, kind)
    counts = []
    update = opcode == 5
    count_fields = ((COUNT_ZONES, COUNT_PREREQ, COUNT_UPDATES, COUNT_ADD) if update else
                    (COUNT_QUERIES, COUNT_ANSWERS, COUNT_AUTH, COUNT_ADD))
    # (a whole header: the four counts in one read; a cut one reads each, and throws
    # where the bytes end)
    read = COUNTS.unpack_from(tvb.buf, start + 4) if start + 12 <= tvb.end else None
    for i, f in enumerate(count_fields):
        c = tvb.u16(start + 4 + 2 * i) if read is None else read[i]
        counts.append(c)
        if items:
            add(top, f, c, start + 4 + 2 * i, 2)

    off = start + 12
    qd, an, ns, ar = counts
    if qd:
        tvb.need(off, 1)  # (Wireshark makes each section's subtree "to the end": past it,
        # that throws)
        qtree = pkt.add_text(top, "Zone" if update else "Queries", off, 0, source=src)
        first = off
        for _ in range(qd):
            off = _question(tvb, off, start, pkt, qtree, add, v.class_bit)
        qtree.length = off - first  # (the section's bytes, as -T pdml shows them)
    for count, title in ((an, "Prerequisites" if update else "Answers"),
                         (ns, "Updates" if update else "Authoritative nameservers"),
                         (ar, "Additional records")):
        if count:
            tvb.need(off, 1)
            rtree = pkt.add_text(top, title, off, 0, source=src)
            first = off
            for _ in range(count):
                off = _record(tvb, off, start, pkt, rtree, add, v.class_bit)
            rtree.length = off - first

    if not response:
        if retrans and trans is not None and trans.req_frame:
            add(top, RETRANS_REQ_IN, trans.req_frame, head, 0, generated=True)
            add(top, RETRANSMISSION, True, head, 0, generated=True)
            pkt.add_expert(iditem, "warning", "protocol",
                           f"DNS query retransmission. Original request in frame "
                           f"{trans.req_frame}", "dns", field=RETRANS_REQ)
        elif trans is not None and trans.rep_frame:
            add(top, RESPONSE_IN, trans.rep_frame, head, 0, generated=True)
    elif trans is not None and trans.req_frame:
        if retrans and trans.rep_frame:
            add(top, RETRANS_RESP_IN, trans.rep_frame, head, 0, generated=True)
            add(top, RETRANSMISSION, True, head, 0, generated=True)
            pkt.add_expert(iditem, "warning", "protocol",
                           f"DNS response retransmission. Original response in frame "
                           f"{trans.rep_frame}", "dns", field=RETRANS_RESP)
        else:
            add(top, RESPONSE_TO, trans.req_frame, head, 0, generated=True)
            add(top, TIME, pkt.frame.ts_ns - trans.req_time, head, 0, generated=True)
    else:
        add(top, UNSOLICITED, True, head, 0, generated=True)
    if off < tvb.rend:
        _extraneous(tvb, off, pkt, top, add)
    if not pkt.in_error_pkt:
        untapped.discard(id(top))


def _extraneous(tvb: Tvb, off: int, pkt: Packet, top: Item, add) -> None:  # noqa: ANN001
    """Bytes after the message's last record (packet-dns.c: a note, its item hidden)."""
    rest = tvb.rend - off
    ext = pkt.add_text(top, f"Extraneous Data ({rest} bytes)", off, rest, source=tvb.source)
    add(ext, EXTRA_DATA, tvb.bytes(off, min(rest, tvb.end - off)), off, rest)
    add(ext, EXTRA_LEN, rest, off, 0, generated=True)
    # (proto_tree_add_expert: a text item holding the note, then proto_item_set_hidden)
    note = pkt.add_text(ext, "Extraneous data", off, rest, source=tvb.source)
    note.hidden = True
    pkt.add_expert(note, "note", "undecoded", "Extraneous data", "dns", field=EXTRANEOUS)


def _question(tvb: Tvb, off: int, msg: int, pkt: Packet, tree: Item, add,  # noqa: ANN001
              class_bit: tuple[Field, ...] | None) -> int:
    raw, used = get_raw_name(tvb, off, msg)
    name = raw if isinstance(raw, str) else format_text(raw)
    qtype = tvb.u16(off + used)
    qclass = tvb.u16(off + used + 2)
    qu = ""
    if class_bit is not None:
        qu = ', "QU" question' if qclass & 0x8000 else ', "QM" question'
    cls = qclass & 0x7FFF if class_bit else qclass
    q = pkt.add_text(tree, f"{name}: type {type_name(qtype)}, class {_class_name(cls)}{qu}",
                     off, used + 4, source=tvb.source) if pkt.tree_on else NULL_ITEM
    add(q, QRY_NAME, name, off, used)
    # (tshark 4.0 gives a one-character name length 0 and no labels: "a", a lone ".")
    whole = len(raw) > 1
    add(q, QRY_NAME_LEN, len(raw) if whole else 0, off, used, generated=True)
    add(q, COUNT_LABELS, label_count(raw) if whole else 0, off, used, generated=True)
    add(q, QRY_TYPE, qtype, off + used, 2,
        f"Type: {type_label(qtype)}" if pkt.tree_on else None)
    if class_bit is None:
        add(q, QRY_CLASS, qclass, off + used + 2, 2,
            _class_label(QRY_CLASS, qclass) if pkt.tree_on else None)
    else:
        _add_class_bit(q, class_bit[0], class_bit[1], qclass, off + used + 2, add)
    pkt.append_info(f" {type_name(qtype)} {name}{qu}")
    return off + used + 4


def _add_class_bit(parent: Item, cls: Field, bit: Field, value: int, off: int,
                   add) -> None:  # noqa: ANN001
    """mDNS's 15-bit class and its flag bit, each drawn 16 bits wide."""
    c = value & 0x7FFF
    text = masked_label(cls, c, 16)
    if c not in CLASSES:
        text = f"{text.rpartition(' = ')[0]} = {cls.name}: Unknown (0x{c:04x})"
    add(parent, cls, c, off, 2, text)
    add(parent, bit, bool(value & 0x8000), off, 2, masked_label(bit, bool(value & 0x8000), 16))


_DECODED_HERE = frozenset((1, 28, 2, 5, 12, 15, 6, 16, 33))  # (_record's own branches)


def _undecoded_type(rtype: int) -> bool:
    """A type packet-dns.c's switch has no case for: its default notes it."""
    return rtype not in _DECODED_HERE and rtype not in RDATA and (
        rtype in TYPES_WITHOUT_CASE or rtype not in TYPE_VALS)


def _note_undecoded(pkt: Packet, rr: Item, rtype: int) -> None:
    pkt.add_expert(rr, "note", "undecoded", f"Dissector for DNS Type ({rtype}) code not "
                   "implemented, Contact Wireshark developers if you want this supported",
                   "dns", field=UNDECODED_TYPE)


def _record(tvb: Tvb, off: int, msg: int, pkt: Packet, tree: Item, add,  # noqa: ANN001, C901
            class_bit: tuple[Field, ...] | None) -> int:
    # tshark reads the fixed part, names the type in Info, checks that the rdata was
    # captured, and only then adds the items: a cut record shows no items at all.
    name, used = get_name(tvb, off, msg)
    p = off + used
    rtype = tvb.u16(p)
    rclass = tvb.u16(p + 2)
    ttl = tvb.u32(p + 4)
    rdlen = tvb.u16(p + 8)
    tname = type_name(rtype)
    flush = ""
    if class_bit is not None and rtype != 41 and rclass & 0x8000:
        flush = ", cache flush"
    pkt.append_info(f" {tname}{flush}")
    d = p + 10
    end = d + rdlen
    if rdlen and tvb.end - d < rdlen:
        if not tshark_has_tree(pkt) and _undecoded_type(rtype):
            # Without a tree (a list, -z expert) tshark skips the record's subtree (its
            # length check) and its switch's default notes the type before throwing.
            _note_undecoded(pkt, NULL_ITEM, rtype)
        tvb.need(d, rdlen)
    tree_on = pkt.tree_on  # (labels only for a tree someone reads)
    if not tree_on:
        rr = NULL_ITEM
    elif rtype == 41:
        rr = pkt.add_text(tree, f"{name}: type {tname}", off, 0, source=tvb.source)
    else:
        cls = rclass & 0x7FFF if class_bit else rclass
        rr = pkt.add_text(tree, f"{name}: type {tname}, class {_class_name(cls)}{flush}", off,
                          0, source=tvb.source)
    labels = name.split(".")
    if rtype == 33 and len(labels) >= 3:
        # SRV owner names are shown as _service._proto.name.
        add(rr, SRV_SERVICE, labels[0], off, used)
        add(rr, SRV_PROTO, labels[1], off, used)
        add(rr, SRV_NAME, ".".join(labels[2:]), off, used)
    else:
        add(rr, RESP_NAME, name, off, used)
    add(rr, RESP_TYPE, rtype, p, 2, f"Type: {type_label(rtype)}" if tree_on else None)
    if rtype == 41:
        add(rr, UDP_PAYLOAD_SIZE, rclass, p + 2, 2)
        add(rr, EXT_RCODE, ttl >> 24, p + 4, 1)
        add(rr, EDNS0_VERSION, (ttl >> 16) & 0xFF, p + 5, 1)
        z = ttl & 0xFFFF
        zi = add(rr, RESP_Z, z, p + 6, 2)
        add(zi, RESP_Z_DO, bool(z & 0x8000), p + 6, 2)
        add(zi, RESP_Z_RESERVED, z & 0x7FFF, p + 6, 2)
    else:
        if class_bit is None:
            add(rr, RESP_CLASS, rclass, p + 2, 2,
                _class_label(RESP_CLASS, rclass) if tree_on else None)
        else:
            _add_class_bit(rr, class_bit[2], class_bit[3], rclass, p + 2, add)
        add(rr, RESP_TTL, ttl, p + 4, 4,
            f"Time to live: {ttl} ({time_secs_str(ttl)})" if tree_on else None)
    add(rr, RESP_LEN, rdlen, p + 8, 2)
    info = ""
    summary = ""
    if rtype == 1 and rdlen >= 4:
        v = tvb.u32(d)
        add(rr, A, v, d, 4)
        info += f" {ipv4_str(v)}"
        summary = f", addr {ipv4_str(v)}"
    elif rtype == 28 and rdlen >= 16:
        v6 = tvb.bytes(d, 16)
        add(rr, AAAA, v6, d, 16)
        info += f" {ipv6_str(v6)}"
        summary = f", addr {ipv6_str(v6)}"
    elif rtype in (2, 5, 12):
        target, tused = get_name(tvb, d, msg)
        fld, word = {2: (NS, "ns "), 5: (CNAME, "cname "), 12: (PTR, "")}[rtype]
        add(rr, fld, target, d, tused)
        info += f" {target}"
        summary = f", {word}{target}"  # tshark 4.0: no word before a PTR's name
    elif rtype == 15:
        pref = tvb.u16(d)
        exch, eused = get_name(tvb, d + 2, msg)
        add(rr, MX_PREF, pref, d, 2)
        add(rr, MX_EXCH, exch, d + 2, eused)
        info += f" {pref} {exch}"
        summary = f", preference {pref}, mx {exch}"
    elif rtype == 6:
        mname, mused = get_name(tvb, d, msg)
        rname, rused = get_name(tvb, d + mused, msg)
        q = d + mused + rused
        add(rr, SOA_MNAME, mname, d, mused)
        add(rr, SOA_RNAME, rname, d + mused, rused)
        add(rr, SOA_SERIAL, tvb.u32(q), q, 4)
        for i, f in enumerate((SOA_REFRESH, SOA_RETRY, SOA_EXPIRE, SOA_MIN), 1):
            secs = tvb.u32(q + 4 * i)
            add(rr, f, secs, q + 4 * i, 4,
                f"{f.name}: {secs} ({time_secs_str(secs)})" if tree_on else None)
        info += f" {mname}"
        summary = f", mname {mname}"
    elif rtype == 16:
        q = d
        while q < end:
            tl = tvb.u8(q)
            add(rr, TXT_LEN, tl, q, 1)
            add(rr, TXT, tvb.bytes(q + 1, tl).decode("ascii", errors="replace"), q + 1, tl)
            q += 1 + tl
    elif rtype == 33:
        prio, weight, port = tvb.u16(d), tvb.u16(d + 2), tvb.u16(d + 4)
        target, tused = get_name(tvb, d + 6, msg)
        add(rr, SRV_PRIORITY, prio, d, 2)
        add(rr, SRV_WEIGHT, weight, d + 2, 2)
        add(rr, SRV_PORT, port, d + 4, 2)
        add(rr, SRV_TARGET, target, d + 6, tused)
        info += f" {prio} {weight} {port} {target}"
        summary = f", priority {prio}, weight {weight}, port {port}, target {target}"
    else:
        fn = RDATA.get(rtype)
        if fn is not None:
            got = fn(tvb, d, end, msg, pkt, rr, add)
            if got is not None:
                info, summary = got
        elif rdlen and _undecoded_type(rtype):
            _note_undecoded(pkt, rr, rtype)
            add(rr, RR_DATA, tvb.bytes(d, rdlen), d, rdlen)
    rr.text = rr.text + summary if rr.text else rr.text
    rr.length = end - off
    pkt.append_info(info)
    return end


def heur_claim(session: Session, payload: bytes, src: bytes, sport: int, dst: bytes,
               dport: int) -> bool | None:
    """The fast path's view of the heuristic (None: refused)."""
    if len(payload) <= 12 or not looks_like_dns(payload, 0, len(payload)):
        return None
    return True


def heur_dns(tvb: Tvb, pkt: Packet, session: Session) -> bool:
    """tshark 4.0's DNS heuristic on UDP (on by default): DNS on any port."""
    length = tvb.rend - tvb.start
    if length <= 12:
        return False
    tvb.need(tvb.start, 12)  # (a header cut short by the snapshot length: as Wireshark)
    if not looks_like_dns(tvb.buf, tvb.start, length):
        return False
    dissect_dns_udp(tvb, pkt, session)
    return True


_DNS = Variant(DNS)

UDP_PORT.register(53, dissect_dns_udp, "dns")
register_claim(dissect_dns_udp, "dns", takes_all)
UDP_HEUR.register("dns", heur_dns)
register_claim(heur_dns, "dns", heur_claim)
TCP_PORT.register(53, dissect_dns_tcp, "dns")
TCP_PORT.register(5353, dissect_dns_tcp, "dns")  # tshark: TCP 5353 is DNS, UDP 5353 mDNS
register_dissector("dns", dissect_dns_udp)
register_learner_layer("dns", "DNS")


def dns_untapped(pkt: Packet) -> set[int]:
    """Ids of the DNS layers that never reached DNS's tap (see dissect_message)."""
    return pkt.proto_data.get("dns.untapped", set())


register_untapped("dns", dns_untapped)
