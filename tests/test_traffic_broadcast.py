"""Broadcast on loopback (127.255.255.255) and, as root, between two test namespaces."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from traffic import broadcast, udp

LO_BCAST = "127.255.255.255"


def test_loopback_directed_broadcast_reaches_wildcard_listener() -> None:
    """Linux lo has broadcast 127.255.255.255: a 0.0.0.0 listener gets it, a 127.0.0.1 one not."""
    wild = broadcast.listener_socket(0, "0.0.0.0")
    port = wild.getsockname()[1]
    try:
        s = broadcast.broadcast_send("hello all", target=LO_BCAST, port=port, count=3)
        got = udp.udp_recv(sock=wild, count=3, timeout=2)
    finally:
        wild.close()
    assert s.sent == 3
    assert [m.data for m in got.messages] == [b"hello all"] * 3
    assert all(m.addr[0].startswith("127.") for m in got.messages)


def test_broadcast_needs_so_broadcast() -> None:
    """Without SO_BROADCAST the kernel refuses a broadcast destination (EACCES)."""
    plain = udp.udp_socket("0.0.0.0", 0)
    try:
        with pytest.raises(PermissionError):
            plain.sendto(b"x", (LO_BCAST, 9))
    finally:
        plain.close()


def test_cli_loopback_broadcast() -> None:
    wild = broadcast.listener_socket(0, "0.0.0.0")
    port = wild.getsockname()[1]
    try:
        r = subprocess.run([sys.executable, "-m", "traffic", "broadcast", "send", "ping", "--port",
                            str(port), "--count", "2"], capture_output=True, text=True, timeout=30)
        got = udp.udp_recv(sock=wild, count=2, timeout=2)
    finally:
        wild.close()
    assert r.returncode == 0, r.stderr
    assert f"2 datagrams to {LO_BCAST}:{port}" in r.stdout
    assert got.received == 2


def _ip(*args: str, ns: str | None = None) -> None:
    cmd = ["ip", *(["-n", ns] if ns else []), *args]
    subprocess.run(cmd, check=True, capture_output=True, timeout=10)


@pytest.fixture
def netns_pair():
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    if shutil.which("ip") is None:
        pytest.skip("iproute2 'ip' command not available")
    a, b = f"ls-test-{os.getpid()}-a", f"ls-test-{os.getpid()}-b"
    try:
        _ip("netns", "add", a)
    except subprocess.CalledProcessError as e:
        pytest.skip(f"ip netns unavailable: {e.stderr.decode().strip()}")
    try:
        _ip("netns", "add", b)
        _ip("link", "add", "lsveth-a", "type", "veth", "peer", "name", "lsveth-b", ns=a)
        _ip("link", "set", "lsveth-b", "netns", b, ns=a)
        _ip("addr", "add", "10.99.0.1/24", "brd", "10.99.0.255", "dev", "lsveth-a", ns=a)
        _ip("addr", "add", "10.99.0.2/24", "brd", "10.99.0.255", "dev", "lsveth-b", ns=b)
        for ns, dev in ((a, "lsveth-a"), (b, "lsveth-b")):
            _ip("link", "set", "lo", "up", ns=ns)
            _ip("link", "set", dev, "up", ns=ns)
        # limited broadcast has no route by default; keep it on the test link only
        _ip("route", "add", "255.255.255.255/32", "dev", "lsveth-a", ns=a)
        yield a, b
    finally:
        for ns in (a, b):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10)


@pytest.mark.netns
def test_directed_and_limited_broadcast_between_namespaces(netns_pair) -> None:
    a, b = netns_pair
    exe = [sys.executable, "-m", "traffic", "broadcast"]
    listener = subprocess.Popen(["ip", "netns", "exec", b, *exe, "listen", "--port", "6868",
                                 "--count", "2", "--timeout", "10"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.8)  # let the listener bind
        for target, msg in (("10.99.0.255", "directed"), ("255.255.255.255", "limited")):
            r = subprocess.run(["ip", "netns", "exec", a, *exe, "send", msg, "--target", target,
                                "--port", "6868", "--bind", "10.99.0.1"],
                               capture_output=True, text=True, timeout=30)
            assert r.returncode == 0, r.stderr
        out, err = listener.communicate(timeout=20)
    finally:
        if listener.poll() is None:
            listener.kill()
            listener.wait(5)
    assert listener.returncode == 0, err
    lines = out.strip().splitlines()
    assert any("10.99.0.1:" in ln and ln.endswith("directed") for ln in lines), out
    assert any("10.99.0.1:" in ln and ln.endswith("limited") for ln in lines), out
    assert lines[-1] == "broadcast listen: 2 datagrams on 0.0.0.0:6868"
