"""`analyze --tui`: the interactive view driven headless through textual's pilot.

Counts and texts are compared with tshark (filter row counts) and with `analyze`'s own
outputs (-V trees, -z reports), which the other tests hold to tshark.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from diffutil import ROOT, run_analyze, run_tshark

pytest.importorskip("textual", reason="the [tui] extra (sh .ci/setup --test installs it)")

from analyzer.output.color_rules import default_rules  # noqa: E402
from analyzer.output.detail_tree import detail_text  # noqa: E402
from analyzer.tui.app import LabsharkApp, Source  # noqa: E402
from analyzer.tui.store import PacketStore, scan  # noqa: E402
from analyzer.tui.tables import TablesScreen  # noqa: E402
from analyzer.tui.views import HelpScreen, TextScreen  # noqa: E402
from captures import open_capture  # noqa: E402
from dissectors import Session, dissect  # noqa: E402

LAB = ROOT / "captures" / "samples" / "lab.pcap"


def drive(test: Callable[[LabsharkApp, object], Awaitable[None]], *, path: Path = LAB,
          size: tuple[int, int] = (100, 30), flt: str = "", color: bool = True) -> LabsharkApp:
    """Run the app headless, wait for the first pass, then run `test(app, pilot)`."""
    app = LabsharkApp(Source(str(path), {}), display_filter=flt, color=color,
                      rules=default_rules())

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await until(pilot, lambda: settled(app))
            await test(app, pilot)

    asyncio.run(main())
    app.store.close()
    return app


async def until(pilot: object, cond: Callable[[], bool], secs: float = 60) -> None:
    """Wait for `cond` (a state of the view), bounded: a slow machine only waits longer."""
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        await pilot.pause()  # type: ignore[attr-defined]  # pending messages handled
        if cond():
            return
        await pilot.pause(0.02)  # type: ignore[attr-defined]
    raise AssertionError("timed out waiting for the view")


def status(app: LabsharkApp) -> str:
    return str(app.status.render())


def shows(app: LabsharkApp, number: int) -> bool:
    """Frame `number` is selected and its detail tree is built."""
    return (app.plist.selected == number and app.detail is not None
            and app.detail.number == number and app.dtree.detail is app.detail)


def settled(app: LabsharkApp) -> bool:
    """The first pass and any filter pass ended, the list and the status line show
    their results, and the selected packet's detail is built."""
    total = len(app.store)
    return (app.store.done and app.filter_done and not app.plist.placing
            and app.plist.selected > 0 and shows(app, app.plist.selected)
            and f"Packets: {total} " in status(app) and "reading" not in status(app)
            and app.plist._count == app.store.shown_count())


@pytest.mark.tshark
@pytest.mark.parametrize("flt", ["udp", "ip.dst==192.168.56.20", "tcp.port eq 69 || arp"])
def test_typed_filter_shows_tsharks_row_count(flt: str) -> None:
    want = len(run_tshark(["-r", str(LAB), "-Y", flt]).splitlines())

    async def t(app: LabsharkApp, pilot: object) -> None:
        await pilot.press("slash", *flt, "enter")  # type: ignore[attr-defined]
        await until(pilot, lambda: app.filter_done)
        assert app.store.shown_count() == want
        await until(pilot, lambda: "filter took" in status(app))
        assert f"Displayed: {want}" in status(app)
        assert app.fbar.has_class("-ok")
        # the list shows exactly the matching frames, in order
        got = [app.store.shown_number(i) for i in range(want)]
        numbers = run_tshark(["-r", str(LAB), "-Y", flt, "-T", "fields", "-e",
                              "frame.number"]).split()
        assert got == [int(n) for n in numbers]

    drive(t)


