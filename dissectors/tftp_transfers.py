"""TFTP transfers: what one transfer remembers and how a datagram finds its transfer.

tshark 4.0's lookups (see `transfer_for`): a request to the TFTP port (or the UDP
heuristic's) opens a transfer from the client's port to any port of the server, a
wildcard conversation that udp.stream follows too; `opens_transfer` is the cheap test
skipping.skip asks on every UDP frame it would skip. dissectors/tftp.py dissects the
messages of a transfer found here.
"""

from __future__ import annotations

import marshal
from dataclasses import dataclass, field
from typing import Final

from dissectors.ports import Conversations
from dissectors.session import Session
from dissectors.udp import UdpStreams

TFTP_PORT: Final = 69

RRQ, WRQ, DATA, ACK, ERROR, OACK, INFO = 1, 2, 3, 4, 5, 6, 255
NO_OPCODE: Final = 0xFFFF


@dataclass
class TftpSeen:
    """Our analysis of one transfer: DATA blocks seen (block -> frame of the latest
    copy), ACKs per block, and how many ACKs of a block a DATA has answered."""

    data: dict[int, int] = field(default_factory=dict)
    acks: dict[int, int] = field(default_factory=dict)
    answered: dict[int, int] = field(default_factory=dict)


class TftpLinks:
    """What the first pass learnt for the second: DATA frame -> its first ACK's frame."""

    def __init__(self) -> None:
        self.ack_in: dict[int, int] = {}


@dataclass(eq=False, slots=True, init=False)
class TftpConversation:
    """What one transfer remembers (Wireshark's tftp_conv_info_t, plus our analysis)."""

    # (`__init__` written out, the defaults there: compiled, a dataclass's generated one
    # is interpreted Python setting each field generically, ~2-7k instructions a call)

    client: tuple[bytes, int]
    server_addr: bytes
    server_port: int | None
    blocksize: int
    source_file: str | None
    destination_file: str | None
    mode: str
    request_frame: int
    tsize_requested: bool
    dynamic_windowing: bool
    windowsize: int
    prev_opcode: int
    next_block: int
    last_seen: bool
    # Our analysis, made on the first DATA/ACK: many requests never get one (and a
    # capture can hold tens of thousands of transfers).
    analysis: TftpSeen | None
    # A finished transfer's analysis, packed (`pack`) until a late packet reads it.
    packed: bytes | None

    def __init__(self, client: tuple[bytes, int], server_addr: bytes,
                 server_port: int | None = None, blocksize: int = 512,
                 source_file: str | None = None, destination_file: str | None = None,
                 mode: str = "", request_frame: int = 0, tsize_requested: bool = False,
                 dynamic_windowing: bool = False, windowsize: int = 0,
                 prev_opcode: int = NO_OPCODE, next_block: int = 1, last_seen: bool = False,
                 analysis: TftpSeen | None = None, packed: bytes | None = None) -> None:
        self.client = client
        self.server_addr = server_addr
        self.server_port = server_port
        self.blocksize = blocksize
        self.source_file = source_file
        self.destination_file = destination_file
        self.mode = mode
        self.request_frame = request_frame
        self.tsize_requested = tsize_requested
        self.dynamic_windowing = dynamic_windowing
        self.windowsize = windowsize
        self.prev_opcode = prev_opcode
        self.next_block = next_block
        self.last_seen = last_seen
        self.analysis = analysis
        self.packed = packed

    def seen(self) -> TftpSeen:
        if self.analysis is None:
            if self.packed is not None:
                self.analysis = TftpSeen(*marshal.loads(self.packed))
                self.packed = None
            else:
                self.analysis = TftpSeen()
        return self.analysis

    def pack(self) -> None:
        """Keep the per-block tables of a transfer whose last block is acked as one bytes
        object (a few bytes per block instead of dict entries): lossless, `seen` unpacks
        them if a duplicate comes later."""
        a = self.analysis
        if a is not None:
            self.packed = marshal.dumps((a.data, a.acks, a.answered))
            self.analysis = None


