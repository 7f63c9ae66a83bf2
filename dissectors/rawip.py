"""Raw IP link types (LINKTYPE_RAW 101, and DLT_RAW's 12 / 14 on some systems).

No link header: the IP version nibble chooses IPv4 or IPv6. Like Wireshark's `raw`
dissector, the first 8 bytes are looked at first (for PPP/ippp framings it does not
decode here), so a shorter packet is malformed; other versions are data.
"""

from __future__ import annotations

from dissectors.dispatch import BY_NAME, LINKTYPE, register_dissector
from dissectors.packet import Packet
from dissectors.registry import protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

RAW = protocol("raw", "Raw packet data", "Raw")


def dissect_raw(tvb: Tvb, pkt: Packet, session: Session) -> None:
    session.current_proto = "raw"
    off = tvb.start
    pkt.src = pkt.dst = "N/A"
    pkt.proto_col = "N/A"
    pkt.set_info("Raw packet data")
    pkt.add_proto(RAW, off, 0, "Raw packet data")
    tvb.need(off, 8)
    version = tvb.buf[off] >> 4
    name = {4: "ip", 6: "ipv6"}.get(version)
    if name is None:
        BY_NAME["data"](tvb, pkt, session)
        return
    pkt.clear_info()
    BY_NAME[name](tvb, pkt, session)


for _lt in (101, 12, 14):
    LINKTYPE.register(_lt, dissect_raw, "raw")
register_dissector("raw", dissect_raw)
