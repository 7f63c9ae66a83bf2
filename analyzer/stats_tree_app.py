"""`-z dns,tree` (and later the HTTP trees) as declarations on analyzer/stats_tree.py.

Each counts once per message its tap sees (a DNS message: the `dns` layers of the
packet), from the dissector's own fields and their value names (Wireshark's names:
dns.flags.rcode, dns.qry.type, ...); nothing is parsed again here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from analyzer.stats_tree import Kind, Tree, declare, register_kinds
from dissectors.packet import Item, Packet
from dissectors.registry import REGISTRY

_DNS_TOPS = ("Total Packets", "Payload size", "Query Stats", "Response Stats",
             "Service Stats")
_DNS_PIVOTS = ("Query/Response", "Query Type", "Class", "rcode", "opcodes")
_LEVELS = {1: "1st Level", 2: "2nd Level", 3: "3rd Level"}


class _Fields:
    """The fields under one protocol item: first value and its value name."""

    def __init__(self, item: Item) -> None:
        self.items: dict[str, Item] = {}
        stack = list(reversed(item.children or ()))
        while stack:
            c = stack.pop()
            if c.field is not None:
                self.items[c.field.abbrev] = c  # the last one wins (the last query)
            if c.children:
                stack.extend(reversed(c.children))
        self.length = item.length

    def value(self, abbrev: str, default: Any = 0) -> Any:
        item = self.items.get(abbrev)
        return default if item is None else item.value

    def name(self, abbrev: str, unknown: str) -> str:
        """The value's name as the field names it (a field not in the message is 0)."""
        item = self.items.get(abbrev)
        v = 0 if item is None else int(item.value)
        field = REGISTRY.get(abbrev) if item is None else item.field
        strings = field.strings if field is not None else None
        if isinstance(strings, dict) and v in strings:
            return strings[v]
        return unknown % v


def _messages(proto: str) -> Any:
    def taps(pkt: Packet) -> Iterator[_Fields]:
        for item in pkt.tree:
            if item.field is not None and item.field.abbrev == proto:
                yield _Fields(item)
    return taps


def _dns_init(tree: Tree) -> None:
    for name in _DNS_TOPS:
        tree.top(name)
    for pivot in _DNS_PIVOTS:
        tree.top("Total Packets").child(pivot)
    q = tree.top("Query Stats")
    q.child("Qname Len")
    labels = q.child("Label Stats")
    for name in (*_LEVELS.values(), "4th Level or more"):
        labels.child(name)
    r = tree.top("Response Stats")
    for name in ("no. of questions", "no. of answers", "no. of authorities",
                 "no. of additionals"):
        r.child(name)
    s = tree.top("Service Stats")
    for name in ("request-response time (msec)", "no. of unsolicited responses",
                 "no. of retransmissions"):
        s.child(name)


def _dns(tree: Tree, m: _Fields) -> None:
    top = tree.tick(tree.top("Total Packets"))
    response = bool(m.value("dns.flags.response", False))
    for pivot, name in (
            ("Query/Response", "Response" if response else "Query"),
            ("Query Type", m.name("dns.qry.type", "Unknown packet type (%d)")),
            ("Class", m.name("dns.qry.class", "Unknown class (%d)")),
            ("rcode", m.name("dns.flags.rcode", "Unknown rcode (%d)")),
            ("opcodes", m.name("dns.flags.opcode", "Unknown opcode (%d)"))):
        tree.tick_name(tree.tick(top.child(pivot)), name)
    tree.add_value(tree.top("Payload size"), m.length)
    if not response:
        q = tree.top("Query Stats")
        tree.add_value(q.child("Qname Len"), int(m.value("dns.qry.name.len")))
        labels = int(m.value("dns.count.labels"))
        tree.tick(q.child("Label Stats").child(_LEVELS.get(labels, "4th Level or more")))
        return
    r = tree.top("Response Stats")
    for name, field in (("no. of questions", "dns.count.queries"),
                        ("no. of answers", "dns.count.answers"),
                        ("no. of authorities", "dns.count.auth_rr"),
                        ("no. of additionals", "dns.count.add_rr")):
        for _ in range(2):  # tshark 4.0 counts each response twice here (seen)
            tree.add_value(r.child(name), int(m.value(field)))
    s = tree.top("Service Stats")
    if m.value("dns.unsolicited", False):
        tree.tick(s.child("no. of unsolicited responses"))
    elif m.value("dns.retransmission", False):
        tree.tick(s.child("no. of retransmissions"))
    elif "dns.time" in m.items:
        ns = int(m.value("dns.time"))
        tree.add_value(s.child("request-response time (msec)"),
                       ns // 1_000_000_000 * 1000.0 + (ns % 1_000_000_000) / 1e6)


declare(Kind("dns", "DNS", _messages("dns"), _dns, _dns_init))
register_kinds(["dns"])