class TftpTransfers:
    """Transfers by conversation key: wildcard (client, port, server) and exact 4-tuple."""

    def __init__(self) -> None:
        self.wild: dict[tuple, TftpConversation] = {}
        self.exact: dict[tuple, TftpConversation] = {}

    def new(self, src: bytes, sp: int, dst: bytes) -> TftpConversation:
        """A new transfer from (src, sp) to any port of dst; it replaces an older one."""
        conv = TftpConversation((src, sp), dst)
        self.wild[(src, sp, dst)] = conv
        return conv


_NAME_BYTES: Final = bytes([0, *range(0x20, 0x7F)])


def _valid_request_body(payload: bytes | memoryview) -> bool:
    """tshark 4.0's check: printable names, an even number (>0) of NULs, a known mode."""
    if len(payload) < 2:
        return False
    body = bytes(payload[2:])
    if body.translate(None, _NAME_BYTES):  # anything but printable ASCII and NUL
        return False
    zeros = body.count(0)
    if zeros == 0 or zeros % 2:
        return False
    parts = body.split(b"\0")
    mode = parts[1].decode("ascii").lower()
    return mode in ("netascii", "octet", "mail")


def opens_transfer(buf: bytes | memoryview, start: int, end: int) -> bool:
    """Whether the UDP payload buf[start:end] could open a transfer (a request to the TFTP
    port, or the heuristic's): skipping.skip dissects such a frame, whose wildcard
    conversation later datagrams' udp.stream may be."""
    # (asked of every UDP frame skip passes over: the first name byte and the last byte
    # first, read in place; most datagrams fail there, before the payload is copied and
    # passed over whole)
    if end - start < 4 or buf[start + 2] not in _NAME_BYTES or buf[end - 1] not in _NAME_BYTES:
        return False
    return _valid_request_body(buf[start:end])


def _new_conversation(session: Session, src: bytes, sport: int, dst: bytes) -> TftpConversation:
    conv = session.state("tftp.transfers", TftpTransfers).new(src, sport, dst)
    session.state("udp.conversations", Conversations).bind(src, sport, dst, None, "tftp")
    session.state("udp.streams", UdpStreams).open_wild(src, sport, dst)  # (udp.stream)
    return conv


def _valid_request(payload: bytes | memoryview) -> bool:
    if len(payload) < 4:
        return False
    op = (payload[0] << 8) | payload[1]
    return op in (RRQ, WRQ) and _valid_request_body(payload)


def transfer_for(session: Session, payload: bytes | memoryview, src: bytes, sport: int, dst: bytes,
                 dport: int) -> TftpConversation | None:
    """The transfer a payload belongs to (None: not TFTP), with tshark 4.0's lookups.

    A valid request to the TFTP port opens a transfer from the client's port to any
    port of the server (a wildcard conversation that stays: tshark 4.0 keeps matching
    the client's port to every server port). To the TFTP port, anything else continues
    the sender's transfer. From the client to another server port it is TFTP unless
    that exact address/port pair already had packets before (its own conversation).
    """
    transfers = session.state("tftp.transfers", TftpTransfers)
    conv: TftpConversation | None
    if dport == TFTP_PORT or session.decode_as.get(("udp.port", dport)) == "tftp":
        if _valid_request(payload):
            conv = _new_conversation(session, src, sport, dst)
        else:
            conv = transfers.wild.get((src, sport, dst))
    else:
        conv = transfers.wild.get((dst, dport, src))  # towards the client's port
        if conv is None:
            conv = transfers.wild.get((src, sport, dst))
            if conv is not None and session.state("udp.conversations",
                                                  Conversations).is_plain(src, sport, dst,
                                                                          dport):
                return None
    if conv is None:
        # No request seen (e.g. sent from port 69): state for this pair only.
        conv = transfers.exact.get((src, sport, dst, dport))
        if conv is None:
            conv = TftpConversation((dst, dport), src, sport)
            transfers.exact[(src, sport, dst, dport)] = conv
            transfers.exact[(dst, dport, src, sport)] = conv
    return conv


def heur_claim(session: Session, payload: bytes | memoryview, src: bytes, sport: int, dst: bytes,
               dport: int) -> TftpConversation | None:
    """tshark 4.0's UDP heuristic (on by default): a request-looking body on any port.

    Like tshark it does not check the opcode, only the body after it.
    """
    if not _valid_request_body(payload):
        return None
    return _new_conversation(session, src, sport, dst)
