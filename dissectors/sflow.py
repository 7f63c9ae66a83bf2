"""sFlow version 5 (sflow.org) on UDP port 6343, as tshark 4.0 shows it: the datagram
header, expanded flow samples with their raw packet header (dissected as an inner Ethernet
frame) and extended router/gateway data; other samples show their type and length only.
Why: sFlow exports in corpus captures were left as UDP data.

    version | agent address type | agent address | sub-agent id | sequence | uptime (ms)
    | number of samples | samples: (enterprise << 12 | format, length, data)...
"""

from __future__ import annotations

from dissectors.dispatch import (
    BY_NAME,
    PAYLOAD_LENGTH,
    TUNNEL_UDP_PORTS,
    UDP_PORT,
    call_under,
    register_dissector,
)
from dissectors.format import bit_pattern, ipv4_str, ipv6_str
from dissectors.icmp import restore_columns, save_columns
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.time_text import time_secs_str
from dissectors.tvb import Tvb

SFLOW = protocol("sflow", "InMon sFlow", "sFlow")
U32 = FT.UINT32
D = Base.DEC
SAMPLE_TYPES = {1: "Flow sample", 2: "Counters sample", 3: "Expanded flow sample",
                4: "Expanded counters sample"}
FLOW_FORMATS = {1: "Raw packet header", 2: "Ethernet frame data", 3: "IPv4 data",
                4: "IPv6 data", 1001: "Extended switch data", 1002: "Extended router data",
                1003: "Extended gateway data", 1004: "Extended user data",
                1005: "Extended url data", 1006: "Extended MPLS data",
                1007: "Extended NAT data", 1008: "Extended MPLS tunnel",
                1009: "Extended MPLS VC", 1010: "Extended MPLS FEC",
                1011: "Extended MPLS LVP FEC", 1012: "Extended VLAN tunnel"}
HEADER_PROTOCOLS = {1: "Ethernet", 2: "Token Bus", 3: "Token Ring", 4: "FDDI",
                    5: "Frame Relay", 6: "X.25", 7: "PPP", 8: "SMDS", 9: "AAL5",
                    10: "AAL5 IP", 11: "IPv4", 12: "IPv6", 13: "MPLS", 14: "POS"}
AS_TYPES = {1: "AS Set", 2: "AS Sequence"}

VERSION = SFLOW.field("sflow_245.version", "Datagram version", U32, D, offset=0)
AGENTTYPE = SFLOW.field("sflow_245.agenttype", "Agent address type", U32, D,
                        strings={1: "IPv4", 2: "IPv6"}, offset=4)
AGENT = SFLOW.field("sflow_245.agent", "Agent address", FT.IPv4)
AGENT6 = SFLOW.field("sflow_245.agent.v6", "Agent address", FT.IPv6)
SUB_AGENT = SFLOW.field("sflow_245.sub_agent_id", "Sub-agent ID", U32, D)
SEQ = SFLOW.field("sflow_245.sequence_number", "Sequence number", U32, D)
UPTIME = SFLOW.field("sflow_245.sysuptime", "SysUptime", U32, D)
NUMSAMPLES = SFLOW.field("sflow_245.numsamples", "NumSamples", U32, D)
ENTERPRISE = SFLOW.field("sflow.enterprise", "Enterprise", U32, D, bitmask=0xFFFFF000,
                         strings={0: "standard sFlow"})
SAMPLETYPE = SFLOW.field("sflow_245.sampletype", "sFlow sample type", U32, D,
                         strings=SAMPLE_TYPES)
SAMPLE_LEN = SFLOW.field("sflow_5.sample_length", "Sample length (byte)", U32, D)
FS_SEQ = SFLOW.field("sflow.flow_sample.sequence_number", "Sequence number", U32, D)
FS_SRC_TYPE = SFLOW.field("sflow.flow_sample.source_id_type", "Source ID type", U32, D)
FS_SRC_INDEX = SFLOW.field("sflow.flow_sample.source_id_index", "Source ID index", U32, D)
FS_RATE = SFLOW.field("sflow.flow_sample.sampling_rate", "Sampling rate", U32, D)
FS_POOL = SFLOW.field("sflow.flow_sample.sample_pool", "Sample pool", U32, D)
FS_DROPS = SFLOW.field("sflow.flow_sample.dropped_packets", "Dropped packets", U32, D)
FS_IN_FMT = SFLOW.field("sflow.flow_sample.input_interface_format", "Input interface format",
                        U32, D)
