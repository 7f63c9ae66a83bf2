"""Packet-list colouring rules, as Wireshark's: the first rule whose filter matches wins.

Wireshark 4.0's default `colorfilters` are built in (in their order and colours), with
our own TFTP and FeiQ rules placed before UDP. A rule naming a field we do not decode
is skipped silently, as Wireshark disables a rule it cannot compile. A user file in
Wireshark's format (`@name@filter@[r,g,b][r,g,b]`, 16-bit colours, background first
then foreground, as Wireshark writes them; lines starting with `#` are comments, with
`!@` disabled) replaces the whole list:
`--color-rules FILE`, else ~/.config/labshark/colorfilters when it exists.
Only the terminal rendering uses these; piped output stays plain.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # (the view reads rules' colours before it imports the dissectors)
    from dissectors.packet import Packet

#: Wireshark 4.0.17's /usr/share/wireshark/colorfilters, verbatim (order matters).
WIRESHARK_DEFAULTS = r"""
@Bad TCP@tcp.analysis.flags && !tcp.analysis.window_update && !tcp.analysis.keep_alive && !tcp.analysis.keep_alive_ack@[4718,10030,11796][63479,34695,34695]
@HSRP State Change@hsrp.state != 8 && hsrp.state != 16@[4718,10030,11796][65535,64764,40092]
@Spanning Tree Topology  Change@stp.type == 0x80@[4718,10030,11796][65535,64764,40092]
@OSPF State Change@ospf.msg != 1@[4718,10030,11796][65535,64764,40092]
@ICMP errors@icmp.type in { 3..5, 11 } || icmpv6.type in { 1..4 }@[4718,10030,11796][47031,63479,29812]
@ARP@arp@[64250,61680,55255][4718,10030,11796]
@ICMP@icmp || icmpv6@[64764,57568,65535][4718,10030,11796]
@TCP RST@tcp.flags.reset eq 1@[42148,0,0][65535,64764,40092]
@SCTP ABORT@sctp.chunk_type eq ABORT@[42148,0,0][65535,64764,40092]
@TTL low or unexpected@(ip.dst != 224.0.0.0/4 && ip.ttl < 5 && !pim && !ospf) || (ip.dst == 224.0.0.0/24 && ip.dst != 224.0.0.251 && ip.ttl != 1 && !(vrrp || carp))@[42148,0,0][60652,61680,60395]
@Checksum Errors@eth.fcs.status=="Bad" || ip.checksum.status=="Bad" || tcp.checksum.status=="Bad" || udp.checksum.status=="Bad" || sctp.checksum.status=="Bad" || mstp.checksum.status=="Bad" || cdp.checksum.status=="Bad" || edp.checksum.status=="Bad" || wlan.fcs.status=="Bad" || stt.checksum.status=="Bad"@[4718,10030,11796][63479,34695,34695]
@SMB@smb || nbss || nbns || netbios@[65278,65535,53456][4718,10030,11796]
@HTTP@http || tcp.port == 80 || http2@[58596,65535,51143][4718,10030,11796]
@DCERPC@dcerpc@[51199,38706,65533][4718,10030,11796]
@Routing@hsrp || eigrp || ospf || bgp || cdp || vrrp || carp || gvrp || igmp || ismp@[65534,62325,54808][4718,10030,11796]
@TCP SYN/FIN@tcp.flags & 0x02 || tcp.flags.fin == 1@[41026,41026,41026][4718,10030,11796]
@TCP@tcp@[59345,58980,65535][4718,10030,11796]
@UDP@udp@[56026,61166,65535][4718,10030,11796]
@Broadcast@eth[0] & 1@[65535,65535,65535][47802,48573,46774]
@System Event@systemd_journal || sysdig@[59110,59110,59110][11565,28527,39578]
"""

#: Ours, inserted before Wireshark's UDP rule: dark text (Wireshark's) on a light teal
#: and on a light green background.
OWN_RULES = r"""
@TFTP@tftp@[45232,59110,59110][4718,10030,11796]
@FeiQ@ipmsg@[53456,65535,45232][4718,10030,11796]
"""

#: Wireshark's SMB rule names netbios, which we do not decode, so it cannot
#: compile: this one, its colours on the protocols of it we decode, stands after it
#: (in its place until netbios is decoded too).
SMB_SUBSET_RULE = "@SMB@smb || nbss || nbns@[65278,65535,53456][4718,10030,11796]"

USER_FILE = Path("~/.config/labshark/colorfilters")
_LINE = re.compile(r"^@([^@]*)@(.*)@\[(\d+),(\d+),(\d+)\]\[(\d+),(\d+),(\d+)\]\s*$")


@dataclass(frozen=True)
class ColorRule:
    name: str
    filter: str
    fg: tuple[int, int, int]  # 8-bit RGB
    bg: tuple[int, int, int]
    match: Any  # Callable[[Packet], bool]

    @property
    def style(self) -> str:
        """A rich style string: `rgb(..) on rgb(..)`."""
        return "rgb({},{},{}) on rgb({},{},{})".format(*self.fg, *self.bg)


def parse_rules(text: str) -> list[ColorRule]:
    """Rules of a colorfilters text; invalid lines and filters we cannot compile are skipped."""
    from filters import FilterError, compile_filter

    rules = []
    for raw in text.splitlines():
        m = _LINE.match(raw.strip())
        if m is None:  # comments, `!@` disabled rules, junk
            continue
        vals = [int(v) >> 8 for v in m.groups()[2:]]  # background, then foreground
        try:
            flt = compile_filter(m.group(2))
        except (FilterError, RecursionError, ValueError):
            continue
        rules.append(ColorRule(m.group(1), m.group(2), fg=(vals[3], vals[4], vals[5]),
                               bg=(vals[0], vals[1], vals[2]), match=flt.match))
    return rules


def default_rules() -> list[ColorRule]:
    """Wireshark's defaults with ours placed before UDP."""
    lines = WIRESHARK_DEFAULTS.strip().splitlines()
    smb = next(i for i, ln in enumerate(lines) if ln.startswith("@SMB@"))
    lines.insert(smb + 1, SMB_SUBSET_RULE)
    at = next(i for i, ln in enumerate(lines) if ln.startswith("@UDP@"))
    return parse_rules("\n".join(lines[:at] + OWN_RULES.strip().splitlines() + lines[at:]))


def load_rules(path: str | None = None) -> list[ColorRule]:
    """`path` (an error if unreadable), else the user's file if present, else the defaults."""
    if path:
        return parse_rules(Path(path).read_text(encoding="utf-8", errors="replace"))
    user = Path(os.path.expanduser(str(USER_FILE)))
    if user.is_file():
        try:
            return parse_rules(user.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            pass
    return default_rules()


def pick(rules: list[ColorRule], pkt: Packet) -> ColorRule | None:
    """The first rule matching `pkt`; a rule that fails on an odd packet just does not match."""
    for rule in rules:
        try:
            if rule.match(pkt):
                return rule
        except Exception:  # noqa: BLE001 - colouring must never break the list
            continue
    return None


__all__ = ["ColorRule", "parse_rules", "default_rules", "load_rules", "pick", "USER_FILE"]