def test_select_packet_shows_tree_and_highlighted_bytes() -> None:
    _, vtext, _ = run_analyze(["-r", str(LAB), "-V", "-Y", "frame.number==3"], ours=True)
    tree = vtext.split("\n\n")[0]  # the tree, before -V's dumps of data items
    top_labels = [ln for ln in tree.splitlines() if ln and not ln.startswith(" ")]

    async def t(app: LabsharkApp, pilot: object) -> None:
        await pilot.press("down", "down")  # type: ignore[attr-defined]
        await until(pilot, lambda: shows(app, 3))
        shown = [str(n.label) for n in app.dtree.root.children]
        assert shown == top_labels
        await pilot.press("tab", "down", "down")  # type: ignore[attr-defined]  # Ethernet
        await pilot.pause()  # type: ignore[attr-defined]
        row = app.dtree.cursor_node.data
        assert row.abbrev == "eth"
        assert app.hex.span == (0, 14)
        # the highlighted cells are the Ethernet header's 14 bytes, in hex and ASCII
        text = app.hex.render_text()
        lit = [text.plain[s.start:s.end] for s in text.spans if s.style]
        assert lit[:8] == ["08", "00", "27", "aa", "bb", "01", "00", "11"]
        assert len(lit) == 28
        await pilot.press("e")  # type: ignore[attr-defined]  # expand all
        assert all(n.is_expanded for n in app.dtree.root.children if n.children)
        # a click on a byte of the IP header selects the deepest item there (ip.ttl)
        node = app.dtree.cursor_node
        app.dtree.select_offset(0, 22)
        await until(pilot, lambda: app.dtree.cursor_node is not node)  # moved after a refresh
        assert app.dtree.cursor_node.data.abbrev == "ip.ttl"

    drive(t)


def test_bad_filter_shows_error_and_screen_stays_usable() -> None:
    async def t(app: LabsharkApp, pilot: object) -> None:
        await pilot.press("slash", *"ip.src ==", "enter")  # type: ignore[attr-defined]
        await until(pilot, lambda: "not applied" in status(app))
        assert app.fbar.has_class("-bad")
        assert "column" in status(app)
        assert app.store.shown_count() == len(app.store)  # nothing applied
        app.fbar.value = ""
        await pilot.press(*"icmp", "enter")  # type: ignore[attr-defined]
        await until(pilot, lambda: settled(app))
        want = len(run_analyze(["-r", str(LAB), "-Y", "icmp"])[1].splitlines())
        assert app.store.shown_count() == want > 0
        await pilot.press("down")  # type: ignore[attr-defined]
        assert app.plist.selected == app.store.shown_number(1)

    drive(t)


def test_filter_completion_and_history() -> None:
    async def t(app: LabsharkApp, pilot: object) -> None:
        await pilot.press("slash", *"tft", "right")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
        assert app.fbar.value.startswith("tftp")
        app.fbar.value = "arp"
        await pilot.press("enter")  # type: ignore[attr-defined]
        await until(pilot, lambda: app.filter_done)
        await pilot.press("slash", "up")  # type: ignore[attr-defined]
        assert app.fbar.value == "arp"

    drive(t)


def report_of(arg: list[str]) -> str:
    rc, out, _ = run_analyze(["-r", str(LAB), "-q", "--color", "never", *arg])
    assert rc == 0
    return out


def test_follow_and_conversations_views() -> None:
    async def t(app: LabsharkApp, pilot: object) -> None:
        udp = next(n for n in range(1, len(app.store) + 1) if "TFTP" in app.store.row(n)[4])
        app.goto(udp)
        await until(pilot, lambda: shows(app, udp))
        await pilot.press("F")  # type: ignore[attr-defined]
        await until(pilot, lambda: isinstance(app.screen, TextScreen))
        stream = app.detail.packet.index["udp.stream"][0].value
        assert app.screen.body == report_of(["-z", f"follow,tftp,ascii,{stream}"])
        await pilot.press("escape")  # type: ignore[attr-defined]
        await pilot.press("C")  # type: ignore[attr-defined]
        await until(pilot, lambda: isinstance(app.screen, TablesScreen))
        # the tables hold the -z conv reports' rows, one tab a type
        text = report_of(["-z", "conv,eth", "-z", "conv,ip", "-z", "conv,ipv6", "-z",
                          "conv,tcp", "-z", "conv,udp"])
        lines = [ln.split() for ln in text.splitlines() if "<->" in ln]
        rows = [[r[0], "<->", r[1], r[2], *r[3].split(), r[4], *r[5].split(), r[6],
                 *r[7].split(), r[8], r[9]] for t in app.screen.tables for r in t[3]]
        assert sorted(rows) == sorted(lines) and rows
        await pilot.press("escape", "H")  # type: ignore[attr-defined]
        await until(pilot, lambda: isinstance(app.screen, TextScreen))
        assert app.screen.body == report_of(["-z", "io,phs"])
        await pilot.press("escape", "X")  # type: ignore[attr-defined]
        await until(pilot, lambda: isinstance(app.screen, TextScreen))
        assert app.screen.body == report_of(["-z", "expert"])
        await pilot.press("escape", "question_mark")  # type: ignore[attr-defined]
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert "quit" in str(app.screen.query_one("#help-text").render())

    drive(t)


