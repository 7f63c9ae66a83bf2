"""DHCP/BOOTP as tshark 4.0 shows it: plain BOOTP's 64-byte vendor area (malformed when
the packet is shorter, with the Ethernet trailer still shown), padding options, every
option code's name, and the options labshark decodes beyond RFC 2132's common ones."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark

scapy = pytest.importorskip("scapy.all")


def _bootp(vend: bytes, pad_to: int = 0) -> bytes:
    body = (bytes([1, 1, 6, 0]) + struct.pack(">IHH", 5, 0, 0) + bytes(16) + bytes(16)
            + bytes(64) + bytes(128) + vend)
    udp = struct.pack(">HHHH", 68, 67, 8 + len(body), 0) + body
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + udp
    frame = bytes(6) + bytes([0, 1, 2, 3, 4, 5]) + b"\x08\x00" + ip
    return frame + bytes(max(0, pad_to - len(frame)))


def _dhcp(options: list) -> bytes:
    s = scapy
    p = (s.Ether(src="00:11:22:33:44:55") / s.IP(src="10.0.0.1", dst="10.0.0.2")
         / s.UDP(sport=68, dport=67) / s.BOOTP(chaddr=b"\x00\x11\x22\x33\x44\x55")
         / s.DHCP(options=options))
    return bytes(p)


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frames = [
        _bootp(b"\x01\x02\x03\x04" + bytes(60)),  # a whole vendor area
        _bootp(bytes(10)),  # a short one: malformed
        _bootp(b"\x01\x02\x03\x04" + bytes(70)),  # vendor area, then pad bytes as options
        _bootp(b"", pad_to=300) + b"\x00" * 4,  # malformed, with a trailer after it
        _dhcp([("message-type", "discover"), "pad", "pad", "pad", ("hostname", "x"),
               ("param_req_list", list(range(1, 255))), "end"]),
        _dhcp([("message-type", "request"), (40, b"nis.example"), (41, b"\x0a\x00\x00\x05"),
               (91, b"\x00\x00\x00\x0d"), (92, b"\x0a\x32\x04\x04"), "end"]),
    ]
    path = tmp_path_factory.mktemp("dhcp") / "bootp.pcap"
    with path.open("wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1_700_000_000 + i, 0, len(fr), len(fr)) + fr)
    return path


@pytest.mark.tshark
@pytest.mark.parametrize("args", [["-V"], [], ["-q", "-z", "expert"],
                                  ["-T", "fields", "-e", "dhcp.vendor_specific_options",
                                   "-e", "dhcp.option.nis_domain", "-e", "dhcp.option.nis_server",
                                   "-e", "dhcp.option.client_last_transaction_time",
                                   "-e", "dhcp.option.associated_ip_option",
                                   "-e", "dhcp.option.type"]])
def test_bootp_and_options_as_tshark(capture: Path, args: list[str]) -> None:
    rc, ours, err = run_analyze(["-r", str(capture), *args])
    assert rc == 0, err
    assert ours == run_tshark(["-r", str(capture), *args])


def test_every_option_code_is_named() -> None:
    from dissectors.dhcp_names import OPTION_NAMES

    assert set(OPTION_NAMES) == set(range(256))
    assert OPTION_NAMES[40] == "Network Information Service Domain"

