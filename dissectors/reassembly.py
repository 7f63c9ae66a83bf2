"""Fragment reassembly shared by IPv4 and IPv6 (Wireshark's reassemble.c, reduced).

Both network layers collect fragments per datagram key, hand the upper layer the
whole datagram on the frame that completes it, and show the same fragments tree;
only the field set and the label ("IPv4"/"IPv6") differ. As reassemble.c does, the
first tail fragment fixes the datagram's length, the datagram is complete once the
fragments cover it from offset 0 without a hole, bytes already placed are never
overwritten, and fragments that overlap, conflict, repeat a tail or run past the end
are marked in the tree. Unlike tshark, a datagram keeps at most `MAX_FRAGMENTS`
fragments and `MAX_BYTES` bytes: a hostile capture repeating one fragment cannot make
one datagram's work or memory grow without end. A datagram that reaches a cap lets go
of its fragments but stays in the table, full: it gathers none of the flood's later
fragments, so a flood costs a table look-up a packet, not a refill to the cap again
and again. It keeps its first fragment (offset 0), though: a first fragment with
other bytes is a new datagram reusing the key, and starts afresh, as reassemble.c's
fragment_add_check starts a new datagram once one is done (a full one is done too); so
does a tail while the full one's length is still open (a new datagram's tail before
its first fragment: in reassemble.c the tail fixes the length, the first completes
it), joined by the kept first fragment; work stays bounded by the caps, as for any
datagram gathering.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import NamedTuple

from dissectors.bounded import remember
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Field, Protocol
from dissectors.session import Session

# (frame number, offset in the datagram, bytes, more fragments follow)
Fragment = tuple[int, int, bytes, bool]

# Per-fragment marks, as reassemble.c's FD_* flags (the order tshark shows them in).
OVERLAP, CONFLICT, MULTIPLE_TAILS, TOO_LONG = 1, 2, 4, 8

# A datagram is at most 65,535 bytes past an offset of at most 65,528 (13 bits of 8
# bytes); 8-byte fragments make 8,192 of them. Past either cap the fragments gathered
# so far are dropped and no more are gathered for it (README: "Where labshark differs
# from tshark on purpose").
MAX_FRAGMENTS = 8192
MAX_BYTES = 1 << 18


class FragmentFields(NamedTuple):
    """The fields a network layer declares for its fragments tree."""

    label: str  # "IPv4" / "IPv6"
    fragments: Field
    fragment: Field
    count: Field  # type: ignore[assignment]  # (shadows tuple.count)
    reassembled_in: Field
    reassembled_length: Field
    reassembled_data: Field
    overlap: Field
    overlap_conflict: Field
    multiple_tails: Field
    too_long: Field
    error: Field


def mark_fields(proto: Protocol, prefix: str) -> tuple[Field, Field, Field, Field, Field]:
    """The per-fragment marks (`OVERLAP` .. `TOO_LONG`) declared on `proto`, and the
    field an erroneous fragment is shown as instead of `<prefix>.fragment`."""
    return (proto.field(f"{prefix}.fragment.overlap", "Fragment overlap", FT.BOOLEAN),
            proto.field(f"{prefix}.fragment.overlap.conflict",
                        "Conflicting data in fragment overlap", FT.BOOLEAN),
            proto.field(f"{prefix}.fragment.multipletails", "Multiple tail fragments found",
                        FT.BOOLEAN),
            proto.field(f"{prefix}.fragment.toolongfragment", "Fragment too long", FT.BOOLEAN),
            proto.field(f"{prefix}.fragment.error", "Defragmentation error", FT.FRAMENUM))


class Datagram:
    """The fragments of one datagram so far, sorted by offset (equal ones by arrival),
    with how far they cover it from offset 0 (reassemble.c's contiguous_len/first_gap)."""

    __slots__ = ("offsets", "frags", "marks", "datalen", "contig", "gap", "size", "full",
                 "first")

    def __init__(self) -> None:
        self.offsets: list[int] = []
        self.frags: list[Fragment] = []
        self.marks: list[int] = []  # MULTIPLE_TAILS, set as the fragment arrives
        self.datalen: int | None = None  # fixed by the first tail
        self.contig = 0  # bytes covered from offset 0
        self.gap = 0  # index of the first fragment past `contig`
        self.size = 0  # bytes held
        self.full = False  # a cap was reached: it holds and takes no fragment
        self.first: Fragment | None = None  # once full: its first fragment (offset 0)

    def fits(self, frag: Fragment) -> bool:
        """Whether the caps leave room for `frag`."""
        return not self.full and len(self.frags) < MAX_FRAGMENTS and \
            self.size + len(frag[2]) <= MAX_BYTES

    def give_up(self, frag: Fragment) -> None:
        """A cap is reached (by `frag`): drop what was gathered and take nothing more of
        it; keep its first fragment (offset 0), to tell a new one."""
        if self.offsets and self.offsets[0] == 0:
            self.first = self.frags[0]
        elif frag[1] == 0:
            self.first = frag
        self.offsets, self.frags, self.marks = [], [], []
        self.size = 0
        self.full = True

    def covered_with(self, frag: Fragment) -> int:
        """`contig` once `frag` is added (nothing changes)."""
        _n, off, data, _m = frag
        if off > self.contig:
            return self.contig
        return self._walk(max(self.contig, off + len(data)), self.gap)[0]

    def _walk(self, reach: int, g: int) -> tuple[int, int]:
        """(how far the fragments from index `g` on carry `reach` without a hole, the
        index of the first one past it)."""
        offsets, frags = self.offsets, self.frags
        while g < len(offsets) and offsets[g] <= reach:
            reach = max(reach, offsets[g] + len(frags[g][2]))
            g += 1
        return reach, g

    def add(self, frag: Fragment) -> None:
        """Link `frag` in; amortised, the walk visits each fragment once."""
        _n, off, data, more = frag
        mark = 0
        if not more:
            end = off + len(data)
            if self.datalen is None:
                self.datalen = end
            elif self.datalen != end:
                mark = MULTIPLE_TAILS
        i = bisect_right(self.offsets, off)
        self.offsets.insert(i, off)
        self.frags.insert(i, frag)
        self.marks.insert(i, mark)
        self.size += len(data)
        if off <= self.contig:  # (then it lands at or before the first gap)
            if i < self.gap:
                self.gap += 1
            self.contig, self.gap = self._walk(max(self.contig, off + len(data)), self.gap)

    def complete(self) -> bool:
        return self.datalen is not None and self.contig >= self.datalen

    def copy(self) -> Datagram:
        twin = Datagram()
        twin.offsets, twin.frags, twin.marks = self.offsets[:], self.frags[:], self.marks[:]
        twin.datalen, twin.contig, twin.gap, twin.size = (self.datalen, self.contig, self.gap,
                                                         self.size)
        twin.full, twin.first = self.full, self.first
        return twin

    def starts_anew(self, frag: Fragment) -> bool:
        """Whether `frag` begins a new datagram with this one's key: this one is full
        and `frag` is a first fragment other than the one it had, or a tail while its
        length is still open (reassemble.c: the first tail fixes it; a new datagram's
        tail may come before its first fragment)."""
        if not self.full:
            return False
        if frag[1] == 0:
            return self.first is None or frag[2] != self.first[2]
        return not frag[3] and self.datalen is None

    def renewed(self, frag: Fragment) -> Datagram:
        """The datagram `frag` starts (`starts_anew`): a tail joins the first fragment
        this one kept, which reassemble.c would still hold."""
        d = Datagram()
        if frag[1] != 0 and self.first is not None:
            d.add(self.first)
        return d


def defragment(d: Datagram) -> tuple[bytes, list[Fragment], list[int]]:
    """(datagram, fragments by offset, their marks) of a complete `d`: each byte is the
    first one placed there (reassemble.c keeps it even when a later fragment differs)."""
    datalen = d.datalen or 0
    buf = bytearray(datalen)
    marks = d.marks[:]
    placed = 0
    for k, (_n, off, data, _m) in enumerate(d.frags):
        n = len(data)
        if not n:
            continue
        if off >= datalen:
            marks[k] |= TOO_LONG
            continue
        end = off + n
        if end > datalen:
            marks[k] |= TOO_LONG
            end = datalen
        overlap = placed - off  # (never negative: the fragments cover 0..datalen)
        if overlap:
            marks[k] |= OVERLAP
            cmp = min(n, overlap)
            if buf[off: off + cmp] != data[:cmp]:
                marks[k] |= CONFLICT
        if end > placed:
            buf[placed: end] = data[overlap: end - off]
            placed = end
    return bytes(buf), d.frags, marks


class FragmentTable:
    """Datagrams waiting for the rest of their fragments, per datagram key."""

    def __init__(self) -> None:
        self.pending: dict[tuple, Datagram] = {}
        self.gathered = 0  # fragments linked into a datagram (a flood's work shows here)

    def add(self, key: tuple, frag: Fragment) -> tuple[bytes, list[Fragment], list[int]] | None:
        """Record a fragment; (datagram, fragments by offset, marks) once it is complete."""
        d = self.pending.get(key)
        if d is None:  # (the newest `bounded.PENDING_MAX` wait)
            d = remember(self.pending, key, Datagram())
        elif d.starts_anew(frag):
            d = remember(self.pending, key, d.renewed(frag))
        if not d.fits(frag):  # a flood: drop what it gathered, gather no more of it
            if not d.full:
                d.give_up(frag)
            return None
        d.add(frag)
        self.gathered += 1
        if not d.complete():
            return None
        del self.pending[key]
        return defragment(d)

    def peek(self, key: tuple, frag: Fragment) -> bytes | None:
        """The datagram `frag` would complete, else None; the table is left as it was."""
        d = self.pending.get(key)
        if d is None:
            d = Datagram()
        elif d.starts_anew(frag):
            d = d.renewed(frag)
        if not d.fits(frag):
            return None
        _n, off, data, more = frag
        datalen = d.datalen if d.datalen is not None or more else off + len(data)
        if datalen is None or d.covered_with(frag) < datalen:
            return None
        twin = d.copy()
        twin.add(frag)
        return defragment(twin)[0]



def reassembled_in(session: Session, proto: str, key: tuple, frame: int) -> int | None:
    """In the second pass: the frame that completed this fragment's datagram."""
    if session.pass_no != 2:
        return None
    done: dict[tuple[tuple, int], int] = session.state(f"pass1:{proto}.reassembled_in", dict)
    return done.get((key, frame))


def add_fragments_tree(pkt: Packet, session: Session, proto: str, parent: Item,
                       fields: FragmentFields, key: tuple, whole: bytes,
                       frags: list[Fragment], marks: list[int]) -> int:
    """The `N IPvX Fragments` tree on the completing frame; returns the new data source.

    The first pass also remembers, for every earlier fragment, where it was completed.
    """
    if session.pass_no == 1 and session.two_pass:
        done_in = session.state(f"pass1:{proto}.reassembled_in", dict)
        for number, _o, _d, _m in frags:
            if number != pkt.frame.number:
                done_in[(key, number)] = pkt.frame.number
    label = fields.label
    source = pkt.add_source(f"Reassembled {label} ({len(whole)} bytes)", whole)
    parts = ", ".join(f"#{n}({len(d)})" for n, _o, d, _m in frags)
    # FT_BYTES (ip.fragments) carries the datagram; FT_NONE (ipv6.fragments) no value.
    value = whole if fields.fragments.type is FT.BYTES else None
    ft = pkt.add(parent, fields.fragments, value, 0, len(whole),
                 f"{len(frags)} {label} Fragments ({len(whole)} bytes): {parts}",
                 source=source, generated=True)
    flagged = ((OVERLAP, fields.overlap), (CONFLICT, fields.overlap_conflict),
               (MULTIPLE_TAILS, fields.multiple_tails), (TOO_LONG, fields.too_long))
    for (n, o, d, _m), mark in zip(frags, marks, strict=True):  # (over its bytes: pdml)
        # (reassemble.c's show_fragment: a conflicting, extra-tail or too long one is an error)
        field = fields.error if mark & (CONFLICT | MULTIPLE_TAILS | TOO_LONG) else fields.fragment
        item = pkt.add(ft, field, n, o, len(d),
                       f"Frame: {n}, payload: {o}-{o + len(d) - 1} "
                       f"({len(d)} byte{'' if len(d) == 1 else 's'})",
                       source=source, generated=True)
        if mark:
            for bit, flag in flagged:
                if mark & bit:
                    pkt.add(item, flag, True, 0, 0, generated=True)
    pkt.add(ft, fields.count, len(frags), 0, 0, generated=True)
    pkt.add(ft, fields.reassembled_length, len(whole), 0, 0, generated=True)
    pkt.add(ft, fields.reassembled_data, whole, 0, len(whole), generated=True, source=source)
    return source
