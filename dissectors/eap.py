"""EAP (RFC 3748) as 802.1X and others carry it: code, id, length, then for requests and
responses the type, an Identity or Notification text, or EAP-SIM's (RFC 4186) subtype
and attributes, as packet-eap.c shows them in tshark 4.0.

    +---------------+---------------+-------------------------------+
    |     Code      |  Identifier   |            Length             |
    +---------------+---------------+-------------------------------+
    |     Type      |  Type-Data ... (Request and Response only)
Other methods' data is shown as EAP Data.
"""

from __future__ import annotations

from dissectors.dispatch import register_dissector
from dissectors.escape import format_text
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

CODES = {1: "Request", 2: "Response", 3: "Success", 4: "Failure", 5: "Initiate", 6: "Finish"}
TYPES = {
    1: 'Identity', 2: 'Notification', 3: 'Legacy Nak (Response Only)',
    4: 'MD5-Challenge EAP (EAP-MD5-CHALLENGE)', 5: 'One-Time Password EAP (EAP-OTP)',
    6: 'Generic Token Card EAP (EAP-GTC)', 7: 'Allocated', 8: 'Allocated',
    9: 'RSA Public Key Authentication EAP (EAP-RSA-PKA)', 10: 'DSS Unilateral EAP (EAP-DSS)',
    11: 'KEA EAP (EAP-KEA)', 12: 'KEA Validate EAP (EAP-KEA-VALIDATE)',
    13: 'TLS EAP (EAP-TLS)', 14: 'Defender Token EAP (EAP-AXENT)',
    15: 'RSA Security SecurID EAP (EAP-RSA-SECURID)',
    16: 'Arcot Systems EAP (EAP-ARCOT-SYSTEMS)',
    17: 'Cisco Wireless EAP / Lightweight EAP (EAP-LEAP)',
    18: 'GSM Subscriber Identity Modules EAP (EAP-SIM)',
    19: 'Secure Remote Password SHA1 Part 1 EAP (EAP-SRP-SHA1-PART1)',
    20: 'Secure Remote Password SHA1 Part 2 EAP (EAP-SRP-SHA1-PART2)',
    21: 'Tunneled TLS EAP (EAP-TTLS)', 22: 'Remote Access Service EAP (EAP-RAS)',
    23: 'UMTS Authentication and Key Agreement EAP (EAP-AKA)',
    24: '3Com Wireless EAP (EAP-3COM-WIRELESS)', 25: 'Protected EAP (EAP-PEAP)',
    26: 'MS-Authentication EAP (EAP-MS-AUTH)',
    27: 'Mutual Authentication w/Key Exchange EAP (EAP-MAKE)',
    28: 'CRYPTOCard EAP (EAP-CRYPTOCARD)', 29: 'MS-CHAP-v2 EAP (EAP-MS-CHAP-V2)',
    30: 'DynamID EAP (EAP-DYNAMID)', 31: 'Rob EAP (EAP-ROB)',
    32: 'Protected One-Time Password EAP (EAP-POTP)',
    33: 'MS-Authentication TLV EAP (EAP-MS-AUTH-TLV)', 34: 'SentriNET (EAP-SENTRINET)',
    35: 'Actiontec Wireless EAP (EAP-ACTIONTEC-WIRELESS)',
    36: 'Cogent Systems Biometrics Authentication EAP (EAP-COGENT-BIOMETRIC)',
    37: 'AirFortress EAP (EAP-AIRFORTRESS)', 38: 'HTTP Digest EAP (EAP-HTTP-DIGEST)',
    39: 'SecureSuite EAP (EAP-SECURESUITE)', 40: 'DeviceConnect EAP (EAP-DEVICECONNECT)',
    41: 'Simple Password Exponential Key Exchange EAP (EAP-SPEKE)',
    42: 'MOBAC EAP (EAP-MOBAC)',
    43: 'Flexible Authentication via Secure Tunneling EAP (EAP-FAST)',
    44: 'ZoneLabs EAP (EAP-ZLXEAP)', 45: 'Link EAP (EAP-LINK)',
    46: 'Password Authenticated eXchange EAP (EAP-PAX)', 47: 'Pre-Shared Key EAP (EAP-PSK)',
    48: 'Shared-secret Authentication and Key Establishment EAP (EAP-SAKE)',
    49: 'Internet Key Exchange v2 EAP (EAP-IKEv2)',
    50: "UMTS Authentication and Key Agreement' EAP (EAP-AKA')",
    51: 'Generalized Pre-Shared Key EAP (EAP-GPSK)', 52: 'Password EAP (EAP-pwd)',
    53: 'Encrypted Key Exchange v1 EAP (EAP-EKEv1)', 55: 'Tunneled EAP protocol',
    254: 'Expanded Type', 255: 'Experimental',
}
SIM_SUBTYPES = {10: "Start", 11: "Challenge", 12: "Notification", 13: "Re-authentication",
                14: "Client-Error"}
