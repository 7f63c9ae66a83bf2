"""A DNS message quoted inside an ICMP error takes no part in request/response tracking,
as in tshark 4.0: a response there is unsolicited, not a retransmission (issue 18).

dpkt-nb6-http frame 34 is an ICMP port unreachable quoting frame 33's DNS response;
compared live with tshark, one pass and two.
"""

from __future__ import annotations

import pytest
from diffutil import run_analyze, run_tshark, tshark_available

pytestmark = pytest.mark.skipif(not tshark_available(), reason="tshark not installed")

CAPTURE = "tests/data/corpus/dpkt-nb6-http.pcap"

ROWS = [
    ["-V"],
    ["-2", "-V"],
    ["-Y", "dns", "-T", "fields", "-e", "frame.number", "-e", "dns.unsolicited",
     "-e", "dns.retransmission", "-e", "dns.response_to", "-e", "dns.response_in",
     "-e", "dns.retransmit_response_in"],
    ["-q", "-z", "expert"],
]


@pytest.mark.parametrize("args", ROWS, ids=[" ".join(a) for a in ROWS])
def test_dns_in_icmp_error_as_tshark(args: list[str]) -> None:
    full = ["-r", CAPTURE, *args]
    code, ours, err = run_analyze(full)
    assert code == 0, err
    assert ours == run_tshark(full)


def test_quoted_response_is_unsolicited() -> None:
    args = ["-r", CAPTURE, "-Y", "icmp && dns", "-T", "fields", "-e", "frame.number",
            "-e", "dns.unsolicited", "-e", "dns.retransmission"]
    code, ours, _ = run_analyze(args)
    assert code == 0 and ours == "34\t1\t\n"
