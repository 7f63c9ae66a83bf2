"""Fragment reassembly shared by IPv4 and IPv6 (Wireshark's reassemble.c, reduced).

Both network layers collect fragments per datagram key, hand the upper layer the
whole datagram on the frame that completes it, and show the same fragments tree;
only the field set and the label ("IPv4"/"IPv6") differ.
"""

from __future__ import annotations

from typing import NamedTuple

from dissectors.bounded import remember
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Field
from dissectors.session import Session

# (frame number, offset in the datagram, bytes, more fragments follow)
Fragment = tuple[int, int, bytes, bool]


class FragmentFields(NamedTuple):
    """The fields a network layer declares for its fragments tree."""

    label: str  # "IPv4" / "IPv6"
    fragments: Field
    fragment: Field
    count: Field  # type: ignore[assignment]  # (shadows tuple.count)
    reassembled_in: Field
    reassembled_length: Field
    reassembled_data: Field


class FragmentTable:
    """Fragments waiting for the rest of their datagram, per datagram key."""

    def __init__(self) -> None:
        self.pending: dict[tuple, list[Fragment]] = {}

    def add(self, key: tuple, frag: Fragment) -> tuple[bytes, list[Fragment]] | None:
        """Record a fragment; (datagram, fragments by offset) once it is complete."""
        frags = self.pending.get(key)
        if frags is None:  # (the newest `bounded.PENDING_MAX` datagrams wait)
            frags = remember(self.pending, key, [])
        frags.append(frag)
        whole = reassemble(frags)
        if whole is None:
            return None
        del self.pending[key]
        return whole, sorted(frags, key=lambda f: f[1])


def reassemble(frags: list[Fragment]) -> bytes | None:
    """The whole datagram if the fragments cover it without holes, else None."""
    frags = sorted(frags, key=lambda f: f[1])
    tails = [off + len(d) for _, off, d, more in frags if not more]
    if not tails:
        return None
    total = max(tails)
    buf = bytearray(total)
    covered = 0
    for _, off, data, _more in frags:
        if off > covered:
            return None
        buf[off: off + len(data)] = data[: max(0, total - off)]
        covered = max(covered, off + len(data))
    return bytes(buf) if covered >= total else None


def reassembled_in(session: Session, proto: str, key: tuple, frame: int) -> int | None:
    """In the second pass: the frame that completed this fragment's datagram."""
    if session.pass_no != 2:
        return None
    done: dict[tuple[tuple, int], int] = session.state(f"pass1:{proto}.reassembled_in", dict)
    return done.get((key, frame))


def add_fragments_tree(pkt: Packet, session: Session, proto: str, parent: Item,
                       fields: FragmentFields, key: tuple, whole: bytes,
                       frags: list[Fragment]) -> int:
    """The `N IPvX Fragments` tree on the completing frame; returns the new data source.

    The first pass also remembers, for every earlier fragment, where it was completed.
    """
    if session.pass_no == 1 and session.two_pass:
        marks = session.state(f"pass1:{proto}.reassembled_in", dict)
        for number, _o, _d, _m in frags:
            if number != pkt.frame.number:
                marks[(key, number)] = pkt.frame.number
    label = fields.label
    source = pkt.add_source(f"Reassembled {label} ({len(whole)} bytes)", whole)
    parts = ", ".join(f"#{n}({len(d)})" for n, _o, d, _m in frags)
    # FT_BYTES (ip.fragments) carries the datagram; FT_NONE (ipv6.fragments) no value.
    value = whole if fields.fragments.type is FT.BYTES else None
    ft = pkt.add(parent, fields.fragments, value, 0, len(whole),
                 f"{len(frags)} {label} Fragments ({len(whole)} bytes): {parts}",
                 source=source, generated=True)
    for n, o, d, _m in frags:  # (each over its bytes in the datagram: -T pdml shows them)
        pkt.add(ft, fields.fragment, n, o, len(d),
                f"Frame: {n}, payload: {o}-{o + len(d) - 1} ({len(d)} byte{'' if len(d) == 1 else 's'})",
                source=source, generated=True)
    pkt.add(ft, fields.count, len(frags), 0, 0, generated=True)
    pkt.add(ft, fields.reassembled_length, len(whole), 0, 0, generated=True)
    pkt.add(ft, fields.reassembled_data, whole, 0, len(whole), generated=True, source=source)
    return source
