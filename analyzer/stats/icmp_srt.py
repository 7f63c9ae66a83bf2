"""`-z icmp,srt[,FILTER]` and `-z icmpv6,srt[,FILTER]`: tshark 4.0's echo service
response time statistics (ui/cli/tap-icmpstat.c and tap-icmpv6stat.c, the same text).

Every echo request the tap sees counts as a request (tshark reads the file once, so
a request never knows its reply yet); an echo reply the dissector paired with one of
those requests (icmp.resp_to, icmp.resptime) counts as a reply with its response time
(a reply whose request the tap's filter left out is not counted, as in tshark 4.0).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from analyzer.stats.taps import TapArgError, register
from dissectors.packet import Packet

_RULE = "=" * 74 + "\n"
# -z word -> (title, protocol, echo request type, echo reply type)
_KINDS = {"icmp": ("ICMP", "icmp", 8, 0), "icmpv6": ("ICMPv6", "icmpv6", 128, 129)}


class SrtTap:
    """One `-z icmp,srt` or `-z icmpv6,srt` table."""

    def __init__(self, arg: str) -> None:
        word, _, rest = arg.partition(",")
        if word not in _KINDS or not (rest == "srt" or rest.startswith("srt,")):
            raise TapArgError(f'invalid "-z {word},srt[,<filter>]" argument')
        self.title, self.proto, self.request, self.reply = _KINDS[word]
        self.filter = rest[4:] if rest.startswith("srt,") else None
        self.match: Callable[[Packet], bool] | None = None
        if self.filter:
            from filters import FilterError, compile_filter

            try:
                self.match = compile_filter(self.filter).match
            except FilterError as e:
                raise TapArgError(f"Couldn't register {word},srt tap: Filter "
                                  f'"{self.filter}" is invalid - {e.message}') from None
        self.requests = 0
        self.seen: set[int] = set()  # the requests this tap counted
        self.times: list[float] = []
        self.min_ms, self.max_ms = float("inf"), 0.0
        self.min_frame = self.max_frame = 0

    def packet(self, pkt: Packet) -> None:
        if self.match is not None and not self.match(pkt):
            return
        p = self.proto
        for item in pkt.tree:
            if item.field is None or item.field.abbrev != p:
                continue
            fields = {c.field.abbrev: c.value for c in item.children or ()
                      if c.field is not None}
            kind = fields.get(p + ".type")
            if kind == self.request:
                self.requests += 1
                self.seen.add(pkt.frame.number)
            elif kind == self.reply and fields.get(p + ".resp_to") in self.seen:
                ms = float(fields[p + ".resptime"])
                self.times.append(ms)
                if ms < self.min_ms:
                    self.min_ms, self.min_frame = ms, pkt.frame.number
                if ms > self.max_ms:
                    self.max_ms, self.max_frame = ms, pkt.frame.number

    def text(self) -> str:
        n = len(self.times)
        lost = self.requests - n if self.requests else 0
        loss = lost / self.requests if self.requests else 0.0
        out = ["\n", _RULE,
               f"{self.title} Service Response Time (SRT) Statistics (all times in ms):\n",
               f"Filter: {self.filter if self.filter else '<none>'}\n",
               "\nRequests  Replies   Lost      % Loss\n",
               f"{self.requests:<10d}{n:<10d}{lost:<10d}{100.0 * loss:5.1f}%\n\n",
               "Minimum   Maximum   Mean      Median    SDeviation     Min Frame Max Frame\n"]
        if n == 0:  # tshark pads the last frame only once it saw a request (seen)
            last = "0         " if self.requests else "0"
            out.append(f"{0.0:<10.3f}" * 5 + f"     0         {last}\n")
        else:
            mean = sum(self.times) / n
            srt = sorted(self.times)
            med = srt[n // 2] if n & 1 else (srt[(n - 1) // 2] + srt[n // 2]) / 2
            sdev = math.sqrt(sum((t - mean) ** 2 for t in srt) / (n - 1)) if n > 1 else 0.0
            out.append(f"{self.min_ms:<10.3f}{self.max_ms:<10.3f}{mean:<10.3f}{med:<10.3f}"
                       f"{sdev:<10.3f}     {self.min_frame:<10d}{self.max_frame:<10d}\n")
        out.append(_RULE)
        return "".join(out)


def _report(taps: list[SrtTap]) -> str:
    """tshark draws the last registered tap first."""
    return "".join(t.text() for t in reversed(taps))


for _word in _KINDS:
    register(f"{_word},srt", lambda args: [SrtTap(a) for a in args], _report,
             (f"{_word},srt",), per_tap=True)
