"""Live capture (`analyze -i`, `-D`) on loopback, and capture filters compiled by libpcap.

Capturing needs root (or CAP_NET_RAW): outside CI a non-root run skips with that
reason; in CI it fails, since the README's test command runs as root. Other tests may
send traffic on lo at the same time, so every capture here is narrowed to a port the
test owns, and every subprocess is bounded by -a duration and a communicate timeout.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from captures.bpf import BpfError, compile_bpf
from filters import compile_filter
from filters.prefilter import superset_bpf

ROOT = Path(__file__).resolve().parent.parent
ANALYZE = [sys.executable, "-m", "analyzer"]

needs_root = pytest.mark.skipif(
    os.geteuid() != 0 and not os.environ.get("CI"),
    reason="live capture needs root or CAP_NET_RAW (run the tests as root)",
)


def _free_udp() -> socket.socket:
    """A bound UDP receiver on an ephemeral loopback port (no ICMP unreachable back)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    return s


class Live:
    """An `analyze -i lo ...` (or tshark's) subprocess that we started, waited for until
    it captures."""

    def __init__(self, *args: str, iface: str = "lo", cmd: list[str] = ANALYZE,
                 ready: str = "Capturing on", shown: str | None = None) -> None:
        self.proc = subprocess.Popen([*cmd, "-i", iface, *args], cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert self.proc.stderr is not None
        shown = shown or ("Loopback: lo" if iface == "lo" else iface)
        deadline = time.monotonic() + 15
        lines: list[str] = []
        while not lines or ready not in lines[-1]:  # tshark says more, around it
            got, _, _ = select.select([self.proc.stderr], [], [],
                                      max(0.0, deadline - time.monotonic()))
            if not got:
                self.proc.kill()  # only the PID we started
                self.proc.communicate()
                pytest.fail(f"{cmd[0]} did not start capturing within 15 s: {lines}")
            lines.append(self.proc.stderr.readline().decode())
            assert lines[-1], f"the capture ended before it started: {lines}"
        first = next(ln for ln in lines if ln.startswith("Capturing on"))
        assert first.startswith(f"Capturing on '{shown}'"), first
        self.first = first.rstrip("\n")

    def finish(self, timeout: float = 20) -> tuple[str, str, int]:
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()  # only the PID we started
            self.proc.communicate()
            raise
        return out.decode(), err.decode(), self.proc.returncode


def _captured(err: str) -> int:
    m = re.search(r"^(\d+) packets? captured$", err, re.M)
    assert m, err
    return int(m.group(1))


def _dropped(err: str) -> int:
    """tshark's "N packets dropped from IFACE" (printed only when N > 0)."""
    m = re.search(r"^(\d+) packets? dropped from .+$", err, re.M)
    return int(m.group(1)) if m else 0


# --- capture filter compilation ------------------------------------------------------

def test_compile_udp_port_69() -> None:
    prog = compile_bpf("udp port 69")
    assert len(prog.insns) > 4
    assert len(prog.packed()) == 8 * len(prog.insns)
    assert "#0x45" in prog.listing  # 69 compared with the port fields
    assert prog.insns[-1][0] == 0x06  # BPF_RET


def test_compile_bad_filter() -> None:
    with pytest.raises(BpfError, match="Invalid capture filter"):
        compile_bpf("udp port nosuchport")


def test_bad_capture_filter_cli() -> None:
    r = subprocess.run([*ANALYZE, "-i", "lo", "-f", "udp prot 69"], cwd=ROOT,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("analyze: Invalid capture filter"), r.stderr


def test_unknown_interface_cli() -> None:
    r = subprocess.run([*ANALYZE, "-i", "nosuchif0"], cwd=ROOT,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "nosuchif0" in lines[0], r.stderr


def display_to_bpf(display: str) -> str | None:
    return superset_bpf(compile_filter(display).tree)


@pytest.mark.parametrize(("display", "expected"), [
    ("udp.port == 69", "(udp port 69) or "),
    ("tcp.port==80", "(tcp port 80) or "),
    ("ip.addr == 10.1.2.3", "(net 10.1.2.3/32) or "),
    ("ip.addr == 10.0.0.0/8", "(net 10.0.0.0/8) or "),
    ("arp", "(arp) or "),
    ("tftp", "(udp) or "),
    ("udp.port == 69 or arp", "((udp port 69) or (arp)) or "),
    ("udp.port == 69 and frame.len > 3", "(udp port 69) or "),
])
def test_display_to_bpf_supported(display: str, expected: str) -> None:
    text = display_to_bpf(display)
    assert text is not None and text.startswith(expected)
    assert "ip[6:2] & 0x3fff != 0" in text and "icmp[0] == 3" in text and "vlan and" in text
    assert compile_bpf(text).insns


@pytest.mark.parametrize("display", [
    "not udp", "!tcp", "udp.port != 69", "udp.port > 69", "frame.len > 3",
    "udp.port == 69 or frame.len > 3", 'frame contains "x"', "tcp.stream == 1",
])
def test_display_to_bpf_unsure_is_none(display: str) -> None:
    assert display_to_bpf(display) is None


@pytest.mark.tshark
@pytest.mark.skipif(shutil.which("tcpdump") is None, reason="tcpdump is not installed")
def test_display_to_bpf_is_superset(tmp_path: Path) -> None:
    """Every packet tshark's display filter matches passes the derived capture filter."""
    from scapy.all import (
        ICMP,
        IP,
        UDP,
        Dot1Q,
        Ether,
        IPv6,
        IPv6ExtHdrHopByHop,
        Raw,
        fragment,
        wrpcap,
    )

    e = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    big = e / IP(src="10.0.0.1", dst="10.0.0.2", id=7) / UDP(sport=5000, dport=69) / Raw(
        b"A" * 3000)
    pkts = [
        e / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=5000, dport=69) / Raw(b"x"),
        e / Dot1Q(vlan=5) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=69, dport=5)
        / Raw(b"y"),
        *[e / f for f in fragment(big[IP], fragsize=1000)],
        e / IP(src="10.0.0.2", dst="10.0.0.1") / ICMP(type=3, code=3)
        / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=5000, dport=69),
        e / IPv6(src="::1", dst="::2") / UDP(sport=1, dport=69) / Raw(b"z"),
        e / IPv6(src="::1", dst="::2") / IPv6ExtHdrHopByHop() / UDP(sport=1, dport=69),
        e / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=5000, dport=70) / Raw(b"no"),
    ]
    for number, p in enumerate(pkts, 1):
        p.time = number
    pcap = tmp_path / "mix.pcap"
    wrpcap(str(pcap), pkts)
    for display in ("udp.port == 69", "udp", "ip.addr == 10.0.0.1", "icmp"):
        bpf = display_to_bpf(display)
        assert bpf is not None
        shown = subprocess.run(["tshark", "-n", "-r", str(pcap), "-Y", display, "-T", "fields",
                                "-e", "frame.number"], capture_output=True, text=True,
                               timeout=60).stdout.split()
        assert shown, display
        assert set(shown) <= _tcpdump_kept(pcap, bpf), (display, shown)
    # ... and the pre-filter does drop something: the datagram to port 70.
    assert str(len(pkts)) not in _tcpdump_kept(pcap, display_to_bpf("udp.port == 69") or "")


