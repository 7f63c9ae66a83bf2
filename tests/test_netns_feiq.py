"""FeiQ with three peers in network namespaces joined by a bridge the test creates.

Namespaces: one holding only the bridge, three holding a peer each (10.98.0.1-3/24 on a
veth whose other end is a bridge port). Nothing touches the host's interfaces; the
subnet broadcast 10.98.0.255 exists only on that bridge. Peer A broadcasts BR_ENTRY,
B and C answer ANSENTRY, A sends each a message with SENDCHECKOPT and gets its RECVMSG,
then A leaves with BR_EXIT. `analyze -i` captures inside A's namespace; the file is
decoded afterwards and every packet asserted.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PID = os.getpid()
SUBNET, BCAST = "10.98.0", "10.98.0.255"
MSG_B = "你好 B，来自飞秋的消息"
MSG_C = "C 你好！测试"

# One peer, run with `ip netns exec NS python -c PEER ROLE NAME`. Every wait is bounded.
PEER = r"""
import json, sys, time
from traffic import feiq
role, name = sys.argv[1], sys.argv[2]
p = feiq.FeiqPeer(user=name, host="host-" + name, nickname=name.upper(), group="ns-lab",
                  bind="0.0.0.0", broadcast="10.98.0.255", serve_files=False).start()
out = {}
try:
    print("ready", flush=True)
    if role == "leader":
        p.entry()
        out["peers_ok"] = p.wait_for(lambda: len(p.peers) >= 2, 5)
        out["sent"] = []
        for host, text in ((sys.argv[3], sys.argv[4]), (sys.argv[5], sys.argv[6])):
            pno, acked = p.send_message((host, feiq.IPMSG_PORT), text, timeout=1.0, retries=3)
            out["sent"].append([host, pno, acked])
        p.exit()
        time.sleep(0.3)
    else:
        p.wait_for(lambda: p.counts.get("BR_EXIT", 0) > 0, 15)
    out["peers"] = sorted([a[0], q.user] for a, q in p.peers.items())
    out["messages"] = [[m.addr[0], m.user, m.text] for m in p.messages]
    out["counts"] = p.counts
finally:
    p.close()
