"""World of Warcraft's authentication server protocol on TCP port 3724, as tshark 4.0
shows it: the command byte, named or not.

    +---------+---------------------------------
    | Command | command-specific body ...
    +---------+---------------------------------
Only the command is decoded (the logon, reconnect and realm-list bodies are left out).
"""

from __future__ import annotations

from dissectors.dispatch import TCP_PORT, register_dissector
from dissectors.offers import register_learner_layer
from dissectors.packet import Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

COMMANDS = {0x00: "Authentication Logon Challenge", 0x01: "Authentication Logon Proof",
            0x02: "Authentication Reconnect Challenge",
            0x03: "Authentication Reconnect Proof", 0x10: "Realm List",
            0x30: "Transfer Initiate", 0x31: "Transfer Data", 0x32: "Transfer Accept",
            0x33: "Transfer Resume", 0x34: "Transfer Cancel"}

WOW = protocol("wow", "World of Warcraft", "WOW")
CMD = WOW.field("wow.cmd", "Command", FT.UINT8, Base.HEX, strings=COMMANDS, offset=0)


def dissect_wow(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    off = tvb.start
    session.current_proto = "wow"
    pkt.proto_col = "WOW"
    cmd = tvb.u8(off)
    pkt.set_info(COMMANDS.get(cmd, "Unrecognized packet type"))
    top = pkt.add_proto(WOW, off, tvb.end - off, source=tvb.source)
    pkt.add(top, CMD, cmd, off, 1,
            None if cmd in COMMANDS else f"Command: Unknown (0x{cmd:02x})", source=tvb.source)
    return None


TCP_PORT.register(3724, dissect_wow, "wow")
register_dissector("wow", dissect_wow)
register_learner_layer("wow", "WOW")
