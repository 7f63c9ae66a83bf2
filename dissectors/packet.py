"""What a full dissection produces: the protocol tree, columns and expert notes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from captures.frame import Frame
from dissectors.registry import Field, Protocol


class BoundsError(Exception):
    """Read past the captured bytes that the wire still had (snaplen cut)."""


class ReportedBoundsError(Exception):
    """Read past the packet's own reported length: the packet is malformed."""


class Item:
    """One occurrence of a field (or protocol) in the tree."""

    __slots__ = ("field", "value", "offset", "length", "children", "text", "hidden",
                 "generated", "source")

    def __init__(self, field: Field, value: Any, offset: int, length: int,
                 text: str | None = None, hidden: bool = False,
                 generated: bool = False, source: int = 0) -> None:
        self.field = field
        self.value = value
        self.offset = offset
        self.length = length
        self.children: list[Item] | None = None
        self.text = text  # full label for the detail tree; None = derived from the field
        self.hidden = hidden
        self.generated = generated
        self.source = source  # index into Packet.sources (0 = the frame's bytes)


_new_item = object.__new__


@dataclass(slots=True)
class Expert:
    """An expert note (Wireshark's expert info)."""

    severity: str  # "chat" | "note" | "warning" | "error"
    group: str  # "sequence" | "malformed" | "protocol" | ...
    text: str
    protocol: str
    ours: bool = False  # raised by labshark only, not by Wireshark
    # Raised inside a header an ICMP error quotes: in the tree, but (as in Wireshark)
    # not counted by the expert statistics.
    quoted: bool = False


_SEVERITY_ORDER = {"comment": 0, "chat": 1, "note": 2, "warning": 3, "error": 4}


@dataclass(slots=True)
class _WsExpertFields:
    proto: Field
    message: Field
    severity: Field
    group: Field
    malformed: Field
    sev_codes: dict[str, int]
    grp_codes: dict[str, int]


_WS: list[_WsExpertFields] = []


def _ws_fields() -> _WsExpertFields:
    """The `_ws.expert` fields, declared once in frame.py (imported late: it imports us)."""
    if not _WS:
        from dissectors import frame

        assert frame.EXPERT.proto_field is not None and frame.MALFORMED.proto_field is not None
        _WS.append(_WsExpertFields(frame.EXPERT.proto_field, frame.EXPERT_MSG,
                                   frame.EXPERT_SEVERITY, frame.EXPERT_GROUP,
                                   frame.MALFORMED.proto_field, frame.SEVERITY_CODES,
                                   frame.GROUP_CODES))
    return _WS[0]


