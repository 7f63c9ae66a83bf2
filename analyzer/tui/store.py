"""The interactive view's packet store: packed list rows, each frame's detail spilled.

One in-order pass dissects the capture (state flows forward, as in `analyze`). Of each
Packet it keeps only what the list shows — the seven columns packed into one shared
buffer, a colour rule index, the timestamp (for time references) — and writes the
detail (tree rows with offsets, the data sources) to a temporary spill file, compressed
a block of frames at a time (neighbouring frames share most labels, so a block packs
many times smaller than frames compressed one by one), keeping each frame's detail
length in memory (4 bytes; its block is found by the blocks' first frames). What can be
read again is not spilled: the frame's bytes come back from the capture file at the
record's offset (4 bytes a frame) when the file can seek, and a bytes value equal to
the bytes it covers (payloads, addresses) is sliced back from its data source.

Why spill rather than re-dissect the selected frame: a frame's tree depends on the
state every earlier frame left in the Session (TCP analysis, reassembly, TFTP
transfers), so re-dissecting frame N alone is not exact, and re-running from frame 1
is slow for late frames. The spilled tree is the one the in-order pass built, so what
the detail pane shows is exactly `analyze -V`'s tree of that frame.
"""

from __future__ import annotations

import lzma
import marshal
import os
import pickle
import tempfile
import threading
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analyzer.output.color_rules import ColorRule, pick
from captures.frame import Frame

if TYPE_CHECKING:  # (the view paints its first screen before it imports the dissectors;
    # the functions that need them import them: they run after it, or in the worker)
    from dissectors.packet import Item, Packet

SEP = "\x1f"  # between a row's columns (never in escaped packet text)

# The spill's blocks: LZMA2 at its fastest preset, raw (no container). Its window spans
# many frames' trees, which repeat each other's labels: ~4 times smaller than zlib's
# (~250 bytes a frame on the benchmark capture), ~20 ms to open a block of 4 MB.
# (lzma releases the GIL: the view's reader thread compresses beside the UI thread.)
_LZMA = {"format": lzma.FORMAT_RAW, "filters": [{"id": lzma.FILTER_LZMA2, "preset": 0}]}


def pack(data: bytes) -> bytes:
    return lzma.compress(data, **_LZMA)  # type: ignore[arg-type]


def unpack(data: bytes) -> bytes:
    return lzma.decompress(data, **_LZMA)  # type: ignore[arg-type]


@dataclass(frozen=True)
class TreeRow:
    """One visible node of a frame's detail tree, with its Item (label, value, bytes)."""

    depth: int
    item: Item
    has_children: bool

    @property
    def label(self) -> str:
        from dissectors.format import label

        return label(self.item)

    @property
    def abbrev(self) -> str:
        return self.item.field.abbrev if self.item.field is not None else ""

    @property
    def value(self) -> str:
        return filter_value(self.item)


@dataclass
class Detail:
    """A frame's saved dissection: the Packet rebuilt from the spill, and its tree rows."""

    number: int
    packet: Packet
    rows: list[TreeRow]


def filter_value(item: Item) -> str:
    """The item's value as a filter would write it (`"text"` quoted), "" when none."""
    from dissectors.format import field_text

    f = item.field
    if f is None or item.value is None or f.type.value in ("FT_PROTOCOL", "FT_NONE"):
        return ""
    try:
        text = field_text(f, item.value)
    except Exception:  # noqa: BLE001 - an odd value only loses "apply as filter"
        return ""
    if f.type.value in ("FT_STRING", "FT_STRINGZ", "FT_UINT_STRING", "FT_STRINGZPAD",
                        "FT_STRINGZTRUNC", "FT_ABSOLUTE_TIME"):
        text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def tree_rows(pkt: Packet) -> list[TreeRow]:
    """The visible nodes, depth-first, as the -V tree lists them."""
    out: list[TreeRow] = []

    def walk(items: list[Item], depth: int) -> None:
        for item in items:
            if item.hidden:
                continue
            kids = item.children
            shown = bool(kids) and any(not c.hidden for c in kids)  # type: ignore[union-attr]
            out.append(TreeRow(depth, item, shown))
            if shown:
                walk(kids or [], depth + 1)

    walk(pkt.tree, 0)
    return out


