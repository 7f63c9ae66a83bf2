"""The primitives of WireGuard's Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s.

Wireshark decrypts WireGuard with Libgcrypt; labshark takes X25519 (RFC 7748) and
ChaCha20-Poly1305 (RFC 8439) from the `cryptography` package (as QUIC's AES,
quic_keys.py: one crypto source), and BLAKE2s' HMAC/HKDF from hashlib.
"""

from __future__ import annotations

import hashlib
import hmac
import struct

# (`cryptography` is imported where it is used: loading it costs every run's start-up
# ~0.1 s, and only a WireGuard capture with keys needs it)

_ZERO = bytes(32)


def x25519(scalar: bytes, point: bytes) -> bytes:
    """RFC 7748 X25519(k, u); all zeros for a low-order point (which `cryptography`
    refuses), as the function itself gives."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey,
        X25519PublicKey,
    )
    try:
        return X25519PrivateKey.from_private_bytes(scalar).exchange(
            X25519PublicKey.from_public_bytes(point))
    except ValueError:
        return _ZERO


def x25519_base(scalar: bytes) -> bytes:
    """The public key of a private key (the base point u = 9)."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    return X25519PrivateKey.from_private_bytes(scalar).public_key().public_bytes(
        Encoding.Raw, PublicFormat.Raw)


def aead_decrypt(key: bytes, counter: int, sealed: bytes, aad: bytes) -> bytes | None:
    """ChaCha20-Poly1305 with WireGuard's nonce (32 zero bits, the counter LE64); None
    when the tag does not verify."""
    if len(sealed) < 16 or len(key) != 32:
        return None
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
    nonce = b"\0\0\0\0" + struct.pack("<Q", counter & 0xFFFFFFFFFFFFFFFF)
    try:
        return ChaCha20Poly1305(key).decrypt(nonce, sealed, aad)
    except InvalidTag:
        return None


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
