"""Passes over a capture file in a worker process, so dissection never holds the view's GIL.

A pass reads the file in frame order with a fresh Session (state flows forward, as in
`analyze`), and sends its results back in batches through a pipe: the list rows and
details of the first pass (`scan`, one block a batch, which the view compresses), the frame numbers a display filter matches
(`filter`), or a -z report's text (`report`). The first batch is small so the first
screen shows as soon as its packets are dissected. A pass is cancelled by ending its
process.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import threading
import time
from array import array
from collections.abc import Callable
from typing import Any

FIRST_BATCH = 48  # rows in the first batch: a screenful of the list pane
BATCH = 1000
BATCH_SECS = 0.1
FLOW_ARROWS = 5000  # a flow diagram longer than this shows its beginning


class _Conn:
    """The worker's end: pickled (kind, payload) messages on its standard output."""

    def __init__(self) -> None:
        self.out = sys.stdout.buffer

    def send(self, msg: tuple[str, Any]) -> None:
        pickle.dump(msg, self.out, protocol=5)
        self.out.flush()

    def close(self) -> None:
        self.out.flush()


def main() -> None:
    """The worker process's entry: the job arrives pickled on standard input."""
    job = pickle.load(sys.stdin.buffer)
    try:
        _child(job, _Conn())
    except (BrokenPipeError, KeyboardInterrupt):  # the view went away or cancelled
        pass


def _child(job: dict[str, Any], conn: Any) -> None:
    """One pass, results sent in batches, then ("done"|"error", ...)."""
    from analyzer.pipeline import mark_displayed, second_pass_reader
    from analyzer.tui.store import encode_row
    from captures import CaptureError
    from dissectors import Session, dissect
    from filters import compile_filter

    batch: list[Any] = []  # (cleared in place: flush() sends it from a read too)
    raws: list[bytes] = []
    offsets = array("q")  # the batch's record offsets, when the file can be read again
    where: list[Any] = [None]  # (path, format) of such a file
    pos = [24]  # about where in the file the pass is (records' headers and bytes)
    rec: Any = None  # a tree-less first pass's recorder (ondemand.py)

    def send(rows: list[Any]) -> None:
        """A batch: frame numbers, or rows with their details as one compressed block
        (or, tree-less, with what building a tree later needs)."""
        if rec is not None and rows:
            conn.send(("rows", (rows, b"", pos[0], (*where[0], offsets[:]), rec.batch())))
            del offsets[:]
        elif raws:
            at = (*where[0], offsets[:]) if where[0] else None
            # (uncompressed: the view's reader thread compresses it on the other core)
            conn.send(("rows", (rows, b"".join(raws), pos[0], at)))
            raws.clear()
            del offsets[:]
        else:
            conn.send(("rows", rows))

    sent = 0
    last = time.monotonic()

    def flush() -> None:
        """Send the rows dissected so far (a batch full, due, or the input waiting)."""
        nonlocal sent, last
        if batch:
            send(batch)
            sent += len(batch)
            batch.clear()
        last = time.monotonic()

    try:
        if "verify" in job and not _verified(job, conn):
            return
        kind = job["kind"]
        match = compile_filter(job["filter"]).match if job.get("filter") else None
        rules: list[Any] = []
        taps: Any = None
        if kind == "scan" and job.get("color"):
            from analyzer.output.color_rules import load_rules

            # (a forked pass has the rules its parent compiled before forking)
            rules = job["rules"] if "rules" in job else load_rules(job.get("color_rules"))
        elif kind == "report":
            taps = build_report(job["taps"], job.get("form", "text"))
        if kind == "filter" and match is not None and not job.get("follow") \
                and _fast_filter(job, conn):
            return
        if job.get("follow"):  # a pipe's copy, growing until the first pass ends
            from analyzer.tui.follow import Follow
            from captures import CaptureReader

            reader = CaptureReader(job["path"], Follow(job["path"], flush), owns_raw=True)
        else:
            reader = open_input(job["path"], flush, job.get("copy_to"))
        session = Session(two_pass=job.get("two_pass", False), decode_as=job["decode_as"])
        if job.get("two_pass"):
            reader = second_pass_reader(reader, session)
        if kind == "scan" and seekable(reader, job["path"]):
            where[0] = (job["path"], reader.format)  # frames' bytes: read again later
        wanted: Any = None
        if kind == "scan":
            from analyzer.tui.ondemand import Recorder, eligible, wanted_fields

            if eligible(job, reader) and (where[0] or job.get("copy_to")):
                rec = Recorder()
                where[0] = where[0] or (job["copy_to"], "pcap")  # (a pipe: its copy)
                wanted = wanted_fields(job.get("filter"), rules)
        prev_disp: int | None = None
        for frame in reader:
            if rec is not None:  # tree-less: the row, and what its tree will need
                rec.frame(frame, session)
                pkt = dissect(frame, session, wanted)
                shown = match is None or _safe(match, pkt)
                if shown:
                    prev_disp = mark_displayed(pkt, prev_disp)
                batch.append((*row_of(pkt, rules, job["time_fmt"]), 0, shown))
                offsets.append(frame.file_offset)
                pos[0] += 16 + frame.caplen
                if len(batch) >= (FIRST_BATCH if not sent else BATCH) or (
                        time.monotonic() - last > BATCH_SECS):
                    flush()
                continue
            pkt = dissect(frame, session)
            if kind == "scan":
                shown = match is None or _safe(match, pkt)
                if shown:
                    prev_disp = mark_displayed(pkt, prev_disp)
                row, color, raw, ts = encode_row(pkt, rules, job["time_fmt"],
                                                 frame_bytes=where[0] is None)
                batch.append((row, color, ts, len(raw), shown))
                raws.append(raw)
                offsets.append(frame.file_offset)
                pos[0] += 16 + frame.caplen
            elif kind == "filter":
                if _safe(match, pkt):  # type: ignore[arg-type]
                    batch.append(frame.number)
            else:
                taps[0](pkt)
            if len(batch) >= (FIRST_BATCH if not sent else BATCH) or (
                    batch and time.monotonic() - last > BATCH_SECS):
                flush()
        flush()
        conn.send(("done", taps[1]() if taps is not None else None))
    except CaptureError as e:  # the good frames were sent; the message says where
        flush()
        conn.send(("error", str(e)))
    except Exception as e:  # noqa: BLE001 - a message in the status line, never a traceback
        conn.send(("error", f"internal error ({type(e).__name__}: {e})"))
    finally:
        conn.close()


