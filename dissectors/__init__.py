"""Protocol dissectors; importing this package registers every protocol module."""

from __future__ import annotations

import importlib

from dissectors.compiled import use_compiled

# The mypyc-compiled hot modules, when built and up to date (captures/compiled_build.py).
COMPILED = use_compiled()

# Order matters only for heuristic lists (tried in registration order).
PROTOCOL_MODULES = (
    "data", "eth", "vlan", "llc", "arp", "sll", "null", "tr", "fddi", "rawip", "ip", "ipv6", "icmp",
    "icmpv6", "icmpv6_more", "icmpv6_opts", "udp", "tcp", "dns", "dns_rr", "dns_rr_more", "mdns", "llmnr", "nbns",
    "nbdgm", "nbss", "smb",
    "smb_access", "smb2", "dhcp", "http",
    "tls", "ssh", "ssdp", "tftp", "ipmsg", "ftp", "telnet", "imf", "pop", "imap", "smtp",
    "vxlan", "geneve", "stp", "gre", "erspan", "loop", "lldp", "cdp", "dtp",
    "ntp", "igmp", "snmp", "dhcpv6", "xml", "ntlmssp", "smb_cmds", "smb_trans2", "dcerpc", "dcerpc_stub", "smb_pipe", "gssapi",
    "kerberos", "gtp", "ppp", "lcp", "ipcp", "ipv6cp", "pap", "chap", "pppoe", "l2tp", "eap", "eapol",
    "ospf", "ndp", "sctp", "rsvp", "pim", "wg", "socks", "wow", "xmpp", "json", "db_lsp",
    "quic", "steam_ihs", "megaco", "sdp", "sip", "sflow", "etch", "netlink", "x11",
    "image_gif", "image_png", "image_jfif", "fr", "rpc", "nfs", "portmap", "ipx",
)

for _name in PROTOCOL_MODULES:
    importlib.import_module(f"dissectors.{_name}")

from dissectors.frame import dissect  # noqa: E402
from dissectors.registry import REGISTRY  # noqa: E402
from dissectors.session import Session  # noqa: E402

__all__ = ["dissect", "REGISTRY", "Session", "PROTOCOL_MODULES"]
