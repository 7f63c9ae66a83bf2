"""What each protocol offers beyond its tree: follow streams, export objects,
conversation and endpoint tables, the layers its taps see, the learner's layer names.

Wireshark keeps these with the protocol (register_follow_stream,
register_export_object, register_conversation_table in each packet-*.c); so does
labshark: a protocol module declares them in its registration block with the
`register_*` functions here, and analyzer/ looks them up by name, with no branch per
protocol. Tables are filled when `dissectors` is imported (PROTOCOL_MODULES).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Protocol

from dissectors.packet import Item, Packet

# -- follow (`-z follow,NAME,...`) ---------------------------------------------------


class FollowStream(Protocol):
    """What the follow driver (analyzer/follow.py) hands a protocol's follower."""

    #: `--encoding`: a follower may keep the bytes as sent rather than decoded text.
    encoding: str | None

    def selected(self, pkt: Packet, fields: dict[str, Item]) -> bool:
        """Whether this transport layer (its fields by abbrev) is the followed stream."""
        ...

    def is_server(self, pkt: Packet, sport: int, dport: int) -> bool:
        """The direction of a packet from `sport` to `dport` (the first seen is Node 0)."""
        ...

    def emit(self, is_server: bool, number: int, ts_ns: int, data: bytes) -> None:
        """One chunk of the stream, in the order it is shown."""
        ...


class Follower(Protocol):
    """One follow tap's protocol state: it sees every packet, emits the chunks."""

    def packet(self, pkt: Packet, top: set[int]) -> None:
        """`top`: ids of the packet's top-level items (a layer an ICMP error quotes
        is not among them; tshark's taps see nothing of it)."""
        ...


@dataclass(frozen=True)
class FollowSpec:
    """A followable protocol, as the driver needs it."""

    name: str  # `-z follow,NAME`
    transport: str  # "tcp" | "udp": whose stream index and ports select the packets
    follower: Callable[[FollowStream], Follower] | None  # None: a stream without data
    filter_prefix: bool = False  # the Filter line reads `NAME and (<transport filter>)`
    byte_stream: bool = False  # chunks continue one another (--encoding decodes across)


FOLLOW: dict[str, FollowSpec] = {}


def register_follow(spec: FollowSpec) -> None:
    FOLLOW[spec.name] = spec


def layer_fields(item: Item) -> dict[str, Item]:
    """A layer's fields by abbrev (first occurrence), its subtrees included."""
    out: dict[str, Item] = {}
    stack = list(reversed(item.children or []))
    while stack:
        it = stack.pop()
        if it.field is not None:  # text-only items carry no field
            out.setdefault(it.field.abbrev, it)
        if it.children:
            stack.extend(reversed(it.children))
    return out


# -- export objects (`--export-objects NAME,DIR`) --------------------------------------


@dataclass
class ExportObject:
    """A file a protocol carried, handed to the writer (analyzer/export_objects.py),
    which names it safely inside the directory and writes it."""

    frame: int  # the last packet of the object
    host: str
    content_type: str
    data: bytes
    filename: str  # as the packets name it (untrusted: the writer reduces it)
    fallback: str  # the name when `filename` leaves none
    note: str = ""  # why the object is incomplete, "" when it is whole


class Exporter(Protocol):
    """One protocol's objects: sees packets one by one, emits each object when done."""

    def packet(self, pkt: Packet) -> None: ...

    def close(self) -> None:
        """The capture ended: emit what is still open."""
        ...


@dataclass(frozen=True)
class ExportSpec:
    name: str  # `--export-objects NAME,DIR`
    title: str  # the summary's heading, "TFTP"
    exporter: Callable[[Callable[[ExportObject], None]], Exporter]  # built with its sink


EXPORTERS: dict[str, ExportSpec] = {}


def register_export_object(spec: ExportSpec) -> None:
    EXPORTERS[spec.name] = spec


# -- conversations and endpoints (`-z conv,NAME`, `-z endpoints,NAME`) -----------------


@dataclass(frozen=True)
class ConversationSpec:
    """A conversation table: each end is the layer's `src`/`dst` value or, for a
    transport (`over` names the address tables), `address:port`, the address from the
    last layer above of one of those tables."""

    name: str  # the -z word
    title: str  # tshark's table title, "IPv4"
    proto: str  # the layer's protocol abbrev
    src: str  # the field, or alternatives "a|b" (the first present is taken)
    dst: str  # "" = a one-ended table (its other end printed "NONE", as AT_NONE)
    over: tuple[str, ...] = ()  # for ports: the conversation tables giving the addresses
    stream: str | None = None  # a field telling conversations on the same ends apart


CONVERSATIONS: dict[str, ConversationSpec] = {}


def register_conversation(spec: ConversationSpec) -> None:
    CONVERSATIONS[spec.name] = spec


# -- taps: which layers of a packet a protocol's taps see ------------------------------

#: protocol abbrev -> ids of its layers in a packet that its taps did not see.
UNTAPPED: dict[str, Callable[[Packet], set[int]]] = {}


def register_untapped(proto: str, fn: Callable[[Packet], set[int]]) -> None:
    UNTAPPED[proto] = fn


_NONE: frozenset[int] = frozenset()


def untapped(proto: str, pkt: Packet) -> AbstractSet[int]:
    """Ids of `proto`'s layers in `pkt` that never reached its taps (usually none)."""
    fn = UNTAPPED.get(proto)
    return fn(pkt) if fn is not None else _NONE


# -- taps: what a protocol's taps saw in a packet, when not one call per layer ----------

#: protocol abbrev -> the messages its taps saw in a packet, in order: each a layer of
#: the packet's tree, or None for a tap call no layer shows (Wireshark's dissectors call
#: tap_queue_packet where they please: HTTP taps bytes it shows nothing for, and not
#: bytes it returned early on).
TAPPED: dict[str, Callable[[Packet], list[Item | None]]] = {}


def register_tapped(proto: str, fn: Callable[[Packet], list[Item | None]]) -> None:
    TAPPED[proto] = fn


def tapped(proto: str, pkt: Packet) -> list[Item | None] | None:
    """What `proto`'s taps saw in `pkt` when the protocol says (None: it does not, and
    each of its layers is one tap call)."""
    fn = TAPPED.get(proto)
    return fn(pkt) if fn is not None else None


# -- the learner (`--explain-addresses`) ------------------------------------------------


@dataclass(frozen=True)
class LearnerLayer:
    """How the encapsulation diagram names a protocol's box."""

    name: str  # "IPv4"
    tcpip: str = "application"  # its layer in the TCP/IP model


LEARNER_LAYERS: dict[str, LearnerLayer] = {}
#: field abbrev -> (box name, TCP/IP layer): fields naming frame bytes no layer spans.
LEARNER_UNCLAIMED: dict[str, tuple[str, str]] = {}


def register_learner_layer(proto: str, name: str, tcpip: str = "application") -> None:
    LEARNER_LAYERS[proto] = LearnerLayer(name, tcpip)


#: fields present when a packet's payload was put together from fragments.
LEARNER_REASSEMBLED: list[str] = []


def register_learner_unclaimed(field: str, name: str, tcpip: str) -> None:
    LEARNER_UNCLAIMED[field] = (name, tcpip)


def register_learner_reassembled(field: str) -> None:
    """A field naming the fragments a payload came from: the frame bytes of the last
    fragment that no layer spans are its share ("fragment data")."""
    LEARNER_REASSEMBLED.append(field)
