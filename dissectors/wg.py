"""WireGuard (wireguard.com/protocol), found by UDP heuristic, as tshark 4.0 shows it.

    Initiation (148)      Response (92)        Cookie Reply (64)    Transport Data (>= 32)
    type 1, reserved 3    type 2, reserved 3   type 3, reserved 3   type 4, reserved 3
    sender 4 (LE)         sender 4, receiver 4 receiver 4           receiver 4
    ephemeral 32          ephemeral 32         nonce 24             counter 8 (LE)
    static 32+16          empty 0+16           cookie 16+16         packet n+16
    timestamp 12+16       mac1 16, mac2 16
    mac1 16, mac2 16

With keys (a pcapng Decryption Secrets Block of type WGKL, the key-log lines Wireshark
reads: LOCAL_STATIC_PRIVATE_KEY, REMOTE_STATIC_PUBLIC_KEY, LOCAL_EPHEMERAL_PRIVATE_KEY,
PRESHARED_KEY), the handshake is replayed (wg_handshake.py) and transport data is
decrypted and handed to IP, as Wireshark does.
"""

from __future__ import annotations

import base64
import struct

from dissectors.dispatch import BY_NAME, UDP_HEUR, register_dissector, register_secrets
from dissectors.offers import register_learner_layer
from dissectors.packet import NULL_ITEM, Item, Packet
from dissectors.ports import Conversations
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb
from dissectors.wg_handshake import Keys, WgState, tai64n_ns

TYPES = {1: "Handshake Initiation", 2: "Handshake Response", 3: "Cookie Reply",
         4: "Transport Data"}
_LENGTHS = {1: 148, 2: 92, 3: 64}
_TAG = 16
SECRETS_WIREGUARD = 0x57474B4C  # "WGKL"
_ANSWERS = "pass1:wg.response_in"  # initiation frame -> its response's frame

WG = protocol("wg", "WireGuard Protocol", "WireGuard")
TYPE = WG.field("wg.type", "Type", FT.UINT8, Base.DEC, strings=TYPES, offset=0)
RESERVED = WG.field("wg.reserved", "Reserved", FT.BYTES)
SENDER = WG.field("wg.sender", "Sender", FT.UINT32, Base.HEX)
EPHEMERAL = WG.field("wg.ephemeral", "Ephemeral", FT.STRING)
ENCRYPTED_STATIC = WG.field("wg.encrypted_static", "Encrypted Static", FT.NONE)
STATIC = WG.field("wg.static", "Static Public Key", FT.STRING)
ENCRYPTED_TIMESTAMP = WG.field("wg.encrypted_timestamp", "Encrypted Timestamp", FT.NONE)
TAI64_LABEL = WG.field("wg.timestamp.tai64_label", "TAI64 Label", FT.UINT64, Base.DEC)
NANOSECONDS = WG.field("wg.timestamp.nanoseconds", "Nanoseconds", FT.UINT32, Base.DEC)
TIMESTAMP = WG.field("wg.timestamp.value", "Timestamp", FT.ABSOLUTE_TIME, Base.UTC)
MAC1 = WG.field("wg.mac1", "mac1", FT.BYTES)
MAC2 = WG.field("wg.mac2", "mac2", FT.BYTES)
RECEIVER = WG.field("wg.receiver", "Receiver", FT.UINT32, Base.HEX)
ENCRYPTED_EMPTY = WG.field("wg.encrypted_empty", "Encrypted Empty", FT.NONE)
HANDSHAKE_OK = WG.field("wg.handshake_ok", "Handshake decryption successful", FT.BOOLEAN)
NONCE = WG.field("wg.nonce", "Nonce", FT.BYTES)
ENCRYPTED_COOKIE = WG.field("wg.encrypted_cookie", "Encrypted Cookie", FT.BYTES)
COUNTER = WG.field("wg.counter", "Counter", FT.UINT64, Base.DEC)
ENCRYPTED_PACKET = WG.field("wg.encrypted_packet", "Encrypted Packet", FT.NONE)
STREAM = WG.field("wg.stream", "Stream index", FT.UINT32, Base.DEC)
RESPONSE_IN = WG.field("wg.response_in", "Response in Frame", FT.FRAMENUM)
RESPONSE_TO = WG.field("wg.response_to", "Response to Frame", FT.FRAMENUM)
RECEIVER_PUBKEY = WG.field("wg.receiver_pubkey", "Receiver Static Public Key", FT.STRING)
RECEIVER_PRIV = WG.field("wg.receiver_pubkey.known_privkey", "Has Private Key", FT.BOOLEAN)
EPHEMERAL_PRIV = WG.field("wg.ephemeral.known_privkey", "Has Private Key", FT.BOOLEAN)
STATIC_KNOWN = WG.field("wg.static.known_pubkey", "Known Public Key", FT.BOOLEAN)
STATIC_PRIV = WG.field("wg.static.known_privkey", "Has Private Key", FT.BOOLEAN)
BAD_LENGTH = WG.field("wg.bad_packet_length", "Packet length is too small", FT.NONE)
KEEPALIVE = WG.field("wg.keepalive", "This is a Keepalive message", FT.NONE)
DECRYPTION_ERROR = WG.field("wg.decryption_error", "Packet data decryption failed", FT.NONE)