def test_goto_mark_export(tmp_path: Path) -> None:
    out = tmp_path / "shown.pcap"

    async def t(app: LabsharkApp, pilot: object) -> None:
        await pilot.press("ctrl+g", *"7", "enter")  # type: ignore[attr-defined]
        await until(pilot, lambda: app.plist.selected != 1)
        assert app.plist.selected == 7
        await pilot.press("m")  # type: ignore[attr-defined]
        assert app.store.marked == {7}
        await pilot.press("slash", *"arp", "enter")  # type: ignore[attr-defined]
        await until(pilot, lambda: settled(app))
        app.reports.export(str(out))
        assert "exported" in app.message

    drive(t)
    arp = run_analyze(["-r", str(LAB), "-Y", "arp"])[1]
    assert run_analyze(["-r", str(out)])[1] == arp


def test_spilled_trees_equal_in_order_dissection() -> None:
    """The detail pane's tree of every frame is `analyze -V`'s (no re-dissection)."""
    store = PacketStore(default_rules())
    scan(open_capture(str(LAB)), Session(), store, None, threading.Event())
    session = Session()
    for frame in open_capture(str(LAB)):
        pkt = dissect(frame, session)
        assert detail_text(store.detail(frame.number).packet) == detail_text(pkt)
    store.close()


def test_small_terminal_and_no_color_screenshot(tmp_path: Path) -> None:
    """80x24 without colour: all three panes and the status line are on screen."""
    async def t(app: LabsharkApp, pilot: object) -> None:
        svg = app.export_screenshot()
        (tmp_path / "main.svg").write_text(svg)
        for text in ("No.", "Protocol", "Frame&#160;1:", "0000", "Packets:&#160;34"):
            assert text in svg, text
        assert app.store.rule(1) is None  # no colour rules applied

    drive(t, size=(80, 24), color=False)


def test_readme_lists_every_key() -> None:
    from analyzer.tui.views import KEYS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for key, what in KEYS:
        assert f"| `{key}` | {what} |" in readme, key


@pytest.mark.tshark
def test_cli_errors_before_the_screen(tmp_path: Path) -> None:
    """A missing file or a bad -Y is the command line's one line and exit code."""
    from diffutil import run_tshark_full

    missing = str(tmp_path / "nope.pcap")
    rc, out, err = run_analyze(["--tui", missing])
    want = run_tshark_full(["-r", missing])
    assert rc == want.returncode and out == ""
    assert err.splitlines()[0].removeprefix("analyze: ") == \
        want.stderr.splitlines()[0].removeprefix("tshark: ")
    rc, _, err = run_analyze(["--tui", "-Y", "ip.src ==", str(LAB)])
    assert rc == run_tshark_full(["-r", str(LAB), "-Y", "ip.src =="]).returncode
    assert "Unexpected end of filter expression" in err


