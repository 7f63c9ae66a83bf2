"""A TFTP transfer's wildcard entry (client address, port, server address) is dropped
after the last frame that could still match it, and not before (analyzer/release.py's
stream sides, dissectors/releasing.py `_release_sides`).

tshark 4.0 matches a transfer's wildcard conversation to every server port, so the entry
must outlive each stream of that client port and server, whatever its server port; the
pair itself lives on to the end of each capture here (its last frame is the capture's),
so only the side can free it. Each case is a table of frames, the frame after which the
side is swept (None: never before the pair), and the outputs must stay tshark's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark, tshark_available
from scapy.all import DNS, DNSQR, IP, UDP, Ether, Raw, wrpcap

import analyzer.release as rel
import dissectors.releasing as releasing

A, B = "10.1.0.1", "10.1.0.2"
RRQ = b"\x00\x01f.bin\x00octet\x00"
DATA = b"\x00\x03\x00\x01" + b"x" * 10  # (short: the last block)
ACK = b"\x00\x04\x00\x01"
SIDE = bytes([10, 1, 0, 1]) + (4444).to_bytes(2, "big") + bytes([10, 1, 0, 2])


def _dns(sport: int) -> tuple[str, int, str, int, object]:
    return (A, sport, B, 53, DNS(id=sport, qd=DNSQR(qname="x.lab")))


#: (src, sport, dst, dport, payload) frames; every capture ends with a frame of the pair
TRANSFER = [(A, 4444, B, 69, RRQ), (B, 5555, A, 4444, DATA), (A, 4444, B, 5555, ACK)]
CASES = {
    # the side's streams end with the ACK; the pair goes on (DNS)
    "ends-with-ack": (TRANSFER + [_dns(3001), _dns(3002), _dns(3003)], 3),
    # a late packet from another server port to the client's port still matches the
    # wildcard (tshark 4.0): the side lives until it
    "late-other-port": (TRANSFER + [_dns(3001), (B, 7777, A, 4444, ACK), _dns(3002),
                                    _dns(3003)], 5),
    # the client's port to the server's TFTP port again, later
    "late-request-port": (TRANSFER + [_dns(3001), _dns(3002), (A, 4444, B, 69, ACK),
                                      _dns(3003), _dns(3004)], 6),
    # a pair joined to IPMSG's group (never released as a pair): its streams and sides
    # still die with their own last frames
    "ipmsg-pair": (TRANSFER + [(A, 2425, B, 2425, b"1:100:u:h:32:hi\0"), _dns(3001),
                               _dns(3002)], 3),
    # a stream of the side ends with the pair: the side goes with the pair, not before
    "with-the-pair": (TRANSFER + [_dns(3001), (B, 7777, A, 4444, ACK)], None),
}


def _write(path: Path, frames: list) -> None:
    out = []
    for k, (src, sp, dst, dp, payload) in enumerate(frames, 1):
        e = Ether() / IP(src=src, dst=dst) / UDP(sport=sp, dport=dp) / \
            (payload if not isinstance(payload, bytes) else Raw(payload))
        e.time = 1000 + k / 100
        out.append(e)
    wrpcap(str(path), out)


@pytest.fixture(scope="module")
def captures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("release_tftp")
    paths = {}
    for name, (frames, _due) in CASES.items():
        paths[name] = root / f"{name}.pcap"
        _write(paths[name], frames)
    return paths


def _run(args: list[str], release: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LABSHARK_RELEASE", release)
    monkeypatch.setenv("LABSHARK_SPLIT", "0")
    code, out, err = run_analyze(args)
    assert code == 0, err
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_wildcard_dropped_after_its_sides_last_frame(
        name: str, captures: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Sweeps after every dead key's frame: the side is swept exactly after `due`, and the
    transfer's wildcard entries are in the tables until then and gone after."""
    seen: list[tuple[int, set[bytes], bool]] = []
    real = releasing.release

    def watch(session, dead) -> None:  # noqa: ANN001
        frame = round((session.prev_ts / 1e9 - 1000) * 100)
        sides = set(dead.sides)
        real(session, dead)
        key = (SIDE[:4], 4444, SIDE[6:])
        wild = session._state["tftp.transfers"].wild
        bound = session._state["udp.conversations"].wild
        seen.append((frame, sides, key in wild or key in bound))

    monkeypatch.setattr(rel, "release", watch)
    monkeypatch.setattr(rel, "SWEEP_AT", 1)
    _run(["-r", str(captures[name])], "1", monkeypatch)
    due = CASES[name][1]
    swept = [f for f, sides, _k in seen if SIDE in sides]
    assert swept == ([] if due is None else [due])
    # while the side may still be looked up, its entries stay; after, they are gone
    for frame, _s, kept in seen:
        assert kept == (due is None or frame < due), frame


@pytest.mark.skipif(not tshark_available(), reason="tshark not installed")
@pytest.mark.parametrize("name", list(CASES))
def test_released_tftp_prints_what_tshark_prints(
        name: str, captures: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rel, "SWEEP_AT", 1)
    args = ["-r", str(captures[name]), "-T", "fields", "-e", "frame.number",
            "-e", "tftp.opcode", "-e", "tftp.block", "-e", "_ws.col.Info", "-e", "udp.stream"]
    ours = _run(args, "1", monkeypatch)
    assert ours == _run(args, "0", monkeypatch)
    if name != "ipmsg-pair":  # (IPMSG is ours: tshark 4.0 shows it as bare UDP)
        assert ours == run_tshark(args)
    listing = ["-r", str(captures[name])]
    assert _run(listing, "1", monkeypatch) == _run(listing, "0", monkeypatch)
