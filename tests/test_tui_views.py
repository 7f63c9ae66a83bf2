"""`analyze --tui`'s views and tools, driven headless through textual's pilot: sortable
conversations with "filter on this", the flow diagram and I/O graph (the `-z flow` /
`-z io,stat` rows), time references, copy, find by hex/regex/string, follow encodings,
the command palette; and the store and worker under them (packed rows, the filter
worker's fast path). Counts and frame numbers are compared with tshark's.
"""

from __future__ import annotations

import re
import threading

import pytest
from diffutil import run_analyze, run_tshark

pytest.importorskip("textual", reason="the [tui] extra (sh .ci/setup --test installs it)")

from test_tui import LAB, drive, settled, shows, status, until  # noqa: E402

from analyzer.tui.app import COMMANDS, LabsharkApp, Source  # noqa: E402
from analyzer.tui.find import FindError, parse_hex  # noqa: E402
from analyzer.tui.graphs import FlowScreen, IoGraphScreen, bars, ladder_lines  # noqa: E402
from analyzer.tui.store import PackedRows  # noqa: E402
from analyzer.tui.tables import TablesScreen, row_filter, sort_key  # noqa: E402
from analyzer.tui.views import KEYS, FollowScreen, HelpScreen  # noqa: E402
from analyzer.tui.worker import Pass, _fast_filter  # noqa: E402


def tshark_numbers(flt: str, path: str = str(LAB)) -> list[int]:
    return [int(n) for n in run_tshark(["-r", path, "-Y", flt, "-T", "fields", "-e",
                                        "frame.number"]).split()]


@pytest.mark.tshark
def test_conversations_sort_by_any_column_and_filter_on_one() -> None:
    # Every step waits on the state it needs, not on one pause. The flake: TabbedContent
    # activates its first tab after it is mounted; a tab chosen before that (the screen
    # shown, its first tab not yet active) was switched back to the first one, and the
    # keys then sorted that tab's table. So: wait for the first tab to be active and
    # focused, choose one, wait for it to be active and focused, wait for each sort.
    async def t(app: LabsharkApp, pilot: object) -> None:
        def ready(old: object = None) -> bool:
            screen = app.screen
            return (isinstance(screen, TablesScreen) and screen is not old
                    and screen.query_one("TabbedContent").active == "tab-0"
                    and app.focused is screen.current())

        await pilot.press("C")  # type: ignore[attr-defined]
        await until(pilot, ready)
        screen = app.screen
        kinds = [tb[0] for tb in screen.tables]
        assert kinds == ["eth", "ip", "ipv6", "tcp", "udp"]
        tabs = screen.query_one("TabbedContent")
        tabs.active = "tab-1"  # IPv4
        table = screen.current()
        assert table.kind == "ip"
        await until(pilot, lambda: tabs.active == "tab-1" and app.focused is table)
        frames = lambda: [int(r[6]) for r in table.rows_text]  # noqa: E731
        await pilot.press("7")  # type: ignore[attr-defined]  # Frames, ascending
        await until(pilot, lambda: table.order == (6, False))
        assert frames() == sorted(frames())
        await pilot.press("7")  # type: ignore[attr-defined]  # again: descending
        await until(pilot, lambda: table.order == (6, True))
        assert frames() == sorted(frames(), reverse=True)
        # a click on a column's head sorts by it too (Address B)
        table.post_message(table.HeaderSelected(table, table.keys[1], 1,
                                                table.columns[table.keys[1]].label))
        await until(pilot, lambda: table.order == (1, False))
        assert [r[1] for r in table.rows_text] == sorted(r[1] for r in table.rows_text)
        # the shown rows follow the sort
        assert table.get_row_at(0)[1] == table.rows_text[0][1]
        await pilot.press("escape")  # type: ignore[attr-defined]
        await until(pilot, lambda: not isinstance(app.screen, TablesScreen))
        await pilot.press("C")  # type: ignore[attr-defined]
        await until(pilot, lambda: ready(screen))
        tabs = app.screen.query_one("TabbedContent")
        tabs.active = "tab-3"  # TCP
        tcp = app.screen.current()
        await until(pilot, lambda: tabs.active == "tab-3" and app.focused is tcp
                    and tcp.row_count > 0)
        row = tcp.rows_text[0]
        await pilot.press("enter")  # type: ignore[attr-defined]
        await until(pilot, lambda: settled(app) and app.filter_text != "")
        a, pa = row[0].rsplit(":", 1)
        b, pb = row[1].rsplit(":", 1)
        want = f"ip.addr=={a} && tcp.port=={pa} && ip.addr=={b} && tcp.port=={pb}"
        assert app.fbar.value == want
        got = [app.store.shown_number(i) for i in range(app.store.shown_count())]
        assert got == tshark_numbers(want) and got

    drive(t)


