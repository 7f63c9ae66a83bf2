"""WireGuard's keys, sessions and Noise_IKpsk2 handshake replay (what wg.py decrypts with).

Keys come from a key log (pcapng DSB "WGKL"); a session is what an initiation opens,
found again by the sender/receiver ids the peers chose and by their address/port, as
Wireshark's packet-wireguard.c links them on its first pass.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from dissectors import wg_crypto as c
from dissectors.bounded import remember

_CONSTRUCTION = b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
_IDENTIFIER = b"WireGuard v1 zx2c4 Jason@zx2c4.com"
_HASH_C = c.blake2s(_CONSTRUCTION)
_HASH_CI = c.blake2s(_HASH_C, _IDENTIFIER)
_ZERO = bytes(32)
_MAX_LINE_KEYS = 4096  # keys kept from key logs per capture (bounded work per packet)


@dataclass
class StaticKey:
    public: bytes
    mac1_key: bytes
    private: bytes | None = None


@dataclass
class EphemeralKey:
    public: bytes
    private: bytes | None = None
    psks: list[bytes] = field(default_factory=list)


class Keys:
    """Static and ephemeral keys of a capture (Wireshark's wg_static_keys and
    wg_ephemeral_keys), read from key-log lines `TYPE = base64`."""

    def __init__(self) -> None:
        self.static: dict[bytes, StaticKey] = {}
        self.ephemeral: dict[bytes, EphemeralKey] = {}
        self._last: EphemeralKey | None = None

    def add_static(self, key: bytes, private: bool) -> None:
        pub = c.x25519_base(key) if private else key
        old = self.static.get(pub)
        if old is not None:
            if private and old.private is None:
                old.private = key
            return
        if len(self.static) < _MAX_LINE_KEYS:
            self.static[pub] = StaticKey(pub, c.blake2s(b"mac1----", pub),
                                         key if private else None)

    def add_ephemeral(self, private: bytes) -> EphemeralKey | None:
        pub = c.x25519_base(private)
        got = self.ephemeral.get(pub)
        if got is None and len(self.ephemeral) < _MAX_LINE_KEYS:
            got = self.ephemeral[pub] = EphemeralKey(pub, private)
        return got

    def read_keylog(self, data: bytes) -> None:
        for raw in data.split(b"\n"):
            line = raw.rstrip(b"\r").lstrip(b" ")
            name, eq, value = line.partition(b"=")
            if not eq or not name:
                continue
            name, value = name.rstrip(b" "), value.lstrip(b" ")
            if len(value) != 44:
                continue
            try:
                key = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                continue
            if len(key) != 32:
                continue
            if name == b"LOCAL_STATIC_PRIVATE_KEY":
                self.add_static(key, True)
            elif name == b"REMOTE_STATIC_PUBLIC_KEY":
                self.add_static(key, False)
            elif name == b"LOCAL_EPHEMERAL_PRIVATE_KEY":
                self._last = self.add_ephemeral(key)
            elif name == b"PRESHARED_KEY" and self._last is not None:
                self._last.psks.insert(0, key)
                self._last = None

    def ephemeral_private(self, pub: bytes) -> bytes | None:
        got = self.ephemeral.get(pub)
        return None if got is None else got.private

    def mac1_probe(self, msg: bytes, at: int) -> bytes | None:
        """The public key of the receiver whose MAC1 key verifies the message's mac1."""
        if not self.static:
            return None
        body = msg[:1] + b"\0\0\0" + msg[4:at]
        want = msg[at:at + 16]
        for pub, key in self.static.items():
            if c.mac(key.mac1_key, body) == want:
                return pub
        return None


@dataclass
class Handshake:
    """Keying material of one handshake (Wireshark's wg_handshake_state_t)."""

    responder_static: StaticKey
    initiator_eph: EphemeralKey
    initiator_static: bytes | None = None
    timestamp: bytes | None = None
    empty_ok: bool = False
    h: bytes = _ZERO
    c: bytes = _ZERO
    responder_eph: EphemeralKey | None = None
    # (Tsend_i = Trecv_r, Trecv_i = Tsend_r)
    transport: tuple[bytes, bytes] | None = None

    def recv_key(self, receiver_is_initiator: bool) -> bytes | None:
        if self.transport is None:
            return None
        return self.transport[1] if receiver_is_initiator else self.transport[0]


@dataclass
class WgSession:
    stream: int
    initiator_frame: int
    initiator: tuple[bytes, int]
    hs: Handshake | None
    response_frame: int = 0
    responder: tuple[bytes, int] | None = None


def tai64n_ns(label: int, nsec: int) -> int | None:
    """A TAI64N timestamp as Unix nanoseconds (None before 1970 or reserved)."""
    if not (1 << 62) <= label < (1 << 63) or nsec > 999_999_999:
        return None
    return (label - (1 << 62)) * 1_000_000_000 + nsec


LIVES_MAX = 256  # sessions kept per sender index (an index is random: reuse is rare)