class _Fields:
    """Field objects <-> small ints for the spill, the same in every process: the
    registry's declaration order (a worker process encodes, the view decodes)."""

    def __init__(self) -> None:
        from dissectors import REGISTRY

        self.fields: list[Any] = [None]
        self.ids: dict[int, int] = {}
        for p in REGISTRY.protocols.values():
            for f in ([p.proto_field] if p.proto_field is not None else []) + p.fields:
                if id(f) not in self.ids:
                    self.ids[id(f)] = len(self.fields)
                    self.fields.append(f)


_FIELDS: _Fields | None = None


def _fields() -> _Fields:
    global _FIELDS
    if _FIELDS is None:
        _FIELDS = _Fields()
    return _FIELDS


def encode(pkt: Packet, frame_bytes: bool = True) -> bytes:
    """The packet's tree (every Item, hidden ones too) and bytes, marshalled (the store
    compresses a block of them together). Without `frame_bytes` the frame's own bytes
    are left out (the store reads them again from the capture file by the record's
    offset); a bytes value equal to the bytes it covers is written as `...` either way
    (decode takes it from the data source: payloads, addresses, data.data)."""
    from dissectors.format import label

    flat: list[tuple] = []
    ids = _fields().ids
    datas = [bytes(data) for _name, data in pkt.sources]

    def walk(items: list[Item], depth: int) -> None:
        for it in items:
            v = it.value
            if type(v) is memoryview:
                v = bytes(v)
            if type(v) is bytes and v and len(v) == it.length and 0 <= it.source < len(
                    datas) and datas[it.source][it.offset:it.offset + it.length] == v:
                v = ...  # (marshal holds Ellipsis: decode slices the source)
            f = it.field
            code = 0 if f is None else ids.get(id(f), -1)
            if code < 0:  # a field outside the registry: keep its label only
                flat.append((depth, 0, None, it.offset, it.length, label(it), it.hidden,
                             it.source))
            else:
                flat.append((depth, code, v, it.offset, it.length, it.text,
                             it.hidden | (it.generated << 1), it.source))
            if it.children:
                walk(it.children, depth + 1)

    walk(pkt.tree, 0)
    fr = pkt.frame
    head = (fr.number, fr.ts_ns, fr.ts_digits, fr.caplen, fr.origlen, fr.linktype,
            fr.interface_id, fr.interface_known, fr.section, fr.interface_name,
            fr.interface_description, fr.comment, pkt.rel_ns, pkt.delta_ns, pkt.delta_disp_ns,
            pkt.src, pkt.dst, pkt.proto_col, pkt.info, list(pkt.protocols))
    sources = [(name, data) for (name, _d), data in zip(pkt.sources, datas, strict=True)]
    if not frame_bytes and sources:
        sources[0] = (sources[0][0], None)
    try:
        return b"m" + marshal.dumps((head, flat, sources))
    except ValueError:  # a value marshal cannot hold (an object): pickle this one
        return b"p" + pickle.dumps((head, flat, sources), 5)


def encode_row(pkt: Packet, rules: list[ColorRule], time_fmt: str, frame_bytes: bool = True
               ) -> tuple[str, int, bytes, int]:
    """What the store keeps of a frame: list row, colour rule (index + 1), detail to
    spill, timestamp."""
    from analyzer.output.packet_list import column_parts

    rule = pick(rules, pkt) if rules else None
    color = rules.index(rule) + 1 if rule is not None else 0
    return (SEP.join(column_parts(pkt, time_fmt)), color, encode(pkt, frame_bytes),
            pkt.frame.ts_ns)


