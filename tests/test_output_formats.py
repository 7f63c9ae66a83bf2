"""`-T fields` (-E options, `_ws.col.*`), `-T ek` and `-T json` against `tshark -n`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from analyzer.app import run
from analyzer.options import UsageError, parse_field_opts

ROOT = Path(__file__).resolve().parent.parent
LAB = ROOT / "captures" / "samples" / "lab.pcap"
COLS = ["-e", "_ws.col.No.", "-e", "_ws.col.Time", "-e", "_ws.col.Source",
        "-e", "_ws.col.Destination", "-e", "_ws.col.Protocol", "-e", "_ws.col.Length",
        "-e", "_ws.col.Info"]
MULTI = ["-e", "frame.number", "-e", "ip.addr", "-e", "tcp.port", "-e", "udp.port",
         "-e", "dns.qry.name", "-e", "eth.src", "-e", "ip.ttl", "-e", "dns.a"]


def _tshark(path: Path, args: list[str]) -> tuple[int, str]:
    p = subprocess.run(["tshark", "-n", "-r", str(path), *args], capture_output=True,
                       text=True, timeout=120)
    return p.returncode, p.stdout


def _ours(path: Path, args: list[str]) -> tuple[int, str]:
    import io

    out, err = io.StringIO(), io.StringIO()
    code = run(["--only-tshark-items", "-r", str(path), *args], out, err)
    return code, out.getvalue()


def _lines_without_ipmsg(text: str) -> list[str]:
    """lab.pcap's FeiQ packets (udp 2425) are IPMSG to us and plain UDP to tshark."""
    return [ln for ln in text.splitlines() if "2425" not in ln]


FIELD_CASES = [
    [],
    ["-E", "quote=d"],
    ["-E", "quote=s", "-E", "occurrence=f"],
    ["-E", "occurrence=l", "-E", "aggregator=/s", "-E", "separator=,"],
    ["-E", "header=y", "-E", "quote=d", "-E", "aggregator=;"],
    ["-E", "separator=/s", "-E", "aggregator=/t"],
    ["-E", "separator=ab", "-E", "header=yes", "-E", "bom=y"],
    ["-E", "bom=y"],
    ["-t", "ad"], ["-t", "e"], ["-t", "dd", "-Y", "tcp || dns"], ["-t", "u"],
]


@pytest.mark.tshark
@pytest.mark.parametrize("extra", FIELD_CASES, ids=lambda a: " ".join(a) or "default")
def test_fields_options_equal_tshark(mixed_pcap: Path, extra: list[str]) -> None:
    args = ["-T", "fields", *MULTI, *COLS, "-e", "_ws.col.Nope", *extra]
    t_code, t_out = _tshark(mixed_pcap, args)
    code, out = _ours(mixed_pcap, args)
    assert (code, t_code) == (0, 0)
    assert out == t_out
    assert len(out.splitlines()) > 100


@pytest.mark.tshark
@pytest.mark.parametrize("extra", [["-t", "ad", "-E", "quote=s"], ["-E", "occurrence=f"]])
def test_fields_lab_equal_tshark(extra: list[str]) -> None:
    args = ["-T", "fields", "-e", "frame.number", "-e", "ip.addr", "-e", "udp.port",
            *COLS, *extra]
    t_out = _tshark(LAB, args)[1]
    out = _ours(LAB, args)[1]
    assert _lines_without_ipmsg(out) == _lines_without_ipmsg(t_out)
    assert len(_lines_without_ipmsg(out)) >= 20


@pytest.mark.tshark
def test_repeated_field_prints_only_at_its_last_place(mixed_pcap: Path) -> None:
    args = ["-T", "fields", "-e", "frame.number", "-e", "_ws.col.Info", "-e", "frame.number"]
    assert _ours(mixed_pcap, args)[1] == _tshark(mixed_pcap, args)[1]
    assert _ours(mixed_pcap, args)[1].startswith("\t")


