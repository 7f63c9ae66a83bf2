"""An IPMSG/FeiQ peer: entry/answer/exit, messages with send-check, file attachments over TCP.

Packet: `Ver:PacketNo:SenderName:SenderHost:CommandNo:Additional` (GBK by default, UTF-8 with
UTF8OPT). FeiQ clients put "1_lbt6_0#128#<mac>#0#0#0#4001#9" where IPMSG puts "1".
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

IPMSG_PORT = 2425
DEFAULT_BROADCAST = "127.255.255.255"
# What a long-running peer remembers, so memory and per-packet work stay bounded: the newest
# messages, the (sender, packet number) keys that recognise a resent message, known peers,
# and file transfers served at once.
KEEP_MESSAGES = 1000
KEEP_SEEN = 8192
MAX_PEERS = 4096
MAX_FILE_CLIENTS = 16

# Commands (low byte) and option flags (IPMSG protocol document).
NOOPERATION, BR_ENTRY, BR_EXIT, ANSENTRY, BR_ABSENCE = 0x00, 0x01, 0x02, 0x03, 0x04
SENDMSG, RECVMSG, READMSG, DELMSG, ANSREADMSG = 0x20, 0x21, 0x30, 0x31, 0x32
GETINFO, SENDINFO = 0x40, 0x41
GETFILEDATA, RELEASEFILES, GETDIRFILES = 0x60, 0x61, 0x62
ABSENCEOPT, SERVEROPT, DIALUPOPT = 0x100, 0x200, 0x10000
FILEATTACHOPT, ENCRYPTOPT, UTF8OPT, CAPUTF8OPT = 0x200000, 0x400000, 0x800000, 0x1000000
SENDCHECKOPT, SECRETOPT, BROADCASTOPT, MULTICASTOPT = 0x100, 0x200, 0x400, 0x800
AUTORETOPT, RETRYOPT, PASSWORDOPT, NOLOGOPT, NOADDLISTOPT, READCHECKOPT = (
    0x2000, 0x4000, 0x8000, 0x20000, 0x80000, 0x100000)
COMMAND_NAMES = {
    NOOPERATION: "NOOPERATION", BR_ENTRY: "BR_ENTRY", BR_EXIT: "BR_EXIT", ANSENTRY: "ANSENTRY",
    BR_ABSENCE: "BR_ABSENCE", SENDMSG: "SENDMSG", RECVMSG: "RECVMSG", READMSG: "READMSG",
    DELMSG: "DELMSG", ANSREADMSG: "ANSREADMSG", GETINFO: "GETINFO", SENDINFO: "SENDINFO",
    GETFILEDATA: "GETFILEDATA", RELEASEFILES: "RELEASEFILES", GETDIRFILES: "GETDIRFILES",
}


def mode_of(command: int) -> int:
    return command & 0xFF


def feiq_version(mac: str | None = None) -> str:
    """The version field FeiQ sends: 1_lbt6_0#128#<MAC>#0#0#0#4001#9."""
    if mac is None:
        mac = f"{uuid.getnode():012X}"
    return f"1_lbt6_0#128#{mac.replace(':', '').replace('-', '').upper()}#0#0#0#4001#9"


@dataclass
class IpmsgPacket:
    """One decoded packet; `extra` is the raw Additional field (bytes, may hold NULs)."""

    version: str
    packet_no: int
    user: str
    host: str
    command: int
    extra: bytes = b""

    @property
    def mode(self) -> int:
        return mode_of(self.command)

    @property
    def is_feiq(self) -> bool:
        return "#" in self.version

    def encoding(self, default: str = "gbk") -> str:
        return "utf-8" if self.command & UTF8OPT else default

    def text(self, default: str = "gbk") -> str:
        """The message / nickname part (before the first NUL)."""
        return self.extra.split(b"\0", 1)[0].decode(self.encoding(default), "replace")

    def after_nul(self, default: str = "gbk") -> str:
        parts = self.extra.split(b"\0", 2)
        return parts[1].decode(self.encoding(default), "replace") if len(parts) > 1 else ""


def encode_packet(version: str, packet_no: int, user: str, host: str, command: int,
                  extra: bytes | str = b"", encoding: str = "gbk") -> bytes:
    head = f"{version}:{packet_no}:{user}:{host}:{command}:".encode(encoding, "replace")
    return head + (extra.encode(encoding, "replace") if isinstance(extra, str) else extra)


