"""The Linux cooked capture's source address for every hardware type tshark 4.0 names,
compared live with tshark: pcap bytes written here (struct) for SLL v1 and v2, every
ARPHRD type of `tshark -G values` (Ethernet, loopback, IEEE 802.11 and radiotap, the
IPv4/IPv6 tunnels and GRE, FireWire, InfiniBand, ...) plus an unnamed one, each with
address lengths 0 to 16. tshark decides the address by its length alone (4 bytes:
sll.src.ipv4, 6: sll.src.eth, both the Source column; any other: sll.src.other, no
Source), so every pair is compared: fields, the tree, the packet list and what reads
the source (conv,sll, endpoints,sll, flow,any,network).

ARPHRD_NETLINK (824) is left out: tshark hands those frames to its netlink dissector,
which labshark does not have."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark

from dissectors.sll_names import HATYPES

NETLINK = 824
TYPES = sorted(set(HATYPES) - {NETLINK}) + [4242]  # 4242: a type tshark has no name for
HALENS = (0, 1, 2, 4, 6, 8, 12, 16)
ADDR = bytes(range(0x11, 0x21))  # 11:12:13:..., 17.18.19.20 as IPv4
ETHERTYPE_EXP = 0x88B5  # IEEE local experimental: a payload shown as data
PAYLOAD = b"\x01\x02\x03\x04"
# An IPv4/UDP payload on some frames: the Source column is then the IP address, and
# the network flow diagram still has the SLL source (pinfo->src of the last layer).
IPV4_UDP = bytes.fromhex("45000020000100004011f9c80a0000010a000002") + struct.pack(
    ">HHHH", 40000, 9, 12, 0) + b"abcd"


def _pcap(path: Path, linktype: int, frames: list[bytes]) -> Path:
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype)]
    for i, f in enumerate(frames):
        out.append(struct.pack("<IIII", 1_700_000_000 + i, 0, len(f), len(f)) + f)
    path.write_bytes(b"".join(out))
    return path


def _frames(v2: bool) -> list[bytes]:
    frames = []
    for n, (hatype, halen) in enumerate((h, n) for h in TYPES for n in HALENS):
        addr = ADDR[:min(halen, 8)].ljust(8, b"\0")
        ip = n % 5 == 0
        proto = 0x0800 if ip else ETHERTYPE_EXP
        pkttype = n % 5
        if v2:
            head = struct.pack(">HHIHBB", proto, 0, 3, hatype, pkttype, halen) + addr
        else:
            head = struct.pack(">HHH", pkttype, hatype, halen) + addr + struct.pack(">H", proto)
        frames.append(head + (IPV4_UDP if ip else PAYLOAD))
    return frames


@pytest.fixture(scope="module", params=["sll", "sll2"])
def capture(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    v2 = request.param == "sll2"
    return _pcap(tmp_path_factory.mktemp("hatypes") / f"{request.param}.pcap",
                 276 if v2 else 113, _frames(v2))


def _same(args: list[str]) -> str:
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    assert out == run_tshark(args)
    return out


FIELDS = ("frame.number", "sll.hatype", "sll.halen", "sll.src.eth", "sll.src.ipv4",
          "sll.src.other", "sll.unused", "_ws.col.Source", "_ws.col.Destination",
          "_ws.col.Protocol", "_ws.col.Info")


@pytest.mark.tshark
def test_source_fields_and_columns(capture: Path) -> None:
    args = ["-r", str(capture), "-T", "fields", "-E", "separator=|"]
    for f in FIELDS:
        args += ["-e", f]
    out = _same(args)
    rows = [line.split("|") for line in out.splitlines()]
    assert len(rows) == len(TYPES) * len(HALENS)
    # Not vacuous: each kind of source shows up, for more than one hardware type.
    ipv4 = {r[1] for r in rows if r[4]}
    eth = {r[1] for r in rows if r[3]}
    assert len(ipv4) == len(eth) == len(TYPES)


@pytest.mark.tshark
def test_tree(capture: Path) -> None:
    _same(["-r", str(capture), "-V"])


@pytest.mark.tshark
def test_packet_list(capture: Path) -> None:
    _same(["-r", str(capture)])


@pytest.mark.tshark
@pytest.mark.parametrize("z", ["conv,sll", "endpoints,sll", "flow,any,network",
                               "endpoints,sll,sll.halen==4"])
def test_what_reads_the_source(capture: Path, z: str) -> None:
    out = _same(["-q", "-z", z, "-r", str(capture)])
    if z.startswith("flow"):
        return
    assert "17.18.19.20" in out
    assert ("11:12:13:14:15:16" in out) == (not z.endswith("halen==4"))
