"""Prebuilt subtrees (packet.Block: Ethernet addresses, TCP's header length and flags
(with the notes SYN, FIN and RST put under them), ports, window lines and checksum status
with urgent pointer, UDP's ports, IPMSG's command, IPv4's version to DS field, flags to
protocol lines, checksum status with the source and each address (runs of sibling
blocks), the frame's interface and constant lines, DNS flags, IPv6's fixed lines and
addresses): a dissection that adds them whole must give the same
tree, the same field index and the same -V / -T json text as one that adds their items
one by one, and the writers' text caches of a block must equal walking it. Every
packet of the bundled captures, and of corpus captures with many TCP flag sets,
Ethernet group addresses (a block is not used there) and pcapng epb_flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.output.detail_tree import MAX_INDENT, _data_dump, detail_text, tree_lines
from analyzer.output.json_ek import _write, dumps, packet_node
from captures.open import open_capture
from dissectors import Session, compiled
from dissectors.frame import dissect
from dissectors.packet import Block, Item, Packet, SharedItem

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
CAPTURES = sorted((ROOT / "captures" / "samples").glob("*.pcap*")) + [
    DATA / "wireshark" / "dns+icmp.pcapng.gz",
    DATA / "corpus" / "ndpi-smb_frags.pcap",
    DATA / "corpus" / "ndpi-netbios.pcap",
    DATA / "corpus" / "gopacket-test_ethernet.pcap",
    DATA / "corpus" / "dpkt-nb6-http.pcap",
    DATA / "corpus" / "tcpdump-dns_tcp.pcap",  # (DNS flags on TCP: another offset)
    DATA / "corpus" / "gopacket-test_dns.pcap",
    DATA / "corpus" / "ndpi-tcp_scan.pcapng",  # (RST, RST+ACK, SYNs to many ports)
]
#: Fields that only a block holds in a full tree of these captures: every kind of block
#: (its head, or a note under it) must be met, so the tests above compare each.
BLOCK_FIELDS = ("eth.dst", "eth.src", "ip.dsfield", "ip.flags", "ip.src", "ip.dst",
                "ip.version", "tcp.flags", "dns.flags", "udp.checksum", "ipmsg.command",
                "tcp.connection.syn", "tcp.connection.synack", "tcp.connection.fin",
                "tcp.connection.fin_active", "tcp.connection.fin_passive",
                "tcp.connection.rst", "ip.ttl", "ip.proto", "ip.checksum.status",
                "tcp.srcport", "tcp.hdr_len", "tcp.window_size_value",
                "tcp.window_size_scalefactor", "tcp.urgent_pointer", "tcp.checksum.status",
                "udp.srcport", "udp.port", "ipv6.version", "ipv6.tclass", "ipv6.flow",
                "ipv6.nxt", "ipv6.hlim", "ipv6.src", "ipv6.dst", "ipv6.src_host")


def _clone(item: Item) -> Item:
    copy = Item(item.field, item.value, item.offset, item.length, item.text, item.hidden,
                item.generated, item.source)
    if item.children is not None:
        copy.children = [_clone(c) for c in item.children]
    return copy


def _add_one_by_one(self: Packet, parent: Item | None, block: Block) -> Item:
    """add_block as Packet.add would do it: fresh items, each added and indexed."""
    def walk(it: Item, under: Item | None) -> Item:
        new = self.add(under, it.field, it.value, it.offset, it.length, it.text,
                       hidden=it.hidden, generated=it.generated, source=it.source)
        for c in it.children or ():
            walk(c, new)
        return new
    return [walk(h, parent) for h in block.heads][0]


def _index(pkt: Packet) -> dict[str, list[object]]:
    return {k: [(i.value, i.offset, i.length, i.hidden) for i in v]
            for k, v in pkt.index.items()}


def _texts(pkt: Packet) -> tuple[str, str, str]:
    return detail_text(pkt), dumps(pkt, ind="  "), detail_text(pkt, data_dumps=False)


def _dissect_all(cap: Path) -> list[Packet]:
    session = Session(revisit=False)
    session.tree_visible = True
    return [dissect(frame, session) for frame in open_capture(cap)]


@pytest.mark.parametrize("cap", CAPTURES, ids=lambda p: p.name)
def test_blocks_equal_items_one_by_one(cap: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if compiled.active():  # (compiled callers of add_block never see the patched method)
        pytest.skip("monkeypatching Packet reaches no compiled caller: run with LABSHARK_PURE=1")
    with_blocks = _dissect_all(cap)
    got = [(_texts(p), _index(p)) for p in with_blocks]
    monkeypatch.setattr(Packet, "add_block", _add_one_by_one)
    plain = _dissect_all(cap)
    assert len(plain) == len(got) > 0
    for n, (pkt, (texts, index)) in enumerate(zip(plain, got, strict=True), 1):
        assert not any(type(i) is SharedItem for v in pkt.index.values() for i in v)
        assert _texts(pkt) == texts, n
        assert _index(pkt) == index, n


def _walked_text(pkt: Packet) -> str:
    """The -V text from the generic walk (tree_lines), which caches nothing."""
    lines: list[str] = []
    for depth, text, item in tree_lines(pkt):
        lines.append("    " * min(depth, MAX_INDENT // 4) + text)
        _data_dump(pkt, item, lines)
    return "\n".join(lines)


@pytest.mark.parametrize("cap", CAPTURES, ids=lambda p: p.name)
def test_cached_writers_equal_walks(cap: Path) -> None:
    shared = 0
    for _ in range(2):  # (the second pass writes every block from the caches)
        for pkt in _dissect_all(cap):
            shared += sum(type(i) is SharedItem for v in pkt.index.values() for i in v)
            assert detail_text(pkt) == _walked_text(pkt)
            out: list[str] = []
            _write(packet_node(pkt), "", out)
            assert dumps(pkt, ind="") == "".join(out)
    assert shared > 0  # (each capture has blocks to cache)


def test_shared_items_stay_unchanged() -> None:
    """Dissecting more packets adds nothing under a block's items (they are shared)."""
    first = _dissect_all(CAPTURES[0])
    heads = {id(i): i for p in first for v in p.index.values() for i in v
             if type(i) is SharedItem}
    before = {k: _clone(h) for k, h in heads.items()}
    for cap in CAPTURES:
        _dissect_all(cap)
    for k, h in heads.items():
        assert _tree_repr(h) == _tree_repr(before[k])


