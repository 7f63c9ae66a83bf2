"""Display-filter macros, field references and `@field` (issue 16), end to end.

Macros come from Wireshark's shipped set, the user's `dfilter_macros` and `--macros FILE`;
field references read the packet `--selected-frame N` names.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from diffutil import run_analyze, run_analyze_subprocess
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.utils import wrpcap


@pytest.fixture(scope="module")
def cap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four UDP packets: 10.0.0.1:1001 -> 8.8.8.8:53, 10.0.0.2:1002 -> ..., ports rising."""
    path = tmp_path_factory.mktemp("macros") / "udp.pcap"
    pkts = [Ether() / IP(src=f"10.0.0.{i}", dst="8.8.8.8") / UDP(sport=1000 + i, dport=53)
            for i in range(1, 5)]
    wrpcap(str(path), pkts)
    return path


def numbers(out: str) -> list[int]:
    return [int(line.split()[0]) for line in out.splitlines()]


def test_shipped_macro_both_spellings(cap: Path) -> None:
    for f in ("${private_ipv4:ip.src}", "${private_ipv4;ip.src}", "$private_ipv4(ip.src)"):
        rc, out, err = run_analyze(["-r", str(cap), "-Y", f])
        assert rc == 0, err
        assert numbers(out) == [1, 2, 3, 4]
    rc, out, err = run_analyze(["-r", str(cap), "-Y", "${private_ipv4:ip.dst}"])
    assert rc == 0 and out == ""


def test_macro_file_and_errors(cap: Path, tmp_path: Path) -> None:
    f = tmp_path / "dfilter_macros"
    f.write_text('# mine\n"port","udp.srcport == $1 or udp.dstport == $1"\n'
                 '"two","${port:$1} or ${port:$2}"\n')
    rc, out, err = run_analyze(["-r", str(cap), "--macros", str(f), "-Y", "${two:1001;1003}"])
    assert rc == 0, err
    assert numbers(out) == [1, 3]
    rc, out, err = run_analyze(["-r", str(cap), "--macros", str(f), "-Y", "${port}"])
    assert rc != 0 and "wrong number of arguments for macro 'port', expecting 1 instead " \
        "of 0" in err
    rc, out, err = run_analyze(["-r", str(cap), "-Y", "${nosuch:1}"])
    assert rc != 0 and "macro 'nosuch' does not exist" in err
    rc, out, err = run_analyze(["-r", str(cap), "--macros", str(tmp_path / "none"), "-Y", "ip"])
    assert rc != 0 and "Can't read macros file" in err and "Traceback" not in err


def test_user_config_macros(cap: Path, tmp_path: Path) -> None:
    (tmp_path / "dfilter_macros").write_text('"src4","ip.src == 10.0.0.4"\n')
    cp = run_analyze_subprocess(["-r", str(cap), "-Y", "$src4()"],
                                env={"WIRESHARK_CONFIG_DIR": str(tmp_path)})
    assert cp.returncode == 0, cp.stderr
    assert numbers(cp.stdout.decode()) == [4]


def test_field_reference_selected_frame(cap: Path) -> None:
    for f in ("udp.srcport > ${udp.srcport}", "udp.srcport > $udp.srcport"):
        rc, out, err = run_analyze(["-r", str(cap), "-Y", f, "--selected-frame", "2"])
        assert rc == 0, err
        assert numbers(out) == [3, 4]
    # No selected frame: a reference has no value, nothing matches (as tshark).
    rc, out, err = run_analyze(["-r", str(cap), "-Y", "udp.srcport > ${udp.srcport}"])
    assert rc == 0 and out == ""


def test_raw_field_and_messages() -> None:
    from filters import FilterError, compile_filter

    assert "FIELD" in compile_filter("@udp.srcport[1] == 0xe9").explain()
    with pytest.raises(FilterError) as ei:
        compile_filter("frame == $aaaa")
    assert ei.value.message == '"aaaa" was unexpected in this context.'
    with pytest.raises(FilterError) as ei:
        compile_filter("udp.dstport == abs(-ip.src)")
    assert "ARITH" not in ei.value.message and "neg" not in ei.value.message


def test_raw_field_matches(cap: Path) -> None:
    rc, out, err = run_analyze(["-r", str(cap), "-Y", "@udp.srcport[1] == 0xeb"])  # 1003
    assert rc == 0, err
    assert numbers(out) == [3]


def test_recursive_macros_are_bounded(tmp_path: Path) -> None:
    from filters import FilterError, compile_filter
    from filters.macros import add_macros

    add_macros({"loop": "${loop:$1}", "twice": "${twice:$1} or ${twice:$1}"})
    for f in ("${loop:ip}", "${twice:ip}"):
        with pytest.raises(FilterError) as ei:
            compile_filter(f)
        assert "Macro expansion is nested too deeply or too long." == ei.value.message
