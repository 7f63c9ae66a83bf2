"""SSH (RFC 4253) over TCP port 22, as tshark 4.0 shows it without keys.

    identification: "SSH-protoversion-softwareversion [comments]" CR LF
    binary packet:  packet_length(4) padding_length(1) payload padding [MAC]

The version exchange and the key exchange (KEXINIT, the DH / ECDH / DH-GEX messages,
NEWKEYS) are in clear and dissected; after a side's NEWKEYS its packets are encrypted.
tshark 4.0 tries to decrypt ChaCha20 and AES-GCM packets (with no key it shows only an
empty "SSH Version 2 (...)" subtree and nothing in Info), while other ciphers and a
capture that starts mid-stream show "Encrypted packet (len=N)". Packets that span TCP
segments are reassembled through TCP's desegment interface.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from dissectors.dispatch import TCP_PORT, register_dissector
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.tcp_stream import stream_of
from dissectors.tvb import BoundsError, Tvb

SSH = protocol("ssh", "SSH Protocol", "SSH")


def _f(abbrev: str, name: str, ft: FT, base: Base = Base.NONE, **kw: object) -> Field:
    return SSH.field(abbrev, name, ft, base, **kw)  # type: ignore[arg-type]


U8, U32, BYTES, STR, DEC = FT.UINT8, FT.UINT32, FT.BYTES, FT.STRING, Base.DEC
PROTOCOL = _f("ssh.protocol", "Protocol", STR)
PACKET_LENGTH = _f("ssh.packet_length", "Packet Length", U32, DEC)
PACKET_LENGTH_ENC = _f("ssh.packet_length_encrypted", "Packet Length (encrypted)", BYTES)
PADDING_LENGTH = _f("ssh.padding_length", "Padding Length", U8, DEC)
PAYLOAD = _f("ssh.payload", "Payload", BYTES)
ENCRYPTED = _f("ssh.encrypted_packet", "Encrypted Packet", BYTES)
PADDING = _f("ssh.padding_string", "Padding String", BYTES)
SEQ_NUM = _f("ssh.seq_num", "Sequence number", U32, DEC)
MAC = _f("ssh.mac", "MAC", BYTES)
DIRECTION = _f("ssh.direction", "Direction", FT.BOOLEAN,
               strings=("server-to-client", "client-to-server"))
MSG_CODE = _f("ssh.message_code", "Message Code", U8, DEC)
COOKIE = _f("ssh.cookie", "Cookie", BYTES)
PROPOSALS = [
    (_f(f"ssh.{n}_length", f"{n} length", U32, DEC), _f(f"ssh.{n}", f"{n} string", STR))
    for n in ("kex_algorithms", "server_host_key_algorithms",
              "encryption_algorithms_client_to_server", "encryption_algorithms_server_to_client",
              "mac_algorithms_client_to_server", "mac_algorithms_server_to_client",
              "compression_algorithms_client_to_server",
              "compression_algorithms_server_to_client", "languages_client_to_server",
              "languages_server_to_client")
]
FIRST_KEX_FOLLOWS = _f("ssh.first_kex_packet_follows", "First KEX Packet Follows", U8, DEC)
KEX_RESERVED = _f("ssh.kex.reserved", "Reserved", BYTES)
HASSH_ALGS = _f("ssh.kex.hassh_algorithms", "hasshAlgorithms", STR)
HASSH = _f("ssh.kex.hassh", "hassh", STR)
HASSH_SERVER_ALGS = _f("ssh.kex.hasshserver_algorithms", "hasshServerAlgorithms", STR)
HASSH_SERVER = _f("ssh.kex.hasshserver", "hasshServer", STR)
HOSTKEY_LEN = _f("ssh.host_key.length", "Host key length", U32, DEC)
HOSTKEY_TYPE_LEN = _f("ssh.host_key.type_length", "Host key type length", U32, DEC)
HOSTKEY_TYPE = _f("ssh.host_key.type", "Host key type", STR)
HOSTKEY_DATA = _f("ssh.host_key.data", "Host key data", BYTES)
RSA_N = _f("ssh.host_key.rsa.n", "RSA modulus (N)", BYTES)
RSA_E = _f("ssh.host_key.rsa.e", "RSA public exponent (e)", BYTES)
DSA = [_f(f"ssh.host_key.dsa.{k}", n, BYTES) for k, n in (
    ("p", "DSA prime modulus (p)"), ("q", "DSA prime divisor (q)"),
    ("g", "DSA subgroup generator (g)"), ("y", "DSA public key (y)"))]
ECDSA_ID = _f("ssh.host_key.ecdsa.id", "ECDSA elliptic curve identifier", STR)
ECDSA_ID_LEN = _f("ssh.host_key.ecdsa.id_length", "ECDSA elliptic curve identifier length", U32,
                  DEC)
ECDSA_Q = _f("ssh.host_key.ecdsa.q", "ECDSA public key (Q)", BYTES)
ECDSA_Q_LEN = _f("ssh.host_key.ecdsa.q_length", "ECDSA public key length", U32, DEC)
EDDSA_KEY = _f("ssh.host_key.eddsa.key", "EdDSA public key", BYTES)
EDDSA_KEY_LEN = _f("ssh.host_key.eddsa.key_length", "EdDSA public key length", U32, DEC)
SIG_LEN = _f("ssh.host_sig.length", "Host signature length", U32, DEC)
SIG_TYPE_LEN = _f("ssh.host_sig.type_length", "Host signature type length", U32, DEC)
SIG_TYPE = _f("ssh.host_sig.type", "Host signature type", STR)
SIG_DATA = _f("ssh.host_sig.data", "Host signature data", BYTES)
SIG_RSA = _f("ssh.host_sig.rsa", "RSA signature", BYTES)
DH_E = _f("ssh.dh.e", "DH client e", BYTES)
DH_F = _f("ssh.dh.f", "DH server f", BYTES)
GEX_MIN = _f("ssh.dh_gex.min", "DH GEX Min", U32, DEC)
GEX_NBITS = _f("ssh.dh_gex.nbits", "DH GEX Number of Bits", U32, DEC)
GEX_MAX = _f("ssh.dh_gex.max", "DH GEX Max", U32, DEC)
GEX_P = _f("ssh.dh_gex.p", "DH GEX modulus (P)", BYTES)
GEX_G = _f("ssh.dh_gex.g", "DH GEX base (G)", BYTES)
Q_C = _f("ssh.ecdh.q_c", "ECDH client's ephemeral public key (Q_C)", BYTES)
Q_C_LEN = _f("ssh.ecdh.q_c_length", "ECDH client's ephemeral public key length", U32, DEC)
Q_S = _f("ssh.ecdh.q_s", "ECDH server's ephemeral public key (Q_S)", BYTES)
Q_S_LEN = _f("ssh.ecdh.q_s_length", "ECDH server's ephemeral public key length", U32, DEC)
MPINT_LEN = _f("ssh.mpint_length", "Multi Precision Integer Length", U32, DEC)
LENGTH_ERROR = _f("ssh.packet_length.error", "Overly large number", FT.NONE)
DECODE_ERROR = _f("ssh.packet_decode.error", "Packet decoded length not equal to packet length",
                  FT.NONE)
KEYLEN_ERROR = _f("ssh.key_length.error", "Invalid key length", FT.NONE)

MSG_NAMES = {
    1: "Disconnect", 2: "Ignore", 3: "Unimplemented", 4: "Debug", 5: "Service Request",
    6: "Service Accept", 20: "Key Exchange Init", 21: "New Keys",
    50: "User Authentication Request", 51: "User Authentication Failure",
    52: "User Authentication Success", 53: "User Authentication Banner", 80: "Global Request",
    81: "Request Success", 82: "Request Failure", 90: "Channel Open",
    91: "Channel Open Confirmation", 92: "Channel Open Failure", 93: "Window Adjust",
    94: "Channel Data", 95: "Channel Extended Data", 96: "Channel EOF", 97: "Channel Close",
    98: "Channel Request", 99: "Channel Success", 100: "Channel Failure",
}
DH_NAMES = {30: "Diffie-Hellman Key Exchange Init", 31: "Diffie-Hellman Key Exchange Reply"}
ECDH_NAMES = {30: "Elliptic Curve Diffie-Hellman Key Exchange Init",
              31: "Elliptic Curve Diffie-Hellman Key Exchange Reply"}
GEX_NAMES = {30: "Diffie-Hellman Group Exchange Request (Old)",
             31: "Diffie-Hellman Group Exchange Group", 32: "Diffie-Hellman Group Exchange Init",
             33: "Diffie-Hellman Group Exchange Reply", 34: "Diffie-Hellman Group Exchange Request"}
#: AES-GCM leaves the packet length in clear (tshark 4.0 reads it, then the packet).
GCM = frozenset({"aes128-gcm@openssh.com", "aes256-gcm@openssh.com"})
GCM_TAG = 16
MAX_KEY_LEN = 1024  # longer DH e / f: "Invalid key length"
SSH_PORTS = (22, 29418)

@dataclass(slots=True)
class Peer:
    """One side's state (Wireshark's ssh_peer_data)."""

    version_start: int = 0
    version_end: int = 0
    key_start: int = 0
    key_end: int = 0
    key_end_offset: int = 0
    seq: int = 0
    kex_proposal: str | None = None
    proposals: dict[str, list[str | None]] = field(
        default_factory=lambda: {"enc": [None, None], "mac": [None, None], "comp": [None, None]})
    enc: str | None = None
    mac: str | None = None
    comp: str | None = None
    new_keys: bool = False  # after NEWKEYS tshark 4.0 tries to decrypt: nothing shown


@dataclass(slots=True)
class Flow:
    """A connection's state (ssh_flow_data): version, chosen kex, both peers."""

    version: int = 0
    kex: str | None = None
    peers: tuple[Peer, Peer] = field(default_factory=lambda: (Peer(), Peer()))