SIM_ATTRIBUTES = {
    1: "AT_RAND", 2: "AT_AUTN", 3: "AT_RES", 4: "AT_AUTS", 6: "AT_PADDING", 7: "AT_NONCE_MT",
    10: "AT_PERMANENT_ID_REQ", 11: "AT_MAC", 12: "AT_NOTIFICATION", 13: "AT_ANY_ID_REQ",
    14: "AT_IDENTITY", 15: "AT_VERSION_LIST", 16: "AT_SELECTED_VERSION",
    17: "AT_FULLAUTH_ID_REQ", 19: "AT_COUNTER", 20: "AT_COUNTER_TOO_SMALL", 21: "AT_NONCE_S",
    22: "AT_CLIENT_ERROR_CODE", 23: "AT_KDF_INPUT", 24: "AT_KDF", 128: "Unassigned",
    129: "AT_IV", 130: "AT_ENCR_DATA", 131: "Unassigned", 132: "AT_NEXT_PSEUDONYM",
    133: "AT_NEXT_REAUTH_ID", 134: "AT_CHECKCODE", 135: "AT_RESULT_IND", 136: "AT_BIDDING",
}

EAP = protocol("eap", "Extensible Authentication Protocol", "EAP")
CODE = EAP.field("eap.code", "Code", FT.UINT8, Base.DEC, strings=CODES, offset=0)
ID = EAP.field("eap.id", "Id", FT.UINT8, Base.DEC, offset=1)
LEN = EAP.field("eap.len", "Length", FT.UINT16, Base.DEC, offset=2)
TYPE = EAP.field("eap.type", "Type", FT.UINT8, Base.DEC, strings=TYPES)
IDENTITY = EAP.field("eap.identity", "Identity", FT.STRING)
IDENTITY_LEN = EAP.field("eap.identity.actual_len", "Identity Actual Length", FT.UINT16,
                         Base.DEC)
NOTIFICATION = EAP.field("eap.notification", "Notification", FT.STRING)
DATA = EAP.field("eap.data", "EAP Data", FT.BYTES)
DESIRED = EAP.field("eap.desired_type", "Desired Auth Type", FT.UINT8, Base.DEC, strings=TYPES)
MD5_SIZE = EAP.field("eap.md5.value_size", "EAP-MD5 Value-Size", FT.UINT8, Base.DEC)
MD5_VALUE = EAP.field("eap.md5.value", "EAP-MD5 Value", FT.BYTES)
MD5_EXTRA = EAP.field("eap.md5.extra_data", "EAP-MD5 Extra Data", FT.BYTES)
MD5_OVERFLOW = EAP.field("eap.md5.value_size.overflow", "Overflow", FT.NONE)
MITM = EAP.field("eap.mitm_attacks", "Vulnerable to MITM attacks. If possible, change EAP "
                 "type.", FT.NONE)
SIM_SUBTYPE = EAP.field("eap.sim.subtype", "EAP-SIM Subtype", FT.UINT8, Base.DEC,
                        strings=SIM_SUBTYPES)
SIM_RESERVED = EAP.field("eap.sim.reserved", "EAP-SIM Reserved", FT.UINT16, Base.HEX)
SIM_ATTR = EAP.field("eap.sim.subtype.attribute", "EAP-SIM Attribute", FT.NONE)
SIM_TYPE = EAP.field("eap.sim.subtype.type", "EAP-SIM Type", FT.UINT8, Base.DEC,
                     strings=SIM_ATTRIBUTES)
SIM_LEN = EAP.field("eap.sim.subtype.len", "EAP-SIM Length", FT.UINT8, Base.DEC)
SIM_VALUE = EAP.field("eap.sim.subtype.value", "EAP-SIM Value", FT.BYTES)

