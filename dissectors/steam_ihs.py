"""Steam In-Home Streaming Discovery (UDP port 27036), as tshark 4.0 shows it.

    Signature (8, FF FF FF FF 21 4C 5F A0)  Header Length (4, LE)  Header (protobuf)
    Body Length (4, LE)  Body (protobuf, by the header's message type)
The header (client id, message type, instance id), the discovery and status bodies are
decoded; other bodies and unknown fields show as tshark's "Unknown Data/Number" items.
"""

from __future__ import annotations

import struct

from dissectors.dispatch import UDP_PORT, register_dissector
from dissectors.escape import format_str
from dissectors.offers import register_learner_layer
from dissectors.packet import NULL_ITEM, Item, Packet
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

MSG_TYPES = {0: "Client Discovery", 1: "Client Status", 2: "Client Offline",
             3: "Device Authorization Request", 4: "Device Authorization Response",
             5: "Device Streaming Request", 6: "Device Streaming Response",
             7: "Device Proof Request", 8: "Device Proof Response",
             9: "Device Authorization Cancel Request", 10: "Device Streaming Cancel Request"}
_SIGNATURE = b"\xff\xff\xff\xff\x21\x4c\x5f\xa0"
_WIRE_NAMES = ("VarInt", "64-bit", "Length-delimited", "Start group", "End group", "32-bit")

P = protocol("steam_ihs_discovery", "Steam In-Home Streaming Discovery Protocol",
             "Steam IHS Discovery")  # (its Protocol column says STEAMDISCOVER)
_A = "steam_ihs_discovery."
SIGNATURE = P.field(_A + "signature", "Signature", FT.UINT64, Base.HEX)
HEADER_LENGTH = P.field(_A + "header_length", "Header Length", FT.UINT32, Base.DEC)
BODY_LENGTH = P.field(_A + "body_length", "Body Length", FT.UINT32, Base.DEC)
UNKNOWN_DATA = P.field(_A + "unknown_data", "Unknown Data", FT.BYTES)
UNKNOWN_NUMBER = P.field(_A + "unknown_number", "Unknown Number", FT.UINT64, Base.DEC_HEX)
CLIENT_ID = P.field(_A + "header_client_id", "Client ID", FT.UINT64, Base.DEC_HEX)
MSG_TYPE = P.field(_A + "header_msg_type", "Message Type", FT.UINT64, Base.DEC,
                   strings=MSG_TYPES)
INSTANCE_ID = P.field(_A + "header_instance_id", "Instance ID", FT.UINT64, Base.DEC_HEX)
SEQNUM = P.field(_A + "body_discovery_seqnum", "Sequence Number", FT.UINT32, Base.DEC)
CLIENT_IDS = P.field(_A + "body_discovery_clientids", "Client IDs", FT.UINT64, Base.HEX)
VERSION = P.field(_A + "body_status_version", "Version", FT.INT32, Base.DEC)
MIN_VERSION = P.field(_A + "body_status_minversion", "Minimum Version", FT.INT32, Base.DEC)
CONNECT_PORT = P.field(_A + "body_status_connectport", "Connect Port", FT.UINT32, Base.DEC)
HOSTNAME = P.field(_A + "body_status_hostname", "Hostname", FT.STRING)
SERVICES = P.field(_A + "body_status_enabledservices", "Enabled Services", FT.UINT32,
                   Base.HEX)
OSTYPE = P.field(_A + "body_status_ostype", "OS Type", FT.INT32, Base.DEC)
IS64BIT = P.field(_A + "body_status_is64bit", "Is 64 Bit", FT.BOOLEAN)
EUNIVERSE = P.field(_A + "body_status_euniverse", "EUniverse", FT.INT32, Base.DEC)
TIMESTAMP = P.field(_A + "body_status_timestamp", "Timestamp", FT.ABSOLUTE_TIME, Base.UTC)
SCREEN_LOCKED = P.field(_A + "body_status_screenlocked", "Screen Locked", FT.BOOLEAN)
GAMES_RUNNING = P.field(_A + "body_status_gamesrunning", "Games Running", FT.BOOLEAN)
MACS = P.field(_A + "body_status_macaddresses", "MAC Addresses", FT.STRING)
STEAM_ID = P.field(_A + "body_status_user_steamid", "Steam ID", FT.UINT64, Base.DEC)
AUTH_KEY_ID = P.field(_A + "body_status_user_authkeyid", "Auth Key ID", FT.UINT32, Base.DEC)
EI_UNKNOWN_DATA = P.field(_A + "unknowndata", "Unknown data section", FT.NONE)
EI_UNKNOWN_NUMBER = P.field(_A + "unknownnumber", "Unknown numeric protobuf field", FT.NONE)
EI_UNKNOWN_LD = P.field(_A + "unknownlengthdelimited",
                        "Unknown length-delimited protobuf field", FT.NONE)

