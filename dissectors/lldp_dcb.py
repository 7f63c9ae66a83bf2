"""LLDP's IEEE 802.1 DCB TLVs (802.1Qaz ETS, 802.1Qau congestion notification,
application priority), as packet-lldp.c shows them; lldp.py hands these subtypes here."""

from __future__ import annotations

from collections.abc import Callable

from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Protocol
from dissectors.tvb import Tvb

TSA_NAMES = {0: "Strict Priority", 1: "Credit-Based Shaper", 2: "Enhanced Transmission Selection",
             255: "Vendor Specific Algorithm"}
Handler = Callable[[Packet, Tvb, Item, int, int], None]


def declare(lldp: Protocol) -> dict[int, Handler]:
    """Declare the fields under `lldp`; the subtype -> handler table for lldp.py."""
    willing = lldp.field("lldp.dcbx.ieee.willing", "Willing", FT.BOOLEAN, bitmask=0x80,
                         strings=("Yes", "No"))
    cbs = lldp.field("lldp.dcbx.ieee.ets.cbs", "Credit-Based Shaper", FT.BOOLEAN, bitmask=0x40,
                     strings=("Supported", "Not supported"))
    maxtcs = lldp.field("lldp.dcbx.ieee.ets.maxtcs", "Maximum Number of Traffic Classes",
                        FT.UINT8, Base.DEC, bitmask=0x07)
    reserved = lldp.field("lldp.dcbx.feature.pg.reserved", "Reserved", FT.UINT8, Base.HEX,
                          bitmask=0xFE)
    pgids = [lldp.field(f"lldp.dcbx.feature.pg.pgid_prio{i}", f"PGID for Prio {i}", FT.UINT16,
                        Base.DEC, bitmask=0xF000 >> (4 * (i % 4))) for i in range(8)]
    pers = [lldp.field(f"lldp.dcbx.feature.pg.per{i}", f"Bandwidth for PGID {i}", FT.UINT8,
                       Base.DEC) for i in range(8)]
    tsas = [lldp.field(f"lldp.dcbx.ieee.ets.tsa{i}", f"TSA for Traffic Class {i}", FT.UINT8,
                       Base.DEC, strings=TSA_NAMES) for i in range(8)]
    cnpv = [lldp.field(f"lldp.ieee.802_1qau.cnpv.prio{i}", f"Priority {i} CNPV Capability",
                       FT.BOOLEAN, bitmask=1 << i, strings=("Enabled", "Disabled"))
            for i in range(8)]
    ready = [lldp.field(f"lldp.ieee.802_1qau.ready.prio{i}", f"Priority {i} Ready Indicator",
                        FT.BOOLEAN, bitmask=1 << i, strings=("Set", "Not set"))
             for i in range(8)]
    app_reserved = lldp.field("lldp.dcbx.ieee.app.reserved", "Reserved", FT.UINT8, Base.HEX)

    def groups(pkt: Packet, tvb: Tvb, tree: Item, at: int) -> None:
        b = tvb.buf
        tvb.need(at, 20)
        for i, f in enumerate(pgids):
            word_at = at + 2 * (i // 4)
            pkt.add(tree, f, (tvb.u16(word_at) & f.bitmask) >> f.shift, word_at, 2)
        for i, f in enumerate(pers):
            pkt.add(tree, f, b[at + 4 + i], at + 4 + i, 1)
        for i, f in enumerate(tsas):
            pkt.add(tree, f, b[at + 12 + i], at + 12 + i, 1)

    def ets_config(pkt: Packet, tvb: Tvb, tree: Item, at: int, end: int) -> None:
        tvb.need(at, 1)
        v = tvb.buf[at]
        pkt.add(tree, willing, bool(v & 0x80), at, 1)
        pkt.add(tree, cbs, bool(v & 0x40), at, 1)
        n = v & 7
        pkt.add(tree, maxtcs, n, at, 1,
                f".... .{n:03b} = Maximum Number of Traffic Classes: {n or 8} (0x{n:x})")
        groups(pkt, tvb, tree, at + 1)

    def ets_recommendation(pkt: Packet, tvb: Tvb, tree: Item, at: int, end: int) -> None:
        tvb.need(at, 1)
        v = tvb.buf[at]
        pkt.add(tree, reserved, v >> 1, at, 1,
                f"{v >> 4:04b} {v >> 1 & 7:03b}. = Reserved: 0x{v >> 1:02x}")
        groups(pkt, tvb, tree, at + 1)

    def congestion(pkt: Packet, tvb: Tvb, tree: Item, at: int, end: int) -> None:
        tvb.need(at, 2)
        for fields, v, o in ((cnpv, tvb.buf[at], at), (ready, tvb.buf[at + 1], at + 1)):
            for f in fields:
                pkt.add(tree, f, bool(v & f.bitmask), o, 1)

    def application(pkt: Packet, tvb: Tvb, tree: Item, at: int, end: int) -> None:
        tvb.need(at, 1)
        pkt.add(tree, app_reserved, tvb.buf[at], at, 1)

    return {8: congestion, 9: ets_config, 10: ets_recommendation, 12: application}