FS_IN_VAL = SFLOW.field("sflow.flow_sample.input_interface_value", "Input interface value",
                        U32, D)
FS_OUT_FMT = SFLOW.field("sflow.flow_sample.output_interface.format",
                         "Output interface format", U32, D, bitmask=0x7FFFFFFF)
FS_OUT_VAL = SFLOW.field("sflow.flow_sample.output_interface_value", "Output interface value",
                         U32, D, bitmask=0x3FFFFFFF)
FS_RECORDS = SFLOW.field("sflow.flow_sample.flow_record", "Flow record", U32, D)
RECORD_FMT = SFLOW.field("sflow_245.flow_record_format", "Format", U32, D,
                         strings=FLOW_FORMATS)
FLOW_LEN = SFLOW.field("sflow_5.flow_data_length", "Flow data length (byte)", U32, D)
HDR_PROTO = SFLOW.field("sflow_245.header_protocol", "Header protocol", U32, D,
                        strings=HEADER_PROTOCOLS)
HDR_FRAME_LEN = SFLOW.field("sflow_245.header.frame_length", "Frame Length", U32, D)
HDR_STRIPPED = SFLOW.field("sflow_245.header.payload_stripped", "Payload stripped", U32, D)
HDR_LEN = SFLOW.field("sflow_245.header.sampled_header_length", "Sampled header length",
                      U32, D)
HEADER = SFLOW.field("sflow_245.header", "Header of sampled packet", FT.BYTES)
NEXTHOP = SFLOW.field("sflow_245.nexthop", "Next hop", FT.IPv4)
NEXTHOP6 = SFLOW.field("sflow_245.nexthop.v6", "Next hop", FT.IPv6)
SRC_MASK = SFLOW.field("sflow_245.nexthop.src_mask", "Next hop source mask", U32, D)
DST_MASK = SFLOW.field("sflow_245.nexthop.dst_mask", "Next hop destination mask", U32, D)
AS = SFLOW.field("sflow_245.as", "AS Router", U32, D)
SRC_AS = SFLOW.field("sflow_245.srcAS", "AS Source", U32, D)
PEER_AS = SFLOW.field("sflow_245.peerAS", "AS Peer", U32, D)
DST_AS_ENTRIES = SFLOW.field("sflow_245.dstASentries", "AS Destinations", U32, D)
AS_TYPE = SFLOW.field("sflow.as_type", "AS Type", U32, D, strings=AS_TYPES)
DST_AS = SFLOW.field("sflow_245.dstAS", "AS Destination", U32, D)
COMMUNITIES = SFLOW.field("sflow_245.communityEntries", "Gateway Communities", U32, D)
LOCALPREF = SFLOW.field("sflow_245.localpref", "localpref", U32, D)

# The expanded flow sample's header words, in wire order.
_EXPANDED = (FS_SEQ, FS_SRC_TYPE, FS_SRC_INDEX, FS_RATE, FS_POOL, FS_DROPS, FS_IN_FMT,
             FS_IN_VAL, FS_OUT_FMT, FS_OUT_VAL, FS_RECORDS)
_MAX_ITEMS = 256  # bound on samples / records / AS entries read from one datagram


class _Cursor:
    """Reads big-endian words from the sFlow datagram and adds them as items."""

    def __init__(self, tvb: Tvb, pkt: Packet, off: int) -> None:
        self.tvb, self.pkt, self.off, self.src = tvb, pkt, off, tvb.source

    def u32(self) -> int:
        v = self.tvb.u32(self.off)
        self.off += 4
        return v

    def item(self, parent: Item, field: Field, text: str | None = None) -> tuple[int, Item]:
        v = self.tvb.u32(self.off)
        it = self.pkt.add(parent, field, v, self.off, 4, text, source=self.src)
        self.off += 4
        return v, it

    def address(self, parent: Item, v4: Field, v6: Field) -> None:
        """An address type word (1 IPv4, 2 IPv6) and the address, shown without the type."""
        kind = self.u32()
        if kind == 1:
            self.pkt.add(parent, v4, self.tvb.u32(self.off), self.off, 4, source=self.src)
            self.off += 4
        elif kind == 2:
            self.pkt.add(parent, v6, bytes(self.tvb.bytes(self.off, 16)), self.off, 16,
                         source=self.src)
            self.off += 16