def _flow(pkt: Packet, session: Session, sport: int, dport: int) -> Flow:
    stream = stream_of(pkt)
    a, b = (pkt.net_src, sport), (pkt.net_dst, dport)
    flows = session.state("ssh.flows", dict)
    key = (stream, min(a, b), max(a, b))
    versions = session.state("pass1:ssh.versions", dict)
    flow = flows.get(key)
    if flow is None:
        # tshark's second pass (-2) starts with the connection's version known
        first = versions.get(key) if session.pass_no == 2 else None
        flow = flows[key] = Flow(version=first.version if first is not None else 0)
    if session.two_pass and session.pass_no == 1:
        versions[key] = flow
    return flow


def _info(pkt: Packet, text: str) -> None:
    """col_append_sep_str: ", " when the column (fenced part too) holds text."""
    pkt.info += (", " if pkt.info else "") + text


def dissect_ssh(tvb: Tvb, pkt: Packet, session: Session) -> None:
    """dissect_ssh: the version lines and binary packets of this TCP payload."""
    session.current_proto = "ssh"
    sport, dport = pkt.srcport, pkt.dstport
    match = next((p for p in sorted((sport, dport)) if p in SSH_PORTS), dport)
    is_response = dport != match
    flow = _flow(pkt, session, sport, dport)
    peer = flow.peers[is_response]
    top = pkt.add_proto(SSH, tvb.start, tvb.rend - tvb.start, source=tvb.source)
    pkt.proto_col = {1: "SSHv1", 2: "SSHv2"}.get(flow.version, "SSH")
    pkt.clear_info()
    num = pkt.frame.number
    can = bool(pkt.can_desegment) and tvb.end >= tvb.rend
    off = tvb.start
    while tvb.rend - off > 0:
        last = off
        in_version = (not peer.version_start or num >= peer.version_start) and (
            not peer.version_end or num <= peer.version_end)
        if in_version and tvb.bytes(off, min(4, tvb.end - off)).upper() == b"SSH-":
            if not peer.version_start:
                peer.version_start = num
            off = _protocol(tvb, pkt, top, off, flow, is_response, can)
            if off < 0:
                return
            peer.version_end = num
        elif flow.version == 2:
            off = _ssh2(tvb, pkt, top, off, flow, is_response, can)
            if off < 0:
                return
        else:
            off = _encrypted(tvb, pkt, top, off, peer)
        if off <= last:
            break
    pkt.info = pkt.info[: pkt.info_fence] + ("Server: " if is_response else "Client: ") + \
        pkt.info[pkt.info_fence:]
    pkt.add(top, DIRECTION, is_response, 0, 0, generated=True, source=tvb.source)


