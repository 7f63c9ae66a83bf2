"""SVG snapshots of the interactive view's main screens (pytest-textual-snapshot).

The accepted SVGs are in tests/__snapshots__/; after an intended change of the view,
look at the new ones and accept them with `pytest tests/test_tui_snapshot.py
--snapshot-update`."""

from __future__ import annotations

import time

import pytest
from diffutil import ROOT

pytest.importorskip("textual", reason="the [tui] extra (sh .ci/setup --test installs it)")
pytest.importorskip("pytest_textual_snapshot", reason="the [tui-test] extra")

from analyzer.output.color_rules import default_rules  # noqa: E402
from analyzer.tui.app import LabsharkApp, Source  # noqa: E402

LAB = ROOT / "captures" / "samples" / "lab.pcap"


def _app() -> LabsharkApp:
    return LabsharkApp(Source(str(LAB), {}), rules=default_rules())


async def _until(pilot, cond, secs: float = 60) -> None:  # noqa: ANN001
    """Wait for a state of the view, bounded (a slow machine only waits longer)."""
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        await pilot.pause()
        if cond():
            return
        await pilot.pause(0.02)
    raise AssertionError("timed out waiting for the view")


async def _ready(pilot, number: int = 24, item: int = 4) -> None:  # noqa: ANN001
    app = pilot.app
    await _until(pilot, lambda: app.store.done and app.plist.selected)
    app.goto(number)
    # the packet's tree is built before the keys move in it
    await _until(pilot, lambda: app.detail is not None and app.detail.number == number
                 and app.dtree.detail is app.detail)
    app.dtree.focus()
    for _ in range(item + 1):
        await pilot.press("down")
    await pilot.press("enter")
    assert app.dtree.cursor_node.data.abbrev == "tftp"
    row = app.dtree.cursor_node.data.item
    span = (row.offset, row.offset + row.length)
    # the bytes lit, the status line says all was read and names the item
    await _until(pilot, lambda: app.hex.span == span and app.plist._count == len(app.store))
    app._show_status()
    await _until(pilot, lambda: "tftp" in str(app.status.render())
                 and "reading" not in str(app.status.render()))
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def test_main_screen_snapshot(snap_compare) -> None:  # noqa: ANN001
    """The TFTP read request selected, its TFTP layer open and its bytes lit."""
    assert snap_compare(_app(), terminal_size=(100, 30), run_before=_ready)


def test_main_screen_80x24_snapshot(snap_compare) -> None:  # noqa: ANN001
    assert snap_compare(_app(), terminal_size=(80, 24), run_before=_ready)
