"""When each conversation's state may be dropped: after its last frame.

The walk that plans (analyzer/closure.py, its `state_key` groups; one walk for both)
finds each group's last frame and each plain UDP stream's (`udp_flow`); `schedule_from`
orders them. The packet loop hands the group to dissectors/releasing.py once that
frame is done (each half of a split run its own groups: `Schedule.mine`); nothing
later reads its state, so memory stays bounded by the conversations open at once, not
by the capture's length. Only groups of one key (an address pair or a TCP connection)
are released, and only after the last frame that may touch any state.
LABSHARK_RELEASE=0 turns it off, =1 on for any file (by default only files of
`MIN_BYTES` or more: smaller ones stay small).
"""

from __future__ import annotations

import marshal
import os
import struct
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from itertools import compress
from typing import Any, Final

from dissectors.icmp import QUOTING_TYPES as ICMP_QUOTING
from dissectors.ipv6 import upper_layer
from dissectors.releasing import SWEEP_AT, Dead, release
from dissectors.session import Session
from dissectors.skipping import HEAD_ADDRS, INTERPRETED, plain_head

#: the smallest file worth the walk (about 80,000 packets of the lab captures)
MIN_BYTES = 16 << 20


class Schedule:
    """Keys by the frame after which they are dead, consumed as the loop passes them:
    group keys (`frames` ascending, the keys in the same order, each marshalled into
    `packed`, ending at `ends[i]`) and UDP streams (`flow_frames` ascending, their keys
    one after another in `flows`: a capture has many; 12 bytes for IPv4, 36 for IPv6,
    `WIDE` in their `sides`). Kept as bytes, not objects:
    the tens of thousands of key tuples would pin the walk's freed memory (and every
    page a forked half touches is its own copy)."""

    __slots__ = ("frames", "packed", "ends", "flow_frames", "flows", "sides", "at", "flow_at",
                 "flow_pos", "dead")

    def __init__(self, frames: array, keys: Iterable[object], flow_frames: array,
                 flows: bytes, sides: bytes = b"") -> None:
        self.frames = frames
        dumps: Any = marshal.dumps  # (keys of any shape: marshal takes them all)
        # (one key at a time into one buffer: no list of tens of thousands of parts
        # beside the walk's key table, which is still alive here: schedule_from)
        packed = bytearray()
        ends = array("I")
        for k in keys:
            packed += dumps(k)
            ends.append(len(packed))
        self.ends = ends
        self.packed = bytes(packed)
        self.flow_frames = flow_frames
        self.flows = flows
        # per UDP stream, which of its two sides (`SIDE_LOW`, `SIDE_HIGH`) die with it,
        # and whether its key is IPv6's (`WIDE`)
        self.sides = sides or bytes(len(flow_frames))
        self.at = self.flow_at = self.flow_pos = 0
        self.dead = Dead()

    def key(self, i: int) -> object:
        """The `i`th group key."""
        ends = self.ends
        return marshal.loads(self.packed[ends[i - 1] if i else 0: ends[i]])

    def next_due(self) -> int:
        """The next frame after which a key dies (past the end: never)."""
        a = self.frames[self.at] if self.at < len(self.frames) else 1 << 62
        b = self.flow_frames[self.flow_at] if self.flow_at < len(self.flow_frames) \
            else 1 << 62
        return a if a < b else b

    def mine(self, groups: array, own: bytearray) -> Schedule:
        """Only the keys of the groups with a frame in `own` (`groups`: each frame's
        group): a split's light half, whose tables never hold the other half's keys,
        sweeps for its own alone."""
        kept = set(compress(groups, own))
        frames = array("I")
        keys: list[object] = []
        for i, f in enumerate(self.frames):
            if groups[f] in kept:
                frames.append(f)
                keys.append(self.key(i))
        flow_frames, flows, sides = array("I"), bytearray(), bytearray()
        pos = 0
        for i, f in enumerate(self.flow_frames):
            w = 36 if self.sides[i] & WIDE else 12
            if groups[f] in kept:
                flow_frames.append(f)
                flows += self.flows[pos: pos + w]
                sides.append(self.sides[i])
            pos += w
        return Schedule(frames, keys, flow_frames, bytes(flows), bytes(sides))

    def done(self, n: int, session: Session) -> int:
        """Frame `n` and all before it are done: mark their keys dead, sweep when enough
        have gathered. Returns the next frame due."""
        frames, key, dead = self.frames, self.key, self.dead
        at = self.at
        while at < len(frames) and frames[at] <= n:
            dead.add(key(at))
            at += 1
        self.at = at
        frames, flows, add = self.flow_frames, self.flows, dead.flows.add
        sides, side = self.sides, dead.sides.add
        at = self.flow_at
        pos = self.flow_pos
        while at < len(frames) and frames[at] <= n:
            x = sides[at]
            w = 36 if x & WIDE else 12
            flow = flows[pos: pos + w]
            pos += w
            add(flow)
            if x & 3:  # (a side whose last stream this is: its wildcard entries)
                if x & SIDE_LOW:
                    side(flow[:6] + flow[6:10])
                if x & SIDE_HIGH:
                    side(flow[6:] + flow[:4])
            at += 1
        self.flow_at = at
        self.flow_pos = pos
        if len(dead) >= SWEEP_AT:
            release(session, dead)
        return self.next_due()


