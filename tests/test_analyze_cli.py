"""`analyze` command-line behaviour, compared with tshark where tshark has the same flag.

The main capture here is plain Ethernet/IPv4/UDP (what the dissection core decodes), so
these tests check the CLI, not the protocol dissectors.
"""

from __future__ import annotations

import os
import pty
import select
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from diffutil import (
    ROOT,
    run_analyze,
    run_analyze_subprocess,
    run_tshark,
    run_tshark_full,
    tshark_available,
)
from gen_mixed import samples
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Raw

TIME_FORMATS = ("r", "a", "ad", "d", "dd", "e", "u", "ud")
ANSI = "\x1b["


def _udp_records() -> list[tuple[int, bytes, int | None]]:
    """12 UDP packets between three hosts; timestamps cross midnight UTC."""
    base = 1_700_006_399 * 1_000_000 + 990_000  # 2023-11-14 23:59:59.990000
    recs = []
    t = base
    for i in range(12):
        src, dst = f"10.0.0.{1 + i % 3}", f"10.0.0.{1 + (i + 1) % 3}"
        pkt = (Ether(src=f"02:00:00:00:00:0{1 + i % 3}", dst=f"02:00:00:00:00:0{1 + (i + 1) % 3}")
               / IP(src=src, dst=dst, id=100 + i, ttl=64)
               / UDP(sport=40000 + i, dport=5000) / Raw(f"message {i} ".encode() * (1 + i % 4)))
        t += 1_237 * (i + 1)
        recs.append((t, bytes(pkt), None))
    return recs


@pytest.fixture(scope="module")
def udp_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return samples.write_capture(tmp_path_factory.mktemp("cli") / "udp.pcap", _udp_records())