def test_table_sort_keys_and_filters() -> None:
    cells = ["2 kB", "999 bytes", "12 kB", "10"]
    assert sorted(cells, key=sort_key) == ["10", "999 bytes", "2 kB", "12 kB"]
    cols = ["Address A", "Address B"]
    assert row_filter("eth", cols, ["aa:bb:cc:dd:ee:ff", "ff:ff:ff:ff:ff:ff"]) == \
        "eth.addr==aa:bb:cc:dd:ee:ff && eth.addr==ff:ff:ff:ff:ff:ff"
    assert row_filter("udp", cols, ["::1:53", "::2:5353"]) == \
        "ipv6.addr==::1 && udp.port==53 && ipv6.addr==::2 && udp.port==5353"
    assert row_filter("tcp", ["Address", "Port"], ["10.0.0.1", "80"]) == \
        "ip.addr==10.0.0.1 && tcp.port==80"


def test_flow_diagram_is_the_z_flow_ladder_and_jumps_to_packets() -> None:
    want = run_analyze(["-r", str(LAB), "-q", "-z", "flow,any,standard,tftp"])[1]

    async def t(app: LabsharkApp, pilot: object) -> None:
        await pilot.press("slash", *"tftp", "enter")  # type: ignore[attr-defined]
        await until(pilot, lambda: settled(app) and app.filter_text == "tftp")
        await pilot.press("escape", "D")  # type: ignore[attr-defined]
        await until(pilot, lambda: isinstance(app.screen, FlowScreen))
        screen = app.screen
        # the same diagram as -z flow of the displayed packets (tshark's layout)
        assert "\n".join(screen.lines) in want and len(screen.items) > 2
        assert [it.frame for it in screen.items] == \
            [app.store.shown_number(i) for i in range(app.store.shown_count())]
        await pilot.press("down", "down", "enter")  # type: ignore[attr-defined]
        third = screen.items[2].frame
        await until(pilot, lambda: shows(app, third))

    drive(t)


def test_ladder_lines_map_each_line_to_its_arrow() -> None:
    from analyzer.stats.flow import FlowItem

    items = [FlowItem(1, "0.0", "a", "b", 1, 2, "x", "c", 0),
             FlowItem(2, "0.1", "b", "a", 2, 1, "y", "c", 1)]
    lines, owner = ladder_lines(items)
    assert owner == [-1, -1, 0, 0, -1, 1, 1] and len(lines) == 7
    assert lines[4].startswith("-----")


def test_io_graph_counts_the_io_stat_frames() -> None:
    text = run_analyze(["-r", str(LAB), "-q", "-z", "io,stat,1"])[1]
    want = [int(m) for m in re.findall(r"<>\s*[\d.Dur]+\s*\|\s*(\d+)\s*\|", text)]

    async def t(app: LabsharkApp, pilot: object) -> None:
        await pilot.press("I")  # type: ignore[attr-defined]
        await until(pilot, lambda: isinstance(app.screen, IoGraphScreen))
        screen = app.screen
        counts = [int(ln.split()[2]) for ln in screen.body.splitlines()[1:]]
        assert sum(counts) == len(app.store)
        if screen.interval == 1:
            assert counts == want
        await pilot.press("minus")  # type: ignore[attr-defined]  # a longer interval
        await until(pilot, lambda: isinstance(app.screen, IoGraphScreen)
                    and app.screen is not screen)
        assert app.screen.interval == screen.interval * 2

    drive(t)


def test_bars_scale_to_the_busiest_interval() -> None:
    out = bars([(0, 1), (1, 2)], [10, 5], width=10).splitlines()
    assert out[1].endswith("\u2588" * 10) and out[2].endswith("\u2588" * 5)


@pytest.mark.tshark
def test_time_reference_shows_ref_and_times_relative_to_it() -> None:
    epoch = [float(x) for x in run_tshark(["-r", str(LAB), "-T", "fields", "-e",
                                           "frame.time_epoch"]).split()]

    async def t(app: LabsharkApp, pilot: object) -> None:
        app.goto(5)
        await until(pilot, lambda: shows(app, 5))
        await pilot.press("ctrl+t")  # type: ignore[attr-defined]
        assert app.store.refs == [5]
        assert "*REF*" in app.plist.render_line(app.plist.cursor - int(
            app.plist.scroll_offset.y)).text
        assert app.store.time_text(5, app.store.row(5)[1]) == "*REF*"
        for n in (6, 9, 20):
            got = float(app.store.time_text(n, app.store.row(n)[1]))
            assert got == pytest.approx(epoch[n - 1] - epoch[4], abs=1e-6)
        assert app.store.time_text(3, app.store.row(3)[1]) == app.store.row(3)[1]
        await pilot.press("ctrl+t")  # type: ignore[attr-defined]  # unset
        assert app.store.refs == []

    drive(t)