def eligible(opts: Any, path: str, taps: Any) -> bool:
    """Not for taps or statistics (they read tables at the end), -2 (its second pass
    reads the first's), -c (the walk would cost more than the run), Decode-As or export
    objects; not for stdin; a file of `MIN_BYTES` or more unless forced."""
    env = os.environ.get("LABSHARK_RELEASE")
    if env == "0" or taps or path == "-" or os.environ.get("LABSHARK_DISSECT_ALL"):
        return False
    if opts.two_pass or opts.count or opts.export_objects or opts.decode_as \
            or getattr(opts, "stats", None):
        return False
    if env == "1":
        return True
    try:
        return os.path.getsize(path) >= MIN_BYTES
    except OSError:
        return False


def worth_walking(plan: Any) -> bool:
    """No plan (every frame dissected), or a plan that dissects a quarter of the frames or
    more (unless LABSHARK_RELEASE=1 forces the walk)."""
    if plan is None or os.environ.get("LABSHARK_RELEASE") == "1":
        return True
    needed = plan.needed
    return needed.count(1) * 4 >= len(needed) - 1


#: An IPv4 header from its start: version/length, flags+offset, protocol, addresses, the
#: first 4 bytes after a 20-byte header (UDP's ports, ICMP's type and code).
_IP4: Final = struct.Struct(">B5xHxB2xIIHH").unpack_from
_U16: Final = struct.Struct(">H").unpack_from
_PORTS: Final = struct.Struct(">HH").unpack_from
#: The sides of a UDP stream (`Schedule.sides`): (address, port, other address) of the
#: lower end, and of the higher. A TFTP transfer's wildcard entry is keyed by its
#: client's side and looked up by every stream of that side (tshark 4.0 matches it to
#: any server port), so it dies with the side's last stream.
SIDE_LOW: Final = 1
SIDE_HIGH: Final = 2
#: `Schedule.sides`' flag of a stream whose key is IPv6's (36 bytes)
WIDE: Final = 4
#: the bit marking an IPv6 stream's `udp_flow` (its 288-bit key below: address and
#: port, twice); an IPv4 one is below 1 << 96
V6: Final = 1 << 288
#: datagrams whose first fragment `udp_flow` holds at most (past them: COARSE)
FRAGS_MAX: Final = 1 << 12
#: udp_flow's answer for a frame whose UDP lookups the walk cannot tell (its pair's
#: streams are dropped with the pair, not before)
COARSE: Final = -1


def head_flow(h: bytes) -> int:
    """`udp_flow` of a UDP frame whose skipping.plain_head is `h` (the common case: the
    planning walk reads it once for both)."""
    x: int
    y: int
    if INTERPRETED:  # (one struct unpack: interpreted, cheaper than twelve byte reads)
        a, c, sp, dp = HEAD_ADDRS(h, 14)
        x, y = a << 16 | sp, c << 16 | dp
    else:
        x = (h[14] << 24 | h[15] << 16 | h[16] << 8 | h[17]) << 16 | h[22] << 8 | h[23]
        y = (h[18] << 24 | h[19] << 16 | h[20] << 8 | h[21]) << 16 | h[24] << 8 | h[25]
    return x << 48 | y if x <= y else y << 48 | x


