"""FTP and FTP-DATA, Telnet, POP, IMAP, SMTP (and IMF) against tshark 4.0: packet list, -V (one and two passes), JSON,
`-T fields` of every FTP field, `-z credentials`, io,phs, expert, conv and follow, on a
session built in tests/textproto_caps.py and on the corpus' FTP capture.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import textproto_caps
from diffutil import compare_fields, run_analyze, run_tshark_full

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus"

FTP_FIELDS = [
    "frame.protocols", "ftp.request", "ftp.response", "ftp.request.command",
    "ftp.request.arg", "ftp.response.code", "ftp.response.arg", "ftp.passive.ip",
    "ftp.passive.port", "ftp.passive.nat", "ftp.active.cip", "ftp.active.port",
    "ftp.active.nat", "ftp.eprt.af", "ftp.eprt.ip", "ftp.eprt.port", "ftp.epsv.ip",
    "ftp.epsv.port", "ftp.current-working-directory", "ftp.eprt.args_invalid",
    "ftp-data.setup-frame", "ftp-data.setup-method", "ftp-data.command",
    "ftp-data.command-frame", "ftp-data.current-working-directory", "tcp.stream",
    "tcp.completeness", "_ws.col.Info", "_ws.col.Protocol",
]


@pytest.fixture(scope="module")
def ftp_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return textproto_caps.ftp(tmp_path_factory.mktemp("ftp") / "ftp.pcap")


def _same(args: list[str]) -> None:
    """Byte for byte (bytes, so a CR in a followed stream counts)."""
    rc, ours, err = run_analyze(args)
    assert rc == 0, err
    cp = run_tshark_full(args, text=False)
    assert cp.returncode == 0, cp.stderr
    assert ours.encode() == cp.stdout


@pytest.mark.tshark
@pytest.mark.parametrize("opts", [[], ["-V"], ["-2", "-V"], ["-T", "json"], ["-T", "ek"],
                                  ["-q", "-z", "credentials"], ["-q", "-z", "io,phs"],
                                  ["-q", "-z", "expert"], ["-q", "-z", "conv,tcp"],
                                  ["-q", "-z", "follow,tcp,ascii,0"],
                                  ["-q", "-z", "follow,tcp,hex,1"],
                                  ["-Y", "ftp-data"], ["-Y", "ftp.request.command == \"PASS\""]],
                         ids=lambda o: " ".join(o) or "list")
def test_ftp_session_equals_tshark(ftp_pcap: Path, opts: list[str]) -> None:
    _same(["-r", str(ftp_pcap), *opts])


@pytest.mark.tshark
def test_ftp_fields_equal_tshark(ftp_pcap: Path) -> None:
    assert compare_fields(ftp_pcap, FTP_FIELDS) == []


@pytest.mark.tshark
@pytest.mark.parametrize("opts", [[], ["-V"], ["-T", "json"]], ids=["list", "V", "json"])
def test_ftp_over_ipv6_equals_tshark(tmp_path: Path, opts: list[str]) -> None:
    path = textproto_caps.ftp6(tmp_path / "ftp6.pcap")
    _same(["-r", str(path), *opts])
    assert compare_fields(path, [*FTP_FIELDS, "ftp.eprt.ipv6", "ftp.epsv.ipv6"]) == []


@pytest.mark.tshark
def test_ftp_data_is_recognised(ftp_pcap: Path) -> None:
    """Guards the comparisons above against both sides missing FTP-DATA: the PASV, PORT
    and EPSV connections carry their setup method and command."""
    rc, out, _ = run_analyze(["-r", str(ftp_pcap), "-Y", "ftp-data", "-T", "fields",
                              "-e", "_ws.col.Info"])
    assert rc == 0
    assert out.splitlines() == [
        "FTP Data: 63 bytes (PASV) (LIST)", "FTP Data: 6 bytes (PORT) (RETR a.bin)",
        "FTP Data: 9 bytes (PORT) (RETR a.bin)", "FTP Data: 12 bytes (EPASV) (STOR up.txt)",
        "FTP Data: 14 bytes"]
    rc, out, _ = run_analyze(["-r", str(ftp_pcap), "-q", "-z", "credentials"])
    assert "anonymous        Username in packet: 5" in out


@pytest.mark.tshark
@pytest.mark.parametrize("opts", [[], ["-V"]], ids=["list", "V"])
def test_ftp_corpus_capture_equals_tshark(opts: list[str]) -> None:
    _same(["-r", str(CORPUS / "ndpi-ftp_failed.pcap"), *opts])


@pytest.mark.tshark
def test_planned_run_dissects_the_control_connection(ftp_pcap: Path) -> None:
    """A fast filter on the data connection's port still shows FTP-DATA: the control
    connection's frames that set it up are dissected (skipping.state_key)."""
    _same(["-r", str(ftp_pcap), "-Y", "tcp.port == 50000"])


# -- Telnet -----------------------------------------------------------------------------------

TELNET_FIELDS = ["frame.protocols", "telnet.cmd", "telnet.subcmd", "telnet.data",
                 "telnet.option_data", "telnet.string_subopt.value",
                 "telnet.naws_subopt.width", "telnet.naws_subopt.height",
                 "telnet.rfc_subopt.cmd", "telnet.suboption_length.invalid", "_ws.col.Info"]


@pytest.fixture(scope="module")
def telnet_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return textproto_caps.telnet(tmp_path_factory.mktemp("telnet") / "telnet.pcap")


