"""Dropbox LAN sync Discovery (DB-LSP-DISC) on UDP port 17500, as tshark 4.0 shows it:
a JSON announcement, shown inside the protocol's own tree.
"""

from __future__ import annotations

from dissectors.dispatch import UDP_PORT, register_dissector
from dissectors.json import dissect_json_in
from dissectors.offers import register_learner_layer
from dissectors.packet import Packet
from dissectors.registry import protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

DB_LSP_DISC = protocol("db-lsp-disc", "Dropbox LAN sync Discovery Protocol", "DB-LSP-DISC")


def dissect_db_lsp_disc(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    session.current_proto = "db-lsp-disc"
    pkt.proto_col = "DB-LSP-DISC"
    pkt.set_info("Dropbox LAN sync Discovery Protocol")
    top = pkt.add_proto(DB_LSP_DISC, tvb.start, tvb.end - tvb.start, source=tvb.source)
    dissect_json_in(tvb, pkt, top)
    return None


UDP_PORT.register(17500, dissect_db_lsp_disc, "db-lsp-disc")
register_dissector("db-lsp-disc", dissect_db_lsp_disc)
register_learner_layer("db-lsp-disc", "DB-LSP-DISC")
