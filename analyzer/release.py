"""When each conversation's state may be dropped: after its last frame.

A cheap walk over the records (the same `state_key` groups analyzer/closure.py plans
with) finds each group's last frame. The packet loop hands the group to
dissectors/releasing.py once that frame is done; nothing later reads its state, so
memory stays bounded by the conversations open at once, not by the capture's length.
Only groups of one key (an address pair or a TCP connection) are released, and only
after the last frame that may touch any state. LABSHARK_RELEASE=0 turns it off, =1 on
for any file (by default only files of `MIN_BYTES` or more: smaller ones stay small).
"""

from __future__ import annotations

import marshal
import os
import struct
from array import array
from itertools import accumulate
from typing import Any

from captures.records import record_walker
from dissectors.icmp import QUOTING_TYPES as ICMP_QUOTING
from dissectors.releasing import SWEEP_AT, Dead, release
from dissectors.session import Session
from dissectors.skipping import state_key

#: the smallest file worth the walk (about 80,000 packets of the lab captures)
MIN_BYTES = 16 << 20


class Schedule:
    """Keys by the frame after which they are dead, consumed as the loop passes them:
    group keys (`frames` ascending, the keys in the same order, each marshalled into
    `packed`, ending at `ends[i]`) and UDP streams (`flow_frames` ascending, their 12-byte
    keys one after another in `flows`: a capture has many). Kept as bytes, not objects:
    the tens of thousands of key tuples would pin the walk's freed memory (and every
    page a forked half touches is its own copy)."""

    __slots__ = ("frames", "packed", "ends", "flow_frames", "flows", "at", "flow_at", "dead")

    def __init__(self, frames: array, keys: list[object], flow_frames: array,
                 flows: bytes) -> None:
        self.frames = frames
        dumps = marshal.dumps
        parts = [dumps(k) for k in keys]
        self.ends = array("I", accumulate(map(len, parts)))
        self.packed = b"".join(parts)
        self.flow_frames = flow_frames
        self.flows = flows
        self.at = self.flow_at = 0
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

    def entries(self) -> list[tuple[int, object]]:
        """(frame, key) of every key not yet dead, in frame order (groups first)."""
        flows = self.flows
        keys = [self.key(i) for i in range(self.at, len(self.frames))]
        return sorted(list(zip(self.frames[self.at:], keys, strict=True)) +
                      [(f, flows[12 * i: 12 * i + 12])
                       for i, f in enumerate(self.flow_frames) if i >= self.flow_at],
                      key=_frame)

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
        at = self.flow_at
        while at < len(frames) and frames[at] <= n:
            add(flows[12 * at: 12 * at + 12])
            at += 1
        self.flow_at = at
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


def schedule_for(opts: Any, path: str, taps: Any = None, plan: Any = None) -> Schedule | None:
    """The release schedule of `path`, or None (keep everything). Not when a filter's
    plan dissects fewer than a quarter of the frames: their state stays small, and the
    walk (~3 s of CPU at 1M frames) would cost more than it saves."""
    if not eligible(opts, path, taps) or not worth_walking(plan):
        return None
    from analyzer.fast_run import map_file

    mm = map_file(path)
    if mm is None:
        return None
    try:
        records = record_walker(mm)
        if records is None:
            return None
        return _schedule(mm, records)
    finally:
        mm.close()


def worth_walking(plan: Any) -> bool:
    """No plan (every frame dissected), or a plan that dissects a quarter of the frames or
    more (unless LABSHARK_RELEASE=1 forces the walk)."""
    if plan is None or os.environ.get("LABSHARK_RELEASE") == "1":
        return True
    needed = plan.needed
    return needed.count(1) * 4 >= len(needed) - 1


#: An IPv4 header from its start: version/length, flags+offset, protocol, addresses, the
#: first 4 bytes after a 20-byte header (UDP's ports, ICMP's type and code).
_IP4 = struct.Struct(">B5xHxB2x4s4sHH").unpack_from
_U16 = struct.Struct(">H").unpack_from
_COARSE = 0  # a pair with some frame whose UDP lookups the walk cannot tell