@pytest.mark.parametrize("opt", ["quote=x", "occurrence=2", "header", "header=", "escape=y",
                                 "bom=x"])
def test_bad_field_option_is_rejected_like_tshark(opt: str) -> None:
    with pytest.raises(UsageError, match="is not a valid field output option=value pair"):
        parse_field_opts([opt])


def test_field_option_first_character_counts() -> None:
    got = parse_field_opts(["separator=/x", "aggregator=/t", "quote=double", "header=yes"])
    assert (got["separator"], got["aggregator"], got["quote"], got["header"]) == \
        ("\\", "\\", "d", "y")


@pytest.mark.tshark
def test_column_fields_are_not_filter_fields(mixed_pcap: Path) -> None:
    t_code, _ = _tshark(mixed_pcap, ["-Y", '_ws.col.Protocol == "UDP"'])
    code, out = _ours(mixed_pcap, ["-Y", '_ws.col.Protocol == "UDP"'])
    assert t_code != 0 and code != 0 and out == ""
    assert _ours(mixed_pcap, ["-T", "fields", "-e", "_ws.col"])[0] == 1


@pytest.mark.tshark
@pytest.mark.parametrize("extra", [[], ["-t", "ad"], ["-Y", "dns"]])
def test_ek_with_fields_equal_tshark(mixed_pcap: Path, extra: list[str]) -> None:
    args = ["-T", "ek", *MULTI, "-e", "_ws.col.Info", "-e", "_ws.col.Time", *extra]
    t_out = _tshark(mixed_pcap, args)[1]
    out = _ours(mixed_pcap, args)[1]
    assert out == t_out and out.count('{"index":') > 10


def _layers(text: str) -> list[dict[str, object]]:
    """Each packet's layers; inside a layer the (key, value) pairs keep duplicates."""
    pkts = json.loads(text, object_pairs_hook=lambda pairs: pairs)
    return [dict(dict(dict(p)["_source"])["layers"]) for p in pkts]


@pytest.mark.tshark
@pytest.mark.parametrize("no_dup", [False, True])
def test_json_network_layers_equal_tshark(mixed_pcap: Path, no_dup: bool) -> None:
    """The IP, ARP, TCP and DHCP layers, duplicate keys included, equal tshark's."""
    args = ["-T", "json"] + (["--no-duplicate-keys"] if no_dup else [])
    theirs = _layers(_tshark(mixed_pcap, args)[1])
    ours = _layers(_ours(mixed_pcap, args)[1])
    assert len(ours) == len(theirs) > 1000
    compared = 0
    for t, o in zip(theirs, ours, strict=True):
        for proto in ("ip", "arp", "tcp", "dhcp"):
            if proto in t:
                assert o.get(proto) == t[proto], proto
                compared += 1
    assert compared > 1000


@pytest.mark.tshark
def test_empty_json_is_tshark_empty_array(mixed_pcap: Path) -> None:
    args = ["-T", "json", "-Y", "frame.number == 0"]
    assert _ours(mixed_pcap, args)[1] == _tshark(mixed_pcap, args)[1] == "[]\n"


@pytest.mark.tshark
@pytest.mark.parametrize("extra", [[], ["--no-duplicate-keys", "-t", "ad"]])
def test_json_with_fields_equal_tshark(mixed_pcap: Path, extra: list[str]) -> None:
    args = ["-T", "json", *MULTI, "-e", "_ws.col.Info", "-e", "_ws.col.Time", *extra]
    t_out = _tshark(mixed_pcap, args)[1]
    out = _ours(mixed_pcap, args)[1]
    assert out == t_out and out.count('"_index"') > 1000


def test_no_duplicate_keys_needs_json(mixed_pcap: Path) -> None:
    import io

    err = io.StringIO()
    assert run(["-r", str(mixed_pcap), "-T", "ek", "--no-duplicate-keys"], io.StringIO(), err) == 1
    assert '--no-duplicate-keys can only be used with "-T json"' in err.getvalue()


