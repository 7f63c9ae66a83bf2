"""Live capture devices: `-D` numbered as `tshark -D`, `-i any` as tshark's Linux cooked
capture, and listed devices we cannot capture on. Shares test_live's helpers."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from test_live import ANALYZE, ROOT, Live, _captured, _free_udp, needs_root


def _extcap_interfaces() -> set[str]:
    """The interfaces tshark's extcap tools add to `tshark -D` (each tool says which
    with `--extcap-interfaces`: `interface {value=randpkt}{display=...}`)."""
    folders = subprocess.run(["tshark", "-G", "folders"], capture_output=True, text=True,
                             timeout=60).stdout
    names: set[str] = set()
    for line in folders.splitlines():
        key, _, value = line.partition(":")
        if "extcap" not in key.lower():
            continue
        for folder in value.strip().split(":"):
            if not os.path.isdir(folder):
                continue
            for tool in sorted(os.listdir(folder)):
                try:
                    said = subprocess.run([os.path.join(folder, tool), "--extcap-interfaces"],
                                          capture_output=True, text=True, timeout=15).stdout
                except (OSError, subprocess.TimeoutExpired):
                    continue
                names |= set(re.findall(r"^interface \{value=([^}]*)\}", said, re.M))
    return names


@pytest.mark.tshark
def test_list_interfaces_numbered_like_tshark() -> None:
    """`-D` is `tshark -D` without its extcap tools, so `-i N` means the same device."""
    ours = subprocess.run([*ANALYZE, "-D"], cwd=ROOT, capture_output=True, text=True,
                          timeout=30)
    theirs = subprocess.run(["tshark", "-D"], capture_output=True, text=True, timeout=60)
    assert ours.returncode == theirs.returncode == 0, theirs.stderr
    extcap = _extcap_interfaces()
    wanted = [ln for ln in theirs.stdout.splitlines() if ln.split(" ")[1] not in extcap]
    assert ours.stdout.splitlines() == wanted
    assert any(ln.endswith(". any") for ln in wanted)


@needs_root
@pytest.mark.tshark
def test_any_interface_is_linux_cooked_like_tshark(tmp_path: Path) -> None:
    """`-i any` (and `-i N`, its number in -D) writes LINKTYPE_LINUX_SLL frames, the
    same bytes tshark -i any writes for the same packets, which tshark reads back."""
    rx = _free_udp()
    port = rx.getsockname()[1]
    ours_file, theirs_file = tmp_path / "ours.pcap", tmp_path / "theirs.pcapng"
    number = next(ln.split(".")[0] for ln in subprocess.run(
        [*ANALYZE, "-D"], cwd=ROOT, capture_output=True, text=True, timeout=30
    ).stdout.splitlines() if ln.endswith(". any"))
    bpf = f"udp port {port}"
    ours = Live("-f", bpf, "-w", str(ours_file), "-F", "pcap", "-P", "-a", "duration:30",
                iface=number, shown="any")
    theirs = Live("-f", bpf, "-w", str(theirs_file), "-a", "duration:30", iface="any",
                  cmd=["tshark", "-n"], ready="Capture started")
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            for i in range(200):
                tx.sendto(b"any%03d" % i, ("127.0.0.1", port))
        time.sleep(1)
        for live in (ours, theirs):
            live.proc.send_signal(signal.SIGINT)
        our_list, our_err, our_code = ours.finish()
        _t, their_err, _code = theirs.finish()
    finally:
        rx.close()
    assert our_code == 0, our_err
    assert _captured(our_err) == _captured(their_err) == 200, (our_err, their_err)
    from captures import open_capture
    from captures.linktypes import LINKTYPE_LINUX_SLL

    with open_capture(ours_file) as a, open_capture(theirs_file) as b:
        assert a.linktype == b.linktype == LINKTYPE_LINUX_SLL
        ours_data = [bytes(f.data) for f in a]
        assert ours_data == [bytes(f.data) for f in b]
    fields = ["sll.pkttype", "sll.hatype", "sll.etype", "ip.src", "udp.dstport", "data.data"]
    ts = subprocess.run(["tshark", "-n", "-r", str(ours_file), "-T", "fields",
                         *[x for f in fields for x in ("-e", f)]],
                        capture_output=True, text=True, timeout=60)
    assert ts.returncode == 0, ts.stderr
    assert ts.stdout.splitlines() == [f"0\t772\t0x0800\t127.0.0.1\t{port}\t"
                                      f"{(b'any%03d' % i).hex()}" for i in range(200)]
    # -P: the packet list printed live is tshark's reading of the file
    listed = subprocess.run(["tshark", "-n", "-r", str(ours_file)], capture_output=True,
                            text=True, timeout=60)
    assert our_list == listed.stdout and len(our_list.splitlines()) == 200


def test_listed_device_we_cannot_capture_on() -> None:
    """-D lists what tshark lists (nflog, dbus-system, ...); capturing on one of those
    that is not a network interface is one clear line, exit 2."""
    listed = subprocess.run([*ANALYZE, "-D"], cwd=ROOT, capture_output=True, text=True,
                            timeout=30).stdout.splitlines()
    others = [ln.split(". ", 1) for ln in listed]
    others = [(n, name.split(" ")[0]) for n, name in others
              if name.split(" ")[0] != "any"
              and not os.path.exists(f"/sys/class/net/{name.split(' ')[0]}")]
    if not others:
        pytest.skip("every listed device is a network interface here")
    number, name = others[0]
    r = subprocess.run([*ANALYZE, "-i", number, "-a", "duration:1"], cwd=ROOT,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert r.stderr == (f'analyze: Capturing on "{name}" is not supported: it is not a '
                        f'network interface (only Ethernet, loopback, raw IP and "any").\n')
