"""`analyze --tui`'s tree-less first pass: a selected frame's tree is built on demand
(analyzer/tui/ondemand.py) and must be exactly what `analyze -V` prints for it; and a
filter applied while a named pipe is read covers the frames read so far and those that
come after.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import threading
from pathlib import Path

import pytest
from diffutil import ROOT

pytest.importorskip("textual", reason="the [tui] extra (sh .ci/setup --test installs it)")

from test_tui import status, until  # noqa: E402
from test_tui_spill import PCAP_HEADER, in_order_trees, udp_records  # noqa: E402

from analyzer.output.color_rules import default_rules  # noqa: E402
from analyzer.output.detail_tree import detail_text  # noqa: E402
from analyzer.tui.app import LabsharkApp, Source  # noqa: E402
from analyzer.tui.store import PacketStore  # noqa: E402
from analyzer.tui.worker import start_scan  # noqa: E402

ANALYZE = str(Path(os.sys.executable).with_name("analyze"))  # type: ignore[attr-defined]

# (capture, initial filter): TCP with reassembly and HTTP, IPMSG/FeiQ, TFTP, IP
# fragments, tunnels (IP in IP: frames that may touch any state), HTTP, ARP
CAPTURES = [
    ("captures/samples/lab.pcap", ""),
    ("captures/samples/lab.pcap", "tcp"),  # (time delta from the previous displayed)
    ("captures/samples/feiq.pcap", ""),
    ("captures/samples/tftp_wrq.pcap", ""),
    ("captures/samples/tftp_oack.pcap", ""),
    ("tests/data/corpus/dpkt-http.pcap", ""),
    ("tests/data/corpus/ndpi-dns_fragmented.pcap", ""),
    ("tests/data/corpus/ndpi-windowsupdate_over_http.pcap", ""),
    ("tests/data/wireshark/ipoipoip.pcap", ""),
    ("tests/data/wireshark/arp.pcap", ""),
]


def first_pass(path: Path, flt: str = "") -> PacketStore:
    store = PacketStore(default_rules())
    p = start_scan(Source(str(path), {}).job("scan", filter=flt, color=True, time_fmt="r"),
                   store)
    p.thread.join(120)
    assert store.done and store.error is None
    return store


@pytest.mark.parametrize(("capture", "flt"), CAPTURES)
def test_every_frame_s_tree_is_analyze_V_s(capture: str, flt: str) -> None:
    """Each frame selected in a random order (fresh builds, a group's build continued,
    the in-order one, the cache): its tree is the one `analyze -V [-Y F]` prints."""
    path = ROOT / capture
    args = [ANALYZE, "-r", str(path), "-V"] + (["-Y", flt] if flt else [])
    want = subprocess.run(args, capture_output=True, text=True, timeout=120,
                          check=True).stdout
    store = first_pass(path, flt)
    assert store.builder is not None and store.spilled == 0  # (no tree saved)
    shown = [store.shown_number(i) for i in range(store.shown_count())]
    order = list(range(1, len(store) + 1))
    random.Random(15).shuffle(order)
    got = {n: detail_text(store.detail(n).packet) for n in order}
    assert "".join(got[n] + "\n\n" for n in shown) == want
    # the tree-less pass's rows and colours: those of the in-order dissection with trees
    from analyzer.output.color_rules import pick
    from analyzer.output.packet_list import column_parts
    from analyzer.tui.store import SEP
    from captures import open_capture
    from dissectors import Session, dissect

    session = Session()
    full = [dissect(f, session) for f in open_capture(str(path))]
    rules = store.rules
    assert [store.rows[i] for i in range(len(store))] == [
        SEP.join(column_parts(p, "r")) for p in full]
    assert list(store.colors) == [
        rules.index(r) + 1 if (r := pick(rules, p)) is not None else 0 for p in full]
    store.close()


@pytest.mark.parametrize("capture", ["captures/samples/lab.pcap",
                                     "tests/data/corpus/dpkt-http.pcap"])
def test_a_frame_needs_what_the_filtered_list_s_plan_dissects(capture: str) -> None:
    """A fresh build of frame N dissects the frames analyze's plan for
    `-Y frame.number == N` does (analyzer/closure.py): its group's, not all before it."""
    from array import array

    from analyzer.closure import _plan
    from analyzer.fast_run import map_file
    from captures.records import record_walker

    path = ROOT / capture
    store = first_pass(path)
    mm = map_file(str(path))
    costs = []
    for n in range(len(store), 0, -1):  # (backwards: every build a fresh one)
        store.detail(n)
        costs.append(store.builder.last_cost)
        planned = len(_plan(record_walker(mm), array("I", [n])))
        # (or, when that is nearly every frame before it, all of them in order: a
        # session later frames can continue)
        assert store.builder.last_cost == planned or \
            store.builder.last_cost == n and planned >= n - (n - 1) // 8
    mm.close()
    assert costs[0] < len(store)  # (the last frame: not every frame before it)
    store.close()