class Packet:
    """A dissected frame: tree, flat field index, columns and notes."""

    __slots__ = ("frame", "tree", "index", "protocols", "src", "dst", "proto_col", "info",
                 "info_fence", "expert", "sources", "rel_ns", "delta_ns", "delta_disp_ns",
                 "malformed", "net_src", "net_dst", "ref", "show_ours")

    def __init__(self, frame: Frame) -> None:
        self.frame = frame
        self.tree: list[Item] = []
        self.index: dict[str, list[Item]] = {}
        self.protocols: list[str] = []
        self.src = ""
        self.dst = ""
        # Raw network addresses (bytes) of the innermost IP layer, for upper layers'
        # conversation keys and checksums; `src`/`dst` are the column texts.
        self.net_src: bytes = b""
        self.net_dst: bytes = b""
        self.proto_col = ""
        self.info = ""
        self.info_fence = 0
        self.expert: list[Expert] = []
        self.sources: list[tuple[str, bytes | memoryview]] = [("Frame", frame.data)]
        self.rel_ns = 0
        self.delta_ns = 0
        self.delta_disp_ns = 0
        self.malformed = False
        self.ref: dict[str, Any] = {}  # per-packet scratch shared between layers
        self.show_ours = True  # see add_ours

    # -- tree building -------------------------------------------------------------
    def add(self, parent: Item | None, field: Field, value: Any, offset: int, length: int,
            text: str | None = None, *, hidden: bool = False, generated: bool = False,
            source: int = 0) -> Item:
        """Add a field occurrence under `parent` (None = top level) and index it."""
        # The hottest call of a dissection (~90 items a packet): the Item is filled in
        # here rather than through Item.__init__, which saves a call frame per item.
        item = _new_item(Item)
        item.field = field
        item.value = value
        item.offset = offset
        item.length = length
        item.children = None
        item.text = text
        item.hidden = hidden
        item.generated = generated
        item.source = source
        if parent is None:
            self.tree.append(item)
        else:
            children = parent.children
            if children is None:
                parent.children = [item]
            else:
                children.append(item)
        abbrev = field.abbrev
        lst = self.index.get(abbrev)
        if lst is None:
            self.index[abbrev] = [item]
        else:
            lst.append(item)
        return item

    def add_ours(self, parent: Item | None, field: Field, value: Any, text: str) -> Item:
        """A generated item tshark does not have (`*.labshark.*`): always filterable and
        printable with -e; in the tree (-V, JSON) only when `show_ours`, so the tree
        can be diffed with tshark's (--only-tshark-items)."""
        if self.show_ours:
            return self.add(parent, field, value, 0, 0, text, generated=True)
        item = self.add(None, field, value, 0, 0, text, generated=True)
        self.tree.remove(item)  # indexed, but in no tree
        return item

    def add_text(self, parent: Item | None, text: str, offset: int, length: int,
                 source: int = 0) -> Item:
        """A label-only subtree node (Wireshark's proto_tree_add_subtree): not a field."""
        item = Item(None, None, offset, length, text, source=source)  # type: ignore[arg-type]
        if parent is None:
            self.tree.append(item)
        elif parent.children is None:
            parent.children = [item]
        else:
            parent.children.append(item)
        return item

    def add_proto(self, proto: Protocol, offset: int, length: int, text: str | None = None,
                  source: int = 0, *, in_stack: bool = True) -> Item:
        """Add a protocol layer; `in_stack` puts it into frame.protocols."""
        assert proto.proto_field is not None
        item = self.add(None, proto.proto_field, text, offset, length, text, source=source)
        if in_stack:
            self.protocols.append(proto.abbrev)
        return item

    def add_source(self, name: str, data: bytes) -> int:
        """Register a new data source (reassembled bytes); returns its index."""
        self.sources.append((name, data))
        return len(self.sources) - 1

    def values(self, abbrev: str) -> list[Any]:
        return [i.value for i in self.index.get(abbrev, ())]

    def first(self, abbrev: str, default: Any = None) -> Any:
        lst = self.index.get(abbrev)
        return lst[0].value if lst else default

    def has(self, abbrev: str) -> bool:
        return abbrev in self.index

    # -- columns ------------------------------------------------------------------
    def set_info(self, text: str) -> None:
        """Replace the Info column after the fence (col_add_str)."""
        self.info = self.info[: self.info_fence] + text

    def append_info(self, text: str, sep: str = "") -> None:
        """col_append_sep_str: add `sep` only when something is already there."""
        if sep and len(self.info) > self.info_fence:
            self.info += sep + text
        else:
            self.info += text

    def fence_info(self) -> None:
        self.info_fence = len(self.info)

    def clear_info(self) -> None:
        self.info = self.info[: self.info_fence]

    def add_expert(self, item: Item | None, severity: str, group: str, text: str,
                   protocol: str, ours: bool = False, field: Field | None = None) -> None:
        """Record an expert note; `field` adds the expert's own filterable item.

        A Wireshark note also gets Wireshark's `_ws.expert` subtree (message, severity,
        group; a hidden `_ws.malformed` for the malformed group), so `-Y _ws.expert` and
        `-e _ws.expert.message` match tshark's. Our own notes (`ours`) get only their own
        field (`tftp.labshark.*`, `ipmsg.*`): `_ws.expert` stays exactly tshark's set.
        """
        self.expert.append(Expert(severity, group, text, protocol, ours,
                                  bool(self.ref.get("in_error_pkt"))))
        if ours:
            if field is not None:
                self.add_ours(item, field, None, text)
            return
        ws = _ws_fields()
        sev_code, grp_code = ws.sev_codes[severity], ws.grp_codes[group]
        sev_name = ws.severity.strings[sev_code]  # type: ignore[index]
        grp_name = ws.group.strings[grp_code]  # type: ignore[index]
        summary = f"Expert Info ({sev_name}/{grp_name}): {text}"
        top = self.add(item, ws.proto, summary, 0, 0, summary, generated=True)
        if group == "malformed":
            # (-T fields prints the value, -T json the text: tshark's two faces of it)
            self.add(item, ws.malformed, "_ws.malformed", 0, 0, "Malformed Packet", hidden=True)
        if field is not None:
            self.add(top, field, None, 0, 0, text, generated=True)
            self.add(top, ws.message, text, 0, 0, hidden=True)
        else:  # tshark always has the note's own field: show the message as it would
            self.add(top, ws.message, text, 0, 0, text, generated=True)
        self.add(top, ws.severity, sev_code, 0, 0, f"Severity level: {sev_name}",
                 generated=True)
        self.add(top, ws.group, grp_code, 0, 0, f"Group: {grp_name}", generated=True)

    def max_severity(self) -> str | None:
        if not self.expert:
            return None
        return max(self.expert, key=lambda e: _SEVERITY_ORDER[e.severity]).severity
