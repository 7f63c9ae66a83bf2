"""TLS and SSH against tshark 4.0: packet list, -V, -T json, fields, filters, io,phs and
expert, on real TLS 1.2 / 1.3 sessions made here (ssl.MemoryBIO, no network), synthetic
SSH sessions, and the public captures of the corpus that hold TLS or SSH."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpusutil import CORPUS, split_output
from diffutil import compare_fields, run_analyze, run_tshark
from tls_ssh_gen import write_ssh, write_tls

pytestmark = pytest.mark.tshark

TLS_FIELDS = [
    "frame.protocols", "_ws.col.Protocol", "_ws.col.Info", "tls.record.content_type",
    "tls.record.opaque_type", "tls.record.version", "tls.record.length", "tls.handshake.type",
    "tls.handshake.length", "tls.handshake.version", "tls.handshake.random",
    "tls.handshake.session_id", "tls.handshake.ciphersuite", "tls.handshake.comp_method",
    "tls.handshake.extension.type", "tls.handshake.extensions_server_name",
    "tls.handshake.extensions_alpn_str", "tls.handshake.extensions.supported_version",
    "tls.handshake.extensions_supported_group", "tls.handshake.sig_hash_alg",
    "tls.handshake.extensions_key_share_group", "tls.handshake.ja3", "tls.handshake.ja3s",
    "tls.handshake.ja3_full", "tls.handshake.certificate_length",
    "tls.handshake.server_named_curve", "tls.handshake.client_point", "tls.app_data",
    "tls.app_data_proto", "tls.alert_message", "tls.change_cipher_spec",
    "tcp.reassembled_in", "tcp.segment", "tcp.pdu.size", "_ws.expert.message",
]
SSH_FIELDS = [
    "frame.protocols", "_ws.col.Protocol", "_ws.col.Info", "ssh.protocol", "ssh.packet_length",
    "ssh.padding_length", "ssh.message_code", "ssh.cookie", "ssh.kex_algorithms",
    "ssh.encryption_algorithms_client_to_server", "ssh.kex.hassh", "ssh.kex.hasshserver",
    "ssh.host_key.type", "ssh.ecdh.q_c", "ssh.ecdh.q_s", "ssh.dh.e", "ssh.host_sig.type",
    "ssh.seq_num", "ssh.direction", "ssh.packet_length_encrypted", "ssh.encrypted_packet",
    "_ws.expert.message",
]
#: Corpus captures whose TLS or SSH packets labshark shows as tshark does.
CORPUS_SAME = ["scapy-ssh_ed25519.pcap", "wireshark-dhe1.pcapng.gz", "ndpi-smtps.pcapng",
               "ndpi-tls_unidirectional.pcap", "ndpi-netease_games.pcapng",
               "ndpi-mongodb.pcap", "tcpdump-nfs-write-verf-cookie.pcapng"]


@pytest.fixture(scope="module")
def caps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("tls_ssh")
    return {
        # TLS 1.2 on 443 (HTTP by port and ALPN); records span segments of 1000 bytes
        "tls12": write_tls(d / "tls12.pcap", d, "1.2", 443),
        # TLS 1.3 on a port tshark does not register: its heuristic finds it
        "tls13": write_tls(d / "tls13.pcap", d, "1.3", 8443, mss=700),
        # SSH: ChaCha20 (decryption tried: nothing shown) with KEXINITs over 2 segments,
        # AES-CTR (MAC named), AES-CBC
        "ssh_chacha": write_ssh(d / "ssh_chacha.pcap", "chacha20-poly1305@openssh.com",
                                "umac-64-etm@openssh.com", mss=300),
        "ssh_ctr": write_ssh(d / "ssh_ctr.pcap", "aes128-ctr,aes256-ctr", "hmac-sha2-256"),
        "ssh_cbc": write_ssh(d / "ssh_cbc.pcap", "aes128-cbc", "hmac-sha1"),
    }


def _same_packets(capture: Path, args: list[str]) -> tuple[int, list[int]]:
    """(packets, numbers of the -V packets that differ) against tshark."""
    rc, ours, err = run_analyze(["-r", str(capture), "-P", *args])
    assert rc == 0, err
    _l1, theirs_v, _e1, _p1 = split_output(run_tshark(["-r", str(capture), "-P", *args]))
    _l2, ours_v, _e2, _p2 = split_output(ours)
    assert len(ours_v) == len(theirs_v)
    return len(theirs_v), [i + 1 for i, (a, b) in enumerate(zip(ours_v, theirs_v, strict=True))
                          if a != b]


@pytest.mark.parametrize("name", ["tls13", "ssh_chacha", "ssh_ctr", "ssh_cbc"])
@pytest.mark.parametrize("args", [[], ["-V"], ["-T", "json"], ["-q", "-z", "io,phs"],
                                  ["-q", "-z", "expert"], ["-q", "-z", "conv,tcp"]])
def test_output_equals_tshark(caps, name, args):
    rc, ours, err = run_analyze(["-r", str(caps[name]), *args])
    assert rc == 0, err
    assert ours == run_tshark(["-r", str(caps[name]), *args])


def test_tls12_equals_tshark_with_the_certificate_detail(caps):
    """TLS 1.2 shows its Certificate in clear: its X.509 tree (x509.py) too is tshark's,
    so every packet is identical, list and phs too."""
    cap = str(caps["tls12"])
    for args in ([], ["-q", "-z", "io,phs"]):
        rc, ours, err = run_analyze(["-r", cap, *args])
        assert rc == 0, err
        assert ours == run_tshark(["-r", cap, *args])
    packets, differ = _same_packets(caps["tls12"], ["-V"])
    cert = run_tshark(["-r", cap, "-Y", "tls.handshake.type == 11", "-T", "fields",
                       "-e", "frame.number"]).split()
    assert differ == [] and len(cert) == 1 and packets > 20


@pytest.mark.parametrize("name", ["tls12", "tls13"])
def test_tls_fields_equal_tshark(caps, name):
    """Every field, frame.protocols with the Certificate's x509 layers included."""
    assert compare_fields(caps[name], TLS_FIELDS) == []


