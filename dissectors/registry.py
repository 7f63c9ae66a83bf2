"""The field registry: the single source of truth for every protocol and field.

Each dissector module declares its protocol and fields here once (Wireshark's
abbreviations, types, bases, bitmasks and value names); the filter checker, the
detail tree, `-T fields`, JSON and `-G fields` all read these declarations.

Compiled (captures/compiled_build.py), `Field` and `Protocol` are native classes: the
dissectors and writers read their attributes per item, a direct read there.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from captures.compiled_build import python_class


class FT(enum.Enum):
    """Field types, named as Wireshark's ftypes (`tshark -G fields` column 4)."""

    NONE = "FT_NONE"
    PROTOCOL = "FT_PROTOCOL"
    BOOLEAN = "FT_BOOLEAN"
    CHAR = "FT_CHAR"
    UINT8 = "FT_UINT8"
    UINT16 = "FT_UINT16"
    UINT24 = "FT_UINT24"
    UINT32 = "FT_UINT32"
    UINT48 = "FT_UINT48"
    UINT64 = "FT_UINT64"
    INT8 = "FT_INT8"
    INT16 = "FT_INT16"
    INT32 = "FT_INT32"
    INT64 = "FT_INT64"
    FLOAT = "FT_FLOAT"
    DOUBLE = "FT_DOUBLE"
    ABSOLUTE_TIME = "FT_ABSOLUTE_TIME"
    RELATIVE_TIME = "FT_RELATIVE_TIME"
    STRING = "FT_STRING"
    STRINGZ = "FT_STRINGZ"
    STRINGZPAD = "FT_STRINGZPAD"  # a string in a fixed field, NUL-padded
    UINT_STRING = "FT_UINT_STRING"
    BYTES = "FT_BYTES"
    UINT_BYTES = "FT_UINT_BYTES"
    ETHER = "FT_ETHER"
    IPv4 = "FT_IPv4"
    IPv6 = "FT_IPv6"
    FRAMENUM = "FT_FRAMENUM"
    OID = "FT_OID"  # value: the dotted text ("1.3.6.1.2.1.1.5.0")
    GUID = "FT_GUID"  # value: the text ("00000412-000a-0000-6500-00000a000000")
    IPXNET = "FT_IPXNET"  # value: the 32-bit network number

    @property
    def is_integer(self) -> bool:
        return self in _INTEGER_TYPES

    @property
    def is_string(self) -> bool:
        return self in (FT.STRING, FT.STRINGZ, FT.UINT_STRING, FT.STRINGZPAD)

    @property
    def is_bytes_like(self) -> bool:
        """Types whose value is a byte sequence (sliceable, `contains` on bytes)."""
        return self in (FT.BYTES, FT.UINT_BYTES, FT.ETHER, FT.IPv6, FT.PROTOCOL, FT.NONE,
                        FT.OID)


_INTEGER_TYPES = frozenset(
    {
        FT.CHAR, FT.UINT8, FT.UINT16, FT.UINT24, FT.UINT32, FT.UINT48, FT.UINT64,
        FT.INT8, FT.INT16, FT.INT32, FT.INT64, FT.FRAMENUM, FT.BOOLEAN, FT.IPXNET,
    }
)

# Bit widths of integer types, for hex formatting and bitmask shifts.
FT_BITS = {
    FT.CHAR: 8, FT.UINT8: 8, FT.UINT16: 16, FT.UINT24: 24, FT.UINT32: 32, FT.UINT48: 48,
    FT.UINT64: 64, FT.INT8: 8, FT.INT16: 16, FT.INT32: 32, FT.INT64: 64, FT.FRAMENUM: 32,
    FT.IPXNET: 32,
}


class Base(enum.Enum):
    """Display bases, as Wireshark's `field_display_e` (`tshark -G fields` column 6)."""

    NONE = "BASE_NONE"
    DEC = "BASE_DEC"
    HEX = "BASE_HEX"
    OCT = "BASE_OCT"
    DEC_HEX = "BASE_DEC_HEX"
    HEX_DEC = "BASE_HEX_DEC"
    OUI = "BASE_OUI"
    PT_UDP = "BASE_PT_UDP"
    PT_TCP = "BASE_PT_TCP"
    PT_SCTP = "BASE_PT_SCTP"
    CUSTOM = "BASE_CUSTOM"
    # Absolute times: shown in UTC, not local time (NTP_UTC also shows time 0 as "NULL").
    UTC = "ABSOLUTE_TIME_UTC"
    NTP_UTC = "ABSOLUTE_TIME_NTP_UTC"
    # Booleans carry their bit width here in Wireshark; we derive it from the bitmask.


