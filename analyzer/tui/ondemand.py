"""A frame's detail tree built when it is selected: the first pass is tree-less.

The first pass (worker.py) dissects every frame tree-less, as `analyze`'s list does, and
records per frame what rebuilding its tree needs: its record's offset (store.py), its
group (analyzer/closure.py's state groups: the TCP connection, the address pair, ARP,
IPMSG; which frames may touch any state) and the capture-wide stream counters before it
(TCP, UDP). A frame's dissection reads state only its group's earlier frames wrote
(dissectors/skipping.py's `state_key`), and the numbers it shares with the rest of the
capture are those counters and the first and previous frame times. So the tree of
frame N is: a fresh Session, the group's earlier frames (and every frame up to the last
"any state" frame before N) dissected tree-less in order, each with the counters and
times the first pass saw set first, then N with its tree: the tree `analyze -V` prints
for N (tests/test_tui_ondemand.py holds every frame of several captures to it).

Cost: the group's frames before N (~0.1 ms each tree-less). A later frame of the same
group continues the last build's session; frames in order (find in the details) continue
a whole-capture session; the last trees built are cached.
"""

from __future__ import annotations

import bisect
import os
import struct
import threading
from array import array
from collections import OrderedDict
from itertools import repeat
from typing import Any

from analyzer.closure import Groups, group_root

ANY_GROUP = -1  # a frame's group id when it has none (NONE, ANY)
CACHE = 64  # trees kept
QUICK = 3000  # frames a tree built on the view's thread may need (~0.3 s); more: a thread
_NOTHING: frozenset[str] = frozenset()


class LoggedGroups(Groups):
    """closure.Groups for a pass that hands its groups on as it goes: a TCP connection
    of a pair with a TCP_ALL frame is joined when either is seen (closure joins them at
    the end: the same groups once the pass is over), and every union is logged for the
    view to replay."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[int, int]] = []

    def union(self, a: int, b: int) -> None:
        self.log.append((a, b))
        super().union(a, b)

    def add(self, n: int, key: Any) -> int:
        if type(key) is tuple:
            pair = key[0]
            if type(key[1]) is int:  # a TCP connection
                new = key not in self.ids
                g = super().add(n, key)
                if new and pair in self.tcp_all:
                    self.union(g, self.ids[pair])
                return g
            if len(key) > 2 and pair not in self.tcp_all:  # the pair's first TCP_ALL
                g = super().add(n, key)
                for c in self.conns.get(pair, ()):
                    self.union(c, g)
                return g
        return super().add(n, key)


class Recorder:
    """The worker's side: per frame its group and the stream counters before it."""

    def __init__(self) -> None:
        self.groups = LoggedGroups()
        self.sent_groups = 2  # (ARP's and IPMSG's exist from the start)
        self.gids = array("i")
        self.tcpc = array("I")
        self.udpc = array("I")
        self.any_from = 0  # any_frames already sent

    def frame(self, frame: Any, session: Any) -> None:
        """Before `frame`'s dissection (the counters it starts from)."""
        from dissectors.skipping import ANY, state_key

        st = session._state
        tcp = st.get("tcp.streams")
        udp = st.get("udp.streams")
        self.tcpc.append(tcp.count if tcp is not None else 0)
        self.udpc.append(len(udp.first) if udp is not None else 0)
        # (bytes: the compiled state_key takes bytes or the mapped file, not a view)
        key = state_key(bytes(frame.data), 0, frame.caplen) if frame.linktype == 1 \
            and not frame.secrets else ANY
        self.gids.append(self.groups.add(frame.number, key))

    def batch(self) -> tuple[Any, ...]:
        """What the view needs of the frames since the last batch (and clears it)."""
        g = self.groups
        out = (self.gids[:], self.tcpc[:], self.udpc[:], len(g.parent), g.log[:],
               g.any_frames[self.any_from:])
        del self.gids[:], self.tcpc[:], self.udpc[:]
        g.log.clear()
        self.any_from = len(g.any_frames)
        return out