def decode_packet(data: bytes, encoding: str = "gbk") -> IpmsgPacket:
    """Parse `Ver:PacketNo:User:Host:Command:Additional`; ValueError if it is not IPMSG."""
    parts = data.split(b":", 5)
    if len(parts) < 5:
        raise ValueError("not an IPMSG packet: fewer than 5 fields")
    cmd_text = parts[4].decode("ascii", "replace").strip()
    try:
        command = int(cmd_text, 16) if cmd_text.lower().startswith("0x") else int(cmd_text)
        packet_no = int(parts[1].decode("ascii", "replace").strip() or "0")
    except ValueError as e:
        raise ValueError(f"not an IPMSG packet: {e}") from None
    enc = "utf-8" if command & UTF8OPT else encoding
    return IpmsgPacket(
        version=parts[0].decode("ascii", "replace"),
        packet_no=packet_no,
        user=parts[2].decode(enc, "replace"),
        host=parts[3].decode(enc, "replace"),
        command=command,
        extra=parts[5] if len(parts) > 5 else b"",
    )


@dataclass
class FileEntry:
    """One attachment: `id:name:size:mtime:attr:` (numbers hex, as IPMSG writes them)."""

    file_id: int
    name: str
    size: int
    mtime: int
    attr: int = 1  # IPMSG_FILE_REGULAR
    path: str | None = None

    def encode(self) -> str:
        name = self.name.replace(":", "::")
        return f"{self.file_id}:{name}:{self.size:x}:{self.mtime:x}:{self.attr:x}:"

    @classmethod
    def parse_list(cls, text: str) -> list[FileEntry]:
        out = []
        for item in text.split("\a"):
            item = item.strip("\0")
            if not item:
                continue
            fields = item.replace("::", "\x01").split(":")
            if len(fields) < 5:
                continue
            try:
                out.append(cls(int(fields[0]), fields[1].replace("\x01", ":"), int(fields[2], 16),
                               int(fields[3], 16), int(fields[4], 16)))
            except ValueError:
                continue
        return out


@dataclass
class Peer:
    addr: tuple[str, int]
    user: str
    host: str
    nickname: str = ""
    group: str = ""
    version: str = "1"
    last_seen: float = 0.0


@dataclass
class Message:
    addr: tuple[str, int]
    packet_no: int
    user: str
    text: str
    command: int
    files: list[FileEntry] = field(default_factory=list)


