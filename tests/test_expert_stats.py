"""`-z expert` and the `_ws.expert` fields against tshark, our own notes kept apart, and
`--export-objects tftp,DIR -r -` (stdin)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from diffutil import run_analyze, run_analyze_subprocess, run_tshark, run_tshark_full
from scapy.all import IP, UDP, Ether, Raw, wrpcap
from test_tftp import (
    FILE_A,
    FILE_B,
    ack,
    build_basic,
    build_lossy,
    build_odd,
    build_wrap,
    data,
    rrq,
)

from analyzer.stats.expert import OUR_TITLE, parse_expert_arg

WS_FIELDS = ["frame.number", "_ws.expert.message", "_ws.expert.severity", "_ws.expert.group",
             "_ws.expert", "_ws.malformed"]
Z_FORMS = ["expert", "expert,warn", "expert,note,tftp", "expert,chat", "expert,error",
           "expert,Note", "expert,warning", "expert,", "expert,comment,tftp.opcode == 5"]


@pytest.fixture(scope="module")
def caps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("expert")
    return {"basic": build_basic(tmp), "odd": build_odd(tmp), "wrap": build_wrap(tmp),
            "lossy": build_lossy(tmp)}


def split_ours(text: str) -> tuple[str, str]:
    """(tshark's part, our own section) of an `analyze -z expert` output."""
    i = text.find("\n" + OUR_TITLE + "\n")
    return (text, "") if i < 0 else (text[:i], text[i:])


def theirs_part(args: list[str]) -> str:
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    return split_ours(out)[0]


@pytest.mark.tshark
@pytest.mark.parametrize("name", ["basic", "odd", "wrap", "lossy"])
@pytest.mark.parametrize("z", Z_FORMS)
def test_z_expert_equals_tshark(caps: dict[str, Path], name: str, z: str) -> None:
    args = ["-q", "-z", z, "-r", str(caps[name])]
    assert theirs_part(args) == run_tshark(args)


@pytest.mark.tshark
@pytest.mark.parametrize("z", ["expert", "expert,chat", "expert,tcp", "expert,warn",
                               "expert,note", "expert,error", "expert,chat,http",
                               "expert,note,tcp.analysis.flags", "expert,chat,udp"])
def test_z_expert_mixed_equals_tshark(mixed_pcap: Path, z: str) -> None:
    """TCP retransmissions, dup ACKs, RSTs, HTTP chats, a bad UDP length, UDP traceroute
    probes (a probe quoted by an ICMP error has the note in its tree but, as in
    Wireshark, the statistics do not count it)."""
    args = ["-q", "-z", z, "-r", str(mixed_pcap)]
    theirs = run_tshark(args)
    assert "Frequency" in theirs
    assert theirs_part(args) == theirs


@pytest.mark.tshark
def test_packets_then_stats_and_taps_ignore_display_filter(caps: dict[str, Path]) -> None:
    """Without -q the list comes first; as in tshark, -Y does not limit the tap."""
    args = ["-Y", "tftp.opcode == 5", "-z", "expert", "-r", str(caps["basic"])]
    out = theirs_part(args)
    assert out == run_tshark(args)
    assert "Chats (3)" in out  # the chats sit in packets the filter hides


@pytest.mark.tshark
@pytest.mark.parametrize("zs", [("expert", "expert,error"), ("expert,error", "expert"),
                                ("expert,error", "expert,warn,tftp.opcode==5")])
def test_several_taps_as_tshark(caps: dict[str, Path], zs: tuple[str, ...]) -> None:
    """tshark's level is one global (the last one given) and taps print last first."""
    args = ["-q", *[a for z in zs for a in ("-z", z)], "-r", str(caps["odd"])]
    assert theirs_part(args) == run_tshark(args)


@pytest.mark.tshark
def test_bad_z_arguments(caps: dict[str, Path]) -> None:
    rc, out, err = run_analyze(["-q", "-z", "nosuch,stat", "-r", str(caps["basic"])])
    assert rc == 1 and out == ""
    assert err.splitlines()[0] == ('analyze: Invalid -z argument "nosuch,stat"; it must be '
                                   'one of:')
    assert "     expert" in err.splitlines()  # the list is sorted, as tshark's
    cp = run_tshark_full(["-q", "-z", "nosuch,stat", "-r", str(caps["basic"])])
    assert cp.returncode == 1 and 'tshark: Invalid -z argument "nosuch,stat"; it must be one ' \
        "of:\n" in cp.stderr and "\n     expert\n" in cp.stderr
    args = ["-q", "-z", "expert,tcp.port==", "-r", str(caps["basic"])]
    rc, out, err = run_analyze(args)
    cp = run_tshark_full(args)
    assert rc == cp.returncode == 1
    assert out == cp.stdout == ('Expert tap error (Filter "tcp.port==" is invalid - Unexpected '
                                "end of filter expression.)!\n")


@pytest.mark.tshark
@pytest.mark.parametrize("name", ["basic", "odd", "wrap", "lossy"])
def test_ws_expert_fields_equal_tshark(caps: dict[str, Path], name: str) -> None:
    args = ["-r", str(caps[name]), "-T", "fields", *[a for f in WS_FIELDS for a in ("-e", f)]]
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    assert out == run_tshark(args)


@pytest.mark.tshark
def test_ws_expert_fields_mixed(mixed_pcap: Path) -> None:
    """Every frame's notes equal tshark's, the UDP traceroute chats included."""
    args = ["-r", str(mixed_pcap), "-T", "fields", *[a for f in WS_FIELDS for a in ("-e", f)]]
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    ours, theirs = out.splitlines(), run_tshark(args).splitlines()
    assert len(ours) == len(theirs)
    compared = traceroute = 0
    for a, b in zip(ours, theirs, strict=True):
        compared += bool(b.split("\t")[1])
        traceroute += "Possible traceroute" in b
        assert a == b
    assert compared > 300 and traceroute >= 20


FILTERS = ["_ws.expert", '_ws.expert.severity == "Warning"', "_ws.expert.severity >= \"Note\"",
           '_ws.expert.group == "Response"', "_ws.expert.severity == 2097152", "_ws.malformed",
           '_ws.expert.message contains "ERROR"', "_ws.expert.group == Sequence"]


@pytest.mark.tshark
@pytest.mark.parametrize("flt", FILTERS)
def test_ws_expert_filters_equal_tshark(caps: dict[str, Path], flt: str) -> None:
    for name in ("basic", "odd", "wrap", "lossy"):
        args = ["-r", str(caps[name]), "-Y", flt, "-T", "fields", "-e", "frame.number"]
        rc, out, err = run_analyze(args)
        assert rc == 0, err
        assert out == run_tshark(args), name


def test_parse_expert_arg_like_tshark() -> None:
    assert parse_expert_arg("expert") == (None, None)
    assert parse_expert_arg("expert,") == (None, None)
    assert parse_expert_arg("expert,WARN") == (3, None)
    assert parse_expert_arg("expert,warning") == (3, None)  # "ing" is no filter
    assert parse_expert_arg("expert,note,tcp") == (2, "tcp")
    assert parse_expert_arg("expert,tcp.port==80") == (None, "tcp.port==80")
    assert parse_expert_arg("expert,comment") == (0, None)


def duplicated_data_capture(path: Path) -> Path:
    """A read whose DATA block 1 is sent twice (ACK lost): only labshark notes that."""
    def pkt(i: int, sport: int, dport: int, payload: bytes, client: bool) -> Ether:
        src, dst = ("10.0.0.1", "10.0.0.2") if client else ("10.0.0.2", "10.0.0.1")
        p = Ether() / IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(payload)
        p.time = 1_700_000_000 + i / 1000
        return p

    msgs = [(4000, 69, rrq(b"dup.bin"), True), (5000, 4000, data(1, b"x" * 512), False),
            (5000, 4000, data(1, b"x" * 512), False), (4000, 5000, ack(1), True),
            (5000, 4000, data(2, b"y" * 7), False), (4000, 5000, ack(2), True)]
    wrpcap(str(path), [pkt(i, *m) for i, m in enumerate(msgs)])
    return path


@pytest.mark.tshark
def test_our_notes_only_in_our_section(tmp_path: Path) -> None:
    cap = duplicated_data_capture(tmp_path / "dup.pcap")
    args = ["-q", "-z", "expert", "-r", str(cap)]
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    theirs, ours = split_ours(out)
    assert theirs == run_tshark(args)  # tshark sees nothing to note here
    assert "Retransmitted" not in theirs
    assert ours == (f"\n{OUR_TITLE}\n{'=' * len(OUR_TITLE)}\n"
                    "\nNotes (1)\n=============\n"
                    "   Frequency      Group           Protocol  Summary\n"
                    "           1   Sequence               TFTP  Retransmitted DATA block 1\n")
    # Our note is filterable by its own field, never as a Wireshark `_ws.expert` item.
    for flt, frames in (("_ws.expert", ""), ("tftp.labshark.retransmission", "3\n")):
        rc, out, err = run_analyze(["-r", str(cap), "-Y", flt, "-T", "fields",
                                    "-e", "frame.number"])
        assert (rc, out) == (0, frames), err


def test_our_notes_follow_the_level(tmp_path: Path) -> None:
    cap = duplicated_data_capture(tmp_path / "dup.pcap")
    rc, out, err = run_analyze(["-q", "-z", "expert,warn", "-r", str(cap)])
    assert (rc, out) == (0, ""), err
    rc, out, err = run_analyze(["-q", "-z", "expert,tftp.opcode == 3", "-r", str(cap)])
    assert rc == 0 and "Retransmitted DATA block 1" in split_ours(out)[1]


@pytest.mark.parametrize("compress", [False, True])
def test_export_objects_from_stdin(caps: dict[str, Path], tmp_path: Path,
                                   compress: bool) -> None:
    raw = caps["basic"].read_bytes()
    stdin = gzip.compress(raw) if compress else raw
    want = tmp_path / "from_file"
    got = tmp_path / "from_stdin"
    rc, out_file, err = run_analyze(["-q", "-r", str(caps["basic"]), "--export-objects",
                                     f"tftp,{want}"])
    assert rc == 0, err
    extra = ["-2"] if compress else ["-c", "3"]  # a second pass / a partly read stdin
    cp = run_analyze_subprocess(["-q", *extra, "-r", "-", "--export-objects", f"tftp,{got}"],
                                input=stdin)
    assert cp.returncode == 0, cp.stderr
    assert (got / "boot.bin").read_bytes() == FILE_A
    assert (got / "pxelinux.0").read_bytes() == FILE_B
    names = sorted(p.name for p in want.iterdir())
    assert names == sorted(p.name for p in got.iterdir()) and len(names) == 5
    for n in names:
        assert (got / n).read_bytes() == (want / n).read_bytes(), n
    assert cp.stdout.decode().replace(str(got), "D") == out_file.replace(str(want), "D")