# field number -> (field, wire type, kind) of the status body's known fields
_STATUS = {1: (VERSION, 0, "int"), 2: (MIN_VERSION, 0, "int"), 3: (CONNECT_PORT, 0, "uint"),
           4: (HOSTNAME, 2, "str"), 6: (SERVICES, 0, "uint"), 7: (OSTYPE, 0, "int"),
           8: (IS64BIT, 0, "bool"), 11: (EUNIVERSE, 0, "int"), 12: (TIMESTAMP, 0, "time"),
           13: (SCREEN_LOCKED, 0, "bool"), 14: (GAMES_RUNNING, 0, "bool"),
           15: (MACS, 2, "str")}


class _Pb:
    """A protobuf reader over tvb[off:off+left] (Wireshark's protobuf_desc_t)."""

    def __init__(self, tvb: Tvb, off: int, left: int) -> None:
        self.tvb, self.off, self.left = tvb, off, left

    def varint(self, off: int | None = None) -> tuple[int, int]:
        at = self.off if off is None else off
        value = n = 0
        while n < self.left and n < 10:
            b = self.tvb.u8(at + n)
            value |= (b & 0x7F) << (7 * n)
            n += 1
            if not b & 0x80:
                break
        return value & 0xFFFFFFFFFFFFFFFF, n

    def seek(self, n: int) -> None:
        self.off += n
        self.left -= n


class _Tree:
    def __init__(self, pkt: Packet, items: bool, src: int) -> None:
        self.pkt, self.items, self.src = pkt, items, src

    def add(self, parent: Item, field: Field, value: object, off: int, length: int,
            text: str | None = None) -> Item:
        if not self.items:
            return NULL_ITEM
        return self.pkt.add(parent, field, value, off, length,
                            text if self.pkt.tree_on else None, source=self.src)


def _unknown(pb: _Pb, wire: int, t: _Tree, pkt: Packet, tree: Item) -> int:
    """protobuf_dissect_unknown_field: an Unknown Number/Data item; its length."""
    name = _WIRE_NAMES[wire] if wire <= 5 else "Unknown"
    if wire in (0, 1, 5):
        if wire == 0:
            value, n = pb.varint()
            at = pb.off
        else:
            n = 8 if wire == 1 else 4
            at = pb.off + n  # (as tshark 4.0, which reads the bytes after the field)
            raw = pb.tvb.bytes(at, n)
            value = int.from_bytes(raw, "little")
        item = t.add(tree, UNKNOWN_NUMBER, value, at, n,
                     f"Unknown Number: {value} (0x{value:016x})")
        pkt.add_expert(item, "warning", "undecoded",
                       f"Unknown numeric protobuf field (wire type {wire} = {name})",
                       "steam_ihs_discovery", field=EI_UNKNOWN_NUMBER)
        return n
    if wire == 2:
        value, n = pb.varint()
        size = min(value, pb.left - n)
        item = t.add(tree, UNKNOWN_DATA, pb.tvb.bytes(pb.off + n, size), pb.off + n, size)
        pkt.add_expert(item, "warning", "undecoded", EI_UNKNOWN_LD.name,
                       "steam_ihs_discovery", field=EI_UNKNOWN_LD)
        return n + size
    item = t.add(tree, UNKNOWN_DATA, pb.tvb.bytes(pb.off, pb.left), pb.off, pb.left)
    pkt.add_expert(item, "warning", "undecoded", EI_UNKNOWN_DATA.name, "steam_ihs_discovery",
                   field=EI_UNKNOWN_DATA)
    return pb.left


