"""QUIC Initial packet protection (RFC 9001 section 5, draft-29, QUIC v2 RFC 9369): the
keys every observer derives from the version's public salt and the Destination
Connection ID of the client's first Initial, header protection removal (an AES-ECB mask
of a 16-byte sample) and AES-128-GCM payload decryption, as tshark 4.0 does for Initial
packets. AES comes from the `cryptography` package; HKDF (SHA-256) is hmac/hashlib.

Only Initial packets are decrypted: the other packet types need the TLS secrets, which
a capture does not give. Nothing here raises on hostile bytes: a packet too short for
the header-protection sample or with a bad tag gives tshark's error text instead.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache

# (`cryptography` is imported where it is used: loading it costs every run's start-up
# ~0.1 s, and only QUIC Initial packets need it)

#: Initial salts by version (tshark 4.0's: v1 and drafts 33-34, drafts 29-32,
#: drafts 23-28, drafts 21-22, v2 and its draft).
_SALT_V1 = bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a")
_SALT_D29 = bytes.fromhex("afbfec289993d24c9e9786f19c6111e04390a899")
_SALT_D23 = bytes.fromhex("c3eef712c72ebb5a11a7d2432bb46365bef9f502")
_SALT_D22 = bytes.fromhex("7fbcdb0e7c66bbe9193a96cd21519ebd7a02644a")
_SALT_V2 = bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9")
_SALT_V2_DRAFT = bytes.fromhex("a707c203a59b47184a1d62ca570406ea7ae3e5d3")
V2_VERSIONS = frozenset({0x6B3343CF, 0x709A50C4})
#: AES-128-GCM's tag; a payload shorter than this cannot be decrypted.
TAG_LEN = 16
_CHECKTAG = "Decryption (checktag) failed: Checksum error"


def initial_salt(version: int) -> bytes | None:
    """The Initial salt of `version`, None for versions whose Initials tshark cannot read."""
    if version == 1 or version in (0xFF000021, 0xFF000022):
        return _SALT_V1
    if 0xFF00001D <= version <= 0xFF000020:
        return _SALT_D29
    if 0xFF000017 <= version <= 0xFF00001C:
        return _SALT_D23
    if 0xFF000015 <= version <= 0xFF000016:
        return _SALT_D22
    if version == 0x6B3343CF:
        return _SALT_V2
    if version == 0x709A50C4:
        return _SALT_V2_DRAFT
    return None


def _expand_label(secret: bytes, label: bytes, length: int) -> bytes:
    """HKDF-Expand-Label (RFC 8446 section 7.1) with SHA-256 and an empty context."""
    full = b"tls13 " + label
    info = length.to_bytes(2, "big") + bytes([len(full)]) + full + b"\0"
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
    return HKDFExpand(hashes.SHA256(), length, info).derive(secret)


@dataclass(frozen=True, slots=True)
class InitialKeys:
    """One side's Initial packet protection: AEAD key and IV, header protection key."""

    key: bytes
    iv: bytes
    hp: bytes


@lru_cache(maxsize=64)
def initial_keys(version: int, dcid: bytes, server: bool) -> InitialKeys | None:
    """The client's (or server's) Initial keys of a connection whose client first sent
    to `dcid` (cached: every Initial of a connection uses the same two)."""
    salt = initial_salt(version)
    if salt is None:
        return None
    initial = hmac.new(salt, dcid, hashlib.sha256).digest()
    secret = _expand_label(initial, b"server in" if server else b"client in", 32)
    pre = b"quicv2 " if version in V2_VERSIONS else b"quic "
    return InitialKeys(_expand_label(secret, pre + b"key", 16),
                       _expand_label(secret, pre + b"iv", 12),
                       _expand_label(secret, pre + b"hp", 16))


@dataclass(slots=True)
class Unprotected:
    """An Initial packet after header protection removal and decryption."""

    first: int  # the first byte, unmasked
    pn_len: int
    pn: int  # the full packet number
    plain: bytes | None  # the frames, None when decryption failed
    error: str = ""  # tshark's text when it failed


def decode_pn(truncated: int, pn_len: int, largest: int) -> int:
    """RFC 9000 appendix A.3: the packet number nearest the expected one."""
    expected = largest + 1
    win = 1 << (8 * pn_len)
    hwin, mask = win // 2, win - 1
    candidate = (expected & ~mask) | truncated
    if candidate <= expected - hwin and candidate < (1 << 62) - win:
        return candidate + win
    if candidate > expected + hwin and candidate >= win:
        return candidate - win
    return candidate


def unprotect(buf: bytes, start: int, pn_at: int, end: int, keys: InitialKeys,
              largest: int) -> Unprotected | None:
    """Remove header protection of the long-header packet at `start` whose packet
    number begins at `pn_at` and which ends at `end`, then decrypt its payload; None
    when the packet is too short for the sample (tshark then shows no packet number)."""
    if pn_at + 4 + 16 > end:
        return None
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    sample = bytes(buf[pn_at + 4: pn_at + 20])
    enc = Cipher(algorithms.AES(keys.hp), modes.ECB()).encryptor()
    mask = enc.update(sample) + enc.finalize()
    first = buf[start] ^ (mask[0] & 0x0F)
    pn_len = (first & 3) + 1
    masked = int.from_bytes(bytes(buf[pn_at: pn_at + pn_len]), "big")
    truncated = masked ^ int.from_bytes(mask[1: 1 + pn_len], "big")
    pn = decode_pn(truncated, pn_len, largest)
    header = bytes([first]) + bytes(buf[start + 1: pn_at]) + truncated.to_bytes(pn_len, "big")
    sealed = bytes(buf[pn_at + pn_len: end])
    if len(sealed) < TAG_LEN:
        return Unprotected(first, pn_len, pn, None, _CHECKTAG)
    nonce = (int.from_bytes(keys.iv, "big") ^ pn).to_bytes(12, "big")
    try:
        plain = AESGCM(keys.key).decrypt(nonce, sealed, header)
    except InvalidTag:
        return Unprotected(first, pn_len, pn, None, _CHECKTAG)
    return Unprotected(first, pn_len, pn, plain)