def row_of(pkt: Any, rules: list[Any], time_fmt: str) -> tuple[str, int, int]:
    """A tree-less pass's row: columns, colour rule (index + 1), timestamp."""
    from analyzer.output.color_rules import pick
    from analyzer.output.packet_list import column_parts
    from analyzer.tui.store import SEP

    rule = pick(rules, pkt) if rules else None
    return (SEP.join(column_parts(pkt, time_fmt)), rules.index(rule) + 1 if rule else 0,
            pkt.frame.ts_ns)


def _verified(job: dict[str, Any], conn: Any) -> bool:
    """The first pass of `analyze --tui FILE` checks what the command line would (macro
    files, -d, -Y, the colour rules): the view forks it before importing the dissectors
    and waits for this verdict before its screen starts. Sends ("ready", what the view
    needs of it) or ("fatal", (message, exit code, detail)); fills job's decode_as/rules."""
    import io
    import os

    from analyzer.command import load_macros
    from analyzer.errors import EXIT_USAGE, AnalyzeError, UsageError
    from analyzer.setup import _compile_filter, _decode_as
    from dissectors.escape import format_str

    check = job.pop("verify")
    try:
        load_macros(check["macros"])
        job["decode_as"] = _decode_as(check["decode_as"])
        if job.get("filter"):
            _compile_filter(job["filter"], False, io.StringIO())
        rules: list[Any] = []
        if job.get("color"):
            from analyzer.output.color_rules import load_rules

            try:
                rules = load_rules(job.get("color_rules"))
            except OSError as e:
                raise AnalyzeError(f'Can\'t read colour rules "{job.get("color_rules")}": '
                                   f'{e.strerror}.', 2) from None
        job["rules"] = rules
    except UsageError as e:
        conn.send(("fatal", (str(e), EXIT_USAGE, "")))
        return False
    except AnalyzeError as e:
        conn.send(("fatal", (e.message, e.code, e.detail)))
        return False
    conn.send(("ready", {"decode_as": job["decode_as"],
                         "rules": [(r.name, r.filter, r.fg, r.bg) for r in rules],
                         "title": format_str(os.path.basename(check["title"]))}))
    return True


