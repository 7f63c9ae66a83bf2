"""The fast path (analyzer/fast_run.py, filters/fastpath.py) matches exactly the frames
full dissection matches, for every filter it takes, on every capture we have.

Each case runs `analyze -Y F -T fields -e frame.number` twice in-process: once as is
(asserting the fast path was taken) and once with the fast path switched off.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

import analyzer.fast_run as fast_run
from analyzer.app import run
from filters import compile_filter
from filters.fastpath import NotFast, compile_fast
from filters.prefilter import superset_bpf

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "captures" / "samples").glob("*.pcap*")) + [
    ROOT / "tests" / "data" / "wireshark" / n
    for n in ("dhcp.pcap", "dhcp.pcapng", "http.pcap", "ipv6.pcap", "nfs.pcap", "ntp.pcap",
              "tftp.pcap")]
NOT_ETHERNET = {"nfs.pcap", "tftp.pcap"}  # FDDI, Token Ring: the full path only

FILTERS = [
    "udp.port == 69", "udp.port == 53", "tcp.port == 80", "udp.srcport == 67",
    "ip.addr == 10.0.0.0/8 and tcp.flags.syn == 1", "tcp.flags.syn == 1",
    "tcp.flags.syn == 0 and tcp.flags.ack == 1", "tcp.flags.reset == 1 or tcp.flags.fin == 1",
    "tftp", "ipmsg", "ipmsg.mode == 0x20", "ipmsg.mode == 0x21 or ipmsg.mode == 1",
    'frame contains "GET"', 'frame contains "HTTP"', 'frame matches "(?i)host:"',
    "udp", "tcp", "icmp", "icmpv6", "arp", "ip", "ipv6", "vlan", "vlan.id == 10",
    "ip.src == 10.1.0.53", "ip.dst == 10.1.0.53 or arp", "ip.addr == 10.1.0.80",
    "ipv6.addr == 2001:db8::10", "eth.addr == ff:ff:ff:ff:ff:ff", "eth.type == 0x0806",
    "ip.proto == 17", "ip.ttl < 64", "ip.len > 1000", "ip.flags.df == 1",
    "udp.length > 100", "frame.len < 100 and udp", "frame.len >= 1000",
    "not tcp", "!(udp.port == 53)", "udp.port in {53, 67..69}", "tcp.port != 80",
    "udp && !tftp", "tftp || ipmsg", "arp.opcode == 2", "icmp.type == 8",
    "tcp.window_size_value < 1000", "ip.addr == 10.1.0.53 xor udp", "udp.dstport >= 1024",
    "tcp.srcport == 80 && tcp.flags.push == 1", "ip.id == 0x100", "frame.cap_len != frame.len",
]


_REAL_RUN_FAST = fast_run.run_fast


def _numbers(args: list[str], fast: bool, monkeypatch: pytest.MonkeyPatch,
             expect_fast: bool = True) -> list[str]:
    taken: list[object] = []
    real = _REAL_RUN_FAST

    def spy(*a: object, **k: object) -> int | None:
        r = real(*a, **k) if fast else None  # type: ignore[arg-type]
        taken.append(r)
        return r

    monkeypatch.setattr(fast_run, "run_fast", spy)
    out, err = io.StringIO(), io.StringIO()
    code = run(args + ["-T", "fields", "-e", "frame.number"], out, err)
    assert code == 0, err.getvalue()
    if fast:
        assert taken and (taken[0] is not None) == expect_fast, f"fast path? {args}"
    return out.getvalue().split()


def _captures(mixed_pcap: Path, mixed_pcapng: Path) -> list[Path]:
    return [mixed_pcap, mixed_pcapng, *SAMPLES]


@pytest.mark.parametrize("flt", FILTERS)
def test_fast_equals_full(flt: str, mixed_pcap: Path, mixed_pcapng: Path,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    for cap in _captures(mixed_pcap, mixed_pcapng):
        args = ["-r", str(cap), "-Y", flt]
        fast = _numbers(args, True, monkeypatch, expect_fast=cap.name not in NOT_ETHERNET)
        full = _numbers(args, False, monkeypatch)
        assert fast == full, f"{flt} on {cap.name}"


#: Captures whose packets carry other packets (GTP-U, L2TP/PPP, PPPoE, VXLAN, Geneve, GRE)
#: and the inner addresses only the full dissection reaches.
TUNNELLED = {
    "ndpi-false_positives.pcapng": ["ip.addr == 10.140.231.26", "tcp.flags.syn == 1", "tcp"],
    "dpkt-nb6-http.pcap": ["ip.src == 95.136.242.99", "ipv6", "tcp.port == 80", "udp"],
    "tcpdump-vxlan.pcap": ["ip.addr == 30.0.0.1", "icmp", "udp"],
    "tcpdump-geneve.pcap": ["ip", "tcp", "udp", "icmp"],
    "tcpdump-various_gre.pcap": ["ip", "icmp", "udp"],
    "tcpdump-sflow_expanded.pcap": ["ip.addr == 52.52.52.52", "tcp", "vlan"],
    # (keys in a Decryption Secrets Block: WireGuard's inner packets)
    "wireshark-wireguard-ping-tcp-dsb.pcapng": ["icmp", "tcp", "ip.addr == 10.0.0.0/8"],
}


@pytest.mark.parametrize("name", sorted(TUNNELLED))
def test_fast_equals_full_through_tunnels(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tunnel's frame is the full dissection's to decide (dispatch.TUNNEL_UDP_PORTS): the
    fast path answers what full dissection answers, and both what tshark answers."""
    cap = ROOT / "tests" / "data" / "corpus" / name
    for flt in TUNNELLED[name]:
        args = ["-r", str(cap), "-Y", flt]
        fast = _numbers(args, True, monkeypatch, expect_fast=not name.endswith(".gz"))
        assert fast == _numbers(args, False, monkeypatch), f"{flt} on {name}"
        if shutil.which("tshark"):
            theirs = subprocess.run(["tshark", "-n", "-r", str(cap), "-Y", flt, "-T", "fields",
                                     "-e", "frame.number"], capture_output=True, text=True,
                                    timeout=120).stdout.split()
            assert fast == theirs, f"{flt} on {name}"


