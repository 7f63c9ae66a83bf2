"""`-z dns,tree`, `-z http,tree`, `-z http_req,tree` and `-z http_srv,tree` as
declarations on analyzer/stats/tree.py.

Each counts once per message its tap sees (the `dns` layers of the packet; the messages
HTTP says its tap saw: SSDP's too, and bytes it shows nothing for), from the dissector's
own fields and their value names (Wireshark's names: dns.flags.rcode, dns.qry.type, ...);
nothing is parsed again here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from analyzer.stats.conv import _addr
from analyzer.stats.tree import Kind, Tree, declare, register_kinds
from dissectors.offers import tapped, untapped
from dissectors.packet import Item, Packet
from dissectors.registry import REGISTRY

_DNS_TOPS = ("Total Packets", "Payload size", "Query Stats", "Response Stats",
             "Service Stats")
_DNS_PIVOTS = ("Query/Response", "Query Type", "Class", "rcode", "opcodes")
_LEVELS = {1: "1st Level", 2: "2nd Level", 3: "3rd Level"}


class _Fields:
    """The fields under one protocol item: first value and its value name."""

    def __init__(self, item: Item | None, pkt: Packet) -> None:
        self.items: dict[str, Item] = {}
        self.src, self.dst = _addr(pkt.net_src), _addr(pkt.net_dst)
        stack = list(reversed(item.children or ())) if item is not None else []
        while stack:
            c = stack.pop()
            if c.field is not None:
                self.items[c.field.abbrev] = c  # the last one wins (the last query)
            if c.children:
                stack.extend(reversed(c.children))
        self.length = item.length if item is not None else 0
        self.offset = item.offset if item is not None else 0

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
    """The messages of `proto` its taps saw: each of its layers, but those it leaves
    untapped (`dissectors.offers.register_untapped`, as DNS does), unless the protocol
    says which (`register_tapped`, as HTTP does)."""

    def taps(pkt: Packet) -> Iterator[_Fields]:
        said = tapped(proto, pkt)
        if said is not None:
            for item in said:
                yield _Fields(item, pkt)
            return
        skip = untapped(proto, pkt)
        for item in pkt.tree:
            if item.field is not None and item.field.abbrev == proto \
                    and id(item) not in skip:
                yield _Fields(item, pkt)
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
    counts = [(r.child(name), int(m.value(field))) for name, field in (
        ("no. of questions", "dns.count.queries"), ("no. of answers", "dns.count.answers"),
        ("no. of authorities", "dns.count.auth_rr"), ("no. of additionals", "dns.count.add_rr"))]
    for node, value in counts:
        tree.add_value(node, value)
    s = tree.top("Service Stats")
    if m.value("dns.unsolicited", False):
        tree.tick(s.child("no. of unsolicited responses"))
        return
    # tshark 4.0's tap adds a solicited response's counts a second time (packet-dns.c)
    for node, value in counts:
        tree.add_value(node, value)
    if m.value("dns.retransmission", False):
        tree.tick(s.child("no. of retransmissions"))
    elif "dns.time" in m.items:
        ns = int(m.value("dns.time"))
        tree.add_value(s.child("request-response time (msec)"),
                       ns // 1_000_000_000 * 1000.0 + (ns % 1_000_000_000) / 1e6)


_HTTP_TOP = "Total HTTP Packets"
_HTTP_GROUPS = ("???: broken", "1xx: Informational", "2xx: Success", "3xx: Redirection",
                "4xx: Client Error", "5xx: Server Error")


def _http_init(tree: Tree) -> None:
    top = tree.top(_HTTP_TOP)
    resp = top.child("HTTP Response Packets")
    for g in _HTTP_GROUPS:
        resp.child(g)
    top.child("HTTP Request Packets")
    top.child("Other HTTP Packets")


def _tap_method(m: _Fields) -> str | None:
    """The request method as HTTP's tap holds it: without RFC 2774's "M-" prefix
    (is_http_request_or_reply skips it: SSDP's M-SEARCH is SEARCH there)."""
    method = m.value("http.request.method", None)
    if method is None:
        return None
    method = str(method)
    return method[2:] if method.startswith("M-") else method


def _http(tree: Tree, m: _Fields) -> None:
    top = tree.tick(tree.top(_HTTP_TOP))
    method = _tap_method(m)
    code = m.value("http.response.code", None)
    if method is not None:
        tree.tick_name(tree.tick(top.child("HTTP Request Packets")), method)
    elif code is not None:
        code = int(code)
        resp = tree.tick(top.child("HTTP Response Packets"))
        group = _HTTP_GROUPS[code // 100] if 100 <= code < 600 else _HTTP_GROUPS[0]
        desc = m.value("http.response.code.desc", "Unknown")
        tree.tick_name(tree.tick(resp.child(group)), f"{code} {desc}")
    else:
        tree.tick(top.child("Other HTTP Packets"))


def _http_req(tree: Tree, m: _Fields) -> None:
    """Every request counts; its host and URI only when it has them."""
    if m.value("http.request.method", None) is None:
        return
    top = tree.tick(tree.top("HTTP Requests by HTTP Host"))
    host, uri = m.value("http.host", None), m.value("http.request.uri", None)
    if host is not None:
        by_host = tree.tick_name(top, str(host))
        if uri is not None:
            tree.tick_name(by_host, str(uri))


def _http_srv_init(tree: Tree) -> None:
    reqs = tree.top("HTTP Requests by Server")
    reqs.child("HTTP Requests by Server Address")
    reqs.child("HTTP Requests by HTTP Host")
    tree.top("HTTP Responses by Server Address")


def _http_srv(tree: Tree, m: _Fields) -> None:
    host = m.value("http.host", None)
    code = m.value("http.response.code", None)
    if m.value("http.request.method", None) is not None:
        reqs = tree.tick(tree.top("HTTP Requests by Server"))
        by_addr = tree.tick(reqs.child("HTTP Requests by Server Address"))
        by_host = tree.tick(reqs.child("HTTP Requests by HTTP Host"))
        addr = tree.tick_name(by_addr, m.dst)
        if host is not None:
            tree.tick_name(tree.tick_name(by_host, str(host)), m.dst)
            tree.tick_name(addr, str(host))
    elif code is not None and int(code) != 0:
        resps = tree.tick(tree.top("HTTP Responses by Server Address"))
        addr = tree.tick_name(resps, m.src)
        # (tshark 4.0's test is 100 < code < 400: 101 Switching Protocols is OK, 100 is not)
        tree.tick_name(addr, "OK" if 100 < int(code) < 400 else "KO")


declare(Kind("dns", "DNS", _messages("dns"), _dns, _dns_init))
declare(Kind("http", "HTTP/Packet Counter", _messages("http"), _http, _http_init))
declare(Kind("http_req", "HTTP/Requests", _messages("http"), _http_req,
             lambda tree: tree.top("HTTP Requests by HTTP Host") and None))
declare(Kind("http_srv", "HTTP/Load Distribution", _messages("http"), _http_srv,
             _http_srv_init))
register_kinds(["dns", "http", "http_req", "http_srv"])
