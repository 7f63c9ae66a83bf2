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
from captures import open_capture  # noqa: E402

needs_root = pytest.mark.skipif(
    os.geteuid() != 0 and not os.environ.get("CI"),
    reason="live capture needs root or CAP_NET_RAW (run the tests as root)",
)
COUNT = 12


def _send(port: int, stop: threading.Event) -> None:
    """COUNT datagrams to 127.0.0.1:port, 50 ms apart, at most ~5 s in all."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for i in range(COUNT):
            if stop.is_set():
                return
            s.sendto(f"labshark tui {i}".encode(), ("127.0.0.1", port))
            time.sleep(0.05)
    finally:
        s.close()


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
            sender = threading.Thread(target=_send, args=(port, stop), daemon=True)
            await pilot.pause(0.3)  # the socket is open before the first datagram
            sender.start()
            seen = []
            for _ in range(200):
                seen.append(len(app.store))
                if app.store.done:
                    break
                await pilot.pause(0.05)
            assert app.store.done and len(app.store) == COUNT
            assert len(set(seen)) > 2  # the list grew while capturing
            await pilot.pause(0.2)
            assert f"{COUNT} received" in str(app.status.render())
            assert all(app.store.row(n)[4] == "UDP" for n in range(1, COUNT + 1))
            await pilot.press("slash", *"udp contains \"tui 1\"", "enter")
            for _ in range(100):
                if app.filter_done:
                    break
                await pilot.pause(0.05)
            assert app.store.shown_count() == 3  # "tui 1", "tui 10", "tui 11"
            app.reports.export(str(out))
            await pilot.press("L")
            await pilot.pause(0.2)
            assert "loopback" in app.screen.body
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