def _tcpdump_kept(pcap: Path, bpf: str) -> set[str]:
    """Frame numbers tcpdump keeps; packet i was stamped i seconds past the epoch."""
    out = subprocess.run(["tcpdump", "-n", "-tt", "-r", str(pcap), bpf],
                         capture_output=True, text=True, timeout=60).stdout
    return {str(int(float(ln.split()[0]))) for ln in out.splitlines() if ln[:1].isdigit()}


# --- live capture --------------------------------------------------------------------

def test_list_interfaces() -> None:
    r = subprocess.run([*ANALYZE, "-D"], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert any(re.fullmatch(r"\d+\. lo( \(Loopback\))?", ln) for ln in lines), lines
    assert [int(ln.split(".")[0]) for ln in lines] == list(range(1, len(lines) + 1))


@needs_root
def test_udp_on_lo_no_duplicates() -> None:
    rx = _free_udp()
    port = rx.getsockname()[1]
    try:
        live = Live("-a", "duration:4", "-f", f"udp port {port}", "-T", "fields",
                    "-e", "udp.dstport", "-e", "data.data")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for i in range(5):
                tx.sendto(b"live%d" % i, ("127.0.0.1", port))
        out, err, code = live.finish()
    finally:
        rx.close()
    assert code == 0, err
    assert out.splitlines() == [f"{port}\t{(b'live%d' % i).hex()}" for i in range(5)]
    assert _captured(err) == 5
    assert "dropped" not in err  # tshark says nothing of drops when there are none


@needs_root
def test_tcp_handshake_and_fin() -> None:
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    try:
        live = Live("-a", "duration:4", "-Y", f"tcp.port=={port}", "-T", "fields",
                    "-e", "tcp.flags", "-e", "tcp.srcport", "-e", "tcp.seq_raw",
                    "-e", "tcp.ack_raw")
        cli = socket.create_connection(("127.0.0.1", port), timeout=5)
        conn, _ = srv.accept()
        cli.sendall(b"hello")
        conn.recv(16)
        cli.close()
        conn.close()
        out, err, code = live.finish()
    finally:
        srv.close()
    assert code == 0, err
    flags = [int(ln.split("\t")[0], 16) for ln in out.splitlines()]
    syn, ack, fin = 0x002, 0x010, 0x001
    assert flags[0] == syn  # SYN
    assert flags[1] == syn | ack  # SYN-ACK
    assert flags[2] == ack  # ACK
    assert sum(1 for f in flags if f & fin) == 2  # both sides close
    assert len(set(out.splitlines())) == len(flags)  # lo's outgoing copies are skipped
    # -Y's kernel pre-filter is a superset (fragments, ICMP errors): other tests'
    # traffic on lo may be captured too, and is counted as tshark counts it
    assert _captured(err) >= len(flags)


@needs_root
@pytest.mark.tshark
def test_write_file_read_by_tshark(tmp_path: Path) -> None:
    rx = _free_udp()
    port = rx.getsockname()[1]
    out_file = tmp_path / "live.pcapng"
    try:
        live = Live("-a", "duration:3", "-f", f"udp port {port}", "-w", str(out_file), "-P")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for i in range(7):
                tx.sendto(b"w" * (i + 1), ("127.0.0.1", port))
        out, err, code = live.finish()
    finally:
        rx.close()
    assert code == 0, err
    # -P: the live summary lines are those tshark prints reading the file back.
    summary = subprocess.run(["tshark", "-n", "-r", str(out_file)], capture_output=True,
                             text=True, timeout=60).stdout
    assert out == summary
    fields = ["frame.len", "ip.src", "udp.dstport", "udp.length", "data.data"]
    targs = [x for f in fields for x in ("-e", f)]
    ts = subprocess.run(["tshark", "-n", "-r", str(out_file), "-T", "fields", *targs],
                        capture_output=True, text=True, timeout=60)
    assert ts.returncode == 0, ts.stderr
    ours = subprocess.run([*ANALYZE, "-r", str(out_file), "-T", "fields", *targs], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert len(ts.stdout.splitlines()) == 7 == _captured(err)
    assert ours.stdout == ts.stdout


@needs_root
def test_count_stops_early() -> None:
    rx = _free_udp()
    port = rx.getsockname()[1]
    start = time.monotonic()
    try:
        live = Live("-a", "duration:15", "-c", "2", "-f", f"udp port {port}", "-T", "fields",
                    "-e", "udp.dstport")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for _ in range(5):
                tx.sendto(b"c", ("127.0.0.1", port))
        out, err, code = live.finish()
    finally:
        rx.close()
    assert code == 0, err
    assert out.splitlines() == [str(port)] * 2
    assert _captured(err) == 2
    assert time.monotonic() - start < 12


@needs_root
def test_ring_buffer(tmp_path: Path) -> None:
    rx = _free_udp()
    port = rx.getsockname()[1]
    try:
        live = Live("-a", "duration:3", "-f", f"udp port {port}", "-w",
                    str(tmp_path / "ring.pcapng"), "-b", "filesize:1", "-b", "files:2")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for _ in range(30):
                tx.sendto(b"r" * 200, ("127.0.0.1", port))
        _out, err, code = live.finish()
    finally:
        rx.close()
    assert code == 0, err
    assert _captured(err) == 30
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 2, names
    assert all(re.fullmatch(r"ring_\d{5}_\d{14}\.pcapng", n) for n in names), names
    numbers = [int(n.split("_")[1]) for n in names]
    assert numbers[1] == numbers[0] + 1 and numbers[0] > 1  # the oldest were removed


def test_ring_buffer_interval_follows_the_clock(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """-b interval:S ends a file when the wall clock passes a multiple of S seconds."""
    from analyzer.live_run import RingWriter
    from captures import Frame, Interface

    clock = [1000.5]
    monkeypatch.setattr("analyzer.live_run.time.time", lambda: clock[0])
    ring = RingWriter(str(tmp_path / "r.pcap"), "pcap", Interface(1, 65535), {"interval": 2})
    frame = Frame(1, 0, 6, 60, 60, 1, 0, bytes(60))
    for t in (1000.5, 1001.9, 1002.0, 1003.9, 1004.1, 1004.2):
        clock[0] = t
        ring.write(frame)
    ring.close()
    sizes = [os.path.getsize(p) for p in ring.paths]
    assert len(sizes) == 3  # [1000, 1002), [1002, 1004), [1004, ...
    assert sizes[0] == sizes[1] == sizes[2] == 24 + 2 * (16 + 60)


@needs_root
def test_ring_buffer_by_packets(tmp_path: Path) -> None:
    """-b packets:N (tshark's): a file ends after N packets, the newest files kept."""
    from captures import open_capture

    rx = _free_udp()
    port = rx.getsockname()[1]
    try:
        live = Live("-a", "duration:3", "-f", f"udp port {port}", "-w",
                    str(tmp_path / "ring.pcapng"), "-b", "packets:10", "-b", "files:3")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for _ in range(25):
                tx.sendto(b"p" * 50, ("127.0.0.1", port))
        _out, err, code = live.finish()
    finally:
        rx.close()
    assert code == 0, err
    assert _captured(err) == 25
    names = sorted(p.name for p in tmp_path.iterdir())
    assert [int(n.split("_")[1]) for n in names] == [1, 2, 3], names
    counts = []
    for name in names:
        with open_capture(str(tmp_path / name)) as reader:
            counts.append(sum(1 for _ in reader))
    assert counts == [10, 10, 5]


@needs_root
def test_sigterm_stops_cleanly(tmp_path: Path) -> None:
    live = Live("-f", "udp port 9", "-w", str(tmp_path / "t.pcapng"))
    time.sleep(0.3)
    live.proc.terminate()  # our own child
    _out, err, code = live.finish()
    assert code == 0 and "Traceback" not in err
    assert _captured(err) == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch to the nobody user")
@pytest.mark.skipif(shutil.which("setpriv") is None, reason="setpriv is not installed")
def test_permission_error_as_nobody() -> None:
    r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                        *ANALYZE, "-i", "lo", "-a", "duration:1"], cwd=ROOT,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("analyze: You don't have permission to capture on that device")
    assert "CAP_NET_RAW" in lines[0]


@needs_root
def test_output_streams_through_a_pipe() -> None:
    """A packet is printed while the capture still runs, not at its end."""
    rx = _free_udp()
    port = rx.getsockname()[1]
    try:
        live = Live("-a", "duration:8", "-f", f"udp port {port}")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            tx.sendto(b"stream", ("127.0.0.1", port))
        assert live.proc.stdout is not None
        ready, _, _ = select.select([live.proc.stdout], [], [], 5)
        assert ready and live.proc.poll() is None
        line = live.proc.stdout.readline().decode()
        assert re.match(rf"\s*1\s+0\.000000\s+127\.0\.0\.1 → 127\.0\.0\.1\s+UDP 48 \d+ → "
                        rf"{port} Len=6$", line), line
        live.proc.send_signal(signal.SIGINT)  # Ctrl-C: a clean stop
        _out, err, code = live.finish()
    finally:
        rx.close()
    assert code == 0 and "Traceback" not in err
    assert _captured(err) == 1


@needs_root
def test_full_queue_drops_and_counts() -> None:
    """A full queue drops packets and counts them instead of blocking the socket."""
    from captures.live import LiveCapture

    rx = _free_udp()
    port = rx.getsockname()[1]
    cap = LiveCapture("lo", compile_bpf(f"udp port {port}"), queue_size=3)
    try:
        cap.start()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for i in range(10):
                tx.sendto(b"q%d" % i, ("127.0.0.1", port))
        deadline = time.monotonic() + 5
        while cap.queue_drops < 7 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        _received, kernel_drops = cap.stop()
        rx.close()
    assert cap.queue_drops == 7 and kernel_drops == 0
    frames = [cap.frame(n, item) for n, item in enumerate(iter(lambda: cap.get(0), None), 1)]
    assert [bytes(f.data[-2:]) for f in frames] == [b"q0", b"q1", b"q2"]
    assert all(f.linktype == 1 and f.ts_digits == 6 and f.caplen == f.origlen == 44
               for f in frames)


@needs_root
@pytest.mark.tshark
def test_snaplen_keeps_wire_length(tmp_path: Path) -> None:
    """-s trims what is kept, while frame.len stays the length on the wire."""
    rx = _free_udp()
    port = rx.getsockname()[1]
    out_file = tmp_path / "snap.pcapng"
    try:
        live = Live("-a", "duration:2", "-s", "60", "-f", f"udp port {port}",
                    "-w", str(out_file))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            tx.sendto(b"s" * 200, ("127.0.0.1", port))
        _out, err, code = live.finish()
    finally:
        rx.close()
    assert code == 0, err
    ts = subprocess.run(["tshark", "-n", "-r", str(out_file), "-T", "fields", "-e", "frame.len",
                         "-e", "frame.cap_len", "-e", "udp.length"],
                        capture_output=True, text=True, timeout=60)
    assert ts.stdout == "242\t60\t208\n"


@needs_root
@pytest.mark.tshark
def test_live_statistics_and_plot(tmp_path: Path) -> None:
    """-z taps and --plot work live: the reports after a capture are those of the file
    it wrote, read back by analyze and by tshark, and the plot is a PNG."""
    rx = _free_udp()
    port = rx.getsockname()[1]
    out_file, png = tmp_path / "live.pcap", tmp_path / "io.png"
    stats = ["-z", "conv,udp", "-z", "io,phs", "-z", "io,stat,1"]
    try:
        live = Live("-a", "duration:3", "-f", f"udp port {port}", "-q", *stats,
                    "-w", str(out_file), "-F", "pcap", "--plot", str(png))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for i in range(6):
                tx.sendto(b"z" * (i + 1), ("127.0.0.1", port))
        out, err, code = live.finish()
    finally:
        rx.close()
    assert code == 0, err
    assert _captured(err) == 6
    assert f"127.0.0.1:{port}" in out and "      6 " in out
    again = subprocess.run([*ANALYZE, "-r", str(out_file), "-q", *stats], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    theirs = subprocess.run(["tshark", "-n", "-r", str(out_file), "-q", *stats],
                            capture_output=True, text=True, timeout=60)
    assert out == again.stdout == theirs.stdout
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR"
