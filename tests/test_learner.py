"""--explain-addresses: address classes and kinds, port ranges, the encapsulation boxes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from analyzer.app import run
from analyzer.learner import describe_ipv4, describe_mac, describe_port, parse_netmask

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("addr", "mask", "want"), [
    ("10.1.2.3", None, "class A, private (RFC 1918)"),
    ("172.20.0.1", None, "class B, private (RFC 1918)"),
    ("172.32.0.1", None, "class B, public"),
    ("192.168.56.10", None, "class C, private (RFC 1918)"),
    ("8.8.8.8", None, "class A, public"),
    ("127.0.0.1", None, "class A, loopback"),
    ("169.254.1.1", None, "class B, link-local"),
    ("224.0.0.251", None, "class D, multicast"),
    ("226.81.9.8", None, "class D, multicast"),
    ("240.0.0.1", None, "class E, reserved"),
    ("255.255.255.255", None, "class E, limited broadcast"),
    ("0.0.0.0", None, 'class A, "this network"'),
    ("192.168.56.255", 24, "class C, private (RFC 1918), directed broadcast of 192.168.56.0/24"),
    ("192.168.56.255", 16, "class C, private (RFC 1918)"),
    ("10.255.255.255", 8, "class A, private (RFC 1918), directed broadcast of 10.0.0.0/8"),
    ("192.168.56.0", 24, "class C, private (RFC 1918), network address of 192.168.56.0/24"),
])
def test_ipv4(addr: str, mask: int | None, want: str) -> None:
    assert describe_ipv4(addr, mask) == f"{addr}: {want}"


@pytest.mark.parametrize(("port", "proto", "want"), [
    (69, "udp", "69: well-known (tftp)"), (80, "tcp", "80: well-known (http)"),
    (1023, "tcp", "1023: well-known"),
    # The course's split: dynamic from 1024; IANA's registered range is only a note.
    (1024, "udp", "1024: dynamic (IANA: registered 1024-49151)"),
    (2425, "udp", "2425: dynamic (IANA: registered 1024-49151)"),
    (49151, "tcp", "49151: dynamic (IANA: registered 1024-49151)"),
    (49152, "tcp", "49152: dynamic (IANA: dynamic/private 49152-65535)"),
    (65535, "udp", "65535: dynamic (IANA: dynamic/private 49152-65535)"),
])
def test_ports(port: int, proto: str, want: str) -> None:
    got = describe_port(port, proto)
    if port == 1023:
        assert got.startswith(want)
    else:
        assert got == want


def test_mac_and_netmask() -> None:
    assert describe_mac(b"\xff" * 6) == "ff:ff:ff:ff:ff:ff (broadcast)"
    assert describe_mac(bytes.fromhex("01005e0000fb")).endswith("(multicast)")
    assert describe_mac(bytes.fromhex("001122334455")).endswith("(unicast)")
    assert parse_netmask("/24") == parse_netmask("24") == parse_netmask("255.255.255.0") == 24
    with pytest.raises(ValueError):
        parse_netmask("/33")


def test_cli_block_under_each_packet() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = run([str(ROOT / "captures" / "samples" / "tftp_rrq.pcap"), "-c", "2",
                "--explain-addresses", "--netmask", "/24"], out, err)
    assert code == 0, err.getvalue()
    text = out.getvalue().splitlines()
    assert text[0].startswith("    1 ") and "Read Request" in text[0]
    assert "    From 192.168.56.10: class C, private (RFC 1918)" in text
    assert "    UDP source port 50123: dynamic (IANA: dynamic/private 49152-65535); " \
        "destination port 69: well-known (tftp)" in text
    boxes = _boxes(text)[0]
    assert boxes == [["Ethernet", "IPv4", "UDP", "TFTP"], ["14 B", "20 B", "8 B", "18 B"],
                     ["link", "network", "transport", "application"]]
    assert sum(1 for ln in text if ln.startswith("    2 ")) == 1


def _boxes(lines: list[str]) -> list[list[list[str]]]:
    """Each packet's encapsulation boxes: [names, sizes, TCP/IP layers], cells stripped."""
    out = []
    for i, ln in enumerate(lines):
        if ln == "    Encapsulation:":
            rows = lines[i + 2:i + 5]
            out.append([[c.strip() for c in r.split("|")[1:-1]] for r in rows])
    return out


