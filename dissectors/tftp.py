"""TFTP (RFC 1350; options RFC 2347/2348/2349; windowsize RFC 7440), as tshark 4.0 shows it.

     2 bytes     string    1 byte     string   1 byte   [ opt 0 value 0 ... ]
    +--------+------------+------+------------+------+
    | 01/02  |  Filename  |  0   |    Mode    |  0   |        RRQ / WRQ
    +--------+------------+------+------------+------+
    +--------+--------+---------+
    |   03   | Block# |  Data   |                             DATA (last when < blksize)
    +--------+--------+---------+
    +--------+--------+
    |   04   | Block# |                                       ACK
    +--------+--------+
    +--------+-----------+--------+---+
    |   05   | ErrorCode | ErrMsg | 0 |                       ERROR
    +--------+-----------+--------+---+
    +--------+--------+---+--------+---+
    |   06   |  opt1  | 0 | value1 | 0 |  ...                 OACK
    +--------+--------+---+--------+---+

Only the request goes to port 69; the server answers from a new port, so a request
binds the client's (address, port) and the server's address with any port to TFTP
(a conversation), and the first answer fixes the server's port. Per-transfer state
(block size from the OACK, next expected block, request frame) lives in the session,
keyed by that conversation, never in module globals.

Fields `tftp.labshark.*` are ours (tshark has no such items): retransmitted DATA,
duplicate ACKs, out-of-order blocks, the Sorcerer's Apprentice syndrome, and the links
between each ACK and the DATA it acknowledges (`data_in`; `ack_in` with -2).
"""

from __future__ import annotations

from typing import Final

from dissectors.dispatch import BY_NAME, UDP_HEUR, UDP_PORT, register_claim, register_dissector
from dissectors.escape import format_text
from dissectors.offers import (
    ExportSpec,
    FollowSpec,
    register_export_object,
    register_follow,
    register_learner_layer,
)
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.textnum import strtol, wrap
from dissectors.tftp_export import TftpExporter
from dissectors.tftp_follow import TftpFollower
from dissectors.tftp_transfers import (
    ACK,
    DATA,
    ERROR,
    INFO,
    OACK,
    RRQ,
    TFTP_PORT,
    WRQ,
    TftpConversation,
    TftpLinks,
    heur_claim,
    transfer_for,
)
from dissectors.tvb import ReportedBoundsError, Tvb

OPCODE_NAMES: Final = {
    RRQ: "Read Request",
    WRQ: "Write Request",
    DATA: "Data Packet",
    ACK: "Acknowledgement",
    ERROR: "Error Code",
    OACK: "Option Acknowledgement",
    INFO: "Information (MSDP)",
}

# 0-7 from RFC 1350, 8 from RFC 1782/2347.
ERROR_NAMES: Final = {
    0: "Not defined",
    1: "File not found",
    2: "Access violation",
    3: "Disk full or allocation exceeded",
    4: "Illegal TFTP Operation",
    5: "Unknown transfer ID",
    6: "File already exists",
    7: "No such user",
    8: "Option negotiation failed",
}

TFTP: Final = protocol("tftp", "Trivial File Transfer Protocol", "TFTP")
OPCODE: Final = TFTP.field("tftp.opcode", "Opcode", FT.UINT16, Base.DEC, strings=OPCODE_NAMES,
                    blurb="TFTP message type", offset=0)
SOURCE_FILE: Final = TFTP.field("tftp.source_file", "Source File", FT.STRINGZ,
                         blurb="TFTP source file name")
DESTINATION_FILE: Final = TFTP.field("tftp.destination_file", "Destination File", FT.STRINGZ,
                              blurb="TFTP destination file name")
REQUEST_FRAME: Final = TFTP.field("tftp.request_frame", "Request frame", FT.FRAMENUM,
                           blurb="TFTP request is in frame")
TYPE: Final = TFTP.field("tftp.type", "Type", FT.STRINGZ, blurb="TFTP transfer type")
BLOCK: Final = TFTP.field("tftp.block", "Block", FT.UINT16, Base.DEC, blurb="Block number")
BLOCK_FULL: Final = TFTP.field("tftp.block.full", "Full Block Number", FT.UINT32, Base.DEC,
                        blurb="Block number, adjusted for wrapping")