def _type_word(cur: _Cursor, parent: Item, field: Field, names: dict[int, str],
               bits: bool) -> int:
    """The enterprise (20 bits) and format (12 bits) word that opens a sample or record;
    a sample's type is drawn with its bits, a record's format without (as tshark 4.0)."""
    v = cur.tvb.u32(cur.off)
    ent, fmt = v >> 12, v & 0xFFF
    cur.pkt.add(parent, ENTERPRISE, ent, cur.off, 4, source=cur.src)
    text = None
    if bits and cur.pkt.tree_on:
        low = f"{fmt:012b}"
        pattern = ".... " * 5 + " ".join(low[i:i + 4] for i in range(0, 12, 4))
        text = f"{pattern} = {field.name}: {names.get(fmt, 'Unknown')} ({fmt})"
    cur.pkt.add(parent, field, fmt, cur.off, 4, text, source=cur.src)
    cur.off += 4
    return fmt if ent == 0 else -1


def _raw_header(cur: _Cursor, rec: Item, session: Session) -> None:
    """Raw packet header: protocol, lengths and the sampled bytes, as an inner frame."""
    proto, _ = cur.item(rec, HDR_PROTO)
    cur.item(rec, HDR_FRAME_LEN)
    cur.item(rec, HDR_STRIPPED)
    hlen, _ = cur.item(rec, HDR_LEN)
    tvb, pkt = cur.tvb, cur.pkt
    at = cur.off
    hlen = (hlen + 3) & ~3  # (tshark shows the padding as well)
    tvb.need(at, hlen)  # (a header cut short: [Malformed Packet], as tshark)
    hi = pkt.add(rec, HEADER, bytes(tvb.buf[at:at + hlen]), at, hlen, source=cur.src)
    cur.off += hlen
    if proto == 1 and hlen > 0:
        saved = save_columns(pkt)
        # (the outer link layer's trailer is measured from what its network layer
        # claimed: the inner frame's layers must not overwrite it)
        claimed = pkt.proto_data.get(PAYLOAD_LENGTH)
        was = pkt.in_error_pkt
        pkt.in_error_pkt = True  # (as tshark: no TCP analysis of a sampled header)
        try:
            call_under(hi, BY_NAME["eth_withoutfcs"], Tvb(tvb.buf, at, at + hlen, at + hlen,
                                                          cur.src), pkt, session)
        finally:
            restore_columns(pkt, saved)
            if claimed is None:
                pkt.proto_data.pop(PAYLOAD_LENGTH, None)
            else:
                pkt.proto_data[PAYLOAD_LENGTH] = claimed
            pkt.in_error_pkt = was
            session.current_proto = "sflow"


def _gateway(cur: _Cursor, rec: Item) -> None:
    """Extended gateway data: next hop, AS numbers, AS path segments, communities."""
    cur.address(rec, NEXTHOP, NEXTHOP6)
    for f in (AS, SRC_AS, PEER_AS):
        cur.item(rec, f)
    segments, _ = cur.item(rec, DST_AS_ENTRIES)
    for _seg in range(min(segments, _MAX_ITEMS)):
        kind = cur.tvb.u32(cur.off)
        count = cur.tvb.u32(cur.off + 4)
        text = f"{AS_TYPES.get(kind, 'Unknown AS type')}, ({count} entries)"
        st = cur.pkt.add(rec, AS_TYPE, kind, cur.off, 8 + 4 * count, text, source=cur.src)
        cur.off += 8
        for _n in range(min(count, _MAX_ITEMS)):
            cur.item(st, DST_AS)
    count = cur.tvb.u32(cur.off)
    ci = cur.pkt.add(rec, COMMUNITIES, count, cur.off, 4 + 4 * count, source=cur.src)
    cur.off += 4
    for _n in range(min(count, _MAX_ITEMS)):
        cur.item(ci, DST_AS)
    cur.item(rec, LOCALPREF)


