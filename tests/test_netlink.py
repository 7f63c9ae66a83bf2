"""Netlink in Linux cooked captures (ARPHRD_NETLINK 824) against tshark 4.0: the packet
list, -V, -T fields of every netlink.* field, io,phs, JSON/EK (the messages are top-level
text items: a JSON object by label, EK's `text` group) and -Y filters, on captures built here with
struct (what `tcpdump -i nlmon0` writes): SLL v1 frames of the families tshark has no
sub-dissector for, messages in either byte order, control messages (NOOP, ERROR with
its quoted header, DONE, OVERRUN), GET/NEW request flags, several messages a frame, and
broken lengths (under 16, past the frame, a frame cut by the snapshot length); SLL v2
frames, which tshark 4.0 hands to netlink too but netlink refuses (whole frame as data)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from diffutil import assert_bytes_like_tshark, run_analyze

FAMILIES = (2, 9, 15, 0x1234)  # usersock, audit, uevent, unknown


def nlmsg(mtype: int, flags: int, seq: int, pid: int, payload: bytes = b"", *,
          big: bool = False, length: int | None = None) -> bytes:
    n = 16 + len(payload) if length is None else length
    return struct.pack(">IHHII" if big else "<IHHII", n, mtype, flags, seq, pid) + payload


def sll1(pkttype: int, family: int, payload: bytes) -> bytes:
    return struct.pack(">HHH8sH", pkttype, 824, 0, b"\0" * 8, family) + payload


def sll2(pkttype: int, family: int, payload: bytes, reserved: int = 0) -> bytes:
    return struct.pack(">HHIHBB8s", family, reserved, 3, 824, pkttype, 0, b"\0" * 8) + payload


def messages(family: int) -> list[bytes]:
    """One family's frames (payloads after the cooked header)."""
    err = struct.pack("<i", -2) + nlmsg(0x10, 0x5, 7, 0)
    return [
        nlmsg(0x10, 0x0305, 1, 0, b"\0" * 4),  # a request: GET and NEW flag views
        nlmsg(0x12, 0x0001, 2, 0, b"abcdefgh"),  # a request without bits 8-11
        nlmsg(3, 0x0002, 1, 1234, struct.pack("<i", 0)),  # DONE
        nlmsg(2, 0x0100, 7, 99, err),  # ERROR -ENOENT quoting the request's header
        nlmsg(2, 0, 8, 99, struct.pack("<i", 0) + nlmsg(0x11, 1, 8, 0)),  # an ACK (0)
        nlmsg(2, 0, 9, 99, struct.pack("<i", -9999) + nlmsg(0x11, 1, 9, 0)),  # no name
        nlmsg(1, 0, 3, 0) + nlmsg(4, 0, 4, 0) + nlmsg(5, 0x0c00, 5, 0),  # NOOP, OVERRUN, 5
        nlmsg(0x20, 0x0001, 9, 0, b"abcd") + nlmsg(0x21, 0x0402, 10, 5, b"xy\0\0"),
        nlmsg(0x20, 0x0301, 11, 0, b"BE!!", big=True),  # big-endian host
        nlmsg(0x20, 0, 12, 0, b"tail") + b"\1\2\3",  # < 16 bytes left: not a message
        nlmsg(0x20, 0, 13, 0, length=8) + b"\0" * 8,  # a length under 16
        nlmsg(0x20, 0, 14, 0, b"\0" * 4, length=64),  # a length past the frame
    ]