class PipeRead:
    """A pipe's or device's bytes as they arrive (a FIFO, a character device): `read(n)` gives
    what is there, up to n, instead of waiting for n (a buffered file's read(1 MiB)
    holds the frames already written until 1 MiB more comes or the writer ends), and
    calls `idle()` before it waits, so the rows dissected so far are sent first."""

    def __init__(self, fd: int, idle: Callable[[], None], copy: int = -1) -> None:
        self.fd = fd
        self.idle = idle
        self.copy = copy  # a file the bytes are copied to as they are read (or -1)

    def read(self, n: int) -> bytes:
        import select

        if n <= 64:  # a magic number or header: all of it (a format is detected by it)
            out = b""
            while len(out) < n:
                more = self._read(n - len(out))
                if not more:
                    break
                out += more
            return out
        if not select.select([self.fd], [], [], 0)[0]:
            self.idle()  # (nothing to read now: the rows so far go out before the wait)
        return self._read(n)

    def _read(self, n: int) -> bytes:
        import os

        data = os.read(self.fd, n)
        if self.copy >= 0:
            with memoryview(data) as left:
                while left:
                    left = left[os.write(self.copy, left):]
        return data

    def close(self) -> None:
        import os

        os.close(self.fd)
        if self.copy >= 0:
            os.close(self.copy)


def open_input(path: str, idle: Callable[[], None], copy_to: str | None = None) -> Any:
    """The capture reader of a pass: a regular file as analyze opens it; a pipe or a
    device read as its bytes arrive (PipeRead), so its rows show without delay, and
    copied to `copy_to` for the later passes (a pipe is read once)."""
    import os
    import stat

    from captures import CaptureReader, open_capture

    try:
        regular = stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        regular = True  # (open_capture says what is wrong, as the command line does)
    if regular:
        return open_capture(path)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return open_capture(path)  # (its message)
    copy = os.open(copy_to, os.O_WRONLY | os.O_TRUNC) if copy_to else -1
    return CaptureReader(path, PipeRead(fd, idle, copy), owns_raw=True)  # type: ignore[arg-type]


def seekable(reader: Any, path: str) -> bool:
    """A frame's bytes can be read again at its record's offset: an uncompressed pcap or
    pcapng regular file (not gzip, a pipe or a device, whose reading cannot seek)."""
    import os
    import stat

    if getattr(reader, "compressed", True) or getattr(reader, "format", "") not in (
            "pcap", "pcapng"):
        return False
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _fast_filter(job: dict[str, Any], conn: Any) -> bool:
    """The frames a filter matches, by analyze's fast path (no dissection of the records
    the filter can decide on their headers: a million frames in seconds); False, nothing
    sent, when it does not apply (then the full pass runs)."""
    from analyzer.fast_run import decide, map_file, unmap
    from captures.records import record_walker
    from filters import compile_filter
    from filters.fastpath import NotFast, compile_fast

    if job.get("two_pass") or job.get("decode_as"):
        return False
    compiled = compile_filter(job["filter"])
    try:
        flt = compile_fast(compiled.tree)
    except NotFast:
        return False
    mm = map_file(job["path"])
    if mm is None:
        return False
    try:
        records = record_walker(mm)
        if records is None:
            return False
        nums, stop = decide(records, flt, compiled.match, job["path"], compiled.tree)
        if stop:  # a broken record: the full pass finds the good frames and says why
            return False
        batch: list[int] = []
        for n in nums:
            batch.append(n)
            if len(batch) >= 65536:
                conn.send(("rows", batch))
                batch = []
        conn.send(("rows", batch))
        conn.send(("done", None))
        return True
    finally:
        unmap(mm)


