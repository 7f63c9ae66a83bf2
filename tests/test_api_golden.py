"""The Python API (`from analyzer import open_capture`), `--golden`, and the pytest plugin.

The golden files under tests/golden/samples/ are the packet list and the detail tree of
every sample capture; their packet lists equal tshark's (IPMSG aside, which tshark
shows as UDP): tests/test_diff_samples.py checks the same captures field by field.
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest

from analyzer import open_capture
from analyzer.app import run
from filters import FilterError

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(p for p in (ROOT / "captures" / "samples").iterdir()
                 if p.suffix in (".pcap", ".pcapng"))
GOLDEN = ROOT / "tests" / "golden" / "samples"


def _analyze(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


# --- API ----------------------------------------------------------------------------

def test_api_counts_filters_and_fields() -> None:
    cap = open_capture(ROOT / "captures" / "samples" / "tftp_rrq.pcap")
    assert cap.count() == 7
    data = cap.filter("tftp.opcode == 3")
    assert data.count() == 3
    assert [p.number for p in data] == [2, 4, 6]
    assert [p["tftp.block"] for p in data] == ["1", "2", "3"]
    first = cap.packets[0]
    assert first.protocol == "TFTP" and first.layers[-1] == "tftp"
    assert first.info == "Read Request, File: notes.txt, Transfer type: octet"
    assert first.fields["udp.port"] == ["50123", "69"] and first.has("tftp.source_file")
    assert cap.fields("frame.number", "udp.port")[0] == ("1", "50123,69")


def test_api_lines_equal_the_cli(mixed_pcap: Path) -> None:
    code, out, _ = _analyze("-r", str(mixed_pcap), "-Y", "dns or tftp or arp")
    assert code == 0
    lines = [p.line for p in open_capture(mixed_pcap, "dns or tftp or arp")]
    assert lines == out.splitlines()


def test_api_fast_count_equals_iteration(mixed_pcap: Path) -> None:
    for flt in ("udp.port == 53", "tcp.flags.syn == 1", "icmp", 'frame contains "HTTP"'):
        cap = open_capture(mixed_pcap, flt)
        assert cap.count() == sum(1 for _ in cap) > 0, flt


def test_api_filter_chains_and_two_pass() -> None:
    feiq = ROOT / "captures" / "samples" / "feiq.pcap"
    cap = open_capture(feiq).filter("ipmsg").filter("ipmsg.mode == 0x20")
    assert cap.display_filter == "(ipmsg) and (ipmsg.mode == 0x20)"
    sends = cap.packets
    assert sends and all(p["ipmsg.mode"] == "0x20" for p in sends)
    two = open_capture(feiq, "ipmsg.mode == 0x20", two_pass=True).packets
    assert any(p.has("ipmsg.response_in") for p in two)
    assert not any(p.has("ipmsg.response_in") for p in sends)  # single pass: not yet known


def test_api_stats_equal_cli() -> None:
    lab = ROOT / "captures" / "samples" / "lab.pcap"
    assert open_capture(lab).stats("expert") == _analyze("-r", str(lab), "-q", "-z", "expert")[1]


def test_api_bad_filter_raises() -> None:
    with pytest.raises(FilterError) as e:
        open_capture(ROOT / "captures" / "samples" / "lab.pcap", "udp.port = = 1")
    assert e.value.column > 0


# --- --golden -----------------------------------------------------------------------

@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize(("kind", "options"), [("list", []), ("tree", ["-V"])])
def test_samples_match_their_golden_files(sample: Path, kind: str, options: list[str]) -> None:
    expected = GOLDEN / f"{sample.name}.{kind}.txt"
    code, out, err = _analyze(str(sample), *options, "--golden", str(expected))
    assert code == 0, out + err


def test_golden_mismatch_prints_a_diff_and_exits_1(tmp_path: Path) -> None:
    sample = ROOT / "captures" / "samples" / "tftp_rrq.pcap"
    expected = tmp_path / "rrq.txt"
    code, out, _ = _analyze(str(sample), "--golden", str(expected), "--update-golden")
    assert code == 0 and "written" in out
    text = expected.read_text()
    expected.write_text(text.replace("Block: 2", "Block: 9", 1))
    code, out, err = _analyze(str(sample), "--golden", str(expected))
    assert code == 1 and not err
    assert out.startswith(f"--- {expected}\n+++ analyze output\n")
    assert "-    4 " in out and "Block: 9" in out and "+    4 " in out
    code, out, err = _analyze(str(sample), "--golden", str(tmp_path / "missing.txt"))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "missing.txt" in err


def test_golden_output_has_no_local_time_zone(tmp_path: Path) -> None:
    """-t ad dates are UTC in golden mode, whatever TZ the machine has."""
    sample = ROOT / "captures" / "samples" / "tftp_rrq.pcap"
    files = []
    for tz in ("Asia/Tokyo", "America/New_York"):
        exp = tmp_path / f"{tz.replace('/', '_')}.txt"
        subprocess.run([str(ROOT / ".venv" / "bin" / "analyze"), str(sample), "-t", "ad",
                        "--golden", str(exp), "--update-golden"], check=True,
                       env={"TZ": tz, "PATH": "/usr/bin:/bin",
                            "LABSHARK_PURE": os.environ.get("LABSHARK_PURE", "")},
                       capture_output=True, timeout=60)
        files.append(exp.read_text())
    assert files[0] == files[1]


def test_api_filter_keyword_as_documented() -> None:
    """README: `open_capture(path, filter=...)`; `display_filter=` and the positional
    form are the same capture, both at once is an error."""
    path = ROOT / "captures" / "samples" / "lab.pcap"
    by_kw = open_capture(path, filter="udp")
    assert by_kw.count() == open_capture(path, display_filter="udp").count() \
        == open_capture(path, "udp").count() == 16
    assert [p.number for p in by_kw][:2] == [9, 10]
    with pytest.raises(TypeError):
        open_capture(path, "udp", filter="tcp")


def _readme_example() -> str:
    """The README's `# test_my_lab.py` code block, unindented."""
    import textwrap

    text = (ROOT / "README.md").read_text()
    start = text.index("    # test_my_lab.py")
    block = []
    for line in text[start:].splitlines():
        if line and not line.startswith("    "):
            break
        block.append(line)
    return textwrap.dedent("\n".join(block))


