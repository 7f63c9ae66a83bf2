"""Live capture accounting: every packet the kernel hands over is shown/written or
counted as dropped, stopped by Ctrl-C, SIGTERM, SIGHUP or -c, and the summary lines are
tshark's, with tshark's counts for the same traffic. Shares test_live's helpers."""

from __future__ import annotations

import io
import re
import signal
import socket
import threading
import time
from pathlib import Path

import pytest
from test_live import Live, _captured, _dropped, _free_udp, needs_root

from captures.bpf import compile_bpf


@needs_root
@pytest.mark.tshark
def test_counts_match_tshark_on_the_same_burst(tmp_path: Path) -> None:
    """tshark -i lo and analyze -i lo capture one burst at the same time, both stopped
    by SIGINT: the same packets written, the same summary lines."""
    rx = _free_udp()
    port = rx.getsockname()[1]
    ours_file, theirs_file = tmp_path / "ours.pcapng", tmp_path / "theirs.pcapng"
    bpf = f"udp port {port}"
    sent = 3000
    ours = Live("-f", bpf, "-w", str(ours_file), "-a", "duration:30")
    theirs = Live("-f", bpf, "-w", str(theirs_file), "-a", "duration:30",
                  cmd=["tshark", "-n"], ready="Capture started")
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for i in range(sent):
                tx.sendto(b"b%05d" % i, ("127.0.0.1", port))
                if i % 500 == 499:
                    time.sleep(0.01)  # a few bursts, not one flood
        time.sleep(1)
        for live in (ours, theirs):
            live.proc.send_signal(signal.SIGINT)  # our own children
        _o, our_err, our_code = ours.finish()
        _t, their_err, _code = theirs.finish()
    finally:
        rx.close()
    assert our_code == 0, our_err
    assert _captured(our_err) == _captured(their_err) == sent, (our_err, their_err)
    assert _dropped(our_err) == _dropped(their_err) == 0
    # the same wording: what analyze prints is what tshark prints, bar its chatter
    assert [ours.first, *our_err.splitlines()] == [
        "Capturing on 'Loopback: lo'", f"{sent} packets captured"]
    assert theirs.first == ours.first and f"\n{sent} packets captured\n" in their_err
    from captures import open_capture

    with open_capture(ours_file) as a, open_capture(theirs_file) as b:
        assert a.linktype == b.linktype == 1
        assert [bytes(f.data) for f in a] == [bytes(f.data) for f in b]


@needs_root
def test_ctrl_c_shows_what_was_queued() -> None:
    """Ctrl-C while packets still wait for the (slow, -V) dissector: every packet the
    kernel handed over is printed or counted in the drop line, none vanishes."""
    rx = _free_udp()
    port = rx.getsockname()[1]
    sent = 3000
    try:
        live = Live("-a", "duration:60", "-f", f"udp port {port}", "-V")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for i in range(sent):
                tx.sendto(b"k%05d" % i, ("127.0.0.1", port))
        time.sleep(0.2)
        live.proc.send_signal(signal.SIGINT)  # long before -V has printed them all
        out, err, code = live.finish(timeout=60)
    finally:
        rx.close()
    assert code == 0 and "Traceback" not in err, err
    shown = sum(1 for ln in out.splitlines() if ln.startswith("Frame "))
    assert shown == _captured(err)
    assert _captured(err) + _dropped(err) == sent, err


@needs_root
def test_count_limit_reads_only_that_many() -> None:
    """With -c the capture thread stops reading at the count: nothing is read from the
    socket only to be thrown away uncounted."""
    from captures.live import LiveCapture

    rx = _free_udp()
    port = rx.getsockname()[1]
    cap = LiveCapture("lo", compile_bpf(f"udp port {port}"), limit=3)
    try:
        cap.start()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for i in range(10):
                tx.sendto(b"l%d" % i, ("127.0.0.1", port))
        deadline = time.monotonic() + 5
        while cap.alive and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not cap.alive
    finally:
        cap.stop()
        rx.close()
    assert cap.queued == 3 and cap.queue.qsize() == 3 and cap.queue_drops == 0


@needs_root
@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGINT])
def test_hangup_and_interrupt_stop_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    rx = _free_udp()
    port = rx.getsockname()[1]
    out_file = tmp_path / "h.pcapng"
    try:
        live = Live("-f", f"udp port {port}", "-w", str(out_file))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for i in range(4):
                tx.sendto(b"h%d" % i, ("127.0.0.1", port))
        time.sleep(0.5)
        live.proc.send_signal(sig)  # our own child
        _out, err, code = live.finish()
    finally:
        rx.close()
    assert code == 0 and "Traceback" not in err, err
    assert _captured(err) == 4
    from captures import open_capture

    with open_capture(out_file) as cap:
        assert sum(1 for _ in cap) == 4


@needs_root
def test_drops_are_reported_in_tsharks_words(monkeypatch: pytest.MonkeyPatch) -> None:
    """A queue of 2 packets behind a slow -V: the ones it could not hold are reported as
    tshark reports drops ("N packets dropped from lo", before the count), and captured
    plus dropped is every packet sent."""
    from analyzer.app import run
    from captures import live

    real_init = live.LiveCapture.__init__

    def tiny_queue(self: live.LiveCapture, *args: object, **kw: object) -> None:
        real_init(self, *args, **{**kw, "queue_size": 2})  # type: ignore[arg-type]

    monkeypatch.setattr(live.LiveCapture, "__init__", tiny_queue)
    rx = _free_udp()
    port = rx.getsockname()[1]
    sent = 300
    out, err = io.StringIO(), io.StringIO()

    def burst() -> None:
        time.sleep(0.5)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for i in range(sent):
                tx.sendto(b"d%03d" % i, ("127.0.0.1", port))

    sender = threading.Thread(target=burst)
    sender.start()
    try:
        code = run(["-i", "lo", "-f", f"udp port {port}", "-a", "duration:3", "-V"], out, err)
    finally:
        sender.join(timeout=10)
        rx.close()
    assert code == 0, err.getvalue()
    lines = err.getvalue().splitlines()
    assert lines[0] == "Capturing on 'Loopback: lo'"
    assert re.fullmatch(r"\d+ packets? dropped from lo", lines[1]), lines
    assert re.fullmatch(r"\d+ packets? captured", lines[2]) and len(lines) == 3, lines
    assert _captured(err.getvalue()) + _dropped(err.getvalue()) == sent
    assert _dropped(err.getvalue()) > 0


@needs_root
def test_second_ctrl_c_gives_up_and_counts_the_rest() -> None:
    """A second Ctrl-C ends the drain of a -V backlog at once: what was not shown is
    counted as dropped, so captured + dropped is still every packet sent."""
    rx = _free_udp()
    port = rx.getsockname()[1]
    sent = 5000  # -V of 5000 packets takes seconds: the second Ctrl-C cuts it
    try:
        live = Live("-a", "duration:60", "-f", f"udp port {port}", "-V")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for i in range(sent):
                tx.sendto(b"g%05d" % i, ("127.0.0.1", port))
        time.sleep(0.2)
        live.proc.send_signal(signal.SIGINT)
        time.sleep(0.3)
        live.proc.send_signal(signal.SIGINT)
        out, err, code = live.finish(timeout=60)
    finally:
        rx.close()
    assert code == 0 and "Traceback" not in err, err
    shown = sum(1 for ln in out.splitlines() if ln.startswith("Frame "))
    assert shown == _captured(err) < sent
    assert _captured(err) + _dropped(err) == sent, err