def _protocol(tvb: Tvb, pkt: Packet, top: Item, off: int, flow: Flow, is_response: bool,
              can: bool) -> int:
    """ssh_dissect_protocol: one identification line."""
    head = tvb.bytes(off, min(9, tvb.end - off)).upper()
    if not is_response:
        if head.startswith((b"SSH-2.", b"SSH-1.99-")):
            flow.version = 2
        elif head.startswith(b"SSH-1."):
            flow.version = 1
    lf = tvb.find(b"\n", off)
    if lf < 0 and can:
        pkt.desegment = (off, -1)
        return -1
    if lf < 0:
        linelen = protolen = tvb.end - off
    else:
        linelen = lf - off + 1
        protolen = linelen - 2 if linelen > 1 and tvb.u8(lf - 1) == 0x0D else linelen - 1
    from dissectors.escape import format_text

    raw = tvb.bytes(off, protolen)
    _info(pkt, f"Protocol ({format_text(raw)})")
    pkt.add(top, PROTOCOL, raw.decode("ascii", "replace"), off, protolen, source=tvb.source)
    return off + linelen


def _encrypted(tvb: Tvb, pkt: Packet, tree: Item, off: int, peer: Peer) -> int:
    """ssh_dissect_encrypted_packet: the rest of the payload, length bytes and all."""
    n = tvb.rend - off
    _info(pkt, f"Encrypted packet (len={n})")
    enc_len = n
    if n > 4:
        pkt.add(tree, PACKET_LENGTH_ENC, tvb.bytes(off, 4), off, 4, source=tvb.source)
        enc_len -= 4
    tvb.need(off + 4, enc_len)
    pkt.add(tree, ENCRYPTED, tvb.bytes(off + 4, enc_len), off + 4, enc_len, source=tvb.source)
    return off + n