def decode(raw: bytes, fetch: Callable[[int], bytes] | None = None) -> Packet:
    """The Packet `encode` wrote; `fetch(caplen)` gives the frame's bytes when they
    were left out."""
    from dissectors.packet import Item, Packet

    fields = _fields()
    head, flat, sources = marshal.loads(raw[1:]) if raw[:1] == b"m" else pickle.loads(raw[1:])
    (number, ts_ns, digits, caplen, origlen, linktype, iface, known, section, iname, idesc,
     comment, rel_ns, delta_ns, disp_ns, src, dst, proto_col, info, protocols) = head
    if sources[0][1] is None:
        if fetch is None:
            raise ValueError("the frame's bytes were left out and nothing reads them")
        sources[0] = (sources[0][0], fetch(caplen))
    frame = Frame(number, ts_ns, digits, caplen, origlen, linktype, iface, sources[0][1],
                  comment=comment, interface_known=known, section=section,
                  interface_name=iname, interface_description=idesc)
    pkt = Packet(frame)
    pkt.sources = sources
    pkt.rel_ns, pkt.delta_ns, pkt.delta_disp_ns = rel_ns, delta_ns, disp_ns
    pkt.src, pkt.dst, pkt.proto_col, pkt.info = src, dst, proto_col, info
    pkt.protocols = protocols
    parents: list[Item] = []
    for depth, fcode, value, offset, length, text, flags, source in flat:
        field = fields.fields[fcode]
        if value is ...:
            value = sources[source][1][offset:offset + length]
        item = Item(field, value, offset, length, text, bool(flags & 1), bool(flags & 2),
                    source)
        del parents[depth:]
        if depth == 0:
            pkt.tree.append(item)
        else:
            parent = parents[-1]
            if parent.children is None:
                parent.children = [item]
            else:
                parent.children.append(item)
        parents.append(item)
        if field is not None:
            pkt.index.setdefault(field.abbrev, []).append(item)
    return pkt


BLOCK = 4096  # frames a spilled block holds at most,
BLOCK_BYTES = 4 << 20  # and details: ~700 frames' trees (~20 ms to open the block)


def extended(arr: array, values: list[int]) -> array:
    """`arr` with `values` appended: 4-byte items while they fit (offsets into a file or
    buffer under 4 GiB), else a copy with 8-byte items (the caller stores the result)."""
    if arr.typecode == "I" and values and max(values) >= 1 << 32:
        arr = array("q", arr)
    arr.extend(values)
    return arr