NEXTWINDOWSIZE: Final = TFTP.field("tftp.nextwindowsize", "Next Window Size", FT.UINT16, Base.DEC,
                            blurb="Number of blocks in next transfer window")
ERROR_CODE: Final = TFTP.field("tftp.error.code", "Error code", FT.UINT16, Base.DEC,
                        strings=ERROR_NAMES, blurb="Error code in case of TFTP error message")
ERROR_MESSAGE: Final = TFTP.field("tftp.error.message", "Error message", FT.STRINGZ,
                           blurb="Error string in case of TFTP error message")
OPTION_NAME: Final = TFTP.field("tftp.option.name", "Option name", FT.STRINGZ)
OPTION_VALUE: Final = TFTP.field("tftp.option.value", "Option value", FT.STRINGZ)
DATA_F: Final = TFTP.field("tftp.data", "Data", FT.BYTES)

# Reassembly of files into one payload: tshark's "defragment" preference, off by default
# and not implemented here; declared so that filters naming them are accepted.
FRAGMENTS: Final = TFTP.field("tftp.fragments", "TFTP Fragments", FT.NONE)
FRAGMENT: Final = TFTP.field("tftp.fragment", "TFTP Fragment", FT.FRAMENUM)
FRAGMENT_OVERLAP: Final = TFTP.field("tftp.fragment.overlap", "Fragment overlap", FT.BOOLEAN,
                              blurb="Fragment overlaps with other fragments")
FRAGMENT_OVERLAP_CONFLICTS: Final = TFTP.field(
    "tftp.fragment.overlap.conflicts", "Conflicting data in fragment overlap", FT.BOOLEAN,
    blurb="Overlapping fragments contained conflicting data")
FRAGMENT_MULTIPLE_TAILS: Final = TFTP.field(
    "tftp.fragment.multipletails", "Multiple tail fragments found", FT.BOOLEAN,
    blurb="Several tails were found when defragmenting the packet")
FRAGMENT_TOO_LONG: Final = TFTP.field("tftp.fragment.toolongfragment", "Fragment too long",
                               FT.BOOLEAN, blurb="Fragment contained data past end of packet")
FRAGMENT_ERROR: Final = TFTP.field("tftp.fragment.error", "Defragmentation error", FT.FRAMENUM,
                            blurb="Defragmentation error due to illegal fragments")
FRAGMENT_COUNT: Final = TFTP.field("tftp.fragment.count", "Fragment count", FT.UINT32, Base.DEC)
REASSEMBLED_IN: Final = TFTP.field("tftp.reassembled_in", "Reassembled TFTP in frame", FT.FRAMENUM,
                            blurb="This TFTP packet is reassembled in this frame")
REASSEMBLED_LENGTH: Final = TFTP.field("tftp.reassembled.length", "Reassembled TFTP length",
                                FT.UINT32, Base.DEC,
                                blurb="The total length of the reassembled payload")
REASSEMBLED_DATA: Final = TFTP.field("tftp.reassembled.data", "Reassembled TFTP data", FT.BYTES,
                              blurb="The reassembled payload")

# tshark's expert items.
EI_ERROR: Final = TFTP.field("tftp.error", "TFTP ERROR packet", FT.NONE)
EI_TSIZE_PROBE: Final = TFTP.field("tftp.likely_tsize_probe", "Likely transfer size (tsize) probe",
                            FT.NONE)
EI_BLOCKSIZE_RANGE: Final = TFTP.field("tftp.blocksize_range", "TFTP blocksize out of range", FT.NONE)
EI_BLOCK_WRAP: Final = TFTP.field("tftp.block.wrap", "TFTP block number is about to wrap", FT.NONE)
EI_WINDOWSIZE_RANGE: Final = TFTP.field("tftp.windowsize_range", "TFTP windowsize out of range",
                                 FT.NONE)
