"""`--explain-addresses`: the learner's view of a packet, as the course teaches it.

For each IPv4 address: its class (A-E), what it is (private RFC 1918, loopback,
link-local, multicast, limited or directed broadcast, "this network", reserved,
public) and its network and host parts (by `--netmask`, else the class's default
mask); for each port: well-known (0-1023, with its service) or dynamic (1024-65535),
the course's split, with IANA's finer one (registered 1024-49151, dynamic/private
49152-65535) as a note; and the packet's encapsulation drawn as boxes, one per layer
with the bytes it adds and its TCP/IP layer, adding up to the frame. A directed
broadcast is named by `--netmask /24` (or 255.255.255.0), or by the frame's
destination MAC ff:ff:ff:ff:ff:ff. Headers an ICMP error quotes are shown as quoted,
not as the packet's own.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

from dissectors.offers import (
    CONVERSATIONS,
    LEARNER_LAYERS,
    LEARNER_REASSEMBLED,
    LEARNER_UNCLAIMED,
    LearnerLayer,
)
from dissectors.packet import Item, Packet

_PRIVATE = [ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]
_LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")
_LINK_LOCAL = ipaddress.IPv4Network("169.254.0.0/16")
_THIS_NET = ipaddress.IPv4Network("0.0.0.0/8")
_MULTICAST = ipaddress.IPv4Network("224.0.0.0/4")
_RESERVED = ipaddress.IPv4Network("240.0.0.0/4")
_LIMITED_BCAST = ipaddress.IPv4Address("255.255.255.255")

# The services a lab meets, named as /etc/services names them (a minimal machine may
# have no /etc/services; getservbyport is asked first).
_SERVICES = {20: "ftp-data", 21: "ftp", 22: "ssh", 23: "telnet", 25: "smtp", 53: "domain",
             67: "bootps", 68: "bootpc", 69: "tftp", 80: "http", 110: "pop3", 123: "ntp",
             137: "netbios-ns", 138: "netbios-dgm", 139: "netbios-ssn", 143: "imap2",
             161: "snmp", 162: "snmp-trap", 389: "ldap", 443: "https", 445: "microsoft-ds",
             514: "syslog", 520: "router", 587: "submission", 993: "imaps", 995: "pop3s"}


def ipv4_class(addr: ipaddress.IPv4Address) -> str:
    first = int(addr) >> 24
    if first < 128:
        return "A"
    if first < 192:
        return "B"
    if first < 224:
        return "C"
    if first < 240:
        return "D"
    return "E"


_CLASS_MASK = {"A": 8, "B": 16, "C": 24}


def split_ipv4(text: str, netmask: int | None = None) -> str | None:
    """`network 10.98.0.0/24 + host 0.0.0.255 (--netmask)`: the two parts of an address,
    by the given mask, else by its class's default mask (none for classes D and E)."""
    addr = ipaddress.IPv4Address(text)
    if netmask is None:
        cls = ipv4_class(addr)
        if cls not in _CLASS_MASK:
            return None
        netmask, why = _CLASS_MASK[cls], f"class {cls} default mask /{_CLASS_MASK[cls]}"
    else:
        why = f"--netmask /{netmask}"
    net = ipaddress.IPv4Network((int(addr), netmask), strict=False)
    host = ipaddress.IPv4Address(int(addr) & ~int(net.netmask) & 0xFFFFFFFF)
    return f"network {net} + host {host} ({why})"


def describe_ipv4(text: str, netmask: int | None = None) -> str:
    """`192.168.1.255: class C, private (RFC 1918), directed broadcast of 192.168.1.0/24`."""
    addr = ipaddress.IPv4Address(text)
    kinds = []
    if addr == _LIMITED_BCAST:
        kinds.append("limited broadcast")
    elif addr in _MULTICAST:
        kinds.append("multicast")
    elif addr in _LOOPBACK:
        kinds.append("loopback")
    elif addr in _LINK_LOCAL:
        kinds.append("link-local")
    elif addr in _THIS_NET:
        kinds.append('"this network"')
    elif addr in _RESERVED:
        kinds.append("reserved")
    elif any(addr in n for n in _PRIVATE):
        kinds.append("private (RFC 1918)")
    else:
        kinds.append("public")
    if netmask is not None and addr != _LIMITED_BCAST and netmask < 31 and \
            addr not in _MULTICAST and addr not in _RESERVED:
        net = ipaddress.IPv4Network((int(addr), netmask), strict=False)
        if addr == net.broadcast_address:
            kinds.append(f"directed broadcast of {net}")
        elif addr == net.network_address:
            kinds.append(f"network address of {net}")
    return f"{text}: class {ipv4_class(addr)}, {', '.join(kinds)}"