def udp_flow(b: Any, s: int, e: int, frags: dict[int, int] | None = None) -> int | None:
    """The UDP stream key (udp.stream_key, as a number: address and port, twice, the
    lower first; an IPv6 one `V6` set, `_IP6_FLOW` bits) of an Ethernet (802.1Q tags too)
    IPv4 or IPv6 UDP frame, or of the UDP header an IPv4 ICMP error quotes; None for such
    a frame that looks up no UDP stream; `COARSE` for anything else. With `frags` (the
    walk's, kept across its frames), an IPv4 fragment of a UDP datagram is placed too:
    `_fragment`."""
    # (typed: compiled, the header's values are native ints, not boxed objects)
    vhl: int
    frag: int
    proto: int
    a: int
    c: int
    sp: int
    dp: int
    h = plain_head(b, s, e)  # (the common case: untagged, no options)
    if h is not None and h[11] == 17:
        return head_flow(h)
    off = s + 12
    if e - off < 2:
        return COARSE
    etype = _U16(b, off)[0]
    while etype == 0x8100 or etype == 0x9100:
        if e - off < 6:
            return COARSE
        off += 4
        etype = _U16(b, off)[0]
    off += 2
    if etype == 0x86DD:
        return _ip6_flow(b, off, e)
    if etype != 0x0800 or e - off < 24:
        return COARSE
    vhl, frag, proto, a, c, sp, dp = _IP4(b, off)
    if vhl >> 4 != 4 or vhl & 0x0F < 5:
        return COARSE
    if frag & 0x3FFF:
        return _fragment(b, off, e, frag, proto, a, c, frags)
    if vhl != 0x45:  # options: the ports past them
        hlen = (vhl & 0x0F) * 4
        if proto != 17:
            return COARSE if proto == 1 else None
        if e - off < hlen + 4:
            return COARSE
        sp, dp = _PORTS(b, off + hlen)
    elif proto == 1 and sp >> 8 in ICMP_QUOTING:
        # an error quoting a header looks up the quoted UDP stream (state_key's group
        # is the quoted pair's)
        inner = off + 28
        if e - inner < 24:
            return COARSE
        vhl, frag, proto, a, c, sp, dp = _IP4(b, inner)
        if vhl != 0x45 or frag & 0x3FFF or proto != 17:
            return COARSE
    elif proto != 17:
        return None
    x, y = a << 16 | sp, c << 16 | dp
    return x << 48 | y if x <= y else y << 48 | x


def _fragment(b: Any, off: int, e: int, frag: int, proto: int, a: int, c: int,
              frags: dict[int, int] | None) -> int | None:
    """A fragment's UDP stream: its datagram's, read from the first fragment (the one
    holding the UDP header) and noted in `frags` by the datagram's (source, destination,
    id) until its last fragment. Every fragment of the datagram is given the stream (the
    one completing the reassembly looks it up; the others do no harm: a stream's last
    frame placed later only keeps it longer). `COARSE` whenever the walk cannot be sure:
    no `frags`, a later fragment before its first or after its last, a first fragment
    while one of the same key waits (a reused id), or too many datagrams waiting."""
    if proto != 17:
        return None  # (TCP's or another protocol's: no UDP lookup)
    if frags is None:
        return COARSE
    key = (a << 32 | c) << 16 | _U16(b, off + 4)[0]
    if frag & 0x1FFF == 0:  # the first fragment: more follow
        hlen = (b[off] & 0x0F) * 4
        if key in frags or e - off < hlen + 4 or len(frags) >= FRAGS_MAX:
            return COARSE
        sp, dp = _PORTS(b, off + hlen)
        x, y = a << 16 | sp, c << 16 | dp
        flow = x << 48 | y if x <= y else y << 48 | x
        frags[key] = flow
        return flow
    flow = frags.get(key)
    if flow is None:
        return COARSE
    if not frag & 0x2000:  # the last fragment
        del frags[key]
    return flow


def _ip6_flow(b: Any, off: int, e: int) -> int | None:
    """`udp_flow` of the IPv6 packet at `off`, its extension headers walked by
    ipv6.upper_layer, as skipping.state_key walks them (any other's frame has no
    group)."""
    up = upper_layer(b, off, e)
    if up < 0:
        return COARSE
    if up & 0xFF != 17:  # (a header state_key gives a group looks up no UDP stream)
        return None
    l4 = up >> 8
    if e - l4 < 4:
        return COARSE
    sp, dp = _PORTS(b, l4)
    x = int.from_bytes(b[off + 8: off + 24], "big") << 16 | sp
    y = int.from_bytes(b[off + 24: off + 40], "big") << 16 | dp
    return V6 | (x << 144 | y if x <= y else y << 144 | x)


class Spilled:
    """UDP streams the planning walk moved out of its dict (`spill`): each key's bytes
    (12 for IPv4, 36 for IPv6: `WIDE`) and its last frame << 32 | its group, as the
    dict held them then. A stream seen again after its spill is in the dict again (and
    maybe spilled again): `schedule_from` keeps each key's latest."""

    __slots__ = ("keys", "keys6", "values", "values6")

    def __init__(self) -> None:
        self.keys = bytearray()
        self.keys6 = bytearray()
        self.values = array("Q")
        self.values6 = array("Q")

    def __len__(self) -> int:
        return len(self.values) + len(self.values6)


