"""802.1X EAPOL (ethertype 0x888e): version, packet type and body length, then an EAP
packet or, for EAPOL-Key, the RC4 key descriptor (802.1X-2001), as tshark 4.0 shows it.

    +---------------+---------------+-------------------------------+
    |   Version     |  Packet Type  |       Packet Body Length      |
    +---------------+---------------+-------------------------------+
RSN / WPA key descriptors (802.11i) show their descriptor type and body only.
"""

from __future__ import annotations

from dissectors.dispatch import BY_NAME, ETHERTYPE, register_dissector
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

VERSIONS = {1: "802.1X-2001", 2: "802.1X-2004", 3: "802.1X-2010"}
TYPES = {0: "EAP Packet", 1: "Start", 2: "Logoff", 3: "Key", 4: "Encapsulated ASF Alert",
         5: "MKA", 6: "Announcement (Generic)", 7: "Announcement (Specific)",
         8: "Announcement Request"}
KEY_TYPES = {1: "RC4 Descriptor", 2: "EAPOL RSN Key", 254: "EAPOL WPA Key"}

EAPOL = protocol("eapol", "802.1X Authentication", "EAPOL")
VERSION = EAPOL.field("eapol.version", "Version", FT.UINT8, Base.DEC, strings=VERSIONS,
                      offset=0)
TYPE = EAPOL.field("eapol.type", "Type", FT.UINT8, Base.DEC, strings=TYPES, offset=1)
LEN = EAPOL.field("eapol.len", "Length", FT.UINT16, Base.DEC, offset=2)
KEY_TYPE = EAPOL.field("eapol.keydes.type", "Key Descriptor Type", FT.UINT8, Base.DEC,
                       strings=KEY_TYPES)
KEY_BODY = EAPOL.field("eapol.keydes.body", "Key Descriptor Body", FT.BYTES)
KEY_LEN = EAPOL.field("eapol.keydes.key_len", "Key Length", FT.UINT16, Base.DEC)
REPLAY = EAPOL.field("eapol.keydes.replay_counter", "Replay Counter", FT.UINT64, Base.DEC)
KEY_IV = EAPOL.field("eapol.keydes.key_iv", "Key IV", FT.BYTES)
KEY_INDEX = EAPOL.field("eapol.keydes.key_index", "Key Index", FT.UINT8, Base.HEX)
KEY_INDEX_TYPE = EAPOL.field("eapol.keydes.key_index.type", "Type", FT.BOOLEAN,
                             bitmask=0x80, strings=("Unicast", "Broadcast"))
KEY_INDEX_NUMBER = EAPOL.field("eapol.keydes.key_index.number", "Number", FT.UINT8,
                               Base.DEC, bitmask=0x7F)
KEY_SIGNATURE = EAPOL.field("eapol.keydes.key_signature", "Key Signature", FT.BYTES)
KEY = EAPOL.field("eapol.keydes.key", "Key", FT.BYTES)
KEY_LOCAL = EAPOL.field("eapol.keydes.key.generated_locally", "Key Generated Locally",
                        FT.BOOLEAN)

_EAP_PACKET, _KEY = 0, 3
_RC4_FIXED = 44  # descriptor type .. key signature


def dissect_eapol(tvb: Tvb, pkt: Packet, session: Session) -> int:
    session.current_proto = "eapol"
    off = tvb.start
    pkt.proto_col = "EAPOL"
    pkt.clear_info()
    tvb.need(off, 2)
    ptype = tvb.u8(off + 1)
    pkt.set_info(TYPES.get(ptype, "Unknown Type"))
    tvb.need(off, 4)
    blen = tvb.u16(off + 2)
    top = pkt.add_proto(EAPOL, off, min(4 + blen, tvb.end - off), "802.1X Authentication")
    pkt.add(top, VERSION, tvb.u8(off), off, 1)
    pkt.add(top, TYPE, ptype, off + 1, 1)
    pkt.add(top, LEN, blen, off + 2, 2)
    at = off + 4
    if ptype == _EAP_PACKET and blen:
        BY_NAME["eap"](tvb.sub(at, min(blen, tvb.rend - at)), pkt, session)
    elif ptype == _KEY and blen:
        _key(tvb, pkt, top, at, blen)
    return 4 + blen


def _key(tvb: Tvb, pkt: Packet, top: Item, at: int, blen: int) -> None:
    kind = tvb.u8(at)
    pkt.add(top, KEY_TYPE, kind, at, 1)
    if kind != 1:
        n = min(blen, tvb.end - at) - 1
        if n > 0:
            pkt.add(top, KEY_BODY, tvb.bytes(at + 1, n), at + 1, n)
        return
    tvb.need(at, _RC4_FIXED)
    pkt.add(top, KEY_LEN, tvb.u16(at + 1), at + 1, 2)
    pkt.add(top, REPLAY, int.from_bytes(tvb.bytes(at + 3, 8), "big"), at + 3, 8)
    pkt.add(top, KEY_IV, tvb.bytes(at + 11, 16), at + 11, 16)
    index = tvb.u8(at + 27)
    ii = pkt.add(top, KEY_INDEX, index, at + 27, 1)
    pkt.add(ii, KEY_INDEX_TYPE, bool(index & 0x80), at + 27, 1)
    pkt.add(ii, KEY_INDEX_NUMBER, index & 0x7F, at + 27, 1)
    pkt.add(top, KEY_SIGNATURE, tvb.bytes(at + 28, 16), at + 28, 16)
    rest = blen - _RC4_FIXED
    if rest > 0:
        tvb.need(at + _RC4_FIXED, rest)
        pkt.add(top, KEY, tvb.bytes(at + _RC4_FIXED, rest), at + _RC4_FIXED, rest)
    # (no key in the packet: the receiver generates it locally)
    pkt.add(top, KEY_LOCAL, rest <= 0, at + _RC4_FIXED, 0)


ETHERTYPE.register(0x888E, dissect_eapol, "eapol")
register_dissector("eapol", dissect_eapol)
register_learner_layer("eapol", "802.1X", "link")
