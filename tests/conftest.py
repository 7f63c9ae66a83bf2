"""Shared fixtures: the generated mixed capture, tshark gating, the diff report.

Tests marked `tshark` fail (not skip) when tshark is missing and env CI is set: the
README's test command installs it, so a missing oracle in CI is a broken setup.

The suite tests the pure-Python modules: LABSHARK_PURE=1 is set for this process and every
`analyze` it starts, before anything imports dissectors/ (tests/test_compiled.py compares
the compiled build with it; `LABSHARK_PURE=0 pytest` runs the whole suite compiled).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("LABSHARK_PURE", "1")

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

import diffutil  # noqa: E402


def _no_neighbour_lookups() -> None:
    """A frame built as a bare `Ether() / IP(...)` gets its destination MAC from scapy,
    which asks the network for it (an ARP request to the gateway, an IPv6 neighbour
    solicitation waiting 1 s a frame): tests send traffic only to loopback, so scapy's
    look-up answers nothing here and such frames go to the broadcast address."""
    try:
        from scapy.layers.l2 import Neighbor
    except ImportError:  # (scapy is a test dependency; without it nothing builds frames)
        return
    Neighbor.resolve = lambda self, l2inst, l3inst: None  # type: ignore[method-assign]


_no_neighbour_lookups()


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("tshark") is None or diffutil.tshark_available():
        return
    if diffutil.in_ci():
        pytest.fail("tshark is not installed but CI is set: install tshark (see README)")
    pytest.skip("tshark is not installed")


@pytest.fixture(scope="session")
def mixed_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gen_mixed import write_mixed

    return write_mixed(tmp_path_factory.mktemp("mixed") / "mixed.pcap", "pcap")


@pytest.fixture(scope="session")
def mixed_pcapng(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gen_mixed import write_mixed

    return write_mixed(tmp_path_factory.mktemp("mixed") / "mixed.pcapng", "pcapng")


@pytest.fixture
def run_sessions(monkeypatch: pytest.MonkeyPatch) -> list:
    """The dissection sessions the test's runs make, in one process (LABSHARK_SPLIT=0):
    their counts (Session.trees, .skipped, ...) say how the frames were gone through.
    Caught at Job.new_session, a Python method the compiled loop calls as it is now
    (the compiled build calls no spy patched onto one of its modules)."""
    from analyzer.job import Job

    made: list = []
    real = Job.new_session

    def new_session(self: Job):  # noqa: ANN202
        made.append(real(self))
        return made[-1]

    monkeypatch.setattr(Job, "new_session", new_session)
    monkeypatch.setenv("LABSHARK_SPLIT", "0")
    return made


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001
    text = diffutil.report_text()
    if not text:
        return
    terminalreporter.write_sep("-", "labshark vs tshark")
    terminalreporter.write_line(text.splitlines()[0])
    if os.environ.get("LABSHARK_DIFF_REPORT") == "1":
        (TESTS / "diff_report.txt").write_text(text, encoding="utf-8")
        terminalreporter.write_line(f"full report: {TESTS / 'diff_report.txt'}")


# -- the --dask tests' cluster (tests/test_scale*.py): one LocalCluster per module, two
# worker processes, whose tasks may kill their worker once a test removes the marker.
@pytest.fixture(scope="module")
def kill_marker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    marker = tmp_path_factory.mktemp("kill") / "killed"
    marker.write_text("")  # present: no task kills its worker until a test removes it
    return marker


@pytest.fixture(scope="module")
def scheduler(kill_marker: Path):  # noqa: ANN201 - a generator fixture
    from dask.distributed import LocalCluster

    from analyzer.scale.tasks import KILL_ONCE_ENV

    os.environ[KILL_ONCE_ENV] = str(kill_marker)  # the workers inherit it at start
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()
        os.environ.pop(KILL_ONCE_ENV, None)
