"""`-z dhcp,stat`, `-z conv,sll`/`-z endpoints,sll` and `-z credentials` against tshark
4.0, byte for byte, on the repository's captures and on captures built here (a Linux
cooked capture with Ethernet, IPv4 and empty source addresses; HTTP requests with every
kind of Authorization header tshark treats differently)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "captures" / "samples"
WS = ROOT / "tests" / "data" / "wireshark"


def same(args: list[str]) -> str:
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    expected = run_tshark(args)
    assert out == expected
    return out


def _b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


@pytest.fixture(scope="module")
def sll_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SLL v1 frames whose source is Ethernet (halen 6), IPv4 (halen 4 on a tunnel)
    or nothing (halen 0): tshark's "NONE" end."""
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import CookedLinux
    from scapy.packet import Raw
    from scapy.utils import wrpcap

    pkts = []
    for i in range(9):
        kind = i % 3
        src = [bytes([2, 0, 0, 0, 0, i % 2]) + b"\0\0", bytes([10, 9, 9, i % 2]) + b"\0" * 4,
               b"\0" * 8][kind]
        p = (CookedLinux(pkttype=[0, 4, 1][kind], lladdrtype=[1, 768, 772][kind],
                         lladdrlen=[6, 4, 0][kind], src=src, proto=0x800)
             / IP(src=f"10.0.0.{kind + 1}", dst="10.0.0.9")
             / UDP(sport=40000 + i, dport=33333) / Raw(b"x" * i))
        p.time = 1_700_000_000 + i * 0.25
        pkts.append(p)
    path = tmp_path_factory.mktemp("sll") / "sll.pcap"
    wrpcap(str(path), pkts)
    return path


AUTH_HEADERS = [
    ("Authorization", "Basic " + _b64("alice:secret")),
    ("Authorization", "Basic " + _b64("bob:pa:ss")),       # user name up to the first ':'
    ("Authorization", "basic " + _b64("dave:x")),          # not "Basic ": a header auth
    ("Authorization", "Basic " + _b64("nocolon")),         # no ':': no row
    ("Authorization", "Basic !!!"),
    ("Authorization", "Bearer xyz"),
    ("Authorization", "Digest username=\"carol\""),
    ("Authorization", "NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw=="),
    ("Authorization", "Negotiate abc"),
    ("Proxy-Authorization", "Basic " + _b64("pete:pw")),
    ("Authorization", "Basic " + _b64(":nopw")),           # an empty user name
    ("Authorization", "Basic " + _b64("a:b") + "=="),       # extra padding skipped
    ("Authorization", "Basic  " + _b64("sp:x")),
    ("Authorization", "Basic " + _b64("e\u00e9:x")),       # UTF-8, padded by bytes
]


@pytest.fixture(scope="module")
def auth_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from scapy.utils import wrpcap
    from tcpconv import tcp_conversation

    pkts = []
    clock = [1_700_000_000.0]

    def add(p: object) -> None:
        p.time = clock[0]  # type: ignore[attr-defined]
        clock[0] += 0.01
        pkts.append(p)

    c, s = "10.0.0.1", "10.0.0.2"
    eth = {"src": "02:00:00:00:00:01", "dst": "02:00:00:00:00:02"}
    for k, (name, value) in enumerate(AUTH_HEADERS):
        sp = 50000 + k
        req = f"GET /p{k} HTTP/1.1\r\nHost: s\r\n{name}: {value}\r\n\r\n".encode()
        rsp = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
        for p in tcp_conversation([(True, req), (False, rsp)], client=c, server=s, cport=sp,
                                  cseq=101, sseq=501, eth=eth, handshake_ack=True):
            add(p)
    path = tmp_path_factory.mktemp("auth") / "auth.pcap"
    wrpcap(str(path), pkts)
    return path


DHCP_CAPTURES = [WS / "dhcp.pcap", WS / "dhcp.pcapng", WS / "dhcp-nanosecond.pcap",
                 SAMPLES / "lab.pcap"]


