"""Captures of the text protocols over TCP (FTP with its data connections), built with
scapy as valid TCP sessions (handshake, consistent sequence numbers, FIN) for the
differential tests of tests/test_text_protocols.py.
"""

from __future__ import annotations

from pathlib import Path

from scapy.all import IP, TCP, Ether, Raw, wrpcap

CLIENT, SERVER = "10.0.0.1", "10.0.0.2"


class Conn:
    """One TCP connection; its segments go to a packet list shared by the capture."""

    def __init__(self, pkts: list, cip: str, cport: int, sip: str, sport: int) -> None:
        self.pkts = pkts
        self.cip, self.cport, self.sip, self.sport = cip, cport, sip, sport
        self.cseq, self.sseq = 1000, 5000

    def _seg(self, from_client: bool, flags: str, data: bytes) -> None:
        if from_client:
            ip = IP(src=self.cip, dst=self.sip) / TCP(
                sport=self.cport, dport=self.sport, flags=flags, seq=self.cseq,
                ack=self.sseq if "A" in flags else 0)
        else:
            ip = IP(src=self.sip, dst=self.cip) / TCP(
                sport=self.sport, dport=self.cport, flags=flags, seq=self.sseq, ack=self.cseq)
        p = Ether(src="00:00:00:00:00:01", dst="00:00:00:00:00:02") / ip
        self.pkts.append(p / Raw(data) if data else p)

    def open(self) -> Conn:
        self._seg(True, "S", b"")
        self.cseq += 1
        self._seg(False, "SA", b"")
        self.sseq += 1
        self._seg(True, "A", b"")
        return self

    def send(self, from_client: bool, data: bytes) -> None:
        self._seg(from_client, "PA", data)
        if from_client:
            self.cseq += len(data)
        else:
            self.sseq += len(data)

    def close(self, from_client: bool = True) -> None:
        self._seg(from_client, "FA", b"")
        self._seg(not from_client, "FA", b"")
        self.cseq += 1
        self.sseq += 1
        self._seg(from_client, "A", b"")


def write(path: Path, pkts: list, step: float = 0.01) -> Path:
    for i, p in enumerate(pkts):
        p.time = 1700000000 + i * step
    wrpcap(str(path), pkts)
    return path