def test_damaged_capture_shows_good_packets_and_message(tmp_path: Path) -> None:
    cut = tmp_path / "cut.pcap"
    data = LAB.read_bytes()
    cut.write_bytes(data[: len(data) - 30])  # the last record cut short
    _, _, err = run_analyze(["-r", str(cut)])
    good = len(run_analyze(["-r", str(cut)])[1].splitlines())

    async def t(app: LabsharkApp, pilot: object) -> None:
        await until(pilot, lambda: app.store.error is not None)
        assert len(app.store) == good
        assert app.store.error == err.strip().removeprefix("analyze: ")
        await until(pilot, lambda: app.store.error in status(app))
        await pilot.press("down")  # type: ignore[attr-defined]
        assert app.plist.selected == 2

    drive(t, path=cut)


@pytest.mark.tshark
def test_initial_filter_from_dash_y() -> None:
    want = run_tshark(["-r", str(LAB), "-Y", "tftp", "-T", "fields", "-e", "frame.number"])

    async def t(app: LabsharkApp, pilot: object) -> None:
        shown = [app.store.shown_number(i) for i in range(app.store.shown_count())]
        assert shown == [int(n) for n in want.split()]
        assert app.plist.selected == shown[0]
        assert app.fbar.value == "tftp"

    drive(t, flt="tftp")


@pytest.mark.parametrize("sample", ["lab.pcap", "feiq.pcap", "live_tftp.pcapng"])
def test_filters_on_rebuilt_packets_equal_dissection(sample: str) -> None:
    """Live capture refilters the spilled packets: they must match as dissected ones."""
    path = str(ROOT / "captures" / "samples" / sample)
    store = PacketStore(None)
    scan(open_capture(path), Session(), store, None, threading.Event())
    session = Session()
    pkts = [dissect(f, session) for f in open_capture(path)]
    for flt in ("udp", "tcp.analysis.flags", "http", "tftp", "ip.ttl < 64", "frame.len > 100",
                "tcp.stream == 1", "ipmsg", "icmp", "_ws.expert", "tcp.len > 0",
                "tcp.analysis.ack_rtt", "udp.stream == 2", "eth.dst == ff:ff:ff:ff:ff:ff"):
        from filters import compile_filter

        m = compile_filter(flt).match
        want = [p.frame.number for p in pkts if m(p)]
        assert [n for n in range(1, len(store) + 1) if m(store.detail(n).packet)] == want, flt
    store.close()


@pytest.mark.tshark
def test_apply_tree_item_as_filter() -> None:
    async def t(app: LabsharkApp, pilot: object) -> None:
        app.goto(24)  # TFTP read request
        await until(pilot, lambda: shows(app, 24))
        node = app.dtree.cursor_node
        app.dtree.select_offset(0, 36)  # udp.dstport's bytes
        await until(pilot, lambda: app.dtree.cursor_node is not node)  # moved after a refresh
        assert app.dtree.cursor_node.data.abbrev == "udp.dstport"
        await pilot.press("a")  # type: ignore[attr-defined]
        await until(pilot, lambda: settled(app))
        assert app.fbar.value == "udp.dstport == 69"
        want = run_tshark(["-r", str(LAB), "-Y", "udp.dstport == 69"]).splitlines()
        assert app.store.shown_count() == len(want)
        assert app.plist.selected == 24  # the selected packet stays selected

    drive(t)


def test_an_idle_view_does_not_redraw_its_status_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """The 10 Hz tick updates the status line only when its text changes (every tick's
    layout kept an idle view at ~4% of a core); a change still shows at the next tick."""

    async def t(app: LabsharkApp, pilot: object) -> None:
        updates: list[str] = []
        update = app.status.update
        monkeypatch.setattr(app.status, "update", lambda text="": (
            updates.append(str(text)), update(text))[1])
        ticks = 0
        show = app._show_status  # (what each tick calls last)

        def counted() -> None:
            nonlocal ticks
            ticks += 1
            show()

        monkeypatch.setattr(app, "_show_status", counted)
        await until(pilot, lambda: ticks >= 5)
        assert updates == []
        app.message = "something new"
        await until(pilot, lambda: ticks >= 8)
        assert len(updates) == 1 and updates[0].endswith("something new | lab.pcap")

    drive(t)