print(json.dumps(out), flush=True)
"""


def _ip(*args: str, ns: str | None = None) -> None:
    cmd = ["ip", *(["-n", ns] if ns else []), *args]
    subprocess.run(cmd, check=True, capture_output=True, timeout=10)


@pytest.fixture
def bridged():
    """Namespaces {a,b,c} -> (ns name, address, veth name), joined by a bridge in its own ns."""
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    if shutil.which("ip") is None:
        pytest.skip("iproute2 'ip' command not available")
    hub = f"lsfq-{PID}-hub"
    peers = {r: (f"lsfq-{PID}-{r}", f"{SUBNET}.{i}", f"fq{PID % 100000}{r}")
             for i, r in enumerate("abc", 1)}
    made: list[str] = []
    try:
        try:
            _ip("netns", "add", hub)
        except subprocess.CalledProcessError as e:
            pytest.skip(f"ip netns unavailable: {e.stderr.decode().strip()}")
        made.append(hub)
        _ip("link", "add", "br0", "type", "bridge", ns=hub)
        _ip("link", "set", "br0", "up", ns=hub)
        for r, (ns, addr, dev) in peers.items():
            _ip("netns", "add", ns)
            made.append(ns)
            port = f"fq{PID % 100000}p{r}"
            _ip("link", "add", port, "type", "veth", "peer", "name", dev, "netns", ns, ns=hub)
            _ip("link", "set", port, "master", "br0", ns=hub)
            _ip("link", "set", port, "up", ns=hub)
            _ip("addr", "add", f"{addr}/24", "brd", BCAST, "dev", dev, ns=ns)
            _ip("link", "set", "lo", "up", ns=ns)
            _ip("link", "set", dev, "up", ns=ns)
        yield peers
    finally:
        for ns in reversed(made):  # deleting a namespace removes its veth ends and the bridge
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10)


def _start(ns: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_line(proc: subprocess.Popen[str], stream: str, prefix: str) -> None:
    pipe = proc.stdout if stream == "stdout" else proc.stderr
    assert pipe is not None
    ready, _, _ = select.select([pipe], [], [], 15)
    assert ready, f"no {prefix!r} within 15 s"
    line = pipe.readline()
    assert line.startswith(prefix), (line, proc.poll())


def _finish(proc: subprocess.Popen[str], timeout: float = 20) -> tuple[str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()  # only the PID we started
        proc.communicate()
        raise
    assert proc.returncode == 0, err
    return out, err


FIELDS = ["ip.src", "ip.dst", "ipmsg.mode", "ipmsg.user", "ipmsg.nickname", "ipmsg.packet_no",
          "ipmsg.opt.sendcheck", "ipmsg.msg", "ipmsg.ack_packet_no", "ipmsg.response_to",
          "ipmsg.response_in", "frame.number", "frame.protocols", "eth.dst"]


@pytest.mark.netns
def test_three_feiq_peers_entry_messages_exit(bridged, tmp_path: Path) -> None:
    (ns_a, ip_a, dev_a), (ns_b, ip_b, _), (ns_c, ip_c, _) = (bridged[r] for r in "abc")
    procs: list[subprocess.Popen[str]] = []
    cap_file = tmp_path / "feiq-ns.pcapng"
    try:
        listeners = {}
        for r, ns in (("b", ns_b), ("c", ns_c)):
            p = _start(ns, "-c", PEER, "listener", r)
            procs.append(p)
            _wait_line(p, "stdout", "ready")
            listeners[r] = p
        cap = _start(ns_a, "-m", "analyzer", "-i", dev_a, "-f", "udp port 2425", "-w",
                     str(cap_file), "-a", "duration:25")
        procs.append(cap)
        _wait_line(cap, "stderr", f"Capturing on '{dev_a}'")
        leader = _start(ns_a, "-c", PEER, "leader", "a", ip_b, MSG_B, ip_c, MSG_C)
        procs.append(leader)
        out_a = json.loads(_finish(leader)[0].splitlines()[-1])
        outs = {r: json.loads(_finish(p)[0].splitlines()[-1]) for r, p in listeners.items()}
        cap.send_signal(signal.SIGINT)
        _out, cap_err = _finish(cap)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()
    assert "Traceback" not in cap_err
    # what the peers themselves saw
    assert out_a["peers_ok"], out_a
    assert [s[2] for s in out_a["sent"]] == [True, True], out_a  # RECVMSG for both
    assert out_a["peers"] == [[ip_b, "b"], [ip_c, "c"]]
    assert outs["b"]["messages"] == [[ip_a, "a", MSG_B]]
    assert outs["c"]["messages"] == [[ip_a, "a", MSG_C]]
    for r in "bc":
        assert outs[r]["counts"].get("BR_ENTRY") == 1 and outs[r]["counts"].get("BR_EXIT")
        assert outs[r]["peers"] == []  # A left
    # what the capture in A's namespace decodes
    r = subprocess.run([sys.executable, "-m", "analyzer", "-2", "-r", str(cap_file),
                        "-T", "fields", *[x for f in FIELDS for x in ("-e", f)]], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    rows = [dict(zip(FIELDS, ln.split("\t"), strict=True)) for ln in r.stdout.splitlines()]
    assert all(x["frame.protocols"].endswith(":udp:ipmsg:feiq") for x in rows), rows
    seq = [(x["ip.src"], x["ip.dst"], x["ipmsg.mode"]) for x in rows]
    entry = rows[0]
    assert seq[0] == (ip_a, BCAST, "0x01")  # BR_ENTRY to the subnet broadcast
    assert entry["eth.dst"] == "ff:ff:ff:ff:ff:ff"
    assert (entry["ipmsg.user"], entry["ipmsg.nickname"]) == ("a", "A")
    assert sorted(seq[1:3]) == [(ip_b, ip_a, "0x03"), (ip_c, ip_a, "0x03")]  # both ANSENTRY
    assert {(x["ipmsg.user"], x["ipmsg.nickname"]) for x in rows[1:3]} == {("b", "B"), ("c", "C")}
    pno = {s[0]: str(s[1]) for s in out_a["sent"]}
    i = 3
    for peer_ip, text in ((ip_b, MSG_B), (ip_c, MSG_C)):
        msg, ack = rows[i], rows[i + 1]
        assert seq[i:i + 2] == [(ip_a, peer_ip, "0x20"), (peer_ip, ip_a, "0x21")]
        assert (msg["ipmsg.msg"], msg["ipmsg.opt.sendcheck"], msg["ipmsg.packet_no"]) == (
            text, "1", pno[peer_ip])
        assert ack["ipmsg.ack_packet_no"] == pno[peer_ip]
        assert ack["ipmsg.response_to"] == msg["frame.number"]
        assert msg["ipmsg.response_in"] == ack["frame.number"]
        i += 2
    # BR_EXIT: to the broadcast and to each known peer, nothing after it
    assert sorted(seq[i:]) == sorted([(ip_a, BCAST, "0x02"), (ip_a, ip_b, "0x02"),
                                      (ip_a, ip_c, "0x02")]), seq