def _b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def take_keylog(session: Session, data: bytes) -> None:
    """A WireGuard key log (DSB or file): its keys go into the capture's key store."""
    session.state("wg", WgState).keys.read_keylog(data)


class _Tree:
    """Adds WireGuard items only when someone reads them (tree-less runs skip them)."""

    def __init__(self, pkt: Packet, top: Item, items: bool, src: int) -> None:
        self.pkt, self.top, self.items, self.src = pkt, top, items, src

    def add(self, field: Field, value: object, off: int, length: int,
            parent: Item | None = None, *, generated: bool = False, source: int = -1) -> Item:
        if not self.items:
            return NULL_ITEM
        return self.pkt.add(self.top if parent is None else parent, field, value, off, length,
                            generated=generated, source=self.src if source < 0 else source)


def _pubkey(t: _Tree, keys: Keys, field: Field, key: bytes, off: int, ephemeral: bool,
            source: int = -1) -> None:
    item = t.add(field, _b64(key), off, 32, source=source)
    if ephemeral:
        t.add(EPHEMERAL_PRIV, keys.ephemeral_private(key) is not None, 0, 0, item,
              generated=True)
    else:
        known = keys.static.get(key)
        t.add(STATIC_KNOWN, known is not None, 0, 0, item, generated=True)
        t.add(STATIC_PRIV, known is not None and known.private is not None, 0, 0, item,
              generated=True)


def _receiver_pubkey(t: _Tree, key: bytes | None, keys: Keys) -> None:
    if key is None:
        return
    item = t.add(RECEIVER_PUBKEY, _b64(key), 0, 0, generated=True)
    t.add(RECEIVER_PRIV, keys.static[key].private is not None, 0, 0, item, generated=True)


def _initiation(tvb: Tvb, pkt: Packet, session: Session, st: WgState, t: _Tree,
                off: int) -> None:
    msg = tvb.bytes(off, 148)
    sender = struct.unpack_from("<I", msg, 4)[0]
    pkt.append_info(f", sender=0x{sender:08X}")
    skey_r = st.keys.mac1_probe(msg, 116)
    hs = st.start_handshake(skey_r, msg)
    t.add(SENDER, sender, off + 4, 4)
    _pubkey(t, st.keys, EPHEMERAL, msg[8:40], off + 8, True)
    t.add(ENCRYPTED_STATIC, None, off + 40, 48)
    if hs is not None and hs.initiator_static is not None:
        src = pkt.add_source("Decrypted Static", hs.initiator_static)
        _pubkey(t, st.keys, STATIC, hs.initiator_static, 0, False, source=src)
    t.add(ENCRYPTED_TIMESTAMP, None, off + 88, 28)
    if hs is not None and hs.timestamp is not None:
        src = pkt.add_source("Decrypted Timestamp", hs.timestamp)
        label, nsec = struct.unpack(">QI", hs.timestamp)
        parent = None
        when = tai64n_ns(label, nsec)
        if when is not None:
            parent = t.add(TIMESTAMP, when, 0, 12, source=src)
        t.add(TAI64_LABEL, label, 0, 8, parent, source=src)
        t.add(NANOSECONDS, nsec, 8, 4, parent, source=src)
    t.add(MAC1, msg[116:132], off + 116, 16)
    _receiver_pubkey(t, skey_r, st.keys)
    t.add(MAC2, msg[132:148], off + 132, 16)
    ws = st.new_session(pkt.frame.number, pkt.net_src, pkt.srcport, hs)
    st.insert(sender, ws)
    t.add(STREAM, ws.stream, 0, 0, generated=True)
    # (the response's frame is known only on a second pass, -2)
    answered = session.state(_ANSWERS, dict).get(pkt.frame.number)
    if answered:
        t.add(RESPONSE_IN, answered, 0, 0, generated=True)


