"""`analyze --info FILE...` against the installed capinfos (4.0), byte for byte, on
every capture in the repository and the generated mixed capture (pcap and pcapng),
one file at a time and several at once; unreadable files as capinfos reports them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from diffutil import run_analyze

ROOT = Path(__file__).resolve().parent.parent
CAPTURES = sorted([*(ROOT / "captures" / "samples").glob("*.pcap*"),
                   *(ROOT / "tests" / "data" / "wireshark").glob("*.pcap*")])


def capinfos(paths: list[str]) -> subprocess.CompletedProcess:
    if shutil.which("capinfos") is None:
        pytest.skip("capinfos is not installed")
    env = dict(os.environ, TZ="UTC", LC_ALL="C")
    return subprocess.run(["capinfos", *paths], capture_output=True, text=True, env=env,
                          timeout=60, check=False)


def same(paths: list[str]) -> str:
    rc, out, err = run_analyze(["--info", *paths])
    cp = capinfos(paths)
    assert (rc, out) == (cp.returncode, cp.stdout), err
    return out


@pytest.mark.tshark
@pytest.mark.parametrize("cap", CAPTURES, ids=lambda p: p.name)
def test_each_capture_equals_capinfos(cap: Path) -> None:
    out = same([str(cap)])
    assert out.startswith(f"File name:           {cap}\n")


@pytest.mark.tshark
def test_mixed_pcap_and_pcapng(mixed_pcap: Path, mixed_pcapng: Path) -> None:
    """Several files: capinfos's blank line between their reports."""
    out = same([str(mixed_pcap), str(mixed_pcapng)])
    assert "\n\nFile name:" in out


@pytest.mark.tshark
def test_all_at_once() -> None:
    same([str(c) for c in CAPTURES])


@pytest.mark.tshark
def test_unreadable_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(b"garbage\n")
    rc, out, err = run_analyze(["--info", str(tmp_path / "missing.pcap"), str(bad),
                                str(CAPTURES[0])])
    assert rc == 2 and out.startswith(f"File name:           {CAPTURES[0]}\n")
    assert err.splitlines() == [
        f'analyze: The file "{tmp_path / "missing.pcap"}" doesn\'t exist.',
        f'analyze: The file "{bad}" isn\'t a capture file in a format labshark understands.']
