"""Issue 12: no display filter, in -Y or in a -z tap, ends in an internal error.

Each case runs `analyze` and tshark 4.0 on the same small capture and compares exit
status, stdout and stderr (`analyze:` where tshark says `tshark:`), or the frames a
filter matches.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from diffutil import run_analyze, run_analyze_subprocess, run_tshark_full


def _udp(payload: bytes, sport: int = 40000) -> bytes:
    """Ethernet/IPv4/UDP frame (checksums zero: tshark does not check them)."""
    eth = bytes.fromhex("001122334455" "66778899aabb" "0800")
    ulen = 8 + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 1, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return eth + ip + struct.pack("!HHHH", sport, 40001, ulen, 0) + payload


def write_pcap(path: Path, frames: list[bytes]) -> Path:
    """A classic pcap (Ethernet), frames one second apart."""
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for i, f in enumerate(frames):
        out += struct.pack("<IIII", 1_600_000_000 + i, 0, len(f), len(f)) + f
    path.write_bytes(out)
    return path


@pytest.fixture(scope="module")
def small_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frames = [_udp(b"hello"), _udp(b"abc\xffdef"), _udp(b"plain"), _udp(b"\xc3\xbf utf8")]
    return write_pcap(tmp_path_factory.mktemp("robust") / "small.pcap", frames)


def _same_as_tshark(args: list[str]) -> None:
    rc, out, err = run_analyze(args)
    cp = run_tshark_full(args)
    assert "internal error" not in err
    assert (rc, out) == (cp.returncode, cp.stdout)
    ours = "\n".join(ln for ln in err.splitlines() if ln.strip())
    assert ours.replace("analyze: ", "tshark: ") == cp.stderr


# ---- 1. numbers out of range ---------------------------------------------------------
_HUGE = "frame.time_delta > 1e400"


@pytest.mark.tshark
@pytest.mark.parametrize("args", [
    ["-Y", _HUGE], ["-Y", "icmp.resptime > 1e400"], ["-Y", "frame[2147483648] == 1"],
    ["-Y", "frame.len > 18446744073709551616"],
    ["-q", "-z", f"conv,ip,{_HUGE}"], ["-q", "-z", f"endpoints,ip,{_HUGE}"],
    ["-q", "-z", f"expert,{_HUGE}"], ["-q", "-z", f"io,phs,{_HUGE}"],
    ["-q", "-z", f"io,stat,1,{_HUGE}"], ["-q", "-z", f"io,stat,1,SUM(frame.len){_HUGE}"],
])
def test_out_of_range_number_refused_like_tshark(small_pcap: Path, args: list[str]) -> None:
    _same_as_tshark(["-r", str(small_pcap), *args])


@pytest.mark.tshark
@pytest.mark.parametrize("interval", ["1e400", "99999999999999999999999999", "18446744073710"])
def test_huge_io_stat_interval_like_tshark(small_pcap: Path, interval: str) -> None:
    """Not a filter, but the same OverflowError: tshark refuses such an interval."""
    _same_as_tshark(["-r", str(small_pcap), "-q", "-z", f"io,stat,{interval}"])


# ---- 4. long chains, deep nesting ------------------------------------------------------
@pytest.mark.tshark
@pytest.mark.parametrize("sep,n", [(" or ", 1000), ("||", 10000), ("&&", 10000)])
def test_long_flat_chain_like_tshark(small_pcap: Path, sep: str, n: int) -> None:
    """tshark takes 10,000 terms; so must we, in a real process (stack as the CLI has)."""
    op = "!=" if sep == "&&" else "=="
    text = sep.join(f"ip.len{op}{34 + i % 60}" for i in range(n))  # < 128 KiB of argv
    cp = run_analyze_subprocess(["-r", str(small_pcap), "-Y", text])
    theirs = run_tshark_full(["-r", str(small_pcap), "-Y", text])
    assert (cp.returncode, cp.stderr.decode()) == (0, "")
    assert cp.stdout.decode() == theirs.stdout and theirs.stdout.count("\n") == 2


def test_deep_parentheses_clean_error(small_pcap: Path) -> None:
    text = "(" * 5000 + "udp" + ")" * 5000
    cp = run_analyze_subprocess(["-r", str(small_pcap), "-Y", text])
    err = cp.stderr.decode()
    assert cp.returncode == 2 and cp.stdout == b""
    assert err.startswith("analyze: Filter expression is nested too deeply (more than 100 "
                          "levels).\n") and "internal error" not in err


# ---- 2. bytes that are not UTF-8 in the filter text -------------------------------------
def _tshark_bytes(args: list[bytes]) -> tuple[int, bytes, bytes]:
    cp = run_tshark_full(args, text=False)  # type: ignore[arg-type]
    err = b"".join(ln for ln in cp.stderr.splitlines(keepends=True)
                   if b"Running as user" not in ln and ln.strip())
    return cp.returncode, cp.stdout, err


@pytest.mark.tshark
@pytest.mark.parametrize("flt", [
    b'frame contains "\xff"', b'udp contains "c\xffd"', b'frame matches "\xff"',
    b'frame matches "c\xff+d"', b'udp contains r"\xff"', b'data.data contains "\xff"',
    b"frame[42] == '\xff'", b"frame[42] == '\xc3\xbf'", b"frame[42] == '\x01'",
    b"frame contains \xff", b'udp contains "\xc3\xbf\\q"', b'ip.src == "\xff"',
])
def test_raw_argv_bytes_like_tshark(small_pcap: Path, flt: bytes) -> None:
    """The raw byte 0xFF in argv (a GBK terminal's) matches that byte in a string, and
    is refused in a character constant, with tshark's words and bytes."""
    args = [b"-r", str(small_pcap).encode(), b"-Y", flt]
    cp = run_analyze_subprocess(args)  # type: ignore[arg-type]
    rc, out, err = _tshark_bytes(args)
    assert b"internal error" not in cp.stderr and b"Traceback" not in cp.stderr
    assert (cp.returncode, cp.stdout) == (rc, out)
    assert cp.stderr.replace(b"analyze: ", b"tshark: ") == err


# ---- 3. regular expressions: bounded work, Wireshark's PCRE2 ----------------------------
@pytest.fixture(scope="module")
def aaa_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30 `a`s then `!` (catastrophic backtracking for `(a+)+$`), and 30 `a`s alone."""
    frames = [_udp(b"a" * 30 + b"!"), _udp(b"a" * 30), _udp(b"xyz")]
    return write_pcap(tmp_path_factory.mktemp("robust") / "aaa.pcap", frames)


@pytest.mark.tshark
@pytest.mark.parametrize("flt", ['frame matches "(a+)+$"', 'udp matches "(a+)+$"',
                                 'data.data matches "^(a|aa)+$"', 'frame matches "(a+)+b"'])
def test_catastrophic_regex_is_bounded_like_tshark(aaa_pcap: Path, flt: str) -> None:
    """PCRE2's match limit stops the first packet (it does not match, as in tshark)
    instead of backtracking for minutes; the others are decided as usual."""
    cp = run_analyze_subprocess(["-r", str(aaa_pcap), "-Y", flt], timeout=60)
    theirs = run_tshark_full(["-r", str(aaa_pcap), "-Y", flt])
    assert (cp.returncode, cp.stdout.decode()) == (theirs.returncode, theirs.stdout)
    notes = cp.stderr.decode().splitlines()
    assert len(notes) <= 1 and all(n.startswith("analyze: note: ") for n in notes)


def test_long_chain_gets_no_bpf_prefilter() -> None:
    """libpcap would take minutes to optimise 10,000 terms: no pre-filter then (the
    display filter still decides every packet); a short chain keeps its flat one."""
    from filters import compile_filter
    from filters.prefilter import superset_bpf

    long_chain = " or ".join(f"udp.port == {i}" for i in range(10000))
    assert superset_bpf(compile_filter(long_chain).tree) is None
    short = superset_bpf(compile_filter("udp.port == 1 or udp.port == 2 or udp.port == 3").tree)
    assert short is not None and short.startswith(
        "((udp port 1) or (udp port 2) or (udp port 3)) or ")
