"""SNMP v1/v2c (RFC 1157, 3416) and v3 (snmp_v3.py) on UDP ports 161 and 162, as tshark 4.0 shows it.

    Message ::= SEQUENCE { version INTEGER, community OCTET STRING, data PDUs }
    PDU     ::= [n] SEQUENCE { request-id, error-status, error-index,
                               variable-bindings SEQUENCE OF SEQUENCE { name OID, value } }
BER is read by `ber.py` (bounded). A message longer than the datagram is not SNMP (tshark
leaves it to data); a malformed element inside marks the packet malformed.
"""

from __future__ import annotations

from dissectors.ber import (
    APPLICATION,
    CONTEXT,
    UNIVERSAL,
    BerError,
    Reader,
    Tlv,
    read_tlv,
    resolved_oid,
)
from dissectors.bounded import remember
from dissectors.dispatch import UDP_PORT, register_dissector
from dissectors.escape import format_text
from dissectors.format import ipv4_str
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field
from dissectors.session import Session
from dissectors.snmp_proto import SNMP, VERSIONS
from dissectors.snmp_v3 import dissect_v3
from dissectors.time_text import plural
from dissectors.tvb import ReportedBoundsError, Tvb
from dissectors.udp import UdpStreams, stream_key

PDU_NAMES = {0: "get-request", 1: "get-next-request", 2: "get-response", 3: "set-request",
             4: "trap", 5: "getBulkRequest", 6: "informRequest", 7: "snmpV2-trap",
             8: "report"}
ERRORS = {0: "noError", 1: "tooBig", 2: "noSuchName", 3: "badValue", 4: "readOnly",
          5: "genErr", 6: "noAccess", 7: "wrongType", 8: "wrongLength", 9: "wrongEncoding",
          10: "wrongValue", 11: "noCreation", 12: "inconsistentValue",
          13: "resourceUnavailable", 14: "commitFailed", 15: "undoFailed",
          16: "authorizationError", 17: "notWritable", 18: "inconsistentName"}
GENERIC_TRAPS = {0: "coldStart", 1: "warmStart", 2: "linkDown", 3: "linkUp",
                 4: "authenticationFailure", 5: "egpNeighborLoss", 6: "enterpriseSpecific"}

VERSION = SNMP.field("snmp.version", "version", FT.INT32, Base.DEC, strings=VERSIONS)
COMMUNITY = SNMP.field("snmp.community", "community", FT.STRING)
DATA = SNMP.field("snmp.data", "data", FT.UINT32, Base.DEC, strings=PDU_NAMES)
_ELEMENTS = ("get_request", "get_next_request", "get_response", "set_request", "trap",
             "getBulkRequest", "informRequest", "snmpV2_trap", "report")
ELEMENTS = [SNMP.field(f"snmp.{e}_element", PDU_NAMES[i], FT.NONE)
            for i, e in enumerate(_ELEMENTS)]
REQUEST_ID = SNMP.field("snmp.request_id", "request-id", FT.INT32, Base.DEC)
ERROR_STATUS = SNMP.field("snmp.error_status", "error-status", FT.INT32, Base.DEC,
                          strings=ERRORS)
ERROR_INDEX = SNMP.field("snmp.error_index", "error-index", FT.INT32, Base.DEC)
NON_REPEATERS = SNMP.field("snmp.non_repeaters", "non-repeaters", FT.UINT32, Base.DEC)
MAX_REPETITIONS = SNMP.field("snmp.max_repetitions", "max-repetitions", FT.UINT32, Base.DEC)
VARIABLE_BINDINGS = SNMP.field("snmp.variable_bindings", "variable-bindings", FT.UINT32,
                               Base.DEC)
ENTERPRISE = SNMP.field("snmp.enterprise", "enterprise", FT.OID)
AGENT_ADDR = SNMP.field("snmp.agent_addr", "agent-addr", FT.IPv4)
GENERIC_TRAP = SNMP.field("snmp.generic_trap", "generic-trap", FT.INT32, Base.DEC,
                          strings=GENERIC_TRAPS)