EI_MSFTWINDOW: Final = TFTP.field("tftp.msftwindow.unrecognized", "Unrecognized msftwindow option",
                           FT.NONE)
EI_WINDOWSIZE_CHANGE: Final = TFTP.field("tftp.windowsize.change", "TFTP window size is changing",
                                  FT.NONE)

# Ours (labshark only): sequence analysis tshark 4.0 does not report.
EI_RETRANS_DATA: Final = TFTP.field("tftp.labshark.retransmission", "Retransmitted DATA block",
                             FT.NONE, blurb="labshark: a DATA block seen before")
EI_DUP_ACK: Final = TFTP.field("tftp.labshark.duplicate_ack", "Duplicate ACK", FT.NONE,
                        blurb="labshark: an ACK for the same block as an earlier one")
EI_OUT_OF_ORDER: Final = TFTP.field("tftp.labshark.out_of_order", "Out-of-order DATA block",
                             FT.NONE, blurb="labshark: a DATA block beyond the expected one")
EI_SORCERER: Final = TFTP.field("tftp.labshark.sorcerers_apprentice",
                         "Sorcerer's Apprentice syndrome", FT.NONE,
                         blurb="labshark: a duplicate ACK answered with a second DATA (RFC 1123)")
# Ours: the lock-step, both ways. An ACK names the DATA it acknowledges (the latest copy
# of its block before it; one pass); a DATA names its first ACK (-2, as response_in).
DATA_IN: Final = TFTP.field("tftp.labshark.data_in", "Acknowledges DATA in frame", FT.FRAMENUM,
                     blurb="labshark: the DATA this ACK acknowledges")
ACK_IN: Final = TFTP.field("tftp.labshark.ack_in", "Acknowledged in frame", FT.FRAMENUM,
                    blurb="labshark: the first ACK of this DATA (needs -2)")



def _expert(pkt: Packet, item: Item | None, severity: str, group: str, text: str,
            proto: str, ours: bool = False, field: Field | None = None) -> None:
    """An expert note with its filterable item (printed as 1 by `-T fields`)."""
    pkt.add_expert(item, severity, group, text, proto, ours=ours, field=field)


def _strsize(tvb: Tvb, off: int) -> int:
    """Length of the NUL-terminated string at `off`, NUL included (tvb_strsize)."""
    tvb.need(off, 1)
    i = tvb.find(b"\0", off)
    if i < 0:
        # No terminator in the captured bytes: past the packet's end if it was all captured.
        if tvb.end >= tvb.rend:
            raise ReportedBoundsError()
        tvb.need(tvb.end, 1)
    return i - off + 1


def _ascii(raw: bytes) -> str:
    """ENC_ASCII: bytes >= 0x80 become U+FFFD, as Wireshark's string fields do."""
    if raw.isascii():  # (the usual case: one C call, not a character at a time)
        return raw.decode("ascii")
    return "".join(chr(c) if c < 0x80 else "\ufffd" for c in raw)


def _string(tvb: Tvb, off: int) -> tuple[str, str, int]:
    """(field value, Info text, size incl. NUL) of the NUL-terminated string at `off`."""
    n = _strsize(tvb, off)
    raw = tvb.bytes(off, n - 1)
    return _ascii(raw), format_text(raw), n


def _s16(v: int) -> int:
    v &= 0xFFFF
    return v - 0x10000 if v & 0x8000 else v


def full_blocknum(block: int, conv: TftpConversation) -> int:
    """Undo 16-bit wrapping using the next expected block (determine_full_blocknum)."""
    delta = _s16(conv.next_block - block)
    if delta > conv.next_block:
        return block
    return (conv.next_block - delta) & 0xFFFFFFFF


def _int_option(s: str) -> int:
    """tshark's `(gint)strtol(value, NULL, 10)`: saturated at 64 bits, cut to 32."""
    return wrap(strtol(s), 32, True)


