"""`-z` statistics: every kind registers here, `analyze` builds and reports them.

A tap sees every dissected packet (as tshark's taps do, whatever `-Y` keeps; a tap's
own filter selects) and prints its text after the packet list. A kind is a module
that calls `register(prefix, build, report, names)`:
  build(args) -> taps   for all `-z` values starting with `prefix` (in given order);
  report(taps) -> text  the text of those taps, as tshark prints them;
  names                 the statistics it offers, as `-z help` lists them (`conv,tcp`).
Kinds are imported lazily by `KIND_MODULES`, so `analyze` starts no slower.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from dissectors.packet import Packet


class Tap(Protocol):
    def packet(self, pkt: Packet) -> None: ...


class TapArgError(Exception):
    """A `-z` value its kind rejects: `analyze: MESSAGE` on stderr, exit 1 (tshark's
    status); `on_stdout` kinds print it plain on stdout, where tshark prints theirs."""

    on_stdout = False


@dataclass(frozen=True)
class TapKind:
    prefix: str
    build: Callable[[list[str]], list[Any]]
    report: Callable[[list[Any]], str]
    names: tuple[str, ...] = ()
    per_tap: bool = False  # each -z value its own group: drawn in tshark's order among all


#: `-z` prefix -> the module that registers it (imported on first use).
KIND_MODULES = {"expert": "analyzer.stats.expert", "io,phs": "analyzer.stats.phs",
                "conv,": "analyzer.stats.conv", "endpoints,": "analyzer.stats.conv",
                "io,stat,": "analyzer.stats.io_stat", "follow,": "analyzer.follow",
                **{f"{a},tree": "analyzer.stats.tree_ip" for a in (
                    "plen", "ptype", "ip_hosts", "ip_srcdst", "dests", "ipv6_hosts",
                    "ipv6_srcdst", "ipv6_dests", "ipv6_ptype")},
                **{f"{a},tree": "analyzer.stats.tree_app" for a in (
                    "dns", "http", "http_req", "http_srv")},
                "http_seq,tree": "analyzer.stats.tree_http_seq",
                "icmp,srt": "analyzer.stats.icmp_srt", "icmpv6,srt": "analyzer.stats.icmp_srt",
                "hosts": "analyzer.stats.hosts",
                **{f"flow,{a}": "analyzer.stats.flow" for a in ("any", "tcp", "icmp", "icmpv6")},
                "dhcp,stat": "analyzer.stats.dhcp_stat",
                "credentials": "analyzer.stats.credentials",
                "tcp,rtt": "analyzer.stats.tcp_rtt", "tcp,graph,": "analyzer.stats.tcp_graph"}
_KINDS: dict[str, TapKind] = {}


def register(prefix: str, build: Callable[[list[str]], list[Any]],
             report: Callable[[list[Any]], str], names: tuple[str, ...] = (),
             per_tap: bool = False) -> None:
    _KINDS[prefix] = TapKind(prefix, build, report, tuple(names), per_tap)


def statistic_names() -> list[str]:
    """Every statistic `-z` offers, sorted as `tshark -z help` sorts its list."""
    return sorted(n for prefix in KIND_MODULES for n in _kind(prefix).names)


def help_text() -> str:
    """`-z help`: tshark's heading, then one statistic a line."""
    return ('The available statistics for the "-z" option are:\n'
            + "".join(f"     {n}\n" for n in statistic_names()))


def kind_of(arg: str) -> str | None:
    """The registered prefix a `-z` value belongs to (longest match), or None; a bare
    name (`io,stat`, `conv`) belongs to its kind, which tells what it lacks."""
    hits = [p for p in KIND_MODULES if arg.startswith(p) or arg == p.rstrip(",")]
    return max(hits, key=len) if hits else None


def _kind(prefix: str) -> TapKind:
    if prefix not in _KINDS:
        importlib.import_module(KIND_MODULES[prefix])
    return _KINDS[prefix]


def build_taps(args: list[str]) -> list[tuple[TapKind, list[Any]]]:
    """The taps for all `-z` values, grouped by kind in order of first appearance."""
    groups: list[tuple[str, list[str]]] = []
    shared: dict[str, list[str]] = {}
    for a in args:
        prefix = kind_of(a)
        if prefix is None:
            continue
        if _kind(prefix).per_tap:
            groups.append((prefix, [a]))
        elif prefix in shared:
            shared[prefix].append(a)
        else:
            shared[prefix] = [a]
            groups.append((prefix, shared[prefix]))
    out = []
    for prefix, values in groups:
        kind = _kind(prefix)
        out.append((kind, kind.build(values)))
    return out


def feed(taps: list[tuple[TapKind, list[Any]]], pkt: Packet) -> None:
    for _, group in taps:
        for tap in group:
            tap.packet(pkt)


def report(taps: list[tuple[TapKind, list[Any]]]) -> str:
    """Every kind's text; tshark draws the last registered statistic first."""
    return "".join(kind.report(group) for kind, group in reversed(taps))


__all__ = ["register", "build_taps", "feed", "report", "kind_of", "KIND_MODULES",
           "TapArgError", "Tap", "statistic_names", "help_text"]
