"""`-z hosts[,ip|ipv4|ipv6]`: tshark's hosts-file output.

With `-n` (labshark's addresses are never resolved) tshark's only names are those the
capture file carries (pcapng Name Resolution Blocks): each address once, IPv4 first,
as `ADDRESS<TAB>NAME`. tshark lists them in its hash tables' order, which changes from
run to run; here they come in file order.
"""

from __future__ import annotations

from analyzer.stats.taps import TapArgError, register
from dissectors.packet import Packet


class HostsTap:
    """One `-z hosts...`: which address families it lists."""

    requires_tree = True  # (tshark 4.0 builds trees with -z hosts: seen on SDP's notes)

    def __init__(self, arg: str) -> None:
        words = arg.split(",")[1:]
        if words and not all(w in ("ip", "ipv4", "ipv6") for w in words):
            raise TapArgError('invalid "-z hosts[,ip|ipv4|ipv6]" argument')
        self.families = {4, 6} if not words else \
            {4 if w in ("ip", "ipv4") else 6 for w in words}
        self.source_path: str | None = None  # set by analyze: the capture file read

    def packet(self, pkt: Packet) -> None:
        pass  # the names come from the file, not from the packets (with -n)

    def text(self) -> str:
        out = ["# TShark hosts output\n", "#\n",
               f"# Host data gathered from {self.source_path or '-'}\n", "\n"]
        if self.source_path:
            from analyzer.stats.tree import printable
            from captures.names import name_records

            seen: set[str] = set()
            records = name_records(self.source_path)
            for family in (4, 6):
                if family not in self.families:
                    continue
                for fam, addr, name in records:
                    if fam == family and addr not in seen:
                        seen.add(addr)
                        out.append(f"{addr}\t{printable(name)}\n")
        return "".join(out)


def _report(taps: list[HostsTap]) -> str:
    return "".join(t.text() for t in reversed(taps))


register("hosts", lambda args: [HostsTap(a) for a in args], _report, ("hosts",),
         per_tap=True)