def _title(peer: Peer) -> str:
    parts = [f"{k}:{v}" for k, v in (("encryption", peer.enc), ("mac", peer.mac),
                                     ("compression", peer.comp)) if v]
    return "SSH Version 2" + (f" ({' '.join(parts)})" if parts else "")


def _ssh2(tvb: Tvb, pkt: Packet, top: Item, off: int, flow: Flow, is_response: bool,
          can: bool) -> int:
    """ssh_dissect_ssh2: the binary packets from `off`, each in an "SSH Version 2" tree."""
    peer = flow.peers[is_response]
    num = pkt.frame.number
    while tvb.end - off > 0:
        last = off
        tree = pkt.add_text(top, _title(peer), off, tvb.rend - off, tvb.source)
        if not peer.key_start or peer.key_start <= num and (
                not peer.key_end or num < peer.key_end or
                num == peer.key_end and off < peer.key_end_offset):
            off = _key_exchange(tvb, pkt, tree, off, flow, is_response, can)
            if off < 0:
                return -1  # (tshark leaves the subtree it began)
        elif peer.new_keys:
            off = _undecrypted(tvb, off, peer)
        else:
            off = _encrypted(tvb, pkt, tree, off, peer)
        tree.text = _title(peer)
        tree.length = off - last
    return off


def _choose(client: str | None, server: str | None) -> str | None:
    """ssh_choose_algo: the client's first algorithm that the server also offers."""
    if client is None or server is None:
        return None
    offered = server.split(",")
    return next((a for a in client.split(",") if a in offered), None)