def _ek_docs(text: str) -> list[dict[str, object]]:
    lines = text.splitlines()
    assert all(ln.startswith('{"index":{"_index":"packets-') for ln in lines[0::2])
    return [json.loads(ln) for ln in lines[1::2]]


def _analyze_bytes(path: Path, args: list[str]) -> bytes:
    return subprocess.run([str(ROOT / ".venv" / "bin" / "analyze"), "--only-tshark-items",
                           "-r", str(path), *args],
                          capture_output=True, timeout=600).stdout


def _tshark_bytes(path: Path, args: list[str]) -> bytes:
    return subprocess.run(["tshark", "-n", "-r", str(path), *args], capture_output=True,
                          timeout=600).stdout


@pytest.mark.tshark
def test_whole_ek_equals_tshark(mixed_pcap: Path) -> None:
    """-T ek of every packet of the mixed capture, byte for byte: flattened
    `proto_field` keys (IPv6's own ip.version is `ipv6_ip_version`), arrays, booleans,
    nested `_ws_expert` objects, every line parses as JSON."""
    ours = _analyze_bytes(mixed_pcap, ["-T", "ek"])
    assert len(_ek_docs(ours.decode())) == 2645
    assert ours == _tshark_bytes(mixed_pcap, ["-T", "ek"])


# Captures where every protocol is one we decode as tshark does (not FeiQ on 2425,
# NFS/NTP which we leave as data).
_SAME_DECODE = [ROOT / "captures" / "samples" / n for n in (
    "live_tftp.pcapng", "tftp_oack.pcap", "tftp_rrq.pcap", "tftp_wrq.pcap")] + [
    ROOT / "tests" / "data" / "wireshark" / n for n in (
        "dhcp-nanosecond.pcap", "dhcp.pcap", "dhcp.pcapng", "dns+icmp.pcapng.gz",
        "http.pcap", "ipv6.pcap", "tftp.pcap")]


@pytest.mark.tshark
@pytest.mark.parametrize("fmt", ["json", "ek"])
@pytest.mark.parametrize("path", _SAME_DECODE, ids=lambda p: p.name)
def test_json_and_ek_equal_tshark_on_samples(path: Path, fmt: str) -> None:
    ours = _analyze_bytes(path, ["-T", fmt])
    assert ours.count(b'"frame"') >= 1
    assert ours == _tshark_bytes(path, ["-T", fmt])


def _ipv6_extension_headers(path: Path) -> Path:
    from scapy.layers.inet import UDP
    from scapy.layers.inet6 import (
        ICMPv6EchoRequest,
        IPv6,
        IPv6ExtHdrDestOpt,
        IPv6ExtHdrFragment,
        IPv6ExtHdrHopByHop,
        IPv6ExtHdrRouting,
        Jumbo,
        Pad1,
        PadN,
        RouterAlert,
    )
    from scapy.layers.l2 import Ether
    from scapy.utils import wrpcap

    ip = IPv6(src="2001:db8::1", dst="2001:db8::2")
    udp = UDP(sport=1000, dport=2000)
    pkts = [
        Ether() / ip / IPv6ExtHdrHopByHop(options=[RouterAlert()])
        / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0\0")]) / udp / b"hello",
        Ether() / ip / IPv6ExtHdrRouting(addresses=["2001:db8::3"]) / udp / b"hi",
        Ether() / ip / IPv6ExtHdrFragment(id=5, m=1, offset=0)
        / UDP(sport=1000, dport=2000, len=100) / (b"x" * 40),
        Ether() / ip / IPv6ExtHdrDestOpt(options=[Jumbo(jumboplen=70000)])
        / ICMPv6EchoRequest(),
        Ether() / ip / IPv6ExtHdrDestOpt(options=[RouterAlert(), Pad1(), PadN(optdata=b"\0")])
        / IPv6ExtHdrHopByHop(options=[Jumbo(jumboplen=70000)]) / ICMPv6EchoRequest(),
        Ether() / ip / IPv6ExtHdrRouting(type=2, addresses=["2001:db8::4"], segleft=1)
        / udp / b"hi",
    ]
    for i, p in enumerate(pkts):
        p.time = 1_700_000_000 + i / 100
    wrpcap(str(path), pkts)
    return path


