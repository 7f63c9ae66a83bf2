"""802.1X EAPOL and EAP (Identity, Notification, EAP-SIM, other methods' data; the RC4
EAPOL-Key descriptor) against tshark 4.0, live: packet list, -V, -T json, fields, filters
and io,phs, on the corpus capture that holds them and on packets built here."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from diffutil import assert_like_tshark as _same
from diffutil import compare_fields, run_analyze
from scapy.all import Ether, wrpcap

pytestmark = pytest.mark.tshark

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
EAP_CAP = "tcpdump-eapon1.pcap"

FIELDS = [
    "frame.protocols", "_ws.col.Protocol", "_ws.col.Info", "eth.padding", "eapol.version",
    "eapol.type", "eapol.len", "eapol.keydes.type", "eapol.keydes.key_len",
    "eapol.keydes.replay_counter", "eapol.keydes.key_iv", "eapol.keydes.key_index",
    "eapol.keydes.key_index.type", "eapol.keydes.key_index.number",
    "eapol.keydes.key_signature", "eapol.keydes.key", "eapol.keydes.key.generated_locally",
    "eap.code", "eap.id", "eap.len", "eap.type", "eap.identity", "eap.notification",
    "eap.sim.subtype", "eap.sim.reserved", "eap.sim.subtype.type", "eap.sim.subtype.len",
    "eap.sim.subtype.value", "eap.identity.actual_len",
]

A, B = "00:11:22:33:44:55", "01:80:c2:00:00:03"


def _eapol(ptype: int, body: bytes, version: int = 1) -> bytes:
    return bytes(Ether(src=A, dst=B, type=0x888E)) + struct.pack(
        ">BBH", version, ptype, len(body)) + body


def _eap(code: int, ident: int, data: bytes = b"", version: int = 1) -> bytes:
    return _eapol(0, struct.pack(">BBH", code, ident, 4 + len(data)) + data, version)


def _sim_attr(t: int, value: bytes) -> bytes:
    return bytes([t, (len(value) + 2) // 4]) + value


def _rc4_key(index: int, key: bytes) -> bytes:
    return (struct.pack(">BHQ", 1, 13, 0x40605511009B) + bytes(range(16))
            + bytes([index]) + bytes(range(16, 32)) + key)


def synthetic() -> list[bytes]:
    ident = b"1295023820005391@mnc023.mcc295.owlan.org"
    return [
        _eapol(1, b""), _eapol(2, b"", 2), _eapol(1, b"", 3),
        _eap(1, 1, b"\x01"), _eap(2, 1, b"\x01" + b"user@example.org"),
        _eap(1, 2, b"\x02" + b"Please log in"),
        _eap(1, 3, b"\x04\x10" + bytes(16) + b"srv"), _eap(2, 3, b"\x03\x04"),
        _eap(1, 4, b"\x04\x28abcd"),  # (an MD5 value size past the end)
        _eap(1, 16, b"\x12\x0a\x00\x00" + _sim_attr(15, b"\x00\x02\x00\x01\x00\x00")
             + _sim_attr(17, b"\x01\x00")),
        _eap(2, 16, b"\x12\x0a\x00\x00" + _sim_attr(14, struct.pack(">H", len(ident)) + ident)
             + _sim_attr(7, bytes(18)) + _sim_attr(16, b"\x00\x01")),
        _eap(1, 17, b"\x12\x0b\x00\x00" + _sim_attr(1, bytes(50)) + _sim_attr(11, bytes(18))),
        _eap(3, 17), _eap(4, 18),
        _eapol(3, _rc4_key(0x02, bytes(13))), _eapol(3, _rc4_key(0x83, b"")),
    ]


@pytest.fixture(scope="module")
def synthetic_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("eapol") / "eapol.pcap"
    wrpcap(str(path), [Ether(p) for p in synthetic()])
    return path


def _path(name: str, synthetic_pcap: Path) -> Path:
    return synthetic_pcap if name == "synthetic" else CORPUS / name



@pytest.mark.parametrize("mode", [[], ["-V"], ["-T", "json"]], ids=["list", "V", "json"])
@pytest.mark.parametrize(("name", "filt"), [(EAP_CAP, "eapol"), ("synthetic", "")])
def test_capture(name: str, filt: str, mode: list[str], synthetic_pcap: Path) -> None:
    _same(["-r", str(_path(name, synthetic_pcap)), *(["-Y", filt] if filt else []), *mode])


def test_packet_list_of_every_frame() -> None:
    _same(["-r", str(CORPUS / EAP_CAP)])


@pytest.mark.parametrize("name", [EAP_CAP, "synthetic"])
def test_fields(name: str, synthetic_pcap: Path) -> None:
    assert compare_fields(_path(name, synthetic_pcap), FIELDS) == []


@pytest.mark.parametrize("name", [EAP_CAP, "synthetic"])
def test_io_phs(name: str, synthetic_pcap: Path) -> None:
    """eap under eapol, though tshark leaves it out of frame.protocols."""
    _same(["-r", str(_path(name, synthetic_pcap)), "-q", "-z", "io,phs"])


@pytest.mark.parametrize(("name", "filt"), [
    (EAP_CAP, "eapol"), (EAP_CAP, "eap"), (EAP_CAP, "eapol.type == 3"),
    (EAP_CAP, "eap.type == 18 && eap.code == 2"), (EAP_CAP, "eap.sim.subtype.type == 14"),
    (EAP_CAP, "eapol.keydes.key.generated_locally"), (EAP_CAP, "eap.identity contains \"owlan\""),
    ("synthetic", "eap.notification"), ("synthetic", "eapol.version == 2"),
    ("synthetic", "eapol.keydes.key_index.type")])
def test_filters(name: str, filt: str, synthetic_pcap: Path) -> None:
    _same(["-r", str(_path(name, synthetic_pcap)), "-Y", filt, "-T", "fields",
           "-e", "frame.number"])


def test_cut_short_frames_do_not_fail(tmp_path: Path) -> None:
    """Every synthetic packet cut at every byte: each frame is listed, no error."""
    cut = [Ether(p[:n]) for p in synthetic() for n in range(14, len(p))]
    path = tmp_path / "cut.pcap"
    wrpcap(str(path), cut)
    rc, out, err = run_analyze(["-r", str(path), "-V"])
    assert rc == 0 and not err
    assert out.count("\nFrame ") + out.startswith("Frame ") == len(cut)
