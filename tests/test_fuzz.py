"""Hostile input, as the fuzzer (tests/fuzzcase.py) makes it: each case it found is
rebuilt here from a good capture with the damage applied in the test, and a short
seeded fuzz run over a handful of captures keeps new ones from slipping in.

The standard: a damaged packet spoils only itself, every other packet prints as
before, no traceback or "internal error", rc 0 while the file's structure is intact,
and no control character of a packet reaches the text outputs raw.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import fuzzcase
import pytest
from diffutil import run_analyze, run_tshark
from fuzz_mutate import Capture, read_capture
from fuzzcase import CONTROL

CORPUS = Path(__file__).parent / "data" / "corpus"


def _patched(src: Path, dst: Path, number: int, old: bytes, new: bytes) -> Path:
    """`src` with `old` replaced by `new` (same length) in frame `number` only."""
    cap = read_capture(src, limit=10_000)
    assert cap is not None
    s, us, data, orig = cap.records[number - 1]
    assert old in data and len(old) == len(new)
    recs = list(cap.records)
    recs[number - 1] = (s, us, data.replace(old, new, 1), orig)
    dst.write_bytes(Capture(cap.linktype, recs).to_bytes())
    return dst


def _clean(args: list[str]) -> str:
    rc, out, err = run_analyze(args)
    assert rc == 0, err
    assert "Traceback" not in err and "internal error" not in err
    assert not CONTROL.search(out), CONTROL.search(out)
    return out


def _line(out: str, start: str) -> str:
    return next(ln.strip() for ln in out.splitlines() if ln.strip().startswith(start))


def test_dhcp_boot_file_name_escaped_like_tshark(tmp_path: Path) -> None:
    """Found by fuzzing: BOOTP's sname/file went into the -V label raw (ESC, DEL, \\x02)."""
    src = CORPUS / "wireshark-dhcp.pcap"
    cap = read_capture(src)
    assert cap is not None
    data = bytearray(cap.records[0][2])
    bootp = 14 + 20 + 8
    data[bootp + 108:bootp + 118] = b"b\x1b[2J\x7f\x02o\x9b!"
    data[bootp + 44:bootp + 48] = b"s\x07\r\x01"
    recs = [(cap.records[0][0], cap.records[0][1], bytes(data), len(data)), *cap.records[1:]]
    p = tmp_path / "dhcp.pcap"
    p.write_bytes(Capture(cap.linktype, recs).to_bytes())
    ours = _clean(["-r", str(p), "-V"])
    theirs = run_tshark(["-r", str(p), "-V"])
    for start in ("Boot file name", "Server host name"):
        assert _line(ours, start) == _line(theirs, start)
    assert "\\033[2J\\177\\002o" in _line(ours, "Boot file name")
    # the other packets are untouched
    good = _clean(["-r", str(src)]).splitlines()
    assert _clean(["-r", str(p)]).splitlines()[1:] == good[1:]


def test_smb2_create_context_tag_escaped(tmp_path: Path) -> None:
    """Found by fuzzing: a create context's tag is the peer's bytes, and went into the
    "Chain Element" label raw; a NUL ends it (a C string in tshark's label)."""
    src = CORPUS / "ndpi-smb_deletefile.pcap"
    p = _patched(src, tmp_path / "esc.pcap", 10, b"MxAc", b"M\x1b[c")
    out = _clean(["-r", str(p), "-V"])
    assert 'Chain Element: Unknown "M\\033[c"' in out
    p = _patched(src, tmp_path / "nul.pcap", 10, b"MxAc", b"\x00xAc")
    assert 'Chain Element: Unknown ""' in _clean(["-r", str(p), "-V"])
    # the damage stays in frame 10's tree: the packet list is as before
    assert _clean(["-r", str(p)]) == _clean(["-r", str(src)])


def test_label_safety_net_escapes_raw_text() -> None:
    """format.label(): a label a dissector left unescaped is escaped on output, an
    escaped one is left as it is (format_text's output is printable)."""
    from dissectors.format import label
    from dissectors.packet import Item
    from dissectors.registry import REGISTRY

    f = REGISTRY.fields["frame.comment"]
    raw = Item(f, "x", 0, 0, text="Name: a\x1b[31mb\x9bc\td")
    assert label(raw) == "Name: a\\033[31mb\\u009Bc\\td"
    assert label(Item(f, "x", 0, 0, text=label(raw))) == label(raw)
    assert label(Item(f, "a\x1bb", 0, 0)) == "Comment: a\\033b"


#: (captures to fuzz, seed): small ones whose dissectors the fuzzer aims at
FUZZ_SEEDS = ["wireshark-dhcp.pcap", "tcpdump-dns_udp_2.pcap", "ndpi-smb_deletefile.pcap",
              "scapy-http_compressed.pcap", "tcpdump-dhcpv4v6-rfc5970-rfc8572.pcap"]


def test_bounded_fuzz_run(tmp_path: Path) -> None:
    """A seeded, bounded fuzz run (a few hundred mutants, seconds): no finding."""
    import x11_gen

    caps = [c for n in FUZZ_SEEDS if (c := read_capture(CORPUS / n, limit=40))]
    caps.append(read_capture(x11_gen.capture(tmp_path / "x11.pcap")))
    samples = Path(__file__).parent.parent / "captures" / "samples"
    old_env = {k: os.environ.get(k) for k in ("LABSHARK_DEBUG", "TZ")}
    old_handler = signal.getsignal(signal.SIGALRM)
    try:
        found = fuzzcase.fuzz(caps, seed=7, cases=14, seconds=240, workdir=tmp_path / "w",
                              files=[samples / "lab.pcapng", samples / "lab.pcap"],
                              file_share=0.15, batch_share=0.6)
    finally:
        signal.signal(signal.SIGALRM, old_handler)
        for k, v in old_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert fuzzcase.LAST_RUN["mutants"] >= 200
    assert not found, [(f.kind, f.seed, f.args, f.detail) for f in found]