def spill(flows: dict[int, int], idle: int, out: Spilled) -> None:
    """Move the streams of `flows` last seen before frame `idle` into `out`; the dict
    is made anew (an emptied dict keeps its table)."""
    kept: dict[int, int] = {}
    keys, keys6, values, values6 = out.keys, out.keys6, out.values, out.values6
    for flow, fg in flows.items():
        if fg >> 32 >= idle:
            kept[flow] = fg
        elif flow >= V6:
            keys6 += (flow ^ V6).to_bytes(36, "big")
            values6.append(fg)
        else:
            keys += flow.to_bytes(12, "big")
            values.append(fg)
    flows.clear()
    flows.update(kept)


def schedule_from(groups: Any, roots: list[int], end: dict[int, int], count: int,
                  flows: dict[int, int], coarse: set[int],
                  spilled: Spilled | None = None) -> Schedule:
    """The schedule of a walk's `groups` (closure.Groups, joined; `roots` each group's
    root), `end` each root's last frame, `count` the frames walked, `flows` each UDP
    stream's last frame << 32 | its group (and `spilled`, those moved out on the way)
    and the `coarse` groups (`udp_flow`). (`groups`' key table is emptied once read.)"""
    size = Counter(roots)
    floor = max(groups.any_frames, default=0)
    # (a group alone in its root is that root: roots[g] == g; sorted by its last frame,
    # ties in the key table's order: the groups' own int objects and their keys by
    # group, not a (frame, key) tuple each beside the key table)
    due: list[int] = []
    by_group: list[object] = [None] * len(roots)
    for key, g in groups.ids.items():
        if size[roots[g]] == 1 and type(key) is not str and g in end \
                and floor < end[g] < count:
            due.append(g)
            by_group[g] = key
    due.sort(key=end.__getitem__)
    # (the keys marshalled now and the walk's key table emptied: ~200 bytes a group,
    # freed before the streams' ints are made)
    schedule = Schedule(array("I", map(end.__getitem__, due)), map(by_group.__getitem__, due),
                        array("I"), b"")
    del due, by_group, size
    groups.ids.clear()
    # A UDP stream of a pair whose frames the walk can all tell (`udp_flow`, IPv4 or
    # IPv6) dies with its own last frame, before the pair's: its lookups are by its own
    # key only, also in a pair joined to others (IPMSG's), whose group lives on (`flows` holds every stream of
    # such a pair: closure._plan notes the IPMSG frames' too).
    # Each stream as one int (`_STREAM`; `flows` emptied on the way): no tables beside;
    # a coarse group's marked (bit 0) until each key's latest is known (`_latest`).
    # An IPv6 stream (`V6`) has no sides released: its key's frame above it instead.
    streams: list[int] = []
    wide: list[int] = []
    if spilled is not None:
        keys, values = spilled.keys, spilled.values
        for i in range(len(values)):
            fg = values[i]
            streams.append(_stream(int.from_bytes(keys[i * 12: i * 12 + 12], "big"), fg,
                                   roots, end, floor, coarse))
        keys, values = spilled.keys6, spilled.values6
        for i in range(len(values)):
            fg = values[i]
            wide.append(_stream6(int.from_bytes(keys[i * 36: i * 36 + 36], "big"), fg,
                                 roots, end, floor, coarse))
        del keys, values
        spilled.keys, spilled.keys6 = bytearray(), bytearray()  # (its bytes freed)
        spilled.values, spilled.values6 = array("Q"), array("Q")
    take = flows.popitem
    for _ in range(len(flows)):
        flow, fg = take()
        if flow >= V6:
            wide.append(_stream6(flow ^ V6, fg, roots, end, floor, coarse))
        else:
            streams.append(_stream(flow, fg, roots, end, floor, coarse))
    flows.clear()  # (emptied by popitem, its table is still allocated until cleared)
    streams.sort()
    _latest(streams, _AT)
    wide.sort()
    _latest(wide, 34)
    # wide's entries key first: now frame first, only those released
    for i, x in enumerate(wide):
        wide[i] = (x >> 2 & 0xFFFFFFFF) << 288 | x >> 34 if x & 2 else 0
    wide.sort()
    del wide[:bisect_right(wide, 0)]
    # A side (address, port, other address) is looked up by each of its streams: it dies
    # with the one that ends last (a side whose last stream ends with its pair, or before
    # `floor`, is not released here). The lower ends' sides, then the higher's.
    _mark_last(streams, SIDE_LOW)
    _swap_ends(streams)
    _mark_last(streams, SIDE_HIGH)
    for i, x in enumerate(streams):  # (in place: frame, sides, key; 0 for not released)
        streams[i] = ((x >> 3 & 0xFFFFFFFF) << 98 | (x & 3) << 96
                      | (x >> _AT & _END) << 48 | x >> _AT + 48) if x & 4 else 0
    streams.sort()
    del streams[:bisect_right(streams, 0)]
    # (the two lists merged by frame, each entry freed once copied: the keys' bytes
    # take the ints' place instead of adding to them)
    frames = array("I")
    keys_out = bytearray()
    sides = bytearray()
    i = j = 0
    while i < len(streams) or j < len(wide):
        if j == len(wide) or i < len(streams) and streams[i] >> 98 <= wide[j] >> 288:
            x = streams[i]
            streams[i] = 0
            i += 1
            frames.append(x >> 98)
            keys_out += (x & _KEY).to_bytes(12, "big")
            sides.append(x >> 96 & 3)
        else:
            x = wide[j]
            wide[j] = 0
            j += 1
            frames.append(x >> 288)
            keys_out += (x & _KEY6).to_bytes(36, "big")
            sides.append(WIDE)
    del streams, wide
    schedule.flow_frames = frames
    schedule.flows = bytes(keys_out)
    schedule.sides = bytes(sides)
    return schedule


