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
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from fuzz_mutate import (  # noqa: E402
    BATCH,
    Capture,
    batch_case,
    mutate_bytes,
    mutate_file,
    mutate_records,
    read_capture,
)

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
class CaseTimeout(Exception):
    """Raised by SIGALRM in the case that ran too long."""


#: what the last fuzz() ran: cases (analyze runs) and mutants (mutated records)
LAST_RUN = {"cases": 0, "mutants": 0}


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