_EAP_SIM = 18
_MAX_ATTRIBUTES = 128  # (bounded work per packet)


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def dissect_eap(tvb: Tvb, pkt: Packet, session: Session) -> int:
    session.current_proto = "eap"
    off = tvb.start
    pkt.proto_col = "EAP"
    pkt.clear_info()
    tvb.need(off, 1)
    code = tvb.u8(off)
    pkt.set_info(CODES.get(code, "Unknown"))
    tvb.need(off, 4)
    length = tvb.u16(off + 2)
    # (tshark 4.0 leaves eap out of frame.protocols: eapol calls it by handle)
    top = pkt.add_proto(EAP, off, min(max(length, 4), tvb.end - off),
                        "Extensible Authentication Protocol", in_stack=False)
    pkt.add(top, CODE, code, off, 1)
    pkt.add(top, ID, tvb.u8(off + 1), off + 1, 1)
    pkt.add(top, LEN, length, off + 2, 2)
    if code not in (1, 2) or length < 5:
        return max(length, 4)
    etype = tvb.u8(off + 4)
    pkt.append_info(f", {TYPES.get(etype, 'Unknown')}")
    type_item = pkt.add(top, TYPE, etype, off + 4, 1)
    at, end = off + 5, off + length
    if end <= at:
        return length
    tvb.need(at, end - at)
    raw = tvb.bytes(at, end - at)
    if etype == 1:
        pkt.add(top, IDENTITY, _text(raw), at, end - at,
                f"Identity: {format_text(raw)}" if pkt.tree_on else None)
    elif etype == 2:
        pkt.add(top, NOTIFICATION, _text(raw), at, end - at,
                f"Notification: {format_text(raw)}" if pkt.tree_on else None)
    elif etype == 3:
        pkt.add(top, DESIRED, raw[0], at, 1)
    elif etype == 4:
        _md5(pkt, top, type_item, raw, at)
    elif etype == _EAP_SIM and end - at >= 3:
        _sim(tvb, pkt, top, at, end)
    else:
        pkt.add(top, DATA, raw, at, end - at)
    return length


def _md5(pkt: Packet, top: Item, type_item: Item, raw: bytes, at: int) -> None:
    """EAP-MD5: value size, value, extra data; tshark warns of the method itself."""
    pkt.add_expert(type_item, "warning", "security", MITM.name, "eap", field=MITM)
    size = raw[0]
    item = pkt.add(top, MD5_SIZE, size, at, 1)
    if size > len(raw) - 1:
        pkt.add_expert(item, "warning", "protocol", "Overflow", "eap", field=MD5_OVERFLOW)
        size = len(raw) - 1
    pkt.add(top, MD5_VALUE, raw[1: 1 + size], at + 1, size)
    if len(raw) - 1 - size > 0:
        pkt.add(top, MD5_EXTRA, raw[1 + size:], at + 1 + size, len(raw) - 1 - size)


def _sim(tvb: Tvb, pkt: Packet, top: Item, at: int, end: int) -> None:
    pkt.add(top, SIM_SUBTYPE, tvb.u8(at), at, 1)
    pkt.add(top, SIM_RESERVED, tvb.u16(at + 1), at + 1, 2)
    at += 3
    for _ in range(_MAX_ATTRIBUTES):
        if at + 2 > end:
            break
        atype, units = tvb.u8(at), tvb.u8(at + 1)
        size = units * 4
        if size < 4:
            break
        name = SIM_ATTRIBUTES.get(atype, "Unknown")
        attr = pkt.add(top, SIM_ATTR, None, at, size, f"EAP-SIM Attribute: {name} ({atype})")
        pkt.add(attr, SIM_TYPE, atype, at, 1)
        pkt.add(attr, SIM_LEN, units, at + 1, 1)
        v, n = at + 2, min(size, end - at) - 2
        if atype == 14 and n >= 2:
            ilen = min(tvb.u16(v), n - 2)
            pkt.add(attr, IDENTITY_LEN, tvb.u16(v), v, 2)
            raw = tvb.bytes(v + 2, ilen)
            pkt.add(attr, IDENTITY, _text(raw), v + 2, ilen,
                    f"Identity: {format_text(raw)}" if pkt.tree_on else None)
        elif n > 0:
            pkt.add(attr, SIM_VALUE, tvb.bytes(v, n), v, n)
        at += size


register_dissector("eap", dissect_eap)
register_learner_layer("eap", "EAP", "link")