def _tree_repr(it: Item) -> tuple[object, ...]:
    return (it.field.abbrev, it.value, it.offset, it.length, it.text, it.hidden,
            it.generated, tuple(_tree_repr(c) for c in it.children or ()))


def _shared_ids(items: list[Item], inside: bool, out: set[int]) -> None:
    for it in items:
        here = inside or type(it) is SharedItem
        if here:
            out.add(id(it))
        _shared_ids(it.children or [], here, out)


def test_every_kind_of_block_is_met() -> None:
    """Each block kind is used on these captures (else the equality tests would pass
    without comparing it): its fields occur inside a SharedItem's subtree."""
    met: set[str] = set()
    for cap in CAPTURES:
        for pkt in _dissect_all(cap):
            ids: set[int] = set()
            _shared_ids(pkt.tree, False, ids)
            met.update(k for k, v in pkt.index.items() if any(id(i) in ids for i in v))
    assert set(BLOCK_FIELDS) <= met, sorted(set(BLOCK_FIELDS) - met)


def _tcp_frame(*, flags: int = 0x018, urp: int = 0, ttl: int = 64,
               dst: bytes = bytes([10, 0, 0, 2])) -> bytes:
    """Ethernet, IPv4 and a TCP segment with 4 payload bytes."""
    import struct

    tcp = struct.pack(">HHIIHHHH", 40000, 80, 1000, 2000, (5 << 12) | flags, 512, 0x1234,
                      urp) + b"abcd"
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 7, 0x4000, ttl, 6, 0x4321,
                     bytes([10, 0, 0, 1]), dst)
    return bytes.fromhex("0200000000020200000000010800") + ip + tcp


