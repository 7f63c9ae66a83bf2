"""SNMPv3 messages (RFC 3412, USM of RFC 3414) as tshark 4.0 shows them without keys:
header data, the USM security parameters with the engine ID's parts (RFC 3411), and a
plaintext scoped PDU (handed back to snmp.py) or the encrypted PDU's bytes.
"""

from __future__ import annotations

from collections.abc import Callable

from dissectors.ber import Reader, Tlv
from dissectors.format import ether_str, ipv4_str
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field
from dissectors.snmp_proto import SNMP, VERSIONS

SECURITY_MODELS = {0: "any", 1: "SNMPv1", 2: "SNMPv2c", 3: "USM"}
ENGINE_FORMATS = {1: "IPv4 address", 2: "IPv6 address", 3: "MAC address",
                  4: "Text, administratively assigned", 5: "Octets, administratively assigned"}
# A few private enterprise numbers (IANA), as Wireshark names them.
ENTERPRISES = {9: "ciscoSystems", 11: "Hewlett-Packard", 311: "Microsoft", 2021: "UC Davis, ECE Dept. Tom",
               2636: "Juniper Networks, Inc.", 8072: "net-snmp"}
CISCO_TYPES = {0: "Agent", 1: "Manager"}

MSG_VERSION = SNMP.field("snmp.msgVersion", "msgVersion", FT.INT32, Base.DEC, strings=VERSIONS)
GLOBAL_DATA = SNMP.field("snmp.msgGlobalData_element", "msgGlobalData", FT.NONE)
MSG_ID = SNMP.field("snmp.msgID", "msgID", FT.UINT32, Base.DEC)
MSG_MAX_SIZE = SNMP.field("snmp.msgMaxSize", "msgMaxSize", FT.UINT32, Base.DEC)
MSG_FLAGS = SNMP.field("snmp.msgFlags", "msgFlags", FT.BYTES)
FLAG_REPORT = SNMP.field("snmp.v3.flags.report", "Reportable", FT.BOOLEAN, bitmask=0x4,
                         strings=("Set", "Not set"))
FLAG_CRYPT = SNMP.field("snmp.v3.flags.crypt", "Encrypted", FT.BOOLEAN, bitmask=0x2,
                        strings=("Set", "Not set"))
FLAG_AUTH = SNMP.field("snmp.v3.flags.auth", "Authenticated", FT.BOOLEAN, bitmask=0x1,
                       strings=("Set", "Not set"))
SECURITY_MODEL = SNMP.field("snmp.msgSecurityModel", "msgSecurityModel", FT.UINT32, Base.DEC,
                            strings=SECURITY_MODELS)
ENGINE_ID = SNMP.field("snmp.msgAuthoritativeEngineID", "msgAuthoritativeEngineID", FT.BYTES)
ENGINE_BOOTS = SNMP.field("snmp.msgAuthoritativeEngineBoots", "msgAuthoritativeEngineBoots",
                          FT.UINT32, Base.DEC)
ENGINE_TIME = SNMP.field("snmp.msgAuthoritativeEngineTime", "msgAuthoritativeEngineTime",
                         FT.UINT32, Base.DEC)
USER_NAME = SNMP.field("snmp.msgUserName", "msgUserName", FT.STRING)
AUTH_PARAMS = SNMP.field("snmp.msgAuthenticationParameters", "msgAuthenticationParameters",
                         FT.BYTES)
PRIV_PARAMS = SNMP.field("snmp.msgPrivacyParameters", "msgPrivacyParameters", FT.BYTES)
MSG_DATA = SNMP.field("snmp.msgData", "msgData", FT.UINT32, Base.DEC,
                      strings={0: "plaintext", 1: "encryptedPDU"})