@pytest.mark.tshark
@pytest.mark.parametrize("cap", DHCP_CAPTURES, ids=lambda p: p.name)
@pytest.mark.parametrize("z", ["dhcp,stat", "dhcp,stat,udp.srcport==67", "dhcp,stat,",
                               "dhcp,statx"])
def test_dhcp_stat_samples(cap: Path, z: str) -> None:
    same(["-q", "-z", z, "-r", str(cap)])


@pytest.mark.tshark
@pytest.mark.parametrize("z", [["dhcp,stat"], ["dhcp,stat,udp.srcport==68"],
                               ["dhcp,stat,udp.srcport==68", "dhcp,stat"]])
def test_dhcp_stat_mixed(mixed_pcap: Path, z: list[str]) -> None:
    """DORA exchanges; two taps share one table (tshark 4.0 counts a packet once for
    each tap that passes it, into the table both print)."""
    out = same(["-q", *[a for v in z for a in ("-z", v)], "-r", str(mixed_pcap)])
    assert "Discover                  |" in out


def test_dhcp_stat_bad_filter(mixed_pcap: Path) -> None:
    rc, out, err = run_analyze(["-q", "-z", "dhcp,stat,foo==", "-r", str(mixed_pcap)])
    assert (rc, out) == (1, "")
    assert err == ('analyze: Couldn\'t register tap: Filter "foo==" is invalid - '
                   'Unexpected end of filter expression.\n')


@pytest.mark.tshark
@pytest.mark.parametrize("z", ["conv,sll", "endpoints,sll", "conv,sll,frame.number>2",
                               "endpoints,sll,sll.pkttype==4"])
def test_sll_tables(sll_pcap: Path, z: str) -> None:
    out = same(["-q", "-z", z, "-r", str(sll_pcap)])
    assert "SLL" in out and "10.9.9.1" in out


@pytest.mark.tshark
@pytest.mark.parametrize("cap", [SAMPLES / "lab.pcap", WS / "http.pcap"], ids=lambda p: p.name)
def test_sll_tables_empty_on_ethernet(cap: Path) -> None:
    same(["-q", "-z", "conv,sll", "-z", "endpoints,sll", "-r", str(cap)])


@pytest.mark.tshark
@pytest.mark.parametrize("z", [["credentials"], ["credentials,ignored"],
                               ["credentials", "credentials"]])
def test_credentials(auth_pcap: Path, z: list[str]) -> None:
    out = same(["-q", *[a for v in z for a in ("-z", v)], "-r", str(auth_pcap)])
    assert "HTTP basic auth  alice" in out and "HTTP header auth n.a." in out


@pytest.mark.tshark
@pytest.mark.parametrize("cap", [SAMPLES / "lab.pcap", WS / "http.pcap"], ids=lambda p: p.name)
def test_credentials_none(cap: Path) -> None:
    same(["-q", "-z", "credentials", "-r", str(cap)])


def test_help_lists_them() -> None:
    rc, _, err = run_analyze(["-z", "help"])
    assert rc == 0
    for z in ("dhcp,stat", "conv,sll", "endpoints,sll", "credentials"):
        assert f"     {z}\n" in err


def test_terminal_tables_from_the_same_rows(auth_pcap: Path) -> None:
    """On a terminal (--color always) the kinds are tables of the rows the text shows."""
    rc, out, _ = run_analyze(["-q", "--color", "always", "-z", "dhcp,stat", "-z",
                              "credentials", "-r", str(WS / "dhcp.pcap")])
    assert rc == 0 and "DHCP Message Type" in out and "┃" in out
    rc, out, _ = run_analyze(["-q", "--color", "always", "-z", "credentials", "-r",
                              str(auth_pcap)])
    assert rc == 0 and "│ HTTP basic auth  │ alice" in out
    rc, out, _ = run_analyze(["-q", "--color", "never", "-z", "credentials", "-r",
                              str(auth_pcap)])
    assert out.startswith("=" * 67 + "\nPacket     Protocol")
