"""float(), double(), dec() and hex(): functions of the newest Wireshark's filter language
(tshark 4.0 has none of them), checked against the 4.0 filter that means the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer import open_capture
from filters import FilterError, compile_filter

LAB = Path(__file__).resolve().parent.parent / "captures" / "samples" / "lab.pcap"

SAME_MEANING = [
    ('dec(udp.dstport) == "69"', "udp.dstport == 69"),
    ('hex(udp.dstport) == "0x0045"', "udp.dstport == 69"),  # 16 bits: four digits
    ('hex(frame.number) == "0x00000003"', "frame.number == 3"),  # 32 bits: eight
    ('hex(ip.proto) == "0x11"', "ip.proto == 17"),  # 8 bits: two
    ("double(frame.len) > 100.5", "frame.len > 100"),
    ("float(frame.len) >= 60", "frame.len >= 60"),
    ("double(frame.time_relative) < 0.5", "frame.time_relative < 0.5"),
    ("float(frame.time_relative) >= 0.25", "frame.time_relative >= 0.25"),
]


@pytest.mark.parametrize(("newest", "v40"), SAME_MEANING)
def test_function_matches_what_the_40_filter_matches(newest: str, v40: str) -> None:
    cap = open_capture(str(LAB))
    want = [p.number for p in cap.filter(v40)]
    assert want, f"{v40} matches nothing on the sample: the check would be empty"
    assert [p.number for p in cap.filter(newest)] == want


def test_float_rounds_to_single_precision() -> None:
    """float() goes through a C float: a time with more digits than single precision
    holds no longer equals itself; double() keeps it."""
    import struct

    cap = open_capture(str(LAB))
    for p in cap.packets:
        t = float(p["frame.time_relative"])
        if struct.unpack("<f", struct.pack("<f", t))[0] != t:
            break
    else:
        pytest.fail("no time on the sample needs more than single precision")
    n = p.number
    assert [q.number for q in cap.filter(f"double(frame.time_relative) == {t!r}")] == [n]
    assert n not in [q.number for q in cap.filter(f"float(frame.time_relative) == {t!r}")]


@pytest.mark.parametrize(("text", "message"), [
    ('hex(ip.src) == "x"', "Only unsigned integer fields can be used as parameter for hex()"),
    ('dec(tcp.time_delta) == "1"', "Only unsigned integer fields"),
    ("double(eth.src) > 1", "cannot be converted to a floating point number by double()"),
    ("float(http.host) > 1", "cannot be converted to a floating point number by float()"),
    ('dec(udp.port, 1) == "1"', "needs exactly one argument"),
])
def test_bad_arguments_are_refused(text: str, message: str) -> None:
    with pytest.raises(FilterError) as e:
        compile_filter(text)
    assert message in e.value.message
