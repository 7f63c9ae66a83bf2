"""The mypyc-compiled build (dissectors/compiled.py, .ci/build_compiled.py): it is used
only while it matches the sources, LABSHARK_PURE=1 turns it off, and both modes print
the same bytes on real captures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dissectors.compiled import (
    BUILD_DIR,
    MODULES,
    STAMP,
    digest,
    interpreter,
    matches,
    use_compiled,
)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


def _stamp(build: Path, root: Path, files: list[str], interp: str | None = None) -> None:
    build.mkdir(parents=True, exist_ok=True)
    (build / STAMP).write_text(json.dumps({
        "interpreter": interp or interpreter(),
        "sources": {f: digest(root / f) for f in files}}))


def test_a_build_matches_only_the_sources_it_was_made_from(tmp_path: Path) -> None:
    src = tmp_path / "dissectors"
    src.mkdir()
    (src / "packet.py").write_text("X = 1\n")
    build = tmp_path / "build"
    _stamp(build, tmp_path, ["dissectors/packet.py"])
    assert matches(build, tmp_path)
    (src / "packet.py").write_text("X = 2\n")  # a developer edits the source
    assert not matches(build, tmp_path)
    (src / "packet.py").write_text("X = 1\n")
    _stamp(build, tmp_path, ["dissectors/packet.py"], interp="2.7.18 other")
    assert not matches(build, tmp_path)  # built for another interpreter
    (src / "packet.py").unlink()
    assert not matches(build, tmp_path)
    (build / STAMP).write_text("{broken")
    assert not matches(build, tmp_path)
    assert not matches(tmp_path / "absent", tmp_path)


def test_pure_is_forced_by_labshark_pure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         ) -> None:
    path: list[str] = []
    monkeypatch.setenv("LABSHARK_PURE", "1")
    assert not use_compiled(path, BUILD_DIR)
    assert path == []


def test_every_compiled_module_is_in_the_stamp() -> None:
    if not (BUILD_DIR / STAMP).is_file():
        pytest.skip("no compiled build (sh .ci/setup --compiled)")
    sources = json.loads((BUILD_DIR / STAMP).read_text())["sources"]
    assert set(MODULES) <= set(sources)
    assert "captures/frame.py" in sources  # an import whose types mypyc builds in


def _run(args: list[str], pure: bool) -> bytes:
    env = dict(os.environ)
    env.pop("LABSHARK_PURE", None)
    if pure:
        env["LABSHARK_PURE"] = "1"
    r = subprocess.run([sys.executable, "-m", "analyzer", *args], cwd=ROOT, env=env,
                       capture_output=True, timeout=600)
    return r.stdout + b"\n--stderr--\n" + r.stderr + f"\nrc={r.returncode}".encode()


def _compiled_active() -> bool:
    code = ("import dissectors, dissectors.compiled as c, dissectors.packet as p;"
            "print(c.active() and dissectors.COMPILED and p._SINK_IS_ITEM)")
    env = {k: v for k, v in os.environ.items() if k != "LABSHARK_PURE"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120).stdout
    return out.strip() == "True"


@pytest.fixture(scope="module")
def compiled() -> None:
    if not _compiled_active():
        pytest.skip("no up-to-date compiled build (sh .ci/setup --compiled)")


CASES = [
    ("captures/samples/lab.pcapng", []),
    ("captures/samples/lab.pcapng", ["-V"]),
    ("captures/samples/lab.pcapng", ["-T", "json"]),
    ("captures/samples/lab.pcapng", ["-Y", "udp.port == 69"]),
    ("captures/samples/lab.pcapng", ["-Y", "ip.addr == 10.0.0.0/8"]),
    ("captures/samples/feiq.pcap", ["-V"]),
    ("tests/data/corpus/dpkt-http.pcap", []),
    ("tests/data/corpus/dpkt-http.pcap", ["-V"]),
    ("tests/data/corpus/ndpi-smb_frags.pcap", ["-V"]),
    ("tests/data/corpus/ndpi-dns_fragmented.pcap", ["-T", "json"]),
    ("tests/data/corpus/ndpi-tcp_scan.pcapng", []),
    ("tests/data/corpus/ndpi-tcp_scan.pcapng", ["-Y", "tcp.flags.syn == 1"]),
    ("tests/data/corpus/tcpdump-accecn_handshake.pcap", ["-V"]),
    ("tests/data/corpus/ndpi-gre.pcapng", ["-2", "-V"]),
]


@pytest.mark.parametrize(("capture", "args"), CASES)
def test_compiled_and_pure_print_the_same(compiled: None, capture: str, args: list[str],
                                          ) -> None:
    argv = ["-r", str(ROOT / capture), *args]
    pure = _run(argv, pure=True)
    assert b"rc=0" in pure[-8:]
    assert _run(argv, pure=False) == pure
