"""`analyze --tui` end to end in a real terminal emulator: tmux at 80x24.

Starts the installed command on a sample capture in a private tmux server, sends keys
and reads the screen back with capture-pane.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from diffutil import ROOT, run_tshark

pytest.importorskip("textual", reason="the [tui] extra (sh .ci/setup --test installs it)")
if shutil.which("tmux") is None:  # .ci/setup --test installs it
    pytest.skip("tmux is not installed", allow_module_level=True)

LAB = ROOT / "captures" / "samples" / "lab.pcap"
ANALYZE = Path(sys.executable).with_name("analyze")


class Tmux:
    def __init__(self) -> None:
        self.sock = f"labshark-test-{uuid.uuid4().hex[:8]}"

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.sock, *args], check=True,
                              capture_output=True, text=True, timeout=20).stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "t")

    def wait_for(self, cond: Callable[[str], bool], secs: float = 30) -> str:
        end = time.monotonic() + secs
        text = ""
        while time.monotonic() < end:
            text = self.screen()
            if cond(text):
                return text
            time.sleep(0.2)
        raise AssertionError(f"screen never matched:\n{text}")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "t", *keys)


@pytest.fixture
def term() -> Tmux:
    t = Tmux()
    env = f"env TERM=xterm-256color COLUMNS=80 LINES=24 PATH={os.environ.get('PATH', '')}"
    t.tmux("new-session", "-d", "-s", "t", "-x", "80", "-y", "24",
           f"{env} {ANALYZE} --tui {LAB}; echo EXITED $?; sleep 30")
    yield t
    subprocess.run(["tmux", "-L", t.sock, "kill-server"], capture_output=True, timeout=20)


@pytest.mark.tshark
def test_tui_in_tmux(term: Tmux) -> None:
    # the file read, the first packet selected and its tree shown
    screen = term.wait_for(lambda s: "Packets: 34" in s and "Frame 1:" in s)
    assert "No." in screen and "Protocol" in screen
    assert "0000  ff ff ff ff ff ff" in screen  # and its bytes
    want = len(run_tshark(["-r", str(LAB), "-Y", "tftp"]).splitlines())
    term.keys("/")
    time.sleep(0.5)  # (a person types slower than send-keys: let the bar take focus)
    term.keys("tftp", "Enter")
    screen = term.wait_for(lambda s: f"Displayed: {want} " in s and "filter took" in s)
    assert "TFTP" in screen.splitlines()[2]
    term.keys("q")
    term.wait_for(lambda s: "EXITED 0" in s)


def test_tui_ctrl_c_quits_and_restores_the_terminal(term: Tmux) -> None:
    term.wait_for(lambda s: "Packets: 34" in s)
    term.keys("C-c")
    screen = term.wait_for(lambda s: "EXITED 0" in s)
    assert "Apply a display filter" not in screen  # the alternate screen is gone
