"""A split run's output merged while both halves run (analyzer/split_run.py).

The child sends its packets' texts through a pipe, in batches; the parent keeps its own
texts in memory and, every so often while it dissects, writes whatever the frame order
allows: its own texts and the child's that have come. No text goes to a file (writing a
-V run's GBs to a temporary file and reading them back cost more system time than the
merge), and no merge is left for after both halves. Memory stays bounded both ways: the
pipe blocks a child that is far ahead, and a parent far ahead waits for the child.

If a part fails or its packets do not add up, the caller runs in one process; what was
written already is a prefix of that run's output, so `Skip` drops that many bytes of it.
"""

from __future__ import annotations

import codecs
import os
import select
import struct
import time
from array import array
from collections.abc import Callable
from typing import Any, TextIO

#: A batch's header: packets in it (-1: the part's end, its text what follows the last
#: packet), then its text's bytes; the packets' text ends (from the batch's start) follow.
_HEAD = struct.Struct("<qq")

#: The child sends a batch once it holds this much text; the parent merges after this
#: much of its own.
BATCH = 1 << 18

#: The most text the parent holds unwritten of its own before it waits for the child,
#: and of the child's before it leaves the rest in the pipe (which then holds the child).
OWN_CAP = 2 << 20


class Marked:
    """A part's output, written in UTF-8 (encoded here, in the part's process, once) into
    memory, with where each shown packet's text ends; also a sink, after the renderer,
    told of each shown packet. `texts` are the packets not yet taken by the merge."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.ends: list[int] = []  # (in buf)
        self.taken = 0  # (packets of ends merged)
        self.pos = 0  # (where the next packet's text starts in buf)
        self.packets = 0  # (all the part's packets so far)

    def write(self, s: str) -> int:
        self.buf += s.encode("utf-8", "surrogateescape")
        return len(s)

    def flush(self) -> None:
        """(nothing: the merge takes the texts)"""

    def isatty(self) -> bool:
        return False

    def packet(self, _pkt: Any) -> None:
        self.ends.append(len(self.buf))
        self.packets += 1

    def close(self) -> None:
        """(the pass closes its sinks: the merge is the caller's)"""

    def pending(self) -> int:
        """Bytes of text held and not merged."""
        return len(self.buf) - self.pos

    def compact(self) -> None:
        """Drop the merged texts from memory (when they are most of it)."""
        if self.pos > BATCH and self.pos * 2 > len(self.buf):
            pos = self.pos
            del self.buf[:pos]
            self.ends = [e - pos for e in self.ends[self.taken:]]
            self.taken = self.pos = 0


class ChildPart(Marked):
    """The child's part: its texts sent to the parent in batches through a pipe."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self.fd = fd
        self.sending = 0.0  # (seconds in the pipe's writes: waiting for the parent)

    def packet(self, pkt: Any) -> None:
        self.ends.append(len(self.buf))
        self.packets += 1
        if len(self.buf) >= BATCH:
            self.send()

    def send(self) -> None:
        if not self.ends:
            return
        end = self.ends[-1]
        t = time.perf_counter()
        _write_all(self.fd, _HEAD.pack(len(self.ends), end) + array("q", self.ends).tobytes())
        _write_all(self.fd, memoryview(self.buf)[:end])
        del self.buf[:end]
        self.ends = []
        self.sending += time.perf_counter() - t

    def finish(self) -> None:
        """The last batch, then the end: what the writer wrote after its last packet."""
        self.send()
        _write_all(self.fd, _HEAD.pack(-1, len(self.buf)) + bytes(self.buf))


def _write_all(fd: int, data: Any) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class Received(Marked):
    """The child's texts as the parent reads them from the pipe (`more`); `end` is set
    to what followed its last packet once it has all come, `eof` once the pipe closed."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self.fd = fd
        self.raw = bytearray()  # (read, not yet parsed)
        self.end: bytes | None = None
        self.eof = False
        self.waited = 0.0  # (seconds waiting for the child)
        self.waits = 0
        self.size = 0  # (bytes of the child's texts received)
        os.set_blocking(fd, False)

    def more(self, wait: bool) -> bool:
        """Read what the pipe holds (`wait`: at least something, or its end); whether
        anything came."""
        got = False
        if not wait and self.pending() + len(self.raw) >= OWN_CAP:
            return got  # (the child is far ahead: the full pipe holds it)
        while not self.eof:
            try:
                data = os.read(self.fd, BATCH)
            except BlockingIOError:
                if got or not wait:
                    break
                t = time.perf_counter()
                select.select([self.fd], [], [])
                self.waited += time.perf_counter() - t
                self.waits += 1
                continue
            if not data:
                self.eof = True
                break
            self.raw += data
            got = True
            if self.pending() + len(self.raw) >= OWN_CAP:
                break
        if got:
            self._parse()
        return got

    def _parse(self) -> None:
        raw, at = self.raw, 0
        with memoryview(raw) as view:  # (slices of it: the texts copied once, into buf)
            while len(raw) - at >= _HEAD.size and self.end is None:
                count, size = _HEAD.unpack_from(raw, at)
                body = at + _HEAD.size + max(count, 0) * 8
                if len(raw) < body + size:
                    break
                if count < 0:
                    self.end = bytes(view[body: body + size])
                else:
                    ends = array("q")
                    ends.frombytes(view[at + _HEAD.size: body])
                    base = len(self.buf)
                    self.buf += view[body: body + size]
                    self.size += size
                    self.ends.extend([e + base for e in ends])
                    self.packets += count
                at = body + size
        del raw[:at]


class Merge:
    """Writes the shown frames' texts in frame order as both parts make them (json: each
    text's first two bytes, its writer's "[" or ",", replaced by the merged output's)."""

    def __init__(self, shown: Any, side: bytearray, own: Marked, theirs: Received,
                 joins: tuple[str, str, str] | None, out: TextIO) -> None:
        self.shown, self.side, self.parts = shown, side, (own, theirs)
        self.i = 0  # (shown frames written)
        self.joins = [x.encode() for x in joins] if joins is not None else None
        self.write = bytes_writer(out)
        self.written = 0  # (bytes)
        self.failed = False
        own.packet = self._own_packet  # type: ignore[method-assign]
        self._own_mark = Marked.packet.__get__(own)
        self._next = BATCH

    def _own_packet(self, pkt: Any) -> None:
        own = self.parts[0]
        self._own_mark(pkt)
        if len(own.buf) >= self._next:
            self.pump()
            self._next = len(own.buf) + BATCH

    def pump(self) -> None:
        """Write what can be written now; wait for the child while too much of this
        process's own text is held."""
        own, theirs = self.parts
        if self.failed:
            own.buf.clear()
            own.ends.clear()
            own.taken = own.pos = 0
            return
        theirs.more(False)
        self.advance()
        while own.pending() > OWN_CAP and not theirs.eof:
            theirs.more(True)
            self.advance()
        if theirs.eof and theirs.end is None:
            self.failed = True  # (the child ended without its end: it failed)
        own.compact()

    def advance(self) -> None:
        if self.failed:
            return  # (the one-process run writes the rest)
        shown, side, parts, joins = self.shown, self.side, self.parts, self.joins
        i, total = self.i, len(shown)
        chunk: list[Any] = []
        size = 0
        # (views, not slices: each text is copied once here, by the join)
        views = (memoryview(parts[0].buf), memoryview(parts[1].buf))
        while i < total:
            s = side[shown[i]]
            part = parts[s]
            k = part.taken
            if k >= len(part.ends):
                break
            start, end = part.pos, part.ends[k]
            if joins is not None:
                chunk.append(joins[0] if i == 0 else joins[1])
                start += 2
            chunk.append(views[s][start: end])
            size += end - start
            part.pos, part.taken = end, k + 1
            i += 1
            if size >= BATCH:
                self._out(chunk)
                size = 0
        self.i = i
        self._out(chunk)
        for view in views:
            view.release()  # (the bufs may grow or shrink again)
        parts[1].compact()

    def _out(self, chunk: list[Any]) -> None:
        if chunk:
            data = b"".join(chunk)
            self.write(data)
            self.written += len(data)
            chunk.clear()

    def finish(self, tail: str) -> bool:
        """After this process's half: the child's texts to their end, then the output's
        end; whether both parts gave exactly the shown frames."""
        own, theirs = self.parts
        while not self.failed:
            self.advance()
            if theirs.end is not None or theirs.eof:
                break
            theirs.more(True)
        self.advance()
        t = tail.encode()
        ok = not self.failed and theirs.end == t and bytes(own.buf[own.pos:]) == t \
            and self.i == len(self.shown) and own.taken == len(own.ends) \
            and theirs.taken == len(theirs.ends)
        if ok and self.joins is not None:
            self._out([self.joins[2]])
        return ok


def bytes_writer(out: TextIO) -> Callable[[bytes], Any]:
    """`out`'s bytes when it writes UTF-8 as the parts did (the real stdout), else a
    decoding writer."""
    buffer = getattr(out, "buffer", None)
    try:
        same = codecs.lookup(getattr(out, "encoding", None) or "ascii").name == "utf-8" \
            and getattr(out, "errors", None) == "surrogateescape"
    except LookupError:
        same = False
    if buffer is not None and same:
        out.flush()
        return buffer.write  # type: ignore[no-any-return]
    return lambda b: out.write(b.decode("utf-8", "surrogateescape"))


class Skip:
    """`out` less its first `skip` bytes: the one-process run after a split that failed
    once it had written them (the same bytes, as its output is that run's)."""

    def __init__(self, out: TextIO, skip: int) -> None:
        self.out, self.skip = out, skip
        self.write_bytes = bytes_writer(out)

    def write(self, s: str) -> int:
        if self.skip:
            b = s.encode("utf-8", "surrogateescape")
            if len(b) <= self.skip:
                self.skip -= len(b)
                return len(s)
            rest, self.skip = b[self.skip:], 0
            self.write_bytes(rest)
            return len(s)
        return self.out.write(s)

    def flush(self) -> None:
        self.out.flush()

    def isatty(self) -> bool:
        return False


__all__ = ["Marked", "ChildPart", "Received", "Merge", "Skip", "bytes_writer"]
