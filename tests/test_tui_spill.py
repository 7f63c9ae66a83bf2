"""`analyze --tui`'s first pass: the first screen before the pass ends, and what it keeps
of each frame (the tree spilled, the frame's bytes read again from a seekable file).

The trees are compared with the in-order dissection `analyze -V` prints (which the -V
tests hold to tshark), frame by frame.
"""

from __future__ import annotations

import asyncio
import os
import struct
import threading
from pathlib import Path

import pytest
from diffutil import ROOT

pytest.importorskip("textual", reason="the [tui] extra (sh .ci/setup --test installs it)")

from test_tui import settled, shows, status, until  # noqa: E402

from analyzer.output.color_rules import default_rules  # noqa: E402
from analyzer.output.detail_tree import detail_text  # noqa: E402
from analyzer.tui.app import LabsharkApp, Source  # noqa: E402
from analyzer.tui.store import PacketStore, decode, encode  # noqa: E402
from analyzer.tui.worker import start_scan  # noqa: E402
from captures import open_capture  # noqa: E402
from dissectors import Session, dissect  # noqa: E402

SAMPLES = ROOT / "captures" / "samples"


def udp_records(count: int, payload: int) -> list[bytes]:
    """pcap records of Ethernet/IPv4/UDP frames, each carrying `payload` bytes."""
    recs = []
    for n in range(count):
        data = bytes((n + i) & 0xFF for i in range(payload))
        udp = struct.pack("!HHHH", 40000 + n % 7, 9999, 8 + payload, 0) + data
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), n, 0, 64, 17, 0,
                         bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + udp
        frame = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip
        recs.append(struct.pack("<IIII", 1_700_000_000 + n, n, len(frame), len(frame))
                    + frame)
    return recs


PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)


def in_order_trees(path: Path) -> list[str]:
    session = Session()
    return [detail_text(dissect(f, session)) for f in open_capture(str(path))]


def test_first_screen_shows_rows_before_the_first_pass_ends(tmp_path: Path) -> None:
    """The first batch of rows is on screen, selectable with its tree, while the first
    pass still reads: the capture comes through a pipe the test holds open (a pipe
    cannot seek, so the frames' bytes are spilled with their trees)."""
    recs = udp_records(140, 16000)  # the reader's first 1 MiB holds ~65 of them
    fifo = tmp_path / "held.pcap"
    os.mkfifo(fifo)
    release = threading.Event()

    def writer() -> None:
        with open(fifo, "wb") as f:
            f.write(PCAP_HEADER + b"".join(recs[:100]))
            f.flush()
            release.wait(120)
            f.write(b"".join(recs[100:]))

    threading.Thread(target=writer, daemon=True).start()
    app = LabsharkApp(Source(str(fifo), {}), rules=default_rules())

    async def main() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            try:
                await until(pilot, lambda: shows(app, 1) and "Packets: 0 " not in status(app))
                assert not app.store.done and "reading" in status(app)
                assert 1 <= len(app.store) <= 100  # (the rest of the pipe is not written)
                lines = [str(app.plist.render_line(y).text) for y in range(3)]
                assert lines[0].split()[0] == "1" and "UDP" in lines[0]
                assert app.detail is not None
                assert bytes(app.detail.packet.sources[0][1]) == recs[0][16:]
            finally:
                release.set()
            await until(pilot, lambda: settled(app))
            assert len(app.store) == 140 and app.store.error is None
            for n in (1, 77, 140):
                got = app.store.detail(n).packet
                assert bytes(got.sources[0][1]) == recs[n - 1][16:]

    try:
        asyncio.run(main())
    finally:
        app.store.close()
        app.source.close()  # (the pipe's copy)


