"""Expert info (Wireshark's expert.c): notes, their severities and groups, and the
`_ws.expert` items every Wireshark note adds to the tree.

One module owns all of it, so `Packet.add_expert`, the `-z expert` statistics and the
`_ws.expert.*` filter fields agree on the names and codes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from dissectors.escape import format_str
from dissectors.registry import FT, Base, Field, protocol

MALFORMED = protocol("_ws.malformed", "Malformed Packet", "Malformed")
# The expert field of an exception's note (Wireshark's ei_malformed_dissector_bug's
# sibling `_ws.malformed.expert`): -T json shows it, the message is then hidden.
MALFORMED_EXPERT = MALFORMED.field("_ws.malformed.expert", "Malformed Packet (Exception occurred)",
                                   FT.NONE)
# ... and of a reassembly error's (show_exception's ReassemblyError).
MALFORMED_REASSEMBLY = MALFORMED.field("_ws.malformed.reassembly", "Reassembly error", FT.NONE)
# Wireshark's expert_severity_vals / expert_group_vals: `_ws.expert.severity == "Warning"`.
SEVERITY_NAMES = {0x100000: "Comment", 0x200000: "Chat", 0x400000: "Note", 0x600000: "Warning",
                  0x800000: "Error"}
GROUP_NAMES = {0x1000000: "Checksum", 0x2000000: "Sequence", 0x3000000: "Response",
               0x4000000: "Request", 0x5000000: "Undecoded", 0x6000000: "Reassemble",
               0x7000000: "Malformed", 0x8000000: "Debug", 0x9000000: "Protocol",
               0xa000000: "Security", 0xb000000: "Comment", 0xc000000: "Decryption",
               0xd000000: "Assumption", 0xe000000: "Deprecated"}
EXPERT = protocol("_ws.expert", "Expert Info", "Expert")
EXPERT_MSG = EXPERT.field("_ws.expert.message", "Message", FT.STRING,
                          blurb="Wireshark expert information")
EXPERT_SEVERITY = EXPERT.field("_ws.expert.severity", "Severity level", FT.UINT32, Base.NONE,
                               strings=SEVERITY_NAMES, blurb="Wireshark expert severity level")
EXPERT_GROUP = EXPERT.field("_ws.expert.group", "Group", FT.UINT32, Base.NONE,
                            strings=GROUP_NAMES, blurb="Wireshark expert group")

SEVERITY_CODES = {"comment": 0x100000, "chat": 0x200000, "note": 0x400000,
                  "warning": 0x600000, "error": 0x800000}
GROUP_CODES = {"checksum": 0x1000000, "sequence": 0x2000000, "response_code": 0x3000000,
               "request_code": 0x4000000, "undecoded": 0x5000000, "reassemble": 0x6000000,
               "malformed": 0x7000000, "debug": 0x8000000, "protocol": 0x9000000,
               "security": 0xa000000, "comment": 0xb000000, "decryption": 0xc000000,
               "assumption": 0xd000000, "deprecated": 0xe000000}
SEVERITY_ORDER = {"comment": 0, "chat": 1, "note": 2, "warning": 3, "error": 4}


@dataclass(slots=True, init=False)
class Expert:
    """An expert note (Wireshark's expert info)."""

    # (`__init__` written out, the defaults there: compiled, a dataclass's generated one
    # is interpreted Python setting each field generically, ~2-7k instructions a call)

    severity: str  # "chat" | "note" | "warning" | "error"
    group: str  # "sequence" | "malformed" | "protocol" | ...
    text: str
    protocol: str
    ours: bool  # raised by labshark only, not by Wireshark
    # Raised inside a header an ICMP error quotes: in the tree, but (as in Wireshark)
    # not counted by the expert statistics.
    quoted: bool

    def __init__(self, severity: str, group: str, text: str, protocol: str,
                 ours: bool = False, quoted: bool = False) -> None:
        self.severity = severity
        self.group = group
        self.text = text
        self.protocol = protocol
        self.ours = ours
        self.quoted = quoted


#: Item.source of an item tshark adds with no tvb (offset 0, no bytes): past every data
#: source, so no writer finds bytes for it (-T jsonraw writes no hex for it).
NO_SOURCE = 1 << 30


class AddItem(Protocol):
    """`Packet.add`: the tree builder the expert items go through."""

    def __call__(self, parent: Any, field: Field, value: Any, offset: int, length: int,
                 text: str | None = None, *, hidden: bool = False,
                 generated: bool = False, source: int = 0) -> Any: ...


#: expert.c formats a note's summary into an ITEM_LABEL_LENGTH (240) buffer.
_SUMMARY_BYTES = 239


def fit_summary(text: str, escape: Callable[[str], str] = format_str) -> str:
    """A note's summary as Wireshark keeps it: at most 239 bytes of the escaped text
    (a long HTTP request line ends mid-URI in the tree and in `-z expert` alike)."""
    if len(text) * 10 <= _SUMMARY_BYTES:  # (an escape is at most 10 characters)
        return text
    shown = escape(text)
    raw = shown.encode()
    if len(raw) <= _SUMMARY_BYTES:
        return text
    return raw[:_SUMMARY_BYTES].decode("utf-8", "ignore")  # (whole characters only)


def add_expert_items(add: AddItem, item: Any, severity: str, group: str, text: str,
                     field: Field | None, escape: Callable[[str], str] = format_str) -> None:
    """The `_ws.expert` subtree of a Wireshark note (message, severity, group; a hidden
    `_ws.malformed` for the malformed group), so `-Y _ws.expert` and
    `-e _ws.expert.message` match tshark's."""
    assert EXPERT.proto_field is not None and MALFORMED.proto_field is not None
    sev_code, grp_code = SEVERITY_CODES[severity], GROUP_CODES[group]
    sev_name = SEVERITY_NAMES[sev_code]
    grp_name = GROUP_NAMES[grp_code]
    summary = f"Expert Info ({sev_name}/{grp_name}): {text}"
    shown = escape(text)  # labels escape it; the message's value stays as it is
    top = add(item, EXPERT.proto_field, summary, 0, 0, escape(summary), generated=True,
              source=NO_SOURCE)  # (tshark adds the note with no tvb)
    if group == "malformed":
        # (-T fields prints the value, -T json the text: tshark's two faces of it)
        add(item, MALFORMED.proto_field, "_ws.malformed", 0, 0, "Malformed Packet",
            hidden=True, source=NO_SOURCE)
    if field is not None:
        add(top, field, None, 0, 0, shown, generated=True, source=NO_SOURCE)
        add(top, EXPERT_MSG, text, 0, 0, hidden=True, source=NO_SOURCE)
    else:  # tshark always has the note's own field: show the message as it would
        add(top, EXPERT_MSG, text, 0, 0, shown, generated=True, source=NO_SOURCE)
    add(top, EXPERT_SEVERITY, sev_code, 0, 0, f"Severity level: {sev_name}", generated=True,
        source=NO_SOURCE)
    add(top, EXPERT_GROUP, grp_code, 0, 0, f"Group: {grp_name}", generated=True,
        source=NO_SOURCE)