def _stream(flow: int, fg: int, roots: list[int], end: dict[int, int], floor: int,
            coarse: set[int]) -> int:
    """An IPv4 stream's int (`_AT`): its key, last frame, whether released (bit 2);
    bit 0 marks a coarse group's (dropped by `_latest`)."""
    g = fg & 0xFFFFFFFF
    n = fg >> 32
    if g in coarse:
        return flow << _AT | n << 3 | 1
    return flow << _AT | n << 3 | (floor < n < end[roots[g]]) << 2


def _stream6(flow: int, fg: int, roots: list[int], end: dict[int, int], floor: int,
             coarse: set[int]) -> int:
    """An IPv6 stream's int, key first (`flow` without `V6`): key << 34, last frame << 2,
    whether released (bit 1), a coarse group's (bit 0)."""
    g = fg & 0xFFFFFFFF
    n = fg >> 32
    if g in coarse:
        return flow << 34 | n << 2 | 1
    return flow << 34 | n << 2 | (floor < n < end[roots[g]]) << 1


def _latest(streams: list[int], at: int) -> None:
    """(sorted, in place) each key's latest entry alone (the same key twice: spilled
    and seen again), then a coarse group's dropped (as the walk's dict keeping only the
    latest would have them)."""
    out = 0
    count = len(streams)
    for i in range(count):
        x = streams[i]
        if i + 1 < count and streams[i + 1] >> at == x >> at:
            continue  # (a later entry of the same key follows)
        if not x & 1:
            streams[out] = x
            out += 1
    del streams[out:]


#: `schedule_from`'s stream ints: its 96-bit key (one end's address and port, the
#: other's) above bit `_AT`, then its last frame (32 bits), whether it is released
#: (bit 2), and its sides' flags (bits 0-1)
_AT = 35
_END = (1 << 48) - 1
_KEY = (1 << 96) - 1
_KEY6 = (1 << 288) - 1


def _mark_last(streams: list[int], flag: int) -> None:
    """Flag each side's stream that ends last (sides by the upper end of the key: sorted,
    a side's streams are next to each other)."""
    streams.sort()
    best = side = -1
    top = 0
    for i, x in enumerate(streams):
        s = x >> _AT + 16
        if s != side:
            if best >= 0:
                streams[best] |= flag
            side, best, top = s, i, x >> 3 & 0xFFFFFFFF
        elif x >> 3 & 0xFFFFFFFF > top:
            best, top = i, x >> 3 & 0xFFFFFFFF
    if best >= 0:
        streams[best] |= flag


def _swap_ends(streams: list[int]) -> None:
    """(in place: each key's two ends swapped, the higher end's side now upper)"""
    low = (1 << _AT) - 1
    for i, x in enumerate(streams):
        streams[i] = (x >> _AT & _END) << _AT + 48 | (x >> _AT + 48) << _AT | x & low


__all__ = ["Schedule", "Spilled", "spill", "schedule_from", "udp_flow", "head_flow", "COARSE", "SIDE_LOW", "SIDE_HIGH",
           "WIDE", "V6", "FRAGS_MAX",
           "eligible", "worth_walking",
           "MIN_BYTES"]
