"""analyzer/tui/ stands at the end: only the CLI entry (analyzer/app.py, on --tui)
imports it, so the command line never loads textual; tui/ itself imports only the
four stages (the import-linter contracts in test_architecture.py keep traffic/ out)."""

from __future__ import annotations

import ast

from diffutil import ROOT


def _imports(path):  # noqa: ANN001, ANN202
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


def test_only_the_cli_imports_the_tui() -> None:
    users = set()
    for pkg in ("analyzer", "captures", "dissectors", "filters", "traffic"):
        for path in (ROOT / pkg).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith("analyzer/tui/"):
                continue
            if any(m == "analyzer.tui" or m.startswith("analyzer.tui.") for m in _imports(path)):
                users.add(rel)
    assert users == {"analyzer/app.py"}


def test_tui_imports_only_stages_stdlib_and_its_libraries() -> None:
    allowed = ("analyzer", "captures", "dissectors", "filters", "textual", "rich")
    import sys

    for path in (ROOT / "analyzer" / "tui").glob("*.py"):
        for mod in _imports(path):
            top = mod.split(".")[0]
            assert top in allowed or top in sys.stdlib_module_names or top == "__future__", \
                (path.name, mod)
        assert len(path.read_text(encoding="utf-8").splitlines()) < 600, path.name


def test_colour_rules_compile_without_searching_hints(monkeypatch) -> None:  # noqa: ANN001
    """Before the first screen the view compiles the colouring rules, six of which name
    protocols labshark lacks: their errors' "did you mean" hints are not searched (a
    pass over every field name each) unless a message is read, and then they are."""
    from analyzer.output.color_rules import default_rules
    from dissectors import REGISTRY
    from filters import FilterError, compile_filter

    calls: list[str] = []
    similar = REGISTRY.similar
    monkeypatch.setattr(REGISTRY, "similar", lambda name: calls.append(name) or similar(name))
    rules = default_rules()
    assert rules and not calls
    try:
        compile_filter("tcp and hTTp")
    except FilterError as e:
        assert not calls
        assert str(e) == 'hTTp is neither a field nor a protocol name. Did you mean "http"?'
        assert (e.column, e.length) == (8, 4)
    else:
        raise AssertionError("hTTp compiled")
    assert calls == ["hTTp", "http"]
