"""The import structure (DESIGN.md): import-linter's contracts from pyproject.toml.

captures -> dissectors -> filters -> analyzer, a stage never importing a later one;
traffic/ apart; no import circle among the modules of any package. The last two tests
show the checker is not toothless: a small package with a circle, and one with a
lower layer importing a higher one, are refused.
"""

from __future__ import annotations

import importlib
import textwrap
from pathlib import Path

import pytest
from importlinter import cli

ROOT = Path(__file__).resolve().parent.parent


def _lint(config: Path) -> bool:
    """True when every contract in `config` is kept (the `lint-imports` command's run)."""
    return cli.lint_imports(config_filename=str(config), no_cache=True, no_logo=True) == 0


def test_labshark_keeps_its_import_contracts(capsys: pytest.CaptureFixture[str]) -> None:
    kept = _lint(ROOT / "pyproject.toml")
    out = capsys.readouterr().out
    assert kept, out
    assert "4 kept, 0 broken" in out


def _package(root: Path, name: str, modules: dict[str, str]) -> None:
    pkg = root / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for mod, source in modules.items():
        (pkg / f"{mod}.py").write_text(textwrap.dedent(source))


def _config(root: Path, body: str) -> Path:
    cfg = root / "contracts.toml"
    cfg.write_text(textwrap.dedent(body))
    return cfg


def test_a_circle_through_a_late_import_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # As packet.py <-> frame.py was: one side imports the other inside a function.
    _package(tmp_path, "circ", {
        "packet": """
            def fields():
                from circ import frame
                return frame.EXPERT
        """,
        "frame": "from circ.packet import fields\nEXPERT = 1\n",
        "tvb": "from circ.frame import EXPERT\n",
    })
    cfg = _config(tmp_path, """
        [tool.importlinter]
        root_packages = ["circ"]
        [[tool.importlinter.contracts]]
        name = "no circles in circ"
        type = "acyclic_siblings"
        ancestors = ["circ"]
    """)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    assert not _lint(cfg)
    out = capsys.readouterr().out
    assert "No cycles are allowed in circ" in out
    assert "1 broken" in out


def test_a_stage_importing_a_later_stage_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    _package(tmp_path, "early", {"reader": "import late.app\n"})
    _package(tmp_path, "late", {"app": "import early.reader\n"})
    cfg = _config(tmp_path, """
        [tool.importlinter]
        root_packages = ["early", "late"]
        [[tool.importlinter.contracts]]
        name = "early -> late"
        type = "layers"
        layers = ["late", "early"]
    """)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    assert not _lint(cfg)
    out = capsys.readouterr().out
    assert "early.reader -> late.app" in out