def _response(tvb: Tvb, pkt: Packet, session: Session, st: WgState, t: _Tree,
              off: int) -> None:
    msg = tvb.bytes(off, 92)
    sender, receiver = struct.unpack_from("<II", msg, 4)
    pkt.append_info(f", sender=0x{sender:08X}")
    pkt.append_info(f", receiver=0x{receiver:08X}")
    skey_i = st.keys.mac1_probe(msg, 60)
    t.add(SENDER, sender, off + 4, 4)
    t.add(RECEIVER, receiver, off + 8, 4)
    ws = st.lookup_initiation(receiver, pkt.net_dst, pkt.dstport, pkt.frame.number)
    if ws is not None and ws.hs is not None:
        st.finish_handshake(ws.hs, msg)
    _pubkey(t, st.keys, EPHEMERAL, msg[12:44], off + 12, True)
    t.add(ENCRYPTED_EMPTY, None, off + 44, 16)
    if ws is not None and ws.hs is not None:
        t.add(HANDSHAKE_OK, ws.hs.empty_ok, 0, 0, generated=True)
    t.add(MAC1, msg[60:76], off + 60, 16)
    _receiver_pubkey(t, skey_i, st.keys)
    t.add(MAC2, msg[76:92], off + 76, 16)
    if ws is not None:
        ws.response_frame = pkt.frame.number
        ws.responder = (pkt.net_src, pkt.srcport)
        st.insert(sender, ws)
        if session.recording:  # (only the second pass of -2 reads it)
            session.state(_ANSWERS, dict)[ws.initiator_frame] = pkt.frame.number
        t.add(STREAM, ws.stream, 0, 0, generated=True)
        t.add(RESPONSE_TO, ws.initiator_frame, 0, 0, generated=True)


def _cookie(tvb: Tvb, pkt: Packet, st: WgState, t: _Tree, off: int) -> None:
    receiver = tvb.u32le(off + 4)
    pkt.append_info(f", receiver=0x{receiver:08X}")
    t.add(RECEIVER, receiver, off + 4, 4)
    t.add(NONCE, tvb.bytes(off + 8, 24), off + 8, 24)
    t.add(ENCRYPTED_COOKIE, tvb.bytes(off + 32, 32), off + 32, 32)
    ws = st.lookup_initiation(receiver, pkt.net_dst, pkt.dstport, pkt.frame.number)
    if ws is not None:
        ws.response_frame = pkt.frame.number
        ws.responder = (pkt.net_src, pkt.srcport)
        t.add(STREAM, ws.stream, 0, 0, generated=True)
        t.add(RESPONSE_TO, ws.initiator_frame, 0, 0, generated=True)


