"""SCTP against tshark 4.0: the corpus capture's association (INIT ... DATA) and packets
built here (INIT parameters, fragments, padding, SACK, SHUTDOWN, HEARTBEAT, ABORT, a
bogus chunk length), packet list, -V, -T json, fields, filters and -z conv/endpoints
(tshark is the check, compared live)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from diffutil import assert_like_tshark as _same
from diffutil import compare_fields, run_analyze, run_tshark
from scapy.all import IP, Ether, Raw, wrpcap
from scapy.layers.sctp import (
    SCTP,
    SCTPChunkAbort,
    SCTPChunkCookieAck,
    SCTPChunkCookieEcho,
    SCTPChunkData,
    SCTPChunkInit,
    SCTPChunkInitAck,
    SCTPChunkParamCookiePreservative,
    SCTPChunkParamFwdTSN,
    SCTPChunkParamIPv4Addr,
    SCTPChunkParamStateCookie,
    SCTPChunkSACK,
    SCTPChunkShutdown,
)

pytestmark = pytest.mark.tshark

COMMUNITYID = Path(__file__).resolve().parent / "data" / "corpus" / "wireshark-communityid.pcap.gz"
A, B = "10.0.0.1", "10.0.0.2"
FIELDS = ["sctp.srcport", "sctp.dstport", "sctp.port", "sctp.verification_tag",
          "sctp.assoc_index", "sctp.checksum", "sctp.checksum.status", "sctp.chunk_type",
          "sctp.chunk_flags", "sctp.chunk_length", "sctp.init_initiate_tag",
          "sctp.initiate_tag", "sctp.init_initial_tsn", "sctp.initack_initial_tsn",
          "sctp.parameter_type", "sctp.parameter_length", "sctp.parameter_ipv4_address",
          "sctp.parameter_state_cookie", "sctp.cookie", "sctp.data_tsn", "sctp.data_tsn_raw",
          "sctp.data_sid", "sctp.data_ssn", "sctp.data_payload_proto_id", "sctp.data_b_bit",
          "sctp.data_e_bit", "sctp.data_u_bit", "sctp.chunk_padding",
          "sctp.sack_cumulative_tsn_ack", "sctp.sack_a_rwnd",
          "sctp.shutdown_cumulative_tsn_ack", "sctp.abort_t_bit",
          "sctp.parameter_heartbeat_information", "frame.protocols", "_ws.col.Info"]


def _chunk(ctype: int, value: bytes, flags: int = 0) -> bytes:
    return struct.pack(">BBH", ctype, flags, 4 + len(value)) + value + bytes(-len(value) & 3)


def _packets() -> list:
    def ab(*chunks, tag: int = 0x2222):  # noqa: ANN002, ANN202
        return Ether() / IP(src=A, dst=B) / SCTP(sport=5000, dport=6000, tag=tag) / chunks[0] \
            if len(chunks) == 1 else Ether() / IP(src=A, dst=B) / SCTP(
                sport=5000, dport=6000, tag=tag) / chunks[0] / chunks[1]

    def ba(chunk, tag: int = 0x1111):  # noqa: ANN001, ANN202
        return Ether() / IP(src=B, dst=A) / SCTP(sport=6000, dport=5000, tag=tag) / chunk

    hb = _chunk(4, struct.pack(">HH", 1, 10) + b"abcdef")
    hb_ack = _chunk(5, struct.pack(">HH", 1, 12) + b"abcdefgh")
    return [
        ab(SCTPChunkInit(init_tag=0x1111, n_in_streams=2, n_out_streams=2, init_tsn=100,
                         params=[SCTPChunkParamIPv4Addr(addr=A),
                                 SCTPChunkParamCookiePreservative(sug_cookie_inc=1000),
                                 SCTPChunkParamFwdTSN()]), tag=0),
        ba(SCTPChunkInitAck(init_tag=0x2222, init_tsn=7,
                            params=[SCTPChunkParamStateCookie(cookie=b"C" * 20)])),
        ab(SCTPChunkCookieEcho(cookie=b"C" * 20)),
        ba(SCTPChunkCookieAck()),
        # complete messages (handed on) and fragments (not), padded
        ab(SCTPChunkData(tsn=100, stream_id=1, beginning=1, ending=1, data=b"hello"),
           SCTPChunkData(tsn=101, stream_id=1, stream_seq=1, proto_id=46, beginning=1,
                         ending=0, data=b"world!!")),
        ba(SCTPChunkData(tsn=7, proto_id=51, unordered=1, beginning=1, ending=1,
                         data=b"xyz")),
        ba(SCTPChunkSACK(cumul_tsn_ack=101, a_rwnd=1000)),
        ab(Raw(hb)),
        ba(Raw(hb_ack)),
        ab(SCTPChunkShutdown(cumul_tsn_ack=7)),
        ab(SCTPChunkAbort()),
        ab(Raw(b"\x00\x03\x00\x02")),  # a chunk length below 4
        ab(Raw(b"\x00\x03\x00")),  # a chunk header cut short
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sctp") / "sctp.pcap"
    wrpcap(str(path), _packets())
    return path


@pytest.fixture(scope="module")
def built_whole(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Without the last packet, cut short in its chunk header: tshark's SCTP tap runs
    after the chunks, so that packet is in no conversation (not emulated here)."""
    path = tmp_path_factory.mktemp("sctp") / "sctp_whole.pcap"
    wrpcap(str(path), _packets()[:-1])
    return path



@pytest.mark.parametrize("mode", [[], ["-V"], ["-T", "json"]], ids=["list", "V", "json"])
def test_built(built: Path, mode: list[str]) -> None:
    _same(["-r", str(built), *mode])


@pytest.mark.parametrize("mode", [["-Y", "sctp"], ["-Y", "sctp", "-V"],
                                  ["-Y", "sctp", "-T", "json"]], ids=["list", "V", "json"])
def test_corpus_association(mode: list[str]) -> None:
    _same(["-r", str(COMMUNITYID), *mode])


@pytest.mark.parametrize("capture", ["built", "corpus"])
def test_fields(built: Path, capture: str) -> None:
    path = built if capture == "built" else COMMUNITYID
    assert compare_fields(path, FIELDS, ["-Y", "sctp"]) == []


@pytest.mark.parametrize("dfilter", [
    "sctp.data_tsn == 1", "sctp.chunk_type == 3", "sctp.port == 6000 && sctp.data_u_bit",
    "sctp.parameter_type == 0xc000", "sctp.initiate_tag == 0x1111",
    "sctp.sack_cumulative_tsn_ack == 1", "sctp.chunk_padding"])
def test_filters(built: Path, dfilter: str) -> None:
    args = ["-r", str(built), "-Y", dfilter, "-T", "fields", "-e", "frame.number"]
    theirs = run_tshark(args)
    assert theirs.strip(), dfilter
    rc, ours, err = run_analyze(args)
    assert (rc, ours) == (0, theirs), err


@pytest.mark.parametrize("stat", ["conv,sctp", "endpoints,sctp"])
@pytest.mark.parametrize("capture", ["built", "corpus"])
def test_conversations(built_whole: Path, capture: str, stat: str) -> None:
    path = built_whole if capture == "built" else COMMUNITYID
    _same(["-r", str(path), "-q", "-z", stat])
