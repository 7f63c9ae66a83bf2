"""Generic `data`: bytes no dissector claimed."""

from __future__ import annotations

from typing import Final

from dissectors.dispatch import register_dissector
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.time_text import plural
from dissectors.tvb import Tvb

DATA: Final = protocol("data", "Data", "Data")
DATA_DATA: Final = DATA.field("data.data", "Data", FT.BYTES)
DATA_TEXT: Final = DATA.field("data.text", "Text", FT.STRING)
DATA_LEN: Final = DATA.field("data.len", "Length", FT.INT32, Base.DEC)


def add_data_fields(pkt: Packet, tree: Item, data: bytes, off: int, source: int = 0) -> None:
    pkt.add(tree, DATA_DATA, data, off, len(data), source=source)
    pkt.add(tree, DATA_LEN, len(data), off, 0, generated=True, source=source)


def dissect_data(tvb: Tvb, pkt: Packet, session: Session) -> None:
    n = tvb.end - tvb.start
    if n <= 0 and tvb.reported_length <= 0:
        return
    data = tvb.bytes(tvb.start, n) if n > 0 else b""  # (a native slice compiled: see Tvb)
    tree = pkt.add_proto(DATA, tvb.start, n, f"Data ({plural(n, 'byte')})", source=tvb.source)
    tree.value = data
    add_data_fields(pkt, tree, data, tvb.start, tvb.source)
    # A payload cut short by the snapshot length is shown as captured: Wireshark's data
    # dissector reads only the captured bytes, so no "[Packet size limited ...]" here.


register_dissector("data", dissect_data)
register_learner_layer("data", "data")
