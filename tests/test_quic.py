"""QUIC Initial packets decrypted as tshark 4.0 does (keys from the first Initial's DCID)
and their frames and TLS handshake, against tshark live: the corpus capture of a Google
Meet connection and Initials protected here (tests/quic_gen.py) for QUIC v1, draft-29
and v2, split and out-of-order CRYPTO data (within a packet and across two), every simple frame type, a bad tag, a
truncated frame, an unknown frame type and a server Initial with no client Initial."""

from __future__ import annotations

from pathlib import Path

import pytest
import quic_gen
from corpusutil import CORPUS
from diffutil import compare_fields, run_analyze, run_tshark

from dissectors.frame import FULL_TREE_ENV

pytestmark = pytest.mark.tshark

MEET = CORPUS / "ndpi-google_meet.pcapng"
FIELDS = [
    "frame.protocols", "_ws.col.Info", "quic.packet_number", "quic.packet_number_length",
    "quic.long.reserved", "quic.long.packet_type", "quic.long.packet_type_v2",
    "quic.payload", "quic.frame", "quic.frame_type", "quic.padding_length",
    "quic.ack.largest_acknowledged", "quic.ack.ack_delay", "quic.ack.ack_range_count",
    "quic.ack.first_ack_range", "quic.ack.gap", "quic.ack.ack_range", "quic.ack.ect0_count",
    "quic.ack.ecn_ce_count", "quic.crypto.offset", "quic.crypto.length",
    "quic.crypto.crypto_data", "quic.crypto.fragment", "quic.crypto.fragment.count",
    "quic.crypto.reassembled_in",
    "quic.cc.error_code", "quic.cc.error_code.app", "quic.cc.error_code.tls_alert",
    "quic.cc.frame_type", "quic.cc.reason_phrase", "quic.rsts.stream_id", "quic.ss.stream_id",
    "quic.md.maximum_data", "quic.msd.maximum_stream_data", "quic.ms.max_streams",
    "quic.sib.stream_limit", "quic.nt.token", "quic.path_challenge.data", "quic.dg",
    "quic.nci.sequence", "quic.nci.connection_id", "quic.nci.stateless_reset_token",
    "quic.stream.stream_id", "quic.stream.fin", "quic.stream.initiator",
    "quic.stream.direction", "quic.stream.offset", "quic.stream.length", "quic.stream_data",
    "quic.decryption_failed", "quic.retransmission", "quic.ft.unknown",
    "tls.handshake.type", "tls.handshake.extensions_server_name", "tls.handshake.ja3",
    "tls.handshake.ja3s", "tls.handshake.extensions_alpn_str", "tls.handshake.fragment",
    "tls.handshake.fragment.count", "tls.quic.parameter.type", "tls.quic.parameter.length",
    "tls.quic.parameter.value", "tls.quic.parameter.max_idle_timeout",
    "tls.quic.parameter.initial_max_data", "tls.quic.parameter.initial_source_connection_id",
    "tls.quic.parameter.active_connection_id_limit", "tls.quic.parameter.google.user_agent",
    "tls.quic.parameter.google.quic_version", "tls.quic.parameter.google.initial_rtt",
    "_ws.expert.message", "_ws.malformed",
]


@pytest.fixture(scope="module")
def caps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("quic")
    misc = bytes.fromhex("04000102" "050001" "1005" "110005" "1203" "1303" "1405" "150005"
                         "1603" "1703" "1901" "1a" + "11" * 8 + "1b" + "22" * 8 + "0702abcd"
                         "0e070502abcd" "0b0303616263" "1802010411223344" + "ab" * 16 +
                         "3103aabbcc" "0d0106" "3044556677")
    return {
        "meet": MEET,
        "v1": quic_gen.handshake_capture(d / "v1.pcap"),
        "draft29": quic_gen.handshake_capture(d / "d29.pcap", 0xFF00001D),
        "v2": quic_gen.handshake_capture(d / "v2.pcap", 0x6B3343CF),
        "edge": quic_gen.edge_capture(d / "edge.pcap"),
        "chaos": quic_gen.chaos_capture(d / "chaos.pcap"),
        "frames": quic_gen.write(d / "frames.pcap", [(True, quic_gen.initial_packet(
            1, quic_gen.DCID, b"", misc, 0, quic_gen.DCID))]),
    }