def test_spill_mode_still_saves_the_trees(monkeypatch: pytest.MonkeyPatch) -> None:
    """LABSHARK_TUI_TREES=spill: the in-order pass saves every tree (the fallback for
    pcapng, gzip, -2 and Decode-As), the same trees."""
    monkeypatch.setenv("LABSHARK_TUI_TREES", "spill")
    path = ROOT / "captures/samples/lab.pcap"
    store = first_pass(path)
    assert store.builder is None and store.spilled > 0
    want = subprocess.run([ANALYZE, "-r", str(path), "-V"], capture_output=True,
                          text=True, timeout=120, check=True).stdout
    assert "".join(detail_text(store.detail(n).packet) + "\n\n"
                   for n in range(1, len(store) + 1)) == want
    store.close()


def test_filter_on_a_pipe_covers_frames_read_so_far_and_new_ones(tmp_path: Path) -> None:
    """A named pipe read by the view; Enter on `udp.srcport == 40003` while the writer
    holds the rest back: the frames read so far are filtered, then those written after
    show up in the filtered list as they come (Wireshark's live filtering)."""
    recs = udp_records(70, 200)  # source ports 40000 + n % 7
    fifo = tmp_path / "feed.pcap"
    os.mkfifo(fifo)
    release = threading.Event()

    def writer() -> None:
        with open(fifo, "wb") as f:
            f.write(PCAP_HEADER + b"".join(recs[:35]))
            f.flush()
            release.wait(120)
            f.write(b"".join(recs[35:]))

    threading.Thread(target=writer, daemon=True).start()
    app = LabsharkApp(Source(str(fifo), {}), rules=default_rules())
    want = [n for n in range(1, 71) if (n - 1) % 7 == 3]
    whole = tmp_path / "whole.pcap"
    whole.write_bytes(PCAP_HEADER + b"".join(recs))
    want_trees = in_order_trees(whole)

    async def main() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            try:
                await until(pilot, lambda: len(app.store) == 35 and app.registry_ready.is_set())
                assert not app.store.done
                app.apply_filter("udp.srcport == 40003")
                await until(pilot, lambda: app.store.displayed is not None
                            and list(app.store.displayed) == want[:5])
                assert not app.filter_done  # (it follows the pipe)
                release.set()
                await until(pilot, lambda: app.store.done and app.filter_done)
                assert list(app.store.displayed) == want
                assert "Displayed: 10 " in status(app)
                assert app.store.error is None
                # (the trees: built from the pipe's copy, as analyze -V has them)
                assert app.store.builder is not None
                assert [detail_text(app.store.detail(n).packet) for n in (70, 3, 40)] == \
                    [want_trees[n - 1] for n in (70, 3, 40)]
            finally:
                release.set()

    asyncio.run(main())


def test_a_slow_tree_is_built_on_a_thread_and_then_shown(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A tree needing more than QUICK frames first is built on a thread (the keys stay
    live, the status line says so), then the pane shows it: `analyze -V`'s tree."""
    from test_tui import settled, shows

    import analyzer.tui.ondemand as ondemand

    monkeypatch.setattr(ondemand, "QUICK", 2)
    path = ROOT / "captures/samples/lab.pcap"
    out = subprocess.run([ANALYZE, "-r", str(path), "-V"], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    want = out[out.index("\nFrame 34: ") + 1:]  # (the last frame's)
    app = LabsharkApp(Source(str(path), {}), rules=default_rules())
    seen: list[str] = []
    orig = app._build_tree

    def build(number: int) -> None:
        seen.append(app.message)
        orig(number)

    app._build_tree = build  # type: ignore[method-assign]

    async def main() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: settled(app))
            await pilot.press("end")  # type: ignore[attr-defined]
            await until(pilot, lambda: shows(app, 34))
            assert seen == ["building frame 34's tree…"]
            assert detail_text(app.dtree.detail.packet) + "\n\n" == want
            assert "building" not in status(app)

    asyncio.run(main())
    app.store.close()