def _key_exchange(tvb: Tvb, pkt: Packet, tree: Item, off: int, flow: Flow, is_response: bool,
                  can: bool) -> int:
    """ssh_dissect_key_exchange: one clear binary packet; -1 when TCP must bring more."""
    peer = flow.peers[is_response]
    remain = tvb.end - off
    if can and remain < 4:
        pkt.desegment = (off, -1)
        return -1
    plen = tvb.u32(off)
    if can and plen + 4 > remain:
        pkt.desegment = (off, plen + 4 - remain)
        return -1
    start = off
    src = tvb.source
    item = pkt.add(tree, PACKET_LENGTH, plen, off, 4, source=src)
    if plen >= 0xFFFF:
        pkt.add_expert(item, "warning", "protocol", f"Overly large number {plen}", "ssh",
                       field=LENGTH_ERROR)
        plen = remain - 4
    off += 4
    pad = tvb.u8(off)
    pkt.add(tree, PADDING_LENGTH, pad, off, 1, source=src)
    off += 1
    title = f"Key Exchange (method:{flow.kex})" if flow.kex else "Key Exchange"
    kex_tree = pkt.add_text(tree, title, off, plen - 1, src)
    code = tvb.u8(off)
    seq: int | None = None
    if 30 <= code < 40:
        off, seq = _kex_specific(tvb, pkt, kex_tree, off, code, flow, peer)
    else:
        name = MSG_NAMES.get(code)
        pkt.add(kex_tree, MSG_CODE, code, off, 1,
                f"Message Code: {name or 'Unknown'} ({code})", source=src)
        off += 1
        _info(pkt, name or f"Unknown ({code})")
        num = pkt.frame.number
        if code == 20:
            off = _key_init(tvb, pkt, kex_tree, off, flow, is_response)
            if not peer.key_start or peer.key_start == num:
                peer.key_start = num
                seq, peer.seq = peer.seq, peer.seq + 1
        elif code == 21 and not peer.key_end:
            peer.key_end, peer.key_end_offset = num, off
            seq, peer.seq = peer.seq, peer.seq + 1
            _new_keys(flow, peer, is_response)
    rest = plen + 4 - pad - (off - start)
    if rest > 0:
        pkt.add(kex_tree, PAYLOAD, tvb.bytes(off, rest), off, rest, source=src)
        off += rest
    pkt.add(tree, PADDING, tvb.bytes(off, pad), off, pad, source=src)
    off += pad
    pkt.add(tree, SEQ_NUM, peer.seq if seq is None else seq, 0, 0, source=src)
    return off


def _new_keys(flow: Flow, peer: Peer, is_response: bool) -> None:
    """NEWKEYS: the side's cipher, MAC and compression as both KEXINITs agree.

    tshark 4.0 sets up decryption (and so names them) only after a key exchange it can
    derive keys for: after DH group exchange it shows the packets as encrypted ones."""
    if flow.kex and flow.kex.startswith("diffie-hellman-group-exchange"):
        return
    client, server = flow.peers
    peer.enc = _choose(client.proposals["enc"][is_response], server.proposals["enc"][is_response])
    if peer.enc and peer.enc.endswith("-ctr"):  # (tshark 4.0 names the MAC for CTR only,
        mac = _choose(client.proposals["mac"][is_response],  # and only hmac-sha2-256)
                      server.proposals["mac"][is_response])
        peer.mac = mac if mac == "hmac-sha2-256" else None
    peer.comp = _choose(client.proposals["comp"][is_response],
                        server.proposals["comp"][is_response])
    peer.new_keys = True


def _undecrypted(tvb: Tvb, off: int, peer: Peer) -> int:
    """A packet after NEWKEYS: tshark 4.0 tries to decrypt it and, with no keys, shows
    nothing; with AES-GCM it first reads the clear length (past the end: cut short)."""
    if peer.enc in GCM:
        plen = tvb.u32(off)
        if off + 4 + plen + GCM_TAG > tvb.end:
            raise BoundsError()  # (tshark: "Packet size limited during capture")
        return off + 4 + plen + GCM_TAG
    return tvb.rend