@pytest.mark.parametrize("raw", [b"\x0a\x0d\x0d\x0a", b"\x0a\x0d\x0d\x0a\x1c\0\0\0\x4d\x3c",
                                 b"\xd4\xc3\xb2\xa1" + b"\0" * 20])
def test_cut_headers_one_line(tmp_path: Path, raw: bytes) -> None:
    """A file cut inside its header: one line on stderr, no traceback."""
    p = tmp_path / "cut.pcap"
    p.write_bytes(raw)
    rc, out, err = run_analyze(["-r", str(p)])
    assert rc != 0 and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err and "internal error" not in err


def test_exif_shared_value_array_is_bounded(tmp_path: Path) -> None:
    """Unbounded work (found reading the EXIF loops): IFD entries of 12 bytes each can
    all point at one BYTE array, so a 4 KB image held 200 x 2000 values. Past 16384
    values in one TIFF the rest are left out: the run stays short, the tree bounded,
    and the packet and the ones around it print as before."""
    import struct
    import time

    import image_gen

    n, count = 200, 2000
    data_off = 8 + 2 + 12 * n + 4
    ifd = struct.pack("<H", n) + b"".join(struct.pack("<HHII", 0x9000 + i % 100, 1, count,
                                                      data_off) for i in range(n))
    tiff = b"II*\0" + struct.pack("<I", 8) + ifd + b"\0\0\0\0" + bytes(range(256)) * 8
    bodies = [("image/jpeg", image_gen.jpeg()), ("image/jpeg", image_gen.exif_jpeg(tiff)),
              ("image/jpeg", image_gen.jpeg())]
    p = image_gen.http_capture(tmp_path / "exif.pcap", bodies)
    t0 = time.monotonic()
    out = _clean(["-r", str(p), "-V"])
    assert time.monotonic() - t0 < 60
    values = [ln for ln in out.splitlines() if ln.startswith("        Value: ")]
    assert len(values) == 8 * count  # (the entries whose values fit under 16384, whole)
    assert len(out.splitlines()) < 16384 + 5000
    assert "Number of fields in this IFD: 200" in out
    listing = _clean(["-r", str(p)]).splitlines()
    assert len(listing) == 12 and all("JPEG JFIF image" in listing[i] for i in (3, 7, 11))


def _ipv4_tcp(payload: bytes, sport: int, dport: int) -> bytes:
    import struct

    tcp = struct.pack(">HHIIBBHHH", sport, dport, 1, 1, 5 << 4, 0x18, 65535, 0, 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + tcp
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip


def test_ftp_numbers_of_thousands_of_digits_like_tshark(tmp_path: Path) -> None:
    """Found by a hand probe: FTP's PORT/PASV/EPRT/EPSV numbers went through int(),
    which refuses more than 4300 digits: a ValueError ("internal error") from one
    packet. They saturate as C's strtol now, and an EPSV port past 65535 is 65535 as
    in tshark (ws_strtou16)."""
    d = b"9" * 5000
    payloads = [(b"PORT 1,2,3,4," + d + b",1\r\n", 40000, 21),
                (b"227 Entering Passive Mode (1,2,3,4," + d + b",5)\r\n", 21, 40001),
                (b"229 Entering Extended Passive Mode (|||" + d + b"|)\r\n", 21, 40002),
                (b"229 Entering Extended Passive Mode (|||70000|)\r\n", 21, 40003),
                (b"EPRT |" + d + b"|1.2.3.4|5|\r\n", 40004, 21),
                (b"EPRT |1|1.2.3.4|" + d + b"|\r\n", 40005, 21),
                (b"PORT 10,0,0,1,4,1\r\n", 40006, 21)]
    recs = [(1_700_000_000, i, f, len(f)) for i, (p, s, t) in enumerate(payloads)
            if (f := _ipv4_tcp(p, s, t))]
    cap = tmp_path / "ftp.pcap"
    cap.write_bytes(Capture(1, recs).to_bytes())
    for args in ([], ["-V"]):
        ours = _clean(["-r", str(cap), *args])
        assert ours == run_tshark(["-r", str(cap), *args])
    assert "Active port: 1025" in ours  # (the good packet after them)


def test_pop_retr_length_of_thousands_of_digits(tmp_path: Path) -> None:
    """Found by a hand probe: a "+OK N octets" answer to RETR with N of 5000 digits
    went through int() (ValueError: "internal error"); as tshark, the packet prints."""
    import struct

    def seg(payload: bytes, sport: int, dport: int, server: bool) -> bytes:
        f = bytearray(_ipv4_tcp(payload, sport, dport))
        if server:
            f[26:30], f[30:34] = f[30:34], f[26:30]
        return bytes(f)

    frames = [seg(b"RETR 1\r\n", 40000, 110, False),
              seg(b"+OK " + b"9" * 5000 + b" octets\r\n", 110, 40000, True),
              seg(b"QUIT\r\n", 40000, 110, False)]
    quit_seg = bytearray(frames[2])
    struct.pack_into(">I", quit_seg, 38, 9)  # (after RETR's 8 bytes)
    frames[2] = bytes(quit_seg)
    cap = tmp_path / "pop.pcap"
    cap.write_bytes(Capture(1, [(1_700_000_000, i, bytes(f), len(f))
                                for i, f in enumerate(frames)]).to_bytes())
    for args in ([], ["-V"]):
        assert _clean(["-r", str(cap), *args]) == run_tshark(["-r", str(cap), *args])