class PackedRows:
    """The list rows as one UTF-8 buffer and their end offsets: ~100 bytes a row instead
    of a str object each (a million rows: 100 MB less)."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.ends = array("I", [0])

    def __len__(self) -> int:
        return len(self.ends) - 1

    def __getitem__(self, i: int) -> str:
        if i < 0:
            i += len(self)
        return self.data[self.ends[i]:self.ends[i + 1]].decode()

    def extend(self, rows: Iterable[str]) -> None:
        ends = []
        end = len(self.data)
        for row in rows:
            b = row.encode()
            self.data += b
            end += len(b)
            ends.append(end)
        self.ends = extended(self.ends, ends)  # last: readers take len() as complete


class PacketStore:
    """Rows of every frame read so far, and which of them the display filter shows."""

    def __init__(self, rules: list[ColorRule] | None, time_fmt: str = "r") -> None:
        self.rules = rules or []
        self.time_fmt = time_fmt
        self.rows = PackedRows()
        self.colors = bytearray()  # rule index + 1; 0 = no rule matched
        self.ts = array("q")  # each frame's time stamp (ns), for time references
        self._len = array("I")  # per frame: its detail's length (its block: by _first)
        self._first = array("I")  # per block: its first frame's index
        self._blocks_at = array("Q")  # per block: where it is in the spill, its size
        self._blocks_len = array("I")
        self._pbuf = bytearray()  # the last frames' details, not yet in a block
        self._npend = 0  # (how many frames)
        self._cache: tuple[int, bytes] = (-1, b"")  # the last block decompressed
        self._spill = tempfile.TemporaryFile(prefix="labshark-tui-")
        self._fd = self._spill.fileno()
        self._end = 0
        self._lock = threading.Lock()
        # A file the worker can seek in (pcap, pcapng): each frame's record offset, its
        # bytes read again from there instead of spilled; None: the bytes are spilled.
        self._foff: array | None = None
        self._capture: tuple[str, str] | None = None  # (path, format)
        self._cap_fd = -1
        self.displayed: array | None = None  # frame numbers shown; None = all
        self.first_shown: array | None = None  # those the first pass's filter showed
        # A tree-less first pass (ondemand.py): what builds a selected frame's tree
        self.deps: Any = None
        self.builder: Any = None
        self.marked: set[int] = set()
        self.refs: list[int] = []  # time reference frames, in order
        self.error: str | None = None  # a capture error after the good frames
        self.done = False
        self.read_bytes = 0  # the first pass's progress in the file

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def spilled(self) -> int:
        """Bytes written to the spill file so far."""
        return self._end

    def close(self) -> None:
        self._spill.close()
        if self.builder is not None:
            self.builder.close()
        if self._cap_fd >= 0:
            os.close(self._cap_fd)
            self._cap_fd = -1

    def add(self, pkt: Packet) -> None:
        """Keep the list row and spill the detail of one dissected frame (in order)."""
        self.append(*encode_row(pkt, self.rules, self.time_fmt))

    def append(self, row: str, color: int, raw: bytes, ts_ns: int = 0) -> None:
        """Add the next frame (from encode_row); its detail waits for a block to fill."""
        with self._lock:
            self._len.append(len(raw))
            self._pbuf += raw
            self._npend += 1
        self.ts.append(ts_ns)
        self.colors.append(color)
        self.rows.extend((row,))  # last: readers take len(rows) as complete
        if self._npend >= BLOCK or len(self._pbuf) >= BLOCK_BYTES:
            self.flush()

    def flush(self) -> None:
        """Compress the pending details into a block and spill it. Called by the one
        thread that adds frames; the frames stay readable as pending until the block
        is written, and the lock is not held while compressing."""
        with self._lock:
            n = self._npend
            size = len(self._pbuf)
            first = len(self._len) - n
        if not n:
            return
        with memoryview(self._pbuf) as view:  # (no copy: only this thread resizes it)
            block = pack(view)
        with self._lock:
            self._write_block(block, first)
            # (a new buffer, not `del`: a bytearray keeps its allocation when cut)
            self._pbuf = self._pbuf[size:]
            self._npend -= n

    def _write_block(self, block: bytes, first: int) -> None:
        """Append a block holding frames from index `first` on (the lock held)."""
        os.pwrite(self._fd, block, self._end)
        self._first.append(first)
        self._blocks_at.append(self._end)
        self._blocks_len.append(len(block))
        self._end += len(block)

    def append_block(self, entries: list[tuple[str, int, int, int, bool]],
                     block: bytes, pos: int = 0,
                     where: tuple[str, str, array] | None = None,
                     extra: tuple[Any, ...] | None = None) -> list[int]:
        """Add a worker's batch: (row, colour, ts, raw length, shown) per frame and their
        details, which go to the spill in blocks of about BLOCK_BYTES (`pos`: about how far in the file the pass is;
        `where`: the capture's path, format and the frames' record offsets when their
        bytes were left out of the details; `extra`: a tree-less pass's groups and
        counters, no details); returns the frame numbers of the shown ones."""
        self.read_bytes = pos
        first = len(self.rows) + 1
        if where is not None:
            if self._foff is None:  # (0: not located; a record is never at offset 0)
                self._foff = array("I", [0]) * len(self.rows)
                self._capture = (where[0], where[1])
            self._foff = extended(self._foff, list(where[2]))
        elif self._foff is not None:
            self._foff.extend([0] * len(entries))
        if extra is not None:
            self._ondemand(first, extra, where)
        else:
            with self._lock:  # (pending, like frames added one by one, till a block fills)
                self._len.extend(e[3] for e in entries)
                self._pbuf += block
                self._npend += len(entries)
        self.ts.extend(e[2] for e in entries)
        self.colors.extend(e[1] for e in entries)
        self.rows.extend(e[0] for e in entries)
        if self._npend >= BLOCK or len(self._pbuf) >= BLOCK_BYTES:
            self.flush()
        return [first + i for i, e in enumerate(entries) if e[4]]

    def _ondemand(self, first: int, extra: tuple[Any, ...], where: Any) -> None:
        from analyzer.tui.ondemand import Deps, TreeBuilder

        if self.deps is None:
            self.deps = Deps()
            self.builder = TreeBuilder(self, self.deps, where[0])
        self.deps.extend(first, extra)

    def record_offset(self, number: int) -> int:
        off = self._foff[number - 1] if self._foff is not None else 0
        if off <= 0:
            raise ValueError(f"frame {number} was not located")
        return off

    def row(self, number: int) -> list[str]:
        return self.rows[number - 1].split(SEP)

    def rule(self, number: int) -> ColorRule | None:
        c = self.colors[number - 1]
        return self.rules[c - 1] if c else None

    def raw(self, number: int) -> bytes:
        """Frame `number`'s spilled detail, uncompressed."""
        import bisect

        i = number - 1
        with self._lock:
            pending_from = len(self._len) - self._npend
            if i >= pending_from:  # not in a block yet
                off = sum(self._len[pending_from:i])
                return bytes(self._pbuf[off:off + self._len[i]])
            b = bisect.bisect_right(self._first, i) - 1
            off, n = sum(self._len[self._first[b]:i]), self._len[i]
            if self._cache[0] != b:
                data = unpack(os.pread(self._fd, self._blocks_len[b],
                                                self._blocks_at[b]))
                self._cache = (b, data)
            return self._cache[1][off:off + n]

    def detail(self, number: int) -> Detail:
        """Frame `number`'s tree, saved or built (OSError when the capture file changed
        since)."""
        if self.builder is not None:
            pkt = self.builder.packet(number)
            return Detail(number, pkt, tree_rows(pkt))
        pkt = decode(self.raw(number), lambda caplen: self.frame_bytes(number, caplen))
        return Detail(number, pkt, tree_rows(pkt))

    def frame_bytes(self, number: int, caplen: int) -> bytes:
        """Frame `number`'s bytes, read again from its record in the capture file."""
        if self._foff is None or self._capture is None or self._foff[number - 1] <= 0:
            raise ValueError(f"frame {number}'s bytes were neither spilled nor located")
        path, fmt = self._capture
        with self._lock:
            if self._cap_fd < 0:
                self._cap_fd = os.open(path, os.O_RDONLY)
            fd = self._cap_fd
        return read_record(fd, fmt, self._foff[number - 1], caplen, number)

    # -- time references ----------------------------------------------------------------
    def toggle_ref(self, number: int) -> None:
        """Set or unset frame `number` as a time reference (Wireshark's Ctrl+T)."""
        import bisect

        i = bisect.bisect_left(self.refs, number)
        if i < len(self.refs) and self.refs[i] == number:
            del self.refs[i]
        else:
            self.refs.insert(i, number)

    def time_text(self, number: int, text: str) -> str:
        """The Time column with time references: *REF* on one, and with the relative
        format the time since the latest reference before the frame."""
        if not self.refs:
            return text
        import bisect

        i = bisect.bisect_right(self.refs, number) - 1
        if i >= 0 and self.refs[i] == number:
            return "*REF*"
        if i < 0 or self.time_fmt != "r" or not text:
            return text
        digits = len(text) - text.index(".") - 1 if "." in text else 0
        from dissectors.time_text import rel_time_str

        return rel_time_str(self.ts[number - 1] - self.ts[self.refs[i] - 1], digits)

    # -- what the list shows ------------------------------------------------------------
    def shown_count(self) -> int:
        return len(self.rows) if self.displayed is None else len(self.displayed)

    def shown_number(self, index: int) -> int:
        """Frame number of the `index`th displayed row (0-based)."""
        return index + 1 if self.displayed is None else self.displayed[index]

    def index_of(self, number: int) -> int | None:
        """Row index where frame `number` is displayed, else None."""
        if self.displayed is None:
            return number - 1 if 1 <= number <= len(self.rows) else None
        import bisect

        i = bisect.bisect_left(self.displayed, number)
        return i if i < len(self.displayed) and self.displayed[i] == number else None


