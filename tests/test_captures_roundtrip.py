"""Property tests: anything we write reads back identically, whatever the chunking."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import captures.pcap
import captures.pcapng
from captures import CaptureError, Frame, open_capture, open_writer
from captures.pcap import PcapWriter
from captures.pcapng import PcapngWriter

# trailing NULs are dropped on reading (some writers NUL-terminate comments)
COMMENT_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")


@st.composite
def frames(draw: st.DrawFn, *, one_linktype: bool = False) -> list[Frame]:
    out = []
    count = draw(st.integers(0, 12))
    for number in range(1, count + 1):
        digits = draw(st.sampled_from([6, 9]))
        ts = draw(st.integers(0, 2**32 - 1)) * 10**9 + draw(st.integers(0, 10**9 - 1))
        ts -= ts % 10 ** (9 - digits)
        data = draw(st.binary(max_size=300))
        linktype = 1 if one_linktype else draw(st.sampled_from([1, 101, 113, 276]))
        out.append(
            Frame(
                number,
                ts,
                digits,
                len(data),
                len(data) + draw(st.integers(0, 1000)),
                linktype,
                draw(st.integers(0, 2)),
                data,
                comment=draw(st.none() | st.text(COMMENT_CHARS, max_size=20)),
            )
        )
    return out


def key(f: Frame, *, interface: bool = True) -> tuple[object, ...]:
    return (
        f.number,
        f.ts_ns,
        f.caplen,
        f.origlen,
        f.linktype,
        f.interface_id if interface else 0,
        bytes(f.data),
    )


@pytest.fixture(params=[1, 7, 64, 1 << 20], ids=lambda n: f"chunk{n}")
def chunk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Tiny read sizes put every record boundary at a chunk edge somewhere."""
    monkeypatch.setattr(captures.pcap, "CHUNK", request.param)
    monkeypatch.setattr(captures.pcapng, "CHUNK", request.param)
    return request.param


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(written=frames())
def test_pcapng_round_trip(tmp_path: Path, chunk: int, written: list[Frame]) -> None:
    path = tmp_path / "rt.pcapng"
    with open_writer(path) as w:
        for frame in written:
            w.write(frame)
    with open_capture(path) as cap:
        got = list(cap)
        ids = [cap.interfaces[f.interface_id] for f in got]
    assert [key(f, interface=False) for f in got] == [key(f, interface=False) for f in written]
    assert [f.comment for f in got] == [f.comment for f in written]
    for frame, iface, orig in zip(got, ids, written, strict=True):
        assert iface.linktype == orig.linktype
        assert frame.ts_digits >= orig.ts_digits


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(written=frames(one_linktype=True), nanosecond=st.booleans())
def test_pcap_round_trip(
    tmp_path: Path, chunk: int, written: list[Frame], nanosecond: bool
) -> None:
    path = tmp_path / "rt.pcap"
    with open_writer(path, "pcap", linktype=1, nanosecond=nanosecond) as w:
        for frame in written:
            w.write(frame)
    with open_capture(path) as cap:
        got = list(cap)
    if not nanosecond:
        # a µs file cuts the ns digits off (it does not round)
        expect = [(f.number, f.ts_ns // 1000 * 1000) for f in written]
        assert [(f.number, f.ts_ns) for f in got] == expect
    else:
        assert [f.ts_ns for f in got] == [f.ts_ns for f in written]
    assert [key(f, interface=False)[2:] for f in got] == [
        key(f, interface=False)[2:] for f in written
    ]


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(written=frames(), cut=st.integers(0, 10_000))
def test_truncated_files_yield_a_prefix_then_fail(
    tmp_path: Path, chunk: int, written: list[Frame], cut: int
) -> None:
    buf = io.BytesIO()
    with PcapngWriter(buf) as w:
        for frame in written:
            w.write(frame)
    data = buf.getvalue()
    path = tmp_path / "cut.pcapng"
    path.write_bytes(data[: min(cut, len(data))])
    got: list[Frame] = []
    try:
        with open_capture(path) as cap:
            got.extend(cap)
    except CaptureError:
        pass
    assert [key(f, interface=False) for f in got] == [
        key(f, interface=False) for f in written[: len(got)]
    ]


def test_write_error_is_a_capture_error() -> None:
    with pytest.raises(CaptureError, match="can't be written"):
        PcapWriter(io.BytesIO(), 1).write(Frame(1, -1, 6, 0, 0, 1, 0, b""))
    with pytest.raises(CaptureError, match="can't be written"):
        PcapngWriter(io.BytesIO()).write(Frame(1, -1, 6, 0, 0, 1, 0, b""))