@pytest.fixture(scope="module")
def udp_pcapng(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return samples.write_capture(tmp_path_factory.mktemp("cli") / "udp.pcapng",
                                  _udp_records(), "pcapng")


def ok(args: list[str]) -> str:
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    assert "Traceback" not in err
    return out


# --- reading -----------------------------------------------------------------------------


def test_positional_file_equals_dash_r(udp_pcap: Path) -> None:
    a = ok([str(udp_pcap)])
    assert a == ok(["-r", str(udp_pcap)])
    assert len(a.splitlines()) == 12


@pytest.mark.tshark
@pytest.mark.parametrize("fmt", ["pcap", "pcapng"])
def test_packet_list_matches_tshark(fmt: str, udp_pcap: Path, udp_pcapng: Path) -> None:
    cap = str(udp_pcap if fmt == "pcap" else udp_pcapng)
    assert ok(["-r", cap]) == run_tshark(["-r", cap])


@pytest.mark.tshark
@pytest.mark.parametrize("count", [1, 5, 12, 50])
def test_count(udp_pcap: Path, count: int) -> None:
    ours = ok(["-r", str(udp_pcap), "-c", str(count)])
    assert ours == run_tshark(["-r", str(udp_pcap), "-c", str(count)])
    assert len(ours.splitlines()) == min(count, 12)


@pytest.mark.tshark
@pytest.mark.parametrize("fmt", TIME_FORMATS)
def test_time_formats(udp_pcap: Path, fmt: str) -> None:
    args = ["-r", str(udp_pcap), "-t", fmt]
    assert ok(args) == run_tshark(args)


@pytest.mark.tshark
@pytest.mark.parametrize("fmt", TIME_FORMATS)
def test_time_formats_nanosecond_file(fmt: str) -> None:
    """A nanosecond pcap prints 9 decimals, like tshark."""
    cap = ROOT / "tests" / "data" / "wireshark" / "dhcp-nanosecond.pcap"
    args = ["-r", str(cap), "-t", fmt, "-T", "fields", "-e", "frame.number"]
    ours = [ln.split()[1:3] for ln in ok(["-r", str(cap), "-t", fmt]).splitlines()]
    theirs = [ln.split()[1:3] for ln in run_tshark(["-r", str(cap), "-t", fmt]).splitlines()]
    assert ours == theirs
    assert ok(args) == run_tshark(args)


@pytest.mark.tshark
def test_time_delta_displayed_with_filter(udp_pcap: Path) -> None:
    args = ["-r", str(udp_pcap), "-t", "dd", "-Y", "ip.src == 10.0.0.1"]
    ours = ok(args)
    assert ours == run_tshark(args)
    assert len(ours.splitlines()) == 4


# --- -T fields ---------------------------------------------------------------------------

FIELDS = ["frame.number", "frame.time_relative", "ip.src", "udp.srcport", "eth.addr",
          "ip.addr", "udp.length", "data.data"]


@pytest.mark.tshark
@pytest.mark.parametrize("opts", [
    [],
    ["-E", "header=y"],
    ["-E", "separator=,"],
    ["-E", "occurrence=f"],
    ["-E", "occurrence=l"],
    ["-E", "quote=d"],
    ["-E", "header=y", "-E", "separator=,", "-E", "occurrence=f", "-E", "quote=d"],
    ["-E", "aggregator=/s", "-E", "separator=/s"],
], ids=lambda o: " ".join(o) or "default")
def test_fields_options(udp_pcap: Path, opts: list[str]) -> None:
    args = ["-r", str(udp_pcap), "-T", "fields", *opts]
    for f in FIELDS:
        args += ["-e", f]
    assert ok(args) == run_tshark(args)


@pytest.mark.tshark
def test_unknown_field_is_refused_like_tshark(udp_pcap: Path) -> None:
    args = ["-r", str(udp_pcap), "-T", "fields", "-e", "no.such.field", "-e", "udp.srcport"]
    cp = run_analyze_subprocess(args)
    theirs = run_tshark_full(args)
    err = cp.stderr.decode()
    assert cp.returncode == theirs.returncode == 1
    assert "Some fields aren't valid" in err and "no.such.field" in err
    assert "Some fields aren't valid" in theirs.stderr
    assert cp.stdout == b""
    assert "Traceback" not in err


# --- -x, -w, -q, -G --------------------------------------------------------------------


@pytest.mark.tshark
def test_hex_dump_matches_tshark(udp_pcap: Path) -> None:
    args = ["-r", str(udp_pcap), "-x", "-c", "3"]
    assert ok(args) == run_tshark(args)


@pytest.mark.tshark
@pytest.mark.parametrize(("fmt_args", "magic"), [
    ([], b"\x0a\x0d\x0d\x0a"),
    (["-F", "pcapng"], b"\x0a\x0d\x0d\x0a"),
    (["-F", "pcap"], None),
])
def test_write_and_read_back(udp_pcap: Path, tmp_path: Path, fmt_args: list[str],
                             magic: bytes | None) -> None:
    out = tmp_path / "out.cap"
    assert ok(["-r", str(udp_pcap), "-w", str(out), *fmt_args]) == ""
    head = out.read_bytes()[:4]
    if magic is None:
        assert struct.unpack("<I", head)[0] in (0xA1B2C3D4, 0xA1B23C4D) or \
            struct.unpack(">I", head)[0] in (0xA1B2C3D4, 0xA1B23C4D)
    else:
        assert head == magic
    original = ok(["-r", str(udp_pcap)])
    assert ok(["-r", str(out)]) == original
    assert run_tshark(["-r", str(out)]) == run_tshark(["-r", str(udp_pcap)])
    data_fields = ["-T", "fields", "-e", "frame.len", "-e", "frame.time_epoch", "-e", "data.data"]
    assert run_tshark(["-r", str(out), *data_fields]) == \
        run_tshark(["-r", str(udp_pcap), *data_fields])


def test_write_with_count_and_filter(udp_pcap: Path, tmp_path: Path) -> None:
    out = tmp_path / "few.pcapng"
    ok(["-r", str(udp_pcap), "-c", "4", "-w", str(out)])
    assert ok(["-r", str(out)]) == ok(["-r", str(udp_pcap), "-c", "4"])


def test_quiet_prints_nothing(udp_pcap: Path) -> None:
    assert ok(["-r", str(udp_pcap), "-q"]) == ""


def test_glossary_fields() -> None:
    out = ok(["-G", "fields"])
    assert "F\tSource Port\tudp.srcport\tFT_UINT16\tudp\tBASE_PT_UDP" in out
    assert "\nP\tUser Datagram Protocol\tudp" in "\n" + out


# --- broken input: one line on stderr, non-zero exit, no traceback ----------------------


def _lines(b: bytes) -> list[str]:
    return [ln for ln in b.decode(errors="replace").splitlines() if ln.strip()]


def _check_failure(args: list[str], min_rc: int = 1) -> subprocess.CompletedProcess:
    cp = run_analyze_subprocess(args)
    err = cp.stderr.decode(errors="replace")
    assert "Traceback" not in err
    assert cp.returncode >= min_rc, (cp.returncode, err)
    assert len(_lines(cp.stderr)) == 1, err
    return cp


@pytest.mark.tshark
def test_missing_file(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.pcap")
    cp = _check_failure(["-r", missing])
    assert "doesn't exist" in cp.stderr.decode()
    assert cp.returncode == run_tshark_full(["-r", missing]).returncode == 2
    assert _check_failure([missing]).returncode == 2


def test_not_a_capture_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"\x00\x01\x02 this is no capture file, just words\n" * 4)
    cp = _check_failure(["-r", str(junk)])
    assert "capture file" in cp.stderr.decode()
    assert cp.stdout == b""


def test_directory_is_not_a_capture(tmp_path: Path) -> None:
    _check_failure(["-r", str(tmp_path)])


@pytest.mark.tshark
@pytest.mark.parametrize("fmt", ["pcap", "pcapng"])
def test_cut_short_file(tmp_path: Path, udp_pcap: Path, udp_pcapng: Path, fmt: str) -> None:
    src = udp_pcap if fmt == "pcap" else udp_pcapng
    data = src.read_bytes()
    cut = tmp_path / f"cut.{fmt}"
    cut.write_bytes(data[: len(data) - 30])
    cp = _check_failure(["-r", str(cut)])
    theirs = run_tshark_full(["-r", str(cut)])
    assert "cut short" in cp.stderr.decode()
    assert cp.returncode == theirs.returncode
    good = cp.stdout.decode().splitlines()
    assert len(good) == 11  # every complete packet is printed before the error
    assert cp.stdout.decode() == theirs.stdout


@pytest.mark.tshark
def test_impossible_record_length(tmp_path: Path, udp_pcap: Path) -> None:
    data = bytearray(udp_pcap.read_bytes())
    off = 24
    for _ in range(4):  # break the 5th record: tshark sniffs the pcap flavour from the first
        off += 16 + struct.unpack_from("<I", data, off + 8)[0]
    struct.pack_into("<II", data, off + 8, 0x7FFFFFFF, 0x7FFFFFFF)
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(bytes(data))
    cp = _check_failure(["-r", str(bad)])
    theirs = run_tshark_full(["-r", str(bad)])
    assert cp.returncode == theirs.returncode
    assert cp.stdout.decode() == theirs.stdout
    assert len(cp.stdout.decode().splitlines()) == 4
    assert "damaged or corrupt" in cp.stderr.decode()


def test_bad_option_is_one_line() -> None:
    cp = _check_failure(["--no-such-option"])
    assert cp.returncode == 1


def test_fields_without_e(udp_pcap: Path) -> None:
    cp = _check_failure(["-r", str(udp_pcap), "-T", "fields"])
    assert cp.returncode == 1


# --- -z arguments and help ---------------------------------------------------------------

#: What labshark offers for -z; each must also be a statistic tshark lists, but ours.
OUR_STATS = ["conv,eth", "conv,ip", "conv,ipv6", "conv,ipx", "conv,sctp", "conv,sll", "conv,tcp", "conv,udp",
             "credentials", "dests,tree", "dhcp,stat", "dns,tree", "endpoints,eth",
             "endpoints,ip", "endpoints,ipv6", "endpoints,ipx", "endpoints,sctp", "endpoints,sll", "endpoints,tcp",
             "endpoints,udp",
             "expert", "flow,any", "flow,icmp", "flow,icmpv6", "flow,tcp", "follow,http",
             "follow,ipmsg", "follow,tcp", "follow,tftp", "follow,tls", "follow,udp", "hosts",
             "http,tree", "http_req,tree", "http_seq,tree", "http_srv,tree", "icmp,srt", "icmpv6,srt", "io,phs",
             "io,stat", "ip_hosts,tree", "ip_srcdst,tree", "ipv6_dests,tree", "ipv6_hosts,tree",
             "ipv6_ptype,tree", "ipv6_srcdst,tree", "plen,tree", "ptype,tree", "tcp,graph,rtt",
             "tcp,graph,stevens", "tcp,graph,tcptrace", "tcp,graph,throughput",
             "tcp,graph,wscale", "tcp,rtt"]
#: labshark's own statistics (tshark has none of these names).
OURS_ONLY = {"follow,ipmsg", "follow,tftp", "tcp,rtt", "tcp,graph,rtt", "tcp,graph,stevens",
             "tcp,graph,tcptrace", "tcp,graph,throughput", "tcp,graph,wscale"}


@pytest.mark.tshark
@pytest.mark.parametrize("z", ["conv,tcp,bad((", "endpoints,udp,bad((", "io,phs,bad((",
                               "io,stat,1,bad((", "conv,nosuch", "io,stat"])
def test_bad_z_argument_on_stderr_with_tsharks_words(udp_pcap: Path, z: str) -> None:
    """`analyze: MESSAGE` on stderr, nothing on stdout, tshark's exit status; where
    tshark names the problem the same way, its words after the prefix."""
    args = ["-q", "-r", str(udp_pcap), "-z", z]
    rc, out, err = run_analyze(args)
    assert out == ""
    assert err.startswith("analyze: ") and err.count("\n") == 1 and "tshark" not in err
    theirs = run_tshark_full(args)
    assert rc == theirs.returncode == 1
    if z.endswith("bad(("):
        assert theirs.stderr.strip() == "tshark: " + err.removeprefix("analyze: ").strip()


@pytest.mark.tshark
def test_z_help_lists_every_statistic() -> None:
    rc, out, err = run_analyze(["-z", "help"])
    theirs = run_tshark_full(["-z", "help"])
    assert rc == theirs.returncode == 0 and out == theirs.stdout == ""
    head = 'The available statistics for the "-z" option are:'
    assert theirs.stderr.splitlines()[0] == f"tshark: {head}"
    assert err.splitlines() == [f"analyze: {head}"] + [f"     {n}" for n in OUR_STATS]
    tsharks = {ln.strip() for ln in theirs.stderr.splitlines()[1:]}
    assert set(OUR_STATS) - tsharks == OURS_ONLY
    for name in OUR_STATS:  # each listed statistic is one analyze takes
        assert run_analyze(["-z", name, "-q", "-r", "/nonexistent"])[2].count(
            "Invalid -z argument") == 0


def test_help_lists_statistics_and_c_counts_packets_read(udp_pcap: Path) -> None:
    cp = run_analyze_subprocess(["--help"])
    text = cp.stdout.decode()
    assert cp.returncode == 0
    tail = text[text.index("statistics for -z"):]
    assert tail.split()[-len(OUR_STATS):] == OUR_STATS
    c_help = " ".join(text[text.index("  -c N"):text.index("  -V ")].split())
    assert "matching" not in c_help and "reading N packets" in c_help
    # -c counts the packets read, not the ones -Y shows (tshark's meaning)
    shown = ok(["-r", str(udp_pcap), "-c", "4", "-Y", "ip.src == 10.0.0.1"])
    assert len(shown.splitlines()) == 2  # frames 1 and 4 of the first four


def test_bad_z_argument_lists_statistics(udp_pcap: Path) -> None:
    rc, out, err = run_analyze(["-q", "-r", str(udp_pcap), "-z", "nosuch"])
    assert (rc, out) == (1, "")
    assert err.splitlines() == ['analyze: Invalid -z argument "nosuch"; it must be one of:'] \
        + [f"     {n}" for n in OUR_STATS]


# --- -b, the ring buffer: tshark 4.0's syntax (one KEY:VALUE per -b) ------------------------

# (-b values, tshark 4.0's message without its "tshark: " prefix, or None: accepted)
RING_CASES = [
    (["filesize:10", "files:3"], None),
    (["duration:1.5"], None),
    (["filesize:10,files:3"], 'The specified ring buffer filesize "10,files:3" isn\'t a '
                              "decimal number"),
    (["filesize:1.5"], 'The specified ring buffer filesize "1.5" isn\'t a decimal number'),
    (["filesize:-5"], 'The specified ring buffer filesize "-5" isn\'t a decimal number'),
    (["filesize:0"], "The specified ring buffer filesize is zero"),
    (["files:0"], "The specified number of ring buffer files is zero"),
    (["files:3.5", "filesize:10"], 'The specified number of ring buffer files "3.5" isn\'t a '
                                   "decimal number"),
    (["filesize"], 'Invalid or unknown -b arg "filesize"'),
    (["filesize:"], 'Invalid or unknown -b arg "filesize:"'),
    (["duration:-1"], 'The specified ring buffer duration "-1" is a negative number'),
    (["files:3"], "Multiple capture files requested, but no maximum capture file size, "
                  "duration, interval or packets were specified."),
    (["bogus:3"], "Multiple capture files requested, but no maximum capture file size, "
                  "duration, interval or packets were specified."),
    (["printname:stdout"], "Multiple capture files requested, but no maximum capture file "
                           "size, duration, interval or packets were specified."),
    (["packets:5"], None),
    (["interval:2", "files:3"], None),
    (["packets:0"], "The specified ring buffer packet count is zero"),
    (["packets:abc"], 'The specified ring buffer packet count "abc" isn\'t a decimal number'),
    (["packets:-1"], 'The specified ring buffer packet count "-1" is a negative number'),
    (["interval:0"], "The specified ring buffer interval is zero"),
    (["interval:1.5"], 'The specified ring buffer interval "1.5" isn\'t a decimal number'),
    (["interval:-1"], 'The specified ring buffer interval "-1" is a negative number'),
    (["files:-1", "filesize:10"], 'The specified number of ring buffer files "-1" isn\'t a '
                                  "decimal number"),
]


@pytest.mark.parametrize(("specs", "message"), RING_CASES)
def test_ring_arguments_as_tshark(specs: list[str], message: str | None) -> None:
    """What tshark 4.0 accepts or refuses for -b (its messages measured live on lo)."""
    from analyzer.options import UsageError, parse_ring

    if message is None:
        assert parse_ring(specs)
        return
    with pytest.raises(UsageError) as e:
        parse_ring(specs)
    assert str(e.value) == message


def test_readme_ring_example_is_accepted() -> None:
    """The README's -b example parses, each -b one KEY:VALUE."""
    from analyzer.options import build_parser, parse_ring

    text = (ROOT / "README.md").read_text()
    line = next(ln for ln in text.splitlines() if "-b filesize:" in ln)
    words = line[line.index("-b filesize:"):].split()
    argv = [w.replace("KB", "100").replace("N", "3") for w in words[:4]]
    assert argv == ["-b", "filesize:100", "-b", "files:3"]
    assert parse_ring(build_parser().parse_args(argv).ring) == {"filesize": 100, "files": 3}


# --- README: how to start, where the architecture is --------------------------------------


def test_readme_links_stay_inside_the_repository() -> None:
    """Every relative link of the README names a file of this repository (a clone has
    nothing outside it), the architecture document among them."""
    import re

    text = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(([^)#]+)\)", text) + re.findall(r"`(\.\./[^`]+)`", text)
    assert "docs/ARCHITECTURE.md" in links
    for link in links:
        if "://" in link:
            continue
        target = (ROOT / link).resolve()
        assert target.is_relative_to(ROOT) and target.exists(), link
    arch = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    for part in ("captures/", "dissectors/", "filters/", "analyzer/", "traffic/",
                 "registry", "fast path", "A new protocol", "A new `-z` statistic",
                 "A new output format"):
        assert part in arch, part


def test_readme_says_how_to_run_analyze_after_setup() -> None:
    """After `sh .ci/setup`, `analyze` lives in .venv/bin: the README says to run it
    from there or to activate the environment, before its first bare `analyze`."""
    text = (ROOT / "README.md").read_text()
    first_bare = text.index("\n    analyze ")
    assert text.index(". .venv/bin/activate") < first_bare
    assert ".venv/bin/analyze" in text[:first_bare]
    assert (Path(sys.prefix) / "bin" / "activate").is_file()  # what .ci/setup makes
    assert (Path(sys.prefix) / "bin" / "analyze").is_file()


# --- entry points and colour -------------------------------------------------------------


def test_python_dash_m(udp_pcap: Path) -> None:
    cp = run_analyze_subprocess(["-r", str(udp_pcap), "-c", "2"], module=True)
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.decode() == ok(["-r", str(udp_pcap), "-c", "2"])


def _on_tty(args: list[str], env: dict[str, str] | None = None) -> str:
    """Run analyze with stdout on a pseudo-terminal; what it printed."""
    master, slave = pty.openpty()
    e = dict(os.environ, TZ="UTC", LC_ALL="C.UTF-8", COLUMNS="200")
    e.pop("NO_COLOR", None)
    e.update(env or {})
    exe = Path(sys.executable).parent / "analyze"
    proc = subprocess.Popen([str(exe), *args], stdout=slave, stderr=subprocess.PIPE,
                            env=e, cwd=ROOT)
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], 1.0)
        if r:
            try:
                b = os.read(master, 65536)
            except OSError:
                break
            if not b:
                break
            chunks.append(b)
        elif proc.poll() is not None:
            break
    os.close(master)
    proc.wait(timeout=30)
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    return b"".join(chunks).decode(errors="replace")


def test_color_never_and_no_color_give_plain_text(udp_pcap: Path) -> None:
    plain = ok(["-r", str(udp_pcap)])
    for args, env in ((["--color", "never"], None), ([], {"NO_COLOR": "1"})):
        out = _on_tty(["-r", str(udp_pcap), *args], env)
        assert ANSI not in out
        assert out.replace("\r\n", "\n") == plain


def test_color_on_terminal_and_always(udp_pcap: Path) -> None:
    assert ANSI in _on_tty(["-r", str(udp_pcap)])
    cp = run_analyze_subprocess(["-r", str(udp_pcap), "--color", "always"])
    assert ANSI in cp.stdout.decode()
    cp = run_analyze_subprocess(["-r", str(udp_pcap)])  # a pipe: plain
    assert ANSI not in cp.stdout.decode()


def test_tshark_gate_is_real() -> None:
    """The `tshark` marker skips only outside CI (see conftest): never silently in CI."""
    if os.environ.get("CI"):
        assert tshark_available(), "tshark must be installed in CI"


@pytest.mark.parametrize("flag", ["-Y", "--filter", "--display-filter"])
def test_filter_value_starting_with_minus(udp_pcap: Path, flag: str) -> None:
    """`-Y -40003 == -udp.srcport`: the value is the filter, not option -4 (nor -2)."""
    cp = run_analyze_subprocess(["-r", str(udp_pcap), flag, "-40003 == -udp.srcport"])
    assert cp.returncode == 0, cp.stderr
    lines = cp.stdout.decode().splitlines()
    assert len(lines) == 1 and lines[0].split()[0] == "4", lines
    cp = run_analyze_subprocess(["-r", str(udp_pcap), "-2", flag, "-2 == udp.srcport"])
    assert cp.returncode == 0 and cp.stdout == b"", cp.stderr
