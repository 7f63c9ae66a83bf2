"""Portmap (RPC program 100000) version 2, as tshark 4.0 shows it: every procedure named,
GETPORT's call (program, version, protocol) and reply (the port) decoded; the other
procedures' bodies are left out (NULL and DUMP have none in their calls).
"""

from __future__ import annotations

from dissectors.offers import register_learner_layer
from dissectors.packet import Packet
from dissectors.registry import FT, Base, protocol
from dissectors.rpc import (
    PROGRAM_NAMES,
    PROGVERS,
    CallInfo,
    Item,
    Named,
    Program,
    register_program,
    u32,
)
from dissectors.session import Session
from dissectors.tvb import Tvb

PROCS_V2 = Named({0: "NULL", 1: "SET", 2: "UNSET", 3: "GETPORT", 4: "DUMP", 5: "CALLIT"})
IP_PROTOS = {6: "TCP", 17: "UDP"}
#: Programs tshark names (its RPC protocols' short names) beyond those decoded here.
OTHER_PROGRAMS = {100001: "RSTAT", 100004: "YPSERV", 100005: "MOUNT", 100007: "YPBIND",
                  100008: "RWALL", 100009: "YPPASSWD", 100011: "RQUOTA", 100012: "SPRAY",
                  100020: "KLM", 100021: "NLM", 100024: "STAT", 100026: "BOOTPARAMS",
                  100227: "NFSACL", 100300: "NIS+", 150001: "PCNFSD"}

PORTMAP = protocol("portmap", "Portmap", "Portmap")
PROC_V2 = PORTMAP.field("portmap.procedure_v2", "V2 Procedure", FT.UINT32, Base.DEC,
                        strings=PROCS_V2)
PROG = PORTMAP.field("portmap.prog", "Program", FT.UINT32, Base.DEC, strings=PROGRAM_NAMES)
VERSION = PORTMAP.field("portmap.version", "Version", FT.UINT32, Base.DEC)
PROTO = PORTMAP.field("portmap.proto", "Protocol", FT.UINT32, Base.DEC, strings=IP_PROTOS)
PORT = PORTMAP.field("portmap.port", "Port", FT.UINT32, Base.DEC)


def _v2(tvb: Tvb, off: int, pkt: Packet, session: Session, _tree: Item,
        call: CallInfo) -> int:
    session.current_proto = "portmap"
    pkt.proto_col = "Portmap"
    src = tvb.source
    top = pkt.add_proto(PORTMAP, off, tvb.end - off, "Portmap", source=src,
                        in_stack=off < tvb.rend)
    pkt.add(top, PROGVERS, 2, 0, 0, generated=True)
    pkt.add(top, PROC_V2, call.proc, 0, 0, generated=True)
    if call.proc != 3:
        return off
    if call.is_call:
        prog, vers, proto = u32(tvb, off), u32(tvb, off + 4), u32(tvb, off + 8)
        port = u32(tvb, off + 12)
        pkt.add(top, PROG, prog, off, 4, source=src)
        pkt.add(top, VERSION, vers, off + 4, 4, source=src)
        pkt.add(top, PROTO, proto, off + 8, 4, f"Proto: {IP_PROTOS.get(proto, 'Unknown')} "
                f"({proto})" if pkt.tree_on else None, source=src)
        pkt.add(top, PORT, port, off + 12, 4, source=src)
        name = PROGRAM_NAMES.get(prog, "Unknown")
        pname = IP_PROTOS.get(proto, "Unknown")
        pkt.append_info(f" {name}({prog}) V:{vers} {pname}")
        top.text = f"Portmap GETPORT Call {name}({prog}) Version:{vers} {pname}"
        top.length = 16
        return off + 16
    port = u32(tvb, off)
    pkt.add(top, PORT, port, off, 4, source=src)
    port = port - (1 << 32) if port >= 1 << 31 else port  # (tshark's %d)
    top.text = f"Portmap GETPORT Reply Port:{port}"
    if port == 0:
        top.text += " PROGRAM_NOT_AVAILABLE"
        pkt.append_info(" PROGRAM_NOT_AVAILABLE")
    else:
        pkt.append_info(f" Port:{port}")
    top.length = 4
    return off + 4


PROGRAM_NAMES.update(OTHER_PROGRAMS)
register_program(Program(100000, "Portmap", "portmap", {2: PROCS_V2}, call={2: _v2},
                         reply={2: _v2}))
register_learner_layer("portmap", "Portmap")