class FeiqPeer:
    """A peer on (bind, port): answers entries and messages in a thread; the caller sends."""

    def __init__(self, *, user: str = "labshark", host: str = "labshark", nickname: str = "labshark",
                 group: str = "", bind: str = "127.0.0.1", port: int = IPMSG_PORT,
                 broadcast: str | None = DEFAULT_BROADCAST, broadcast_port: int = IPMSG_PORT,
                 peers: list[tuple[str, int]] | None = None,
                 utf8: bool = False, feiq: bool = True, mac: str | None = None,
                 encoding: str = "gbk", serve_files: bool = True,
                 on_event: Callable[[str, object], None] | None = None) -> None:
        self.user, self.hostname, self.nickname, self.group = user, host, nickname, group
        self.bind_addr, self.port = bind, port
        self.broadcast, self.broadcast_port = broadcast, broadcast_port
        self.static_peers = list(peers or [])
        self.utf8, self.encoding = utf8, encoding
        self.version = feiq_version(mac) if feiq else "1"
        self.on_event = on_event
        self.peers: OrderedDict[tuple[str, int], Peer] = OrderedDict()
        self.messages: deque[Message] = deque(maxlen=KEEP_MESSAGES)  # the newest ones
        self.message_count = 0  # every distinct message received
        self._seen: OrderedDict[tuple[str, int, int], None] = OrderedDict()
        self._file_slots = threading.BoundedSemaphore(MAX_FILE_CLIENTS)
        self.acks: dict[int, threading.Event] = {}
        self.counts: dict[str, int] = {}
        self.files: dict[tuple[int, int], FileEntry] = {}
        self.files_served = 0
        self._pno = itertools.count(int(time.time()) & 0x7FFFFFFF)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        try:
            self.sock.bind((bind, port))
        except OSError:
            self.sock.close()
            raise
        self.port = self.sock.getsockname()[1]
        self.tcp: socket.socket | None = None
        if serve_files:
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                self.tcp.bind((bind, self.port))
                self.tcp.listen(16)
            except OSError:
                self.tcp.close()
                self.sock.close()
                raise
        self._threads: list[threading.Thread] = []

    # --- helpers -----------------------------------------------------------------------------
    def _emit(self, kind: str, obj: object) -> None:
        with self._lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1
        if self.on_event is not None:
            self.on_event(kind, obj)

    def next_packet_no(self) -> int:
        with self._lock:
            return next(self._pno)

    def _enc(self) -> str:
        return "utf-8" if self.utf8 else self.encoding

    def _flags(self) -> int:
        return UTF8OPT if self.utf8 else 0

    def build(self, command: int, extra: bytes | str = b"", packet_no: int | None = None) -> tuple[int, bytes]:
        pno = self.next_packet_no() if packet_no is None else packet_no
        enc = "utf-8" if command & UTF8OPT else self.encoding
        return pno, encode_packet(self.version, pno, self.user, self.hostname, command, extra, enc)

    def sendto(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            self.sock.sendto(data, addr)
        except OSError as e:
            self._emit("send-error", (addr, e))

    def _targets(self) -> list[tuple[str, int]]:
        out = list(self.static_peers)
        if self.broadcast:
            out.append((self.broadcast, self.broadcast_port))
        return out

    def _entry_extra(self) -> bytes:
        enc = self._enc()
        return self.nickname.encode(enc, "replace") + b"\0" + self.group.encode(enc, "replace") + b"\0"

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> FeiqPeer:
        t = threading.Thread(target=self._udp_loop, daemon=True, name="feiq-udp")
        t.start()
        self._threads.append(t)
        if self.tcp is not None:
            t2 = threading.Thread(target=self._tcp_loop, daemon=True, name="feiq-tcp")
            t2.start()
            self._threads.append(t2)
        return self

    def close(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(3)
        self.sock.close()
        if self.tcp is not None:
            self.tcp.close()

    def __enter__(self) -> FeiqPeer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- outgoing ----------------------------------------------------------------------------
    def entry(self) -> None:
        """Announce ourselves (BR_ENTRY) to the broadcast target and every --peer."""
        _, pkt = self.build(BR_ENTRY | CAPUTF8OPT | self._flags(), self._entry_extra())
        for addr in self._targets():
            self.sendto(pkt, addr)

    def exit(self) -> None:
        """Leave (BR_EXIT) to the broadcast target, every --peer and every known peer."""
        _, pkt = self.build(BR_EXIT | self._flags(), self._entry_extra())
        for addr in set(self._targets()) | set(self.peers):
            self.sendto(pkt, addr)

    def send_message(self, addr: tuple[str, int], text: str, *, sendcheck: bool = True,
                     retries: int = 3, timeout: float = 1.0,
                     files: list[str] | None = None) -> tuple[int, bool]:
        """SENDMSG (with SENDCHECKOPT); resend up to `retries` times until RECVMSG. -> (pno, acked)."""
        cmd = SENDMSG | self._flags() | (SENDCHECKOPT if sendcheck else 0)
        enc = self._enc()
        extra = text.encode(enc, "replace")
        pno = self.next_packet_no()
        if files:
            cmd |= FILEATTACHOPT
            entries = []
            for i, path in enumerate(files):
                st = os.stat(path)
                fe = FileEntry(i, os.path.basename(path), st.st_size, int(st.st_mtime), 1, path)
                self.files[(pno, i)] = fe
                entries.append(fe.encode())
            extra += b"\0" + "\a".join(entries).encode(enc, "replace") + b"\a"
        extra += b"\0"
        _, pkt = self.build(cmd, extra, pno)
        ev = threading.Event()
        self.acks[pno] = ev
        try:
            for attempt in range(retries + 1):
                self.sendto(pkt, addr)
                if not sendcheck:
                    return pno, False
                if ev.wait(timeout):
                    return pno, True
                if attempt == 0:
                    cmd |= RETRYOPT
                    _, pkt = self.build(cmd, extra, pno)
            return pno, False
        finally:
            self.acks.pop(pno, None)  # a long-lived peer keeps no event per message sent

    def get_file(self, addr: tuple[str, int], packet_no: int, entry: FileEntry, dest: str,
                 timeout: float = 5.0) -> int:
        """Fetch an attachment with GETFILEDATA over TCP; returns bytes written."""
        _, req = self.build(GETFILEDATA | self._flags(), f"{packet_no:x}:{entry.file_id:x}:0:")
        got = 0
        part = dest + ".part"  # never truncate dest before the data is here
        with socket.create_connection(addr, timeout=timeout) as s, open(part, "wb") as f:
            s.sendall(req)
            while got < entry.size:
                chunk = s.recv(min(65536, entry.size - got))
                if not chunk:
                    break
                f.write(chunk)
                got += len(chunk)
        os.replace(part, dest)
        return got

    # --- incoming ----------------------------------------------------------------------------
    def _udp_loop(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(65536)
            except (TimeoutError, ConnectionError):
                continue
            except OSError:
                return
            try:
                self.handle(data, (addr[0], addr[1]))
            except Exception as e:  # a hostile packet must not kill the peer
                self._emit("bad-packet", (addr, e))

    def handle(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            pkt = decode_packet(data, self.encoding)
        except ValueError as e:
            self._emit("bad-packet", (addr, e))
            return
        if addr == (self.sock.getsockname()[0], self.port) or (
                addr[1] == self.port and pkt.user == self.user and pkt.host == self.hostname
                and pkt.version == self.version):
            return  # our own broadcast looped back
        mode = pkt.mode
        if mode in (BR_ENTRY, ANSENTRY, BR_ABSENCE):
            parts = pkt.extra.split(b"\0")
            enc = pkt.encoding(self.encoding)
            peer = Peer(addr, pkt.user, pkt.host, parts[0].decode(enc, "replace"),
                        parts[1].decode(enc, "replace") if len(parts) > 1 else "",
                        pkt.version, time.time())
            with self._lock:
                self.peers.pop(addr, None)
                self.peers[addr] = peer
                if len(self.peers) > MAX_PEERS:
                    self.peers.popitem(last=False)
            self._emit(COMMAND_NAMES[mode], peer)
            if mode == BR_ENTRY:
                _, ans = self.build(ANSENTRY | CAPUTF8OPT | self._flags(), self._entry_extra())
                self.sendto(ans, addr)
        elif mode == BR_EXIT:
            with self._lock:
                gone = self.peers.pop(addr, None)
            self._emit("BR_EXIT", gone or addr)
        elif mode == SENDMSG:
            files: list[FileEntry] = []
            if pkt.command & FILEATTACHOPT:
                files = FileEntry.parse_list(pkt.after_nul(self.encoding))
            msg = Message(addr, pkt.packet_no, pkt.user, pkt.text(self.encoding), pkt.command, files)
            key = (addr[0], addr[1], pkt.packet_no)
            with self._lock:  # a resend (RETRYOPT) of a message seen lately: one dict lookup
                dup = key in self._seen
                if not dup:
                    self._seen[key] = None
                    if len(self._seen) > KEEP_SEEN:
                        self._seen.popitem(last=False)
                    self.messages.append(msg)
                    self.message_count += 1
            if pkt.command & SENDCHECKOPT and not pkt.command & (BROADCASTOPT | AUTORETOPT):
                _, ack = self.build(RECVMSG | self._flags(), str(pkt.packet_no))
                self.sendto(ack, addr)
            if not dup:
                self._emit("SENDMSG", msg)
        elif mode == RECVMSG:
            try:
                pno = int(pkt.text(self.encoding).strip() or "-1")
            except ValueError:
                pno = -1
            ev = self.acks.get(pno)
            if ev is not None:
                ev.set()
            self._emit("RECVMSG", (addr, pno))
        else:
            self._emit(COMMAND_NAMES.get(mode, f"0x{mode:02x}"), pkt)

    def _tcp_loop(self) -> None:
        assert self.tcp is not None
        self.tcp.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, addr = self.tcp.accept()
            except (TimeoutError, ConnectionError):
                continue
            except OSError:
                return
            if not self._file_slots.acquire(blocking=False):
                conn.close()  # enough transfers at once: a flood of connections costs no threads
                continue
            threading.Thread(target=self._serve_file, args=(conn, addr), daemon=True).start()

    def _serve_file(self, conn: socket.socket, addr: tuple[str, int]) -> None:
        """Answer one GETFILEDATA: `packetNo:fileId:offset:` in hex, then raw bytes."""
        try:
            self._serve_file_on(conn, addr)
        finally:
            self._file_slots.release()

    def _serve_file_on(self, conn: socket.socket, addr: tuple[str, int]) -> None:
        with conn:
            conn.settimeout(5)
            try:
                data = conn.recv(4096)
                pkt = decode_packet(data, self.encoding)
                if pkt.mode != GETFILEDATA:
                    return
                f = pkt.extra.decode("ascii", "replace").split(":")
                key = (int(f[0], 16), int(f[1], 16))
                offset = int(f[2], 16) if len(f) > 2 and f[2] else 0
                entry = self.files.get(key)
                if entry is None or entry.path is None:
                    self._emit("file-refused", (addr, key))
                    return
                with open(entry.path, "rb") as fh:
                    fh.seek(offset)
                    while chunk := fh.read(65536):
                        conn.sendall(chunk)
                with self._lock:  # (file clients are served on threads of their own)
                    self.files_served += 1
                self._emit("file-served", (addr, entry.name))
            except (OSError, ValueError, IndexError) as e:
                self._emit("file-error", (addr, e))

    def wait_for(self, pred: Callable[[], bool], timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if pred():
                return True
            time.sleep(0.02)
        return pred()