def ftp(path: Path) -> Path:
    """A login, PASV/PORT/EPSV/EPRT data connections, CWD/PWD/CDUP, bad arguments."""
    pkts: list = []
    c = Conn(pkts, CLIENT, 40000, SERVER, 21).open()
    for frm, line in (
            (False, b"220 (vsFTPd 3.0.3)\r\n"), (True, b"USER anonymous\r\n"),
            (False, b"331 Please specify the password.\r\n"), (True, b"PASS secret@x\r\n"),
            (False, b"230-Welcome\r\n230-line two\r\n230 Login successful.\r\n"),
            (True, b"SYST\r\n"), (False, b"215 UNIX Type: L8\r\n"), (True, b"PWD\r\n"),
            (False, b'257 "/home/x" is the current directory\r\n'), (True, b"CWD pub\r\n"),
            (False, b"250 Directory successfully changed.\r\n"), (True, b"PASV\r\n"),
            (False, b"227 Entering Passive Mode (10,0,0,2,195,80).\r\n"),
            (True, b"LIST\r\n")):
        c.send(frm, line)
    d = Conn(pkts, CLIENT, 40001, SERVER, 195 * 256 + 80).open()
    c.send(False, b"150 Here comes the directory listing.\r\n")
    d.send(False, b"-rw-r--r--    1 0        0            1234 Jan 01 00:00 a.txt\r\n")
    d.close(False)
    for frm, line in (
            (False, b"226 Directory send OK.\r\n"), (True, b"TYPE I\r\n"),
            (False, b"200 Switching to Binary mode.\r\n"), (True, b"PORT 10,0,0,1,156,65\r\n"),
            (False, b"200 PORT command successful. Consider using PASV.\r\n"),
            (True, b"RETR a.bin\r\n")):
        c.send(frm, line)
    e = Conn(pkts, SERVER, 20, CLIENT, 156 * 256 + 65).open()
    c.send(False, b"150 Opening BINARY mode data connection for a.bin (6 bytes).\r\n")
    e.send(True, b"\x00\x01\x02abc")
    e.send(True, b"\x00\x01\x02abcdef")
    e.close(True)
    for frm, line in (
            (False, b"226 Transfer complete.\r\n"), (True, b"EPSV\r\n"),
            (False, b"229 Entering Extended Passive Mode (|||40100|)\r\n"),
            (True, b"STOR up.txt\r\n")):
        c.send(frm, line)
    f = Conn(pkts, CLIENT, 40002, SERVER, 40100).open()
    c.send(False, b"150 Ok to send data.\r\n")
    f.send(True, b"hello\nworld\n")
    f.close(True)
    c.send(False, b"226 Transfer complete.\r\n")
    # EPRT: tshark sets up a conversation no data connection matches; port 20 still
    # gives FTP-DATA, without a setup method.
    c.send(True, b"EPRT |1|10.0.0.1|40200|\r\n")
    c.send(False, b"200 EPRT command successful.\r\n")
    c.send(True, b"NLST\r\n")
    g = Conn(pkts, SERVER, 20, CLIENT, 40200).open()
    g.send(True, b"a.txt\r\nb.txt\r\n")
    g.close(True)
    for frm, line in (
            (False, b"226 ok\r\n"), (True, b"PORT 9,9,9,9,1,2\r\n"),
            (False, b"500 Illegal PORT command.\r\n"), (True, b"EPRT junk\r\n"),
            (False, b"5x1 bad\r\n"), (True, b"CWD ../y/./z\r\n"), (False, b"250 ok\r\n"),
            (True, b"CDUP\r\n"), (False, b"250 ok\r\n"), (True, b"EPSV\r\n"),
            (False, b"229 no port here\r\n"), (True, b"PWD\r\n"), (False, b"257 bad\r\n"),
            (True, b"USER\r\n"), (True, b"NOOP\r\n"), (False, b"299 odd code\r\n"),
            (True, b"QUIT\r\n"), (False, b"221 Goodbye.\r\n")):
        c.send(frm, line)
    c.close(False)
    return write(path, pkts)


def telnet(path: Path) -> Path:
    """Option negotiation, suboptions (strings, window size, flow control, raw data),
    data lines ending in CR LF, CR NUL, a bare CR, one-byte commands, IAC IAC, an
    unknown option, and a segment cut after an IAC (tshark: malformed)."""
    pkts: list = []
    c = Conn(pkts, CLIENT, 40010, SERVER, 23).open()
    iac = b"\xff"
    c.send(False, iac + b"\xfd\x18" + iac + b"\xfd\x20" + iac + b"\xfb\x01" + iac + b"\xfe\xc8")
    c.send(True, iac + b"\xfb\x18" + iac + b"\xfc\x20" + iac + b"\xfa\x1f\x00\x50\x00\x18"
           + iac + b"\xf0")
    c.send(False, iac + b"\xfa\x18\x01" + iac + b"\xf0" + iac + b"\xfa\x21\x02" + iac + b"\xf0"
           + iac + b"\xfa\x21\x07" + iac + b"\xf0")
    c.send(True, iac + b"\xfa\x18\x00xterm-256color" + iac + b"\xf0" + iac
           + b"\xfa\x22\x01\x0b\x02" + iac + b"\xf0" + iac + b"\xfa\x23\x00host:0.0" + iac
           + b"\xf0")
    c.send(False, b"Ubuntu 22.04 LTS\r\nlogin: ")
    c.send(True, b"student\r\x00")
    c.send(False, b"Password: \r\r\nok\rmore\n\xe9t\xe9\r\n$ ")
    c.send(True, b"ls" + iac + b"\xf4" + iac + b"\xfd\x06" + iac + b"\xf1" + iac + b"\xf9")
    c.send(False, b"a" + iac + iac + b"b\r\n" + iac + b"\xea")
    c.send(True, b"x" + iac)
    c.send(True, iac + b"\xfa\x1f\x00\x50" + iac + b"\xf0")
    c.close(True)
    return write(path, pkts)
