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
    (1023, "tcp", "1023: well-known"), (1024, "udp", "1024: registered"),
    (2425, "udp", "2425: registered"), (49151, "tcp", "49151: registered"),
    (49152, "tcp", "49152: dynamic/private"), (65535, "udp", "65535: dynamic/private"),
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
    assert "    UDP source port 50123: dynamic/private; destination port 69: well-known (tftp)" \
        in text
    boxes = text[text.index("    Encapsulation:") + 1:][:4]
    assert boxes[1].split("|")[1:-1] == [" Ethernet ", " IPv4 ", " UDP ", " TFTP "]
    assert boxes[2].split("|")[1:-1] == [" 14 B     ", " 20 B ", " 8 B ", " 18 B "]
    assert sum(1 for ln in text if ln.startswith("    2 ")) == 1