def test_no_filter_lists_every_frame(mixed_pcap: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nums = _numbers(["-r", str(mixed_pcap)], True, monkeypatch)
    assert nums == [str(i) for i in range(1, len(nums) + 1)]
    assert nums == _numbers(["-r", str(mixed_pcap)], False, monkeypatch)


@pytest.mark.parametrize("flt", ["tcp.stream == 1", "http", "dns.qry.name", "ip.src#2",
                                 "len(udp.payload) > 3", "count(ip.addr) == 4", "udp.payload",
                                 "tftp.block == 2", "tcp.analysis.retransmission"])
def test_other_fields_are_not_fast(flt: str) -> None:
    with pytest.raises(NotFast):
        compile_fast(compile_filter(flt).tree)


@pytest.mark.parametrize("opts", [["-V"], ["-x"], ["-c", "5"], ["-2"], ["-T", "json"],
                                  ["-T", "fields", "-e", "ip.src"]])
def test_fast_path_only_for_frame_numbers(opts: list[str], mixed_pcap: Path) -> None:
    """Anything printed beyond frame numbers needs the full tree: no fast path."""
    from analyzer.options import build_parser

    parsed = build_parser().parse_args(["-r", str(mixed_pcap), "-Y", "udp", *opts])
    assert not fast_run.eligible(parsed, parsed.fields)


def test_broken_record_keeps_good_packets_and_reports(tmp_path: Path,
                                                      mixed_pcap: Path) -> None:
    """A file cut inside a record: the fast path prints the matches before it, then the
    full reader reports the cut with the usual one-line error and exit code."""
    data = mixed_pcap.read_bytes()
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(data[: len(data) // 2 + 7])
    out, err = io.StringIO(), io.StringIO()
    code = run(["-r", str(cut), "-Y", "udp", "-T", "fields", "-e", "frame.number"], out, err)
    assert code != 0
    assert "cut short" in err.getvalue() or "truncated" in err.getvalue(), err.getvalue()
    assert len(err.getvalue().strip().splitlines()) == 1
    full_out = io.StringIO()
    run(["-r", str(mixed_pcap), "-Y", "udp", "-T", "fields", "-e", "frame.number"],
        full_out, io.StringIO())
    got = out.getvalue().split()
    assert got and got == full_out.getvalue().split()[: len(got)]


@pytest.mark.skipif(shutil.which("tcpdump") is None, reason="tcpdump not installed")
@pytest.mark.parametrize("flt", ["udp.port == 69", "ip.addr == 10.0.0.0/8 and tcp.flags.syn == 1",
                                 "tcp.flags.syn == 1", "icmp", "ipmsg.mode == 0x20", "tftp"])
def test_prefilter_is_a_superset(flt: str, mixed_pcap: Path, monkeypatch: pytest.MonkeyPatch,
                                 tmp_path: Path) -> None:
    """Every frame the filter matches passes its BPF pre-filter (run by tcpdump)."""
    bpf = superset_bpf(compile_filter(flt).tree)
    assert bpf is not None
    kept = tmp_path / "kept.pcap"
    subprocess.run(["tcpdump", "-r", str(mixed_pcap), "-w", str(kept), bpf], check=True,
                   capture_output=True, timeout=60)
    kept_frames = {bytes(f) for f in _records(kept)}
    full = set(_numbers(["-r", str(mixed_pcap), "-Y", flt], False, monkeypatch))
    frames = _records(mixed_pcap)
    for n in full:
        assert bytes(frames[int(n) - 1]) in kept_frames, f"{flt}: frame {n} dropped by BPF"


def _records(path: Path) -> list[bytes]:
    from captures import open_capture

    return [bytes(f.data) for f in open_capture(str(path))]


_REAL_FORK = fast_run.os.fork


def _counting_fork(forks: list[int]):  # noqa: ANN202
    def fork() -> int:
        pid = _REAL_FORK()
        if pid:
            forks.append(pid)
        return pid
    return fork


@pytest.mark.parametrize("flt", ["udp.port == 69", "tftp", "ipmsg.mode == 0x20", "udp",
                                 'frame contains "GET"', "ip.addr == 10.1.0.53 or arp",
                                 "icmp", "not tcp"])
def test_two_parts_equal_one(flt: str, mixed_pcap: Path, monkeypatch: pytest.MonkeyPatch,
                             tmp_path: Path) -> None:
    """Split across two processes (by address pair), the matches are those of one."""
    caps = [mixed_pcap, ROOT / "captures" / "samples" / "feiq.pcap",
            ROOT / "captures" / "samples" / "tftp_oack.pcap"]
    for cap in caps:
        args = ["-r", str(cap), "-Y", flt]
        one = _numbers(args, True, monkeypatch)
        monkeypatch.setattr(fast_run, "_PARALLEL_FROM", 0)
        forks: list[int] = []
        monkeypatch.setattr(fast_run.os, "fork", _counting_fork(forks))
        two = _numbers(args, True, monkeypatch)
        monkeypatch.undo()
        assert forks, "the walk did not split"
        assert one == two, f"{flt} on {cap.name}"
        assert one == _numbers(args, False, monkeypatch)


def test_second_section_hands_over_to_the_reader(tmp_path: Path, mixed_pcapng: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Two pcapng sections back to back: the fast walk stops at the second SHB and the
    full reader carries on from there; the frame numbers are those of the full path."""
    two = tmp_path / "two.pcapng"
    two.write_bytes(mixed_pcapng.read_bytes() * 2)
    args = ["-r", str(two), "-Y", "udp.port == 53 or tcp.flags.syn == 1"]
    fast = _numbers(args, True, monkeypatch)
    full = _numbers(args, False, monkeypatch)
    assert fast == full
    assert int(fast[-1]) > 2645  # matches from the second section are there


#: (filter, whether libpcap's pre-filter is used on the mixed capture): a filter whose
#: pre-filter keeps most of the sampled frames is decided by the walk alone.
SAMPLED = [("ip.addr == 10.0.0.0/8", False), ("ip", False), ("udp or tcp", False),
           ("udp.port == 69", True), ("tcp.flags.syn == 1", True), ("arp", True)]


@pytest.mark.parametrize(("flt", "prefiltered"), SAMPLED)
def test_prefilter_only_when_it_rejects_most(flt: str, prefiltered: bool, mixed_pcap: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The pre-filter is judged on the file's first frames (any file, here), and the
    matches are full dissection's either way."""
    for name, value in (("_SAMPLE_FROM", 0), ("_SAMPLE_MIN_FRAMES", 16)):
        monkeypatch.setattr(fast_run, name, value)
    used: list[bool] = []
    import captures.bpf as bpf  # (fast_run imports offline_matches where it calls it)

    real_offline = bpf.offline_matches

    def spy(path: str, text: str) -> object:
        used.append(True)
        return real_offline(path, text)

    monkeypatch.setattr(bpf, "offline_matches", spy)
    args = ["-r", str(mixed_pcap), "-Y", flt]
    fast = _numbers(args, True, monkeypatch)
    assert bool(used) == prefiltered, flt
    monkeypatch.undo()
    assert fast == _numbers(args, False, monkeypatch)


#: `or` filters whose sides read different depths, on frames cut inside or after their
#: headers: a BPF load past a record's captured bytes rejects the record, so such an
#: `or` must not be pre-filtered (filters/prefilter.py `_all_or_nothing`).
CUT = ["cut_headers.pcap", "cut_more.pcap", "cut_s17.pcap", "cut_s18.pcap"]
CUT_OR = ["tcp.flags.syn == 1 || ip.addr == 10.0.0.0/8", "tcp.srcport == 1 || ip.addr == 10.0.0.0/8",
          "udp.port == 53 || ip.src == 10.0.0.1", "tcp.flags.syn == 1 || tcp.port == 80",
          "ip.dst == 10.0.0.2 || ip.src == 10.0.0.1", "udp.port == 53 || ip",
          "udp.port == 69 || udp.port == 53 || tcp.port == 80", "arp || udp.port == 53"]


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed")
@pytest.mark.parametrize("name", CUT)
@pytest.mark.parametrize("flt", CUT_OR)
def test_or_on_cut_frames_as_tshark(name: str, flt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cap = ROOT / "tests" / "data" / "made" / name
    args = ["-r", str(cap), "-Y", flt]
    fast = _numbers(args, True, monkeypatch)
    theirs = subprocess.run(["tshark", "-n", "-r", str(cap), "-Y", flt, "-T", "fields",
                             "-e", "frame.number"], capture_output=True, text=True,
                            timeout=120).stdout.split()
    assert fast == theirs, f"{flt} on {name}"
    assert fast == _numbers(args, False, monkeypatch), f"{flt} on {name}"


#: Accurate ECN: after its handshake tshark shows the AE, CWR and ECE bits as the ACE
#: counter, so those three fields depend on the connection and are not fast fields.
ACCECN = ["tcp.flags.ae == 1", "tcp.flags.cwr == 1", "tcp.flags.ece == 1", "tcp.flags.ece == 0",
          "tcp.flags.syn == 1 and tcp.flags.ae == 1"]


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed")
@pytest.mark.parametrize("flt", ACCECN)
def test_accecn_bits_as_tshark(flt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cap = ROOT / "tests" / "data" / "corpus" / "tcpdump-accecn_handshake.pcap"
    args = ["-r", str(cap), "-Y", flt]
    fast = _numbers(args, True, monkeypatch, expect_fast=False)
    theirs = subprocess.run(["tshark", "-n", "-r", str(cap), "-Y", flt, "-T", "fields",
                             "-e", "frame.number"], capture_output=True, text=True,
                            timeout=120).stdout.split()
    assert fast == theirs, flt


def test_plain_ipv4_read_equals_the_general_walk(mixed_pcap: Path, mixed_pcapng: Path) -> None:
    """`ethernet_layers` reads untagged IPv4/TCP/UDP from one slice (`_plain_ip4`): the
    same layers as the general walk (`_layers`) for every frame, cut at every length
    up to 80 bytes and whole."""
    from dissectors import layers

    checked = 0
    for cap in _captures(mixed_pcap, mixed_pcapng):
        if cap.name in NOT_ETHERNET:
            continue
        with fast_run.mapped_records(str(cap)) as records:
            if records is None:
                continue
            mm = records.mm
            for s, caplen, origlen, _end in records:
                # (every cut through the headers the plain read looks at, and whole)
                for e in [*range(s + 14, s + min(caplen, 80)), s + caplen]:
                    got = layers.ethernet_layers(mm, s, e, s + origlen)
                    assert got == layers._layers(mm, s, e, s + origlen), (cap.name, s, e)
                    checked += got is not None and got[0] == layers.ETH_IPV4
    assert checked > 1000