class Deps:
    """The view's side: what the first pass recorded, and the frames a frame needs."""

    def __init__(self) -> None:
        self.gid = array("i")
        self.tcpc = array("I")
        self.udpc = array("I")
        self.parent = array("i", [0, 1])
        self.any = array("I")
        self.members: list[array] = [array("I"), array("I")]  # per group id: its frames
        self._ids: dict[int, list[int]] = {}  # root -> its group ids (till groups change)
        self._lock = threading.Lock()

    def extend(self, first: int, extra: tuple[Any, ...]) -> None:
        """Frames from number `first` on (a worker's batch: Recorder.batch)."""
        gids, tcpc, udpc, ngroups, unions, anys = extra
        with self._lock:
            if unions or ngroups > len(self.parent):
                self._ids = {}
            for g in range(len(self.parent), ngroups):
                self.parent.append(g)
                self.members.append(array("I"))
            for a, b in unions:
                a, b = self.root(a), self.root(b)
                if a != b:
                    self.parent[a] = b
            members = self.members
            for n, g in enumerate(gids, first):
                if g >= 0:
                    members[g].append(n)
            self.any.extend(anys)
            self.tcpc.extend(tcpc)
            self.udpc.extend(udpc)
            self.gid.extend(gids)  # last: its length is how many frames are known

    def __len__(self) -> int:
        return len(self.gid)

    def root(self, g: int) -> int:
        return group_root(self.parent, g)

    def floor(self, n: int) -> int:
        """The last frame up to `n` that may touch any state (0: none): every frame
        before it is needed."""
        i = bisect.bisect_right(self.any, n)
        return self.any[i - 1] if i else 0

    def group_of(self, n: int) -> int:
        g = self.gid[n - 1]
        return self.root(g) if g >= 0 else ANY_GROUP

    def group_frames(self, root: int, after: int, upto: int) -> list[int]:
        """The frames of group `root` in (after, upto], ascending."""
        if root == ANY_GROUP:
            return []
        with self._lock:
            ids = self._ids.get(root)
            if ids is None:
                ids = self._ids[root] = [g for g in range(len(self.parent))
                                         if self.root(g) == root]
            out: list[int] = []
            for g in ids:
                m = self.members[g]
                out.extend(m[bisect.bisect_right(m, after):bisect.bisect_right(m, upto)])
        out.sort()
        return out


class _Built:
    """A Session and how far it went: `upto` (the last frame dissected), and for a group
    build its group and floor (None: every frame in order, a whole-capture session)."""

    __slots__ = ("session", "upto", "group", "floor")

    def __init__(self, session: Any, upto: int, group: int | None, floor: int) -> None:
        self.session, self.upto, self.group, self.floor = session, upto, group, floor