PLAINTEXT = SNMP.field("snmp.plaintext_element", "plaintext", FT.NONE)
ENCRYPTED_PDU = SNMP.field("snmp.encryptedPDU", "encryptedPDU", FT.BYTES)
CONTEXT_ENGINE_ID = SNMP.field("snmp.contextEngineID", "contextEngineID", FT.BYTES)
CONTEXT_NAME = SNMP.field("snmp.contextName", "contextName", FT.STRING)
EID_CONFORM = SNMP.field("snmp.engineid.conform", "Engine ID Conformance", FT.BOOLEAN,
                         bitmask=0x80, strings=("RFC3411 (SNMPv3)", "RFC1910 (Non-SNMPv3)"))
EID_ENTERPRISE = SNMP.field("snmp.engineid.enterprise", "Engine Enterprise ID", FT.UINT32,
                            Base.CUSTOM)
EID_FORMAT = SNMP.field("snmp.engineid.format", "Engine ID Format", FT.UINT8, Base.DEC,
                        strings=ENGINE_FORMATS)
EID_IPV4 = SNMP.field("snmp.engineid.ipv4", "Engine ID Data: IPv4 address", FT.IPv4)
EID_IPV6 = SNMP.field("snmp.engineid.ipv6", "Engine ID Data: IPv6 address", FT.IPv6)
EID_CISCO_TYPE = SNMP.field("snmp.engineid.cisco.type", "Engine ID Data: Cisco type",
                            FT.UINT8, Base.HEX, strings=CISCO_TYPES)
EID_MAC = SNMP.field("snmp.engineid.mac", "Engine ID Data: MAC address", FT.ETHER)
EID_TEXT = SNMP.field("snmp.engineid.text", "Engine ID Data: Text", FT.STRING)
EID_DATA = SNMP.field("snmp.engineid.data", "Engine ID Data", FT.BYTES)

#: Reads the PDU of a scoped PDU: (reader, parent item, offset, end).
PduReader = Callable[[Reader, Item, int, int], None]


def _bytes_label(f: Field, raw: bytes) -> str:
    return f"{f.name}: {raw.hex() if raw else '<MISSING>'}"


def _engine_id(r: Reader, pkt: Packet, f: Field, t: Tlv, parent: Item, src: int) -> None:
    raw = r.raw(t)
    item = pkt.add(parent, f, raw, t.start, t.end - t.start, _bytes_label(f, raw), source=src)
    if len(raw) < 5:
        return
    at = t.off
    conform = bool(raw[0] & 0x80)
    pkt.add(item, EID_CONFORM, conform, at, 1, source=src)
    ent = int.from_bytes(raw[:4], "big") & 0x7FFFFFFF
    name = ENTERPRISES.get(ent)
    pkt.add(item, EID_ENTERPRISE, ent, at, 4,
            f"Engine Enterprise ID: {name} ({ent})" if name else f"Engine Enterprise ID: {ent}",
            source=src)
    if not conform:
        return
    fmt = raw[4]
    pkt.add(item, EID_FORMAT, fmt, at + 4, 1,
            f"Engine ID Format: {ENGINE_FORMATS.get(fmt, 'Reserved/Enterprise-specific')} "
            f"({fmt})", source=src)
    data, d = raw[5:], at + 5
    if fmt == 1 and len(data) == 4:
        pkt.add(item, EID_IPV4, int.from_bytes(data, "big"), d, 4,
                f"Engine ID Data: IPv4 address: {ipv4_str(int.from_bytes(data, 'big'))}",
                source=src)
    elif fmt == 2 and len(data) == 16:
        pkt.add(item, EID_IPV6, data, d, 16, source=src)
    elif fmt == 3 and ent == 9 and len(data) == 7:
        pkt.add(item, EID_CISCO_TYPE, data[0], d, 1, source=src)
        pkt.add(item, EID_MAC, data[1:], d + 1, 6,
                f"Engine ID Data: MAC address: {ether_str(data[1:])}", source=src)
    elif fmt == 3 and len(data) == 6:
        pkt.add(item, EID_MAC, data, d, 6, f"Engine ID Data: MAC address: {ether_str(data)}",
                source=src)
    elif fmt == 4:
        pkt.add(item, EID_TEXT, data.decode("ascii", errors="replace"), d, len(data),
                source=src)
    elif data:
        pkt.add(item, EID_DATA, data, d, len(data), source=src)


