"""Captures with real TLS 1.2 / 1.3 and synthetic SSH for the differential tests.

TLS: Python's ssl module runs a real handshake between two in-memory endpoints
(ssl.MemoryBIO, no socket at all), with a self-signed certificate made by `openssl`;
the bytes each side wrote become TCP segments of one connection (scapy), cut at a small
MSS so records span segments and segments hold several records.
SSH: the clear part of an OpenSSH-like exchange written by hand (RFC 4253 layouts),
then random bytes as the encrypted packets.
"""

from __future__ import annotations

import os
import ssl
import struct
import subprocess
from pathlib import Path

from scapy.all import IP, TCP, Ether, wrpcap

CLIENT, SERVER = "10.1.1.1", "10.1.1.2"
T0 = 1_700_000_000


def make_cert(d: Path) -> tuple[Path, Path]:
    """A throw-away self-signed RSA certificate (bounded: one openssl run, 60 s)."""
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=lab.example"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def tls_flights(cert: Path, key: Path, version: str, body: int = 6000) -> list[tuple[bool, bytes]]:
    """(from client, bytes) of a whole TLS session: handshake, a request, a response of
    `body` bytes, both close_notify alerts."""
    v = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}[version]
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(str(cert), str(key))
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.check_hostname = False
    cctx.verify_mode = ssl.CERT_NONE
    for c in (sctx, cctx):
        c.minimum_version = c.maximum_version = v
    cctx.set_alpn_protocols(["h2", "http/1.1"])
    sctx.set_alpn_protocols(["http/1.1"])
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    cli = cctx.wrap_bio(c_in, c_out, server_hostname="lab.example")
    srv = sctx.wrap_bio(s_in, s_out, server_side=True)
    flights: list[tuple[bool, bytes]] = []

    def pump() -> None:
        for from_client, out, into in ((True, c_out, s_in), (False, s_out, c_in)):
            data = out.read()
            if data:
                flights.append((from_client, data))
                into.write(data)

    def step(fn) -> None:  # noqa: ANN001
        try:
            fn()
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass

    for _ in range(10):  # a handshake takes at most a few round trips
        step(cli.do_handshake)
        pump()
        step(srv.do_handshake)
        pump()
    cli.write(b"GET / HTTP/1.1\r\nHost: lab.example\r\n\r\n")
    pump()
    srv.read(1000)
    pump()
    srv.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % body + b"x" * body)
    pump()
    got = 0
    for _ in range(20):
        try:
            got += len(cli.read(100_000))
        except ssl.SSLWantReadError:
            break
    pump()
    step(cli.unwrap)
    pump()
    step(srv.unwrap)
    pump()
    return flights


def tcp_session(flights: list[tuple[bool, bytes]], sport: int, dport: int,
                mss: int = 1000) -> list:
    """One TCP connection carrying the flights, each cut into segments of `mss` bytes,
    every flight acknowledged by the peer."""
    e = Ether(src="00:00:00:00:00:01", dst="00:00:00:00:00:02")
    seq = {True: 1000, False: 5000}
    pk = [e / IP(src=CLIENT, dst=SERVER) / TCP(sport=sport, dport=dport, flags="S", seq=999),
          e / IP(src=SERVER, dst=CLIENT) / TCP(sport=dport, dport=sport, flags="SA", seq=4999,
                                               ack=1000),
          e / IP(src=CLIENT, dst=SERVER) / TCP(sport=sport, dport=dport, flags="A", seq=1000,
                                               ack=5000)]

    def seg(from_client: bool, data: bytes, flags: str = "PA") -> object:
        src, dst, sp, dp = (CLIENT, SERVER, sport, dport) if from_client else \
            (SERVER, CLIENT, dport, sport)
        p = e / IP(src=src, dst=dst) / TCP(sport=sp, dport=dp, flags=flags,
                                            seq=seq[from_client], ack=seq[not from_client])
        seq[from_client] += len(data)
        return p / data if data else p

    for from_client, data in flights:
        for i in range(0, len(data), mss):
            pk.append(seg(from_client, data[i: i + mss]))
        pk.append(seg(not from_client, b"", "A"))
    pk.append(seg(True, b"", "FA"))
    seq[True] += 1
    pk.append(seg(False, b"", "FA"))
    seq[False] += 1
    pk.append(seg(True, b"", "A"))
    for i, p in enumerate(pk):
        p.time = T0 + i / 100
    return pk


def write_tls(path: Path, d: Path, version: str, port: int, mss: int = 1000) -> Path:
    cert, key = make_cert(d)
    wrpcap(str(path), tcp_session(tls_flights(cert, key, version), 50000 + port % 1000, port,
                                  mss))
    return path


# -- SSH ----------------------------------------------------------------------------------

def _string(b: bytes) -> bytes:
    return struct.pack(">I", len(b)) + b


def _packet(payload: bytes, block: int = 8) -> bytes:
    """An SSH binary packet: length, padding length, payload, zero padding (>= 4)."""
    pad = block - (5 + len(payload)) % block
    pad += block if pad < 4 else 0
    return struct.pack(">IB", 1 + len(payload) + pad, pad) + payload + b"\0" * pad


def _kexinit(cookie: bytes, kex: str, hostkey: str, enc: str, mac: str) -> bytes:
    lists = [kex, hostkey, enc, enc, mac, mac, "none,zlib@openssh.com", "none,zlib@openssh.com",
             "", ""]
    return bytes([20]) + cookie + b"".join(_string(x.encode()) for x in lists) + b"\0" * 5


def ssh_flights(enc: str, mac: str) -> list[tuple[bool, bytes]]:
    """Version lines, both KEXINITs, curve25519 ECDH with an ed25519 host key, NEWKEYS,
    then encrypted packets (random bytes) each way."""
    kex = "curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group14-sha256"
    host_key = _string(b"ssh-ed25519") + _string(os.urandom(32))
    sig = _string(b"ssh-ed25519") + _string(os.urandom(64))
    reply = bytes([31]) + _string(host_key) + _string(os.urandom(32)) + _string(sig)
    newkeys = _packet(bytes([21]))
    return [
        (True, b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u1\r\n"),
        (False, b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n"),
        (True, _packet(_kexinit(os.urandom(16), kex + ",ext-info-c", "ssh-ed25519,rsa-sha2-512",
                                enc, mac))),
        (False, _packet(_kexinit(os.urandom(16), kex, "rsa-sha2-512,ssh-ed25519", enc, mac))),
        (True, _packet(bytes([30]) + _string(os.urandom(32)))),
        (False, _packet(reply) + newkeys),
        (True, newkeys),
        (True, os.urandom(64)),
        (False, os.urandom(96)),
        (True, os.urandom(1500)),
    ]


def write_ssh(path: Path, enc: str, mac: str, mss: int = 1000) -> Path:
    wrpcap(str(path), tcp_session(ssh_flights(enc, mac), 50022, 22, mss))
    return path
