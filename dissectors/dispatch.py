"""Declared dispatch: which dissector handles an ethertype, IP protocol or port.

Tables are filled at import time by the protocol modules (`UDP_PORT.register(69,
dissect_tftp)`), like scapy's bind_layers; lookups never mutate them. Per-capture
state (conversations, Decode-As) lives in the Session, not here.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from dissectors.packet import Packet
    from dissectors.session import Session
    from dissectors.tvb import Tvb

# A dissector takes the bytes of its layer, the packet it adds to, and the session.
# It returns False when the payload is not for it (heuristics), anything else = taken.
Dissector = Callable[["Tvb", "Packet", "Session"], "bool | int | None"]


class DissectorTable:
    """A named lookup from a key (port, ethertype, ...) to a protocol's dissector."""

    def __init__(self, name: str, ui_name: str) -> None:
        self.name = name
        self.ui_name = ui_name
        self.entries: dict[Hashable, Dissector] = {}
        self.by_proto: dict[str, Dissector] = {}  # protocol abbrev -> dissector, for -d

    def register(self, key: Hashable, fn: Dissector, proto: str) -> None:
        self.entries[key] = fn
        self.by_proto[proto] = fn

    def get(self, key: Hashable) -> Dissector | None:
        return self.entries.get(key)

    def proto_of(self, fn: Dissector) -> str | None:
        """The protocol a dissector of this table was registered for (a rare look-up)."""
        for proto, f in self.by_proto.items():
            if f is fn:
                return proto
        return None

    def name_called(self, fn: Dissector, protocols: list[str], before: int) -> None:
        """After `fn` of this table failed (a bounds error) with `before` layers in
        `protocols`: tshark names a called layer in frame.protocols even when its first
        read fails, before it added its protocol item."""
        if len(protocols) == before:
            name = self.proto_of(fn)
            if name is not None:
                protocols.append(name)


class HeuristicList:
    """Heuristic dissectors tried in order when no table entry took the payload."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.entries: list[tuple[str, Dissector]] = []
        self.fns: list[Dissector] = []  # the same dissectors, for the hot path

    def register(self, proto: str, fn: Dissector) -> None:
        # Wireshark tries a list's heuristics in reverse order of protocol name (its
        # handoffs run alphabetically and each prepends): tftp before dns.
        self.entries.append((proto, fn))
        self.entries.sort(key=lambda e: e[0], reverse=True)
        self.fns[:] = [f for _p, f in self.entries]


TABLES: Final[dict[str, DissectorTable]] = {}


def table(name: str, ui_name: str) -> DissectorTable:
    t = DissectorTable(name, ui_name)
    TABLES[name] = t
    return t


LINKTYPE: Final = table("wtap_encap", "Link type")
ETHERTYPE: Final = table("ethertype", "Ethertype")
#: pkt.proto_data key: the length a network layer claims for the link layer's payload
#: (Wireshark's set_actual_length on the ethertype's tvb), set by the outermost one, so
#: the link layer shows its trailer even when the payload's dissection fails.
PAYLOAD_LENGTH: Final = "ethertype.payload_length"
IP_PROTO: Final = table("ip.proto", "IP protocol")
UDP_PORT: Final = table("udp.port", "UDP port")
#: UDP ports whose payload carries another packet with layers of its own (VXLAN, Geneve,
#: GTP-U, L2TP): the cheap layering (layers.py), the plan's state keys (skipping.py) and
#: the BPF pre-filter leave such frames to the full dissection. Each tunnel's module
#: adds its port where it registers it.
TUNNEL_UDP_PORTS: Final[set[int]] = set()
TCP_PORT: Final = table("tcp.port", "TCP port")
NULL_FAMILY: Final = table("null.family", "BSD AF")
MEDIA_TYPE: Final = table("media_type", "Internet media type")  # HTTP bodies by Content-Type

UDP_HEUR: Final = HeuristicList("udp")
TCP_HEUR: Final = HeuristicList("tcp")

# Protocol dissectors by name, for protocols called directly (data, Decode-As).
BY_NAME: Final[dict[str, Dissector]] = {}


def call_under(parent: object, fn: Dissector, tvb: Tvb, pkt: Packet, session: Session,
               ) -> bool | int | None:
    """Call a dissector whose layer nests under `parent` (an item of the caller's tree,
    as Wireshark's call_dissector with a subtree): the top-level items it adds move there."""
    first = len(pkt.tree)
    try:
        return fn(tvb, pkt, session)
    finally:
        moved = pkt.tree[first:]
        if moved:
            del pkt.tree[first:]
            parent.children = (parent.children or []) + moved  # type: ignore[attr-defined]


def register_dissector(proto: str, fn: Dissector) -> Dissector:
    BY_NAME[proto] = fn
    return fn


# Secrets a capture file carries (pcapng Decryption Secrets Blocks), by secrets type:
# fn(session, data) keeps them in the session for the protocol that decrypts with them,
# as Wireshark's secrets_register_type callbacks.
SecretsHandler = Callable[["Session", bytes], None]
SECRETS: Final[dict[int, SecretsHandler]] = {}


def register_secrets(secrets_type: int, fn: SecretsHandler) -> None:
    SECRETS[secrets_type] = fn


def take_secrets(secrets: tuple[tuple[int, bytes], ...], session: Session) -> None:
    """Hand a frame's DSB secrets to the protocols registered for their types."""
    for stype, data in secrets:
        fn = SECRETS.get(stype)
        if fn is not None:
            fn(session, data)


# A claim answers, without building a tree, whether a payload dissector would take a
# UDP/TCP payload, and makes the same conversation-state changes the dissector makes:
# claim(session, payload, src, sport, dst, dport) -> None (refused) or what it parsed.
# The fast filter path (filters/fastpath.py) uses them to classify packets it does not
# dissect; a dissector without a claim makes such packets take the full path.
Claim = Callable[["Session", bytes, bytes, int, bytes, int], object]
CLAIMS: Final[dict[Dissector, tuple[str, Claim]]] = {}


def register_claim(fn: Dissector, proto: str, claim: Claim) -> None:
    CLAIMS[fn] = (proto, claim)


def takes_all(session: Session, payload: bytes, src: bytes, sport: int, dst: bytes,
              dport: int) -> bool:
    """The claim of a dissector that never refuses a payload on its port."""
    return True
