"""PIMv2 (RFC 7761) on IP protocol 103: the common header and Hello options, as tshark
4.0 shows them.

     0                   1                   2                   3
    +-------+-------+---------------+-------------------------------+
    |PIM Ver| Type  |   Reserved    |           Checksum            |
    +-------+-------+---------------+-------------------------------+
    |        Option Type            |         Option Length         |   (Hello)
    |                        Option Value ...                       |
The checksum covers the whole message. Messages other than Hello show the header only.
"""

from __future__ import annotations

from dissectors.dispatch import IP_PROTO, register_dissector
from dissectors.icmp import ones_sum
from dissectors.ip_fields import CHECKSUM_STATUS
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

TYPES = {0: "Hello", 1: "Register", 2: "Register-stop", 3: "Join/Prune", 4: "Bootstrap",
         5: "Assert", 6: "Graft", 7: "Graft-Ack", 8: "Candidate-RP-Advertisement",
         9: "State-Refresh", 10: "DF election", 11: "ECMP redirect"}

PIM = protocol("pim", "Protocol Independent Multicast", "PIM")
VERSION = PIM.field("pim.version", "Version", FT.UINT8, Base.DEC, bitmask=0xF0)
TYPE = PIM.field("pim.type", "Type", FT.UINT8, Base.DEC, bitmask=0x0F, strings=TYPES)
RES_BYTES = PIM.field("pim.res_bytes", "Reserved byte(s)", FT.BYTES)
CKSUM = PIM.field("pim.cksum", "Checksum", FT.UINT16, Base.HEX)
CKSUM_STATUS = PIM.field("pim.cksum.status", "Checksum Status", FT.UINT8, Base.NONE,
                         strings=CHECKSUM_STATUS)
OPTION = PIM.field("pim.option", "PIM Options", FT.NONE)
OPT_TYPE = PIM.field("pim.optiontype", "Type", FT.UINT16, Base.DEC)
OPT_LENGTH = PIM.field("pim.optionlength", "Length", FT.UINT16, Base.DEC)
OPT_VALUE = PIM.field("pim.optionvalue", "Unknown", FT.BYTES)
HOLDTIME = PIM.field("pim.holdtime", "Holdtime", FT.UINT16, Base.DEC)
DR_PRIORITY = PIM.field("pim.dr_priority", "DR Priority", FT.UINT32, Base.DEC)
GENERATION_ID = PIM.field("pim.generation_id", "Generation ID", FT.UINT32, Base.DEC)
SR_VERSION = PIM.field("pim.state_refresh_version", "Version", FT.UINT8, Base.DEC)
SR_INTERVAL = PIM.field("pim.state_refresh_interval", "Interval", FT.UINT8, Base.DEC)
SR_RESERVED = PIM.field("pim.state_refresh_reserved", "Reserved", FT.UINT16, Base.DEC)
_MAX_OPTIONS = 1000  # (each option takes at least 4 bytes; a bound all the same)


def dissect_pim(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "pim"
    off = tvb.start
    tvb.need(off, 1)
    vt = tvb.u8(off)
    version, ptype = vt >> 4, vt & 0xF
    pkt.proto_col = f"PIMv{version}"
    pkt.set_info(TYPES.get(ptype, f"Unknown ({ptype})") if version == 2 else "")
    top = pkt.add_proto(PIM, off, tvb.length, PIM.name)
    pkt.add(top, VERSION, version, off, 1)
    pkt.add(top, TYPE, ptype, off, 1)
    if version != 2:
        return
    pkt.add(top, RES_BYTES, tvb.bytes(off + 1, 1), off + 1, 1)
    csum = tvb.u16(off + 2)
    if tvb.end >= tvb.rend and ones_sum(tvb.bytes(off, tvb.rend - off)) == 0xFFFF:
        pkt.add(top, CKSUM, csum, off + 2, 2, f"Checksum: 0x{csum:04x} [correct]")
        pkt.add(top, CKSUM_STATUS, 1, off + 2, 0, "Checksum Status: Good", generated=True)
    elif tvb.end >= tvb.rend:
        b = tvb.bytes(off, tvb.rend - off)
        should = ~ones_sum(b[:2] + b"\0\0" + b[4:]) & 0xFFFF
        pkt.add(top, CKSUM, csum, off + 2, 2,
                f"Checksum: 0x{csum:04x} incorrect, should be 0x{should:04x}")
        pkt.add(top, CKSUM_STATUS, 0, off + 2, 0, "Checksum Status: Bad", generated=True)
    else:
        pkt.add(top, CKSUM, csum, off + 2, 2, f"Checksum: 0x{csum:04x} [unverified]")
        pkt.add(top, CKSUM_STATUS, 2, off + 2, 0, "Checksum Status: Unverified",
                generated=True)
    if ptype == 0:
        _hello_options(tvb, pkt, top, off + 4)


def _hello_options(tvb: Tvb, pkt: Packet, top: Item, pos: int) -> None:
    end = tvb.rend
    opts = pkt.add(top, OPTION, None, pos, end - pos, "PIM Options")
    count = 0
    while pos + 4 <= end and count < _MAX_OPTIONS:
        otype, olen = tvb.u16(pos), tvb.u16(pos + 2)
        v = pos + 4
        oi = pkt.add_text(opts, f"Option {otype}", pos, 4 + olen, source=tvb.source)
        pkt.add(oi, OPT_TYPE, otype, pos, 2)
        pkt.add(oi, OPT_LENGTH, olen, pos + 2, 2)
        if otype == 1 and olen == 2:
            hold = tvb.u16(v)
            pkt.add(oi, HOLDTIME, hold, v, 2)
            text = f"Hold Time: {hold}"
        elif otype == 19 and olen == 4:
            prio = tvb.u32(v)
            pkt.add(oi, DR_PRIORITY, prio, v, 4)
            text = f"DR Priority: {prio}"
        elif otype == 20 and olen == 4:
            gen = tvb.u32(v)
            pkt.add(oi, GENERATION_ID, gen, v, 4)
            text = f"Generation ID: {gen}"
        elif otype == 21 and olen == 4:
            ver, interval = tvb.u8(v), tvb.u8(v + 1)
            pkt.add(oi, SR_VERSION, ver, v, 1)
            pkt.add(oi, SR_INTERVAL, interval, v + 1, 1)
            pkt.add(oi, SR_RESERVED, tvb.u16(v + 2), v + 2, 2)
            text = f"State-Refresh: Version = {ver}, Interval = {interval}s"
        elif otype == 65004:
            text = "RPF Proxy Vector (Cisco proprietary)"
            if olen:
                pkt.add(oi, OPT_VALUE, tvb.bytes(v, olen), v, olen)
        else:
            text = f"Unknown: {otype}"
            if olen:
                pkt.add(oi, OPT_VALUE, tvb.bytes(v, olen), v, olen)
        oi.text = f"Option {otype}: {text}"
        pos = v + olen
        count += 1
    opts.text = f"PIM Options: {count}"


IP_PROTO.register(103, dissect_pim, "pim")
register_dissector("pim", dissect_pim)
register_learner_layer("pim", "PIM", "network")
