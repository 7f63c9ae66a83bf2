"""Terminal-only display: Wireshark's colouring rules, the progress bar, rich -z tables.

Plain output (pipes, golden files) must stay byte-identical; the rich forms are checked
by forcing a terminal (`--color always`, LABSHARK_PROGRESS=1).
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import diffutil
import pytest

from analyzer.app import run
from analyzer.output.color_rules import default_rules, load_rules, parse_rules, pick
from captures import open_capture
from dissectors import Session, dissect

SAMPLES = Path(__file__).resolve().parent.parent / "captures" / "samples"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _rules_by_frame(path: Path, rules: list | None = None) -> list[tuple[object, str]]:
    rules = default_rules() if rules is None else rules
    session = Session()
    out = []
    with open_capture(path) as reader:
        for frame in reader:
            pkt = dissect(frame, session)
            rule = pick(rules, pkt)
            out.append((pkt, rule.name if rule else ""))
    return out


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def test_default_rules_order_and_ours_before_udp() -> None:
    names = [r.name for r in default_rules()]
    # Wireshark's order, minus rules naming fields we do not decode (hsrp, stp, smb ...).
    for a, b in [("Bad TCP", "ICMP errors"), ("ICMP errors", "ARP"), ("ARP", "ICMP"),
                 ("ICMP", "TCP RST"), ("TCP RST", "TCP SYN/FIN"), ("TCP SYN/FIN", "TCP"),
                 ("TCP", "TFTP"), ("TFTP", "FeiQ"), ("FeiQ", "UDP")]:
        assert names.index(a) < names.index(b)
    assert "System Event" not in names
    # Wireshark's SMB rule (netbios undecoded) stands as its subset smb || nbss || nbns.
    assert [r.filter for r in default_rules() if r.name == "SMB"] == ["smb || nbss || nbns"]
    assert names.index("TCP RST") < names.index("SMB") < names.index("TCP SYN/FIN")
    bad = next(r for r in default_rules() if r.name == "Bad TCP")
    # Wireshark's file is background first: red text on a dark background.
    assert bad.bg == (18, 39, 46) and bad.fg == (247, 135, 135)  # 16-bit >> 8


def test_parse_rules_skips_junk_disabled_and_unknown() -> None:
    text = ("# comment\n!@Off@udp@[0,0,0][0,0,0]\n@Nope@no.such.field == 1@[0,0,0][0,0,0]\n"
            "garbage\n@Mine@udp@[65535,0,0][0,0,65535]\n")
    rules = parse_rules(text)
    assert [r.name for r in rules] == ["Mine"]
    assert rules[0].style == "rgb(0,0,255) on rgb(255,0,0)"  # [background][foreground]


def test_mixed_capture_rules(mixed_pcap: Path) -> None:
    seen: dict[str, str] = {}
    for pkt, name in _rules_by_frame(mixed_pcap):
        f = pkt.first
        if f("tcp.analysis.retransmission") is not None:
            assert name == "Bad TCP", pkt.frame.number
        elif f("arp.opcode") is not None:
            assert name == "ARP"
        elif f("tcp.flags.reset") == 1:
            assert name == "TCP RST"
        elif f("tcp.flags.syn") == 1 and f("tcp.analysis.flags") is None:
            assert name == "TCP SYN/FIN"
        seen[name] = name
    assert {"Bad TCP", "ARP", "TCP RST", "TCP SYN/FIN", "TCP", "UDP", "ICMP"} <= set(seen)


def test_samples_tftp_and_feiq_rules() -> None:
    names = {name for _, name in _rules_by_frame(SAMPLES / "tftp_rrq.pcap")}
    assert names == {"TFTP"}
    names = {name for _, name in _rules_by_frame(SAMPLES / "feiq.pcap")}
    assert names == {"FeiQ"}
    lab = _rules_by_frame(SAMPLES / "lab.pcap")
    assert {"ARP", "ICMP", "TCP SYN/FIN", "TCP", "UDP", "TFTP", "FeiQ"} <= {n for _, n in lab}


@pytest.mark.tshark
@pytest.mark.parametrize("name", ["mixed", "lab.pcap"])
def test_rules_match_tshark(name: str, mixed_pcap: Path) -> None:
    """tshark --color names the rule; equal wherever tshark chose a rule we have."""
    path = mixed_pcap if name == "mixed" else SAMPLES / name
    ts = subprocess.run(["tshark", "-n", "--color", "-r", str(path), "-T", "fields",
                         "-e", "frame.coloring_rule.name"],
                        capture_output=True, text=True, check=True,
                        timeout=diffutil.TSHARK_TIMEOUT).stdout
    theirs = ts.splitlines()
    ours = _rules_by_frame(path)
    assert len(theirs) == len(ours)
    known = {r.name for r in default_rules()} - {"TFTP", "FeiQ"}
    compared = 0
    for (pkt, mine), t in zip(ours, theirs, strict=True):
        if t not in known or mine in ("TFTP", "FeiQ"):
            continue  # a rule we cannot compile (e.g. HTTP needs http2), or ours
        assert mine == t, (pkt.frame.number, mine, t)
        compared += 1
    assert compared >= 10


WIRESHARK_COLORFILTERS = Path("/usr/share/wireshark/colorfilters")


def _wireshark_colors() -> dict[str, tuple[tuple[int, ...], tuple[int, ...]]]:
    """name -> (background, foreground) in 8-bit RGB, read from Wireshark's own file
    (`@name@filter@[background][foreground]`, 16-bit values)."""
    out = {}
    for line in WIRESHARK_COLORFILTERS.read_text().splitlines():
        m = re.match(r"^@([^@]*)@.*@\[([\d,]+)\]\[([\d,]+)\]$", line)
        if m:
            bg, fg = (tuple(int(v) >> 8 for v in g.split(",")) for g in m.group(2, 3))
            out[m.group(1)] = (bg, fg)
    return out


@pytest.mark.tshark
def test_list_colours_are_wiresharks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The packet list paints each rule's row in the background and foreground of
    Wireshark's installed default file: UDP is dark text on light blue, not inverted."""
    monkeypatch.setenv("COLORTERM", "truecolor")  # rich writes the exact 24-bit colours
    from scapy.layers.inet import ICMP, IP, TCP, UDP
    from scapy.layers.l2 import ARP, Ether
    from scapy.utils import wrpcap

    if not WIRESHARK_COLORFILTERS.is_file():
        pytest.fail(f"{WIRESHARK_COLORFILTERS} missing: tshark is installed without it")
    eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    ip = IP(src="10.0.0.1", dst="10.0.0.2")
    rows = {"UDP": eth / ip / UDP(sport=5000, dport=5001) / b"hi",
            "TCP SYN/FIN": eth / ip / TCP(sport=40000, dport=8888, flags="S", seq=1),
            "ICMP errors": eth / IP(src="10.0.0.2", dst="10.0.0.1") / ICMP(type=3, code=3)
            / ip / UDP(sport=5000, dport=5001) / b"hi",
            "ARP": Ether(src="02:00:00:00:00:01", dst="ff:ff:ff:ff:ff:ff")
            / ARP(psrc="10.0.0.1", pdst="10.0.0.2")}
    path = tmp_path / "rows.pcap"
    wrpcap(str(path), list(rows.values()))
    code, out, err = _run(["--color", "always", str(path)])
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == len(rows)
    theirs = _wireshark_colors()
    for (name, _), line in zip(rows.items(), lines, strict=True):
        bg, fg = theirs[name]
        codes = ANSI.findall(line)[0]
        assert f"38;2;{fg[0]};{fg[1]};{fg[2]}" in codes, (name, codes)
        assert f"48;2;{bg[0]};{bg[1]};{bg[2]}" in codes, (name, codes)
    udp = next(r for r in default_rules() if r.name == "UDP")
    assert udp.bg == theirs["UDP"][0] == (218, 238, 255)  # light blue behind dark text
    assert udp.fg == theirs["UDP"][1] == (18, 39, 46)