def _options(tvb: Tvb, pkt: Packet, off: int, tree: Item, opcode: int,
             conv: TftpConversation) -> None:
    while off < tvb.end:
        name, name_txt, nlen = _string(tvb, off)
        voff = off + nlen
        value, value_txt, vlen = _string(tvb, voff)
        sub = pkt.add_text(tree, f"Option: {name_txt} = {value_txt}", off, nlen + vlen,
                           tvb.source)
        pkt.add(sub, OPTION_NAME, name, off, nlen, source=tvb.source)
        pkt.add(sub, OPTION_VALUE, value, voff, vlen, source=tvb.source)
        off += nlen + vlen
        pkt.append_info(f", {name_txt}={value_txt}")
        lname = name_txt.lower()
        if opcode in (RRQ, WRQ):
            if lname == "msftwindow":
                if value_txt != "31416":
                    _expert(pkt, sub, "warning", "response_code",
                                   "Unrecognized msftwindow option", "tftp", field=EI_MSFTWINDOW)
            elif lname == "windowsize":
                ws = _int_option(value_txt)
                if ws < 1 or ws > 65535:
                    _expert(pkt, sub, "warning", "response_code",
                                   "TFTP windowsize out of range", "tftp",
                                   field=EI_WINDOWSIZE_RANGE)
            if lname == "tsize" and opcode == RRQ:
                conv.tsize_requested = True
        elif opcode == OACK:
            if lname == "blksize":
                bs = _int_option(value_txt)
                if bs < 8 or bs > 65464:
                    _expert(pkt, sub, "warning", "response_code",
                                   "TFTP blocksize out of range", "tftp",
                                   field=EI_BLOCKSIZE_RANGE)
                else:
                    conv.blocksize = bs
            elif lname == "windowsize":
                ws = _int_option(value_txt)
                if ws < 1 or ws > 65535:
                    _expert(pkt, sub, "warning", "response_code",
                                   "TFTP windowsize out of range", "tftp",
                                   field=EI_WINDOWSIZE_RANGE)
                else:
                    conv.windowsize = ws
            elif lname == "msftwindow":
                if value_txt == "27182":
                    conv.dynamic_windowing = True
                else:
                    _expert(pkt, sub, "warning", "response_code",
                                   "Unrecognized msftwindow option", "tftp", field=EI_MSFTWINDOW)


def _tsize_probe(error: int, conv: TftpConversation) -> bool:
    """An ERROR 0/8 right after the OACK or DATA 1 of a tsize query closes, not fails."""
    if error not in (0, 8):
        return False
    if conv.source_file is not None and conv.tsize_requested:
        if conv.prev_opcode == OACK:
            return True
        if conv.prev_opcode == DATA and conv.next_block == 2:
            return True
    return False