def test_copy_value_and_filter() -> None:
    async def t(app: LabsharkApp, pilot: object) -> None:
        app.goto(24)
        await until(pilot, lambda: shows(app, 24))
        node = app.dtree.cursor_node
        app.dtree.select_offset(0, 36)  # udp.dstport
        await until(pilot, lambda: app.dtree.cursor_node is not node)
        await pilot.press("y")  # type: ignore[attr-defined]
        assert app.clipboard == "69"
        await until(pilot, lambda: "copied: 69" in status(app))
        await pilot.press("Y")  # type: ignore[attr-defined]
        assert app.clipboard == "udp.dstport == 69"

    drive(t)


@pytest.mark.tshark
@pytest.mark.parametrize(("mode", "where", "text", "flt"), [
    ("hex", "bytes", "00 45 00", "frame contains 00:45:00"),
    ("regex", "bytes", "GET /[a-z]+", 'frame matches "GET /[a-z]+"'),
    ("string", "bytes", "octet", 'frame contains "octet"'),
])
def test_find_in_bytes_equals_tsharks_frame_search(mode: str, where: str, text: str,
                                                   flt: str) -> None:
    after = 3
    want = [n for n in tshark_numbers(flt) if n > after]
    assert want  # (the sample has such a packet after frame 3)

    async def t(app: LabsharkApp, pilot: object) -> None:
        app.goto(after)
        await until(pilot, lambda: shows(app, after))
        app.reports.find(text, mode, where)
        await until(pilot, lambda: shows(app, want[0]))
        assert "found" in app.message

    drive(t)


def test_find_in_list_and_details_by_string_and_regex() -> None:
    async def t(app: LabsharkApp, pilot: object) -> None:
        store = app.store
        arp = next(n for n in range(2, len(store) + 1) if "ARP" in store.row(n)[4])
        app.reports.find("ARP", "string", "list")
        await until(pilot, lambda: shows(app, arp))
        # details: the first later frame whose tree has a line the regex finds
        rx = re.compile(r"Opcode: (Read|Write) Request")
        want = next(n for n in range(arp + 1, len(store) + 1)
                    if any(rx.search(r.label) for r in store.detail(n).rows))
        app.reports.find(rx.pattern, "regex", "details")
        await until(pilot, lambda: shows(app, want))
        app.reports.find("zz", "hex", "bytes")
        assert "not hex" in app.message
        app.reports.find("(", "regex", "list")
        assert "bad regular expression" in app.message
        # the find screen asks mode, place and text, and remembers them
        await pilot.press("ctrl+f")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
        screen = app.screen
        screen.query_one("#find-mode").value = "string"
        screen.query_one("#find-where").value = "list"
        await pilot.press(*"TFTP", "enter")  # type: ignore[attr-defined]
        await until(pilot, lambda: app.find_how == ("string", "list", "TFTP"))
        tftp = next(n for n in range(want + 1, len(store) + 1) if "TFTP" in store.rows[n - 1])
        await until(pilot, lambda: shows(app, tftp))

    drive(t)


def test_parse_hex() -> None:
    assert parse_hex("de ad:BE-ef") == b"\xde\xad\xbe\xef"
    assert parse_hex("0x45 0x00") == b"\x45\x00"
    for bad in ("", "abc", "xyz1"):
        with pytest.raises(FindError):
            parse_hex(bad)


