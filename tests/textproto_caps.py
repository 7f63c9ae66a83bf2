"""Captures of the text protocols over TCP (FTP with its data connections), built with
scapy as valid TCP sessions (handshake, consistent sequence numbers, FIN) for the
differential tests of tests/test_text_protocols.py.
"""

from __future__ import annotations

from pathlib import Path

from scapy.all import IP, TCP, Ether, IPv6, Raw, wrpcap

CLIENT, SERVER = "10.0.0.1", "10.0.0.2"


class Conn:
    """One TCP connection; its segments go to a packet list shared by the capture."""

    def __init__(self, pkts: list, cip: str, cport: int, sip: str, sport: int) -> None:
        self.pkts = pkts
        self.cip, self.cport, self.sip, self.sport = cip, cport, sip, sport
        self.cseq, self.sseq = 1000, 5000

    def _seg(self, from_client: bool, flags: str, data: bytes) -> None:
        net = IPv6 if ":" in self.cip else IP
        if from_client:
            ip = net(src=self.cip, dst=self.sip) / TCP(
                sport=self.cport, dport=self.sport, flags=flags, seq=self.cseq,
                ack=self.sseq if "A" in flags else 0)
        else:
            ip = net(src=self.sip, dst=self.cip) / TCP(
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


def _session(path: Path, port: int, lines: list[tuple[bool, bytes]], cport: int = 40020) -> Path:
    """One connection carrying the given (from client?, bytes) segments."""
    pkts: list = []
    c = Conn(pkts, CLIENT, cport, SERVER, port).open()
    for frm, data in lines:
        c.send(frm, data)
    c.close(True)
    return write(path, pkts)


MESSAGE = (b"From: Alice <alice@example.com>\r\nTo: bob@example.com\r\n"
           b"Subject: Lab 3 results\r\nDate: Mon, 4 Dec 2026 10:00:00 +0000\r\n"
           b"Message-ID: <123@example.com>\r\n\r\nHello Bob,\r\nthe results are in.\r\n")


def pop(path: Path) -> Path:
    """A POP3 session: greeting, USER/PASS, STAT, LIST (multi-line), RETR, QUIT."""
    return _session(path, 110, [
        (False, b"+OK POP3 server ready\r\n"), (True, b"USER bob\r\n"),
        (False, b"+OK\r\n"), (True, b"PASS hunter2\r\n"), (False, b"+OK logged in\r\n"),
        (True, b"STAT\r\n"), (False, b"+OK 1 230\r\n"), (True, b"LIST\r\n"),
        (False, b"+OK 1 messages\r\n1 230\r\n.\r\n"), (True, b"RETR 1\r\n"),
        (False, b"+OK %d octets\r\n" % len(MESSAGE)), (False, MESSAGE + b".\r\n"),
        (True, b"DELE 1\r\n"), (False, b"-ERR no such message\r\n"), (True, b"QUIT\r\n"),
        (False, b"+OK bye\r\n")])


def imap(path: Path) -> Path:
    """An IMAP session: tagged commands, untagged data, LOGIN, SELECT, FETCH, LOGOUT."""
    return _session(path, 143, [
        (False, b"* OK IMAP4rev1 Service Ready\r\n"), (True, b"a001 CAPABILITY\r\n"),
        (False, b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\na001 OK CAPABILITY completed\r\n"),
        (True, b"a002 LOGIN bob hunter2\r\n"), (False, b"a002 OK LOGIN completed\r\n"),
        (True, b"a003 SELECT INBOX\r\n"),
        (False, b"* 1 EXISTS\r\n* 0 RECENT\r\na003 OK [READ-WRITE] SELECT completed\r\n"),
        (True, b"a004 UID FETCH 1 (FLAGS)\r\n"),
        (False, b"* 1 FETCH (UID 1 FLAGS (\\Seen))\r\na004 OK FETCH completed\r\n"),
        (True, b"a005 NOOP\r\n"), (False, b"a005 BAD unknown\r\n"),
        (True, b"a006 LOGOUT\r\n"),
        (False, b"* BYE IMAP4rev1 Server logging out\r\na006 OK LOGOUT completed\r\n")])


def smtp(path: Path) -> Path:
    """An SMTP session: EHLO (multi-line reply), MAIL, RCPT, DATA over two segments, QUIT."""
    return _session(path, 25, [
        (False, b"220 mail.example.com ESMTP Postfix\r\n"), (True, b"EHLO client.example\r\n"),
        (False, b"250-mail.example.com\r\n250-PIPELINING\r\n250 8BITMIME\r\n"),
        (True, b"MAIL FROM:<alice@example.com>\r\n"), (False, b"250 2.1.0 Ok\r\n"),
        (True, b"RCPT TO:<bob@example.com>\r\n"), (False, b"250 2.1.5 Ok\r\n"),
        (True, b"DATA\r\n"), (False, b"354 End data with <CR><LF>.<CR><LF>\r\n"),
        (True, MESSAGE[:60]), (True, MESSAGE[60:] + b".\r\n"),
        (False, b"250 2.0.0 Ok: queued as 12345\r\n"), (True, b"QUIT\r\n"),
        (False, b"221 2.0.0 Bye\r\n")])


def imap_edges(path: Path) -> Path:
    """IMAP corner cases tshark 4.0 shows its own way: quoted LOGIN (the password loses
    its first and last character), LOGIN without a password (malformed), COPY, UID
    alone, a tag alone, an empty line, untagged-only replies, tags in other case."""
    return _session(path, 143, [
        (True, b'a1 LOGIN "bob" "hunter2"\r\n'), (False, b"a1 NO bad\r\n"),
        (True, b"a2 LOGIN bob\r\n"), (True, b"a3 LOGIN\r\n"),
        (True, b'a4 login alice "pw x"\r\n'), (True, b"a5 COPY 1:2 Archive\r\n"),
        (True, b"a6 UID\r\n"), (True, b"a7\r\n"), (True, b"\r\n"),
        (False, b"* a\r\n* b c\r\n"), (True, b'A8 Select "Sent Items"\r\n'),
        (False, b"a8 OK done\r\n"), (True, b"a9  NOOP\r\n"), (False, b"a1 OK late\r\n")])


def smtp_edges(path: Path) -> Path:
    """SMTP on 587: a message in one segment with its EOM (a one-fragment tree), groups,
    folded and unknown headers, text/plain content; replies without a code, several
    replies in one segment, an unknown command, pipelined commands."""
    msg = (b"Received: from a\r\n\tby b; Mon\r\n"
           b"From: \"Alice A.\" <alice@example.com>, bob@x.org\r\n"
           b"To: undisclosed-recipients:;\r\n"
           b"Cc: Carol <carol@example.com>, <dave@example.com>,\r\n eve@example.com\r\n"
           b"X-Foo: bar baz\r\nX-Mailer: mutt\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n"
           b"Content-Type: text/plain; charset=us-ascii\r\nMIME-Version: 1.0\r\nEmpty:\r\n"
           b"\r\nline one\r\n\tline\x01two\r\n..dot\r\n")
    return _session(path, 587, [
        (False, b"220 hi\r\n"), (True, b"HELO x\r\n"), (False, b"250 ok\r\n"),
        (True, b"NOOP\r\n"), (False, b"250-a\r\n250 b\r\n"), (True, b"DATA\r\n"),
        (False, b"354 go\r\n"), (True, msg + b".\r\n"), (False, b"250 queued\r\n"),
        (True, b"XYZZY\r\n"), (False, b"502 5.5.2 what\r\n"), (True, b"VRFY bob\r\n"),
        (False, b"2 short\r\n"), (True, b"RSET"), (True, b"\r\n"), (False, b"999 odd\r\n"),
        (True, b"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"), (False, b"250 ok\r\n250 ok\r\n")])


def ftp6(path: Path) -> Path:
    """FTP over IPv6: EPSV and EPRT |2| data connections, bad EPRT families and
    addresses, a short PORT, a PASV reply naming another (NAT) address."""
    pkts: list = []
    c6, s6 = "fd00::1", "fd00::2"
    c = Conn(pkts, c6, 40000, s6, 21).open()
    c.send(False, b"220 hi\r\n")
    c.send(True, b"EPSV\r\n")
    c.send(False, b"229 Entering Extended Passive Mode (|||40100|)\r\n")
    c.send(True, b"LIST\r\n")
    d = Conn(pkts, c6, 40001, s6, 40100).open()
    d.send(False, b"x\r\n")
    d.close(False)
    c.send(True, b"EPRT |2|fd00::1|40300|\r\n")
    c.send(False, b"200 ok\r\n")
    c.send(True, b"RETR f\r\n")
    e = Conn(pkts, s6, 20, c6, 40300).open()
    e.send(True, b"data\r\n")
    e.close(True)
    for line in (b"EPRT |2|nonsense|1|\r\n", b"EPRT |3|1.2.3.4|1|\r\n", b"PORT 1,2,3\r\n",
                 b"PASV\r\n"):
        c.send(True, line)
    c.send(False, b"227 Entering Passive Mode (192,168,1,1,4,1)\r\n")
    c.close(True)
    return write(path, pkts)


def smtp_auth(path: Path) -> Path:
    """The lab's SMTP login: EHLO (multi-line reply), AUTH LOGIN, base64 user name and
    password, then AUTH PLAIN with its credentials on the command line."""
    return _session(path, 25, [
        (False, b"220 hi\r\n"), (True, b"EHLO x\r\n"),
        (False, b"250-hi\r\n250 AUTH LOGIN PLAIN\r\n"), (True, b"AUTH LOGIN\r\n"),
        (False, b"334 VXNlcm5hbWU6\r\n"), (True, b"YWxpY2U=\r\n"),
        (False, b"334 UGFzc3dvcmQ6\r\n"), (True, b"czNjcmV0\r\n"), (False, b"235 2.7.0 ok\r\n"),
        (True, b"AUTH PLAIN AGJvYgBwdw==\r\n"), (False, b"235 ok\r\n"),
        (True, b"STARTTLS\r\n"), (False, b"454 no tls\r\n"), (True, b"QUIT\r\n")])
