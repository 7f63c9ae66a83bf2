"""Both cores: a plan's groups dissected in two processes, the output merged in order.

The groups of a plan (analyzer/closure.py) share no state, so each process dissects
the planned frames of its half of the groups. A light plan (the run reads no
capture-wide number) keeps where each record lies: a half reads its own records there
and no other (`HalfSource`), setting the frame times as passing over the others would
have (each frame's predecessor's time, the first frame's, the previous shown frame's,
read by place). Any other plan's half passes over every other frame with
`skipping.skip` (stream indices stay exact in both). The plan is made once, before the
fork; the whole output (no filter) gets one from `closure.plan_all`. A forked child
takes one half. The child sends its shown packets' texts through a pipe; the parent
writes them and its own in frame order while both run (analyzer/split_stream.py).
Both parts hold their stderr notes (a `matches` stopped, filters/regex.py); the parent
prints them once, after both.

Outputs: the text formats (the packet list, -V, -x, -P, `-T tabs`, `-t dd`: the other
half's shown frames still set the displayed delta) and `-T json` (the parent writes its
"[", "," and "]"). Not with colours, -w, -q, --explain-addresses; a capture the walk read
whole; a plan with no frame that may touch any state. If a part fails or its packets
do not add up, the caller's one-process run writes the output (less what was written).

LABSHARK_SPLIT=1 forces a split where it can apply, 0 forbids it; by default it splits
when another core is idle now (`_idle_core`), the output is no terminal (the plan is
made before the first line) and what both processes repeat is small beside
the dissection halved (see `worth_it`).
"""

from __future__ import annotations

import fcntl
import gc
import os
import signal
import sys
import tempfile
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import compress, repeat
from typing import Any, TextIO

from analyzer.closure import Plan, frame_mask
from analyzer.split_stream import ChildPart, Marked, Merge, Received, Skip
from captures.frame import Frame
from captures.records import RELEASE_EVERY, record_walker, release_behind

#: Planned frames below which one process is quicker than two.
SPLIT_FROM = 4000

#: Output formats a split can merge: -T name -> (before the first packet, between two,
#: after the last); each packet's text begins with the one its writer chose.
_JOINS = {"text": None, "tabs": None, "json": ("[\n", ",\n", "\n]\n")}

#: Costs in units of one planned frame's dissection for the packet list (~70 us),
#: measured with CPU seconds on the benchmark's cuts: per record, what both processes
#: repeat (a light plan read by its records' places: only the division of the plan in
#: two; passing over by the time: a light plan without them; `skipping.skip`: the
#: others) and the walk that makes a plan for a run without a filter (closure.plan_all,
#: only for the split); per shown packet, the merge's copy; a -V or JSON packet's
#: dissection.
_REPEAT_PLACED, _REPEAT_LIGHT, _REPEAT_SKIP = 0.005, 0.025, 0.1
_WALK, _MERGE, _HEAVY = 0.04, 0.02, 5

def wanted(opts: Any, out: TextIO) -> bool:
    """Whether this run's options allow a split (before any plan is made)."""
    force = os.environ.get("LABSHARK_SPLIT")
    if force == "0" or not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
        return False
    if force != "1" and _terminal(out):
        return False  # (its reader wants the first lines now, not at the end)
    if opts.output not in _JOINS or opts.write or opts.quiet \
            or getattr(opts, "explain_addresses", False) or opts.count or opts.two_pass:
        return False  # (-c, -2: no plan either)
    if opts.output == "json" and (opts.verbose or opts.hex or
                                   getattr(opts, "print_summary", False)):
        return False  # (tshark 4.0 prints those in the JSON's place or beside it)
    from analyzer.output.text import use_color

    if opts.output != "json" and use_color(opts.color, out):
        return False
    return force == "1" or _idle_core()  # (last: it may wait 20 ms)