@pytest.mark.tshark
@pytest.mark.parametrize("args", [
    ["-T", "json"], ["-T", "ek"], ["-V"], [],
    ["-T", "fields", "-e", "ipv6.hopopts", "-e", "ipv6.dstopts", "-e", "ipv6.routing",
     "-e", "ipv6.fraghdr", "-e", "ipv6.opt", "-e", "udp.stream", "-e", "_ws.expert.message",
     "-e", "llc.control.ftype"],
], ids=lambda a: " ".join(a[:2]) or "list")
def test_ipv6_extension_headers_equal_tshark(tmp_path: Path, args: list[str]) -> None:
    """Extension headers as tshark writes them: objects without a value in JSON/ek,
    `ipv6.opt` items, the misplaced-option and not-first expert notes, and the
    conversation of a routed packet keyed on its final destination."""
    path = _ipv6_extension_headers(tmp_path / "ext6.pcap")
    ours = _analyze_bytes(path, args)
    assert ours.count(b"\n") >= 6
    assert ours == _tshark_bytes(path, args)


@pytest.mark.tshark
@pytest.mark.parametrize("extra", [[], ["--no-duplicate-keys"]])
def test_whole_json_equals_tshark(mixed_pcap: Path, extra: list[str]) -> None:
    """-T json of every packet of the mixed capture, byte for byte (hidden items, expert
    objects, OUI vendors from Wireshark's manuf file, duplicate keys)."""
    import shutil
    import subprocess

    if not Path("/usr/share/wireshark/manuf").exists() or shutil.which("tshark") is None:
        pytest.fail("tshark (and its manuf file) must be installed for this test")
    ours = subprocess.run([str(ROOT / ".venv" / "bin" / "analyze"), "-r", str(mixed_pcap),
                           "-T", "json", *extra], capture_output=True, timeout=600).stdout
    theirs = subprocess.run(["tshark", "-n", "-r", str(mixed_pcap), "-T", "json", *extra],
                            capture_output=True, timeout=600).stdout
    assert ours.count(b'"_index"') == 2645
    assert ours == theirs


LAYER_FILTERS = [
    ["-j", "ip ip.flags udp text Timestamps"], ["-j", "udp.srcport"], ["-J", "udp dns"],
    ["-j", ""], ["-J", "tcp", "-j", "ip _ws.expert tcp tcp.flags"], ["-j", "tcp", "-J", "ip"],
    ["-j", "eth ipv6 icmpv6 arp dhcp dhcp.option.type"],
    ["-j", "ip ip.flags tcp", "--no-duplicate-keys"],
]


@pytest.mark.tshark
@pytest.mark.parametrize(("fmt", "extra"), [
    (fmt, extra) for fmt in ("json", "ek") for extra in LAYER_FILTERS
    if fmt == "json" or "--no-duplicate-keys" not in extra],  # that one is json only
    ids=lambda a: a if isinstance(a, str) else " ".join(a))
def test_layer_filters_equal_tshark(mixed_pcap: Path, fmt: str, extra: list[str]) -> None:
    """-j/-J: unlisted protocols (and, with -j, unlisted subtrees; in ek every unlisted
    item) as {"filtered": name}; the last list counts and any -J expands, as in tshark."""
    args = ["-T", fmt, *extra]
    ours = _analyze_bytes(mixed_pcap, args)
    assert ours.count(b'"filtered"') >= 2645
    assert ours == _tshark_bytes(mixed_pcap, args)