def _explain(tmp_path: Path, packets: list, *extra: str) -> list[str]:
    from scapy.utils import wrpcap

    path = tmp_path / "lab.pcap"
    wrpcap(str(path), packets)
    out, err = io.StringIO(), io.StringIO()
    assert run([str(path), "--explain-addresses", *extra], out, err) == 0, err.getvalue()
    return out.getvalue().splitlines()


ETH = "02:00:00:00:00:01", "02:00:00:00:00:02"


def _lab_packets() -> dict[str, object]:
    from scapy.layers.inet import ICMP, IP, TCP, UDP
    from scapy.layers.l2 import ARP, Ether

    eth = Ether(src=ETH[0], dst=ETH[1])
    body = b"<html>hi</html>\n"
    http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
            + str(len(body)).encode() + b"\r\n\r\n" + body)
    feiq = (b"1_lbt6_0#128#001122334455#0#0#0#4001#9:1700000001:alice:pc:32:hello\0")
    return {
        "http": eth / IP(src="192.168.56.20", dst="192.168.56.10")
        / TCP(sport=80, dport=41000, flags="PA", seq=1, ack=1) / http,
        "feiq": eth / IP(src="192.168.56.10", dst="192.168.56.20")
        / UDP(sport=2425, dport=2425) / feiq,
        "arp": Ether(src=ETH[0], dst="ff:ff:ff:ff:ff:ff")
        / ARP(psrc="192.168.56.10", pdst="192.168.56.20") / (b"\0" * 18),
        "icmp": eth / IP(src="192.168.56.20", dst="192.168.56.10") / ICMP(type=3, code=3)
        / IP(src="192.168.56.10", dst="192.168.56.20") / UDP(sport=50000, dport=69)
        / b"\0\x01boot.bin\0octet\0",
    }


def test_boxes_add_up_to_the_frame(tmp_path: Path) -> None:
    """HTTP's item spans its body and IPMSG's the FeiQ part: each layer counts only the
    bytes it adds, padding closes the list, so the sizes sum to the frame length."""
    pkts = _lab_packets()
    lines = _explain(tmp_path, list(pkts.values()))
    boxes = _boxes(lines)
    assert len(boxes) == len(pkts)
    for (name, pkt), (_names, sizes, _) in zip(pkts.items(), boxes, strict=True):
        assert sum(int(s.removesuffix(" B")) for s in sizes) == len(bytes(pkt)), (name, sizes)
    http = dict(zip(boxes[0][0], boxes[0][1], strict=True))
    assert http["HTTP"] == "64 B" and http["DATA-TEXT-LINES"] == "16 B"
    assert boxes[2][0] == ["Ethernet", "ARP", "padding"] and boxes[2][1][2] == "18 B"
    # FeiQ's part starts the IPMSG header: one box, not FeiQ's bytes then a "trailer"
    assert boxes[1][0] == ["Ethernet", "IPv4", "UDP", "IPMSG/FEIQ"]


def test_boxes_name_the_tcpip_layers(tmp_path: Path) -> None:
    boxes = _boxes(_explain(tmp_path, list(_lab_packets().values())))
    assert boxes[0][2] == ["link", "network", "transport", "application", "application"]
    assert boxes[2][2] == ["link", "link", "link"]  # ARP and the Ethernet padding
    assert boxes[3][2] == ["link", "network", "network"]  # ICMP


def test_icmp_error_ports_are_the_quoted_ones(tmp_path: Path) -> None:
    """The UDP header inside an ICMP error belongs to the packet that caused it: it is
    shown as quoted, never as this packet's own ports."""
    lines = _explain(tmp_path, [_lab_packets()["icmp"]])
    assert not any(ln.startswith("    UDP ") for ln in lines)
    assert "    Quoted by the ICMP error: UDP source port 50000: dynamic (IANA: " \
        "dynamic/private 49152-65535); destination port 69: well-known (tftp)" in lines
    assert "    Quoted by the ICMP error: IPv4 192.168.56.10 -> 192.168.56.20 " \
        "(the packet that caused it)" in lines
    assert lines[lines.index("    MAC  02:00:00:00:00:01 (unicast) -> 02:00:00:00:00:02 "
                             "(unicast)") + 1].startswith("    From 192.168.56.20:")