def write_pcap(path: Path, linktype: int, frames: list[bytes], snaplen: int = 65535) -> Path:
    with path.open("wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))
        for i, fr in enumerate(frames):
            cap = fr[:snaplen]
            f.write(struct.pack("<IIII", 1_700_000_000 + i, 1000 * i, len(cap), len(fr)) + cap)
    return path


@pytest.fixture(scope="module")
def caps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("netlink")
    v1 = [sll1([4, 0][i % 2], fam, m) for fam in FAMILIES for i, m in enumerate(messages(fam))]
    v2 = [sll2(4, 2, m) for m in messages(2)[:4]] + [sll2(0, 2, messages(2)[0], reserved=824)]
    return {
        "sll1": write_pcap(d / "nl1.pcap", 113, v1),
        "sll2": write_pcap(d / "nl2.pcap", 276, v2),
        "snap": write_pcap(d / "snap.pcap", 113, v1[:10], snaplen=40),
    }


FIELDS = ["frame.protocols", "netlink.hatype", "netlink.family", "netlink.hdr_len",
          "netlink.hdr_type", "netlink.hdr_flags", "netlink.hdr_flags.request",
          "netlink.hdr_flags.multi", "netlink.hdr_flags.ack", "netlink.hdr_flags.root",
          "netlink.hdr_flags.replace", "netlink.hdr_flags.append", "netlink.hdr_seq",
          "netlink.hdr_pid", "netlink.error", "data.data", "_ws.col.Protocol",
          "_ws.col.Info", "_ws.col.Source"]


def _same(args: list[str]) -> str:
    return assert_bytes_like_tshark(args)


@pytest.mark.tshark
@pytest.mark.parametrize("cap", ["sll1", "sll2", "snap"])
@pytest.mark.parametrize("opts", [[], ["-V"], ["-T", "fields", *[a for f in FIELDS
                                                                  for a in ("-e", f)]],
                                  ["-q", "-z", "io,phs"], ["-T", "json"], ["-T", "ek"],
                                  ["-T", "json", "-j", "netlink"], ["-V", "-x"],
                                  ["-q", "-z", "expert"]],
                         ids=["list", "-V", "fields", "phs", "json", "ek", "json-j", "-Vx",
                              "expert"])
def test_equals_tshark(caps: dict[str, Path], cap: str, opts: list[str]) -> None:
    out = _same(["-r", str(caps[cap]), *opts])
    if opts[-1:] == ["expert"]:  # only sll1 has notes (its malformed frames)
        assert ("Malformed" in out) == (cap == "sll1")
        return
    assert out.count("\n") >= 5
    assert "netlink" in out.lower() or cap == "sll2"


@pytest.mark.tshark
@pytest.mark.parametrize("flt", ["netlink", "netlink.hdr_seq == 7", "netlink.error == -2",
                                 "netlink.family == 0x1234 && netlink.hdr_flags.create == 1",
                                 "netlink.hdr_type == 3", "data && netlink",
                                 "sll", "_ws.malformed"])
def test_filters_equal_tshark(caps: dict[str, Path], flt: str) -> None:
    _same(["-r", str(caps["sll1"]), "-Y", flt])


def test_known_fields(caps: dict[str, Path]) -> None:
    """The error message of frame 4 (usersock) by hand: -ENOENT, the quoted request."""
    rc, out, _ = run_analyze(["-r", str(caps["sll1"]), "-Y", "frame.number == 4", "-V"])
    assert rc == 0
    assert "    Error code: No such file or directory (-ENOENT) (-2)\n" in out
    assert "    Netlink message header (type: 0x0010)\n" in out
    assert "Family: User-mode socket protocols (0x0002)" in out
    rc, out, _ = run_analyze(["-r", str(caps["sll1"]), "-Y", "frame.number == 9", "-T",
                              "fields", "-e", "netlink.hdr_seq", "-e", "netlink.hdr_len"])
    assert out == "11\t20\n"  # the big-endian message read in its own byte order


@pytest.mark.parametrize("cap", ["sll1", "sll2", "snap"])
def test_treeless_equals_full_tree(caps: dict[str, Path], cap: str,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The list and -T fields are the same with only the fields they read built."""
    from dissectors.frame import FULL_TREE_ENV

    for args in ([], ["-T", "fields", "-e", "netlink.hdr_seq", "-e", "_ws.col.Info"],
                 ["-Y", "netlink.error == -2"], ["-q", "-z", "io,phs"]):
        monkeypatch.delenv(FULL_TREE_ENV, raising=False)
        treeless = run_analyze(["-r", str(caps[cap]), *args])
        monkeypatch.setenv(FULL_TREE_ENV, "1")
        assert run_analyze(["-r", str(caps[cap]), *args]) == treeless, args