def test_follow_encodings_and_jump_back() -> None:
    def report_of(arg: str) -> str:
        return run_analyze(["-r", str(LAB), "-q", "-z", arg])[1]

    async def t(app: LabsharkApp, pilot: object) -> None:
        tcp = next(n for n in range(1, len(app.store) + 1) if "HTTP" in app.store.row(n)[4])
        app.goto(tcp)
        await until(pilot, lambda: shows(app, tcp))
        stream = app.detail.packet.index["tcp.stream"][0].value
        await pilot.press("F")  # type: ignore[attr-defined]
        await until(pilot, lambda: isinstance(app.screen, FollowScreen))
        assert app.screen.body == report_of(f"follow,http,ascii,{stream}")
        for key, mode in (("x", "hex"), ("r", "raw")):
            first = app.screen
            await pilot.press(key)  # type: ignore[attr-defined]
            await until(pilot, lambda f=first: isinstance(app.screen, FollowScreen)
                        and app.screen is not f)
            assert app.screen.body == report_of(f"follow,http,{mode},{stream}")
        raw = app.screen.body
        first = app.screen
        await pilot.press("c")  # type: ignore[attr-defined]
        await until(pilot, lambda: isinstance(app.screen, FollowScreen)
                    and app.screen is not first)
        carray = app.screen.body
        assert carray.startswith("char peer0_0[] = { /* Packet ")
        # the C arrays hold the raw mode's bytes, chunk by chunk
        chunks = [ln.strip() for ln in raw.splitlines()
                  if re.fullmatch(r"\t?[0-9a-f]+", ln)]
        arrays = re.findall(r"\{ /\* Packet \d+ \*/\n(.*?) \};", carray, re.S)
        assert ["".join(h[2:] for h in re.findall(r"0x[0-9a-f]{2}", a)) for a in arrays] \
            == chunks
        # g: back to a packet
        await pilot.press("g", *str(tcp + 1), "enter")  # type: ignore[attr-defined]
        await until(pilot, lambda: shows(app, tcp + 1))

    drive(t)


def test_command_palette_reaches_every_view() -> None:
    actions = {a for _t, _h, a in COMMANDS}
    for needed in ("flow", "io_graph", "stats('conv')", "stats('endpoints')", "follow",
                   "stats('phs')", "stats('expert')", "learner", "find", "time_ref",
                   "copy(False)", "export", "goto", "help"):
        assert needed in actions

    async def t(app: LabsharkApp, pilot: object) -> None:
        cmds = {c.title: c for c in app.get_system_commands(app.screen)}
        assert "Flow (sequence) diagram" in cmds
        assert "Live capture: restart" not in cmds  # (a file: no capture to restart)
        cmds["Help: every key"].callback()
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape", "ctrl+p")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
        from textual.command import CommandPalette

        assert isinstance(app.screen, CommandPalette)

    drive(t)


def test_help_lists_every_binding() -> None:
    from analyzer.tui.packet_list import PacketList
    from analyzer.tui.panes import DetailTree

    names = {"slash": "/", "escape": "Esc", "question_mark": "?", "f1": "F1",
             "pageup": "PgUp", "pagedown": "PgDn"}
    listed = " ".join(k for k, _ in KEYS).replace(" / ", " ").split()
    for b in [*LabsharkApp.BINDINGS, *PacketList.BINDINGS, *DetailTree.BINDINGS]:
        for key in b.key.split(","):
            shown = names.get(key) or "+".join(p.capitalize() if len(p) > 1 else p.upper()
                                               if p != key else p for p in key.split("+"))
            assert shown in listed, key


def test_packed_rows() -> None:
    rows = PackedRows()
    rows.extend(["a\x1fb", "", "\u00e9t\u00e9"])
    assert len(rows) == 3 and rows[0] == "a\x1fb" and rows[1] == "" and rows[-1] == "\u00e9t\u00e9"


@pytest.mark.tshark
@pytest.mark.parametrize("flt", ["udp.port == 69", "ip.addr == 192.168.56.0/24",
                                 "tcp.flags.syn == 1"])
def test_filter_worker_fast_path_equals_tshark(flt: str) -> None:
    """A big file's filter runs in a worker by analyze's fast path: tshark's frames."""
    job = Source(str(LAB), {}).job("filter", filter=flt)

    class Conn:
        got: list[int] = []
        end: list[str] = []

        def send(self, msg: tuple) -> None:
            (self.got.extend if msg[0] == "rows" else self.end.append)(msg[1])

    conn = Conn()
    assert _fast_filter(job, conn)
    assert conn.got == tshark_numbers(flt)
    # and through a worker process, as the view starts it
    got: list[int] = []
    done = threading.Event()
    Pass(job, got.extend, lambda kind, payload: done.set())
    assert done.wait(120)
    assert got == tshark_numbers(flt)


def test_first_pass_forked_fills_the_store() -> None:
    from analyzer.output.color_rules import default_rules
    from analyzer.tui.store import PacketStore
    from analyzer.tui.worker import start_scan

    store = PacketStore(default_rules())
    p = start_scan(Source(str(LAB), {}).job("scan", filter="", color=True, time_fmt="r"),
                   store, fork=threading.active_count() == 1)
    p.thread.join(120)
    assert store.done and len(store) == 34
    want = run_analyze(["-r", str(LAB)])[1].splitlines()
    assert [store.row(n)[0] for n in range(1, 35)] == [ln.split()[0] for ln in want]
    assert store.spilled < 34 * 2000
    assert store.read_bytes == LAB.stat().st_size  # (the status line's progress: all read)
    store.close()