def _terminal(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


def _idle_core() -> bool:
    """Another core is idle now (see `idle_from`): /proc/loadavg's runnable tasks, read
    up to three times 10 ms apart (a task runnable at one instant only is no load);
    without /proc, the 1-minute load average below the cores less one."""
    cpus = os.cpu_count() or 1
    try:
        with open("/proc/loadavg") as f:
            first = f.read()
    except OSError:
        try:
            return os.getloadavg()[0] < cpus - 1
        except OSError:
            return False

    def readings() -> Iterator[str]:
        yield first
        for _ in range(2):
            time.sleep(0.01)
            try:
                with open("/proc/loadavg") as f:
                    yield f.read()
            except OSError:
                return

    return idle_from(readings(), cpus)


def idle_from(readings: Iterable[str], cpus: int) -> bool:
    """Whether some reading of /proc/loadavg ("0.85 0.76 0.39 1/147 5681") shows another
    core idle: fewer tasks runnable than cores, this process counted. The runnable count
    is of this instant; the load averages still count, for a minute, a command that has
    ended (the one before, in a script or a benchmark's rows)."""
    for text in readings:
        try:
            running = int(text.split()[3].split("/")[0])
        except (IndexError, ValueError):
            return False
        if running < cpus:
            return True
    return False


def can_split(opts: Any, plan: Plan | None, out: TextIO, allowed: bool | None = None) -> bool:
    """Whether this run splits with this plan (`allowed`: what `wanted` said already)."""
    if plan is None or not plan.whole or plan.floor or len(plan) < SPLIT_FROM:
        return False
    if not (wanted(opts, out) if allowed is None else allowed):
        return False
    return os.environ.get("LABSHARK_SPLIT") == "1" or worth_it(opts, plan)


def worth_it(opts: Any, plan: Plan) -> bool:
    """Whether the total work of two processes stays within ~15% of one's: what both
    repeat (every record passed over), the merge and a plan made only for the split,
    beside what one process does."""
    records, planned, shown = len(plan.needed) - 1, len(plan), len(plan.shown)
    heavy = _HEAVY if opts.verbose or opts.hex or opts.output == "json" else 1
    one = planned * heavy + records * _WALK
    repeat = (_REPEAT_LIGHT if plan.starts is None else _REPEAT_PLACED) if plan.light \
        else _REPEAT_SKIP
    extra = records * repeat + shown * _MERGE * heavy
    if getattr(opts, "display_filter", None) is None:
        extra += records * _WALK
    return extra <= 0.15 * one


def _halves(plan: Plan) -> tuple[Plan, Plan, bytearray]:
    """Two plans, each with whole groups, about equal in planned frames; and each
    frame's side. (The per-frame passes run in C: counting, mapping and masking whole
    arrays; a frame of no group, alone, takes its side by its number's parity.)"""
    groups, needed = plan.groups, plan.needed
    size = Counter(compress(groups, needed))  # (in order of first planned frame)
    load = [0, 0]
    side_of: dict[int, int] = {}
    for g, k in size.items():
        if g < 0:
            continue
        s = 0 if load[0] <= load[1] else 1
        side_of[g] = s
        load[s] += k
    side_of[-1] = 2  # (marked, then set by parity)
    side = _and(bytearray(map(side_of.get, groups, repeat(0))), needed.translate(_ALL_BITS))
    n = side.find(2)
    while n >= 0:
        side[n] = n & 1
        n = side.find(2, n + 1)
    # (held by both processes, so made no more of than needed: `side` is 0 wherever a
    # frame is not planned, so it is the second half's plan itself; with every frame
    # shown and planned, each half's shown frames are its plan's)
    b = side
    a = _xor(needed, b)
    shown_all = plan.shown
    if isinstance(shown_all, range) and shown_all == range(1, len(needed)) \
            and needed.find(0, 1) < 0:
        shown = [a, b]
    else:
        mask = frame_mask(shown_all, len(needed))
        shown_b = _and(mask, side)
        shown = [_xor(mask, shown_b), shown_b]
        del mask, shown_b
    halves = Plan(a), Plan(b)
    for i, half in enumerate(halves):
        half.light = plan.light
        half.whole = plan.whole
        half.others = shown[1 - i]
        half.shown = plan.shown  # (the whole run's: they set the displayed deltas)
        half.decided, half.decided_wanted = plan.decided, plan.decided_wanted
        half.starts, half.ifaces = plan.starts, plan.ifaces
    del size, side_of
    from analyzer.heap import give_back

    # (the passes' temporaries, several megabytes at 1M frames, are freed now: given
    # back before the fork, not carried into both processes)
    give_back()
    return halves[0], halves[1], side


#: 1 -> 0xff: a 0/1 array made a mask that keeps every bit.
_ALL_BITS = bytes([0, 255]) + bytes(254)


def _and(x: bytes | bytearray, y: bytes | bytearray) -> bytearray:
    """Byte-wise AND of two equal-length arrays of 0s and 1s (as two big integers)."""
    return bytearray((int.from_bytes(x, "little") & int.from_bytes(y, "little"))
                     .to_bytes(len(x), "little"))


def _xor(x: bytes | bytearray, y: bytes | bytearray) -> bytearray:
    return bytearray((int.from_bytes(x, "little") ^ int.from_bytes(y, "little"))
                     .to_bytes(len(x), "little"))


class HalfSource:
    """A light half read by its records' places (`Plan.starts`): its own frames only,
    each with the time of the shown frame before it (pipeline.own_frames), after setting
    the frame times that passing over the frames between would have left. No other
    record is read: its time is all a light run takes of it (skipping.pass_over)."""

    interfaces: list | None = None
    own_frames = True  # (what pipeline.shown_packets looks for)

    def __init__(self, mm: Any, walker: Any, half: Plan) -> None:
        self.mm, self.walker, self.half = mm, walker, half
        self.session: Any = None

    def start(self, session: Any, count: int | None) -> None:
        self.session = session

    def progress(self, job: Any, out: TextIO) -> None:
        """(no bar: a split's output is not a terminal)"""

    def __iter__(self) -> Iterator[tuple[Frame, int | None]]:
        half, walker, session, mm = self.half, self.walker, self.session, self.mm
        starts, shown = half.starts, half.shown
        assert starts is not None
        time, make, view = walker.time_at, walker.frame_at, memoryview(mm)
        find = half.needed.find
        n = find(1, 1)
        if _TIMES:
            _stamp("half's first frame")
        if n > 0:
            session.first_ts = time(starts[1])
        last, last_ts, k = 0, None, 0
        drop = RELEASE_EVERY
        # (every frame shown, the whole list: the shown frame before n is n - 1)
        every = isinstance(shown, range) and shown.start == 1 and shown.step == 1
        while n > 0:
            if n - 1 == last:  # (its own: dissected just before, prev_ts is set)
                before = last_ts
            else:
                before = time(starts[n - 1]) if n > 1 else None
                session.prev_ts = before
            if every:
                m = n - 1
            else:
                k = bisect_right(shown, n - 1, k)  # (the shown frames before n)
                m = shown[k - 1] if k else 0
            at = starts[n]
            frame = make(n, at, view)
            yield frame, before if m == n - 1 else time(starts[m]) if m else None
            last, last_ts = n, frame.ts_ns
            if at > drop:
                drop = release_behind(mm, at - RELEASE_EVERY // 2)
            n = find(1, n + 1)

    def stop(self) -> None:
        """(nothing to stop)"""

    def close(self) -> None:
        try:
            self.mm.close()  # (the view made in __iter__ is gone with it)
        except BufferError:
            pass  # (a frame still holds a view of it: closed when the last one goes)


def by_place(plan: Plan) -> bool:
    """Whether a split's halves read their own records by their places (HalfSource):
    a light plan that kept where its records lie."""
    return plan.starts is not None and plan.light


def half_source(path: str, half: Plan) -> HalfSource | None:
    """The source of a split's half read by its records' places; None when the plan
    kept none (not light) or the file cannot be mapped: the reader passes over the
    others."""
    if not by_place(half):
        return None
    from analyzer.fast_run import map_file

    mm = map_file(path)
    walker = record_walker(mm) if mm is not None else None
    if walker is None:
        if mm is not None:
            mm.close()
        return None
    if half.ifaces is not None:
        walker.ifaces = half.ifaces  # type: ignore[union-attr]
    return HalfSource(mm, walker, half)


def _stamp(what: str) -> None:
    """LABSHARK_SPLIT_TIMES=1: a timeline line on stderr (wall seconds since this module
    was imported, before the walk; this process's CPU seconds): where a split run's wall
    time goes."""
    t = os.times()
    sys.stderr.write(f"split {os.getpid()} {time.perf_counter() - _T0:8.3f} "
                     f"cpu {t.user + t.system:7.2f} {what}\n")


_T0 = time.perf_counter()
_TIMES = os.environ.get("LABSHARK_SPLIT_TIMES") == "1"


def run_split(plan: Plan, run_part: Callable[[Plan, Marked], int], out: TextIO,
              output: str = "text", alone: Callable[[TextIO], int] | None = None,
              warm: Callable[[], None] | None = None) -> int | None:
    """Run `run_part(half, sink)` here and in a forked child, writing the merged output
    to `out` while both run (analyzer/split_stream.py); None when it could not and wrote
    nothing. A part that fails once output was written: `alone(out less those bytes)`,
    the one-process run, finishes it. `warm`, called before the fork: what both parts
    would each load on first use, loaded once and shared."""
    if _TIMES:
        _stamp("split begins")
    from analyzer.heap import steady_heap

    steady_heap()  # (the output buffers, freed and made again all run: analyzer/heap.py)
    mine, theirs, side = _halves(plan)
    if not by_place(plan):
        # (each frame's group, 4 bytes a frame: a half reads it only to take its own
        # release keys, by place (command._run_pass); else not carried into the fork)
        plan.groups = ()
    if _TIMES:
        _stamp(f"halves made: {len(mine)} / {len(theirs)} planned")
    assert mine.others is not None and theirs.others is not None
    want = [theirs.others.count(1), mine.others.count(1)]  # (each side's shown frames)
    if not want[0] or not want[1]:
        return None
    notes_file = tempfile.TemporaryFile()
    regex = sys.modules.get("filters.regex")  # (its notes: only a filter loads it)
    if regex is not None:
        regex.held = []
    joins = _JOINS[output]
    tail = joins[2] if joins else ""  # (ASCII: as many bytes as characters)
    try:
        out.flush()
        r, w = os.pipe()
        try:
            fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 1 << 20)  # type: ignore[attr-defined]
        except (AttributeError, OSError):
            pass  # (the default 64 KB: more wake-ups, the same output)
        # (what exists now the collector leaves alone, in both processes: it would
        # write into every inherited object's header, copying each page into the child)
        if warm is not None:
            warm()
        gc.freeze()
        pid = os.fork()
        if pid == 0:  # the child: the second half, sent to the parent
            code = 99
            try:
                os.close(r)
                os.environ["LABSHARK_PROGRESS"] = "0"
                child = ChildPart(w)
                code = run_part(theirs, child)
                if _TIMES:
                    _stamp(f"child's half done: {child.packets} packets, "
                           f"{child.sending:.2f} s in the pipe's writes")
                child.finish()
            except BaseException:  # noqa: BLE001 - the parent notices and runs alone
                code = 99
            if regex is not None and regex.held:  # (its stderr notes: the parent's)
                import pickle

                pickle.dump(regex.held, notes_file)
                notes_file.flush()
            os._exit(code)
        os.close(w)
        done = False
        try:
            own = Marked()
            merge = Merge(plan.shown, side, own, Received(r), joins, out)
            code = run_part(mine, own)
            if _TIMES:
                _stamp(f"parent's half done: {merge.i} frames written, "
                       f"{merge.parts[1].waited:.2f} s waiting ({merge.parts[1].waits})")
            ok = merge.finish(tail)
            if _TIMES:
                got = merge.parts[1].size
                _stamp(f"child's texts merged, {merge.parts[1].waited:.2f} s waiting; "
                       f"bytes: {merge.written - got} own, {got} the child's")
            _pid, status = os.waitpid(pid, 0)
            if _TIMES:
                _stamp("child waited for")
            done = True
        finally:
            os.close(r)
            if not done:
                os.kill(pid, signal.SIGKILL)  # our own child
                os.waitpid(pid, 0)
        if ok and code == 0 and os.waitstatus_to_exitcode(status) == 0 \
                and own.packets == want[0] and merge.parts[1].packets == want[1]:
            return 0
        written = merge.written
    finally:
        gc.unfreeze()
        if regex is not None:
            _print_notes(regex, notes_file)
        notes_file.close()
    if not written:
        return None
    if alone is None:
        raise RuntimeError("a split run's part failed after its output began")
    return alone(Skip(out, written))


def _print_notes(regex: Any, theirs: Any) -> None:
    """Both parts' stderr notes (filters/regex.py), each once: as one process prints."""
    import pickle  # (here: importing it costs a run more than the notes do)

    notes, regex.held = regex.held or [], None
    theirs.seek(0)
    if not theirs.read(1):
        regex.print_held(notes)
        return
    theirs.seek(0)
    try:
        notes += pickle.load(theirs)
    except (EOFError, ValueError, pickle.UnpicklingError):
        pass  # (none, or the child was stopped before it wrote them)
    regex.print_held(notes)


__all__ = ["can_split", "run_split", "wanted", "worth_it", "half_source", "HalfSource",
           "Marked", "SPLIT_FROM"]
