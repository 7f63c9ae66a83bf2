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


_PROBE = r"""
import sys, io
from analyzer.tui import app as tui_app

seen = {}
first = tui_app.LabsharkApp._after_first_paint


def probe(self):
    # at the first screen (its first rows): which modules the view's process holds
    if "at_first_screen" not in seen:
        seen["at_first_screen"] = sorted(m for m in ("dissectors", "filters")
                                         if m in sys.modules)
        seen["rows_then"] = len(self.store)
        self.set_interval(0.05, lambda: (self.store.done and self.registry_ready.is_set()
                                         and self.fbar.suggester.names
                                         and self.detail is not None and self.exit()))
    first(self)


def run_headless(self, *a, **kw):
    tui_app.App.run(self, headless=True, size=(100, 30))
    seen["rows"] = len(self.store)
    seen["coloured"] = sum(1 for n in range(1, len(self.store) + 1) if self.store.rule(n))
    seen["compiled"] = all(r.match is not None for r in self.store.rules)
    seen["decode_as"] = self.source.decode_as
    seen["names"] = len(self.fbar.suggester.names)


tui_app.LabsharkApp._after_first_paint = probe
tui_app.LabsharkApp.run = run_headless
from analyzer.app import run
err = io.StringIO()
code = run(["--tui", *sys.argv[1:]], io.StringIO(), err)
print(repr((code, err.getvalue(), seen)))
"""


def _probe(*args: str) -> tuple[int, str, dict]:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _PROBE, *args], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, env={**__import__("os").environ,
                                                       "NO_COLOR": ""})
    assert out.returncode == 0, out.stderr[-2000:]
    return eval(out.stdout.strip().splitlines()[-1])  # noqa: S307 - our own repr


def test_the_view_paints_before_it_imports_the_dissectors() -> None:
    """The first pass is forked before the view imports the dissector registry (the
    worker imports it while the view imports textual and paints): at the first screen
    the view's process holds neither dissectors nor filters; after it, the colour
    rules, -d and completion names are there, and the rows coloured."""
    code, err, seen = _probe("--color", "always", "-d", "udp.port==2425,ipmsg",
                             str(ROOT / "captures/samples/feiq.pcap"))
    assert (code, err) == (0, "")
    assert seen["at_first_screen"] == [] and seen["rows_then"] > 0
    assert seen["rows"] > 0 and seen["coloured"] == seen["rows"]
    assert seen["compiled"] and seen["names"] > 1000
    assert seen["decode_as"] == {("udp.port", 2425): "ipmsg"}


def test_a_bad_option_still_fails_before_the_screen() -> None:
    """-Y, -d and colour rules are checked by the forked pass; their errors are the
    command line's one line and exit status, and no screen starts."""
    code, err, seen = _probe("-Y", "tcp.port ==", str(ROOT / "captures/samples/feiq.pcap"))
    assert code == 2 and err.startswith("analyze: ") and "at_first_screen" not in seen
    code, err, seen = _probe("-d", "udp.port==1,nosuch", str(ROOT / "captures/samples/feiq.pcap"))
    assert (code, err) == (1, 'analyze: Unknown protocol "nosuch" in -d "udp.port==1,nosuch"\n')
    code, err, seen = _probe("--color-rules", "/nonexistent/rules",
                             str(ROOT / "captures/samples/feiq.pcap"))
    assert code == 2 and 'Can\'t read colour rules "/nonexistent/rules"' in err
    assert "at_first_screen" not in seen