def dissect_message(conv: TftpConversation, tvb: Tvb, pkt: Packet, session: Session) -> None:
    """One TFTP message of transfer `conv` (dissect_tftp_message)."""
    session.current_proto = "tftp"
    pkt.proto_col = "TFTP"
    off = tvb.start
    src = tvb.source
    top = pkt.add_proto(TFTP, off, tvb.end - off, "Trivial File Transfer Protocol", source=src)
    opcode = tvb.u16(off)
    pkt.add(top, OPCODE, opcode, off, 2, source=src)
    pkt.set_info(OPCODE_NAMES.get(opcode, f"Unknown (0x{opcode:04x})"))
    off += 2
    filename = None
    if conv.request_frame and opcode not in (RRQ, WRQ):
        filename = conv.source_file if conv.source_file is not None else conv.destination_file
        if filename is not None:
            # (at the message's start, where tshark puts them: -T pdml/jsonraw)
            pkt.add(top, DESTINATION_FILE, filename, top.offset, 0, generated=True,
                    source=src)
        kind = "Read Request" if conv.source_file is not None else "Write Request"
        pkt.add(top, REQUEST_FRAME, conv.request_frame, top.offset, 0,
                f"{kind} in frame {conv.request_frame}", generated=True, source=src)
    pkt.proto_data["tftp.conv"] = conv
    pkt.proto_data["tftp.opcode"] = opcode

    if opcode in (RRQ, WRQ):
        name, name_txt, n = _string(tvb, off)
        if opcode == RRQ:
            pkt.add(top, SOURCE_FILE, name, off, n, source=src)
            conv.source_file, conv.destination_file = name, None
        else:
            pkt.add(top, DESTINATION_FILE, name, off, n, source=src)
            conv.source_file, conv.destination_file = None, name
        conv.request_frame = pkt.frame.number
        pkt.append_info(f", File: {name_txt}")
        off += n
        mode, mode_txt, n = _string(tvb, off)
        pkt.add(top, TYPE, mode, off, n, source=src)
        conv.mode = mode_txt
        pkt.append_info(f", Transfer type: {mode_txt}")
        off += n
        _options(tvb, pkt, off, top, opcode, conv)
    elif opcode == INFO or opcode == OACK:
        _options(tvb, pkt, off, top, opcode, conv)
    elif opcode == DATA:
        top.length = 4
        raw_block = tvb.u16(off)
        bitem = pkt.add(top, BLOCK, raw_block, off, 2, source=src)
        off += 2
        block = full_blocknum(raw_block, conv)
        pkt.add(top, BLOCK_FULL, block, top.offset, 0, generated=True, source=src)
        nbytes = (tvb.rend - off) & 0xFFFF  # tshark keeps it in a guint16
        is_last = nbytes < conv.blocksize
        _data_analysis(conv, pkt, bitem, block)
        if session.pass_no == 2:
            acked = session.state("pass1:tftp.links", TftpLinks).ack_in.get(pkt.frame.number)
            if acked is not None:
                pkt.add_ours(top, ACK_IN, acked, f"Acknowledged in frame: {acked}")
        conv.last_seen |= is_last
        if block > conv.next_block:
            conv.next_block = block + 1
        elif block == conv.next_block:
            conv.next_block += 1
        pkt.append_info(f", Block: {block}{' (last)' if is_last else ''}")
        payload = tvb.sub(off)
        pkt.proto_data["tftp.data"] = (block, bytes(tvb.buf[off: tvb.end]), is_last)
        if payload.reported_length > 0:
            BY_NAME["data"](payload, pkt, session)
            session.current_proto = "tftp"
        if block == 0xFFFF and nbytes == conv.blocksize:
            _expert(pkt, bitem, "note", "sequence", "TFTP block number is about to wrap",
                           "tftp", field=EI_BLOCK_WRAP)
    elif opcode == ACK:
        raw_block = tvb.u16(off)
        bitem = pkt.add(top, BLOCK, raw_block, off, 2, source=src)
        block = full_blocknum(raw_block, conv)
        pkt.add(top, BLOCK_FULL, block, top.offset, 0, generated=True, source=src)
        pkt.append_info(f", Block: {block}")
        off += 2
        _ack_analysis(conv, pkt, bitem, block)
        acked = conv.seen().data.get(block)
        if acked is not None:
            pkt.add_ours(top, DATA_IN, acked, f"Acknowledges DATA in frame: {acked}")
            if session.recording:
                session.state("pass1:tftp.links", TftpLinks).ack_in.setdefault(
                    acked, pkt.frame.number)
        if conv.last_seen and block + 1 >= conv.next_block:
            conv.pack()  # the last block's ACK: the transfer is done
        if conv.dynamic_windowing and off < tvb.end:
            ws = tvb.u8(off)
            ti = pkt.add(top, NEXTWINDOWSIZE, ws, off, 1, source=src)
            if ws != conv.windowsize and not conv.last_seen:
                conv.windowsize = ws
                _expert(pkt, ti, "chat", "sequence", "TFTP window size is changing", "tftp",
                               field=EI_WINDOWSIZE_CHANGE)
    elif opcode == ERROR:
        code = tvb.u16(off)
        pkt.add(top, ERROR_CODE, code, off, 2, source=src)
        pkt.append_info(f", Code: {ERROR_NAMES.get(code, f'Unknown ({code})')}")
        off += 2
        msg, msg_txt, n = _string(tvb, off)
        pkt.add(top, ERROR_MESSAGE, msg, off, n, source=src)
        pkt.append_info(f", Message: {msg_txt}")
        if _tsize_probe(code, conv):
            _expert(pkt, top, "chat", "request_code", "Likely transfer size (tsize) probe",
                           "tftp", field=EI_TSIZE_PROBE)
        else:
            _expert(pkt, top, "warning", "response_code", "TFTP ERROR packet", "tftp",
                           field=EI_ERROR)
    else:
        if off < tvb.end:
            pkt.add(top, DATA_F, tvb.bytes(off), off, tvb.end - off, source=src)
        elif off >= tvb.rend:
            raise ReportedBoundsError()
    conv.prev_opcode = opcode


