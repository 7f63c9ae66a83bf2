"""Find the mypyc-compiled build of the hottest modules, only while it matches the
sources it was built from.

`.ci/build_compiled.py` compiles the modules of `MODULES` from the same source into
`build/compiled/` (never next to the sources: an extension module there would be
imported before an edited .py). Its stamp lists the sha256 of each compiled module and
of every project module they import (mypyc builds their types in); the build's import
finder uses it only when every hash still matches and the interpreter is the one it was
built for, so an edited source falls back to pure Python (until rebuilt), never to a
stale build. `LABSHARK_PURE=1` forces pure Python (empty or 0: the build if it matches).

It lives in captures/, the first stage, so that every package with compiled modules can
install the finder from its __init__ (analyzer/ and dissectors/ import captures/, never
the reverse): an entry point may import any of them first (the TUI's worker imported
analyzer.pipeline before anything else, the TUI's view captures.frame).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.abc
import importlib.machinery
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = ROOT / "build" / "compiled"
STAMP = "stamp.json"

#: What is compiled: the per-packet path of a list or -V run (profiled on the lab
#: captures), all of whose types mypyc accepts. `_BuildFinder` finds each in the build.
MODULES = (
    # the capture reader's per-record loop and the Frame it makes
    "captures/frame.py", "captures/pcap.py", "captures/pcapng.py",
    "dissectors/registry.py",
    "dissectors/packet.py", "dissectors/tvb.py", "dissectors/format.py", "dissectors/time_text.py",
    "dissectors/frame.py",
    "dissectors/eth.py", "dissectors/vlan.py", "dissectors/ip.py", "dissectors/ip_fields.py",
    "dissectors/ipv6.py",
    "dissectors/ipv6_fields.py",
    "dissectors/udp.py", "dissectors/tcp.py", "dissectors/tcp_tree.py", "dissectors/tcp_analysis.py",
    "dissectors/tcp_stream.py", "dissectors/session.py", "dissectors/ports.py",
    "dissectors/dispatch.py", "dissectors/dns.py",
    "dissectors/icmp.py", "dissectors/arp.py", "dissectors/ipmsg.py", "dissectors/tftp.py",
    "dissectors/tftp_transfers.py",
    "dissectors/http.py", "dissectors/http_tables.py", "dissectors/http_lines.py",
    "dissectors/http_pairing.py", "dissectors/skipping.py",
    "dissectors/escape.py", "dissectors/http_proto.py", "dissectors/http_body.py",
    "dissectors/data.py", "dissectors/icmpv6.py", "dissectors/dns_labels.py",
    "dissectors/dns_header.py",
    "dissectors/tcp_reassembly.py", "dissectors/tcp_options.py", "dissectors/dns_track.py",
    "dissectors/reassembly.py", "dissectors/bounded.py", "dissectors/textnum.py",
    "dissectors/expert.py", "dissectors/layers.py",
    # the packet loop and the list writer
    "analyzer/pipeline.py", "analyzer/output/packet_list.py",
    # the walk that plans (before a split run forks) and its release schedule
    "analyzer/closure.py", "analyzer/release.py",
    # the -V and -T json writers, and the hex dump -V writes under each data item
    "analyzer/output/detail_tree.py", "analyzer/output/json_ek.py",
    "analyzer/output/hex_dump.py",
)


_C = TypeVar("_C", bound=type)


# `@mypyc_attr(allow_interpreted_subclasses=True)` marks a compiled class that code
# outside the build subclasses (analyzer/scale's TCP and UDP stream tables): mypyc
# refuses an interpreted subclass of a native class unless the class allows it.
try:
    from mypy_extensions import mypyc_attr
except ImportError:  # (a pure-Python install has no mypy: then it marks nothing)
    def mypyc_attr(*_args: object, **_kwargs: object) -> Callable[[_C], _C]:  # type: ignore[misc]
        return lambda cls: cls


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


@functools.cache
def _matches_now(build_dir: Path) -> bool:
    """(hashed once a process)"""
    return matches(build_dir)


class _BuildFinder(importlib.abc.MetaPathFinder):
    """Finds each module of MODULES in the build (and the build's shared library), ahead
    of the sources. Whether the build is used is decided at the first look-up of one of
    them, not when the finder is installed: the pytest plugin imports analyzer/ (which
    installs it) before conftest.py sets LABSHARK_PURE."""

    def __init__(self, build_dir: Path) -> None:
        self.build_dir = build_dir
        self.names = {rel.removesuffix(".py").replace("/", ".") for rel in MODULES}
        self.use: bool | None = None

    def decide(self) -> bool:
        """Whether this process runs the build (decided once)."""
        if self.use is None:
            self.use = not pure_forced() and _matches_now(self.build_dir)
        return self.use

    def find_spec(self, fullname: str, path: object = None,
                  target: object = None) -> importlib.machinery.ModuleSpec | None:
        if fullname.endswith("__mypyc") and "." not in fullname:
            # the group's shared library (<hash>__mypyc), top-level in the build: found
            # here, so the build is never on sys.path (its analyzer/ directory would be
            # taken for a namespace package `analyzer` where labshark is installed
            # outside the current directory and the dissectors are imported first)
            return importlib.machinery.PathFinder.find_spec(fullname, [str(self.build_dir)]) \
                if self.decide() else None
        if fullname not in self.names or not self.decide():
            return None
        where = self.build_dir.joinpath(*fullname.split(".")[:-1])
        return importlib.machinery.PathFinder.find_spec(fullname, [str(where)])


def install(build_dir: Path = BUILD_DIR) -> _BuildFinder:
    """The build's finder, put first on the import path once a process: by each package
    that holds compiled modules (analyzer/, captures/, dissectors/), in its __init__,
    so that whichever module an entry point imports first, the finder is there before."""
    for f in sys.meta_path:
        if isinstance(f, _BuildFinder) and f.build_dir == build_dir:
            return f
    finder = _BuildFinder(build_dir)
    sys.meta_path.insert(0, finder)
    return finder


def use_build(build_dir: Path = BUILD_DIR) -> bool:
    """Whether this process runs the build in `build_dir` (deciding it now, if no
    compiled module was looked up yet)."""
    return install(build_dir).decide()
