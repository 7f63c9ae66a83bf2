"""`--flow-notes` (the course's notes beside `-z flow` arrows) and `--plot` of a flow
diagram: the notes on the sample captures (TCP handshake and close, TFTP lock-step,
FeiQ SENDMSG/RECVMSG), the diagram otherwise unchanged (still tshark's), and images
of the stated size."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest
from diffutil import run_analyze, run_tshark

SAMPLES = Path(__file__).resolve().parent.parent / "captures" / "samples"


def notes(args: list[str]) -> tuple[str, list[str]]:
    rc, out, err = run_analyze(["-q", "--flow-notes", *args])
    assert rc == 0, err
    return out, [m.group(1) for m in re.finditer(r"\|  (\S.*)$", out, re.M)]


def test_tcp_handshake_and_close() -> None:
    _, got = notes(["-z", "flow,tcp,standard", "-r", str(SAMPLES / "lab.pcap")])
    assert got == ["handshake 1/3: SYN", "handshake 2/3: SYN-ACK", "handshake 3/3: ACK",
                   "close 1/4: FIN", "close 2/4: ACK of the FIN + 3/4: FIN",
                   "close 4/4: ACK of the FIN"]


def test_tftp_lock_step() -> None:
    _, got = notes(["-z", "flow,any,network,tftp", "-r", str(SAMPLES / "tftp_rrq.pcap")])
    assert got == ["TFTP read request: notes.txt",
                   "TFTP DATA block 1 (waits for ACK 1)",
                   "TFTP ACK block 1 (lock-step: DATA 1 received)",
                   "TFTP DATA block 2 (waits for ACK 2)",
                   "TFTP ACK block 2 (lock-step: DATA 2 received)",
                   "TFTP DATA block 3 (waits for ACK 3)",
                   "TFTP ACK block 3 (lock-step: DATA 3 received)"]
    _, got = notes(["-z", "flow,any,network", "-r", str(SAMPLES / "tftp_wrq.pcap")])
    assert got[:2] == ["TFTP write request: upload.bin", "TFTP ACK block 0 (write accepted)"]


def test_feiq_sendmsg_recvmsg() -> None:
    _, got = notes(["-z", "flow,any,standard", "-r", str(SAMPLES / "feiq.pcap")])
    assert "FeiQ SENDMSG #1700000001 (receipt requested)" in got
    assert "FeiQ RECVMSG confirms #1700000001 (SENDMSG in frame 3)" in got


@pytest.mark.tshark
@pytest.mark.parametrize(("cap", "z"), [("lab.pcap", "flow,tcp,standard"),
                                        ("tftp_rrq.pcap", "flow,any,network")])
def test_diagram_is_tshark_without_the_notes(cap: str, z: str) -> None:
    out, got = notes(["-z", z, "-r", str(SAMPLES / cap)])
    assert got
    plain = re.sub(r"\|  \S.*$", "|", out, flags=re.M)
    assert plain == run_tshark(["-q", "-z", z, "-r", str(SAMPLES / cap)])


def test_plot_sizes(tmp_path: Path) -> None:
    png, svg = tmp_path / "flow.png", tmp_path / "flow.svg"
    for out in (png, svg):
        rc, _, err = run_analyze(["-q", "--flow-notes", "-z", "flow,tcp,standard", "-r",
                                  str(SAMPLES / "lab.pcap"), "--plot", str(out)])
        assert rc == 0, err
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", head[16:24]) == (1000, 150 + 40 * 10)  # 10 arrows
    import xml.etree.ElementTree as ET

    root = ET.parse(svg).getroot()
    assert (root.get("width"), root.get("height")) == ("720pt", "396pt")  # 10 x 5.5 in
