"""A small mutational fuzzer for `analyze`: seed captures are cut into records, their
bytes, lengths and order mutated with a fixed seed, and each case run in-process with
the text and JSON outputs, a few statistics and filters. A case is a finding when:

- analyze raises (LABSHARK_DEBUG=1: the traceback) or prints "internal error";
- a record-level case (the file's structure intact) exits non-zero;
- a file-level case (pcap/pcapng headers damaged) gives more than one stderr line;
- it runs longer than its bound (SIGALRM), or grows memory past RLIMIT_AS;
- a control character or ESC (C0 but newline, DEL, C1) reaches text output, or the
  JSON output does not parse.

`python tests/fuzzcase.py --seconds 120 --seed 1 [--save DIR]` runs it (nice it);
tests/test_fuzz.py runs a bounded, seeded few hundred cases in the suite.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import signal
import struct
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
ROOT = Path(__file__).resolve().parent.parent

#: argument sets a case is run with (one chosen per case, round robin)
ARGSETS: list[list[str]] = [
    [], ["-V"], ["-T", "json"], ["-T", "ek"], ["-x"], ["-2", "-V"],
    ["-q", "-z", "io,phs", "-z", "expert", "-z", "conv,tcp", "-z", "follow,tcp,ascii,0"],
    ["-Y", "tcp.len > 0 || udp || frame.len > 1000"],
    ["-V", "-Y", "tls || quic || x11 || http || dns || dhcp || smb2 || wg"],
    ["-q", "-z", "follow,udp,ascii,0", "-z", "http,tree", "-z", "dns,tree"],
    ["-T", "fields", "-e", "_ws.col.Info", "-e", "frame.protocols"],
    ["-q", "-z", "credentials", "-z", "hosts", "-z", "http_req,tree", "-z", "http_seq,tree",
     "-z", "dhcp,stat", "-z", "flow,any,network", "-z", "conv,udp", "-z", "endpoints,ip",
     "-z", "io,stat,0,COUNT(frame)frame", "-z", "plen,tree", "-z", "ptype,tree"],
    ["-q", "-z", "follow,tls,ascii,0", "-z", "follow,http,ascii,0", "-z", "follow,tcp,hex,0",
     "-z", "tcp,rtt", "-z", "http_srv,tree", "-z", "dests,tree", "-z", "ip_srcdst,tree"],
]
#: C0 but \n and \t, DEL, C1: what must never reach a terminal from a packet
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")
FOLLOW_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]")
INTERESTING = [0, 1, 2, 0x7F, 0x80, 0xFF, 0xFE, 0x1B, 0x9B, 0x0D, 0x0A, 0x40, 0x3F, 0x20]
LENGTHS = [0, 1, 0x7F, 0x80, 0xFF, 0x100, 0x3FFF, 0x7FFF, 0x8000, 0xFFFF, 0xFFFFFFFF,
           0x7FFFFFFF, 0x80000000, 0x10000]


class CaseTimeout(Exception):
    """Raised by SIGALRM in the case that ran too long."""


@dataclass
class Capture:
    """A pcap cut into its records: (linktype, snaplen, [(ts_s, ts_us, data, origlen)])."""

    linktype: int
    records: list[tuple[int, int, bytes, int]]
    name: str = ""

    def to_bytes(self) -> bytes:
        out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, self.linktype)]
        for s, us, data, orig in self.records:
            out.append(struct.pack("<IIII", s, us, len(data), max(orig, len(data))) + data)
        return b"".join(out)


def read_capture(path: Path, limit: int = 80) -> Capture | None:
    """The first `limit` frames of any capture analyze reads (one link type)."""
    from captures.open import open_capture

    recs: list[tuple[int, int, bytes, int]] = []
    linktype = None
    try:
        with open_capture(path) as reader:
            for fr in reader:
                if linktype is None:
                    linktype = fr.linktype
                if fr.linktype != linktype:
                    continue
                s, ns = divmod(fr.ts_ns, 10**9)
                recs.append((s & 0xFFFFFFFF, ns // 1000, bytes(fr.data), fr.origlen))
                if len(recs) >= limit:
                    break
    except Exception:  # noqa: BLE001 - a seed analyze cannot read is no seed
        return None
    return Capture(linktype or 1, recs, path.name) if recs else None


# ---- mutations ---------------------------------------------------------------------

def _payload_offset(rng: random.Random, data: bytes) -> int:
    """An offset, mostly past the Ethernet/IP/TCP headers where the dissectors under
    test read (54 bytes), sometimes anywhere."""
    if len(data) > 60 and rng.random() < 0.8:
        return rng.randrange(42, len(data))
    return rng.randrange(len(data)) if data else 0


def _fix_lengths(data: bytearray) -> None:
    """Ethernet/IPv4: the IP total length and the UDP length follow a record whose size
    changed, so the inserted or deleted bytes are the payload's and not a trailer."""
    if len(data) < 34 or data[12:14] != b"\x08\x00" or data[14] >> 4 != 4:
        return
    ihl = (data[14] & 15) * 4
    struct.pack_into(">H", data, 16, min(len(data) - 14, 0xFFFF))
    if data[23] == 17 and len(data) >= 14 + ihl + 8:
        struct.pack_into(">H", data, 14 + ihl + 4, min(len(data) - 14 - ihl, 0xFFFF))


def mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    """One byte-level mutation of a record's (or a plaintext's) bytes."""
    b = bytearray(data)
    if not b:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 16)))
    op = rng.randrange(10)
    off = _payload_offset(rng, b)
    if op == 0:  # bit flips
        for _ in range(rng.randrange(1, 5)):
            o = _payload_offset(rng, b)
            b[o] ^= 1 << rng.randrange(8)
    elif op == 1:
        b[off] = rng.choice(INTERESTING)
    elif op == 2:  # an interesting length, 1, 2 or 4 bytes, either order
        w = rng.choice((1, 2, 2, 4))
        v = rng.choice(LENGTHS) & ((1 << (8 * w)) - 1)
        if rng.random() < 0.3:
            v = (v + rng.choice((-1, 1, 2, -2))) & ((1 << (8 * w)) - 1)
        raw = v.to_bytes(w, rng.choice(("big", "little")))
        b[off:off + w] = raw
    elif op == 3:  # truncate
        del b[off:]
    elif op == 4:  # delete a range
        del b[off:off + rng.randrange(1, 32)]
    elif op == 5:  # insert random / control bytes
        ins = bytes(rng.choice(INTERESTING + [rng.randrange(256)]) for _ in
                    range(rng.randrange(1, 24)))
        b[off:off] = ins
    elif op == 6:  # duplicate a chunk
        n = rng.randrange(1, 64)
        b[off:off] = b[off:off + n]
    elif op == 7:  # random bytes over a range
        n = rng.randrange(1, 16)
        b[off:off + n] = bytes(rng.randrange(256) for _ in range(n))
    elif op == 9:  # a long run of digits where text has a number (int()'s 4300 limit)
        at = next((i for i in range(off, len(b)) if 0x30 <= b[i] <= 0x39), off)
        b[at:at] = b"9" * rng.choice((12, 25, 4400))
    else:  # escape sequences into text
        b[off:off] = rng.choice((b"\x1b[2J", b"\x1b]0;x\x07", b"\r\x1b[1A", b"\x9b31m",
                                 b"\xc2\x9b", b"\xe2\x80\xae", b"\x00"))
    return bytes(b)