def build_report(args: list[str], form: str = "text"
                 ) -> tuple[Callable[[Any], None], Callable[[], Any]]:
    """(feed, result) for -z arguments: a follow stream or statistics taps. `form` is
    "text" (the -z report), "tables" (conv/endpoints rows: kind, title, columns,
    rows), "carray" (a follow stream as C arrays), "flow" (the -z flow rows) or "io"
    (the io,stat intervals and frame counts)."""
    if len(args) == 1 and args[0].startswith("follow,"):
        from analyzer.follow import build, report

        follow = build(args)
        if form == "carray":
            return follow[0].packet, lambda: c_arrays(follow[0].records)
        return follow[0].packet, lambda: report(follow)
    from analyzer.stats.taps import build_taps, feed, report

    taps = build_taps(args)
    result: Callable[[], Any] = lambda: report(taps)  # noqa: E731
    if form == "tables":
        result = lambda: [(t.kind, t.title, list(t.columns), t.rows())  # noqa: E731
                          for _k, group in taps for t in group]
    elif form == "flow":  # (the first FLOW_ARROWS arrows, and how many there are)
        result = lambda: next((t.items[:FLOW_ARROWS], len(t.items))  # noqa: E731
                              for _k, group in taps for t in group)
    elif form == "io":
        result = lambda: [t.rows() for _k, group in taps for t in group][0]  # noqa: E731
    return (lambda pkt: feed(taps, pkt)), result


def c_arrays(records: list[Any]) -> str:
    """A followed stream as Wireshark's "C Arrays": one char array per chunk, named by
    peer and chunk, 8 bytes a line."""
    out = []
    count = [0, 0]
    for rec in records:
        peer = int(rec.is_server)
        out.append(f"char peer{peer}_{count[peer]}[] = {{ /* Packet {rec.number} */\n")
        count[peer] += 1
        data = rec.data
        lines = [", ".join(f"0x{c:02x}" for c in data[i:i + 8])
                 for i in range(0, len(data), 8)]
        out.append(",\n".join(lines) + " };\n")
    return "".join(out)


def _safe(match: Callable[[Any], bool], pkt: Any) -> bool:
    try:
        return bool(match(pkt))
    except Exception:  # noqa: BLE001 - one odd packet must not end the pass
        return False