def read_record(fd: int, fmt: str, offset: int, caplen: int, number: int) -> bytes:
    """The `caplen` packet bytes of the pcap record or pcapng block at `offset`, its
    header checked (a file rewritten since the first pass is an error, not wrong bytes)."""
    head = os.pread(fd, 28, offset)
    start, got = -1, -1
    if fmt == "pcap" and len(head) >= 16:
        start = offset + 16
        got = caplen if caplen in (int.from_bytes(head[8:12], "little"),
                                   int.from_bytes(head[8:12], "big")) else -1
    elif fmt == "pcapng" and len(head) >= 12:
        for order in ("little", "big"):
            btype = int.from_bytes(head[:4], order)  # type: ignore[arg-type]
            if btype in (2, 6) and len(head) == 28:  # OPB, EPB: caplen at +20
                start, got = offset + 28, int.from_bytes(head[20:24], order)  # type: ignore
                break
            if btype == 3:  # SPB: the bytes after the original length
                start, got = offset + 12, caplen
                break
    data = os.pread(fd, caplen, start) if start >= 0 and got == caplen else b""
    if len(data) != caplen:
        raise OSError(f"frame {number} is no longer where it was: the capture file "
                      "changed after it was read")
    return data


def scan(frames: Iterable[Any], session: Any, store: PacketStore,
         match: Callable[[Packet], bool] | None, stop: threading.Event,
         on_packet: Callable[[Packet], None] | None = None) -> None:
    """The in-order pass: dissect each frame into the store (and the initial filter)."""
    from analyzer.pipeline import mark_displayed
    from dissectors import dissect

    if match is not None:
        store.displayed = array("I")
    prev_disp: int | None = None
    for frame in frames:
        if stop.is_set():
            return
        pkt = dissect(frame, session)
        shown = match is None or _safe(match, pkt)
        if shown:
            prev_disp = mark_displayed(pkt, prev_disp)
        store.add(pkt)
        if shown and store.displayed is not None:
            store.displayed.append(frame.number)
        if on_packet is not None:
            on_packet(pkt)


def refilter(frames: Iterable[Any], session: Any, match: Callable[[Packet], bool],
             out: array, stop: threading.Event) -> None:
    """A filter pass over the capture (as Wireshark re-dissects on a new filter)."""
    from dissectors import dissect

    for frame in frames:
        if stop.is_set():
            return
        if _safe(match, dissect(frame, session)):
            out.append(frame.number)


def _safe(match: Callable[[Packet], bool], pkt: Packet) -> bool:
    try:
        return bool(match(pkt))
    except Exception:  # noqa: BLE001 - one odd packet must not end the view
        return False


__all__ = ["PacketStore", "Detail", "TreeRow", "SEP", "scan", "refilter", "tree_rows",
           "filter_value", "encode", "decode", "encode_row", "PackedRows", "read_record",
           "extended"]