@pytest.mark.tshark
@pytest.mark.parametrize("opts", [[], ["-V"], ["-T", "json"], ["-T", "ek"],
                                  ["-q", "-z", "io,phs"], ["-q", "-z", "expert"],
                                  ["-q", "-z", "follow,tcp,raw,0"],
                                  ["-Y", "telnet.cmd == 253"]],
                         ids=lambda o: " ".join(o) or "list")
def test_telnet_session_equals_tshark(telnet_pcap: Path, opts: list[str]) -> None:
    _same(["-r", str(telnet_pcap), *opts])


@pytest.mark.tshark
def test_telnet_fields_equal_tshark(telnet_pcap: Path) -> None:
    assert compare_fields(telnet_pcap, TELNET_FIELDS) == []
    rc, out, _ = run_analyze(["-r", str(telnet_pcap), "-Y", "telnet.naws_subopt.width",
                              "-T", "fields", "-e", "telnet.naws_subopt.width"])
    assert (rc, out) == (0, "80\n")  # (the comparison above sees a decoded window size)


@pytest.mark.tshark
def test_telnet_corpus_capture_list_equals_tshark() -> None:
    """The corpus' Telnet session (its -V differs only in IPv4 expert placement)."""
    _same(["-r", str(CORPUS / "ndpi-telnet.pcap")])
    assert compare_fields(CORPUS / "ndpi-telnet.pcap", TELNET_FIELDS) == []


# -- POP, IMAP, IMF ---------------------------------------------------------------------------

MAIL_FIELDS = ["frame.protocols", "pop.request.command", "pop.request.parameter",
               "pop.response.indicator", "pop.response.description", "pop.response",
               "imap.request.command", "imap.request_tag", "imap.response.status",
               "imap.response.command", "imap.request.username", "imap.request.password",
               "imap.request.folder", "imap.response_to", "imap.time", "imap.command",
               "imf.from", "imf.to", "imf.subject", "imf.address", "imf.display_name",
               "imf.message_id", "smtp.req.command", "smtp.req.parameter", "smtp.response.code",
               "smtp.rsp.parameter", "smtp.data.fragment", "smtp.data.fragment.count",
               "smtp.auth.username", "smtp.auth.password", "smtp.auth.username_password",
               "_ws.col.Info", "_ws.col.Protocol"]


@pytest.fixture(scope="module",
                params=["pop", "imap", "imap_edges", "smtp", "smtp_edges", "smtp_auth"])
def mail_pcap(request: pytest.FixtureRequest,
              tmp_path_factory: pytest.TempPathFactory) -> Path:
    build = getattr(textproto_caps, request.param)
    return build(tmp_path_factory.mktemp(request.param) / f"{request.param}.pcap")


@pytest.mark.tshark
@pytest.mark.parametrize("opts", [[], ["-V"], ["-2", "-V"], ["-T", "json"],
                                  ["-q", "-z", "credentials"], ["-q", "-z", "io,phs"],
                                  ["-q", "-z", "expert"]],
                         ids=lambda o: " ".join(o) or "list")
def test_mail_session_equals_tshark(mail_pcap: Path, opts: list[str]) -> None:
    _same(["-r", str(mail_pcap), *opts])


@pytest.mark.tshark
def test_mail_fields_equal_tshark(mail_pcap: Path) -> None:
    assert compare_fields(mail_pcap, MAIL_FIELDS) == []


@pytest.mark.tshark
def test_pop_and_imap_logins_are_credentials(tmp_path: Path) -> None:
    """Guards the comparisons: both sides list the logins (tshark 4.0 has POP3 and IMAP)."""
    rc, out, _ = run_analyze(["-q", "-z", "credentials",
                              "-r", str(textproto_caps.pop(tmp_path / "p.pcap"))])
    assert "POP3             bob              Username in packet 5" in out
    rc, out, _ = run_analyze(["-q", "-z", "credentials",
                              "-r", str(textproto_caps.imap(tmp_path / "i.pcap"))])
    assert "7          IMAP             bob" in out
    rc, out, _ = run_analyze(["-q", "-z", "credentials",
                              "-r", str(textproto_caps.smtp_auth(tmp_path / "s.pcap"))])
    assert "11         SMTP             YWxpY2U=         Username in packet 9" in out


@pytest.mark.tshark
@pytest.mark.parametrize("name", ["ndpi-smtp.pcap", "wireshark-communityid.pcap.gz"])
def test_smtp_corpus_capture_equals_tshark(name: str) -> None:
    """The corpus' SMTP sessions: a message over 11 DATA fragments reassembled into IMF
    (long address lists with truncated labels), commands typed a byte a segment."""
    path = CORPUS / name
    fields = ["_ws.col.Info", "smtp.req.command", "smtp.response.code", "imf.to",
              "imf.address", "smtp.data.fragment"]
    rc, ours, err = run_analyze(["-r", str(path), "-Y", "smtp", "-T", "fields",
                                 *[a for f in fields for a in ("-e", f)]])
    cp = run_tshark_full(["-r", str(path), "-Y", "smtp", "-T", "fields",
                          *[a for f in fields for a in ("-e", f)]])
    assert rc == 0, err
    assert ours == cp.stdout and ours.count("\n") > 2


@pytest.mark.tshark
def test_smtp_corpus_capture_tree_equals_tshark() -> None:
    _same(["-r", str(CORPUS / "ndpi-smtp.pcap"), "-V", "-Y", "smtp || imf"])
    _same(["-r", str(CORPUS / "ndpi-smtp.pcap"), "-2", "-V", "-Y", "smtp || imf"])
