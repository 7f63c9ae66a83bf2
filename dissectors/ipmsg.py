"""IP Messenger (IPMSG) and its Chinese derivative FeiQ, on UDP and TCP port 2425.

Wireshark has no dissector for it, so every field here is ours (`ipmsg.*`, `feiq`).
A packet is one line of text split on ':' at most five times:

    Ver : PacketNo : SenderName : SenderHost : CommandNo : AdditionalSection
    1   : 1289671407 : alice    : alice-pc   : 288       : 你好\\0

CommandNo's low byte is the mode (IPMSG_SENDMSG = 0x20); the high bits are options
whose meaning depends on the mode: 0x100 is ABSENCEOPT on entry packets but
SENDCHECKOPT on messages (IP Messenger protocol spec, ipmsg.h). FeiQ puts a '#'-
separated version string in the Ver field (`1_lbt6_0#128#001122334455#0#0#0#4001#9`)
and adds a few modes of its own.

The Protocol column says "FeiQ" for packets whose Ver field is a FeiQ version string
and "IPMSG" otherwise; such packets also carry the `feiq` protocol item, so the
display filter `feiq` selects them.

Text is UTF-8 when UTF8OPT is set, otherwise TEXT_ENCODING (GBK, what FeiQ and
Chinese IP Messenger builds send; set it to "cp932" for Japanese IP Messenger);
undecodable bytes become U+FFFD, and text is escaped as Wireshark's format_text
does (dissectors/escape.py). Payloads on port 2425 that are not
IPMSG are refused (return False) so they show as data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from dissectors.bounded import remember
from dissectors.dispatch import TCP_PORT, UDP_PORT, register_claim, register_dissector
from dissectors.escape import format_str
from dissectors.offers import (
    FollowSpec,
    FollowStream,
    layer_fields,
    register_follow,
    register_learner_layer,
)
from dissectors.packet import Block, Item, Packet, cached_block
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.tvb import Tvb

IPMSG_PORT: Final = 2425
# Preference: the code page of text without UTF8OPT ("gbk" for FeiQ, "cp932" for Japan).
TEXT_ENCODING: Final = "gbk"

# Modes (CommandNo & 0xff), from the IP Messenger protocol spec (ipmsg.h).
BR_ENTRY, BR_EXIT, ANSENTRY, BR_ABSENCE = 0x01, 0x02, 0x03, 0x04
SENDMSG, RECVMSG, READMSG, DELMSG, ANSREADMSG = 0x20, 0x21, 0x30, 0x31, 0x32
GETFILEDATA, RELEASEFILES, GETDIRFILES = 0x60, 0x61, 0x62
SENDINFO, SENDABSENCEINFO = 0x41, 0x51
FEIQ_GROUPMSG: Final = 0x23

MODE_NAMES: Final = {
    0x00: "NOOPERATION",
    0x01: "BR_ENTRY", 0x02: "BR_EXIT", 0x03: "ANSENTRY", 0x04: "BR_ABSENCE",
    0x10: "BR_ISGETLIST", 0x11: "OKGETLIST", 0x12: "GETLIST", 0x13: "ANSLIST",
    0x20: "SENDMSG", 0x21: "RECVMSG",
    0x30: "READMSG", 0x31: "DELMSG", 0x32: "ANSREADMSG",
    0x40: "GETINFO", 0x41: "SENDINFO",
    0x50: "GETABSENCEINFO", 0x51: "SENDABSENCEINFO",
    0x60: "GETFILEDATA", 0x61: "RELEASEFILES", 0x62: "GETDIRFILES",
    0x72: "GETPUBKEY", 0x73: "ANSPUBKEY",
    # FeiQ's own modes. Each comes from a single public source (open-source
    # FeiQ-compatible clients' reverse engineering), not from a specification:
    0x23: "FEIQ_GROUPMSG",  # sent as 0x400023 to multicast 226.81.9.8 (single source)
    0x77: "FEIQ_WINDOW_OPENED",  # single source
    0x79: "FEIQ_TYPING",  # single source
    0x7A: "FEIQ_TYPING_STOPPED",  # single source
    0xC0: "FEIQ_PICTURE",  # single source
    0xD1: "FEIQ_SHAKE",  # window shake (single source)
}

ENTRY_MODES: Final = frozenset({BR_ENTRY, BR_EXIT, ANSENTRY, BR_ABSENCE})
ACK_MODES: Final = frozenset({RECVMSG, READMSG, ANSREADMSG, DELMSG, RELEASEFILES})

IPMSG: Final = protocol("ipmsg", "IP Messenger", "IPMSG")
VERSION: Final = IPMSG.field("ipmsg.version", "Version", FT.STRING)
PACKET_NO: Final = IPMSG.field("ipmsg.packet_no", "Packet number", FT.UINT64, Base.DEC)
USER: Final = IPMSG.field("ipmsg.user", "Sender name", FT.STRING)
HOST: Final = IPMSG.field("ipmsg.host", "Sender host", FT.STRING)
COMMAND: Final = IPMSG.field("ipmsg.command", "Command", FT.UINT32, Base.HEX)
MODE: Final = IPMSG.field("ipmsg.mode", "Mode", FT.UINT8, Base.HEX, strings=MODE_NAMES)

_SET: Final = ("Set", "Not set")


def _opt(abbrev: str, name: str, mask: int) -> Field:
    return IPMSG.field(abbrev, name, FT.BOOLEAN, bitmask=mask, strings=_SET)


# Options of member-recognition (entry) packets.
OPT_ABSENCE: Final = _opt("ipmsg.opt.absence", "Absence (ABSENCEOPT)", 0x100)
OPT_SERVER: Final = _opt("ipmsg.opt.server", "Server (SERVEROPT)", 0x200)
OPT_DIALUP: Final = _opt("ipmsg.opt.dialup", "Dial-up (DIALUPOPT)", 0x10000)
OPT_CAPUTF8: Final = _opt("ipmsg.opt.caputf8", "Understands UTF-8 (CAPUTF8OPT)", 0x1000000)
# Options of send commands.
OPT_SENDCHECK: Final = _opt("ipmsg.opt.sendcheck", "Receipt requested (SENDCHECKOPT)", 0x100)
OPT_SECRET: Final = _opt("ipmsg.opt.secret", "Sealed (SECRETOPT)", 0x200)
OPT_BROADCAST: Final = _opt("ipmsg.opt.broadcast", "Broadcast (BROADCASTOPT)", 0x400)
OPT_MULTICAST: Final = _opt("ipmsg.opt.multicast", "Multicast (MULTICASTOPT)", 0x800)
OPT_AUTORET: Final = _opt("ipmsg.opt.autoret", "Auto reply (AUTORETOPT)", 0x2000)
OPT_RETRY: Final = _opt("ipmsg.opt.retry", "Retry (RETRYOPT)", 0x4000)
OPT_PASSWORD: Final = _opt("ipmsg.opt.password", "Password (PASSWORDOPT)", 0x8000)
OPT_NOLOG: Final = _opt("ipmsg.opt.nolog", "No log (NOLOGOPT)", 0x20000)
OPT_NOADDLIST: Final = _opt("ipmsg.opt.noaddlist", "Not added to list (NOADDLISTOPT)", 0x80000)
OPT_READCHECK: Final = _opt("ipmsg.opt.readcheck", "Read receipt requested (READCHECKOPT)", 0x100000)
# Options of every command.
OPT_FILEATTACH: Final = _opt("ipmsg.opt.fileattach", "File attached (FILEATTACHOPT)", 0x200000)
OPT_ENCRYPT: Final = _opt("ipmsg.opt.encrypt", "Encrypted (ENCRYPTOPT)", 0x400000)
OPT_UTF8: Final = _opt("ipmsg.opt.utf8", "UTF-8 text (UTF8OPT)", 0x800000)

ENTRY_OPTS: Final = (OPT_ABSENCE, OPT_SERVER, OPT_DIALUP, OPT_FILEATTACH, OPT_ENCRYPT, OPT_UTF8,
              OPT_CAPUTF8)
SEND_OPTS: Final = (OPT_SENDCHECK, OPT_SECRET, OPT_BROADCAST, OPT_MULTICAST, OPT_AUTORET, OPT_RETRY,
             OPT_PASSWORD, OPT_NOLOG, OPT_NOADDLIST, OPT_READCHECK, OPT_FILEATTACH,
             OPT_ENCRYPT, OPT_UTF8)

MSG: Final = IPMSG.field("ipmsg.msg", "Message", FT.STRING)
NICKNAME: Final = IPMSG.field("ipmsg.nickname", "Nickname", FT.STRING)
GROUP: Final = IPMSG.field("ipmsg.group", "Group", FT.STRING)
ACK_PACKET_NO: Final = IPMSG.field("ipmsg.ack_packet_no", "Acknowledged packet number", FT.UINT64,
                            Base.DEC)
FILE_ID: Final = IPMSG.field("ipmsg.file.id", "File ID", FT.UINT32, Base.DEC)
FILE_NAME: Final = IPMSG.field("ipmsg.file.name", "File name", FT.STRING)
FILE_SIZE: Final = IPMSG.field("ipmsg.file.size", "File size", FT.UINT64, Base.DEC, unit=" bytes")
FILE_MTIME: Final = IPMSG.field("ipmsg.file.mtime", "Modification time (seconds since 1970)",
                         FT.UINT32, Base.DEC)
FILE_ATTR: Final = IPMSG.field("ipmsg.file.attr", "File attributes", FT.UINT32, Base.HEX)
GET_PACKET_ID: Final = IPMSG.field("ipmsg.getfile.packet_id", "Packet ID of the offering message",
                            FT.UINT32, Base.HEX)
GET_FILE_ID: Final = IPMSG.field("ipmsg.getfile.file_id", "File ID", FT.UINT32, Base.HEX)
GET_OFFSET: Final = IPMSG.field("ipmsg.getfile.offset", "Offset", FT.UINT64, Base.HEX)
EXTRA: Final = IPMSG.field("ipmsg.extra", "Extra data", FT.BYTES)
RESPONSE_TO: Final = IPMSG.field("ipmsg.response_to", "Acknowledges the message in", FT.FRAMENUM)
RESPONSE_IN: Final = IPMSG.field("ipmsg.response_in", "Acknowledged in", FT.FRAMENUM)
EI_UNANSWERED: Final = IPMSG.field("ipmsg.labshark.unanswered", "No RECVMSG for this message",
                            FT.NONE, blurb="labshark: SENDCHECKOPT set but no RECVMSG seen")
EI_BAD_ATTACH: Final = IPMSG.field("ipmsg.labshark.bad_attachment", "Malformed attachment entry",
                            FT.NONE, blurb="labshark: an attachment entry that does not parse")
FEIQ_FLAG: Final = IPMSG.field("ipmsg.feiq", "FeiQ client", FT.BOOLEAN)

FEIQ: Final = protocol("feiq", "FeiQ extensions", "FeiQ")
# The '#'-separated version string; names after the MAC are guesses (single source).
FEIQ_CLIENT: Final = IPMSG.field("ipmsg.feiq.client", "Client version", FT.STRING)
FEIQ_ICON: Final = IPMSG.field("ipmsg.feiq.icon", "Icon / flags", FT.STRING)
FEIQ_MAC: Final = IPMSG.field("ipmsg.feiq.mac", "MAC address", FT.ETHER)
FEIQ_FIELD: Final = IPMSG.field("ipmsg.feiq.field", "Other field", FT.STRING)

_DECIMAL: Final = re.compile(rb"\d{1,20}")
_HEXNUM: Final = re.compile(rb"0[xX][0-9A-Fa-f]{1,8}")
_VERSION: Final = re.compile(rb"[\x21-\x7e]{1,80}")
_FEIQ_VERSION: Final = re.compile(r"\d+_[A-Za-z]+[^#]*#")


def decode_text(raw: bytes, utf8: bool) -> str:
    """Message text (a field value); bytes that do not decode become U+FFFD, as in
    Wireshark's string fields. Labels and Info show it through format_text. (ASCII is
    the same in both encodings: decoded as such, without the GBK codec's ~5k
    instructions a call.)"""
    if raw.isascii():
        return raw.decode("ascii")
    return raw.decode("utf-8" if utf8 else TEXT_ENCODING, errors="replace")


class Header:
    """The five ':'-separated header fields and where each sits in the payload. (A
    plain class, read only: compiled, a frozen dataclass is made through Python-level
    setattr calls, ~10k instructions a packet.)"""

    __slots__ = ("version", "packet_no", "user", "host", "command", "spans", "extra_off")

    def __init__(self, version: str, packet_no: int, user: bytes, host: bytes, command: int,
                 spans: tuple[tuple[int, int], ...], extra_off: int) -> None:
        self.version = version
        self.packet_no = packet_no
        self.user = user
        self.host = host
        self.command = command
        self.spans = spans  # (offset, length) of each of the five fields
        self.extra_off = extra_off  # offset of AdditionalSection (== end when absent)


def parse_header(b: bytes) -> Header | None:
    """The header of an IPMSG packet, or None when `b` is not one."""
    parts = b.split(b":", 5)
    if len(parts) < 5:
        return None
    ver, pno, user, host, cmd = parts[:5]
    if not _VERSION.fullmatch(ver) or not _DECIMAL.fullmatch(pno):
        return None
    if _DECIMAL.fullmatch(cmd):
        command = int(cmd)
    elif _HEXNUM.fullmatch(cmd):
        command = int(cmd, 16)
    else:
        return None
    if command > 0xFFFFFFFF or b"\0" in user or b"\0" in host:
        return None
    spans, off = [], 0
    for p in parts[:5]:
        spans.append((off, len(p)))
        off += len(p) + 1
    return Header(ver.decode("ascii"), int(pno), user, host, command, tuple(spans),
                  min(off, len(b)))


@dataclass
class IpmsgPairs:
    """SENDMSG frames by `sent_key` (sender address, packet no), to pair RECVMSG with
    them."""

    sent: dict[bytes, int] = field(default_factory=dict)


def sent_key(addr: bytes, packet_no: int) -> bytes:
    """(address, packet no) as one bytes key: up to 64k are kept, and one object each is
    ~80 bytes less than a tuple of an address and a number (the address's length first:
    an IPv4 and an IPv6 key never meet)."""
    return b"%c%s%d" % (len(addr), addr, packet_no)


@dataclass
class IpmsgAnswers:
    """What the first pass learnt: SENDMSG frame -> RECVMSG frame (kept for `-2`)."""

    answered: dict[int, int] = field(default_factory=dict)


def _opts_for(mode: int) -> tuple[Field, ...]:
    return ENTRY_OPTS if mode in ENTRY_MODES else SEND_OPTS


def _opt_names(mode: int, command: int) -> list[str]:
    names = []
    for f in _opts_for(mode):
        if command & f.bitmask:
            names.append(f.abbrev.rsplit(".", 1)[1])
    return names


def _feiq(pkt: Packet, top: Item, version: str, off: int, src: int) -> bool:
    """Decode a FeiQ version string; False when `version` is not one."""
    if not _FEIQ_VERSION.match(version):
        return False
    pkt.proto_col = "FeiQ"
    pkt.add(top, FEIQ_FLAG, True, off, len(version), source=src)
    ftop = pkt.add_proto(FEIQ, off, len(version), "FeiQ extensions", source=src)
    parts = version.split("#")
    pos = off
    for i, p in enumerate(parts):
        if i == 0:
            pkt.add(ftop, FEIQ_CLIENT, p, pos, len(p), source=src)
        elif i == 1:
            pkt.add(ftop, FEIQ_ICON, p, pos, len(p), source=src)
        elif i == 2 and re.fullmatch(r"[0-9A-Fa-f]{12}", p):
            pkt.add(ftop, FEIQ_MAC, bytes.fromhex(p), pos, len(p), source=src)
        else:
            pkt.add(ftop, FEIQ_FIELD, p, pos, len(p), f"Field {i}: {p}", source=src)
        pos += len(p) + 1
    return True


def _attachments(pkt: Packet, top: Item, raw: bytes, off: int, utf8: bool, src: int) -> int:
    """`id:name:size:mtime:attr:[ext...]` entries separated by BEL; returns the count."""
    n = 0
    pos = off
    for entry in raw.split(b"\a"):
        eoff = pos
        pos += len(entry) + 1
        if not entry.strip(b"\0"):
            continue
        # "::" inside a name stands for one ':'.
        fields = entry.replace(b"::", b"\x01").split(b":")
        fields = [f.replace(b"\x01", b":") for f in fields]
        try:
            fid = _num(fields[0], 10)
            name = decode_text(fields[1], utf8)
            size = _num(fields[2], 16)
            mtime = _num(fields[3], 16)
            attr = _num(fields[4], 16)
        except (IndexError, ValueError):
            item = pkt.add_text(top, f"Attachment (malformed): {entry!r}", eoff, len(entry),
                                src)
            _expert(pkt, item, "warning", "malformed", "Malformed attachment entry",
                    EI_BAD_ATTACH)
            continue
        sub = pkt.add_text(top, format_str(f"Attachment {fid}: {name} ({size} bytes)"), eoff,
                           len(entry), src)
        pkt.add(sub, FILE_ID, fid, eoff, len(fields[0]), source=src)
        pkt.add(sub, FILE_NAME, name, eoff, len(entry), source=src)
        pkt.add(sub, FILE_SIZE, size & 0xFFFFFFFFFFFFFFFF, eoff, len(entry), source=src)
        pkt.add(sub, FILE_MTIME, mtime & 0xFFFFFFFF, eoff, len(entry), source=src)
        pkt.add(sub, FILE_ATTR, attr & 0xFFFFFFFF, eoff, len(entry), source=src)
        n += 1
    return n


#: Longest number text taken from an attachment or file request (a 64-bit value with
#: room for padding); a longer one makes the entry malformed, never a huge int.
_MAX_NUM_CHARS: Final = 32


def _num(raw: bytes, base: int) -> int:
    """int(raw, base) of a number field; ValueError when it is not one or too long."""
    if len(raw) > _MAX_NUM_CHARS:
        raise ValueError("number too long")
    return int(raw, base)


def _expert(pkt: Packet, item: Item | None, severity: str, group: str, text: str,
            fld: Field) -> None:
    """Our expert note (Wireshark has no IPMSG dissector), with its filterable item."""
    pkt.add_expert(item, severity, group, text, "ipmsg", ours=True, field=fld)


def _command_tree(add: Callable[..., Item], top: Item | None, command: int, off: int,
                  n: int, src: int) -> None:
    """The command item with its mode and option bits under it (Packet.add's or a
    BlockBuilder's `add`)."""
    citem = add(top, COMMAND, command, off, n, source=src)
    add(citem, MODE, command & 0xFF, off, n, source=src)
    for f in _opts_for(command & 0xFF):
        add(citem, f, bool(command & f.bitmask), off, n, source=src)


#: (command, offset, length, source) -> the command subtree (packet.cached_block): the
#: same for every packet with this command at this place (a handful in a capture).
_COMMAND_BLOCKS: Final[dict[tuple[int, int, int, int], Block]] = {}


def _cstr(b: bytes) -> bytes:
    i = b.find(b"\0")
    return b if i < 0 else b[:i]


def dissect_ipmsg(tvb: Tvb, pkt: Packet, session: Session) -> bool:
    """One IPMSG/FeiQ packet; False (leave it to `data`) when it is not one."""
    raw = bytes(tvb.buf[tvb.start: tvb.end])
    hdr = parse_header(raw)
    if hdr is None:
        return False
    session.current_proto = "ipmsg"
    base, src = tvb.start, tvb.source
    mode = hdr.command & 0xFF
    utf8 = bool(hdr.command & OPT_UTF8.bitmask)
    pkt.proto_col = "IPMSG"
    mode_name = MODE_NAMES.get(mode, f"Unknown (0x{mode:02x})")
    top = pkt.add_proto(IPMSG, base, len(raw), f"IP Messenger, {mode_name}", source=src)
    (v_off, v_len), (p_off, p_len), (u_off, u_len), (h_off, h_len), (c_off, c_len) = hdr.spans
    # (a tree-less dissection nobody reads IPMSG's header items from skips them)
    items = pkt.wants_layer("ipmsg")
    if items:
        pkt.add(top, VERSION, hdr.version, base + v_off, v_len, source=src)
    feiq = _feiq(pkt, top, hdr.version, base + v_off, src)
    user, host = decode_text(hdr.user, utf8), decode_text(hdr.host, utf8)
    if items:
        pkt.add(top, PACKET_NO, hdr.packet_no, base + p_off, p_len, source=src)
        pkt.add(top, USER, user, base + u_off, u_len, source=src)
        pkt.add(top, HOST, host, base + h_off, h_len, source=src)
        if pkt.wanted is None:  # (nothing goes under it later: shared by packets)
            pkt.add_block(top, cached_block(_COMMAND_BLOCKS, (hdr.command, base + c_off, c_len,
                                                                 src), _command_tree))
        else:
            _command_tree(pkt.add, top, hdr.command, base + c_off, c_len, src)

    extra = raw[hdr.extra_off:]
    eoff = base + hdr.extra_off
    opts = _opt_names(mode, hdr.command)
    info = mode_name + (f" ({', '.join(opts)})" if opts else "")
    who = f"{user}@{host}"
    text = _cstr(extra)
    if mode in ENTRY_MODES:
        nick, _, rest = extra.partition(b"\0")
        group = _cstr(rest)
        nick_s, group_s = decode_text(nick, utf8), decode_text(group, utf8)
        if nick or group:
            pkt.add(top, NICKNAME, nick_s, eoff, len(nick), source=src)
            pkt.add(top, GROUP, group_s, eoff + len(nick) + 1, len(group), source=src)
        info += f" from {who}"
        if nick_s:
            info += f": {nick_s}" + (f" [{group_s}]" if group_s else "")
    elif mode in ACK_MODES:
        info += f" from {who}"
        num = text.strip()
        if _DECIMAL.fullmatch(num):
            ack = int(num) & 0xFFFFFFFFFFFFFFFF
            pkt.add(top, ACK_PACKET_NO, ack, eoff, len(text), source=src)
            info = f"{mode_name} for {ack}" + (f" ({', '.join(opts)})" if opts else "")
            if mode == RECVMSG:
                _pair_recv(pkt, top, session, ack)
        elif text:
            pkt.add(top, MSG, decode_text(text, utf8), eoff, len(text), source=src)
    elif mode == GETFILEDATA or mode == GETDIRFILES:
        info += f" from {who}"
        nums = text.split(b":")
        try:
            pid, fid = _num(nums[0], 16), _num(nums[1], 16)
            pkt.add(top, GET_PACKET_ID, pid & 0xFFFFFFFF, eoff, len(nums[0]), source=src)
            pkt.add(top, GET_FILE_ID, fid & 0xFFFFFFFF, eoff, len(nums[1]), source=src)
            info += f": packet 0x{pid:x}, file {fid}"
            if mode == GETFILEDATA and len(nums) > 2 and nums[2]:
                offset = _num(nums[2], 16) & 0xFFFFFFFFFFFFFFFF
                pkt.add(top, GET_OFFSET, offset, eoff, len(nums[2]), source=src)
                info += f", offset {offset}"
        except (IndexError, ValueError):
            if text:
                pkt.add(top, MSG, decode_text(text, utf8), eoff, len(text), source=src)
    else:
        msg = decode_text(text, utf8)
        if text:
            pkt.add(top, MSG, msg, eoff, len(text), source=src)
        info += f" from {who}" + (f": {msg}" if msg else "")
        if mode == SENDMSG:
            _pair_send(pkt, top, session, hdr)
        if hdr.command & OPT_FILEATTACH.bitmask and len(text) < len(extra):
            after = extra[len(text) + 1:]
            n = _attachments(pkt, top, after, eoff + len(text) + 1, utf8, src)
            if n:
                info += f" [{n} file{'s' if n > 1 else ''}]"
    pkt.set_info(format_str(info))
    if feiq:
        pkt.proto_col = "FeiQ"
    return True


def _pair_send(pkt: Packet, top: Item, session: Session, hdr: Header) -> None:
    pairs = session.state("ipmsg.pairs", IpmsgPairs)
    key = sent_key(pkt.net_src, hdr.packet_no)
    if key not in pairs.sent:  # (the first SENDMSG of a packet number; newest 64k kept)
        remember(pairs.sent, key, pkt.frame.number)
    if not session.two_pass or session.pass_no != 2:
        return
    answers = session.state("pass1:ipmsg.answers", IpmsgAnswers)
    recv = answers.answered.get(pkt.frame.number)
    if recv is not None:
        pkt.add(top, RESPONSE_IN, recv, 0, 0, f"[Acknowledged in frame: {recv}]",
                generated=True)
    elif hdr.command & OPT_SENDCHECK.bitmask:
        _expert(pkt, top, "note", "sequence",
                "SENDMSG with SENDCHECKOPT never acknowledged by a RECVMSG", EI_UNANSWERED)


def _pair_recv(pkt: Packet, top: Item, session: Session, ack: int) -> None:
    pairs = session.state("ipmsg.pairs", IpmsgPairs)
    sent = pairs.sent.get(sent_key(pkt.net_dst, ack))
    if sent is None:
        return
    pkt.add(top, RESPONSE_TO, sent, 0, 0, f"[Acknowledges the message in frame: {sent}]",
            generated=True)
    if session.recording:
        session.state("pass1:ipmsg.answers", IpmsgAnswers).answered.setdefault(
            sent, pkt.frame.number)


def dissect_ipmsg_safe(tvb: Tvb, pkt: Packet, session: Session) -> bool:
    """Entry point: odd text never escapes as an exception (bounds errors do, on purpose)."""
    try:
        return dissect_ipmsg(tvb, pkt, session)
    except (UnicodeError, ValueError, LookupError):
        return False


def claim_ipmsg(session: Session, payload: bytes, src: bytes, sport: int, dst: bytes,
                dport: int) -> Header | None:
    """What the fast path needs: the parsed header when this payload is IPMSG."""
    try:
        return parse_header(bytes(payload))
    except (UnicodeError, ValueError, LookupError):
        return None


class IpmsgFollower:
    """`-z follow,ipmsg` (labshark's own): one chunk per message text (`ipmsg.msg`, as
    UTF-8, or the bytes as sent under `--encoding`) sent on the followed UDP stream."""

    def __init__(self, stream: FollowStream) -> None:
        self.stream = stream

    def packet(self, pkt: Packet, top: set[int]) -> None:
        msgs = pkt.index.get("ipmsg.msg", ())
        udps = pkt.index.get("udp", ())
        if not msgs or not udps:
            return
        kids = layer_fields(udps[0])
        if "udp.stream" not in kids or not self.stream.selected(pkt, kids):
            return
        sport, dport = kids["udp.srcport"].value, kids["udp.dstport"].value
        server = self.stream.is_server(pkt, sport, dport)
        for m in msgs:
            if self.stream.encoding:  # the bytes as sent, for --encoding to decode
                text = bytes(pkt.sources[m.source][1][m.offset: m.offset + m.length])
            else:
                text = str(m.value).encode("utf-8", "replace")
            self.stream.emit(server, pkt.frame.number, pkt.frame.ts_ns, text)


UDP_PORT.register(IPMSG_PORT, dissect_ipmsg_safe, "ipmsg")
register_claim(dissect_ipmsg_safe, "ipmsg", claim_ipmsg)
TCP_PORT.register(IPMSG_PORT, dissect_ipmsg_safe, "ipmsg")
register_dissector("ipmsg", dissect_ipmsg_safe)
register_dissector("feiq", dissect_ipmsg_safe)
register_follow(FollowSpec("ipmsg", "udp", IpmsgFollower, filter_prefix=True))
register_learner_layer("ipmsg", "IPMSG")