class Pass:
    """One pass in a worker process; `on_rows(batch)` and `on_end(kind, payload)` are
    called on a reader thread of this process."""

    def __init__(self, job: dict[str, Any], on_rows: Callable[[list[Any]], None],
                 on_end: Callable[[str, Any], None], fork: bool = False) -> None:
        self.held: Any = None  # the worker's stdin, held open while it follows a file
        self.name = f"labshark-{job['kind']}"
        if fork:  # (before the view starts: one thread, the modules already imported)
            self.proc: Any = _Forked(job)
            self._conn = self.proc.stdout
        else:
            # A plain child process with pipes (not multiprocessing: the view's
            # redirected stdio and threads are no place to fork or to start a
            # resource tracker).
            self.proc = subprocess.Popen(
                [sys.executable, "-c", "from analyzer.tui.worker import main; main()"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            assert self.proc.stdin is not None and self.proc.stdout is not None
            pickle.dump({k: v for k, v in job.items() if k != "rules"}, self.proc.stdin,
                        protocol=5)
            if job.get("follow"):  # (closed by release(): the followed file is whole)
                self.proc.stdin.flush()
                self.held = self.proc.stdin
            else:
                self.proc.stdin.close()
            self._conn = self.proc.stdout
        self.cancelled = False
        # ("ready"|"fatal", payload) of a pass that checks its job first (_verified)
        self.verdict: tuple[str, Any] | None = None
        self.checked = threading.Event()
        self._on_rows = on_rows
        self._on_end = on_end
        self.thread = threading.Thread(target=self._read, daemon=True,
                                       name=f"{self.name}-reader")
        self.thread.start()

    def _read(self) -> None:
        end: tuple[str, Any] = ("error", "the worker process ended")
        try:
            while True:
                kind, payload = pickle.load(self._conn)
                if self.cancelled:
                    return
                if kind == "rows":
                    self._on_rows(payload)
                    continue
                if kind in ("ready", "fatal"):
                    self.verdict = (kind, payload)
                    self.checked.set()
                    if kind == "ready":
                        continue
                end = (kind, payload)
                break
        except (EOFError, OSError, pickle.UnpicklingError):
            if self.cancelled:
                return
        finally:
            self._conn.close()
            self._wait()
            self.checked.set()  # (whoever waits for a verdict waits no longer)
        self._on_end(*end)

    def release(self) -> None:
        """A following pass: the file it follows is whole (its reads end at its end)."""
        if self.held is not None:
            try:
                self.held.close()
            except OSError:
                pass
            self.held = None

    def cancel(self) -> None:
        """End the pass: its process is stopped and its results dropped."""
        self.cancelled = True
        self.release()
        if self.proc.poll() is None:
            self.proc.terminate()
        self._wait()

    def _wait(self) -> None:
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class _Forked:
    """A pass in a forked child of the view's process: it starts dissecting at once,
    without a new interpreter importing the dissectors again (the first screen comes
    ~0.5 s sooner). Only before the view starts its threads (start_scan)."""

    def __init__(self, job: dict[str, Any]) -> None:
        import os

        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: results on the pipe, never back into the caller
            code = 0
            try:
                os.close(r)
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)
                conn = _Conn()
                conn.out = os.fdopen(w, "wb")
                try:
                    _child(job, conn)
                except (BrokenPipeError, KeyboardInterrupt):
                    pass
            except BaseException:  # noqa: BLE001 - the child ends here, whatever happens
                code = 1
            finally:
                os._exit(code)
        os.close(w)
        self.pid = pid
        self.stdout = os.fdopen(r, "rb")
        self.returncode: int | None = None

    def poll(self) -> int | None:
        import os

        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped by the other waiting thread
                pid, status = self.pid, 0
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def terminate(self) -> None:
        self._signal(15)

    def kill(self) -> None:
        self._signal(9)

    def _signal(self, sig: int) -> None:
        import os

        if self.returncode is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("labshark-scan", timeout or 0)
            time.sleep(0.01)
        assert self.returncode is not None
        return self.returncode


def start_scan(job: dict[str, Any], store: Any, fork: bool = False) -> Pass:
    """The first pass into `store` (a PacketStore): rows in frame order, and the frames
    the initial display filter shows. Started before the view is built, so the worker's
    start overlaps the view's."""
    from array import array

    shown_list = store.displayed = store.first_shown = array("I") if job.get("filter") \
        else None

    def rows(batch: tuple[list[Any], bytes]) -> None:
        shown = store.append_block(*batch)
        if shown_list is not None:
            shown_list.extend(shown)

    def end(kind: str, payload: Any) -> None:
        store.flush()  # (the last details into the spill)
        if kind == "error":
            store.error = payload
        store.done = True

    if fork and threading.active_count() > 1:
        fork = False  # a process with threads is no place to fork
    scan = Pass(job, rows, end, fork=fork)
    fixed_mmap_threshold()  # (in this process only: after the fork)
    return scan


def fixed_mmap_threshold(size: int = 128 << 10) -> None:
    """Buffers of `size` and more mapped apart and unmapped when freed (glibc's
    mallopt(M_MMAP_THRESHOLD)). The first pass passes ~1 MB batches and ~4 MB blocks
    through the view; glibc raises its threshold to the largest freed one, so later
    ones came from the heap and left ~10 MB of freed memory in the view's RSS after
    the pass (bench/tui_store.py). Elsewhere: nothing."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(-3, size)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):  # not glibc (musl's mallopt is a stub anyway)
        pass


__all__ = ["Pass", "build_report", "start_scan"]
