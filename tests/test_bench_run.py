"""bench/run.py without its optional peers: a peer that is not installed is skipped with
a note, never reported as a MISMATCH (the README's `--quick` run on a fresh set-up)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = mod
    spec.loader.exec_module(mod)
    return mod


def _without(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Make `names` look uninstalled, whether or not they are."""
    real = importlib.util.find_spec

    def find_spec(name: str, *args: object) -> object:
        return None if name in names else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_missing_peer_is_skipped_with_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    bench = _bench()
    _without(monkeypatch, "dpkt")
    code = bench.main(["--quick", "--packets", "300", "--tools", "analyze,dpkt",
                       "--filters", "udp69", "--out", str(tmp_path / "out"),
                       "--cache", str(tmp_path / "cache")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "MISMATCH" not in out and "FAILED" not in out
    assert "dpkt skipped: dpkt not installed (pip install -e '.[bench]')" in out
    report = next((tmp_path / "out").glob("*.md")).read_text()
    assert "| analyze |" in report and "| dpkt |" not in report
    assert "Not measured: dpkt skipped" in report


def test_installed_peers(monkeypatch: pytest.MonkeyPatch) -> None:
    bench = _bench()
    _without(monkeypatch, "dpkt", "pyshark")
    monkeypatch.setattr(bench.shutil, "which", lambda name: None if name == "tshark" else name)
    kept, notes = bench.installed_peers(["analyze", "tshark", "dpkt", "pyshark", "limits"])
    assert kept == ["analyze", "limits"]
    assert notes == ["tshark skipped: tshark not installed",
                     "dpkt skipped: dpkt not installed (pip install -e '.[bench]')",
                     "pyshark skipped: pyshark, tshark not installed (pip install -e "
                     "'.[bench]')"]


def test_readme_benchmark_installs_the_bench_extra() -> None:
    """The README's benchmark commands first install what the peers need."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Benchmark"):]
    first = next(ln.strip() for ln in section.splitlines() if ln.startswith("    "))
    assert first.startswith(".venv/bin/python -m pip install -e '.[bench]'")
    bench = next(ln for ln in (ROOT / "pyproject.toml").read_text().splitlines()
                 if ln.startswith("bench = "))
    assert all(f'"{peer}>=' in bench for peer in ("dpkt", "scapy", "pyshark"))


@pytest.mark.tshark
def test_detail_rows_run_unfiltered_with_ratios(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """-V and JSON rows: on their cut, the whole capture (no filter), analyze's row is
    the reference of tshark's ratio."""
    import shutil

    if shutil.which("tshark") is None:
        pytest.skip("tshark not installed")
    bench = _bench()
    code = bench.main(["--packets", "300", "--tools", "analyze-V,tshark-V,analyze-json",
                       "--filters", "udp69", "--detail-packets", "200", "--out",
                       str(tmp_path / "out"), "--cache", str(tmp_path / "cache")])
    out = capsys.readouterr().out
    assert code == 0, out
    report = next((tmp_path / "out").glob("*.md")).read_text()
    rows = [ln for ln in report.splitlines() if "-cut200" in ln]
    tools = [ln.split("|")[2].strip() for ln in rows]
    assert tools == ["analyze", "analyze-V", "tshark-V", "analyze-json"], rows
    assert all(ln.startswith("| `(none)` |") for ln in rows)
    ratio = rows[2].split("|")[9].strip()
    assert ratio.endswith("x") and float(ratio[:-1]) > 0, rows[2]


@pytest.mark.tshark
@pytest.mark.parametrize(("extra", "cut"), [
    ([], False),  # the default: -V and JSON rows on the whole capture (issue 14)
    (["--detail-packets", "200"], True),
])
def test_detail_rows_capture(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                             extra: list[str], cut: bool) -> None:
    bench = _bench()
    code = bench.main(["--packets", "300", "--tools", "analyze-V", "--filters", "udp69",
                       *extra, "--out", str(tmp_path / "out"),
                       "--cache", str(tmp_path / "cache")])
    out = capsys.readouterr().out
    assert code == 0, out
    report = next((tmp_path / "out").glob("*.md")).read_text()
    rows = [ln for ln in report.splitlines() if ln.startswith("|") and "analyze-V" in ln]
    assert len(rows) == 1, report
    assert ("-cut200" in rows[0]) is cut, rows[0]