def describe_mac(mac: bytes) -> str:
    """`ff:ff:ff:ff:ff:ff (broadcast)`; the I/G bit tells group from individual."""
    text = mac.hex(":")
    if mac == b"\xff" * 6:
        return f"{text} (broadcast)"
    return f"{text} ({'multicast' if mac[0] & 1 else 'unicast'})"


def service_name(port: int, proto: str) -> str | None:
    try:
        return socket.getservbyport(port, proto)
    except OSError:
        return _SERVICES.get(port)


def describe_port(port: int, proto: str) -> str:
    """The course's split, well-known 0-1023 / dynamic 1024-65535, with IANA's as a note."""
    if port <= 1023:
        name = service_name(port, proto)
        return f"{port}: well-known" + (f" ({name})" if name else "")
    if port <= 49151:
        return f"{port}: dynamic (IANA: registered 1024-49151)"
    return f"{port}: dynamic (IANA: dynamic/private 49152-65535)"


def layers(pkt: Packet) -> list[tuple[str, int, str]]:
    """(layer name, bytes it adds, TCP/IP layer) from the outermost header in.

    A protocol's tree item may span what it carries (HTTP its body, ICMP the packet
    it quotes): each byte of the frame belongs to the innermost layer spanning it, so
    HTTP counts its headers and the body its own box. A layer that starts where the
    one before it starts and lies inside it (FeiQ's part of an IPMSG header) shares
    its box. Bytes no layer spans (Ethernet padding, a trailer) get a box, so the
    sizes add up to the captured frame. A layer inside a network layer's span (the
    payload an ICMP error quotes, shown at the top level as tshark does) is part of that
    box. Layers of reassembled data are not counted: a
    layer on another data source, or (some dissectors do not note the source) one that
    starts before the layer it follows, and every layer after it.
    """
    size = len(pkt.frame.data)
    spans: list[list[Any]] = []  # [names, start, end]
    for item in pkt.tree:
        f = item.field
        if f is None or f.type.value != "FT_PROTOCOL" or f.abbrev in ("frame",) or \
                f.abbrev.startswith("_ws.") or item.length <= 0:
            continue
        if item.source != 0 or (spans and item.offset < spans[-1][1]):
            break
        a, b = max(0, item.offset), min(size, item.offset + item.length)
        if spans and spans[-1][1] < a and b <= spans[-1][2] and \
                _layer(spans[-1][0][0]).tcpip == "network":
            continue  # inside a network layer's span: what an ICMP error quotes
        if spans and a == spans[-1][1] and b <= spans[-1][2]:
            spans[-1][0].append(f.abbrev)  # e.g. IPMSG/FEIQ
        elif a < b:
            spans.append([[f.abbrev], a, b])
    cuts = sorted({0, size} | {x for _, a, b in spans for x in (a, b)})
    runs: list[tuple[int, int]] = []  # (index in spans or -1, bytes)
    for a, b in zip(cuts, cuts[1:], strict=False):
        owner = next((i for i in range(len(spans) - 1, -1, -1)
                      if spans[i][1] <= a and b <= spans[i][2]), -1)
        if runs and runs[-1][0] == owner:
            runs[-1] = (owner, runs[-1][1] + b - a)
        else:
            runs.append((owner, b - a))
    out = []
    at = 0
    for owner, n in runs:
        at += n
        if owner < 0:
            out.append(_unclaimed(pkt, at - n, at))
            continue
        names = spans[owner][0]
        out.append(("/".join(_layer(x).name for x in names), n, _layer(names[0]).tcpip))
    return out if spans else []


def _layer(proto: str) -> LearnerLayer:
    """How the diagram names a protocol's box: as its module registered
    (`dissectors.offers.register_learner_layer`), else its name in capitals."""
    return LEARNER_LAYERS.get(proto) or LearnerLayer(proto.upper())


def _unclaimed(pkt: Packet, a: int, b: int) -> tuple[str, int, str]:
    """The box of frame bytes [a, b) that no layer spans, named by the field holding them
    (a TCP segment that is reassembled elsewhere, Ethernet padding or trailer), as the
    protocols registered them (`dissectors.offers.register_learner_unclaimed`)."""
    for abbrev, (name, layer) in LEARNER_UNCLAIMED.items():
        for item in pkt.index.get(abbrev, ()):
            if item.source == 0 and item.offset <= a and b <= item.offset + item.length:
                return name, b - a, layer
    if any(f in pkt.index for f in LEARNER_REASSEMBLED):  # the last fragment's share
        return "fragment data", b - a, "network"
    return "undecoded", b - a, "-"