def test_rows_written_to_a_pipe_show_while_it_stays_open(tmp_path: Path) -> None:
    """A slow writer (a capture piped in as it is taken): the few frames written so far
    are listed while the pipe stays open, not held until 1 MiB more arrives or the
    writer ends; each later write's frames show too, and the pass ends when it closes."""
    recs = udp_records(12, 40)
    fifo = tmp_path / "slow.pcap"
    os.mkfifo(fifo)
    steps = [threading.Event(), threading.Event()]

    def writer() -> None:
        with open(fifo, "wb") as f:
            f.write(PCAP_HEADER + b"".join(recs[:5]))
            f.flush()
            steps[0].wait(120)
            f.write(b"".join(recs[5:9]))
            f.flush()
            steps[1].wait(120)
            f.write(b"".join(recs[9:]))

    threading.Thread(target=writer, daemon=True).start()
    app = LabsharkApp(Source(str(fifo), {}), rules=default_rules())
    copy = app.source.copy

    async def main() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            try:
                await until(pilot, lambda: "Packets: 5 " in status(app), secs=30)
                await until(pilot, lambda: shows(app, 1), secs=30)
                assert not app.store.done and len(app.store) == 5
                steps[0].set()
                await until(pilot, lambda: "Packets: 9 " in status(app), secs=30)
                assert not app.store.done
                got = app.store.detail(9).packet
                assert bytes(got.sources[0][1]) == recs[8][16:]
            finally:
                for step in steps:
                    step.set()
            await until(pilot, lambda: settled(app))
            assert len(app.store) == 12 and app.store.error is None
            # A pipe is read once: a filter (and the reports, export) read its copy.
            app.apply_filter("udp.srcport == 40002")
            await until(pilot, lambda: settled(app), secs=30)
            assert list(app.store.displayed or []) == [3, 10]
            assert copy and Path(copy).read_bytes() == PCAP_HEADER + b"".join(recs)

    try:
        asyncio.run(main())
    finally:
        app.store.close()
        app.source.close()
    assert not Path(copy).exists()


def test_a_pipe_is_left_to_the_pass(tmp_path: Path) -> None:
    """`analyze --tui FIFO` checks a pipe without opening it: opening would wait for a
    writer and take the capture's first bytes away from the first pass."""
    from analyzer.tui import _check_readable

    fifo = tmp_path / "later.pcap"
    os.mkfifo(fifo)
    checker = threading.Thread(target=_check_readable, args=(str(fifo),), daemon=True)
    checker.start()
    checker.join(10)
    stuck = checker.is_alive()
    if stuck:  # (a writer that closes at once releases the open)
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert not stuck


@pytest.mark.parametrize("sample", ["lab.pcap", "lab.pcapng", "live_tftp.pcapng",
                                    "feiq.pcap"])