class TreeBuilder:
    """Frame `n`'s Packet with its tree, from a classic pcap file read at the records'
    offsets (the capture, or a pipe's copy), as the first pass left the dissection state."""

    def __init__(self, store: Any, deps: Deps, path: str) -> None:
        self.store = store
        self.deps = deps
        self.path = path
        self._fd = -1
        self._head: tuple[Any, int, int, int] | None = None  # (unpack, mult, digits, link)
        self._lock = threading.Lock()
        self._cache: OrderedDict[int, Any] = OrderedDict()
        self._group: _Built | None = None
        self._seq: _Built | None = None
        self.last_cost = 0  # frames dissected for the last tree built (bench, tests)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def cached(self, n: int) -> bool:
        return n in self._cache

    def quick(self, n: int, most: int | None = None) -> bool:
        """Whether frame n's tree comes at once (cached, or at most `most` frames to
        dissect, and no other build under way): else the view builds it on a thread."""
        if n in self._cache:
            return True
        if not self._lock.acquire(blocking=False):
            return False
        try:
            return len(self.plan(n)[0]) < (QUICK if most is None else most)
        finally:
            self._lock.release()

    def packet(self, n: int) -> Any:
        """Frame `n`'s Packet with its full tree (OSError: the file changed since)."""
        with self._lock:
            pkt = self._cache.get(n)
            if pkt is not None:
                self._cache.move_to_end(n)
                self.last_cost = 0
                return pkt
            pkt = self._build(n)
            self._cache[n] = pkt
            if len(self._cache) > CACHE:
                self._cache.popitem(last=False)
            return pkt

    def plan(self, n: int) -> tuple[list[int], _Built | None]:
        """The frames to dissect before `n` and the session to continue (None: fresh),
        the cheapest of: the last group build, the whole-capture one, a fresh one."""
        deps = self.deps
        floor = deps.floor(n)
        group = deps.group_of(n)
        grp, seq = self._group, self._seq
        if grp is not None and grp.upto < n and grp.group == group and group != ANY_GROUP \
                and grp.floor == floor:
            return deps.group_frames(group, grp.upto, n - 1), grp
        fresh = [*range(1, floor + 1), *deps.group_frames(group, floor, n - 1)]
        if seq is not None and seq.upto < n and n - 1 - seq.upto <= len(fresh):
            return list(range(seq.upto + 1, n)), seq
        if len(fresh) >= n - 1 - (n - 1) // 8:  # (near every frame: in order, reusable)
            return list(range(1, n)), None
        return fresh, None

    def _build(self, n: int) -> Any:
        from dissectors import Session

        before, built = self.plan(n)
        whole = len(before) == n - 1 and (built is None or built.group is None)
        if built is None:
            session = Session()
            session.first_ts = self.store.ts[0]
            built = _Built(session, 0, None if whole else self.deps.group_of(n),
                           self.deps.floor(n))
        self.last_cost = len(before) + 1
        for k in before:
            self._dissect(k, built.session, _NOTHING)
        pkt = self._dissect(n, built.session, None)
        built.upto = n
        if built.group is None:
            self._seq = built
        else:
            self._group = built
        self._mark_displayed(pkt)
        return pkt

    def _dissect(self, k: int, session: Any, wanted: Any) -> Any:
        """Frame k dissected on `session` with the counters and times the first pass
        had before it."""
        from dissectors import dissect
        from dissectors.tcp_stream import TcpStreams
        from dissectors.udp import UdpStreams

        deps, ts = self.deps, self.store.ts
        session.prev_ts = ts[k - 2] if k > 1 else None
        session.state("tcp.streams", TcpStreams).count = deps.tcpc[k - 1]
        udp = session.state("udp.streams", UdpStreams)
        want = deps.udpc[k - 1]
        if len(udp.first) < want:  # (streams of other groups: indices only)
            udp.first.extend(repeat(0, want - len(udp.first)))
            udp.last.extend(repeat(0, want - len(udp.last)))
        return dissect(self._frame(k), session, wanted)

    def _frame(self, k: int) -> Any:
        from captures.frame import Frame

        if self._fd < 0:
            self._fd = os.open(self.path, os.O_RDONLY)
            head = os.pread(self._fd, 24, 0)
            from captures.pcap import MAGICS

            endian, nano = MAGICS[head[:4]]
            link = struct.unpack_from(endian + "I", head, 20)[0] & 0x0FFFFFFF
            self._head = (struct.Struct(endian + "IIII").unpack_from, 1 if nano else 1000,
                          9 if nano else 6, link)
        unpack, mult, digits, link = self._head  # type: ignore[misc]
        off = self.store.record_offset(k)
        rec = os.pread(self._fd, 16, off)
        if len(rec) == 16:
            sec, frac, caplen, origlen = unpack(rec)
            ts = sec * 1_000_000_000 + frac * mult
            data = os.pread(self._fd, caplen, off + 16) if ts == self.store.ts[k - 1] \
                and caplen <= 0x7FFFFFF else b"\0"
            if len(data) == caplen:  # (and its time the first pass's: the same record)
                return Frame(k, ts, digits, caplen, origlen, link, 0, data, off)
        raise OSError(f"frame {k} is no longer where it was: the capture file changed "
                      "after it was read")

    def _mark_displayed(self, pkt: Any) -> None:
        """frame.time_delta_displayed as the first pass's filter left it (mark_displayed)."""
        shown = self.store.first_shown
        if shown is None:
            return
        n = pkt.frame.number
        i = bisect.bisect_left(shown, n)
        if i >= len(shown) or shown[i] != n:
            return  # (not shown: as dissected)
        from analyzer.pipeline import mark_displayed

        mark_displayed(pkt, self.store.ts[shown[i - 1] - 1] if i else None)


def eligible(job: dict[str, Any], reader: Any) -> bool:
    """Whether the first pass may go tree-less: a classic pcap file without FCS, read
    again at the records' offsets (the file, or a pipe's copy), no -2 and no Decode-As
    (the groups follow the default dissection), and not turned off
    (LABSHARK_TUI_TREES=spill: the in-order pass spills every tree, as before)."""
    if job.get("trees", os.environ.get("LABSHARK_TUI_TREES", "")) == "spill":
        return False
    if job.get("two_pass") or job.get("decode_as"):
        return False
    if getattr(reader, "format", "") != "pcap" or getattr(reader, "compressed", True):
        return False
    ifaces = getattr(reader, "interfaces", None) or getattr(
        getattr(reader, "_parser", None), "interfaces", None)
    return bool(ifaces) and getattr(ifaces[0], "fcs_len", None) is None


def wanted_fields(filter_text: str | None, rules: list[Any]) -> frozenset[str] | None:
    """The fields the first pass's rows need: the filter's and the colour rules'
    (None: one reads the tree, dissect with it)."""
    from filters import compile_filter

    wanted: set[str] = set()
    for text in ([filter_text] if filter_text else []) + [r.filter for r in rules]:
        fields = compile_filter(text).fields
        if fields is None:
            return None
        wanted |= fields
    return frozenset(wanted)


__all__ = ["Recorder", "Deps", "TreeBuilder", "LoggedGroups", "eligible", "wanted_fields"]