SPECIFIC_TRAP = SNMP.field("snmp.specific_trap", "specific-trap", FT.INT32, Base.DEC)
TIME_STAMP = SNMP.field("snmp.time_stamp", "time-stamp", FT.UINT32, Base.DEC)
NAME = SNMP.field("snmp.name", "Object Name", FT.OID)
VALUE_INT = SNMP.field("snmp.value.int", "Value (Integer32)", FT.INT64, Base.DEC)
VALUE_OCTETS = SNMP.field("snmp.value.octets", "Value (OctetString)", FT.BYTES)
VALUE_OID = SNMP.field("snmp.value.oid", "Value (OID)", FT.OID)
VALUE_NULL = SNMP.field("snmp.value.null", "Value (Null)", FT.NONE)
VALUE_IPV4 = SNMP.field("snmp.value.ipv4", "Value (IpAddress)", FT.IPv4)
VALUE_ADDR = SNMP.field("snmp.value.addr", "Value (IpAddress)", FT.BYTES)
VALUE_U32 = SNMP.field("snmp.value.u32", "Value (Unsigned32)", FT.INT64, Base.DEC)
VALUE_G32 = SNMP.field("snmp.value.g32", "Value (Gauge32)", FT.INT64, Base.DEC)
VALUE_UNK = SNMP.field("snmp.value.unk", "Value (Unknown)", FT.BYTES)
VALUE_COUNTER = SNMP.field("snmp.value.counter", "Value (Counter32)", FT.UINT64, Base.DEC)
VALUE_TIMETICKS = SNMP.field("snmp.value.timeticks", "Value (Timeticks)", FT.UINT64, Base.DEC)
VALUE_OPAQUE = SNMP.field("snmp.value.opaque", "Value (Opaque)", FT.BYTES)
NO_SUCH_OBJECT = SNMP.field("snmp.noSuchObject", "noSuchObject", FT.NONE)
NO_SUCH_INSTANCE = SNMP.field("snmp.noSuchInstance", "noSuchInstance", FT.NONE)
END_OF_MIB_VIEW = SNMP.field("snmp.endOfMibView", "endOfMibView", FT.NONE)
VAR_BIND_STR = SNMP.field("snmp.var-bind_str", "Variable-binding-string", FT.STRING)
RESPONSE_IN = SNMP.field("snmp.response_in", "Response In", FT.FRAMENUM)
RESPONSE_TO = SNMP.field("snmp.response_to", "Response To", FT.FRAMENUM)
TIME = SNMP.field("snmp.time", "Time", FT.RELATIVE_TIME)

# Objects whose value Wireshark hands to a string dissector (snmp.variable_oid table).
_STRING_OIDS = frozenset(("1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.5.0"))
_REQUESTS = frozenset((0, 1, 3, 5, 6))
# Application-class value types: (field, label type, unsigned).
_APP_VALUES: dict[int, tuple[Field, str]] = {
    0: (VALUE_IPV4, "IpAddress"), 1: (VALUE_COUNTER, "Counter32"),
    2: (VALUE_G32, "Gauge32"), 3: (VALUE_TIMETICKS, "Timeticks"),
    4: (VALUE_OPAQUE, "Opaque"), 6: (VALUE_COUNTER, "Counter64"),
    7: (VALUE_U32, "Unsigned32"),
}
_EXCEPTIONS = {0: NO_SUCH_OBJECT, 1: NO_SUCH_INSTANCE, 2: END_OF_MIB_VIEW}


class _Tracker:
    """Requests by (conversation, request-id); what the first pass paired, by frame."""

    def __init__(self) -> None:
        self.requests: dict[tuple, tuple[int, int]] = {}  # key -> (frame, ts), newest 64k
        self.response_in: dict[int, int] = {}  # request frame -> response frame


def _hex(raw: bytes) -> str:
    """Bytes as a label shows them: at most 36, then an ellipsis."""
    return raw[:36].hex() + "\u2026" if len(raw) > 36 else raw.hex()


def _printable(raw: bytes) -> bool:
    return all(0x20 <= c < 0x7F for c in raw)


def _message_fits(tvb: Tvb) -> bool:
    """A SEQUENCE that the datagram holds whole (else tshark leaves it to data)."""
    try:
        t = read_tlv(tvb.buf, tvb.start, tvb.end)
    except BerError:
        return False
    return t.ident == 0x30


