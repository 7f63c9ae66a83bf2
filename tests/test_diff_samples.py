"""labshark vs tshark on the bundled samples and Wireshark's public sample captures.

Also checks that captures/samples/make_samples.py reproduces the committed samples.
"""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pytest
from diffutil import (
    DIFF_FIELDS,
    LOWER_LAYER_FIELDS,
    FieldTables,
    compare_info,
    compare_list,
    field_tables,
    format_mismatches,
    record,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "captures" / "samples"
PUBLIC = ROOT / "tests" / "data" / "wireshark"
SAMPLE_NAMES = ("lab.pcap", "lab.pcapng", "tftp_rrq.pcap", "tftp_wrq.pcap", "tftp_oack.pcap",
                "feiq.pcap")
PUBLIC_NAMES = ("dhcp.pcap", "dhcp.pcapng", "dhcp-nanosecond.pcap", "dns+icmp.pcapng.gz",
                "http.pcap", "ipv6.pcap", "tftp.pcap", "nfs.pcap", "ntp.pcap")
# Captures of protocols labshark doesn't dissect: compare the lower layers only.
LOWER_ONLY = {"nfs.pcap", "ntp.pcap"}

CAPTURES = [SAMPLES / n for n in SAMPLE_NAMES] + [PUBLIC / n for n in PUBLIC_NAMES]
CASES = [(c, f) for c in CAPTURES
         for f in (LOWER_LAYER_FIELDS if c.name in LOWER_ONLY else DIFF_FIELDS)]


@functools.cache
def _tables(path: Path) -> FieldTables:
    fields = LOWER_LAYER_FIELDS if path.name in LOWER_ONLY else DIFF_FIELDS
    return field_tables(path, fields)


def test_make_samples_reproduces_committed_files(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(SAMPLES / "make_samples.py"), str(tmp_path)],
                   check=True, capture_output=True, timeout=60)
    for name in SAMPLE_NAMES:
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), name


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda p: p.name)
def test_capture_present(capture: Path) -> None:
    assert capture.is_file() and capture.stat().st_size > 24


@pytest.mark.tshark
@pytest.mark.parametrize(("capture", "field"), CASES, ids=[f"{c.name}-{f}" for c, f in CASES])
def test_field_matches_tshark(capture: Path, field: str) -> None:
    t = _tables(capture)
    ms = t.mismatches(field)
    record(capture, field, t.compared(field), ms)
    print(f"{capture.name} {field}: {t.compared(field)} packets compared, {len(ms)} differ")
    assert not ms, f"{capture.name}: {field} differs from tshark on {len(ms)} packets:\n" + \
        format_mismatches(ms)


@pytest.mark.tshark
@pytest.mark.parametrize("capture", [c for c in CAPTURES if c.name not in LOWER_ONLY],
                         ids=lambda p: p.name)
def test_info_column_matches_tshark(capture: Path) -> None:
    ms = compare_info(capture)
    record(capture, "_ws.col.Info", _tables(capture).compared("_ws.col.Info"), ms)
    assert not ms, f"{capture.name}: Info column differs:\n" + format_mismatches(ms)


@pytest.mark.tshark
@pytest.mark.parametrize("capture", [c for c in CAPTURES if c.name not in LOWER_ONLY],
                         ids=lambda p: p.name)
def test_packet_list_matches_tshark(capture: Path) -> None:
    ms = compare_list(capture)
    record(capture, "line", _tables(capture).compared("line"), ms)
    assert not ms, f"{capture.name}: packet-list lines differ:\n" + format_mismatches(ms)