def _data(tvb: Tvb, pkt: Packet, session: Session, st: WgState, t: _Tree, off: int) -> None:
    receiver = tvb.u32le(off + 4)
    pkt.append_info(f", receiver=0x{receiver:08X}")
    t.add(RECEIVER, receiver, off + 4, 4)
    counter = struct.unpack("<Q", tvb.bytes(off + 8, 8))[0]
    pkt.append_info(f", counter={counter}")
    t.add(COUNTER, counter, off + 8, 8)
    length = tvb.end - (off + 16)
    if length < _TAG:
        bad = t.add(BAD_LENGTH, None, off + 16, length)
        pkt.add_expert(bad, "error", "malformed", "Packet length is too small", "wg",
                       field=BAD_LENGTH)
        return
    if length != _TAG:
        pkt.append_info(f", datalen={length - _TAG}")
    item = t.add(ENCRYPTED_PACKET, None, off + 16, length)
    if length == _TAG:
        pkt.add_expert(item, "chat", "sequence", "This is a Keepalive message", "wg",
                       field=KEEPALIVE)
    found = st.lookup(receiver, pkt.net_dst, pkt.dstport)
    if found is None:
        return
    ws, receiver_is_initiator = found
    if receiver_is_initiator:
        ws.responder = (pkt.net_src, pkt.srcport)
    else:
        ws.initiator = (pkt.net_src, pkt.srcport)
    t.add(STREAM, ws.stream, 0, 0, generated=True)
    if ws.hs is None:
        return
    key = ws.hs.recv_key(receiver_is_initiator)
    if key is None:
        return
    plain = st.decrypt(key, counter, tvb.bytes(off + 16, length))
    if plain is None:
        bad = t.add(DECRYPTION_ERROR, None, off + 16, length)
        pkt.add_expert(bad, "warning", "decryption", "Packet data decryption failed", "wg",
                       field=DECRYPTION_ERROR)
        return
    if plain:
        src = pkt.add_source("Decrypted Packet", plain)
        claimed = BY_NAME["ip"](Tvb(plain, 0, len(plain), source=src), pkt, session)
        if type(claimed) is int and 0 < claimed < len(plain):
            # (IP's set_actual_length shrinks the decrypted tvb to the datagram: the
            # padding to 16 bytes is not shown with -x)
            pkt.sources[src] = ("Decrypted Packet", plain[:claimed])


def _valid_length(mtype: int, length: int) -> bool:
    want = _LENGTHS.get(mtype)
    return length == want if want is not None else mtype == 4 and length >= 32


def dissect_wg(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    off = tvb.start
    if tvb.rend - off < 1:
        return False
    mtype = tvb.u8(off)
    if mtype not in TYPES or not _valid_length(mtype, tvb.rend - off):
        return False
    session.current_proto = "wg"
    pkt.proto_col = "WireGuard"
    pkt.set_info("Keepalive" if mtype == 4 and tvb.rend - off == 32 else TYPES[mtype])
    src = tvb.source
    top = pkt.add_proto(WG, off, tvb.end - off, source=src)
    items = pkt.wants_layer("wg")
    t = _Tree(pkt, top, bool(items), src)
    t.add(TYPE, mtype, off, 1)
    t.add(RESERVED, tvb.bytes(off + 1, 3), off + 1, 3)
    st = session.state("wg", WgState)
    if mtype == 1:
        _initiation(tvb, pkt, session, st, t, off)
    elif mtype == 2:
        _response(tvb, pkt, session, st, t, off)
    elif mtype == 3:
        _cookie(tvb, pkt, st, t, off)
    else:
        _data(tvb, pkt, session, st, t, off)
    return None


def heur_wg(tvb: Tvb, pkt: Packet, session: Session) -> bool | None:
    """Type and exact length per type; cookie and data messages also need zero reserved
    bytes. An initiation binds the address/port pair to WireGuard (later data messages
    with non-zero reserved bytes, as Cloudflare sends, still decode)."""
    off = tvb.start
    if tvb.rend - off < 4 or tvb.end - off < 4:
        return False
    mtype = tvb.u8(off)
    if not _valid_length(mtype, tvb.rend - off):
        return False
    if mtype in (3, 4) and tvb.u24(off + 1) != 0:
        return False
    if mtype == 1:
        session.state("udp.conversations", Conversations).bind(
            pkt.net_src, pkt.srcport, pkt.net_dst, pkt.dstport, "wg")
    return dissect_wg(tvb, pkt, session)


UDP_HEUR.register("wg", heur_wg)
register_dissector("wg", dissect_wg)
register_secrets(SECRETS_WIREGUARD, take_keylog)
register_learner_layer("wg", "WireGuard")
