"""X11 against tshark 4.0 live, on sessions written by tests/x11_gen.py: the connection
setup and its reply (formats, a screen, a depth, a visual), core requests, their replies
(named by sequence number), events and an error, in little- and big-endian connections,
and a session whose messages cross TCP segments."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
import x11_gen
from diffutil import assert_like_tshark, compare_fields, run_analyze, run_planned, run_tshark

import analyzer.fast_run as fast_run
from analyzer.app import run
from dissectors.frame import FULL_TREE_ENV

pytestmark = pytest.mark.tshark

FIELDS = [
    "frame.protocols", "_ws.col.Info", "_ws.col.Protocol", "x11.byte-order",
    "x11.protocol-major-version", "x11.authorization-protocol-name",
    "x11.authorization-protocol-data", "x11.success", "x11.release-number",
    "x11.resource-id-base", "x11.vendor", "x11.image-byte-order",
    "x11.bitmap-format-bit-order", "x11.pixmap-format.depth", "x11.screen.root",
    "x11.screen.width_in_pixels", "x11.screen.save_unders", "x11.depth-detail.depth",
    "x11.visualtype.visualid", "x11.visualtype.red-mask", "x11.opcode", "x11.request-length",
    "x11.wid", "x11.parent", "x11.x", "x11.y", "x11.width", "x11.window-class", "x11.visual",
    "x11.window-value-mask", "x11.window-value-mask.event-mask", "x11.background-pixel",
    "x11.event-mask", "x11.event-mask.Exposure", "x11.window", "x11.only-if-exists",
    "x11.name", "x11.property", "x11.get-property-type", "x11.long-length", "x11.reply",
    "x11.reply-sequencenumber", "x11.replylength", "x11.atom", "x11.present",
    "x11.major-opcode", "x11.format", "x11.valuelength", "x11.eventcode",
    "x11.event-sequencenumber", "x11.eventwindow", "x11.count", "x11.override-redirect",
    "x11.error", "x11.errorcode", "x11.error_sequencenumber", "x11.error-badresourceid",
    "x11.minor-opcode", "x11.unused", "x11.undecoded", "tcp.reassembled_in", "_ws.malformed",
]


@pytest.fixture(scope="module")
def cap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return x11_gen.capture(tmp_path_factory.mktemp("x11") / "x11.pcap")


@pytest.mark.parametrize("args", [[], ["-V"], ["-x"], ["-T", "json"], ["-2"], ["-2", "-V"],
                                  ["-Y", "x11.opcode == 16"],
                                  ["-Y", 'x11.name == "WM_PROTOCOLS" || x11.errorcode'],
                                  ["-Y", "x11.byte-order == 'B'"],
                                  ["-q", "-z", "io,phs"], ["-q", "-z", "expert"]],
                         ids=lambda a: " ".join(a) or "list")
def test_like_tshark(cap: Path, args: list[str]) -> None:
    assert_like_tshark(["-r", str(cap), *args], nonempty=True)


def test_fields_like_tshark(cap: Path) -> None:
    assert compare_fields(cap, FIELDS) == []


def test_both_byte_orders_read_alike(cap: Path) -> None:
    """The order the setup states is kept per connection: both sessions read the same."""
    rc, out, _ = run_analyze(["-r", str(cap), "-Y", "x11.opcode == 1", "-T", "fields",
                              "-e", "tcp.srcport", "-e", "x11.wid", "-e", "x11.width"])
    assert rc == 0
    assert out.split("\n")[:3] == ["40001\t0x04000001\t300", "40002\t0x04000001\t300",
                                   "40003\t0x04000002\t300"]


def test_infos_name_the_messages(cap: Path) -> None:
    rc, out, _ = run_analyze(["-r", str(cap), "-Y", "tcp.srcport == 40001 || "
                              "tcp.dstport == 40001", "-T", "fields", "-e", "_ws.col.Info"])
    assert rc == 0
    infos = [i for i in out.split("\n") if i and "[" not in i and "→" not in i]
    assert infos == [
        "Initial connection request", "Initial connection reply",
        "Requests: CreateWindow, MapWindow", "Requests: InternAtom, QueryExtension",
        "Reply: InternAtom", "Reply: QueryExtension", "Requests: GetProperty, NoOperation",
        "Reply: GetProperty", "Event: Expose", "Event: MapNotify, Expose",
        "Requests: InternAtom, InternAtom", "Reply: InternAtom, InternAtom",
        "Requests: MapWindow", "Error: BadWindow"]


@pytest.mark.parametrize("args", [[], ["-T", "fields", "-e", "_ws.col.Info", "-e",
                                       "x11.opcode", "-e", "x11.atom"],
                                  ["-q", "-z", "io,phs"]])
def test_treeless_equals_full_tree(cap: Path, args: list[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    full = ["-r", str(cap), *args]
    monkeypatch.delenv(FULL_TREE_ENV, raising=False)
    treeless = run_analyze(full)
    monkeypatch.setenv(FULL_TREE_ENV, "1")
    assert run_analyze(full) == treeless


def _numbers(args: list[str], fast: bool, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    real = fast_run.run_fast
    monkeypatch.setattr(fast_run, "run_fast",
                        lambda *a, **k: real(*a, **k) if fast else None)
    out, err = io.StringIO(), io.StringIO()
    assert run(args + ["-T", "fields", "-e", "frame.number"], out, err) == 0, err.getvalue()
    monkeypatch.setattr(fast_run, "run_fast", real)
    return out.getvalue().split()


@pytest.mark.parametrize("flt", ["tcp.port == 6000", "tcp", "tcp.flags.syn == 1",
                                 "tcp.srcport == 6000 and frame.len > 100"])
def test_fast_path_equals_full(cap: Path, flt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["-r", str(cap), "-Y", flt]
    fast = _numbers(args, True, monkeypatch)
    assert fast == _numbers(args, False, monkeypatch)
    assert fast == run_tshark(["-r", str(cap), "-Y", flt, "-T", "fields", "-e",
                               "frame.number"]).split()


def _hostile_sessions(rng: random.Random) -> list[list[tuple[bool, bytes]]]:
    out = []
    for order in "lB":
        w = x11_gen.X11Writer(order)
        good = x11_gen.session(order, 0)
        for _ in range(6):
            msgs = [(c, bytearray(d)) for c, d in good]
            for _ in range(rng.randrange(1, 8)):
                c, d = rng.choice(msgs)
                d[rng.randrange(len(d))] = rng.randrange(256)
            out.append([(c, bytes(d)) for c, d in msgs])
        out.append([(True, w.setup()), (False, w.setup_reply()[:40]),
                    (True, w.request(1, 0, b"\x00" * 5)), (False, w.reply(0, 1, b"")[:20])])
        out.append([(rng.random() < 0.5, bytes(rng.randrange(256) for _ in
                                               range(rng.randrange(1, 120))))
                    for _ in range(10)])
    return out


def test_hostile_bytes_never_raise(tmp_path: Path) -> None:
    """Damaged setups, lengths and random payloads on port 6000: at worst malformed."""
    cap = x11_gen.capture(tmp_path / "hostile.pcap", _hostile_sessions(random.Random(18)))
    for args in ([], ["-V"], ["-2", "-T", "json"]):
        rc, out, err = run_analyze(["-r", str(cap), *args])
        assert rc == 0 and "Traceback" not in err and out, err


def test_hostile_lists_like_tshark(tmp_path: Path) -> None:
    """A setup reply cut short and a request shorter than its header, live: tshark's
    marking of the malformed message and the list around it."""
    w = x11_gen.X11Writer("l")
    body = w.setup_reply()
    cut = bytes([1, 0]) + w.p("HHH", 11, 0, 10) + body[8:48]
    cap = x11_gen.capture(tmp_path / "short.pcap", [[(True, w.setup()), (False, cut),
                                                     (True, w.map_window(5))]])
    for args in ([], ["-V"]):
        rc, ours, err = run_analyze(["-r", str(cap), *args])
        assert rc == 0, err
        assert ours == run_tshark(["-r", str(cap), *args])


def _planned(args: list[str], planned: bool, monkeypatch: pytest.MonkeyPatch) -> str:
    return run_planned(args, planned, monkeypatch)


@pytest.mark.parametrize("flt", ["tcp.srcport == 6000 and frame.len > 100",
                                 "tcp.dstport == 6000 and frame.number > 20",
                                 "tcp.srcport == 40002"])
def test_planned_run_keeps_connection_state(cap: Path, flt: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Dissecting only what the shown frames depend on still gives each X11 connection
    its byte order and request numbers (the closure plan keeps their earlier frames)."""
    for extra in (["-V"], ["-T", "fields", "-e", "_ws.col.Info", "-e", "x11.reply-sequencenumber",
                           "-e", "x11.wid"]):
        args = ["-r", str(cap), "-Y", flt, *extra]
        assert _planned(args, True, monkeypatch) == _planned(args, False, monkeypatch)


def test_peer_extension_names_are_escaped(tmp_path: Path) -> None:
    """An extension's name is the peer's text (QueryExtension): labels and Info show it
    escaped, never its control bytes."""
    w = x11_gen.X11Writer("l")
    name = b"EVIL\x1b[31m"
    msgs = [(True, w.setup()), (False, w.setup_reply()),
            (True, w.query_extension(name)),
            (False, w.reply(0, 1, bytes([1, 0x85, 0, 0]))),  # present, major opcode 133
            (True, w.request(133, 0, b""))]
    cap = x11_gen.capture(tmp_path / "ext.pcap", [msgs])
    for args in ([], ["-V"]):
        rc, out, err = run_analyze(["-r", str(cap), *args])
        assert rc == 0, err
        assert "\x1b" not in out
        assert "EVIL\\033[31m" in out