def _key_init(tvb: Tvb, pkt: Packet, tree: Item, off: int, flow: Flow, is_response: bool) -> int:
    """ssh_dissect_key_init: the cookie and the ten name-lists, then hassh."""
    peer = flow.peers[is_response]
    src = tvb.source
    start = off
    algs = pkt.add_text(tree, "Algorithms", off, 0, src)
    pkt.add(algs, COOKIE, tvb.bytes(off, 16), off, 16, source=src)
    off += 16
    values: list[str] = []
    for len_f, str_f in PROPOSALS:
        n = tvb.u32(off)
        pkt.add(algs, len_f, n, off, 4, source=src)
        text = tvb.bytes(off + 4, n).decode("ascii", "replace")
        pkt.add(algs, str_f, text, off + 4, n, source=src)
        values.append(text)
        off += 4 + n
    peer.kex_proposal = values[0]
    for i, kind in ((2, "enc"), (4, "mac"), (6, "comp")):
        peer.proposals[kind] = [values[i], values[i + 1]]
    pkt.add(algs, FIRST_KEX_FOLLOWS, tvb.u8(off), off, 1, source=src)
    pkt.add(algs, KEX_RESERVED, tvb.bytes(off + 1, 4), off + 1, 4, source=src)
    off += 5
    d = int(is_response)
    hassh = ";".join((values[0], values[2 + d], values[4 + d], values[6 + d]))
    algs_f, hash_f = (HASSH_SERVER_ALGS, HASSH_SERVER) if is_response else (HASSH_ALGS, HASSH)
    pkt.add(algs, algs_f, hassh, off, 0, generated=True, source=src)
    pkt.add(algs, hash_f, hashlib.md5(hassh.encode(), usedforsecurity=False).hexdigest(), off, 0,
            generated=True, source=src)
    client, server = flow.peers
    if client.kex_proposal is not None and server.kex_proposal is not None and not flow.kex:
        flow.kex = _choose(client.kex_proposal, server.kex_proposal)
    algs.length = off - start
    return off


def _kex_kind(kex: str | None) -> str:
    if kex in ("diffie-hellman-group-exchange-sha1", "diffie-hellman-group-exchange-sha256"):
        return "gex"
    if kex and (kex.startswith("ecdh-sha2-") or kex in (
            "curve25519-sha256@libssh.org", "curve25519-sha256", "curve448-sha512")):
        return "ecdh"
    return "dh"


def _string(tvb: Tvb, pkt: Packet, tree: Item, off: int, len_f: Field, val_f: Field) -> int:
    n = tvb.u32(off)
    pkt.add(tree, len_f, n, off, 4, source=tvb.source)
    pkt.add(tree, val_f, tvb.bytes(off + 4, n), off + 4, n, source=tvb.source)
    return off + 4 + n


def _mpint(tvb: Tvb, pkt: Packet, tree: Item, off: int, val_f: Field, check: bool = False) -> int:
    n = tvb.u32(off)
    if check and n > MAX_KEY_LEN:
        item = pkt.add(tree, KEYLEN_ERROR, None, off, 2, f"Invalid key length: {n}",
                       source=tvb.source)
        pkt.add_expert(item, "error", "protocol", f"Invalid key length: {n}", "ssh",
                       field=KEYLEN_ERROR)
    return _string(tvb, pkt, tree, off, MPINT_LEN, val_f)


def _kex_specific(tvb: Tvb, pkt: Packet, tree: Item, off: int, code: int, flow: Flow,
                  peer: Peer) -> tuple[int, int]:
    """The DH / ECDH / DH-GEX messages (30-39), as the chosen kex method reads them."""
    kind = _kex_kind(flow.kex)
    names = {"dh": DH_NAMES, "ecdh": ECDH_NAMES, "gex": GEX_NAMES}[kind]
    name = names.get(code)
    pkt.add(tree, MSG_CODE, code, off, 1, f"Message Code: {name or 'Unknown'} ({code})",
            source=tvb.source)
    _info(pkt, name or f"Unknown ({code})")
    off += 1
    if kind == "ecdh":
        seq, peer.seq = peer.seq, peer.seq + 1
        if code == 30:
            off = _string(tvb, pkt, tree, off, Q_C_LEN, Q_C)
        elif code == 31:
            off = _host_key(tvb, pkt, tree, off)
            off = _string(tvb, pkt, tree, off, Q_S_LEN, Q_S)
            off = _host_sig(tvb, pkt, tree, off)
        return off, seq
    peer.seq += 1
    if kind == "dh":
        if code == 30:
            off = _mpint(tvb, pkt, tree, off, DH_E, True)
        elif code == 31:
            off = _host_key(tvb, pkt, tree, off)
            off = _mpint(tvb, pkt, tree, off, DH_F, True)
            off = _host_sig(tvb, pkt, tree, off)
        return off, peer.seq
    if code in (30, 34):
        fields = (GEX_NBITS,) if code == 30 else (GEX_MIN, GEX_NBITS, GEX_MAX)
        for f in fields:
            pkt.add(tree, f, tvb.u32(off), off, 4, source=tvb.source)
            off += 4
    elif code == 31:
        off = _mpint(tvb, pkt, tree, off, GEX_P)
        off = _mpint(tvb, pkt, tree, off, GEX_G)
    elif code == 32:
        off = _mpint(tvb, pkt, tree, off, DH_E)
    elif code == 33:
        off = _host_key(tvb, pkt, tree, off)
        off = _mpint(tvb, pkt, tree, off, DH_F)
        off = _host_sig(tvb, pkt, tree, off)
    return off, peer.seq