def mutate_records(rng: random.Random, cap: Capture) -> Capture:
    """1-3 mutations of the records: their bytes (lengths kept consistent most of the
    time), cut, duplicated, dropped or swapped records."""
    recs = list(cap.records)
    for _ in range(rng.randrange(1, 4)):
        i = rng.randrange(len(recs))
        s, us, data, orig = recs[i]
        op = rng.random()
        if op < 0.75:
            new = bytearray(mutate_bytes(rng, data))
            if len(new) != len(data) and rng.random() < 0.8:
                _fix_lengths(new)
            recs[i] = (s, us, bytes(new), len(new) if rng.random() < 0.9 else orig)
        elif op < 0.83:
            recs.insert(i, recs[i])
        elif op < 0.9 and len(recs) > 1:
            del recs[i]
        elif len(recs) > 1:
            j = rng.randrange(len(recs))
            recs[i], recs[j] = recs[j], recs[i]
        else:
            recs[i] = (s, us, data, orig + rng.choice((1, 1000, 70000)))
    return Capture(cap.linktype, recs, cap.name)


def _set_client_port(data: bytearray, port: int) -> None:
    """Ethernet/IPv4 TCP or UDP: the higher (client) port becomes `port`, so that each
    mutant of a batch is a conversation of its own (no reassembly across mutants)."""
    if len(data) < 38 or data[12:14] != b"\x08\x00" or data[23] not in (6, 17):
        return
    at = 14 + (data[14] & 15) * 4
    if len(data) < at + 4:
        return
    sport, dport = struct.unpack_from(">HH", data, at)
    struct.pack_into(">H", data, at if sport >= dport else at + 2, port)


BATCH = 40  # mutants in a batch case
#: what the last fuzz() ran: cases (analyze runs) and mutants (mutated records)
LAST_RUN = {"cases": 0, "mutants": 0}


def batch_case(rng: random.Random, cap: Capture, k: int = BATCH) -> Capture:
    """`k` mutants of one record (more than 80 bytes) of `cap`, each on its own client
    port, after the records before it: many cases for one run's overhead."""
    idx = [i for i, r in enumerate(cap.records) if len(r[2]) > 80] or [0]
    i = rng.choice(idx)
    s, us, base, _ = cap.records[i]
    recs = list(cap.records[:i]) if rng.random() < 0.5 else []
    for n in range(k):
        d = base
        for _ in range(rng.randrange(1, 4)):
            d = mutate_bytes(rng, d)
        b = bytearray(d)
        if len(b) != len(base):
            _fix_lengths(b)
        _set_client_port(b, 20000 + n)
        recs.append((s, (us + n) % 1000000, bytes(b), len(b)))
    return Capture(cap.linktype, recs, f"{cap.name}#{i}x{k}")


