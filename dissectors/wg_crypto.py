"""The primitives of WireGuard's Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s, in pure Python.

Wireshark decrypts WireGuard with Libgcrypt; labshark has no crypto dependency, so the
three primitives it needs are written out here from their RFCs: X25519 (RFC 7748),
ChaCha20-Poly1305 (RFC 8439) and BLAKE2s' HMAC/HKDF (hashlib has BLAKE2s). They read a
few packets of a capture, not bulk traffic: clarity first, constant time is not needed.
"""

from __future__ import annotations

import hashlib
import hmac
import struct

_P = 2**255 - 19
_A24 = 121665
_MASK32 = 0xFFFFFFFF


def x25519(scalar: bytes, point: bytes) -> bytes:
    """RFC 7748 X25519(k, u): the Montgomery ladder on Curve25519."""
    k = bytearray(scalar)
    k[0] &= 248
    k[31] &= 127
    k[31] |= 64
    n = int.from_bytes(k, "little")
    x1 = int.from_bytes(point, "little") & ((1 << 255) - 1)
    x2, z2, x3, z3, swap = 1, 0, x1, 1, 0
    for t in range(254, -1, -1):
        bit = (n >> t) & 1
        swap ^= bit
        if swap:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = bit
        a, b = (x2 + z2) % _P, (x2 - z2) % _P
        aa, bb = a * a % _P, b * b % _P
        e = (aa - bb) % _P
        c, d = (x3 + z3) % _P, (x3 - z3) % _P
        da, cb = d * a % _P, c * b % _P
        x3 = (da + cb) ** 2 % _P
        z3 = x1 * (da - cb) ** 2 % _P
        x2 = aa * bb % _P
        z2 = e * (aa + _A24 * e) % _P
    if swap:
        x2, z2 = x3, z3
    return (x2 * pow(z2, _P - 2, _P) % _P).to_bytes(32, "little")


def x25519_base(scalar: bytes) -> bytes:
    """The public key of a private key (the base point u = 9)."""
    return x25519(scalar, (9).to_bytes(32, "little"))


def _rotl(v: int, n: int) -> int:
    return ((v << n) & _MASK32) | (v >> (32 - n))


def _chacha_block(key: bytes, counter: int, nonce: bytes) -> bytes:
    state = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574,
             *struct.unpack("<8I", key), counter, *struct.unpack("<3I", nonce)]
    x = list(state)
    for _ in range(10):
        for a, b, c, d in ((0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14), (3, 7, 11, 15),
                           (0, 5, 10, 15), (1, 6, 11, 12), (2, 7, 8, 13), (3, 4, 9, 14)):
            x[a] = (x[a] + x[b]) & _MASK32
            x[d] = _rotl(x[d] ^ x[a], 16)
            x[c] = (x[c] + x[d]) & _MASK32
            x[b] = _rotl(x[b] ^ x[c], 12)
            x[a] = (x[a] + x[b]) & _MASK32
            x[d] = _rotl(x[d] ^ x[a], 8)
            x[c] = (x[c] + x[d]) & _MASK32
            x[b] = _rotl(x[b] ^ x[c], 7)
    return struct.pack("<16I", *((x[i] + state[i]) & _MASK32 for i in range(16)))


def _chacha20(key: bytes, counter: int, nonce: bytes, data: bytes) -> bytes:
    out = bytearray()
    for i in range(0, len(data), 64):
        block = _chacha_block(key, counter + i // 64, nonce)
        chunk = data[i:i + 64]
        out += (int.from_bytes(chunk, "little")
                ^ int.from_bytes(block[:len(chunk)], "little")).to_bytes(len(chunk), "little")
    return bytes(out)


def _poly1305(key: bytes, msg: bytes) -> bytes:
    r = int.from_bytes(key[:16], "little") & 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
    s = int.from_bytes(key[16:], "little")
    p = (1 << 130) - 5
    acc = 0
    for i in range(0, len(msg), 16):
        acc = (acc + int.from_bytes(msg[i:i + 16] + b"\x01", "little")) * r % p
    return ((acc + s) & ((1 << 128) - 1)).to_bytes(16, "little")


def aead_decrypt(key: bytes, counter: int, sealed: bytes, aad: bytes) -> bytes | None:
    """ChaCha20-Poly1305 with WireGuard's nonce (32 zero bits, the counter LE64); None
    when the tag does not verify."""
    if len(sealed) < 16:
        return None
    nonce = b"\0\0\0\0" + struct.pack("<Q", counter)
    ctext, tag = sealed[:-16], sealed[-16:]
    otk = _chacha_block(key, 0, nonce)[:32]
    pad = b"\0" * (-len(aad) % 16)
    mac_data = (aad + pad + ctext + b"\0" * (-len(ctext) % 16)
                + struct.pack("<QQ", len(aad), len(ctext)))
    if not hmac.compare_digest(_poly1305(otk, mac_data), tag):
        return None
    return _chacha20(key, 1, nonce, ctext)


def blake2s(*parts: bytes) -> bytes:
    return hashlib.blake2s(b"".join(parts)).digest()


def mac(key: bytes, data: bytes) -> bytes:
    """Keyed BLAKE2s-128 (MAC1)."""
    return hashlib.blake2s(data, digest_size=16, key=key).digest()


def kdf(key: bytes, data: bytes, n: int) -> list[bytes]:
    """KDF_n of the Noise spec: HKDF with HMAC-BLAKE2s, n outputs of 32 bytes."""
    prk = hmac.new(key, data, hashlib.blake2s).digest()
    out, prev = [], b""
    for i in range(1, n + 1):
        prev = hmac.new(prk, prev + bytes([i]), hashlib.blake2s).digest()
        out.append(prev)
    return out
