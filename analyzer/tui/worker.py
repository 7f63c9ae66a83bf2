"""Passes over a capture file in a worker process, so dissection never holds the view's GIL.

A pass reads the file in frame order with a fresh Session (state flows forward, as in
`analyze`), and sends its results back in batches through a pipe: the list rows and
spilled details of the first pass (`scan`), the frame numbers a display filter matches
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
from collections.abc import Callable
from typing import Any

FIRST_BATCH = 64  # rows in the first batch: one screen
BATCH = 1000
BATCH_SECS = 0.1


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
    from captures import CaptureError, open_capture
    from dissectors import Session, dissect
    from filters import compile_filter

    batch: list[Any] = []
    try:
        kind = job["kind"]
        match = compile_filter(job["filter"]).match if job.get("filter") else None
        rules: list[Any] = []
        taps: Any = None
        if kind == "scan" and job.get("color"):
            from analyzer.output.color_rules import load_rules

            rules = load_rules(job.get("color_rules"))
        elif kind == "report":
            taps = build_report(job["taps"])
        reader = open_capture(job["path"])
        session = Session(two_pass=job.get("two_pass", False), decode_as=job["decode_as"])
        if job.get("two_pass"):
            reader = second_pass_reader(reader, session)
        sent = 0
        last = time.monotonic()
        prev_disp: int | None = None
        for frame in reader:
            pkt = dissect(frame, session)
            if kind == "scan":
                shown = match is None or _safe(match, pkt)
                if shown:
                    prev_disp = mark_displayed(pkt, prev_disp)
                batch.append((*encode_row(pkt, rules, job["time_fmt"]), shown))
            elif kind == "filter":
                if _safe(match, pkt):  # type: ignore[arg-type]
                    batch.append(frame.number)
            else:
                taps[0](pkt)
            now = time.monotonic()
            if len(batch) >= (FIRST_BATCH if not sent else BATCH) or (
                    batch and now - last > BATCH_SECS):
                conn.send(("rows", batch))
                sent += len(batch)
                batch = []
                last = now
        if batch:
            conn.send(("rows", batch))
            batch = []
        conn.send(("done", taps[1]() if taps is not None else None))
    except CaptureError as e:  # the good frames were sent; the message says where
        if batch:
            conn.send(("rows", batch))
        conn.send(("error", str(e)))
    except Exception as e:  # noqa: BLE001 - a message in the status line, never a traceback
        conn.send(("error", f"internal error ({type(e).__name__}: {e})"))
    finally:
        conn.close()


def build_report(args: list[str]) -> tuple[Callable[[Any], None], Callable[[], str]]:
    """(feed, text) for -z arguments: a follow stream or statistics taps."""
    if len(args) == 1 and args[0].startswith("follow,"):
        from analyzer.follow import build, report

        follow = build(args)
        return follow[0].packet, lambda: report(follow)
    from analyzer.stats.taps import build_taps, feed, report

    taps = build_taps(args)
    return (lambda pkt: feed(taps, pkt)), (lambda: report(taps))


def _safe(match: Callable[[Any], bool], pkt: Any) -> bool:
    try:
        return bool(match(pkt))
    except Exception:  # noqa: BLE001 - one odd packet must not end the pass
        return False


class Pass:
    """One pass in a worker process; `on_rows(batch)` and `on_end(kind, payload)` are
    called on a reader thread of this process."""

    def __init__(self, job: dict[str, Any], on_rows: Callable[[list[Any]], None],
                 on_end: Callable[[str, Any], None]) -> None:
        # A plain child process with pipes (not multiprocessing: the view's redirected
        # stdio and threads are no place to fork or to start a resource tracker).
        self.name = f"labshark-{job['kind']}"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from analyzer.tui.worker import main; main()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        pickle.dump(job, self.proc.stdin, protocol=5)
        self.proc.stdin.close()
        self._conn = self.proc.stdout
        self.cancelled = False
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
                end = (kind, payload)
                break
        except (EOFError, OSError, pickle.UnpicklingError):
            if self.cancelled:
                return
        finally:
            self._conn.close()
            self._wait()
        self._on_end(*end)

    def cancel(self) -> None:
        """End the pass: its process is stopped and its results dropped."""
        self.cancelled = True
        if self.proc.poll() is None:
            self.proc.terminate()
        self._wait()

    def _wait(self) -> None:
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_scan(job: dict[str, Any], store: Any) -> Pass:
    """The first pass into `store` (a PacketStore): rows in frame order, and the frames
    the initial display filter shows. Started before the view is built, so the worker's
    start overlaps the view's."""
    from array import array

    shown_list = store.displayed = array("I") if job.get("filter") else None

    def rows(batch: list[Any]) -> None:
        shown = store.append_batch(batch)
        if shown_list is not None:
            shown_list.extend(shown)

    def end(kind: str, payload: Any) -> None:
        if kind == "error":
            store.error = payload
        store.done = True

    return Pass(job, rows, end)


__all__ = ["Pass", "build_report", "start_scan"]