def _udp_flow(b: Any, s: int, e: int) -> bytes | int | None:
    """The UDP stream key (udp.stream_key) of an Ethernet (802.1Q tags too) IPv4/UDP
    frame with a plain header, or of the UDP header an ICMP error in one quotes; None for
    such a frame that looks up no UDP stream; `_COARSE` for anything else."""
    off = s + 12
    if e - off < 2:
        return _COARSE
    etype = _U16(b, off)[0]
    while etype == 0x8100 or etype == 0x9100:
        if e - off < 6:
            return _COARSE
        off += 4
        etype = _U16(b, off)[0]
    off += 2
    if etype != 0x0800 or e - off < 24:
        return _COARSE
    vhl, frag, proto, a, c, sp, dp = _IP4(b, off)
    if vhl != 0x45 or frag & 0x3FFF:
        return _COARSE
    if proto == 1 and sp >> 8 in ICMP_QUOTING:
        # an error quoting a header looks up the quoted UDP stream (state_key's group
        # is the quoted pair's)
        inner = off + 28
        if e - inner < 24:
            return _COARSE
        vhl, frag, proto, a, c, sp, dp = _IP4(b, inner)
        if vhl != 0x45 or frag & 0x3FFF or proto != 17:
            return _COARSE
    elif proto != 17:
        return None
    x, y = a + sp.to_bytes(2, "big"), c + dp.to_bytes(2, "big")
    return x + y if x <= y else y + x


def _schedule(mm: Any, records: Any) -> Schedule | None:
    from analyzer.closure import Groups

    groups = Groups()
    group_of = groups.add
    last: dict[int, int] = {}  # group -> its last frame
    flows: dict[bytes, int] = {}  # UDP stream key -> its last frame << 32 | its group
    coarse: set[int] = set()  # groups of pairs with frames the walk cannot tell
    n = 0
    for n, (s, caplen, _o, _e) in enumerate(records, 1):
        key = state_key(mm, s, s + caplen)
        g = group_of(n, key)
        if g < 0:
            continue
        last[g] = n
        if type(key) is int and g not in coarse:
            flow = _udp_flow(mm, s, s + caplen)
            if flow is _COARSE:
                coarse.add(g)
            elif flow is not None:
                flows[flow] = n << 32 | g  # type: ignore[index]
    if records.stopped:  # frames past the walk could be in any group
        return None
    groups.join_connections()
    roots = groups.roots()
    size: dict[int, int] = {}
    for r in roots:
        size[r] = size.get(r, 0) + 1
    end: dict[int, int] = {}  # root -> the group's last frame
    for g, f in last.items():
        r = roots[g]
        if f > end.get(r, 0):
            end[r] = f
    floor = max(groups.any_frames, default=0)
    due = sorted(((end[roots[g]], key) for key, g in groups.ids.items()
                  if size[roots[g]] == 1 and type(key) is not str and g in last
                  and floor < end[roots[g]] < n), key=_frame)
    # A UDP stream of a pair whose frames are all plain IPv4 dies with its own last
    # frame, before the pair's: its lookups are by its own key only. (Each one int,
    # its frame above its 96-bit key, to sort them compactly.)
    packed = [fg >> 32 << 96 | int.from_bytes(flow, "big") for flow, fg in flows.items()
              if (fg & 0xFFFFFFFF) not in coarse and size[roots[fg & 0xFFFFFFFF]] == 1
              and floor < fg >> 32 < end[roots[fg & 0xFFFFFFFF]]]
    flows.clear()
    packed.sort()
    mask = (1 << 96) - 1
    return Schedule(array("I", (f for f, _k in due)), [k for _f, k in due],
                    array("I", (x >> 96 for x in packed)),
                    b"".join((x & mask).to_bytes(12, "big") for x in packed))


def _frame(entry: tuple[int, object]) -> int:
    return entry[0]


__all__ = ["Schedule", "schedule_for", "eligible", "worth_walking", "MIN_BYTES"]
