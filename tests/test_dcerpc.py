"""DCE/RPC (connection-oriented) and SMB named pipes against tshark 4.0: the corpus's
WCCP capture (an SMB Trans request on \\PIPE\\ carrying a DCE/RPC Request whose Bind
was not captured) and captures built here (tests/dcerpc_gen.py) over TCP 135 and SMB:
bind then calls (the interface named from the Bind), fragments, truncated headers,
odd PDUs. Packet list, -V, JSON, -x, -2 and the -z reports are compared live; the
tree-less run equals the full one; mutated PDUs never cause an internal error."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import pytest
from dcerpc_gen import BUILDERS, build
from diffutil import run_analyze, run_tshark

from dissectors.frame import FULL_TREE_ENV

pytestmark = pytest.mark.tshark

WCCP = Path(__file__).resolve().parent / "data" / "corpus" / "tcpdump-wccp_redirect_gre.pcap"
CORPUS_ARGS = [[], ["-V"], ["-T", "json"], ["-x"], ["-2", "-V"], ["-q", "-z", "io,phs"],
               ["-q", "-z", "expert"], ["-q", "-z", "flow,any,standard"],
               ["-q", "-z", "flow,any,network"]]
BUILT_ARGS = [[], ["-V"], ["-T", "json"], ["-x"], ["-2", "-V"], ["-2"],
              ["-q", "-z", "io,phs"], ["-q", "-z", "expert"], ["-2", "-q", "-z", "expert"],
              ["-q", "-z", "flow,any,standard"],
              ["-T", "fields", "-e", "dcerpc.pkt_type", "-e", "dcerpc.cn_call_id",
               "-e", "dcerpc.cn_ctx_id", "-e", "dcerpc.opnum", "-e", "dcerpc.cn_bind_to_uuid",
               "-e", "dcerpc.request_in", "-e", "dcerpc.stub_data", "-e", "smb.fid",
               "-e", "smb_pipe.function", "-e", "dcerpc.cn_status"]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("dcerpc")
    return {name: build(name, d) for name in BUILDERS}


def _same(args: list[str]) -> None:
    rc, ours, err = run_analyze(args)
    assert rc == 0, err
    assert ours == run_tshark(args)


@pytest.mark.parametrize("args", CORPUS_ARGS, ids=" ".join)
def test_wccp_capture_equals_tshark(args: list[str]) -> None:
    _same(["-r", str(WCCP), *args])


def test_wccp_info_is_the_dcerpc_request() -> None:
    """The Info tshark shows (the SMB dissector runs on the Trans request)."""
    ours = run_analyze(["-r", str(WCCP), "-T", "fields", "-e", "_ws.col.Info"])[1]
    assert ours == "Request: call_id: 1, Fragment: Single, opnum: 16, Ctx: 0\n"


@pytest.mark.parametrize("args", BUILT_ARGS, ids=" ".join)
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_built_capture_equals_tshark(built: dict[str, Path], name: str,
                                     args: list[str]) -> None:
    _same(["-r", str(built[name]), *args])


def test_request_names_the_bound_interface(built: dict[str, Path]) -> None:
    """The Info of the calls over TCP 135 names the interface of their context (from the
    Bind and the Alter_context); an unbound context gets tshark's note."""
    lines = run_analyze(["-r", str(built["bind"]), "-T", "fields", "-e", "_ws.col.Info"])[1]
    info = lines.splitlines()
    assert info[2] == ("Request: call_id: 2, Fragment: Single, opnum: 3, Ctx: 0 "
                       "11111111-2222-3333-4444-555555555555 V1")
    assert info[4].endswith("Ctx: 1 22222222-3333-4444-5555-666666666666 V2")
    assert info[8].endswith("Ctx: 2 11111111-2222-3333-4444-555555555555 V1")
    assert info[9] == "Request: call_id: 6, Fragment: Single, opnum: 1, Ctx: 9"


@pytest.mark.parametrize("name", sorted(BUILDERS))
@pytest.mark.parametrize("args", [[], ["-q", "-z", "expert"], ["-q", "-z", "io,phs"],
                                  ["-T", "fields", "-e", "_ws.col.Info", "-e", "dcerpc.opnum"]],
                         ids=" ".join)
def test_treeless_equals_full(built: dict[str, Path], name: str, args: list[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    cmd = ["-r", str(built[name]), *args]
    monkeypatch.delenv(FULL_TREE_ENV, raising=False)
    treeless = run_analyze(cmd)
    monkeypatch.setenv(FULL_TREE_ENV, "1")
    assert run_analyze(cmd) == treeless


def _frames(path: Path) -> list[bytes]:
    """The frames of a little-endian pcap written by scapy (ours)."""
    raw = path.read_bytes()
    off, out = 24, []
    while off + 16 <= len(raw):
        n = struct.unpack_from("<I", raw, off + 8)[0]
        out.append(raw[off + 16: off + 16 + n])
        off += 16 + n
    return out


def _write(path: Path, frames: list[bytes]) -> None:
    head = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    recs = b"".join(struct.pack("<IIII", 1000 + i, 0, len(f), len(f)) + f
                    for i, f in enumerate(frames))
    path.write_bytes(head + recs)


def test_mutated_pdus_never_fail(built: dict[str, Path], tmp_path: Path) -> None:
    """Random bytes flipped in the TCP payloads (DCE/RPC on 135 and in SMB pipes), some
    cut short: always a clean run (tshark's malformed marks, no internal error)."""
    rng = random.Random(7)
    for name in ("bind", "frag", "smb", "syntax", "auth"):
        frames = _frames(built[name])
        for round_ in range(12):
            out = []
            for f in frames:
                data = bytearray(f)
                for _ in range(rng.randint(1, 6)):
                    data[rng.randrange(54, len(data))] = rng.randrange(256)
                if rng.random() < 0.3:
                    del data[rng.randrange(54, len(data)):]
                out.append(bytes(data))
            path = tmp_path / f"{name}-{round_}.pcap"
            _write(path, out)
            for args in ([], ["-V"], ["-q", "-z", "expert"]):
                rc, _o, err = run_analyze(["-r", str(path), *args])
                assert rc == 0 and "internal error" not in err, (name, round_, err)
