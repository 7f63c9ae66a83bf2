"""Use the mypyc-compiled build of the hottest modules: captures/compiled_build.py finds
it (only while it matches the sources it was built from) and holds the marks a compiled
module's classes take; re-exported here, where the dissectors and tests look.
"""

from __future__ import annotations

from pathlib import Path

from captures.compiled_build import (
    BUILD_DIR,
    MODULES,
    ROOT,
    STAMP,
    digest,
    interpreter,
    matches,
    mypyc_attr,
    pure_forced,
    python_class,
    use_build,
    write_stamp,
)

__all__ = ["BUILD_DIR", "MODULES", "ROOT", "STAMP", "digest", "interpreter", "matches",
           "pure_forced", "write_stamp", "use_compiled", "mypyc_attr", "python_class",
           "active", "pure_modules"]


def use_compiled(build_dir: Path = BUILD_DIR) -> bool:
    """Whether this process runs the build (dissectors/__init__.py's COMPILED)."""
    return use_build(build_dir)


def active() -> bool:
    """Whether this process runs the compiled modules (tests, --version-style checks)."""
    from dissectors import packet

    return not packet.__file__.endswith(".py")


def pure_modules() -> list[str]:
    """The modules of MODULES this process imports from their .py source (with a build
    in use: none; each package with compiled modules installs the build's finder)."""
    import importlib

    names = (rel.removesuffix(".py").replace("/", ".") for rel in MODULES)
    return [n for n in names if (importlib.import_module(n).__file__ or "").endswith(".py")]
