"""SVG snapshots of the interactive view's main screens (pytest-textual-snapshot).

The accepted SVGs are in tests/__snapshots__/; after an intended change of the view,
look at the new ones and accept them with `pytest tests/test_tui_snapshot.py
--snapshot-update`."""

from __future__ import annotations

import pytest
from diffutil import ROOT

pytest.importorskip("textual", reason="the [tui] extra (sh .ci/setup --test installs it)")
pytest.importorskip("pytest_textual_snapshot", reason="the [tui-test] extra")

from analyzer.output.color_rules import default_rules  # noqa: E402
from analyzer.tui.app import LabsharkApp, Source  # noqa: E402

LAB = ROOT / "captures" / "samples" / "lab.pcap"


def _app() -> LabsharkApp:
    return LabsharkApp(Source(str(LAB), {}), rules=default_rules())


async def _ready(pilot, number: int = 24, item: int = 4) -> None:  # noqa: ANN001
    app = pilot.app
    for _ in range(400):
        if app.store.done and app.plist.selected:
            break
        await pilot.pause(0.05)
    app.goto(number)
    for _ in range(100):  # the packet's tree is built before the keys move in it
        if app.detail is not None and app.detail.number == number:
            break
        await pilot.pause(0.05)
    await pilot.pause()
    app.dtree.focus()
    for _ in range(item + 1):
        await pilot.press("down")
    await pilot.press("enter")
    assert app.dtree.cursor_node.data.abbrev == "tftp"
    await pilot.pause(0.3)
    app._show_status()
    await pilot.pause()


def test_main_screen_snapshot(snap_compare) -> None:  # noqa: ANN001
    """The TFTP read request selected, its TFTP layer open and its bytes lit."""
    assert snap_compare(_app(), terminal_size=(100, 30), run_before=_ready)


def test_main_screen_80x24_snapshot(snap_compare) -> None:  # noqa: ANN001
    assert snap_compare(_app(), terminal_size=(80, 24), run_before=_ready)
