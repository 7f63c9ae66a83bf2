"""Benchmark of the interactive view (`analyze --tui`) on the benchmark capture.

    python bench/tui.py [--capture PATH | --packets 1000000] [--filter EXPR]
                        [--size 100x30] [--timeout 600] [--no-tshark] [--whole]

Runs `analyze --tui FILE` in a terminal (tmux), as a user would, and reads its screen:
time to first screen (from the start to a status line counting packets, which the view
draws with the first rows) and the CPU seconds spent by then; with --whole, the end of
the first pass (its CPU seconds, then the view's RSS and PSS and the bytes it spilled to
temp disk); time to apply a filter (from Enter to the status line's "filter took"); and
the peak memory of the view and its worker processes (PSS summed over the process tree,
sampled at 20 Hz: a forked worker's shared pages count once). Beside it, termshark's
way (it drives tshark): `tshark -r F -c 1` (the least a first screen costs it) and
`tshark -r F -Y EXPR` over the whole file (what applying a filter costs it). The
capture is bench/run.py's, cached in bench/data/. The view runs with the project's
bytecode compiled first (as an installed labshark's second start), whatever
PYTHONDONTWRITEBYTECODE says.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import run as bench_run  # noqa: E402
from proctree import deleted_temp_bytes, tree_cpu_s, tree_kb  # noqa: E402

ANALYZE = str(Path(sys.executable).with_name("analyze"))


class Screen:
    """`analyze --tui` in a private tmux server (a real terminal emulator, as the e2e
    test uses): keys sent with send-keys, the screen read back with capture-pane."""

    def __init__(self, argv: list[str], cols: int, rows: int) -> None:
        self.sock = f"labshark-bench-{os.getpid()}"
        self.tmux("new-session", "-d", "-s", "b", "-x", str(cols), "-y", str(rows),
                  # (bytecode written and read as an installed labshark's is: a sandbox's
                  # PYTHONDONTWRITEBYTECODE would have every start compile ~0.5 CPU s)
                  "env -u NO_COLOR -u PYTHONDONTWRITEBYTECODE TERM=xterm-256color "
                  + " ".join(map(shlex.quote, argv)))
        self.pid = int(self.tmux("display", "-p", "-t", "b", "#{pane_pid}").strip())
        self.peak_kb = 0
        self.done = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.sock, *args], capture_output=True,
                              text=True, timeout=20).stdout

    def _sample(self) -> None:
        while not self.done.wait(0.05):
            self.peak_kb = max(self.peak_kb, tree_kb(self.pid, "pss"))

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "b")

    def wait_for(self, pattern: str, timeout: float) -> float:
        """The time `pattern` appeared on the screen; raises on timeout."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if rx.search(text):
                return time.monotonic()
            time.sleep(0.01)
        raise TimeoutError(f"{pattern} did not show; the screen: {text[-600:]}")

    def send(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "b", *keys)

    def close(self) -> None:
        self.done.set()
        self.send("q")
        time.sleep(0.5)
        self.tmux("kill-server")


def compile_project() -> None:
    """The project's bytecode cache (__pycache__, as an installed labshark's first run
    leaves it), so the measured start is the usual one and not a first one."""
    pkgs = [str(ROOT / d) for d in ("analyzer", "captures", "dissectors", "filters")]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", *pkgs], env=env, check=True,
                   stdout=subprocess.DEVNULL)