def _host_key(tvb: Tvb, pkt: Packet, parent: Item, off: int) -> int:
    """ssh_tree_add_hostkey: "KEX host key (type: ...)" with the key's parts."""
    src = tvb.source
    key_len = tvb.u32(off)
    type_len = tvb.u32(off + 4)
    ktype = tvb.bytes(off + 8, type_len).decode("ascii", "replace")
    tree = pkt.add_text(parent, f"KEX host key (type: {ktype})", off, key_len + 4, src)
    pkt.add(tree, HOSTKEY_LEN, key_len, off, 4, source=src)
    pkt.add(tree, HOSTKEY_TYPE_LEN, type_len, off + 4, 4, source=src)
    pkt.add(tree, HOSTKEY_TYPE, ktype, off + 8, type_len, source=src)
    p = off + 8 + type_len
    if ktype == "ssh-rsa":
        p = _mpint(tvb, pkt, tree, p, RSA_E)
        _mpint(tvb, pkt, tree, p, RSA_N)
    elif ktype == "ssh-dss":
        for f in DSA:
            p = _mpint(tvb, pkt, tree, p, f)
    elif ktype.startswith("ecdsa-sha2-"):
        n = tvb.u32(p)
        pkt.add(tree, ECDSA_ID_LEN, n, p, 4, source=src)
        pkt.add(tree, ECDSA_ID, tvb.bytes(p + 4, n).decode("ascii", "replace"), p + 4, n,
                source=src)
        _string(tvb, pkt, tree, p + 4 + n, ECDSA_Q_LEN, ECDSA_Q)
    elif ktype.startswith("ssh-ed"):
        _string(tvb, pkt, tree, p, EDDSA_KEY_LEN, EDDSA_KEY)
    else:
        rest = key_len - (type_len + 4)
        pkt.add(tree, HOSTKEY_DATA, tvb.bytes(p, rest), p, rest, source=src)
    return off + 4 + key_len


def _host_sig(tvb: Tvb, pkt: Packet, parent: Item, off: int) -> int:
    """The host signature: its length, type and (RSA, DSA) data; tshark 4.0 counts only
    the length and type as decoded and says so."""
    src = tvb.source
    sig_len = tvb.u32(off)
    type_len = tvb.u32(off + 4)
    stype = tvb.bytes(off + 8, type_len).decode("ascii", "replace")
    tree = pkt.add_text(parent, f"KEX host signature (type: {stype})", off, sig_len + 4, src)
    item = pkt.add(tree, SIG_LEN, sig_len, off, 4, source=src)
    pkt.add(tree, SIG_TYPE_LEN, type_len, off + 4, 4, source=src)
    pkt.add(tree, SIG_TYPE, stype, off + 8, type_len, source=src)
    decoded = 8 + type_len
    if stype == "ssh-rsa":  # (tshark 4.0 reads this one's signature as an mpint)
        decoded = _mpint(tvb, pkt, tree, off + decoded, SIG_RSA) - off - 4
    elif stype in ("rsa-sha2-256", "rsa-sha2-512", "ssh-dss"):
        rest = sig_len + 4 - decoded
        pkt.add(tree, SIG_DATA, tvb.bytes(off + decoded, rest), off + decoded, rest, source=src)
    if decoded != sig_len:
        text = f"Decoded {decoded} bytes, but packet legnth is {sig_len} bytes"
        pkt.add_expert(item, "warning", "protocol", text, "ssh", field=DECODE_ERROR)
    return off + 4 + sig_len


for _ssh_port in SSH_PORTS:
    TCP_PORT.register(_ssh_port, dissect_ssh, "ssh")
register_dissector("ssh", dissect_ssh)
register_learner_layer("ssh", "SSH")
