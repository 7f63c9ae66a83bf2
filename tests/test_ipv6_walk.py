"""The one cheap walk over IPv6 options headers (ipv6.upper_layer) and its two readers:
the planning walk's group (skipping.state_key) and the release schedule's UDP stream
(release.udp_flow) step over the same headers and give up on the same frames, each
with its own answer (ANY, COARSE)."""

from __future__ import annotations

import struct

import pytest

from analyzer.release import COARSE, V6, udp_flow
from dissectors.ipv6 import upper_layer
from dissectors.skipping import ANY, state_key

A = bytes(range(1, 17))
B = bytes(range(17, 33))


def _frame(chain: list[int], last: int = 17, cut: int = 0, version: int = 6) -> bytes:
    """Ethernet + IPv6 (A -> B) + one 8-byte header of each type in `chain` + a UDP
    header (4000 -> 53), the last `cut` bytes dropped."""
    nxts = [*chain, last]
    hdrs = b"".join(bytes((nxts[i + 1], 0)) + bytes(6) for i in range(len(chain)))
    body = hdrs + struct.pack(">HHHH", 4000, 53, 8, 0)
    ip6 = struct.pack(">IHBB", version << 28, len(body), nxts[0], 64) + A + B + body
    f = bytes(6) + bytes(6) + b"\x86\xdd" + ip6
    return f[:len(f) - cut] if cut else f


_UDP_FLOW = V6 | ((int.from_bytes(A, "big") << 16 | 4000) << 144
                  | int.from_bytes(B, "big") << 16 | 53)

# (frame, upper_layer's next header and offset from the IPv6 header or None, state_key,
# udp_flow)
CASES = [
    ("plain UDP", _frame([]), (17, 40), A + B, _UDP_FLOW),
    ("hop-by-hop", _frame([0]), (17, 48), A + B, _UDP_FLOW),
    ("hop-by-hop, destination options", _frame([0, 60]), (17, 56), A + B, _UDP_FLOW),
    ("seven options headers", _frame([60] * 7), (17, 96), A + B, _UDP_FLOW),
    ("eight: past the walk", _frame([60] * 8), None, ANY, COARSE),
    ("cut in an options header", _frame([0], cut=15), None, ANY, COARSE),
    ("cut in the fixed header", _frame([], cut=30), None, ANY, COARSE),
    ("routing header", _frame([0, 43]), (43, 48), ANY, None),
    ("fragment header", _frame([44]), (44, 40), ANY, None),
    ("TCP after options", _frame([60], last=6), (6, 48), (A + B, 4000 << 16 | 53), None),
    ("version 4 under IPv6's type", _frame([], version=4), None, ANY, COARSE),
]


@pytest.mark.parametrize(("frame", "upper", "key", "flow"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_the_walk_and_its_readers(frame: bytes, upper: tuple[int, int] | None,
                                  key: object, flow: int | None) -> None:
    up = upper_layer(frame, 14, len(frame))
    assert (None if up < 0 else (up & 0xFF, (up >> 8) - 14)) == upper
    assert state_key(frame, 0, len(frame)) == key
    assert udp_flow(frame, 0, len(frame)) == flow