def dissect_snmp(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    if not _message_fits(tvb):
        return False
    session.current_proto = "snmp"
    r = Reader(tvb.buf)
    b = tvb.buf
    src = tvb.source
    msg = r.tlv(tvb.start, tvb.end, 0x30)
    _conversation(pkt, session)
    pkt.proto_col = "SNMP"
    pkt.clear_info()
    top = pkt.add_proto(SNMP, tvb.start, msg.end - tvb.start,
                        "Simple Network Management Protocol", source=src)
    vt = r.tlv(msg.off, msg.end, 0x02)
    version = r.int(vt)
    if version == 3:
        def read_pdu(r: Reader, parent: Item, off: int, end: int) -> None:
            _pdu(r, pkt, session, parent, off, end, src)
        dissect_v3(r, pkt, top, msg, vt, version, src, read_pdu)
        return None
    pkt.add(top, VERSION, version, vt.start, vt.end - vt.start, source=src)
    if version not in (0, 1):
        return None  # v2u: not decoded
    ct = r.tlv(vt.end, msg.end, 0x04)
    community = bytes(b[ct.off:ct.end]).decode("ascii", errors="replace")
    pkt.add(top, COMMUNITY, community, ct.start, ct.end - ct.start, source=src)
    _pdu(r, pkt, session, top, ct.end, msg.end, src)
    return None


def _pdu(r: Reader, pkt: Packet, session: Session, parent: Item, off: int, end: int,
         src: int) -> None:
    """The PDU at `off` under `parent` (the message, or v3's plaintext), with its pairing."""
    pt = r.tlv(off, end)
    if pt.cls != CONTEXT or not pt.constructed or pt.tag not in PDU_NAMES:
        raise ReportedBoundsError("unknown PDU")
    kind = pt.tag
    name = PDU_NAMES[kind]
    info: list[str] = [name]  # (Info is written once the PDU is read whole)
    di = pkt.add(parent, DATA, kind, pt.start, pt.end - pt.start, source=src)
    el = pkt.add(di, ELEMENTS[kind], None, pt.start, pt.end - pt.start, name, source=src)
    if kind == 4:
        at = _trap_v1(r, pkt, el, pt, src, info)
        request_id = None
    else:
        it = r.tlv(pt.off, pt.end, 0x02)
        request_id = r.int(it)
        pkt.add(el, REQUEST_ID, request_id, it.start, it.end - it.start, source=src)
        second = (NON_REPEATERS, MAX_REPETITIONS) if kind == 5 else (ERROR_STATUS, ERROR_INDEX)
        at = it.end
        for f in second:
            t = r.tlv(at, pt.end, 0x02)
            v = r.int(t)
            pkt.add(el, f, v, t.start, t.end - t.start,
                    f"{f.name}: Unknown ({v})" if f.strings and v not in f.strings else None,
                    source=src)
            at = t.end
    _varbinds(r, pkt, el, at, pt.end, src, info)
    pkt.set_info(" ".join(info))
    if request_id is not None:
        _track(pkt, session, parent, kind, request_id)


def _trap_v1(r: Reader, pkt: Packet, el: Item, pt: Tlv, src: int, info: list[str]) -> int:
    et = r.tlv(pt.off, pt.end, 0x06)
    ent = r.oid(et)
    pkt.add(el, ENTERPRISE, ent, et.start, et.end - et.start,
            f"enterprise: {ent} ({resolved_oid(ent)})", source=src)
    info.append(resolved_oid(ent))
    at = r.tlv(et.end, pt.end, 0x40)
    if at.length != 4:
        raise ReportedBoundsError("agent-addr is not 4 bytes")
    pkt.add(el, AGENT_ADDR, int.from_bytes(bytes(r.buf[at.off:at.end]), "big"), at.start,
            at.end - at.start, source=src)
    off = at.end
    for f, ident, signed in ((GENERIC_TRAP, 0x02, True), (SPECIFIC_TRAP, 0x02, True),
                             (TIME_STAMP, 0x43, False)):
        t = r.tlv(off, pt.end, ident)
        pkt.add(el, f, r.int(t, signed), t.start, t.end - t.start, source=src)
        off = t.end
    return off


def _varbinds(r: Reader, pkt: Packet, el: Item, off: int, end: int, src: int,
              info: list[str]) -> None:
    lt = r.tlv(off, end, 0x30)
    count = 0
    p = lt.off
    while p < lt.end:
        t = r.tlv(p, lt.end)
        count += 1
        p = t.end
    li = pkt.add(el, VARIABLE_BINDINGS, count, lt.start, lt.end - lt.start,
                 f"variable-bindings: {plural(count, 'item')}", source=src)
    p = lt.off
    while p < lt.end:
        vb = r.tlv(p, lt.end, 0x30)
        info.append(_varbind(r, pkt, li, vb, src))
        p = vb.end


def _varbind(r: Reader, pkt: Packet, parent: Item, vb: Tlv, src: int) -> str:
    """One binding's subtree; returns its OID (for Info)."""
    sub = pkt.add_text(parent, "VarBind", vb.start, vb.end - vb.start, source=src)
    nt = r.tlv(vb.off, vb.end, 0x06)
    oid = r.oid(nt)
    vt = r.tlv(nt.end, vb.end)
    pkt.add(sub, NAME, oid, nt.start, nt.end - nt.start,
            f"Object Name: {oid} ({resolved_oid(oid)})", source=src)
    raw = bytes(r.buf[vt.off:vt.end])
    at, n = vt.start, vt.end - vt.start
    shown: str
    if vt.constructed:
        raise ReportedBoundsError("value not in primitive encoding")
    if vt.cls == UNIVERSAL and vt.tag == 2:
        v = r.int(vt)
        shown = str(v)
        pkt.add(sub, VALUE_INT, v, at, n, source=src)
    elif vt.cls == UNIVERSAL and vt.tag == 4:
        shown = f'"{format_text(raw)}"' if _printable(raw) else _hex(raw)
        vi = pkt.add(sub, VALUE_OCTETS, raw, at, n, f"Value (OctetString): {shown}",
                     source=src)
        if oid in _STRING_OIDS:
            pkt.protocols.append(SNMP.abbrev)  # (the string dissector is SNMP's)
            text = raw.decode("ascii", errors="replace")
            pkt.add(vi, VAR_BIND_STR, text, vt.off, vt.length, source=src)
    elif vt.cls == UNIVERSAL and vt.tag == 5:
        shown = "Value (Null)"
        pkt.add(sub, VALUE_NULL, None, at, n, "Value (Null)", source=src)
    elif vt.cls == UNIVERSAL and vt.tag == 6:
        v_oid = r.oid(vt)
        shown = f"{v_oid} ({resolved_oid(v_oid)})"
        pkt.add(sub, VALUE_OID, v_oid, at, n, f"Value (OID): {shown}", source=src)
    elif vt.cls == APPLICATION and vt.tag in _APP_VALUES:
        f, label = _APP_VALUES[vt.tag]
        if vt.tag == 0 and vt.length == 4:
            a = int.from_bytes(raw, "big")
            shown = ipv4_str(a)
            pkt.add(sub, VALUE_IPV4, a, at, n, source=src)
        elif vt.tag in (0, 4):
            shown = _hex(raw)
            pkt.add(sub, VALUE_ADDR if vt.tag == 0 else f, raw, at, n,
                    f"Value ({label}): {shown}", source=src)
        else:
            v = r.int(vt, signed=False)
            shown = str(v)
            pkt.add(sub, f, v, at, n, f"Value ({label}): {v}", source=src)
    elif vt.cls == CONTEXT and vt.tag in _EXCEPTIONS:
        f = _EXCEPTIONS[vt.tag]
        shown = f.name
        pkt.add(sub, f, None, at, n, source=src)
    else:
        shown = _hex(raw)
        pkt.add(sub, VALUE_UNK, raw, at, n, f"Value (Unknown): {shown}", source=src)
    sub.text = f"{oid}: {shown}"
    return oid


def _ports(pkt: Packet) -> tuple[int, int]:
    """The UDP ports carrying this message (as UDP set them)."""
    return pkt.srcport, pkt.dstport


def _conversation(pkt: Packet, session: Session) -> None:
    """Wireshark's SNMP sets up a conversation to any port of the agent, which UDP then
    finds for the pair's later packets under a new stream index: once per pair on port
    161 (either way), for every message on the trap port 162 (measured on tshark 4.0)."""
    sp, dp = _ports(pkt)
    if 162 in (sp, dp):
        once = False
    elif 161 in (sp, dp):
        once = True
    else:
        return
    key = stream_key(pkt.net_src, sp, pkt.net_dst, dp)
    made = session.state("snmp.conversations", set)
    if once and key in made:
        return
    made.add(key)
    session.state("udp.streams", UdpStreams).renew(key)


def _track(pkt: Packet, session: Session, top: Item, kind: int, request_id: int) -> None:
    """Pair a response with its request by request-id in the conversation (tshark's
    Response To / Time; with -2 the request's Response In)."""
    tracker = session.state("pass1:snmp.tracker", _Tracker)
    num = pkt.frame.number
    sp, dp = _ports(pkt)
    a, b = (pkt.net_src, sp), (pkt.net_dst, dp)
    key = ((a, b) if a <= b else (b, a), request_id)
    if kind in _REQUESTS:
        if session.pass_no == 1:
            remember(tracker.requests, key, (num, pkt.frame.ts_ns))
        resp = tracker.response_in.get(num)
        if resp is not None and session.pass_no > 1:
            pkt.add(top, RESPONSE_IN, resp, 0, 0, f"Response In: {resp}", generated=True)
    elif kind == 2:
        req = tracker.requests.get(key)
        if req is not None and req[0] < num:
            if session.recording:  # (only a second pass reads it)
                tracker.response_in.setdefault(req[0], num)
            pkt.add(top, RESPONSE_TO, req[0], 0, 0, f"Response To: {req[0]}", generated=True)
            pkt.add(top, TIME, pkt.frame.ts_ns - req[1], 0, 0, generated=True)


UDP_PORT.register(161, dissect_snmp, "snmp")
UDP_PORT.register(162, dissect_snmp, "snmp")
register_dissector("snmp", dissect_snmp)
register_learner_layer("snmp", "SNMP")