class WgState:
    """One capture's WireGuard keys and sessions."""

    def __init__(self) -> None:
        self.keys = Keys()
        self.sessions: dict[int, list[WgSession]] = {}
        self.count = 0

    def new_session(self, frame: int, addr: bytes, port: int, hs: Handshake | None
                    ) -> WgSession:
        ws = WgSession(self.count, frame, (addr, port), hs)
        self.count += 1
        return ws

    def insert(self, ident: int, ws: WgSession) -> None:
        """A new session of sender index `ident`: the newest `bounded.PENDING_MAX`
        indices and the newest LIVES_MAX sessions of one index are kept (a flood of
        initiations stays bounded, and so does each lookup's walk)."""
        lives = self.sessions.get(ident)
        if lives is None:
            lives = remember(self.sessions, ident, [])
        lives.append(ws)
        if len(lives) > LIVES_MAX:
            del lives[0]

    def lookup_initiation(self, receiver: int, dst: bytes, dport: int, frame: int
                          ) -> WgSession | None:
        for ws in reversed(self.sessions.get(receiver, ())):
            if ws.initiator != (dst, dport):
                continue
            if ws.response_frame and ws.response_frame != frame:
                continue
            return ws
        return None

    def lookup(self, receiver: int, dst: bytes, dport: int) -> tuple[WgSession, bool] | None:
        for ws in reversed(self.sessions.get(receiver, ())):
            if not ws.response_frame:
                continue
            if ws.initiator == (dst, dport):
                return ws, True
            if ws.responder == (dst, dport):
                return ws, False
        return None

    def start_handshake(self, responder: bytes | None, msg: bytes) -> Handshake | None:
        """Replay an initiation: needs the responder's static key found by MAC1, and
        its private key or the initiator's ephemeral private key."""
        if responder is None:
            return None
        skey_r = self.keys.static[responder]
        eph_pub = msg[8:40]
        ekey_i = self.keys.ephemeral.get(eph_pub)
        if skey_r.private is None and ekey_i is None:
            return None
        hs = Handshake(skey_r, ekey_i or EphemeralKey(eph_pub))
        if skey_r.private is None and hs.initiator_eph.private is None:
            return hs
        enc_static, enc_time = msg[40:88], msg[88:116]
        ck = c.kdf(_HASH_C, eph_pub, 1)[0]
        h = c.blake2s(c.blake2s(_HASH_CI, skey_r.public), eph_pub)
        if skey_r.private is not None:
            dh1 = c.x25519(skey_r.private, eph_pub)
        else:
            dh1 = c.x25519(hs.initiator_eph.private or _ZERO, skey_r.public)
        ck, k = c.kdf(ck, dh1, 2)
        spub_i = c.aead_decrypt(k, 0, enc_static, h)
        if spub_i is None:
            return hs
        hs.initiator_static = spub_i
        skey_i = self.keys.static.get(spub_i)
        if skey_r.private is None and (skey_i is None or skey_i.private is None):
            return hs
        h = c.blake2s(h, enc_static)
        if skey_r.private is not None:
            dh2 = c.x25519(skey_r.private, spub_i)
        else:
            assert skey_i is not None and skey_i.private is not None
            dh2 = c.x25519(skey_i.private, skey_r.public)
        ck, k = c.kdf(ck, dh2, 2)
        stamp = c.aead_decrypt(k, 0, enc_time, h)
        if stamp is None:
            return hs
        hs.timestamp = stamp
        hs.h, hs.c = c.blake2s(h, enc_time), ck
        return hs

    def finish_handshake(self, hs: Handshake, msg: bytes) -> None:
        """Replay a response: derive the transport keys when the empty payload opens."""
        if hs.transport is not None or hs.initiator_static is None or hs.timestamp is None:
            return
        eph_r = msg[12:44]
        hs.responder_eph = self.keys.ephemeral.get(eph_r) or EphemeralKey(eph_r)
        epriv_i = hs.initiator_eph.private
        skey_i = self.keys.static.get(hs.initiator_static)
        spriv_i = None if skey_i is None else skey_i.private
        epriv_r = hs.responder_eph.private
        if not (epriv_i and spriv_i) and not epriv_r:
            return
        enc_empty = msg[44:60]
        ck = c.kdf(hs.c, eph_r, 1)[0]
        h = c.blake2s(hs.h, eph_r)
        if epriv_i and spriv_i:
            dh1, dh2 = c.x25519(epriv_i, eph_r), c.x25519(spriv_i, eph_r)
        else:
            assert epriv_r is not None
            dh1 = c.x25519(epriv_r, hs.initiator_eph.public)
            dh2 = c.x25519(epriv_r, hs.initiator_static)
        ck = c.kdf(ck, dh1, 1)[0]
        ck = c.kdf(ck, dh2, 1)[0]
        for psk in [*hs.initiator_eph.psks, *hs.responder_eph.psks, _ZERO]:
            c2, t, k = c.kdf(ck, psk, 3)
            h2 = c.blake2s(h, t)
            if c.aead_decrypt(k, 0, enc_empty, h2) is not None:
                hs.empty_ok = True
                send_i, recv_i = c.kdf(c2, b"", 2)
                hs.transport = (send_i, recv_i)
                return

    def decrypt(self, key: bytes, counter: int, sealed: bytes) -> bytes | None:
        return c.aead_decrypt(key, counter, sealed, b"")