def test_color_always_never_and_pipe(mixed_pcap: Path) -> None:
    _, plain, _ = _run(["-c", "60", str(mixed_pcap)])
    _, never, _ = _run(["--color", "never", "-c", "60", str(mixed_pcap)])
    _, always, _ = _run(["--color", "always", "-c", "60", str(mixed_pcap)])
    assert "\x1b[" not in plain and never == plain  # StringIO is a pipe: auto is plain
    assert "\x1b[" in always
    assert ANSI.sub("", always) == plain  # same text, only coloured


def test_user_rules_file_overrides(tmp_path: Path, mixed_pcap: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    mine = tmp_path / "colorfilters"
    mine.write_text("@Everything UDP@udp@[0,0,0][65535,0,0]\n")
    assert [r.name for r in load_rules(str(mine))] == ["Everything UDP"]
    names = {n for _, n in _rules_by_frame(mixed_pcap, load_rules(str(mine)))}
    assert names == {"Everything UDP", ""}
    _, default, _ = _run(["--color", "always", "-c", "60", str(mixed_pcap)])
    _, user, _ = _run(["--color", "always", "--color-rules", str(mine), "-c", "60",
                       str(mixed_pcap)])
    assert user != default and ANSI.sub("", user) == ANSI.sub("", default)
    # ~/.config/labshark/colorfilters is read when no --color-rules is given
    home = tmp_path / "home"
    (home / ".config" / "labshark").mkdir(parents=True)
    (home / ".config" / "labshark" / "colorfilters").write_text(mine.read_text())
    monkeypatch.setenv("HOME", str(home))
    assert [r.name for r in load_rules()] == ["Everything UDP"]
    code, _, err = _run(["--color", "always", "--color-rules", str(tmp_path / "none"),
                         "-c", "1", str(mixed_pcap)])
    assert code != 0 and "Traceback" not in err


def test_progress_only_when_forced(mixed_pcap: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The bar goes to the process's stderr; stdout is the same with or without it."""
    argv = ["-q", "-z", "io,stat,1", str(mixed_pcap)]
    monkeypatch.delenv("LABSHARK_PROGRESS", raising=False)
    _, out_plain, err_plain = _run(argv)
    assert err_plain + capsys.readouterr().err == ""  # stdout is not a terminal: no bar
    monkeypatch.setenv("LABSHARK_PROGRESS", "1")
    _, out_bar, _ = _run(argv)
    assert "reading mixed.pcap" in ANSI.sub("", capsys.readouterr().err)
    assert out_bar == out_plain
    _, out_list, _ = _run(["-c", "50", str(mixed_pcap)])
    capsys.readouterr()
    monkeypatch.setenv("LABSHARK_PROGRESS", "0")
    _, out_list0, err0 = _run(["-c", "50", str(mixed_pcap)])
    assert out_list == out_list0 and err0 + capsys.readouterr().err == ""


def test_progress_never_for_stdin_or_pipes(mixed_pcap: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from argparse import Namespace

    from analyzer.output.progress import wanted

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    opts = Namespace(quiet=True, write=None, print_summary=False)
    monkeypatch.delenv("LABSHARK_PROGRESS", raising=False)
    monkeypatch.setattr("analyzer.output.progress.MIN_SIZE", 1)
    assert wanted(opts, str(mixed_pcap), Tty(), Tty())
    assert not wanted(opts, str(mixed_pcap), io.StringIO(), Tty())  # stdout piped
    assert not wanted(opts, "-", Tty(), Tty())  # stdin
    listing = Namespace(quiet=False, write=None, print_summary=False)
    assert not wanted(listing, str(mixed_pcap), Tty(), Tty())  # list scrolls instead


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?", text)


@pytest.mark.parametrize("stat", ["io,stat,1", "io,stat,0.5,udp,tcp", "conv,ip",
                                  "endpoints,udp", "conv,tcp"])
def test_rich_tables_same_numbers(stat: str, mixed_pcap: Path) -> None:
    _, plain, _ = _run(["-q", "-z", stat, str(mixed_pcap)])
    _, rich, _ = _run(["--color", "always", "-q", "-z", stat, str(mixed_pcap)])
    rich = ANSI.sub("", rich)
    assert "\u2502" in rich and rich != plain  # a box-drawn table
    if stat.startswith("io,stat"):
        plain_rows = [ln for ln in plain.splitlines() if "<>" in ln]
    else:
        plain_rows = [ln for ln in plain.splitlines()
                      if ln and not ln.startswith(("=", "Filter", " ", "IP", "UDP", "TCP"))]
    rich_rows = [ln for ln in rich.splitlines() if ln.startswith("\u2502")]
    assert len(plain_rows) == len(rich_rows) > 0
    for p, r in zip(plain_rows, rich_rows, strict=True):
        assert _numbers(p) == _numbers(r), (p, r)


def test_rich_expert_and_never(mixed_pcap: Path) -> None:
    _, plain, _ = _run(["-q", "-z", "expert", str(mixed_pcap)])
    _, never, _ = _run(["--color", "never", "-q", "-z", "expert", str(mixed_pcap)])
    assert never == plain
    _, rich, _ = _run(["--color", "always", "-q", "-z", "expert", str(mixed_pcap)])
    rich = ANSI.sub("", rich)
    for title in re.findall(r"^\S.* \(\d+\)$", plain, flags=re.M):
        assert title in rich
    assert "Bad length value 200 > IP payload length" in rich


@pytest.mark.parametrize("stat", ["plen,tree", "dns,tree", "dests,tree,udp"])
def test_rich_stats_tree_same_rows(stat: str, mixed_pcap: Path) -> None:
    """A stats tree's table holds the rows of its plain text, cell for cell."""
    _, plain, _ = _run(["-q", "-z", stat, str(mixed_pcap)])
    _, rich, _ = _run(["--color", "always", "-q", "-z", stat, str(mixed_pcap)])
    rich = ANSI.sub("", rich)
    assert "\u2502" in rich and rich != plain
    lines = plain.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("---")) + 1
    plain_rows = [ln.split() for ln in lines[start:] if ln.strip() and not ln.startswith("---")]
    rich_rows = [ln.replace("\u2502", " ").split() for ln in rich.splitlines()
                 if ln.startswith("\u2502")]
    assert len(plain_rows) == len(rich_rows) > 3
    assert plain_rows == rich_rows