def _data_analysis(conv: TftpConversation, pkt: Packet, item: Item, block: int) -> None:
    """Our notes on DATA: retransmission, gap, Sorcerer's Apprentice (RFC 1123 4.2.3.1).

    A DATA block N answers an ACK N-1 not yet answered by another DATA N, if there is
    one. A copy of a block seen before is the Sorcerer's Apprentice when the ACK it
    answers is itself a second ACK N-1 (a duplicate); otherwise (nothing to answer, or
    the first ACK) it was sent again on a timeout: a plain retransmission."""
    seen = conv.seen()
    acks, answered = seen.acks.get(block - 1, 0), seen.answered.get(block - 1, 0)
    answers_ack = answered < acks
    if answers_ack:
        seen.answered[block - 1] = answered + 1
    if block in seen.data:
        if answers_ack and answered >= 1:
            _expert(pkt, item, "warning", "sequence",
                    f"Sorcerer's Apprentice: DATA block {block} sent again in answer "
                    f"to a duplicate ACK {block - 1}", "tftp", ours=True, field=EI_SORCERER)
        else:
            _expert(pkt, item, "note", "sequence", f"Retransmitted DATA block {block}",
                    "tftp", ours=True, field=EI_RETRANS_DATA)
    elif block > conv.next_block:
        _expert(pkt, item, "warning", "sequence",
                f"Out-of-order DATA block {block} (expected {conv.next_block})",
                "tftp", ours=True, field=EI_OUT_OF_ORDER)
    seen.data[block] = pkt.frame.number


def _ack_analysis(conv: TftpConversation, pkt: Packet, item: Item, block: int) -> None:
    seen = conv.seen()
    n = seen.acks.get(block, 0)
    if n:
        _expert(pkt, item, "note", "sequence", f"Duplicate ACK for block {block}", "tftp",
                ours=True, field=EI_DUP_ACK)
    seen.acks[block] = n + 1


def _ports(tvb: Tvb, pkt: Packet) -> tuple[int, int]:
    """A transfer is keyed by the UDP ports (the packet's, as UDP set them)."""
    return pkt.srcport, pkt.dstport



def dissect_tftp(tvb: Tvb, pkt: Packet, session: Session) -> bool:
    """Port 69 / Decode-As / conversation entry (see `transfer_for`)."""
    sport, dport = _ports(tvb, pkt)
    conv = transfer_for(session, tvb.buf[tvb.start: tvb.end], pkt.net_src, sport,
                        pkt.net_dst, dport)
    if conv is None:
        return False
    dissect_message(conv, tvb, pkt, session)
    return True



def heur_tftp(tvb: Tvb, pkt: Packet, session: Session) -> bool:
    sport, dport = _ports(tvb, pkt)
    conv = heur_claim(session, tvb.buf[tvb.start: tvb.end], pkt.net_src, sport,
                      pkt.net_dst, dport)
    if conv is None:
        return False
    dissect_message(conv, tvb, pkt, session)
    return True


UDP_PORT.register(TFTP_PORT, dissect_tftp, "tftp")
UDP_HEUR.register("tftp", heur_tftp)
register_dissector("tftp", dissect_tftp)
register_claim(dissect_tftp, "tftp", transfer_for)
register_claim(heur_tftp, "tftp", heur_claim)
register_follow(FollowSpec("tftp", "udp", TftpFollower, filter_prefix=True))
register_export_object(ExportSpec("tftp", "TFTP", TftpExporter))
register_learner_layer("tftp", "TFTP")
