"""`--explain-addresses`: the learner's view of a packet, as the course teaches it.

For each IPv4 address: its class (A-E) and what it is (private RFC 1918, loopback,
link-local, multicast, limited or directed broadcast, "this network", reserved,
public); for each port: well-known (0-1023, with its service), registered
(1024-49151) or dynamic (49152-65535); and the packet's encapsulation drawn as boxes,
one per layer with its size. A directed broadcast can only be told with the network's
mask: `--netmask /24` (or 255.255.255.0) gives it; without it, only the limited
broadcast 255.255.255.255 is named.
"""

from __future__ import annotations

import ipaddress
import socket

from dissectors.packet import Packet

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
_LAYER_NAMES = {"eth": "Ethernet", "vlan": "802.1Q", "ip": "IPv4", "ipv6": "IPv6",
                "arp": "ARP", "udp": "UDP", "tcp": "TCP", "icmp": "ICMP", "icmpv6": "ICMPv6",
                "tftp": "TFTP", "ipmsg": "IPMSG", "dns": "DNS", "dhcp": "DHCP", "http": "HTTP",
                "data": "data", "sll": "SLL", "null": "Null"}


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
    if port <= 1023:
        name = service_name(port, proto)
        return f"{port}: well-known" + (f" ({name})" if name else "")
    if port <= 49151:
        return f"{port}: registered"
    return f"{port}: dynamic/private"


def layers(pkt: Packet) -> list[tuple[str, int]]:
    """(layer name, header bytes) from the outermost header in, as the frame carries them."""
    out = []
    seen: set[str] = set()
    for item in pkt.tree:
        f = item.field
        if f is None or f.type.value != "FT_PROTOCOL" or f.abbrev in ("frame",) or \
                f.abbrev.startswith("_ws."):
            continue
        name = f.abbrev
        if name in seen and name not in ("ip", "ipv6", "vlan"):
            continue
        seen.add(name)
        out.append((_LAYER_NAMES.get(name, name.upper()), item.length))
    return out


def diagram(parts: list[tuple[str, int]]) -> list[str]:
    """Boxes side by side: name over size."""
    cells = [(name, f"{size} B") for name, size in parts]
    widths = [max(len(a), len(b)) + 2 for a, b in cells]
    rule = "+" + "+".join("-" * w for w in widths) + "+"
    top = "|" + "|".join(f" {a:<{w - 1}}" for (a, _), w in zip(cells, widths, strict=True)) + "|"
    bottom = "|" + "|".join(f" {b:<{w - 1}}" for (_, b), w in zip(cells, widths, strict=True)) \
        + "|"
    return [rule, top, bottom, rule]


def explain(pkt: Packet, netmask: int | None = None) -> str:
    """The learner's block printed under a packet's line."""
    lines = []
    es, ed = pkt.index.get("eth.src"), pkt.index.get("eth.dst")
    if es and ed:
        lines.append(f"    MAC  {describe_mac(bytes(es[0].value))} -> "
                     f"{describe_mac(bytes(ed[0].value))}")
    for src_f, dst_f in (("ip.src", "ip.dst"), ("arp.src.proto_ipv4", "arp.dst.proto_ipv4")):
        s, d = pkt.index.get(src_f), pkt.index.get(dst_f)
        if s and d:
            lines.append("    From " + describe_ipv4(str(ipaddress.IPv4Address(s[0].value)),
                                                     netmask))
            lines.append("    To   " + describe_ipv4(str(ipaddress.IPv4Address(d[0].value)),
                                                     netmask))
    for proto in ("udp", "tcp"):
        sp, dp = pkt.index.get(f"{proto}.srcport"), pkt.index.get(f"{proto}.dstport")
        if sp and dp:
            lines.append(f"    {proto.upper()} source port {describe_port(sp[0].value, proto)}"
                         f"; destination port {describe_port(dp[0].value, proto)}")
            break
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


__all__ = ["explain", "describe_ipv4", "describe_mac", "describe_port", "ipv4_class", "layers", "diagram",
           "parse_netmask"]
