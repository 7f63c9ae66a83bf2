"""`analyze --tui -i lo`: the list grows while a bounded generator sends on loopback."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("textual", reason="the [tui] extra (sh .ci/setup --test installs it)")

from analyzer.tui.app import LabsharkApp  # noqa: E402
from analyzer.tui.live import LiveSource  # noqa: E402
from analyzer.tui.views import TextScreen  # noqa: E402
from captures import open_capture  # noqa: E402

needs_root = pytest.mark.skipif(
    os.geteuid() != 0 and not os.environ.get("CI"),
    reason="live capture needs root or CAP_NET_RAW (run the tests as root)",
)
COUNT = 12


def _send(port: int, stop: threading.Event, store: object, seen: list[int]) -> None:
    """COUNT datagrams to 127.0.0.1:port, each once the view's store holds the one
    before (waiting at most 10 s each); `seen` gets the store's size at each send."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for i in range(COUNT):
            deadline = time.monotonic() + 10
            while len(store) < i and time.monotonic() < deadline:  # type: ignore[arg-type]
                if stop.is_set():
                    return
                time.sleep(0.01)
            seen.append(len(store))  # type: ignore[arg-type]
            s.sendto(f"labshark tui {i}".encode(), ("127.0.0.1", port))
    finally:
        s.close()


async def _until(pilot, cond, secs: float = 60) -> None:  # noqa: ANN001
    """Wait for a state of the view, bounded (a slow machine only waits longer)."""
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        await pilot.pause()
        if cond():
            return
        await pilot.pause(0.02)
    raise AssertionError("timed out waiting for the view")


@needs_root
def test_live_capture_grows_and_saves(tmp_path: Path) -> None:
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    port = rx.getsockname()[1]
    opts = SimpleNamespace(interface="lo", capture_filter=f"udp port {port}", snaplen=None,
                           count=COUNT)
    live = LiveSource.open(opts, {})
    app = LabsharkApp(live, live=live, color=False)
    out = tmp_path / "live.pcapng"
    stop = threading.Event()

    async def main() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            # (the capture socket is open since LiveSource.open: nothing sent is lost)
            seen: list[int] = []
            sender = threading.Thread(target=_send, args=(port, stop, app.store, seen),
                                      daemon=True)
            sender.start()
            await _until(pilot, lambda: app.store.done)
            assert len(app.store) == COUNT
            assert seen == list(range(COUNT))  # the list grew packet by packet while capturing
            await _until(pilot, lambda: "reading" not in str(app.status.render()))
            assert f"{COUNT} received" in str(app.status.render())
            assert all(app.store.row(n)[4] == "UDP" for n in range(1, COUNT + 1))
            await pilot.press("slash", *"udp contains \"tui 1\"", "enter")
            await _until(pilot, lambda: app.filter_done)
            assert app.store.shown_count() == 3  # "tui 1", "tui 10", "tui 11"
            app.reports.export(str(out))
            # the learner explains the selected packet: its detail is built first
            await _until(pilot, lambda: app.plist.selected and app.detail is not None
                         and app.detail.number == app.plist.selected)
            await pilot.press("L")
            await _until(pilot, lambda: isinstance(app.screen, TextScreen))
            assert "loopback" in app.screen.body
            # R: a new capture (same interface, BPF and -c), the list starts again
            old = app.store
            await pilot.press("escape", "R")
            await _until(pilot, lambda: "capture restarted" in str(app.status.render()))
            assert app.plist.store is app.store is not old and len(app.store) == 0
            again: list[int] = []
            threading.Thread(target=_send, args=(port, stop, app.store, again),
                             daemon=True).start()
            await _until(pilot, lambda: app.store.done)
            assert len(app.store) == COUNT and again == list(range(COUNT))
            assert app.live.captured == COUNT
            # the display filter applies to the new capture
            assert app.store.shown_count() == 3
            stop.set()

    try:
        asyncio.run(main())
    finally:
        stop.set()
        live.close()
        app.store.close()
        rx.close()
    frames = list(open_capture(str(out)))
    assert [bytes(f.data)[-5:] for f in frames] == [b"tui 1", b"ui 10", b"ui 11"]