def _pcapng_blocks(buf: bytes) -> Iterator[tuple[int, int, int]]:
    """(offset, type, length) of each block of a little- or big-endian pcapng."""
    off = 0
    e = "<" if buf[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    while off + 12 <= len(buf):
        btype, blen = struct.unpack_from(e + "II", buf, off)
        yield off, btype, blen
        if blen < 12 or blen % 4:
            return
        off += blen


def mutate_file(rng: random.Random, raw: bytes) -> tuple[bytes, int]:
    """A file-level mutation: the pcap record headers, pcapng block lengths, options and
    interface ids, or the file cut anywhere; and how many packet records lie whole
    before the damage (every one of them must still be printed)."""
    b = bytearray(raw)
    op = rng.randrange(5)
    if op == 0 or len(b) < 40:
        cut = rng.randrange(len(b))
        return bytes(b[:cut]), _records_before(raw, cut)
    if b[:4] == b"\x0a\x0d\x0d\x0a":
        blocks = list(_pcapng_blocks(raw))
        off, btype, blen = rng.choice(blocks)
        e = "<" if raw[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
        if op == 1:  # the block length: the front one, and sometimes the back too
            v = rng.choice(LENGTHS + [blen + 4, blen - 4, blen + 1, 12, 16, 28])
            v &= 0xFFFFFFFF
            struct.pack_into(e + "I", b, off + 4, v)
            if rng.random() < 0.5 and off + blen - 4 >= 0 and off + blen <= len(b):
                struct.pack_into(e + "I", b, off + blen - 4, v)
        elif op == 2 and btype == 6 and blen >= 32:  # EPB: interface id, caplen, origlen
            field_off = rng.choice((8, 20, 24))
            struct.pack_into(e + "I", b, off + field_off,
                             rng.choice(LENGTHS + [1, 2, 3, 255]) & 0xFFFFFFFF)
        elif op == 3 and blen > 16:  # an option's code or length, somewhere in the block
            o = off + rng.randrange(8, blen - 4) // 2 * 2
            struct.pack_into(e + "H", b, o, rng.choice(LENGTHS) & 0xFFFF)
        else:
            o = off + rng.randrange(max(1, min(blen, len(b) - off)))
            if o < len(b):
                b[o] = rng.randrange(256)
        return bytes(b), _records_before(raw, off)
    # classic pcap: a record header's caplen/origlen/ts, or the file header
    offs, off = [], 24
    swap = "<" if b[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    while off + 16 <= len(b) and len(offs) < 1000:
        offs.append(off)
        off += 16 + struct.unpack_from(swap + "I", b, off + 8)[0]
    if op == 4 or not offs:
        o = rng.choice((4, 6, 16, 20))
        struct.pack_into(swap + "H", b, o, rng.choice(LENGTHS) & 0xFFFF)
    else:
        o = rng.choice(offs) + rng.choice((0, 4, 8, 12))
        struct.pack_into(swap + "I", b, o, rng.choice(LENGTHS + [1, 70000]) & 0xFFFFFFFF)
        return bytes(b), _records_before(raw, o)
    return bytes(b), 0


def _records_before(raw: bytes, at: int) -> int:
    """The packet records (pcap records; pcapng EPB/SPB/PB blocks) that end before
    byte `at` of the file."""
    n = 0
    if raw[:4] == b"\x0a\x0d\x0d\x0a":
        for off, btype, blen in _pcapng_blocks(raw):
            if off + blen > at:
                break
            n += btype in (2, 3, 6)
        return n
    swap = "<" if raw[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    off = 24
    while off + 16 <= len(raw):
        end = off + 16 + struct.unpack_from(swap + "I", raw, off + 8)[0]
        if end > at or end > len(raw):
            break
        n, off = n + 1, end
    return n


# ---- seeds -------------------------------------------------------------------------

CORPUS = ROOT / "tests" / "data" / "corpus"
#: corpus captures, small ones for the dissectors the fuzzer aims at
CORPUS_SEEDS = [
    "tcpdump-wccp_redirect_gre.pcap",
    "scapy-http_compressed-brotli.pcap", "scapy-http_compressed.pcap",
    "wireshark-http-brotli.pcapng", "wireshark-wireguard-ping-tcp-dsb.pcapng",
    "wireshark-dhcp.pcap", "tcpdump-dhcp-rfc4388.pcap", "tcpdump-dhcpv4v6-rfc5970-rfc8572.pcap",
    "tcpdump-dhcp-mud.pcap", "tcpdump-dns_udp_2.pcap", "tcpdump-dns_tcp.pcap",
    "ndpi-smbv1.pcap", "ndpi-smb_deletefile.pcap", "wireshark-smb311-lz77-lz77huff-lznt1.pcap.gz",
    "ndpi-google_meet.pcapng", "wireshark-retrans-tls.pcap", "ndpi-smtps.pcapng",
    "dpkt-http.pcap", "ndpi-netbios.pcap", "tcpdump-ssh.pcap", "ndpi-snmp.pcap",
    "ndpi-dns_long_domainname.pcap", "wireshark-dns-ooo.pcap", "ndpi-webdav.pcap",
    "ndpi-ftp_failed.pcap", "ndpi-smtp.pcap", "ndpi-telnet.pcap", "tcpdump-tftp.pcap",
    # session 16's additions: stacked tags, tunnels, IPv6 extension headers, ND, PPPoE
    "tcpdump-802.1ad_QinQ.pcap", "tcpdump-vxlan_port_8472.pcap", "zeek-erspanIII.pcap",
    "tcpdump-ipv6-routing-header.pcap", "tcpdump-icmpv6.pcap", "zeek-communityid_icmp6.pcap",
    "zeek-pppoe.pcap", "tcpdump-edns-opts.pcap", "zeek-dhcp_dhcp.pcap", "zeek-tcp_options.pcap",
]
#: tests/data/wireshark captures used as seeds too
WIRESHARK_SEEDS = ["sip.pcapng", "ntp.pcap", "http.pcap", "nfs.pcap", "ipx_rip.pcap", "arp.pcap"]
SAMPLES = ROOT / "captures" / "samples"


def generated_seeds(d: Path) -> list[Path]:
    """Captures the tests' generators write: QUIC, X11, X.509 in TLS, images, netlink."""
    d.mkdir(parents=True, exist_ok=True)
    out: list[Path] = []

    def make(name: str, fn: Callable[[Path], Path]) -> None:
        p = d / name
        if not p.exists():
            try:
                fn(p)
            except Exception as e:  # noqa: BLE001 - a generator that fails is reported
                print(f"seed {name}: {e}", file=sys.stderr)
                return
        out.append(p)

    import image_gen
    import quic_gen
    import x11_gen

    make("quic_v1.pcap", quic_gen.handshake_capture)
    make("quic_edge.pcap", quic_gen.edge_capture)
    make("x11.pcap", x11_gen.capture)
    make("images.pcap", lambda p: image_gen.http_capture(p, image_gen.all_images()))
    make("exif.pcap", lambda p: image_gen.http_capture(p, image_gen.exif_images()))

    def chain(p: Path) -> Path:
        import x509_gen

        return x509_gen.write_chain_capture(p, d)

    make("x509_chain.pcap", chain)
    for name in ("rsa_all", "ec_odd_strings", "rsa_multi_valued_rdn"):
        def one(p: Path, name: str = name) -> Path:
            import x509_gen

            return x509_gen.write_cert_capture(p, d, name)

        make(f"x509_{name}.pcap", one)

    def netlink(p: Path) -> Path:
        import test_netlink

        return test_netlink.write_pcap(p, 113, test_netlink.messages(0x10))

    make("netlink.pcap", netlink)
    return out


def quic_cases(rng: random.Random) -> Capture:
    """An Initial whose plaintext frames (ClientHello, ACK, CONNECTION_CLOSE, ...) are
    mutated and then protected: byte mutations of the ciphertext only fail the tag."""
    import quic_gen

    ch = quic_gen.client_hello()
    seeds = [quic_gen.crypto(0, ch), quic_gen.ack(5, 10, 1, [(0, 1)], (1, 0, 2)),
             quic_gen.connection_close(0x10A, 6, b"bad hello"),
             b"\x01" + quic_gen.crypto(200, ch[200:]) + quic_gen.crypto(0, ch[:200]),
             quic_gen.crypto(0, quic_gen.server_hello())]
    dgs = []
    for n in range(rng.randrange(1, 4)):
        frames = rng.choice(seeds)
        for _ in range(rng.randrange(1, 4)):
            frames = mutate_bytes(rng, frames)
        server = rng.random() < 0.2
        dgs.append((not server, quic_gen.initial_packet(
            1, quic_gen.DCID, b"", frames or b"\x01", n, quic_gen.DCID, server=server,
            pad_to=1200 if rng.random() < 0.5 else 0)))
    import tempfile

    with tempfile.TemporaryDirectory() as t:
        p = quic_gen.write(Path(t) / "q.pcap", dgs)
        cap = read_capture(p)
    assert cap is not None
    cap.name = "quic-plaintext"
    return cap


# ---- running a case ----------------------------------------------------------------

@dataclass
class Finding:
    kind: str
    seed: str
    args: list[str]
    detail: str
    data: bytes = field(repr=False, default=b"")

    def key(self) -> str:
        return f"{self.kind}:{self.detail.splitlines()[-1][:160] if self.detail else ''}"


def _alarm(signum: int, frame: object) -> None:
    raise CaseTimeout


def _where(tb: str) -> str:
    """The innermost project frame of a traceback and its exception line."""
    frames = [ln.strip() for ln in tb.splitlines() if ln.strip().startswith("File ")
              and "/tests/fuzzcase.py" not in ln]
    last = frames[-1] if frames else ""
    return f"{last} :: {tb.strip().splitlines()[-1]}"


def run_case(path: Path, args: list[str], *, file_level: bool, timeout: float,
             packets: int) -> tuple[str, str] | None:
    """(kind, detail) of what went wrong running `analyze -r path args`, else None."""
    from analyzer.app import run

    out, err = io.StringIO(), io.StringIO()
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    t0 = time.monotonic()
    try:
        rc = run(["-r", str(path), *args], out, err)
    except CaseTimeout:
        return "timeout", f"over {timeout:.1f}s ({packets} packets)"
    except MemoryError:
        return "memory", "MemoryError"
    except RecursionError:
        return "exception", _where(traceback.format_exc())
    except Exception:  # noqa: BLE001 - the finding
        return "exception", _where(traceback.format_exc())
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    took = time.monotonic() - t0
    text, msg = out.getvalue(), err.getvalue()
    if "internal error" in msg or "Traceback" in msg:
        return "internal", msg.strip()[:300]
    if not file_level and rc != 0:
        return "exit", f"rc={rc}: {msg.strip()[:200]}"
    if file_level and len(msg.strip().splitlines()) > 1:
        return "stderr", msg.strip()[:300]
    if took > timeout * 0.8:
        return "slow", f"{took:.1f}s for {packets} packets"
    if args[:2] == ["-T", "json"]:
        try:
            if text.strip():
                json.loads(text)
        except ValueError as e:
            return "json", str(e)
    elif args[:2] == ["-T", "ek"]:
        for line in text.splitlines():
            try:
                json.loads(line)
            except ValueError as e:
                return "json", f"ek: {e}"
    else:
        # (follow's ascii mode keeps \r as tshark's does, byte for byte)
        m = (FOLLOW_CONTROL if any("follow," in a for a in args) else CONTROL).search(text)
        if m:
            at = m.start()
            return "control", f"{m.group()!r} in {text[max(0, at - 60):at + 20]!r}"
    return None


def _check_good(path: Path, good: int) -> tuple[str, str] | None:
    """Every packet record before a broken one is still printed."""
    from analyzer.app import run

    out, err = io.StringIO(), io.StringIO()
    run(["-r", str(path), "-T", "fields", "-e", "frame.number"], out, err)
    got = len(out.getvalue().split())
    if got < good:
        return "lost", f"{got} packets printed of the {good} before the damage: {err.getvalue()}"
    return None


# ---- the driver --------------------------------------------------------------------

def seed_captures(gen_dir: Path, names: list[str] | None = None) -> list[Capture]:
    paths = [CORPUS / n for n in CORPUS_SEEDS] + sorted(SAMPLES.glob("*.pcap*"))
    paths += [CORPUS.parent / "wireshark" / n for n in WIRESHARK_SEEDS]
    paths += generated_seeds(gen_dir)
    caps = [c for p in paths if p.exists() and (c := read_capture(p)) is not None]
    if names:
        caps = [c for c in caps if any(n in c.name for n in names)]
    return caps


def fuzz(caps: list[Capture], *, seed: int, cases: int | None, seconds: float,
         workdir: Path, timeout: float = 20.0, files: list[Path] | None = None,
         quic: bool = True, file_share: float = 0.15, batch_share: float = 0.3,
         log: Callable[[str], None] | None = None) -> list[Finding]:
    """Run mutated cases until `cases` or `seconds`; the distinct findings. The shares
    of file-level cases and of batches of mutants (the rest: QUIC plaintext, 0.1, and
    record-level cases); LAST_RUN counts cases and mutants."""
    os.environ["LABSHARK_DEBUG"] = "1"
    os.environ.setdefault("TZ", "UTC")
    rng = random.Random(seed)
    LAST_RUN.update(cases=0, mutants=0)
    found: dict[str, Finding] = {}
    raw_files = [p.read_bytes() for p in (files or [])]
    workdir.mkdir(parents=True, exist_ok=True)
    case_path = workdir / "case.pcap"
    if caps:  # imports and tables first: the first case's bound is no import's time
        case_path.write_bytes(caps[0].to_bytes())
        run_case(case_path, ["-V"], file_level=False, timeout=300, packets=0)
    end = time.monotonic() + seconds
    n = 0
    while (cases is None or n < cases) and time.monotonic() < end:
        n += 1
        args = ARGSETS[n % len(ARGSETS)]
        file_level, good = False, 0
        kind = rng.random()
        if log and n % 500 == 0:
            log(f"... {n} cases, {len(found)} findings")
        quic_share = 0.1 if quic else 0.0
        if raw_files and kind < file_share:
            raw = rng.choice(raw_files)
            data, good = mutate_file(rng, raw)
            name, packets, file_level = "file", 80, True
        elif kind < file_share + quic_share or not caps:
            cap = quic_cases(rng)
            data, name, packets = cap.to_bytes(), cap.name, len(cap.records)
        elif kind < file_share + quic_share + batch_share:
            cap = batch_case(rng, rng.choice(caps))
            data, name, packets = cap.to_bytes(), cap.name, len(cap.records)
            LAST_RUN["mutants"] += BATCH - 1
        else:
            cap = mutate_records(rng, rng.choice(caps))
            data, name, packets = cap.to_bytes(), cap.name, len(cap.records)
        LAST_RUN["cases"], LAST_RUN["mutants"] = n, LAST_RUN["mutants"] + 1
        case_path.write_bytes(data)
        bound = min(timeout, 4.0 + 0.15 * packets)
        res = run_case(case_path, args, file_level=file_level, timeout=bound, packets=packets)
        if res is None and file_level and good:  # the records before the damage
            res = _check_good(case_path, good)
        if res is not None and res[0] in ("timeout", "slow"):  # the machine busy, or us?
            res = run_case(case_path, args, file_level=file_level, timeout=timeout * 3,
                           packets=packets)
        if res is None:
            continue
        f = Finding(res[0], name, args, res[1], data)
        if f.key() not in found:
            found[f.key()] = f
            if log:
                log(f"[{n}] {f.kind} {name} {' '.join(args)}: {f.detail[:400]}")
            (workdir / f"find{len(found):03d}.pcap").write_bytes(data)
            (workdir / f"find{len(found):03d}.txt").write_text(
                f"{f.kind} {name} {args}\n{f.detail}\n")
    if log:
        log(f"{n} cases, {len(found)} distinct findings")
    return list(found.values())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--cases", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", nargs="*", help="seed names containing these")
    ap.add_argument("--save", type=Path, default=Path("/tmp/labshark-fuzz"))
    ap.add_argument("--no-quic", action="store_true")
    ap.add_argument("--mem-mb", type=int, default=1500)
    ap.add_argument("--file-share", type=float, default=0.15,
                    help="the share of file-level (pcap/pcapng header) cases")
    a = ap.parse_args()
    import resource

    lim = a.mem_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
    sys.setrecursionlimit(5000)
    caps = seed_captures(a.save / "seeds", a.only)
    files = [p for p in [*SAMPLES.glob("*.pcap*"), CORPUS / "ndpi-bfcp.pcapng",
                         CORPUS / "tcpdump-nfs-write-verf-cookie.pcapng",
                         CORPUS / "zeek-pcapng-multi-interface.pcapng",
                         CORPUS / "tcpdump-dhcp-option-108.pcapng"] if p.exists()]
    print(f"{len(caps)} seed captures", flush=True)
    t0 = time.monotonic()
    fuzz(caps, seed=a.seed, cases=a.cases, seconds=a.seconds, workdir=a.save, files=files,
         quic=not a.no_quic, file_share=a.file_share, log=lambda s: print(s, flush=True))
    print(f"{time.monotonic() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