def test_seekable_file_spills_trees_only_and_rereads_bytes(
        sample: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """pcap/pcapng files: the worker leaves each frame's bytes out of the spill, and the
    detail read back (tree, bytes) is the in-order dissection's, frame by frame (from
    the spill's blocks: a batch past 7 frames is one, the rest written at the end)."""
    import analyzer.tui.store as store_mod

    monkeypatch.setattr(store_mod, "BLOCK", 7)
    # (classic pcap goes tree-less, its trees built on demand: test_tui_ondemand.py)
    monkeypatch.setenv("LABSHARK_TUI_TREES", "spill")
    path = SAMPLES / sample
    store = PacketStore(default_rules())
    p = start_scan(Source(str(path), {}).job("scan", filter="", color=True, time_fmt="r"),
                   store)
    p.thread.join(120)
    assert store.done and store.error is None
    assert store._npend == 0 and len(store._first) >= 1  # (all in blocks at the end)
    want = in_order_trees(path)
    frames = list(open_capture(str(path)))
    assert len(store) == len(want) == len(frames)
    for f in frames:
        got = store.detail(f.number).packet
        assert detail_text(got) == want[f.number - 1]
        assert bytes(got.sources[0][1]) == bytes(f.data)
    spilled_with_bytes = PacketStore(default_rules())
    session = Session()
    for f in open_capture(str(path)):
        spilled_with_bytes.add(dissect(f, session))
    # (uncompressed: how the worker's batches compress depends on the machine's load)
    assert sum(spilled_with_bytes._len) - sum(store._len) >= sum(f.caplen for f in frames)
    store.close()
    spilled_with_bytes.close()


def test_gzip_capture_spills_the_bytes(tmp_path: Path) -> None:
    """A gzip file cannot be read again at a record's offset: its bytes are spilled."""
    import gzip

    gz = tmp_path / "lab.pcap.gz"
    gz.write_bytes(gzip.compress((SAMPLES / "lab.pcap").read_bytes()))
    store = PacketStore(None)
    p = start_scan(Source(str(gz), {}).job("scan", filter="", color=False, time_fmt="r"),
                   store)
    p.thread.join(120)
    assert store.done and len(store) == 34
    assert store._foff is None  # nothing to read again
    want = in_order_trees(SAMPLES / "lab.pcap")
    assert [detail_text(store.detail(n).packet) for n in range(1, 35)] == want
    store.close()


@pytest.mark.parametrize(("trees", "keys"), [("spill", ("down", "up")),
                                             # (frame 1's tree built already: cached)
                                             ("ondemand", ("down",))])
def test_changed_file_is_a_message_not_wrong_bytes(
        tmp_path: Path, trees: str, keys: tuple[str, ...],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A capture rewritten after the first pass read it: selecting a frame says so in
    the status line instead of showing other bytes under the saved tree (or a tree
    built from other bytes)."""
    monkeypatch.setenv("LABSHARK_TUI_TREES", trees)
    cap = tmp_path / "cap.pcap"
    cap.write_bytes((SAMPLES / "lab.pcap").read_bytes())
    app = LabsharkApp(Source(str(cap), {}), rules=default_rules())

    async def main() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: settled(app))
            data = bytearray(cap.read_bytes())
            cap.write_bytes(bytes(data[:24]) + bytes(data[40:]))  # frame 1's header gone
            await pilot.press(*keys)  # type: ignore[attr-defined]
            await until(pilot, lambda: "changed after it was read" in status(app))
            assert app.detail is None
            await pilot.press("end")  # type: ignore[attr-defined]  # still usable
            await until(pilot, lambda: app.plist.selected == 34)

    asyncio.run(main())
    app.store.close()


def test_bytes_values_are_sliced_back_from_their_source(tmp_path: Path) -> None:
    """encode writes a bytes value equal to the bytes it covers as a reference, so a
    3000-byte payload is neither in the spilled sources nor in data.data's value (only
    the tree is); decode gives the same tree and values back."""
    cap = tmp_path / "one.pcap"
    cap.write_bytes(PCAP_HEADER + udp_records(1, 3000)[0])
    frames = list(open_capture(str(cap))) + list(open_capture(str(SAMPLES / "lab.pcap")))
    session = Session()
    for i, f in enumerate(frames):
        if i == 1:
            session = Session()
        pkt = dissect(f, session)
        lean = encode(pkt, frame_bytes=False)
        if i == 0:
            # the frame's 3042 bytes left out; data.data's 3000 neither (its tree of 77
            # items is ~3.8 KB: with a copy of the payload it would pass 6 KB)
            assert len(encode(pkt)) - len(lean) >= 3042 and len(lean) < 2 * 3000
        back = decode(lean, lambda caplen, f=f: bytes(f.data))
        assert detail_text(back) == detail_text(pkt)
        assert {k: [it.value for it in v] for k, v in back.index.items()} == \
            {k: [bytes(it.value) if isinstance(it.value, memoryview) else it.value
                 for it in v] for k, v in pkt.index.items()}


def test_blocks_and_pending_frames_read_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """Frames added one by one (live capture) go to blocks of BLOCK frames; each is found
    by its block's first frame, the last ones while still pending."""
    import analyzer.tui.store as store_mod

    monkeypatch.setattr(store_mod, "BLOCK", 5)
    store = PacketStore(default_rules())
    session = Session()
    for f in open_capture(str(SAMPLES / "lab.pcap")):
        store.add(dissect(f, session))
    assert len(store._first) == 6 and store._npend == 4
    want = in_order_trees(SAMPLES / "lab.pcap")
    assert [detail_text(store.detail(n).packet) for n in (34, 1, 7, 30, 31, 5, 6)] == \
        [want[n - 1] for n in (34, 1, 7, 30, 31, 5, 6)]
    store.close()


def test_offsets_widen_past_4_gib() -> None:
    from array import array

    from analyzer.tui.store import extended

    a = extended(array("I", [0, 5]), [7])
    assert a.typecode == "I" and list(a) == [0, 5, 7]
    b = extended(a, [1 << 32, 9])
    assert b.typecode == "q" and list(b) == [0, 5, 7, 1 << 32, 9]