@dataclass(eq=False, slots=True)
class Field:
    """One filterable field (`udp.srcport`)."""

    abbrev: str
    name: str
    type: FT
    base: Base = Base.NONE
    bitmask: int = 0
    # value -> name; for FT_BOOLEAN a (true text, false text) pair.
    strings: dict[int, str] | tuple[str, str] | None = None
    blurb: str = ""
    unit: str = ""  # e.g. " bytes", appended to the label in the detail tree
    # Fixed layout, when the field sits at a constant offset inside its protocol's
    # header: lets the fast path read it straight from the bytes with `struct`.
    offset: int | None = None
    width: int | None = None  # bytes read at `offset`
    protocol: Protocol | None = None
    # FT_BYTES shown with a separator between bytes (Wireshark's SEP_COLON etc.).
    bytes_sep: str = ""
    # An FT_RELATIVE_TIME holding a point in time (frame.time_epoch): shown with
    # wiretap's non-negative fraction, not a difference's signed one.
    time_point: bool = False
    # An FT_BYTES without Wireshark's BASE_ALLOW_ZERO: empty, it reads "<MISSING>".
    missing: bool = False
    # Filled in by the registry:
    id: int = -1
    shift: int = 0
    struct: struct.Struct | None = None

    def read(self, buf: bytes | memoryview, layer_off: int) -> int:
        """Read this fixed-layout integer field from a layer starting at `layer_off`."""
        assert self.struct is not None and self.offset is not None
        v = self.struct.unpack_from(buf, layer_off + self.offset)[0]
        if self.bitmask:
            v = (v & self.bitmask) >> self.shift
        return v

    def value_name(self, value: Any) -> str | None:
        strings = self.strings
        if type(strings) is dict:
            return strings.get(value)
        if isinstance(strings, dict):
            # a table's own `get` (rpc.Named's "Unknown" for a missing value), looked up
            # by name: compiled, `.get` on a value typed dict is the C dict's, which
            # skips a subclass's
            return getattr(strings, "get")(value)  # type: ignore[no-any-return]  # noqa: B009
        return None

    def __repr__(self) -> str:
        return f"<Field {self.abbrev} {self.type.value}>"


@dataclass(eq=False, slots=True)
class Protocol:
    """A protocol: also a field of type FT_PROTOCOL named by its filter name."""

    abbrev: str  # filter name, e.g. "udp"
    name: str  # long name, "User Datagram Protocol"
    short: str  # column name, "UDP"
    fields: list[Field] = field(default_factory=list)
    proto_field: Field | None = None
    # Wireshark adds some nested protocols without bytes behind them (IPv6 extension
    # headers): -T json/ek then write only their subtree, never a value.
    valueless: bool = False

    def field(
        self,
        abbrev: str,
        name: str,
        type: FT,
        base: Base = Base.NONE,
        *,
        bitmask: int = 0,
        strings: dict[int, str] | tuple[str, str] | None = None,
        blurb: str = "",
        unit: str = "",
        offset: int | None = None,
        width: int | None = None,
        bytes_sep: str = "",
        time_point: bool = False,
    ) -> Field:
        """Declare a field of this protocol; `abbrev` may omit the protocol prefix. (A
        name that starts with the protocol's and `_` is whole too: sFlow's `sflow_245.*`.)"""
        full = abbrev if abbrev.startswith((self.abbrev + ".", self.abbrev + "_")) or \
            abbrev == self.abbrev else f"{self.abbrev}.{abbrev}"
        f = Field(full, name, type, base, bitmask, strings, blurb, unit, offset, width, self,
                  bytes_sep=bytes_sep, time_point=time_point)
        REGISTRY.add_field(f)
        self.fields.append(f)
        return f

    def twin(self, other: Field, **changes: Any) -> Field:
        """`other` registered a second time under this protocol, as Wireshark does
        (ip.version again in IPv6, an 8-bit llc.control.ftype beside the 16-bit one):
        the same filter name, so filters see both, but outputs that show the owning
        protocol or the width (`-T ek`'s `ipv6_ip_version`, `0x03`) see this one."""
        twin = replace(other, protocol=self, **changes)
        if twin.bitmask:
            twin.shift = (twin.bitmask & -twin.bitmask).bit_length() - 1
        return twin


_STRUCT_FMT = {1: "B", 2: ">H", 4: ">I", 8: ">Q"}


@python_class
class FieldRegistry:
    """All protocols and fields, looked up by abbreviation. (A Python class in the
    compiled build too: looked up when filters are compiled, not per packet, and a test
    wraps its `similar` on the instance.)"""

    def __init__(self) -> None:
        self.fields: dict[str, Field] = {}
        self.protocols: dict[str, Protocol] = {}
        self._by_id: list[Field] = []

    def protocol(self, abbrev: str, name: str, short: str) -> Protocol:
        if abbrev in self.protocols:
            raise ValueError(f"protocol {abbrev} declared twice")
        p = Protocol(abbrev, name, short)
        pf = Field(abbrev, name, FT.PROTOCOL, protocol=p)
        p.proto_field = pf
        self.protocols[abbrev] = p
        self.add_field(pf)
        return p

    def add_field(self, f: Field) -> None:
        if f.abbrev in self.fields and f.type is not FT.PROTOCOL:
            raise ValueError(f"field {f.abbrev} declared twice")
        if f.bitmask:
            f.shift = (f.bitmask & -f.bitmask).bit_length() - 1
        if f.offset is not None:
            width = f.width or (FT_BITS.get(f.type, 8) // 8)
            f.width = width
            if width in _STRUCT_FMT:
                f.struct = struct.Struct(_STRUCT_FMT[width])
        f.id = len(self._by_id)
        self._by_id.append(f)
        self.fields[f.abbrev] = f

    def get(self, abbrev: str) -> Field | None:
        return self.fields.get(abbrev)

    def __contains__(self, abbrev: str) -> bool:
        return abbrev in self.fields

    def all_fields(self) -> list[Field]:
        return list(self._by_id)

    def similar(self, abbrev: str) -> str | None:
        """The closest known name, for "did you mean" hints."""
        import difflib

        match = difflib.get_close_matches(abbrev, self.fields.keys(), n=1, cutoff=0.75)
        return match[0] if match else None


REGISTRY = FieldRegistry()


def protocol(abbrev: str, name: str, short: str) -> Protocol:
    """Declare a protocol in the global registry (module import time only)."""
    return REGISTRY.protocol(abbrev, name, short)


# Value formatter type used by renderers.
Formatter = Callable[[Field, Any], str]