#: Segments whose lines a block holds in the usual case, cut by the snapshot length
#: inside the TCP header (the checksum status shows without the urgent pointer), or with
#: a note under a line a block would hold (the urgent pointer without URG, a small TTL,
#: the Local Network Control Block), each shown as tshark shows it.
_CUT_CASES = [(_tcp_frame(), 14 + 20 + cut) for cut in (14, 16, 17, 18, 19, 20, 24)] + [
    (_tcp_frame(urp=5), 99), (_tcp_frame(flags=0x038, urp=5), 99),
    (_tcp_frame(ttl=1), 99), (_tcp_frame(dst=bytes([224, 0, 0, 9])), 99),
    (_tcp_frame(flags=0x012), 99), (_tcp_frame(flags=0x011), 99)]


def _ipv6_udp_frame() -> bytes:
    """Ethernet, IPv6 (traffic class 0xb8, a flow label) and a UDP datagram of 4 bytes."""
    import struct

    udp = struct.pack(">HHHH", 40000, 9, 12, 0) + b"abcd"
    ip = struct.pack(">IHBB16s16s", (6 << 28) | (0xB8 << 20) | 0x12345, 12, 17,
                     64, bytes.fromhex("20010db8000000000000000000000001"),
                     bytes.fromhex("20010db8000000000000000000000002"))
    return bytes.fromhex("02000000000202000000000186dd") + ip + udp


def _arp_frame(op: int = 1, tpa: bytes = bytes([10, 0, 0, 2])) -> bytes:
    import struct

    arp = struct.pack(">HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, bytes.fromhex("020000000001"),
                      bytes([10, 0, 0, 1]), bytes(6), tpa)
    return bytes.fromhex("ffffffffffff0200000000010806") + arp


#: IPv6 headers cut inside what a block holds (shown one by one) and whole; ARP packets
#: cut, whole and gratuitous.
_CUT_CASES += [(_ipv6_udp_frame(), 14 + cut) for cut in (1, 4, 7, 8, 24, 39, 52)] + [
    (_arp_frame(), 14 + 8), (_arp_frame(), 14 + 20),
    (_arp_frame(), 99), (_arp_frame(tpa=bytes([10, 0, 0, 1])), 99)]


def test_cut_and_noted_headers_like_tshark(tmp_path: Path) -> None:
    import struct

    from diffutil import assert_like_tshark, tshark_available

    if not tshark_available():
        pytest.skip("tshark is not installed")
    path = tmp_path / "cuts.pcap"
    with path.open("wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for n, (frame, cut) in enumerate(_CUT_CASES, 1):
            caplen = min(cut, len(frame))
            f.write(struct.pack("<IIII", 1_700_000_000 + n, 0, caplen, len(frame)))
            f.write(frame[:caplen])
    assert_like_tshark(["-r", str(path), "-V"], nonempty=True)
    assert_like_tshark(["-r", str(path), "-T", "json"], nonempty=True)


def test_frame_lengths_share_their_constant_lines() -> None:
    """Each frame length's blocks (frame._SIZE_BLOCKS) hold only its two length items:
    the encapsulation's and the time shift's blocks, and the marked and ignored items,
    are one for every length (each process of a split run held ~2.3 KB a length; all
    were a length's own before)."""
    from dissectors import frame as fr

    fr._SIZE_BLOCKS.clear()
    a = fr._size_blocks(1, "Ethernet", 60, 60)
    b = fr._size_blocks(1, "Ethernet", 1514, 1500)
    assert a[0] is b[0] and a[1] is b[1]
    assert a[2].heads[2:] == b[2].heads[2:] and all(
        x is y for x, y in zip(a[2].heads[2:], b[2].heads[2:], strict=True))
    assert [(i.field.abbrev, i.value, i.text) for i in b[2].heads] == [
        ("frame.len", 1514, "Frame Length: 1514 bytes (12112 bits)"),
        ("frame.cap_len", 1500, "Capture Length: 1500 bytes (12000 bits)"),
        ("frame.marked", False, None), ("frame.ignored", False, None)]
    assert [p[0] for p in b[2].index] == ["frame.len", "frame.cap_len", "frame.marked",
                                          "frame.ignored"]
    assert fr._size_blocks(7, "Raw IP", 60, 60)[0] is not a[0]