CASES = [(name, args) for name in ("meet", "v1", "draft29", "v2", "edge", "frames", "chaos")
         for args in ([], ["-V"], ["-x"], ["-T", "json"], ["-q", "-z", "io,phs"])]
#: (the others have no expert note: tshark prints nothing, which proves nothing)
CASES += [(name, ["-q", "-z", "expert"]) for name in ("meet", "v1", "draft29", "v2", "edge")]
#: tshark's second pass reads a CRYPTO frame that runs past its packet differently
#: (edge's frame 5): -2 is compared on the others.
CASES += [(name, ["-2", "-V", "-Y", "quic"]) for name in ("meet", "v1", "v2", "frames",
                                                           "chaos")]
CASES += [("edge", ["-2", "-V", "-Y", "!(frame.number == 5)"]),
          ("meet", ["-Y", "tls.handshake.extensions_server_name == \"meet.google.com\""]),
          ("v1", ["-Y", "quic.frame_type == 3 || tls.quic.parameter.max_idle_timeout"]),
          ("edge", ["-Y", "quic.decryption_failed"])]


@pytest.mark.parametrize("name,args", CASES, ids=lambda v: v if isinstance(v, str) else
                         " ".join(v) or "list")
def test_like_tshark(caps: dict[str, Path], name: str, args: list[str]) -> None:
    full = ["-r", str(caps[name]), *args]
    rc, ours, err = run_analyze(full)
    assert rc == 0, err
    theirs = run_tshark(full)
    assert theirs
    assert ours == theirs


@pytest.mark.parametrize("name", ["meet", "v1", "draft29", "v2", "edge", "frames", "chaos"])
def test_fields_like_tshark(caps: dict[str, Path], name: str) -> None:
    assert compare_fields(caps[name], FIELDS) == []


def test_initials_are_decrypted(caps: dict[str, Path]) -> None:
    """The point of it all: the SNI and transport parameters of the ClientHello."""
    rc, out, _ = run_analyze(["-r", str(caps["v2"]), "-T", "fields", "-e",
                              "tls.handshake.extensions_server_name", "-e",
                              "tls.quic.parameter.google.user_agent", "-Y", "tls"])
    assert rc == 0 and out.split("\n")[0] == "quic.lab.example\tlabshark-test"


@pytest.mark.parametrize("name", ["meet", "edge", "frames", "chaos"])
@pytest.mark.parametrize("args", [[], ["-T", "fields", "-e", "_ws.col.Info", "-e",
                                       "tls.handshake.extensions_server_name", "-e",
                                       "quic.crypto.offset", "-e", "tls.handshake.fragment"],
                                  ["-q", "-z", "expert"]])
def test_treeless_equals_full_tree(caps: dict[str, Path], name: str, args: list[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    full = ["-r", str(caps[name]), *args]
    monkeypatch.delenv(FULL_TREE_ENV, raising=False)
    treeless = run_analyze(full)
    monkeypatch.setenv(FULL_TREE_ENV, "1")
    assert run_analyze(full) == treeless


def test_hostile_initials_never_raise(tmp_path: Path) -> None:
    """Random frame bytes under a valid tag, truncated packets and wrong lengths: every
    packet is dissected (at worst malformed), no traceback, bounded output."""
    import random

    rng = random.Random(18)
    dgs = []
    for i in range(60):
        frames = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 80)))
        p = quic_gen.initial_packet(1, quic_gen.DCID, b"", frames, i, quic_gen.DCID)
        if i % 3 == 1:
            p = p[: rng.randrange(7, len(p))]
        elif i % 3 == 2:
            p = bytearray(p)
            p[rng.randrange(len(p))] ^= 1 << rng.randrange(8)
            p = bytes(p)
        dgs.append((True, p))
    cap = quic_gen.write(tmp_path / "hostile.pcap", dgs)
    for args in ([], ["-V"]):
        rc, out, err = run_analyze(["-r", str(cap), *args])
        assert rc == 0 and "Traceback" not in err
        assert out.count("\n") >= 60