def _flow_records(cur: _Cursor, parent: Item, count: int, end: int,
                  session: Session) -> None:
    for _n in range(min(count, _MAX_ITEMS)):
        if cur.off >= end:
            break
        start = cur.off
        v = cur.tvb.u32(start)
        length = cur.tvb.u32(start + 4)
        name = FLOW_FORMATS.get(v & 0xFFF, "Unknown") if v >> 12 == 0 else "Unknown"
        rec = cur.pkt.add_text(parent, name, start, 8 + length, source=cur.src)
        fmt = _type_word(cur, rec, RECORD_FMT, FLOW_FORMATS, False)
        cur.item(rec, FLOW_LEN)
        body_end = cur.off + length
        if fmt == 1:
            _raw_header(cur, rec, session)
        elif fmt == 1002:
            cur.address(rec, NEXTHOP, NEXTHOP6)
            cur.item(rec, SRC_MASK)
            cur.item(rec, DST_MASK)
        elif fmt == 1003:
            _gateway(cur, rec)
        cur.off = body_end


def _flow_sample(cur: _Cursor, top: Item, expanded: bool, end: int,
                 session: Session) -> None:
    """The header of an (expanded) flow sample, then its flow records."""
    if not expanded:
        return  # (compact flow samples: type and length only, not decoded yet)
    count = 0
    for f in _EXPANDED:
        v = cur.tvb.u32(cur.off)
        text = None
        if f is FS_RATE:
            text = f"Sampling rate: 1 out of {v} packets"
        elif f is FS_POOL:
            text = f"Sample pool: {v} total packets"
        elif f is FS_OUT_FMT and cur.pkt.tree_on:
            text = f"{bit_pattern(f, v & f.bitmask)} = {f.name}: {v & f.bitmask}"
        elif f is FS_OUT_VAL:
            text = f"{f.name}: {v}"
        cur.pkt.add(top, f, v, cur.off, 4, text, source=cur.src)
        cur.off += 4
        count = v
    _flow_records(cur, top, count, end, session)


def dissect_sflow(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    off = tvb.start
    if tvb.end - off < 4 or tvb.u32(off) != 5:
        return False
    session.current_proto = "sflow"
    pkt.proto_col = "sFlow"
    src = tvb.source
    top = pkt.add_proto(SFLOW, off, tvb.end - off, "InMon sFlow", source=src)
    cur = _Cursor(tvb, pkt, off)
    cur.item(top, VERSION)
    kind, _ = cur.item(top, AGENTTYPE)
    agent = ""
    if kind == 1:
        a = tvb.u32(cur.off)
        agent = ipv4_str(a)
        pkt.add(top, AGENT, a, cur.off, 4, source=src)
        cur.off += 4
    elif kind == 2:
        raw = bytes(tvb.bytes(cur.off, 16))
        agent = ipv6_str(raw)
        pkt.add(top, AGENT6, raw, cur.off, 16, source=src)
        cur.off += 16
    sub, _ = cur.item(top, SUB_AGENT)
    seq, _ = cur.item(top, SEQ)
    pkt.set_info(f"V5, agent {agent}, sub-agent ID {sub}, seq {seq}")
    up = tvb.u32(cur.off)
    cur.item(top, UPTIME, f"SysUptime: {time_secs_str(up // 1000)} ({up}ms)")
    n, _ = cur.item(top, NUMSAMPLES)
    pkt.append_info(f", {n} samples")
    for _i in range(min(n, _MAX_ITEMS)):
        if cur.off >= tvb.end:
            break
        start = cur.off
        v = tvb.u32(start)
        length = tvb.u32(start + 4)
        stype = v & 0xFFF if v >> 12 == 0 else 0
        name = SAMPLE_TYPES.get(stype, "Unknown sample type")
        label = f"{name}, seq {tvb.u32(start + 8)}" if stype in (1, 3) else name
        st = pkt.add_text(top, label, start, 8 + length, source=src)
        _type_word(cur, st, SAMPLETYPE, SAMPLE_TYPES, True)
        cur.item(st, SAMPLE_LEN)
        end = min(cur.off + length, tvb.end)
        if stype in (1, 3):
            _flow_sample(cur, st, stype == 3, end, session)
        cur.off = start + 8 + length
    return None


UDP_PORT.register(6343, dissect_sflow, "sflow")
TUNNEL_UDP_PORTS.add(6343)  # (a sampled packet header: layers of its own)
register_dissector("sflow", dissect_sflow)
register_learner_layer("sflow", "sFlow")
