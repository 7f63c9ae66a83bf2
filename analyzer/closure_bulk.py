"""A plan's groups computed in bulk (numpy), for captures of many records.

Per frame, the plan (analyzer/closure.py) needs the frame's state group; in pure Python
that walk costs more than deciding the filter. Here the common frames' keys come from
one vectorised read of their headers (`skipping.common_keys`), the rare others from
`state_key` one by one, and the frames each shown one depends on are marked with array
operations. The result is the scalar plan's, group for group (tests/test_closure.py).
"""

from __future__ import annotations

from array import array
from typing import Any

import numpy as np

from dissectors.skipping import common_keys, state_key

#: Frames whose headers are read in one gather (bounds the temporary arrays: ~16 MB).
CHUNK = 1 << 16


def bulk_plan(mm: Any, starts: array, caplens: array, shown: Any,
              groups: Any) -> tuple[bytearray, array, int]:
    """(needed, each frame's group root or -1, floor) for the records at `starts`
    (ascending frame numbers from 1) given the `shown` frame numbers; `groups` is an
    empty closure.Groups that interns the keys."""
    buf = np.frombuffer(mm, dtype=np.uint8)
    s_all = np.frombuffer(starts, dtype=np.int64)
    c_all = np.frombuffer(caplens, dtype=np.int64)
    count = len(s_all)
    ok = np.empty(count, dtype=bool)
    pair = np.empty(count, dtype=np.uint64)
    ports = np.empty(count, dtype=np.int64)
    for i in range(0, count, CHUNK):
        j = min(count, i + CHUNK)
        ok[i:j], pair[i:j], ports[i:j] = common_keys(buf, s_all[i:j], c_all[i:j])

    # The common frames: one group per distinct (pair, ports), interned as state_key's
    # keys so that the rare frames below meet them in the same groups.
    common = np.flatnonzero(ok)
    keys = np.empty(len(common), dtype=[("pair", np.uint64), ("ports", np.int64)])
    keys["pair"] = pair[common]
    keys["ports"] = ports[common]
    uniq, inverse = np.unique(keys, return_inverse=True)
    gid_of_uniq = np.empty(len(uniq), dtype=np.int64)
    conns = groups.conns
    for i, (p, q) in enumerate(uniq.tolist()):
        if q < 0:
            gid_of_uniq[i] = groups.intern(p)
        else:
            key = (p, q)
            gid_of_uniq[i] = g = groups.intern(key)
            conns.setdefault(p, []).append(g)
    gids = np.full(count + 1, -1, dtype=np.int64)  # index = frame number
    gids[common + 1] = gid_of_uniq[inverse.reshape(-1)]

    group_of = groups.add
    for i in np.flatnonzero(~ok).tolist():
        s = starts[i]
        gids[i + 1] = group_of(i + 1, state_key(mm, s, s + caplens[i]))
    groups.join_connections()

    roots = np.asarray(groups.roots(), dtype=np.int64)
    has = gids >= 0
    gids[has] = roots[gids[has]]
    shown_np = np.asarray(shown, dtype=np.int64)
    shown_np = shown_np[shown_np <= count]
    needed = np.zeros(count + 1, dtype=np.uint8)
    needed[shown_np] = 1
    top = int(shown_np.max()) if len(shown_np) else 0
    anys = np.frombuffer(groups.any_frames, dtype=np.uint32) if groups.any_frames \
        else np.zeros(0, dtype=np.uint32)
    before = anys[anys <= top]
    floor = int(before.max()) if len(before) else 0
    needed[1: floor + 1] = 1
    last = np.zeros(len(roots), dtype=np.int64)  # per root: its last shown frame
    grouped = shown_np[gids[shown_np] >= 0]
    np.maximum.at(last, gids[grouped], grouped)
    frames = np.arange(floor + 1, top + 1)
    g = gids[floor + 1: top + 1]
    mine = (g >= 0) & (frames <= last[np.maximum(g, 0)])
    needed[floor + 1: top + 1] |= mine.astype(np.uint8)
    return bytearray(needed.tobytes()), array("i", gids.astype(np.int32).tobytes()), floor


__all__ = ["bulk_plan", "CHUNK"]
