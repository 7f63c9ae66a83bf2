"""What a full dissection produces: the protocol tree, columns and expert notes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from captures.frame import Frame
from dissectors.escape import format_str
from dissectors.expert import (  # noqa: F401 - NO_SOURCE: re-exported for dissectors
    NO_SOURCE,
    SEVERITY_ORDER,
    Expert,
    add_expert_items,
    fit_summary,
)
from dissectors.registry import Field, Protocol


class Item:
    """One occurrence of a field (or protocol) in the tree."""

    __slots__ = ("field", "value", "offset", "length", "children", "text", "hidden",
                 "generated", "source")

    def __init__(self, field: Field | Any, value: Any, offset: int, length: int,
                 text: str | None = None, hidden: bool = False,
                 generated: bool = False, source: int = 0) -> None:
        # (a text-only item's field is None: `| Any` keeps mypyc from refusing None,
        # Field being a native class, where every reader takes a field as a Field)
        self.field = field
        self.value = value
        self.offset = offset
        self.length = length
        self.children: list[Item] | None = None
        self.text = text  # full label for the detail tree; None = derived from the field
        self.hidden = hidden
        self.generated = generated
        self.source = source  # index into Packet.sources (0 = the frame's bytes)



class _NullItem:
    """What `Packet.add` returns for a field nobody asked for in a tree-less dissection
    (Wireshark's NULL tree): it absorbs attribute writes and children, reads as empty."""

    __slots__ = ()
    field = None
    value = None
    offset = 0
    length = 0
    text = ""  # (a dissector may append to a label: `item.text += ...`)
    hidden = True
    generated = False
    source = 0

    @property
    def children(self) -> list[Item]:
        return []  # a throwaway list: children appended to it go nowhere

    def __setattr__(self, name: str, value: Any) -> None:
        pass


def _construct_item(cls: type[Item]) -> Item:
    return cls(None, None, 0, 0)


def _is_compiled() -> bool:
    try:
        object.__new__(Item)
    except TypeError:
        return True
    return False


# Packet.add fills in a bare Item (no __init__ call). Classes compiled by mypyc
# (.ci/build_compiled.py) cannot be made so, nor be stood in for by a _NullItem: then
# they are made by their (native) constructor, a direct call (`_COMPILED`), and the
# sink is a real Item that each Packet empties (what a packet's layers write into it
# stays within that packet). (Final: mypyc reads these from C statics, not the module's
# dictionary.)
_COMPILED: Final = _is_compiled()
_SINK_IS_ITEM: Final = _COMPILED
_new_item: Final[Callable[[type[Item]], Item]] = \
    _construct_item if _COMPILED else object.__new__  # type: ignore[assignment]
#: The shared absorbing item (typed as an Item: dissectors treat it as one).
NULL_ITEM: Final[Item] = (
    Item(None, None, 0, 0, "", True) if _COMPILED
    else _NullItem())  # type: ignore[assignment]


def _empty_sink() -> None:
    s = NULL_ITEM
    s.value = None
    s.offset = s.length = s.source = 0
    s.children = None
    s.text = ""
    s.hidden = True
    s.generated = False


class SharedItem(Item):
    """The head of a prebuilt subtree (a `Block`) that many packets hold: never changed
    once built, so the writers keep its subtree's text on it, made once: -V's
    (`vtext`, for `vkey`: depth << 1 | data dumps, and detail_tree's _WIDE bit when
    the text is not ASCII) and JSON's (`jtext` without its first indent, for `jkey`:
    the indent's length); -1: none yet. On the item, the text lives as long as its block
    (a block cache's bound is the texts' bound too)."""

    __slots__ = ("vkey", "vtext", "jkey", "jtext")

    def __init__(self, field: Field | Any, value: Any, offset: int, length: int,
                 text: str | None = None, hidden: bool = False,
                 generated: bool = False, source: int = 0) -> None:
        super().__init__(field, value, offset, length, text, hidden, generated, source)
        self.vkey = -1
        self.vtext = ""
        self.jkey = -1
        self.jtext = ""


class Block:
    """A subtree whose items depend only on a few values (an Ethernet address's bytes
    and offset, TCP's flag bits), built once and added whole by `Packet.add_block`:
    `heads` (SharedItems: one, or a run of siblings) with their children, `head` the
    first, and `index`, every item in the order Packet.add would have indexed them
    (`kept`: those of them a run reads, `kept_for` that run's Packet.indexed). It
    holds no bytes-dependent item (no `data`, no protocol item: their text is read from
    the packet's bytes; but an expert note's `_ws.expert`, which covers no bytes)."""

    __slots__ = ("head", "heads", "index", "kept", "kept_for")

    def __init__(self, heads: tuple[SharedItem, ...],
                 index: tuple[tuple[str, Item], ...]) -> None:
        self.head = heads[0]
        self.heads = heads
        self.index = index
        self.kept: tuple[tuple[str, Item], ...] = ()
        self.kept_for: frozenset[str] | None = None


class BlockBuilder:
    """Builds a Block with Packet.add's signature: an item added with parent None is a
    head (the first must be), the others go under them."""

    __slots__ = ("pairs", "heads")

    def __init__(self) -> None:
        self.pairs: list[tuple[str, Item]] = []
        self.heads: list[SharedItem] = []

    def add(self, parent: Item | None, field: Field, value: Any, offset: int, length: int,
            text: str | None = None, *, hidden: bool = False, generated: bool = False,
            source: int = 0) -> Item:
        assert field.abbrev != "data" and (field.type.name != "PROTOCOL" or (
            not length and source == NO_SOURCE)), field.abbrev  # (bytes-free: a note's)
        assert parent is None or self.pairs
        # (the constructors: a block is built once, then added many times)
        if parent is None:
            head = SharedItem(field, value, offset, length, text, hidden, generated, source)
            self.heads.append(head)
            item: Item = head
        else:
            item = Item(field, value, offset, length, text, hidden, generated, source)
            if parent.children is None:
                parent.children = [item]
            else:
                parent.children.append(item)
        self.pairs.append((field.abbrev, item))
        return item

    def block(self) -> Block:
        return Block(tuple(self.heads), tuple(self.pairs))


#: How many blocks one cache holds before it starts again: values that never repeat (a
#: capture of ever-new addresses) cannot grow it without bound. (A block is 1-2 KB,
#: measured at 30k packets of -V: at 4096 the six busiest caches could hold ~40 MB.)
BLOCKS_MAX = 1024


def cached_block(cache: dict[Any, Block], key: tuple, build: Callable[..., object],
                 *args: Any) -> Block:
    """`cache`'s block for `key`, built on first use by `build(add, None, *key)`, or
    `*args` when given: the items function that also adds them one by one (Packet.add's),
    given a BlockBuilder's add. (Its values in the key, not a closure: a hit makes no
    object.)"""
    block = cache.get(key)
    if block is None:
        if len(cache) >= BLOCKS_MAX:
            cache.clear()
        b = BlockBuilder()
        build(b.add, None, *(args or key))
        block = cache[key] = b.block()
    return block


def port_items(add: Callable[..., Item], tree: Item | None, fields: tuple[Field, Field, Field],
               sport: int, dport: int, off: int) -> None:
    """A transport header's two port lines and their two hidden either-port items (TCP's,
    UDP's: `fields` its source, destination and either-port fields), through `add`
    (Packet.add's, or a BlockBuilder's)."""
    src, dst, either = fields
    add(tree, src, sport, off, 2)
    add(tree, dst, dport, off + 2, 2)
    add(tree, either, sport, off, 2, hidden=True)
    add(tree, either, dport, off + 2, 2, hidden=True)


def port_items_block(cache: dict[tuple[int, int, int], Block], fields: tuple[Field, Field, Field],
               sport: int, dport: int, off: int) -> Block:
    """port_items as a Block, built once per ports and header offset in `cache`."""
    key = (sport, dport, off)
    block = cache.get(key)
    if block is None:
        block = cached_block(cache, key, port_items, fields, sport, dport, off)
    return block

#: Fields some code reads back from `pkt.index` during the dissection itself (one
#: dissector reading another's items): kept in every tree-less dissection. The reading
#: module declares them with `keep()`.
KEEP: Final[set[str]] = set()

#: pkt.proto_data key: ids of top-level items that tshark's tree-less walk (io,phs) meets
#: where the tree shows them, not after the layers made from their bytes (a reassembly
#: a FIN completed).
WALK_IN_PLACE: Final = "walk_in_place"


def tshark_has_tree(pkt: Packet) -> bool:
    """Whether tshark would build a tree for this packet: for -V/JSON, a display filter,
    -e fields or a tap that walks the tree (the run says so: Session.tshark_tree; else
    judged from the fields beyond what dissectors keep); not for a plain packet list or
    -z expert, even when LABSHARK_FULL_TREE builds ours. For what Wireshark does only
    inside `if (tree)` (SOCKS 5's Info, SDP's token notes)."""
    return pkt.tshark_tree


def keep(*abbrevs: str) -> None:
    """Declare fields this module reads from other layers' items (see KEEP)."""
    KEEP.update(abbrevs)


class Packet:
    """A dissected frame: tree, flat field index, columns and notes."""

    __slots__ = ("frame", "tree", "index", "protocols", "src", "dst", "proto_col", "info",
                 "info_fence", "expert", "sources", "rel_ns", "delta_ns", "delta_disp_ns",
                 "malformed", "net_src", "net_dst", "dl_dst", "in_error_pkt", "srcport", "dstport",
                 "can_desegment", "desegment", "tcp_fin", "tcp_tree", "proto_data",
                 "show_ours", "wanted", "tree_on", "layers", "tshark_tree", "tree_visible",
                 "indexed")

    def __init__(self, frame: Frame) -> None:
        if _SINK_IS_ITEM:
            _empty_sink()
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
        # What one layer tells another about this packet (Wireshark's pinfo fields):
        # dissecting a packet an ICMP error quotes (no complaints, no analysis) ...
        self.in_error_pkt = False
        # ... the last Ethernet destination address (pinfo->dl_dst: NDP's hello kind) ...
        self.dl_dst: bytes = b""
        # ... the transport ports of the packet's conversation (DNS's transaction key) ...
        self.srcport = 0
        self.dstport = 0
        # ... TCP's desegmentation interface (tcp_reassembly.py): None = not a TCP
        # payload; False = TCP cannot keep these bytes (cut short or quoted) ...
        self.can_desegment: bool | None = None
        # ... an upper layer's answer: (PDU start, bytes more or -1 or -2 until FIN) ...
        self.desegment: tuple[int, int] | None = None
        # ... the segment ends its direction (Wireshark's end_of_stream) ...
        self.tcp_fin = False
        # ... and the TCP tree, for `tcp.pdu.size` under it.
        self.tcp_tree: Item | None = None
        # Data one protocol keeps about this packet for itself (Wireshark's
        # p_add_proto_data), keyed "proto.what"; others read it only through that
        # protocol module's accessors.
        self.proto_data: dict[str, Any] = {}
        self.show_ours = True  # see add_ours
        # Tree-less dissection (Wireshark's NULL tree with "interesting fields"): with
        # `wanted` set, only top-level items and the named fields are made, and labels
        # need not be formatted (`tree_on` False); None = the full labelled tree.
        self.wanted: frozenset[str] | None = None
        self.tree_on = True
        # ... and the protocols any of whose own fields are wanted (None: all): a layer
        # none of whose items anyone reads skips making them (`wants_layer`).
        self.layers: frozenset[str] | None = None
        self.tshark_tree = True  # see tshark_has_tree
        # tshark prints this packet's tree (-V, JSON): only then does it make the items
        # it would otherwise fake, and their notes (proto.c's "Trailing stray
        # characters") reach -z expert.
        self.tree_visible = True
        # The fields a full dissection indexes below the top level (None: all): what
        # the run reads back from `index` (Session.indexed); the others are in the tree
        # only, which is all -V and JSON read.
        self.indexed: frozenset[str] | None = None

    # -- tree building -------------------------------------------------------------
    def add(self, parent: Item | None, field: Field, value: Any, offset: int, length: int,
            text: str | None = None, *, hidden: bool = False, generated: bool = False,
            source: int = 0) -> Item:
        """Add a field occurrence under `parent` (None = top level) and index it."""
        # The hottest call of a dissection (~90 items a packet): the Item is filled in
        # here rather than through Item.__init__, which saves a call frame per item.
        wanted = self.wanted
        if wanted is not None and parent is not None and field.abbrev not in wanted:
            return NULL_ITEM
        if _SINK_IS_ITEM:  # compiled: the native constructor, one call
            item = Item(field, value, offset, length, text, hidden, generated, source)
        else:
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
        indexed = self.indexed
        if indexed is not None and parent is not None and abbrev not in indexed:
            return item
        lst = self.index.get(abbrev)
        if lst is None:
            self.index[abbrev] = [item]
        else:
            lst.append(item)
        return item

    def add_block(self, parent: Item | None, block: Block) -> Item:
        """Add a prebuilt subtree under `parent` and index its items: what adding them
        one by one would give, in a full dissection (`wanted` None) only. The caller adds
        nothing under the block's items (they are shared by other packets)."""
        heads = block.heads
        if parent is None:
            self.tree.extend(heads)
        else:
            children = parent.children
            if children is None:
                parent.children = list(heads)
            else:
                children.extend(heads)
        index = self.index
        pairs = block.index
        indexed = self.indexed
        if indexed is not None and parent is not None:
            if block.kept_for is not indexed:  # (one run's set: filtered once a block)
                block.kept = tuple(p for p in pairs if p[0] in indexed)
                block.kept_for = indexed
            pairs = block.kept
        for abbrev, item in pairs:
            lst = index.get(abbrev)
            if lst is None:
                index[abbrev] = [item]
            else:
                lst.append(item)
        return block.head

    def wants(self, abbrevs: frozenset[str]) -> bool:
        """Would any of these fields be made? (Wireshark's `if (tree)` around a block of
        items: a tree-less dissection skips a block nobody reads, and its labels.)"""
        wanted = self.wanted
        # (an empty set, the plain packet list's, needs no method call)
        return wanted is None or bool(wanted) and not wanted.isdisjoint(abbrevs)

    def wants_layer(self, proto: str) -> bool:
        """Would any field of protocol `proto` (its own fields, `proto.*`) be made? A
        dissector asks once and skips the items of a layer nobody reads; what the layer
        does besides items (columns, state, expert notes) it does either way."""
        layers = self.layers
        return layers is None or proto in layers

    def add_ours(self, parent: Item | None, field: Field, value: Any, text: str) -> Item:
        """A generated item tshark does not have (`*.labshark.*`): always filterable and
        printable with -e; in the tree (-V, JSON) only when `show_ours`, so the tree
        can be diffed with tshark's (--only-tshark-items)."""
        if self.show_ours:
            return self.add(parent, field, value, 0, 0, text, generated=True)
        item = self.add(None, field, value, 0, 0, text, generated=True)
        self.tree.pop()  # (the item just appended) indexed, but in no tree
        return item

    def add_text(self, parent: Item | None, text: str, offset: int, length: int,
                 source: int = 0) -> Item:
        """A label-only subtree node (Wireshark's proto_tree_add_subtree): not a field."""
        if parent is not None and self.wanted is not None:
            return NULL_ITEM
        item = Item(None, None, offset, length, text, source=source)
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
        # (Protocol and Field are native classes: their attributes are direct reads)
        field = proto.proto_field
        assert field is not None
        abbrev = field.abbrev
        # (Packet.add's top-level case, inlined: a handful of layers a packet)
        if _SINK_IS_ITEM:
            item = Item(field, text, offset, length, text, False, False, source)
        else:
            item = _new_item(Item)
            item.field = field
            item.value = item.text = text
            item.offset = offset
            item.length = length
            item.children = None
            item.hidden = item.generated = False
            item.source = source
        self.tree.append(item)
        lst = self.index.get(abbrev)
        if lst is None:
            self.index[abbrev] = [item]
        else:
            lst.append(item)
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
        fence = self.info_fence
        self.info = text if fence == 0 else self.info[:fence] + text  # (no fence: no copy)

    def append_info(self, text: str, sep: str = "") -> None:
        """col_append_sep_str: add `sep` only when something is already there."""
        if sep and len(self.info) > self.info_fence:
            self.info += sep + text
        else:
            self.info += text

    def fence_info(self) -> None:
        self.info_fence = len(self.info)

    def clear_info(self) -> None:
        fence = self.info_fence
        self.info = "" if fence == 0 else self.info[:fence]

    def add_expert(self, item: Item | None, severity: str, group: str, text: str,
                   protocol: str, ours: bool = False, field: Field | None = None,
                   tapped: bool = True, escape: Callable[[str], str] = format_str,
                   itemless: bool = False) -> None:
        """Record an expert note; `field` adds the expert's own filterable item.

        A Wireshark note also gets Wireshark's `_ws.expert` subtree (expert.py). Our own
        notes (`ours`) get only their own field (`tftp.labshark.*`, `ipmsg.*`):
        `_ws.expert` stays exactly tshark's set.
        """
        if not ours:
            text = fit_summary(text, escape)
        if tapped:  # (a note added without pinfo, as proto.c's, reaches no -z expert)
            self.expert.append(Expert(severity, group, text, protocol, ours, self.in_error_pkt))
        if ours:
            if field is not None:
                self.add_ours(item, field, None, text)
            return
        if itemless:  # (a note of a tree-less pass over the packet: for the taps only)
            return
        layers = self.layers
        if layers is not None and "_ws" not in layers and (
                field is None or field.abbrev not in self.wanted):  # type: ignore[operator]
            return  # (a tree-less dissection nobody reads the note's items from)
        add_expert_items(self.add, item, severity, group, text, field, escape)

    def add_note(self, severity: str, group: str, text: str, protocol: str) -> None:
        """A note on no item (Wireshark's expert_add_info with a NULL item): counted by
        the expert statistics, absent from the tree."""
        self.expert.append(Expert(severity, group, fit_summary(text), protocol, False,
                                  self.in_error_pkt))

    def max_severity(self) -> str | None:
        if not self.expert:
            return None
        return max(self.expert, key=lambda e: SEVERITY_ORDER[e.severity]).severity
