"""NetBIOS names as NBNS, NBDS and NBSS carry them (RFC 1001/1002), shown as tshark 4.0
shows them, and the bitmask-header summary those protocols' flag words share.

A NetBIOS name is 16 bytes: 15 name characters (space padded) and a type byte. On the
wire it is "first-level encoded" (each byte as two letters 'A'+nibble) into a 32-byte
DNS label, optionally followed by scope labels; DNS's label reader (with its
compression pointers) reads it. tshark prints it as `FRED<20>`, non-printable
characters as `<xx>`, and the type's description in parentheses.
"""

from __future__ import annotations

from dissectors.dns_labels import get_raw_name
from dissectors.escape import format_text
from dissectors.format import masked_label
from dissectors.registry import FT, Field
from dissectors.tvb import Tvb

NETBIOS_NAME_LEN = 16

# Wireshark's packet-netbios.c name_type_vals (netbios_name_type_descr).
NAME_TYPES = {
    0x00: "Workstation/Redirector", 0x01: "Browser", 0x02: "Workstation/Redirector",
    0x03: "Messenger service/Main name", 0x05: "Forwarded name", 0x06: "RAS Server service",
    0x1B: "Domain Master Browser", 0x1C: "Domain Controllers", 0x1D: "Local Master Browser",
    0x1E: "Browser Election Service", 0x1F: "Net DDE Service", 0x20: "Server service",
    0x21: "RAS client service", 0x22: "Exchange Interchange (MSMail Connector)",
    0x23: "Exchange Store", 0x24: "Exchange Directory", 0x2B: "Lotus Notes Server service",
    0x30: "Modem sharing server service", 0x31: "Modem sharing client service",
    0x43: "SMS Clients Remote Control", 0x44: "SMS Administrators Remote Control Tool",
    0x45: "SMS Clients Remote Chat", 0x46: "SMS Clients Remote Transfer",
    0x4C: "DEC Pathworks TCP/IP Service on Windows NT",
    0x52: "DEC Pathworks TCP/IP Service on Windows NT", 0x6A: "Microsoft Exchange IMC",
    0x87: "Microsoft Exchange MTA", 0xBE: "Network Monitor Agent",
    0xBF: "Network Monitor Analyzer",
}


def type_descr(name_type: int) -> str:
    return NAME_TYPES.get(name_type, "Unknown")


def printable_name(raw: bytes) -> tuple[str, int]:
    """(the 15 name characters, printable, trailing spaces removed; the type byte):
    Wireshark's process_netbios_name."""
    out = []
    for c in raw[:NETBIOS_NAME_LEN - 1]:
        out.append(chr(c) if 0x20 <= c <= 0x7E else f"<{c:02x}>")
    return "".join(out).rstrip(" "), raw[NETBIOS_NAME_LEN - 1]


def decode_first_level(encoded: bytes) -> tuple[str, int]:
    """(the name as tshark shows it, its type or -1 when the encoding is illegal)."""
    buf = bytearray()
    i = 0
    n = len(encoded)
    while True:
        if i >= n or encoded[i] in (0, 0x2E):
            break
        hi = encoded[i]
        if not 0x41 <= hi <= 0x5A:
            return ("Illegal NetBIOS name (1st character not between A and Z in first-level "
                    "encoding)"), -1
        i += 1
        if i >= n or encoded[i] in (0, 0x2E):
            return "Illegal NetBIOS name (odd number of bytes)", -1
        lo = encoded[i]
        if not 0x41 <= lo <= 0x5A:
            return ("Illegal NetBIOS name (2nd character not between A and Z in first-level "
                    "encoding)"), -1
        i += 1
        if len(buf) < NETBIOS_NAME_LEN:
            buf.append((((hi - 0x41) << 4) | (lo - 0x41)) & 0xFF)
    if len(buf) != NETBIOS_NAME_LEN:
        return f"Illegal NetBIOS name ({len(buf)} bytes long)", -1
    name, name_type = printable_name(bytes(buf))
    name += f"<{name_type:02x}>"
    if i < n and encoded[i] == 0x2E:
        name += format_text(encoded[i:])  # the scope ID, with its leading dot
    return name, name_type


def get_nbns_name(tvb: Tvb, off: int, msg_start: int) -> tuple[str, int, int]:
    """(name, its type or -1, bytes used at `off`): DNS's label reader, then the
    first-level decoding (Wireshark's get_nbns_name)."""
    raw, used = get_raw_name(tvb, off, msg_start)
    encoded = raw.encode("latin-1", "replace") if isinstance(raw, str) else raw
    name, name_type = decode_first_level(encoded)
    return name, name_type, used


def name_with_type(name: str, name_type: int) -> str:
    """The `NAME<xx> (description)` text add_name_and_type shows."""
    return f"{name} ({type_descr(name_type)})" if name_type != -1 else name


LABEL_MAX = 239  # proto_item_append_text's room in Wireshark's 240-byte label buffer


def bitmask_header(label: str, value: int, fields: tuple[Field, ...]) -> str:
    """proto_tree_add_bitmask's header line: `Flags: 0x0110, Opcode: Name query, Broadcast`
    — each set boolean's name, each named integer's `name: value name` ("Unknown" when
    the value has no name); integers without names are left out."""
    parts = [label]
    for f in fields:
        v = (value & f.bitmask) >> f.shift
        if f.type is FT.BOOLEAN:
            if v:
                parts.append(f.name)
        elif f.strings is not None:
            parts.append(f"{f.name}: {f.value_name(v) or 'Unknown'}")
    text = ", ".join(parts)
    if len(text) > LABEL_MAX:  # (appended to the label: cut silently, no "[truncated]")
        text = text.encode("utf-8")[:LABEL_MAX].decode("utf-8", "ignore")
    return text


def bit_label(f: Field, value: int, bits: int) -> str:
    """A bitmask member's line, `bits` wide; an unnamed value of a named integer shows
    as `Unknown (n)` as Wireshark's bitfield labels do."""
    v = (value & f.bitmask) >> f.shift
    if f.type is FT.BOOLEAN:
        return masked_label(f, bool(v), bits)
    if f.strings is not None and f.value_name(v) is None:
        return masked_label(f, v, bits).rsplit(" = ", 1)[0] + f" = {f.name}: Unknown ({v})"
    return masked_label(f, v, bits)