def measure_tui(path: Path, flt: str, cols: int, rows: int, timeout: float,
                whole: bool = False) -> dict:
    compile_project()
    t0 = time.monotonic()
    scr = Screen([ANALYZE, "--tui", str(path)], cols, rows)
    try:
        t_first = scr.wait_for(r"Packets: [1-9]", timeout)
        cpu_first = tree_cpu_s(scr.pid)
        cpu_view = tree_cpu_s(scr.pid, descend=False)  # (the worker runs on meanwhile)
        end: dict = {}
        if whole:  # the first pass's end: the status line stops saying "reading"
            t_end = scr.wait_for(r"Packets: \d+ Displayed: \d+ \|(?!.*reading)", timeout)
            time.sleep(0.3)  # (the worker process exits after its last batch)
            end = {"end": t_end - t0, "end_cpu": tree_cpu_s(scr.pid),
                   "end_rss_mb": tree_kb(scr.pid) / 1024,
                   "end_pss_mb": tree_kb(scr.pid, "pss") / 1024,
                   "spill_mb": deleted_temp_bytes(scr.pid, tempfile.gettempdir()) / 1e6,
                   "pass_peak_mb": scr.peak_kb / 1024}
        time.sleep(0.5)  # (a person types slower than send-keys: let the bar take focus)
        scr.send("/")
        time.sleep(0.5)  # (the bar takes the focus: the keys then go to it)
        scr.send("-l", flt)
        time.sleep(0.3)
        t_enter = time.monotonic()
        scr.send("Enter")
        try:
            filter_s: float | None = scr.wait_for(r"filter took", timeout) - t_enter
        except TimeoutError:
            filter_s = None
        shown = re.findall(r"Displayed: (\d+)", scr.screen())
        return {"first": t_first - t0, "filter": filter_s, "cpu": cpu_first,
                "cpu_view": cpu_view,
                "displayed": int(shown[-1]) if shown else None,
                "peak_mb": scr.peak_kb / 1024, **end}
    finally:
        scr.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--capture", help="capture file (default: bench/run.py's, generated)")
    ap.add_argument("--packets", type=int, default=1_000_000)
    ap.add_argument("--filter", default="udp.port == 69")
    ap.add_argument("--size", default="100x30")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--no-tshark", action="store_true")
    ap.add_argument("--whole", action="store_true",
                    help="also wait for the first pass's end: its time, the memory and "
                         "temp-disk spill then")
    a = ap.parse_args(argv)
    cols, rows = (int(x) for x in a.size.split("x"))
    path = Path(a.capture) if a.capture else bench_run.capture(HERE / "data", a.packets,
                                                               "pcap")
    r = measure_tui(path, a.filter, cols, rows, a.timeout, a.whole)
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs")
    print("| tool | file | measure | s | peak MB | note |\n|---|---|---|---:|---:|---|")
    print(f"| analyze --tui | {path.name} | first screen | {r['first']:.2f} | "
          f"{r['peak_mb']:.0f} | {cols}x{rows} tmux; {r['cpu']:.2f} CPU s by then, "
          f"{r['cpu_view']:.2f} of them the view's |")
    if "end" in r:
        print(f"| analyze --tui | {path.name} | first pass read | {r['end']:.2f} | "
              f"{r['pass_peak_mb']:.0f} | {r['end_cpu']:.1f} CPU s; then: RSS "
              f"{r['end_rss_mb']:.0f} MB, PSS {r['end_pss_mb']:.0f} MB, temp disk "
              f"{r['spill_mb']:.0f} MB |")
    took = f"{r['filter']:.2f}" if r["filter"] is not None else f"> {a.timeout:.0f}"
    print(f"| analyze --tui | {path.name} | apply `{a.filter}` | {took} | | "
          f"{r['displayed']} displayed |")
    if not a.no_tshark and shutil.which("tshark"):
        n, wall, rss, note = bench_run.measure(["tshark", "-n", "-r", str(path), "-c", "1"],
                                               "lines", a.timeout)
        print(f"| tshark -c 1 (termshark's first screen) | {path.name} | first packet | "
              f"{wall:.2f} | {rss:.0f} | {note or f'{n} line'} |")
        n, wall, rss, note = bench_run.measure(
            ["tshark", "-n", "-r", str(path), "-Y", a.filter, "-T", "fields", "-e",
             "frame.number"], "lines", a.timeout)
        print(f"| tshark -Y (termshark's filter) | {path.name} | apply `{a.filter}` | "
              f"{wall:.2f} | {rss:.0f} | {note or f'{n} matches'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