def test_port_split_is_shown(tmp_path: Path) -> None:
    lines = _explain(tmp_path, [_lab_packets()["feiq"]])
    assert "    Ports: well-known 0-1023, dynamic 1024-65535" in lines
    assert "    UDP source port 2425: dynamic (IANA: registered 1024-49151); destination " \
        "port 2425: dynamic (IANA: registered 1024-49151)" in lines


def test_broadcast_mac_makes_a_broadcast_without_netmask(tmp_path: Path) -> None:
    """10.98.0.255 to ff:ff:ff:ff:ff:ff is a broadcast: the MAC says so, even where the
    class mask (/8) would not; a unicast MAC leaves the address plain."""
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether

    ip = IP(src="10.98.0.1", dst="10.98.0.255") / UDP(sport=50000, dport=5000) / b"hi"
    lines = _explain(tmp_path, [Ether(src=ETH[0], dst="ff:ff:ff:ff:ff:ff") / ip,
                                Ether(src=ETH[0], dst=ETH[1]) / ip])
    to = [ln for ln in lines if ln.startswith("    To   ")]
    assert to[0] == ("    To   10.98.0.255: class A, private (RFC 1918), broadcast (sent to "
                     "the broadcast MAC ff:ff:ff:ff:ff:ff)")
    assert to[1] == "    To   10.98.0.255: class A, private (RFC 1918)"
    with_mask = _explain(tmp_path, [Ether(src=ETH[0], dst="ff:ff:ff:ff:ff:ff") / ip],
                         "--netmask", "/24")
    assert ("    To   10.98.0.255: class A, private (RFC 1918), directed broadcast of "
            "10.98.0.0/24") in with_mask


@pytest.mark.parametrize(("addr", "mask", "want"), [
    ("10.98.0.255", None, "network 10.0.0.0/8 + host 0.98.0.255 (class A default mask /8)"),
    ("172.20.3.4", None, "network 172.20.0.0/16 + host 0.0.3.4 (class B default mask /16)"),
    ("192.168.56.10", None,
     "network 192.168.56.0/24 + host 0.0.0.10 (class C default mask /24)"),
    ("10.98.0.255", 24, "network 10.98.0.0/24 + host 0.0.0.255 (--netmask /24)"),
    ("192.168.56.10", 26, "network 192.168.56.0/26 + host 0.0.0.10 (--netmask /26)"),
    ("224.0.0.251", None, None),  # class D: no network/host split
])
def test_network_and_host_parts(addr: str, mask: int | None, want: str | None) -> None:
    from analyzer.learner import split_ipv4

    assert split_ipv4(addr, mask) == want


def test_network_and_host_parts_under_each_address(tmp_path: Path) -> None:
    lines = _explain(tmp_path, [_lab_packets()["feiq"]], "--netmask", "255.255.255.0")
    at = lines.index("    From 192.168.56.10: class C, private (RFC 1918)")
    assert lines[at + 1] == \
        "         network 192.168.56.0/24 + host 0.0.0.10 (--netmask /24)"


def test_boxes_add_up_on_the_mixed_capture(mixed_pcap: Path) -> None:
    """Every frame of the test suite's mixed capture (VLAN, IPv6, fragments, ICMP errors,
    TCP segments reassembled later, DNS, HTTP, TFTP, IPMSG): the boxes sum to its length
    and every byte is named."""
    from analyzer.learner import layers
    from captures import open_capture
    from dissectors import Session, dissect

    session = Session()
    names: set[str] = set()
    with open_capture(str(mixed_pcap)) as reader:
        for frame in reader:
            parts = layers(dissect(frame, session))
            assert sum(n for _, n, _ in parts) == frame.caplen, (frame.number, parts)
            names |= {name for name, _, _ in parts}
    assert "undecoded" not in names and "TCP segment data" in names