def diagram(parts: list[tuple[str, int, str]]) -> list[str]:
    """Boxes side by side: name over size over TCP/IP layer."""
    cells = [(name, f"{size} B", layer) for name, size, layer in parts]
    widths = [max(map(len, c)) + 2 for c in cells]
    rule = "+" + "+".join("-" * w for w in widths) + "+"
    rows = ["|" + "|".join(f" {c[k]:<{w - 1}}" for c, w in zip(cells, widths, strict=True))
            + "|" for k in range(3)]
    return [rule, *rows, rule]


def _kids(layer: Item, src: str, dst: str) -> tuple[Any, Any] | None:
    """The values of fields `src` and `dst` directly under `layer`, or None."""
    got = {k.field.abbrev: k.value for k in layer.children or () if k.field is not None}
    if src in got and dst in got:
        return got[src], got[dst]
    return None


def _addresses(pkt: Packet, top: set[int]) -> list[tuple[str, Any, Any]]:
    """("ip" | "quoted" | "arp", source, destination) of each IPv4 header and of ARP."""
    out = []
    for layer in pkt.index.get("ip", ()):
        pair = _kids(layer, "ip.src", "ip.dst")
        if pair:
            out.append(("ip" if id(layer) in top else "quoted", *pair))
    s, d = pkt.index.get("arp.src.proto_ipv4"), pkt.index.get("arp.dst.proto_ipv4")
    if s and d:
        out.append(("arp", s[0].value, d[0].value))
    return out


def explain(pkt: Packet, netmask: int | None = None) -> str:
    """The learner's block printed under a packet's line."""
    lines = []
    top = {id(item) for item in pkt.tree}
    es, ed = pkt.index.get("eth.src"), pkt.index.get("eth.dst")
    mac_bcast = bool(ed) and bytes(ed[0].value) == b"\xff" * 6
    if es and ed:
        lines.append(f"    MAC  {describe_mac(bytes(es[0].value))} -> "
                     f"{describe_mac(bytes(ed[0].value))}")
    for kind, s, d in _addresses(pkt, top):
        if kind == "quoted":  # the header of the packet an ICMP error reports on
            lines.append(f"    Quoted by the ICMP error: IPv4 {ipaddress.IPv4Address(s)} -> "
                         f"{ipaddress.IPv4Address(d)} (the packet that caused it)")
            continue
        for word, addr in (("From", s), ("To  ", d)):
            text = describe_ipv4(str(ipaddress.IPv4Address(addr)), netmask)
            # A datagram sent to the broadcast MAC is a broadcast, mask or no mask.
            if word == "To  " and kind == "ip" and mac_bcast and "broadcast" not in text:
                text += ", broadcast (sent to the broadcast MAC ff:ff:ff:ff:ff:ff)"
            lines.append(f"    {word} {text}")
            parts = split_ipv4(str(ipaddress.IPv4Address(addr)), netmask)
            if parts:
                lines.append(f"         {parts}")
    # The transports: the conversation types with ports (udp.py, tcp.py register them).
    transports = [c for c in CONVERSATIONS.values() if c.over]
    if any(c.src in pkt.index for c in transports):
        lines.append("    Ports: well-known 0-1023, dynamic 1024-65535")
    for conv in transports:
        proto = conv.proto
        for layer in pkt.index.get(proto, ()):
            pair = _kids(layer, conv.src, conv.dst)
            if pair is None:
                continue
            head = f"    {proto.upper()} " if id(layer) in top else \
                f"    Quoted by the ICMP error: {proto.upper()} "
            lines.append(f"{head}source port {describe_port(pair[0], proto)}"
                         f"; destination port {describe_port(pair[1], proto)}")
    parts = layers(pkt)
    if parts:
        lines.append("    Encapsulation:")
        lines += ["      " + ln for ln in diagram(parts)]
    return "\n".join(lines) + "\n" if lines else ""


def parse_netmask(text: str | None) -> int | None:
    """`/24`, `24` or `255.255.255.0` -> 24."""
    if not text:
        return None
    t = text.lstrip("/")
    if t.isdigit():
        n = int(t)
        if 0 <= n <= 32:
            return n
        raise ValueError(f"netmask /{n} is not between /0 and /32")
    return ipaddress.IPv4Network(f"0.0.0.0/{t}").prefixlen


__all__ = ["explain", "describe_ipv4", "describe_mac", "describe_port", "ipv4_class", "layers",
           "diagram", "parse_netmask", "split_ipv4"]