@pytest.fixture(autouse=True)
def _outer_session_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """An in-process pytester run is a whole pytest session: a plugin that keeps its
    state in os.environ (pytest-textual-snapshot's temporary directory, made at
    configure and removed at session end) must find the outer session's again."""
    for name in ("TEXTUAL_SNAPSHOT_TEMPDIR",):
        if name in os.environ:
            monkeypatch.setenv(name, os.environ[name])  # restored after the test


def test_readme_api_example_runs(pytester: pytest.Pytester) -> None:
    """The README's Python example, copied as it says, passes from the repository root
    (its paths are relative to it)."""
    code = _readme_example()
    assert 'filter="udp"' in code and "def test_whole_capture" in code
    (pytester.path / "captures").symlink_to(ROOT / "captures")
    golden = pytester.path / "tests" / "golden" / "samples"
    golden.mkdir(parents=True)
    (golden / "lab.pcap.list.txt").write_bytes(
        (GOLDEN / "lab.pcap.list.txt").read_bytes())
    (pytester.path / "test_my_lab.py").write_text(code)
    result = pytester.runpytest("test_my_lab.py")
    result.assert_outcomes(passed=code.count("\ndef test_"))


# --- the pytest plugin --------------------------------------------------------------

def test_plugin_fixtures(pytester: pytest.Pytester) -> None:
    sample = ROOT / "captures" / "samples" / "tftp_rrq.pcap"
    golden = pytester.path / "rrq.txt"
    pytester.makepyfile(f'''
        def test_count(capture):
            cap = capture({str(sample)!r})
            assert cap.filter("tftp.opcode == 3").count() == 3

        def test_golden(assert_golden):
            assert_golden({str(sample)!r}, {str(golden)!r})
    ''')
    result = pytester.runpytest("--update-golden")
    result.assert_outcomes(passed=2)
    assert golden.exists()
    result = pytester.runpytest()
    result.assert_outcomes(passed=2)
    golden.write_text(golden.read_text().replace("Block: 3 (last)", "Block: 4 (last)"))
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*output differs from*", "*-*Block: 4 (last)*"])
