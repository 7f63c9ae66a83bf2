"""LINKTYPE_* numbers (tcpdump.org registry) for the link layers labshark dissects.

Names follow Wireshark's encapsulation descriptions so messages read the same.
"""

from __future__ import annotations

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW_12 = 12  # DLT_RAW on some BSDs, raw IP
LINKTYPE_RAW_14 = 14  # DLT_RAW on others, raw IP
LINKTYPE_RAW = 101
LINKTYPE_LOOP = 108
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276

#: pcap header "LinkType and additional information": the link type is the low 26
#: bits; bit 26 says an FCS length is given in bits 28-31 (masked off like wiretap).
LINKTYPE_MASK = 0x03FF_FFFF
FCS_PRESENT = 0x0400_0000

NAMES: dict[int, str] = {
    LINKTYPE_NULL: "NULL/Loopback",
    LINKTYPE_ETHERNET: "Ethernet",
    LINKTYPE_RAW_12: "Raw IP",
    LINKTYPE_RAW_14: "Raw IP",
    LINKTYPE_RAW: "Raw IP",
    LINKTYPE_LOOP: "OpenBSD loopback",
    LINKTYPE_LINUX_SLL: "Linux cooked-mode capture v1",
    LINKTYPE_IPV4: "Raw IPv4",
    LINKTYPE_IPV6: "Raw IPv6",
    LINKTYPE_LINUX_SLL2: "Linux cooked-mode capture v2",
}

#: Link types whose frames start directly with an IPv4 or IPv6 header.
RAW_IP = frozenset({LINKTYPE_RAW_12, LINKTYPE_RAW_14, LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6})


def linktype_name(linktype: int) -> str:
    """Human name of any link type, for messages; unknown ones say their number."""
    name = NAMES.get(linktype)
    return name if name is not None else f"link type {linktype}"


def is_supported(linktype: int) -> bool:
    """True for the link types labshark's dissectors start from."""
    return linktype in NAMES