def _i32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def _fields(pb: _Pb, pkt: Packet, t: _Tree, tree: Item, known: dict) -> int:
    """Walk a message; known[field number] = (field, wire type, kind). Returns the
    message type for a header (-1 if none)."""
    msg_type = -1
    count = 0
    while pb.left > 0 and count < 4096:
        count += 1
        tag, n = pb.varint()
        pb.seek(n)
        fnum, wire = tag >> 3, tag & 7
        spec = known.get(fnum)
        if spec is None or spec[1] != wire:
            pb.seek(_unknown(pb, wire, t, pkt, tree))
            continue
        field, _wire, kind = spec
        if kind == "user":
            length, n = pb.varint()
            _user(_Pb(pb.tvb, pb.off + n, length), pkt, t, tree, pb.off, n + length)
            pb.seek(n + length)
            continue
        if wire == 2:
            length, n = pb.varint()
            text = pb.tvb.bytes(pb.off + n, length).decode("utf-8", "replace")
            t.add(tree, field, text, pb.off + n, length, format_str(f"{field.name}: {text}"))
            if field is HOSTNAME and text:
                pkt.set_info(f"Client Status from {format_str(text)}")
            pb.seek(n + length)
            continue
        value, n = pb.varint()
        if kind == "int":
            t.add(tree, field, _i32(value), pb.off, n)
        elif kind == "bool":
            t.add(tree, field, bool(value & 0xFFFFFFFF), pb.off, n)
        elif kind == "time":
            t.add(tree, field, value * 1_000_000_000, pb.off, n)
        elif field is SEQNUM:
            t.add(tree, field, value & 0xFFFFFFFF, pb.off, n)
            pkt.append_info(f" Seq={value & 0xFFFFFFFF}")
        elif field is MSG_TYPE:
            msg_type = value
            t.add(tree, field, value, pb.off, n,
                  f"Message Type: {MSG_TYPES.get(value, 'Unknown')} ({value})")
        elif field.type is FT.UINT64:
            t.add(tree, field, value, pb.off, n,
                  f"{field.name}: {value} (0x{value:016x})" if field.base is Base.DEC_HEX
                  else None)
        else:
            t.add(tree, field, value & 0xFFFFFFFF, pb.off, n)
        pb.seek(n)
    return msg_type


def _user(pb: _Pb, pkt: Packet, t: _Tree, tree: Item, off: int, length: int) -> None:
    """A status body's User: its Steam ID and auth key id, repeated in its label."""
    parent = pkt.add_text(tree, "User", off, length, source=t.src) if t.items else NULL_ITEM
    label = "User"
    count = 0
    while pb.left > 0 and count < 256:
        count += 1
        tag, n = pb.varint()
        pb.seek(n)
        fnum, wire = tag >> 3, tag & 7
        if fnum == 1 and wire == 1:
            value = struct.unpack("<Q", pb.tvb.bytes(pb.off, 8))[0]
            t.add(parent, STEAM_ID, value, pb.off, 8)
            label += f", Steam ID: {value}"
            pb.seek(8)
        elif fnum == 2 and wire == 0:
            value, n = pb.varint()
            t.add(parent, AUTH_KEY_ID, value & 0xFFFFFFFF, pb.off, n)
            label += f", Auth Key ID: {value & 0xFFFFFFFF}"
            pb.seek(n)
        else:
            pb.seek(_unknown(pb, wire, t, pkt, tree))
    if parent is not NULL_ITEM:
        parent.text = label


_HEADER = {1: (CLIENT_ID, 0, "u64"), 2: (MSG_TYPE, 0, "u64"), 3: (INSTANCE_ID, 0, "u64")}
_DISCOVERY = {1: (SEQNUM, 0, "u32"), 2: (CLIENT_IDS, 0, "u64")}
_STATUS_ALL = {**_STATUS, 9: (None, 2, "user")}


def dissect_steam_ihs(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    off = tvb.start
    size = tvb.rend - off
    if size < 12 or tvb.end - off < 12 or tvb.bytes(off, 8) != _SIGNATURE:
        return False
    hlen = tvb.u32le(off + 8)
    if off + 12 + hlen + 4 > tvb.end:
        return False
    blen = tvb.u32le(off + 12 + hlen)
    if 8 + 4 + hlen + 4 + blen != size or tvb.end - off != size:
        return False
    session.current_proto = "steam_ihs_discovery"
    pkt.proto_col = "STEAMDISCOVER"
    pkt.set_info("")
    src = tvb.source
    top = pkt.add_proto(P, off, size, source=src)
    t = _Tree(pkt, bool(pkt.wants_layer("steam_ihs_discovery")), src)
    t.add(top, SIGNATURE, int.from_bytes(_SIGNATURE, "little"), off, 8)
    t.add(top, HEADER_LENGTH, hlen, off + 8, 4)
    msg_type = _fields(_Pb(tvb, off + 12, hlen), pkt, t, top, _HEADER)
    pkt.set_info(MSG_TYPES.get(msg_type, "Unknown Message"))
    at = off + 12 + hlen
    t.add(top, BODY_LENGTH, blen, at, 4)
    body = {0: _DISCOVERY, 1: _STATUS_ALL, 2: None, 9: None}.get(msg_type, {})
    if body is not None:
        _fields(_Pb(tvb, at + 4, blen), pkt, t, top, body)
    return None


UDP_PORT.register(27036, dissect_steam_ihs, "steam_ihs_discovery")
register_dissector("steam_ihs_discovery", dissect_steam_ihs)
register_learner_layer("steam_ihs_discovery", "STEAMDISCOVER")
