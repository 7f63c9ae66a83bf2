"""Every tshark `-z` statistic of issue 17 on every capture in the repository, compared
live with tshark 4.0: one test per capture, one analyze run and one tshark run with every
kind as repeated `-z` (plus `hosts` alone, compared as its hash order allows). The
(capture, kind) pairs that still differ are listed in KNOWN (from `python
tests/stats_sweep.py`, with the cause where known) and left out of that capture's run;
every other pair must be byte-equal. Removing an entry once fixed makes it tested.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark_full
from stats_sweep import HOSTS_MARK, KINDS, captures, same_with_hosts

pytestmark = pytest.mark.tshark

# Differences found by tests/stats_sweep.py (session 8; `--check-known` lists the entries
# now equal, to remove). feiq/lab/live_feiq: labshark
# decodes IPMSG/FeiQ where tshark shows data (flow,any labels, io,phs): by design.
KNOWN: dict[str, list[str]] = {
    'samples/feiq.pcap': ['flow,any,standard', 'flow,any,network', 'io,phs'],
    'samples/lab.pcap': ['flow,any,standard', 'flow,any,network', 'io,phs'],
    'samples/lab.pcapng': ['flow,any,standard', 'flow,any,network', 'io,phs'],
    'samples/live_feiq.pcapng': ['flow,any,standard', 'flow,any,network', 'io,phs'],
    # a packet comment's CR LF: tshark prints it raw, labshark escapes it (README); the
    # rest of its expert report is compared in tests/test_sip_sdp.py
    'wireshark/sip.pcapng': ['expert'],
}


def _name(cap: Path) -> str:
    return f"{cap.parent.name}/{cap.name}"


@pytest.mark.parametrize("cap", captures(), ids=_name)
def test_every_kind_equals_tshark(cap: Path) -> None:
    known = KNOWN.get(_name(cap), [])
    kinds = [k for k in ["hosts", *KINDS] if k not in known]
    args = ["-q", *[a for k in kinds for a in ("-z", k)], "-r", str(cap)]
    rc, ours, err = run_analyze(args)
    assert rc == 0, err
    # (as bytes: text mode would turn a packet comment's CR LF, which tshark prints as
    # they are, into LF)
    theirs = run_tshark_full(args, text=False).stdout.decode("utf-8", "replace")
    assert theirs.count(HOSTS_MARK) == ("hosts" not in known)
    assert same_with_hosts(theirs, ours)


def test_check_known_finds_stale_entries() -> None:
    """`stats_sweep.py --check-known` lists a KNOWN pair once it is equal (ndpi-snmp's
    conv,udp, fixed in session 9), keeps one that still differs, and flags a capture that
    is gone."""
    from stats_sweep import stale_known

    known = {"corpus/ndpi-snmp.pcap": ["conv,udp"],
             "samples/feiq.pcap": KNOWN["samples/feiq.pcap"],
             "corpus/no-such-capture.pcap": ["expert"]}
    assert stale_known(known) == ["corpus/ndpi-snmp.pcap: conv,udp",
                                  "corpus/no-such-capture.pcap: (no such capture)"]