def dissect_v3(r: Reader, pkt: Packet, top: Item, msg: Tlv, vt: Tlv, version: int, src: int,
               read_pdu: PduReader) -> None:
    """The rest of a version-3 message after its version (`vt`)."""
    pkt.add(top, MSG_VERSION, version, vt.start, vt.end - vt.start, source=src)
    gt = r.tlv(vt.end, msg.end, 0x30)
    gi = pkt.add(top, GLOBAL_DATA, None, gt.start, gt.end - gt.start, "msgGlobalData",
                 source=src)
    at = gt.off
    for f in (MSG_ID, MSG_MAX_SIZE):
        t = r.tlv(at, gt.end, 0x02)
        pkt.add(gi, f, r.int(t, signed=False), t.start, t.end - t.start, source=src)
        at = t.end
    ft = r.tlv(at, gt.end, 0x04)
    flags = r.raw(ft)
    fi = pkt.add(gi, MSG_FLAGS, flags, ft.start, ft.end - ft.start, source=src)
    if flags:
        for f in (FLAG_REPORT, FLAG_CRYPT, FLAG_AUTH):
            pkt.add(fi, f, bool(flags[0] & f.bitmask), ft.off, 1, source=src)
    st = r.tlv(ft.end, gt.end, 0x02)
    pkt.add(gi, SECURITY_MODEL, r.int(st, signed=False), st.start, st.end - st.start,
            source=src)
    sp = r.tlv(gt.end, msg.end, 0x04)
    us = r.tlv(sp.off, sp.end, 0x30)
    t = r.tlv(us.off, us.end, 0x04)
    _engine_id(r, pkt, ENGINE_ID, t, top, src)
    for f in (ENGINE_BOOTS, ENGINE_TIME):
        t = r.tlv(t.end, us.end, 0x02)
        pkt.add(top, f, r.int(t, signed=False), t.start, t.end - t.start, source=src)
    t = r.tlv(t.end, us.end, 0x04)
    pkt.add(top, USER_NAME, r.raw(t).decode("ascii", errors="replace"), t.start,
            t.end - t.start, source=src)
    for f in (AUTH_PARAMS, PRIV_PARAMS):
        t = r.tlv(t.end, us.end, 0x04)
        raw = r.raw(t)
        pkt.add(top, f, raw, t.start, t.end - t.start, _bytes_label(f, raw), source=src)
    dt = r.tlv(sp.end, msg.end)
    if dt.ident == 0x04:
        di = pkt.add(top, MSG_DATA, 1, dt.start, dt.end - dt.start, source=src)
        raw = r.raw(dt)
        pkt.add(di, ENCRYPTED_PDU, raw, dt.start, dt.end - dt.start, source=src)
        pkt.set_info("encryptedPDU: privKey Unknown")
        return
    if dt.ident != 0x30:
        r.tlv(dt.start, dt.end, 0x30)  # (raises: not a scoped PDU)
    mi = pkt.add(top, MSG_DATA, 0, dt.start, dt.end - dt.start, source=src)
    pi = pkt.add(mi, PLAINTEXT, None, dt.start, dt.end - dt.start, "plaintext", source=src)
    t = r.tlv(dt.off, dt.end, 0x04)
    _engine_id(r, pkt, CONTEXT_ENGINE_ID, t, pi, src)
    t = r.tlv(t.end, dt.end, 0x04)
    pkt.add(pi, CONTEXT_NAME, r.raw(t).decode("ascii", errors="replace"), t.start,
            t.end - t.start, source=src)
    read_pdu(r, pi, t.end, dt.end)
