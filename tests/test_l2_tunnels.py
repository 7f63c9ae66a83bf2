"""LLDP, STP/RSTP/MSTP, CDP, DTP, LOOP and the tunnels (GRE, ERSPAN, VXLAN, Geneve, with
the inner packet dissected) against tshark 4.0: packet list, -V, -T json, the new
fields and io,phs, on the public corpus captures that hold them and on packets built
here (synthetic but valid; tshark is the check)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from diffutil import assert_like_tshark as _same
from diffutil import compare_fields, run_analyze, run_tshark
from fuzzfast_frames import csum as _csum
from scapy.all import ARP, ICMP, IP, LLC, SNAP, UDP, Dot3, Ether, IPv6, Raw, wrpcap

pytestmark = pytest.mark.tshark

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
#: Captures whose every protocol labshark decodes: the whole output must be tshark's.
WHOLE = ["tcpdump-vxlan.pcap", "tcpdump-gso-ipv4-vxlan-ipv6.pcap",
         "tcpdump-gso-ipv6-vxlan-ipv6.pcap", "tcpdump-MSTP_Intra-Region_BPDUs.pcap",
         "tcpdump-LLDP_and_CDP.pcap", "tcpdump-evb.pcap",
         # (PIM, NDP and OSPF inside the tunnels: tests/test_routing.py has their fields)
         "tcpdump-various_gre.pcap", "tcpdump-erspan-type-ii-3.pcap",
         "tcpdump-erspan-type-i-4.pcap"]
#: Captures with a protocol labshark does not show as tshark does (SSH inside the
#: tunnel): every frame without it must be tshark's.
PARTS = [("tcpdump-geneve.pcap", "ssh")]
#: Captures whose LLDP packets (DCB TLVs) are compared alone (their DHCP is not ours here).
LLDP_ONLY = ["tcpdump-dcb_ets.pcap", "tcpdump-dcb_qcn.pcap"]

FIELDS = [
    "frame.protocols", "_ws.col.Protocol", "_ws.col.Info", "ip.src", "ip.dst",
    "gre.flags_and_version", "gre.flags.key", "gre.flags.sequence_number", "gre.proto",
    "gre.key", "gre.sequence_number", "gre.checksum", "gre.checksum.status", "gre.ack_number",
    "gre.key.call_id", "erspan.version", "erspan.vlan", "erspan.spanid", "erspan.index",
    "erspan.timestamp", "erspan.ft", "erspan.direction", "vxlan.flags", "vxlan.vni",
    "vxlan.gbp", "geneve.vni", "geneve.proto_type", "geneve.option.class",
    "geneve.option.type", "geneve.option.length", "geneve.options", "stp.version",
    "stp.type", "stp.flags", "stp.flags.port_role", "stp.flags.tc", "stp.root.prio",
    "stp.root.ext", "stp.root.hw", "stp.root.cost", "stp.bridge.hw", "stp.port",
    "stp.msg_age", "stp.max_age", "stp.hello", "stp.forward", "stp.pvst.origvlan",
    "mstp.config_name", "mstp.config_digest", "mstp.msti.msti_id", "mstp.msti.root.hw",
    "lldp.tlv.type", "lldp.tlv.len", "lldp.chassis.subtype", "lldp.chassis.id.mac",
    "lldp.chassis.id.ip4", "lldp.port.subtype", "lldp.port.id", "lldp.port.id.mac",
    "lldp.time_to_live", "lldp.tlv.system.name", "lldp.tlv.system.desc", "lldp.port.desc",
    "lldp.tlv.system_cap", "lldp.tlv.enable_system_cap", "lldp.mgn.addr.ip4",
    "lldp.mgn.addr.ip6", "lldp.mgn.obj.id", "lldp.orgtlv.oui", "lldp.ieee.802_1.subtype",
    "lldp.ieee.802_1.port_vlan.id", "lldp.ieee.802_1.vlan.name",
    "lldp.ieee.802_3.pmd_mau_type", "lldp.ieee.802_3.max_frame_size",
    "lldp.unknown_subtype.content", "lldp.dcbx.ieee.willing", "lldp.dcbx.ieee.ets.maxtcs",
    "lldp.dcbx.feature.pg.pgid_prio0", "lldp.dcbx.feature.pg.per1", "lldp.dcbx.ieee.ets.tsa1",
    "lldp.ieee.802_1qau.cnpv.prio5", "lldp.ieee.802_3.mdi_pse_allocated", "cdp.version", "cdp.ttl", "cdp.checksum",
    "cdp.checksum.status", "cdp.deviceid", "cdp.portid", "cdp.platform",
    "cdp.software_version", "cdp.capabilities", "cdp.nrgyz.ip_address", "cdp.native_vlan",
    "cdp.duplex", "cdp.ip_prefix", "dtp.domain", "dtp.tos", "dtp.tas", "dtp.tot", "dtp.tat",
    "dtp.senderid", "loop.skipcount", "loop.function", "loop.relevant_function",
    "loop.receipt_number", "loop.forwarding_address", "cmd.type", "cmd.sgt", "llc.cisco_pid",
]

MAC1, MAC2 = "00:11:22:33:44:55", "00:66:77:88:99:aa"


def _gre(flags: int, proto: int, payload: bytes, key: int | None = None,
         seq: int | None = None, ack: int | None = None, checksum: bool = False,
         bad: bool = False) -> bytes:
    opt = b"\0\0\0\0" if checksum else b""
    for v in (key, seq, ack):
        if v is not None:
            opt += struct.pack(">I", v)
    hdr = struct.pack(">HH", flags, proto) + opt
    if checksum:
        c = _csum(hdr + payload) ^ (0x1111 if bad else 0)
        hdr = hdr[:4] + struct.pack(">H", c) + hdr[6:]
    return hdr + payload


def _over_ip(inner: bytes) -> bytes:
    return bytes(Ether(src=MAC1, dst=MAC2) / IP(src="10.0.0.1", dst="10.0.0.2", proto=47)
                 / Raw(inner))


def _over_udp(port: int, inner: bytes) -> bytes:
    return bytes(Ether(src=MAC1, dst=MAC2) / IP(src="10.1.0.1", dst="10.1.0.2")
                 / UDP(sport=40000, dport=port) / Raw(inner))


def _tlv(t: int, value: bytes) -> bytes:
    return struct.pack(">H", (t << 9) | len(value)) + value


def _bpdu(body: bytes) -> bytes:
    return bytes(Dot3(src=MAC1, dst="01:80:c2:00:00:00") / LLC(dsap=0x42, ssap=0x42, ctrl=3)
                 / Raw(body))


def _cisco_snap(pid: int, body: bytes) -> bytes:
    return bytes(Dot3(src=MAC1, dst="01:00:0c:cc:cc:cc") / LLC(dsap=0xAA, ssap=0xAA, ctrl=3)
                 / SNAP(OUI=0x0C, code=pid) / Raw(body))


def _cdp_odd() -> bytes:
    """A CDP PDU of odd length, its checksum as Cisco sums it (odd byte sign-extended)."""
    pdu = bytearray(struct.pack(">BBH", 2, 180, 0) + struct.pack(">HH", 1, 7) + b"sw1"
                    + struct.pack(">HH", 3, 8) + b"Gi0/" + struct.pack(">HHH", 0x0A, 6, 10)
                    + struct.pack(">HHB", 0x0B, 5, 0) + struct.pack(">HH", 0x1B, 5) + b"\x01")
    last = pdu[-1]
    s = sum(struct.unpack(f">{len(pdu) // 2}H", bytes(pdu[:-1])))
    s += last if last < 0x80 else 0xFF00 | last
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    pdu[2:4] = struct.pack(">H", ~s & 0xFFFF)
    return bytes(pdu)


def synthetic() -> list[bytes]:
    icmp = IP(src="192.168.9.1", dst="192.168.9.2") / ICMP(id=7, seq=1) / b"ping"
    arp = bytes(Ether(src="02:00:00:00:00:01", dst="ff:ff:ff:ff:ff:ff")
                / ARP(psrc="192.168.9.1", pdst="192.168.9.2"))
    ids = struct.pack(">H6s", 0x8001, bytes.fromhex("001122334455"))
    timers = struct.pack(">HHHH", 256, 20 * 256, 2 * 256, 15 * 256)
    lldp = (_tlv(1, b"\x05\x01" + bytes([10, 0, 0, 9])) + _tlv(2, b"\x07port-7")
            + _tlv(3, struct.pack(">H", 60)) + _tlv(5, b"sw\x01name")
            + _tlv(7, b"\x00\x94\x00\x04")
            + _tlv(8, b"\x11\x02" + bytes(range(16)) + b"\x02\x00\x00\x00\x05\x00")
            + _tlv(127, b"\x00\x80\xc2\x01\x00\x05") + _tlv(127, b"\xaa\xbb\xcc\x09data")
            + _tlv(127, b"\x00\x12\x0f\x04\x05\xee") + _tlv(0, b""))
    dtp = (b"\x01" + struct.pack(">HH", 1, 9) + b"lab\0\0" + struct.pack(">HHB", 2, 5, 0x03)
           + struct.pack(">HHB", 3, 5, 0x42) + struct.pack(">HH", 4, 10)
           + bytes.fromhex("001122334455"))
    return [
        # GRE: plain, checksum+key+sequence, a bad checksum, Ethernet (0x6558), IPv6,
        # PPTP's enhanced GRE (version 1) acknowledging without payload
        _over_ip(_gre(0x0000, 0x0800, bytes(icmp))),
        _over_ip(_gre(0xB000, 0x0800, bytes(icmp), key=0x1234, seq=5, checksum=True)),
        _over_ip(_gre(0x8000, 0x0800, bytes(icmp), checksum=True, bad=True)),
        _over_ip(_gre(0x2000, 0x6558, arp, key=99)),
        _over_ip(_gre(0x0000, 0x86DD, bytes(IPv6(src="2001:db8::1", dst="2001:db8::2")
                                            / UDP(sport=1000, dport=2000) / b"x"))),
        _over_ip(_gre(0x2081, 0x880B, b"", key=7, ack=42)),
        # ERSPAN Type II and Type III (frame type Ethernet, direction egress)
        _over_ip(_gre(0x1000, 0x88BE, struct.pack(">HHI", 0x1005, 0x1865, 0xABC)
                      + bytes(Ether(src=MAC1, dst=MAC2) / icmp), seq=3)),
        _over_ip(_gre(0x1000, 0x22EB, struct.pack(">HHIHH", 0x2007, 0x4465, 123456, 42, 0x0E)
                      + bytes(Ether(src=MAC1, dst=MAC2) / icmp), seq=4)),
        # VXLAN with the G bit and an inner ARP; Geneve (OAM) with two options and IPv4
        _over_udp(4789, struct.pack(">HHI", 0x8800, 77, 5000 << 8) + arp),
        _over_udp(6081, struct.pack(">BBHI", 0x03, 0x80, 0x0800, 42 << 8)
                  + struct.pack(">HBB", 0x0101, 0x01, 0x01) + b"\x00\x00\x00\x05"
                  + struct.pack(">HBB", 0xFFF1, 0x82, 0x00) + bytes(icmp)),
        # STP: Configuration with TC and TC-ack, TCN, RSTP (proposal, designated role)
        _bpdu(struct.pack(">HBBB", 0, 0, 0, 0x81) + ids + struct.pack(">I", 4) + ids
              + struct.pack(">H", 0x8002) + timers),
        _bpdu(struct.pack(">HBB", 0, 0, 0x80)),
        _bpdu(struct.pack(">HBBB", 0, 2, 2, 0x3E) + ids + struct.pack(">I", 20000) + ids
              + struct.pack(">H", 0x8003) + timers + b"\0"),
        # LLDP: IPv4 chassis, locally assigned port, IPv6 management, an unknown OUI
        bytes(Ether(src=MAC1, dst="01:80:c2:00:00:0e", type=0x88CC) / Raw(lldp)),
        _cisco_snap(0x2000, _cdp_odd()),
        _cisco_snap(0x2004, dtp),
        # LOOP: forward then reply; a function that is neither
        bytes(Ether(src=MAC1, dst=MAC1, type=0x9000) / Raw(
            struct.pack("<HH", 0, 2) + bytes.fromhex("00667788 99aa")
            + struct.pack("<HH", 1, 9) + b"payload")),
        bytes(Ether(src=MAC1, dst=MAC1, type=0x9000) / Raw(struct.pack("<HH", 8, 5) + b"?")),
    ]


@pytest.fixture(scope="module")
def synthetic_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("l2") / "l2_tunnels.pcap"
    wrpcap(str(path), [Ether(p) for p in synthetic()])
    return path



@pytest.mark.parametrize("mode", [[], ["-V"], ["-T", "json"]], ids=["list", "V", "json"])
@pytest.mark.parametrize("name", WHOLE)
def test_corpus_whole(name: str, mode: list[str]) -> None:
    _same(["-r", str(CORPUS / name), *mode])


def _frames_without(path: Path, proto: str) -> str:
    numbers = run_tshark(["-r", str(path), "-Y", f"not {proto}", "-T", "fields",
                          "-e", "frame.number"]).split()
    assert numbers
    return "frame.number in {" + ",".join(numbers) + "}"


@pytest.mark.parametrize("mode", [[], ["-V"]], ids=["list", "V"])
@pytest.mark.parametrize(("name", "undecoded"), PARTS)
def test_corpus_frames_we_decode(name: str, undecoded: str, mode: list[str]) -> None:
    path = CORPUS / name
    _same(["-r", str(path), "-Y", _frames_without(path, undecoded), *mode])


@pytest.mark.parametrize("mode", [[], ["-V"], ["-T", "json"]], ids=["list", "V", "json"])
@pytest.mark.parametrize("name", LLDP_ONLY)
def test_corpus_lldp_dcb(name: str, mode: list[str]) -> None:
    path = CORPUS / name
    _same(["-r", str(path), "-Y", "lldp", *mode])
    assert compare_fields(path, FIELDS, ["-Y", "lldp"]) == []


@pytest.mark.parametrize("mode", [[], ["-V"], ["-T", "json"]], ids=["list", "V", "json"])
def test_synthetic(synthetic_pcap: Path, mode: list[str]) -> None:
    _same(["-r", str(synthetic_pcap), *mode])


@pytest.mark.parametrize("name", [*WHOLE, "synthetic"])
def test_fields(name: str, synthetic_pcap: Path) -> None:
    path = synthetic_pcap if name == "synthetic" else CORPUS / name
    assert compare_fields(path, FIELDS) == []


@pytest.mark.parametrize(("name", "undecoded"), PARTS)
def test_fields_of_frames_we_decode(name: str, undecoded: str) -> None:
    path = CORPUS / name
    assert compare_fields(path, FIELDS, ["-Y", _frames_without(path, undecoded)]) == []


@pytest.mark.parametrize("name", ["tcpdump-vxlan.pcap", "tcpdump-LLDP_and_CDP.pcap",
                                  "tcpdump-MSTP_Intra-Region_BPDUs.pcap", "synthetic"])
def test_io_phs(name: str, synthetic_pcap: Path) -> None:
    """The nested hierarchy: the inner packet's protocols under the tunnel's."""
    path = synthetic_pcap if name == "synthetic" else CORPUS / name
    _same(["-r", str(path), "-q", "-z", "io,phs"])


@pytest.mark.parametrize("filt", ["gre.key == 0x1234", "vxlan.vni == 5000",
                                  "stp.flags.tc", "lldp.chassis.id.ip4 == 10.0.0.9",
                                  "cdp.deviceid == \"sw1\"", "ip.src == 192.168.9.1 && gre",
                                  "geneve.option.class == 0x0101", "erspan.version == 2",
                                  "loop.function == 2", "dtp.tas == 3"])
def test_filters(synthetic_pcap: Path, filt: str) -> None:
    """The new fields in display filters select what tshark selects (the inner IP's
    addresses too)."""
    _same(["-r", str(synthetic_pcap), "-Y", filt, "-T", "fields", "-e", "frame.number"])


@pytest.mark.parametrize(("name", "filt"), [
    ("tcpdump-vxlan.pcap", "icmp"), ("tcpdump-vxlan.pcap", "ip.src == 192.168.203.3"),
    ("tcpdump-geneve.pcap", "tcp.port == 22"), ("tcpdump-geneve.pcap", "ip.dst == 30.0.0.2"),
    ("tcpdump-various_gre.pcap", "icmp.type == 0")])
def test_fast_filters_see_the_inner_packet(name: str, filt: str) -> None:
    """Filters the fast path decides from outer headers (and its BPF pre-filter) keep a
    tunnelled packet for full dissection: the inner layers match as in tshark."""
    _same(["-r", str(CORPUS / name), "-Y", filt, "-T", "fields", "-e", "frame.number"])


def test_conversations_take_inner_addresses(synthetic_pcap: Path) -> None:
    _same(["-r", str(synthetic_pcap), "-q", "-z", "conv,ip"])


def test_cut_short_frames_do_not_fail(synthetic_pcap: Path, tmp_path: Path) -> None:
    """Every synthetic packet cut at every third byte: each frame is listed, no error."""
    cut = [Ether(p[:n]) for p in synthetic() for n in range(14, len(p), 3)]
    path = tmp_path / "cut.pcap"
    wrpcap(str(path), cut)
    rc, out, err = run_analyze(["-r", str(path), "-V"])
    assert rc == 0 and not err
    assert out.count("\nFrame ") + out.startswith("Frame ") == len(cut)


def test_topology_change_colour(synthetic_pcap: Path) -> None:
    """Wireshark's default "Spanning Tree Topology  Change" rule (stp.type == 0x80) now
    compiles and colours the TCN BPDU, not the Configuration BPDU before it."""
    from analyzer.output.color_rules import default_rules, pick
    from captures import open_capture
    from dissectors import Session, dissect

    rules, session, names = default_rules(), Session(), []
    with open_capture(synthetic_pcap) as reader:
        for frame in reader:
            rule = pick(rules, dissect(frame, session))
            names.append(rule.name if rule else "")
    assert names[11] == "Spanning Tree Topology  Change"
    assert names[10] != names[11]