@pytest.mark.parametrize("name", ["ssh_chacha", "ssh_ctr", "ssh_cbc"])
def test_ssh_fields_equal_tshark(caps, name):
    assert compare_fields(caps[name], SSH_FIELDS) == []


@pytest.mark.parametrize("flt", [
    "tls", "tls.handshake.type == 1", 'tls.handshake.extensions_server_name == "lab.example"',
    "tls.record.content_type == 23", 'tls.handshake.extensions_alpn_str == "h2"',
    "tls.handshake.ciphersuite == 0x1302", "tls.app_data_proto", "tls.handshake.ja3",
    "ssh", "ssh.message_code == 20", "ssh.direction == 1", 'ssh.protocol contains "OpenSSH"',
    "ssh.kex.hasshserver", "ssh.seq_num == 2",
])
def test_filters_equal_tshark(caps, flt):
    shown = 0
    for cap in caps.values():
        args = ["-r", str(cap), "-Y", flt]
        rc, ours, err = run_analyze(args)
        assert rc == 0, err
        theirs = run_tshark(args)
        assert ours == theirs, (cap.name, flt)
        shown += len(theirs.splitlines())
    assert shown > 0, flt


def test_records_over_segments_and_several_per_segment(caps):
    """The response (6 kB of application data) is one record over several segments,
    reassembled in the last one; the server's first flight puts several records in a
    segment (tshark's Info joins them)."""
    cap = str(caps["tls12"])
    rows = run_tshark(["-r", cap, "-T", "fields", "-e", "frame.number", "-e", "_ws.col.Info",
                       "-e", "tcp.segment.count"]).splitlines()
    rc, ours, err = run_analyze(["-r", cap, "-T", "fields", "-e", "frame.number", "-e",
                                 "_ws.col.Info", "-e", "tcp.segment.count"])
    assert rc == 0, err
    assert ours.splitlines() == rows
    assert any(r.split("\t")[1] == "Application Data" and r.split("\t")[2] not in ("", "1")
               for r in rows)
    assert any(r.split("\t")[1].startswith("Client Key Exchange, Change Cipher Spec, Encrypted")
               for r in rows)


@pytest.mark.parametrize("name", CORPUS_SAME)
def test_corpus_captures_equal_tshark(name):
    """Public captures holding TLS or SSH: every list line and -V packet as tshark's."""
    cap = CORPUS / name
    rc, ours, err = run_analyze(["-r", str(cap)])
    assert rc == 0, err
    assert ours == run_tshark(["-r", str(cap)])
    _packets, differ = _same_packets(cap, ["-V"])
    assert differ == []


def test_corpus_ssh_list_equals_tshark():
    """tcpdump's SSH capture: every list line and SSH field (its -V differs in a TCP
    option note only); the mid-stream capture: "Encrypted packet (len=N)"."""
    cap = CORPUS / "tcpdump-ssh.pcap"
    rc, ours, err = run_analyze(["-r", str(cap)])
    assert rc == 0, err
    assert ours == run_tshark(["-r", str(cap)])
    assert compare_fields(cap, [f for f in SSH_FIELDS if not f.startswith("_ws.expert")]) == []
    cap = CORPUS / "ndpi-ssh_unidirectional.pcap"
    assert compare_fields(cap, SSH_FIELDS) == []
    assert run_tshark(["-r", str(cap), "-Y", "ssh.encrypted_packet"]).count("Encrypted") == 1


@pytest.mark.parametrize("name", ["tls12", "tls13", "ssh_ctr"])
def test_two_pass_list_equals_tshark(caps, name):
    """-2: the second pass knows each connection's version from the first (tshark's
    ClientHello and client version line show it)."""
    args = ["-2", "-r", str(caps[name])]
    rc, ours, err = run_analyze(args)
    assert rc == 0, err
    assert ours == run_tshark(args)


def test_follow_tls_stays_empty(caps):
    """No keys, no plaintext: `-z follow,tls` prints tshark's empty stream."""
    args = ["-r", str(caps["tls13"]), "-q", "-z", "follow,tls,ascii,0"]
    rc, ours, err = run_analyze(args)
    assert rc == 0, err
    assert ours == run_tshark(args)
