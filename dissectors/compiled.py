"""Use the mypyc-compiled build of the hottest dissector modules, only while it matches
the sources it was built from.

`.ci/build_compiled.py` compiles the modules of `MODULES` from the same source into
`build/compiled/` (never next to the sources: an extension module there would be
imported before an edited .py). Its stamp lists the sha256 of each compiled module and
of every project module they import (mypyc builds their types in); `use_compiled` puts
the build on the import path only when every hash still matches and the interpreter is
the one it was built for, so an edited source falls back to pure Python (until rebuilt),
never to a stale build. `LABSHARK_PURE=1` forces pure Python (empty or 0: the build if
it matches).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = ROOT / "build" / "compiled"
STAMP = "stamp.json"

#: What is compiled: the per-packet path of a list or -V run (profiled on the lab
#: captures), all of whose types mypyc accepts.
MODULES = (
    "dissectors/packet.py", "dissectors/tvb.py", "dissectors/format.py", "dissectors/frame.py",
    "dissectors/eth.py", "dissectors/vlan.py", "dissectors/ip.py", "dissectors/ipv6.py",
    "dissectors/udp.py", "dissectors/tcp.py", "dissectors/tcp_analysis.py",
    "dissectors/tcp_stream.py", "dissectors/session.py", "dissectors/ports.py",
    "dissectors/dispatch.py", "dissectors/dns.py",
    "dissectors/icmp.py", "dissectors/arp.py", "dissectors/ipmsg.py", "dissectors/tftp.py",
    "dissectors/http.py", "dissectors/http_pairing.py", "dissectors/skipping.py",
    "dissectors/escape.py", "dissectors/http_proto.py", "dissectors/http_body.py",
    "dissectors/data.py", "dissectors/icmpv6.py", "dissectors/dns_labels.py",
    "dissectors/dns_header.py",
    # the -V and -T json writers (analyzer/output/__init__.py puts them on its path)
    "analyzer/output/detail_tree.py", "analyzer/output/json_ek.py",
)


_C = TypeVar("_C", bound=type)


def python_class(cls: _C) -> _C:
    """Keep a class of a compiled module a Python class: mypyc makes a class with a
    decorator it does not know a plain (non-native) class, which may subclass what a
    native one cannot (list, a class of an uncompiled module)."""
    return cls


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def interpreter() -> str:
    """What a build is only good for: this Python's version and ABI."""
    return f"{sys.version} {sys.implementation.cache_tag} {sys.abiflags}"


def matches(build_dir: Path, root: Path = ROOT) -> bool:
    """Whether the build in `build_dir` was made from the sources as they are now."""
    try:
        stamp = json.loads((build_dir / STAMP).read_text())
        if stamp["interpreter"] != interpreter():
            return False
        sources = stamp["sources"]
        return bool(sources) and all(digest(root / rel) == h for rel, h in sources.items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def write_stamp(build_dir: Path, sources: dict[str, str], interp: str | None = None) -> None:
    """The stamp `matches` reads: the interpreter built for (this one unless `interp`)
    and the sha256 of each source (relative path -> `digest`)."""
    stamp = {"interpreter": interp or interpreter(), "sources": sources}
    (build_dir / STAMP).write_text(json.dumps(stamp, indent=1) + "\n")


def pure_forced() -> bool:
    """LABSHARK_PURE set to anything but empty or 0 (the test suite sets 1)."""
    return os.environ.get("LABSHARK_PURE", "") not in ("", "0")


#: Packages besides this one with compiled modules (the -V and JSON writers). Each gets
#: the build on its path from whichever of it and this package is imported last:
#: importing it must not import the dissectors (analyzer.options imports
#: analyzer.output, and `analyze --tui` forks before the dissectors are imported).
OTHER_PACKAGES = ("analyzer.output",)

#: build dir -> whether it matched when use_compiled first asked: one answer a process,
#: so no package runs a build while another runs pure sources.
_VERDICTS: dict[Path, bool] = {}


def use_compiled(package_path: list[str], build_dir: Path = BUILD_DIR,
                 package: str = "dissectors") -> bool:
    """Put a matching build ahead of the sources for the package's modules (called by
    dissectors/__init__.py, and by the __init__.py of OTHER_PACKAGES with their
    `package` path, before any of their modules is imported)."""
    if pure_forced():
        return False
    verdict = _VERDICTS.get(build_dir)
    if verdict is None:  # (the sources hashed once a process)
        verdict = _VERDICTS[build_dir] = matches(build_dir)
    if not verdict:
        return False
    _ahead(package_path, build_dir / package)
    if package == "dissectors":
        for name in OTHER_PACKAGES:
            other = sys.modules.get(name)
            if other is not None:  # imported before the dissectors
                _ahead(other.__path__, build_dir / name.replace(".", "/"))
    # The group's shared library (<hash>__mypyc) is a top-level module of the build.
    if str(build_dir) not in sys.path:
        sys.path.append(str(build_dir))
    return True


def _ahead(package_path: list[str], directory: Path) -> None:
    if str(directory) not in package_path:
        package_path.insert(0, str(directory))


def active() -> bool:
    """Whether this process runs the compiled modules (tests, --version-style checks)."""
    from dissectors import packet

    return not packet.__file__.endswith(".py")
