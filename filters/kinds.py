"""The value kinds of the display-filter language ("int", "bytes", "ipv4", ...): which
field type gives which kind, their names in tshark's error texts, and which kinds meet.
"""

from __future__ import annotations

from dissectors.registry import FT, FT_BITS, Field
from filters.syntax import FieldRef, Node

KIND_OF_FT: dict[FT, str] = {
    FT.NONE: "none", FT.PROTOCOL: "proto", FT.BOOLEAN: "bool", FT.CHAR: "int",
    FT.UINT8: "int", FT.UINT16: "int", FT.UINT24: "int", FT.UINT32: "int", FT.UINT48: "int",
    FT.UINT64: "int", FT.INT8: "int", FT.INT16: "int", FT.INT32: "int", FT.INT64: "int",
    FT.FRAMENUM: "int", FT.FLOAT: "float", FT.DOUBLE: "float", FT.ABSOLUTE_TIME: "abstime",
    FT.RELATIVE_TIME: "reltime", FT.STRING: "string", FT.STRINGZ: "string",
    FT.STRINGZPAD: "string",
    FT.UINT_STRING: "string", FT.BYTES: "bytes", FT.UINT_BYTES: "bytes", FT.ETHER: "ether",
    FT.IPv4: "ipv4", FT.IPv6: "ipv6", FT.OID: "string", FT.GUID: "string", FT.IPXNET: "int",
}

_INT_DESC = {8: "1 byte", 16: "2 bytes", 24: "3 bytes", 32: "4 bytes", 48: "6 bytes",
             64: "8 bytes"}


def type_desc(ft: FT) -> str:
    """Wireshark's pretty type name, as used in its error messages."""
    if ft.value.startswith("FT_UINT") and ft in FT_BITS:
        return f"Unsigned integer ({_INT_DESC[FT_BITS[ft]]})"
    if ft.value.startswith("FT_INT") and ft in FT_BITS:
        return f"Signed integer ({_INT_DESC[FT_BITS[ft]]})"
    return {
        FT.CHAR: "Character (1 byte)", FT.FRAMENUM: "Frame number", FT.BOOLEAN: "Boolean",
        FT.IPv4: "IPv4 address", FT.IPv6: "IPv6 address", FT.IPXNET: "IPX network number",
        FT.ETHER: "Ethernet or other MAC address", FT.BYTES: "Byte sequence",
        FT.UINT_BYTES: "Byte sequence", FT.PROTOCOL: "Protocol", FT.NONE: "Label",
        FT.STRING: "Character string", FT.STRINGZ: "Character string",
        FT.STRINGZPAD: "Character string",
        FT.UINT_STRING: "Character string", FT.FLOAT: "Floating point (single-precision)",
        FT.DOUBLE: "Floating point (double-precision)", FT.ABSOLUTE_TIME: "Date and time",
        FT.RELATIVE_TIME: "Time offset", FT.OID: "ASN.1 object identifier",
        FT.GUID: "Globally Unique Identifier",
    }.get(ft, ft.value)


_KIND_DESC = {"int": "Unsigned integer", "bytes": "Byte sequence", "string": "Character string",
              "ipv4": "IPv4 address", "ipv6": "IPv6 address", "ether": "Ethernet address",
              "bool": "Boolean", "float": "Floating point", "reltime": "Time offset",
              "abstime": "Date and time", "proto": "Protocol", "none": "Label"}
_BYTES_LIKE = frozenset({"bytes", "proto", "ether"})
_ORDERED = frozenset({"int", "bool", "float", "reltime", "abstime", "ipv4", "ipv6", "ether",
                      "bytes", "string", "proto"})
_NUMERIC = frozenset({"int", "float", "reltime"})
_SLICEABLE = frozenset({"bytes", "proto", "ether", "ipv4", "ipv6", "string"})


def compatible(a: str, b: str) -> bool:
    if a == b:
        return True
    # tshark 4.0: an integer left side takes a boolean right side, not the reverse.
    return (a in _BYTES_LIKE and b in _BYTES_LIKE) or (a == "int" and b == "bool")


def _ft_name(node: Node) -> str:
    if isinstance(node, FieldRef) and node.field is not None:
        return node.field.type.value
    return _KIND_DESC.get(getattr(node, "kind", ""), "?")


def _unsigned(fld: Field) -> bool:
    return fld.type.value.startswith(("FT_UINT", "FT_FRAMENUM", "FT_CHAR"))


def _desc_of(node: Node) -> str:
    if isinstance(node, FieldRef) and node.field is not None:
        return type_desc(node.field.type)
    return _KIND_DESC.get(getattr(node, "kind", ""), "value")
