"""Compile labshark's hottest dissector modules with mypyc into build/compiled/.

    .venv/bin/python .ci/build_compiled.py [--if-stale]   (needs mypy, a C compiler, Python.h)

`sh .ci/setup` runs it with --if-stale (keep a build that matches the sources and compiles
every module of MODULES). On failure it prints one line, keeps mypyc's output in
build/compiled.log and exits 1: labshark then runs in pure Python.

The same .py sources, compiled (captures/compiled_build.py says which, and how a build is
only used while its stamp matches the sources). The build goes to a fresh directory
that replaces build/compiled/ only when complete; the stamp hashes the sources as they
were when the build began, so a file edited meanwhile just leaves it unused.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dissectors.compiled as compiled  # noqa: E402

BUILD_DIR = compiled.BUILD_DIR

PACKAGES = ("dissectors", "captures", "filters", "analyzer")

_SETUP = """
import os, sys
from setuptools import setup
from mypyc.build import mypycify
mods = sys.argv[1:]
sys.argv[1:] = ["build_ext", "--build-lib", {out!r}, "--build-temp", {tmp!r},
                "--parallel", str(os.cpu_count() or 1)]
# One C file per module, compiled in parallel; no debug info (faster to build).
setup(name="labshark-compiled", ext_modules=mypycify(
      ["--follow-imports=silent", *mods], opt_level="3", debug_level="0", multi_file=True,
      target_dir={tmp!r}))
"""


def imported_closure(modules: tuple[str, ...]) -> list[str]:
    """The compiled modules and every project module they import, transitively."""
    seen: set[str] = set()
    todo = list(modules)
    while todo:
        rel = todo.pop()
        if rel in seen or not (ROOT / rel).is_file():
            continue
        seen.add(rel)
        tree = ast.parse((ROOT / rel).read_text(), rel)
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom):
                # (a relative import, as captures/ writes them, from the module's package)
                package = rel.removesuffix(".py").split("/")[:-1]
                stem = ".".join(package[:len(package) - node.level + 1]) if node.level else ""
                module = ".".join(p for p in (stem, node.module or "") if p)
                names = ([module] if node.module else []) + [f"{module}.{a.name}"
                                                             for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.split(".")[0] in PACKAGES:
                    base = name.replace(".", "/")
                    todo += [f"{base}.py", f"{base}/__init__.py"]
    return sorted(seen)


def up_to_date() -> bool:
    """A build that matches the sources and compiles every module of MODULES."""
    try:
        built = json.loads((BUILD_DIR / compiled.STAMP).read_text())["sources"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return compiled.matches(BUILD_DIR) and set(compiled.MODULES) <= set(built)


def main(argv: list[str]) -> int:
    if "--if-stale" in argv and up_to_date():
        print(f"build_compiled: {BUILD_DIR.relative_to(ROOT)} is up to date")
        return 0
    began = time.monotonic()
    sources = {rel: compiled.digest(ROOT / rel) for rel in imported_closure(compiled.MODULES)}
    new = BUILD_DIR.with_name("compiled.new")
    tmp = BUILD_DIR.with_name("compiled.tmp")
    for d in (new, tmp):
        shutil.rmtree(d, ignore_errors=True)
    code = _SETUP.format(out=str(new), tmp=str(tmp))
    log = BUILD_DIR.with_name("compiled.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        r = subprocess.run([sys.executable, "-c", code, *compiled.MODULES], cwd=ROOT,
                           stdout=out, stderr=subprocess.STDOUT)
    if r.returncode:
        lines = log.read_text(errors="replace").splitlines()
        why = next((ln for ln in lines if ": error:" in ln), lines[-1] if lines else "")
        print(f"build_compiled: labshark runs in pure Python: mypyc failed: {why.strip()} "
              f"(log: {log.relative_to(ROOT)})", file=sys.stderr)
        return 1
    compiled.write_stamp(new, sources)
    shutil.rmtree(BUILD_DIR, ignore_errors=True)
    new.rename(BUILD_DIR)
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"build_compiled: {len(compiled.MODULES)} modules in {BUILD_DIR.relative_to(ROOT)} "
          f"(stamp: {len(sources)} sources) in {time.monotonic() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
