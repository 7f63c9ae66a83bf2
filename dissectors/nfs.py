"""NFS version 3 (RFC 1813), RPC program 100003, as tshark 4.0 shows it.

Every procedure is named (Info "V3 NAME Call/Reply"); the bodies of GETATTR, LOOKUP,
ACCESS, READ and WRITE are decoded (file handles with tshark's CRC-32 "FH: 0x…" hash,
fattr3, post_op_attr, wcc_data); the others show their procedure only. A file handle is
shown opaque (tshark's default: no server-specific decoding).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

from dissectors.format import bit_pattern, masked_label
from dissectors.offers import register_learner_layer
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, protocol
from dissectors.rpc import (
    FILL_BYTES,
    OPAQUE_LENGTH,
    PROGVERS,
    CallInfo,
    Named,
    Program,
    add_string,
    add_u32,
    add_u64,
    register_program,
    u32,
    u64,
)
from dissectors.session import Session
from dissectors.tvb import Tvb

PROCS_V3 = Named({0: "NULL", 1: "GETATTR", 2: "SETATTR", 3: "LOOKUP", 4: "ACCESS", 5: "READLINK",
            6: "READ", 7: "WRITE", 8: "CREATE", 9: "MKDIR", 10: "SYMLINK", 11: "MKNOD",
            12: "REMOVE", 13: "RMDIR", 14: "RENAME", 15: "LINK", 16: "READDIR",
            17: "READDIRPLUS", 18: "FSSTAT", 19: "FSINFO", 20: "PATHCONF", 21: "COMMIT"})
STATUS3 = Named({0: "NFS3_OK", 1: "NFS3ERR_PERM", 2: "NFS3ERR_NOENT", 5: "NFS3ERR_IO",
           6: "NFS3ERR_NXIO", 13: "NFS3ERR_ACCES", 17: "NFS3ERR_EXIST", 18: "NFS3ERR_XDEV",
           19: "NFS3ERR_NODEV", 20: "NFS3ERR_NOTDIR", 21: "NFS3ERR_ISDIR", 22: "NFS3ERR_INVAL",
           27: "NFS3ERR_FBIG", 28: "NFS3ERR_NOSPC", 30: "NFS3ERR_ROFS", 31: "NFS3ERR_MLINK",
           63: "NFS3ERR_NAMETOOLONG", 66: "NFS3ERR_NOTEMPTY", 69: "NFS3ERR_DQUOT",
           70: "NFS3ERR_STALE", 71: "NFS3ERR_REMOTE", 10001: "NFS3ERR_BADHANDLE",
           10002: "NFS3ERR_NOT_SYNC", 10003: "NFS3ERR_BAD_COOKIE", 10004: "NFS3ERR_NOTSUPP",
           10005: "NFS3ERR_TOOSMALL", 10006: "NFS3ERR_SERVERFAULT", 10007: "NFS3ERR_BADTYPE",
           10008: "NFS3ERR_JUKEBOX"})
FTYPES3 = Named({1: "Regular File", 2: "Directory", 3: "Block Special Device",
           4: "Character Special Device", 5: "Symbolic Link", 6: "Socket", 7: "Named Pipe"})
STABLE = Named({0: "UNSTABLE", 1: "DATA_SYNC", 2: "FILE_SYNC"})
_YES_NO = ("Yes", "No")

NFS = protocol("nfs", "Network File System", "NFS")
PROC_V3 = NFS.field("nfs.procedure_v3", "V3 Procedure", FT.UINT32, Base.DEC, strings=PROCS_V3)
FH_LENGTH = NFS.field("nfs.fh.length", "length", FT.UINT32, Base.DEC, blurb="file handle length")
FH_HASH = NFS.field("nfs.fh.hash", "hash (CRC-32)", FT.UINT32, Base.HEX, blurb="file handle hash")
FHANDLE = NFS.field("nfs.fhandle", "FileHandle", FT.BYTES, blurb="Opaque nfs filehandle")
STATUS3_F = NFS.field("nfs.status3", "Status", FT.UINT32, Base.DEC, strings=STATUS3,
                      blurb="Reply status")
STATUS = NFS.field("nfs.status", "Status", FT.UINT32, Base.DEC, strings=STATUS3,
                   blurb="Reply status")
FTYPE = NFS.field("nfs.fattr3.type", "Type", FT.UINT32, Base.DEC, strings=FTYPES3)
MODE = NFS.field("nfs.mode3", "Mode", FT.UINT32, Base.OCT)
MODE_BITS = tuple(
    NFS.field(f"nfs.mode3.{abbrev}", name, FT.BOOLEAN, bitmask=mask, strings=_YES_NO)
    for abbrev, name, mask in (
        ("suid", "S_ISUID", 0x800), ("sgid", "S_ISGID", 0x400), ("sticky", "S_ISVTX", 0x200),
        ("rusr", "S_IRUSR", 0x100), ("wusr", "S_IWUSR", 0x80), ("xusr", "S_IXUSR", 0x40),
        ("rgrp", "S_IRGRP", 0x20), ("wgrp", "S_IWGRP", 0x10), ("xgrp", "S_IXGRP", 0x8),
        ("roth", "S_IROTH", 0x4), ("woth", "S_IWOTH", 0x2), ("xoth", "S_IXOTH", 0x1)))
NLINK = NFS.field("nfs.fattr3.nlink", "nlink", FT.UINT32, Base.DEC)
UID = NFS.field("nfs.fattr3.uid", "uid", FT.UINT32, Base.DEC)
GID = NFS.field("nfs.fattr3.gid", "gid", FT.UINT32, Base.DEC)
SIZE = NFS.field("nfs.fattr3.size", "size", FT.UINT64, Base.DEC)
USED = NFS.field("nfs.fattr3.used", "used", FT.UINT64, Base.DEC)
SPEC1 = NFS.field("nfs.specdata1", "specdata1", FT.UINT32, Base.DEC)
SPEC2 = NFS.field("nfs.specdata2", "specdata2", FT.UINT32, Base.DEC)
FSID = NFS.field("nfs.fattr3.fsid", "fsid", FT.UINT64, Base.HEX_DEC)
FILEID = NFS.field("nfs.fattr3.fileid", "fileid", FT.UINT64, Base.DEC)
TIMES = {
    t: (NFS.field(f"nfs.{t}", t, FT.ABSOLUTE_TIME),
        NFS.field(f"nfs.{t}.sec", "seconds", FT.UINT32, Base.DEC),
        NFS.field(f"nfs.{t}.nsec", "nano seconds", FT.UINT32, Base.DEC))
    for t in ("atime", "mtime", "ctime")}
WCC_SIZE = NFS.field("nfs.wcc_attr.size", "size", FT.UINT64, Base.DEC)
ATTR_FOLLOW = NFS.field("nfs.attributes_follow", "attributes_follow", FT.UINT32, Base.DEC,
                        strings={0: "no value", 1: "value follows"})
NAME = NFS.field("nfs.name", "Name", FT.STRING)
OFFSET3 = NFS.field("nfs.offset3", "offset", FT.UINT64, Base.DEC)
COUNT3 = NFS.field("nfs.count3", "count", FT.UINT32, Base.DEC)
READ_EOF = NFS.field("nfs.read.eof", "EOF", FT.BOOLEAN, strings=_YES_NO)
STABLE_F = NFS.field("nfs.write.stable", "Stable", FT.UINT32, Base.DEC, strings=STABLE)
COMMITTED = NFS.field("nfs.write.committed", "Committed", FT.UINT32, Base.DEC, strings=STABLE)
VERIFIER = NFS.field("nfs.verifier", "Verifier", FT.BYTES)
DATA = NFS.field("nfs.data", "Data", FT.BYTES)
ACCESS_CHECK = NFS.field("nfs.access_check", "Check access", FT.UINT8, Base.HEX)
ACCESS_RIGHTS = NFS.field("nfs.access_rights", "Access rights (of requested)", FT.UINT8,
                          Base.HEX)
#: ACCESS3 bits: (field, Info abbreviation).
ACCESS_BITS = tuple(
    (NFS.field(f"nfs.access_{abbrev}", f"0x{mask:03x} {name}", FT.BOOLEAN, bitmask=mask), short)
    for abbrev, name, mask, short in (
        ("read", "READ", 0x1, "RD"), ("lookup", "LOOKUP", 0x2, "LU"),
        ("modify", "MODIFY", 0x4, "MD"), ("extend", "EXTEND", 0x8, "XT"),
        ("delete", "DELETE", 0x10, "DL"), ("execute", "EXECUTE", 0x20, "XE")))


class _Body:
    """One NFS body being dissected: the tree, the Info text it appends, the cursor."""

    def __init__(self, tvb: Tvb, pkt: Packet, top: Item) -> None:
        self.tvb, self.pkt, self.top = tvb, pkt, top
        self.src = tvb.source

    def info(self, text: str, tree_text: str | None = None) -> None:
        self.pkt.append_info(text)
        self.top.text = (self.top.text or "") + (text if tree_text is None else tree_text)


def _fh(b: _Body, tree: Item, off: int, name: str) -> tuple[int, int]:
    """An nfs_fh3: the handle's length, hash and bytes; returns (next offset, hash)."""
    tvb, pkt = b.tvb, b.pkt
    n = u32(tvb, off)
    full = (n + 3) & ~3
    tvb.need(off + 4, min(full, 0x7FFFFFFF))
    sub = pkt.add_text(tree, name, off, 4 + full, source=b.src)
    pkt.add(sub, FH_LENGTH, n, off, 4, source=b.src)
    if not n:
        return off + 4, 0
    raw = bytes(tvb.buf[off + 4: off + 4 + n])
    h = zlib.crc32(raw)
    pkt.add(sub, FH_HASH, h, off + 4, n, generated=True, source=b.src)
    pkt.add(sub, FHANDLE, raw, off + 4, n, source=b.src)
    return off + 4 + full, h


def _mode(b: _Body, tree: Item, off: int) -> int:
    mode = u32(b.tvb, off)
    pkt = b.pkt
    text = None
    if pkt.tree_on:
        names = "".join(f", {f.name}" for f in MODE_BITS if mode & f.bitmask)
        text = f"Mode: 0{mode & 0xFFFFFFFF:o}{names}" if mode else f"Mode: 0{names}"
    it = pkt.add(tree, MODE, mode, off, 4, text, source=b.src)
    for f in MODE_BITS:
        v = bool(mode & f.bitmask)
        pkt.add(it, f, v, off, 4, masked_label(f, v, 32) if pkt.tree_on else None,
                source=b.src)
    return mode


def _time(b: _Body, tree: Item, off: int, which: str) -> int:
    secs, nsecs = u32(b.tvb, off), u32(b.tvb, off + 4)
    f, fs, fn = TIMES[which]
    it = b.pkt.add(tree, f, secs * 1_000_000_000 + nsecs, off, 8, source=b.src)
    b.pkt.add(it, fs, secs, off, 4, source=b.src)
    b.pkt.add(it, fn, nsecs, off + 4, 4, source=b.src)
    return off + 8


def _fattr3(b: _Body, tree: Item, off: int, name: str) -> tuple[int, str]:
    """A fattr3 under `name`; returns the next offset and tshark's summary text."""
    tvb, pkt, src = b.tvb, b.pkt, b.src
    tvb.need(off, 84)
    sub = pkt.add_text(tree, name, off, 84, source=src)
    ftype = u32(tvb, off)
    pkt.add(sub, FTYPE, ftype, off, 4, source=src)
    mode = _mode(b, sub, off + 4)
    add_u32(pkt, sub, NLINK, tvb, off + 8)
    uid, gid = u32(tvb, off + 12), u32(tvb, off + 16)
    add_u32(pkt, sub, UID, tvb, off + 12)
    add_u32(pkt, sub, GID, tvb, off + 16)
    add_u64(pkt, sub, SIZE, tvb, off + 20)
    add_u64(pkt, sub, USED, tvb, off + 28)
    s1, s2 = u32(tvb, off + 36), u32(tvb, off + 40)
    rdev = pkt.add_text(sub, f"rdev: {s1},{s2}", off + 36, 8, source=src)
    pkt.add(rdev, SPEC1, s1, off + 36, 4, source=src)
    pkt.add(rdev, SPEC2, s2, off + 40, 4, source=src)
    add_u64(pkt, sub, FSID, tvb, off + 44)
    add_u64(pkt, sub, FILEID, tvb, off + 52)
    o = off + 60
    for t in ("atime", "mtime", "ctime"):
        o = _time(b, sub, o, t)
    tname = FTYPES3.get(ftype, f"Unknown Type: 0x{ftype:x}")
    summary = f"  {tname} mode: {mode & 0xFFF:04o} uid: {_signed(uid)} gid: {_signed(gid)}"
    if pkt.tree_on:
        sub.text = name + summary
    return o, summary


def _signed(v: int) -> int:
    return v - (1 << 32) if v >= 1 << 31 else v


def _post_op_attr(b: _Body, tree: Item, off: int, name: str) -> int:
    follows = u32(b.tvb, off)
    sub = b.pkt.add_text(tree, name, off, 4, source=b.src)
    b.pkt.add(sub, ATTR_FOLLOW, follows, off, 4, source=b.src)
    o = off + 4
    if follows == 1:
        o, summary = _fattr3(b, sub, o, "attributes")
        if b.pkt.tree_on:
            sub.text = name + summary
    sub.length = o - off
    return o


def _wcc_data(b: _Body, tree: Item, off: int, name: str) -> int:
    tvb, pkt, src = b.tvb, b.pkt, b.src
    sub = pkt.add_text(tree, name, off, 0, source=src)
    follows = u32(tvb, off)
    before = pkt.add_text(sub, "before", off, 4, source=src)
    pkt.add(before, ATTR_FOLLOW, follows, off, 4, source=src)
    o = off + 4
    if follows == 1:
        attrs = pkt.add_text(before, "attributes", o, 24, source=src)
        o = add_u64(pkt, attrs, WCC_SIZE, tvb, o)
        o = _time(b, attrs, o, "mtime")
        o = _time(b, attrs, o, "ctime")
        before.length = o - off
    o = _post_op_attr(b, sub, o, "after")
    sub.length = o - off
    return o


def _status(b: _Body, off: int) -> tuple[int, int]:
    st = u32(b.tvb, off)
    b.pkt.add(b.top, STATUS3_F, st, off, 4, source=b.src)
    b.pkt.add(b.top, STATUS, st, off, 4, hidden=True, source=b.src)
    return off + 4, st


def _error(b: _Body, st: int, proc: str) -> None:
    err = STATUS3.get(st, f"Unknown error: {st}")
    b.info(f" Error: {err}", f", {proc} Reply  Error: {err}")


def _reply_head(b: _Body, off: int, attrs: Callable[[_Body, Item, int, str], int],
                name: str, proc: str) -> tuple[int, bool]:
    """A reply's status and the attributes it carries either way (`attrs` named
    `name`); on an error, tshark's Info. (next offset, whether the call succeeded)"""
    o, st = _status(b, off)
    o = attrs(b, b.top, o, name)
    if st:
        _error(b, st, proc)
    return o, not st


def _file_range(b: _Body, off: int) -> tuple[int, str]:
    """READ's and WRITE's file handle, offset and count: (next offset, Info text)."""
    o, h = _fh(b, b.top, off, "file")
    start = u64(b.tvb, o)
    o = add_u64(b.pkt, b.top, OFFSET3, b.tvb, o)
    o, n = _count(b, o)
    return o, f", FH: 0x{h:08x} Offset: {start} Len: {n}"


def _count(b: _Body, off: int) -> tuple[int, int]:
    """A count3 item: (next offset, the count)."""
    return add_u32(b.pkt, b.top, COUNT3, b.tvb, off), u32(b.tvb, off)


def _diropargs(b: _Body, off: int, name: str) -> tuple[int, int, str]:
    sub = b.pkt.add_text(b.top, name, off, 0, source=b.src)
    o, h = _fh(b, sub, off, "dir")
    o, text = add_string(b.pkt, sub, NAME, b.tvb, o)
    sub.length = o - off
    return o, h, text


# ---- the procedures (call, reply) ----

def _call_fh(proc: str) -> object:
    def call(b: _Body, off: int, _call: CallInfo) -> int:
        o, h = _fh(b, b.top, off, "object")
        b.info(f", FH: 0x{h:08x}", f", {proc} Call FH: 0x{h:08x}")
        return o
    return call


def _getattr_reply(b: _Body, off: int, _call: CallInfo) -> int:
    b.top.text = (b.top.text or "") + ", GETATTR Reply"
    o, st = _status(b, off)
    if st:
        err = STATUS3.get(st, f"Unknown error: {st}")
        b.info(f" Error: {err}")
        return o
    o, summary = _fattr3(b, b.top, o, "obj_attributes")
    b.info(summary)
    return o


def _lookup_call(b: _Body, off: int, _call: CallInfo) -> int:
    o, h, name = _diropargs(b, off, "what")
    b.info(f", DH: 0x{h:08x}/{name}", f", LOOKUP Call DH: 0x{h:08x}/{name}")
    return o


def _lookup_reply(b: _Body, off: int, _call: CallInfo) -> int:
    o, st = _status(b, off)
    if st:
        o = _post_op_attr(b, b.top, o, "dir_attributes")
        _error(b, st, "LOOKUP")
        return o
    o, h = _fh(b, b.top, o, "object")
    o = _post_op_attr(b, b.top, o, "obj_attributes")
    o = _post_op_attr(b, b.top, o, "dir_attributes")
    b.info(f", FH: 0x{h:08x}", f", LOOKUP Reply FH: 0x{h:08x}")
    return o


def _access_items(b: _Body, off: int, field: object, mask: int, rights: int | None) -> str:
    """The requested ACCESS3 bits under `field`; the Info text tshark appends."""
    pkt = b.pkt
    it = pkt.add(b.top, field, (mask if rights is None else rights) & 0xFF, off, 4,  # type: ignore[arg-type]
                 source=b.src)
    allowed, denied = [], []
    for f, short in ACCESS_BITS:
        if not mask & f.bitmask:
            continue
        ok = rights is None or bool(rights & f.bitmask)
        (allowed if ok else denied).append(short)
        word = "allowed?" if rights is None else "allowed" if ok else "*Access Denied*"
        pkt.add(it, f, ok, off, 4, f"{bit_pattern(f, ok)} = {f.name}: {word}"
                if pkt.tree_on else None, source=b.src)
    if rights is None:
        return f", [Check: {' '.join(allowed)}]"
    text = f", [Allowed: {' '.join(allowed)}]" if allowed else ""
    return text + (f", [Denied: {' '.join(denied)}]" if denied else "")


def _access_call(b: _Body, off: int, call: CallInfo) -> int:
    o, h = _fh(b, b.top, off, "object")
    mask = u32(b.tvb, o)
    call.data = mask
    text = f", FH: 0x{h:08x}" + _access_items(b, o, ACCESS_CHECK, mask, None)
    b.info(text, ", ACCESS Call" + text)
    return o + 4


def _access_reply(b: _Body, off: int, call: CallInfo) -> int:
    o, ok = _reply_head(b, off, _post_op_attr, "obj_attributes", "ACCESS")
    if not ok:
        return o
    b.top.text = (b.top.text or "") + ", ACCESS Reply"
    text = _access_items(b, o, ACCESS_RIGHTS, call.data, u32(b.tvb, o))
    b.info(text)
    return o + 4


def _read_call(b: _Body, off: int, _call: CallInfo) -> int:
    o, text = _file_range(b, off)
    b.info(text, ", READ Call" + text[1:])
    return o


def _data(b: _Body, off: int) -> int:
    """Opaque file data as tshark's dissect_rpc_data: "Data: <DATA>" over its length,
    contents and fill bytes."""
    tvb, pkt, src = b.tvb, b.pkt, b.src
    n = u32(tvb, off)
    full = (n + 3) & ~3
    tvb.need(off + 4, min(n, 0x7FFFFFFF))
    sub = pkt.add_text(b.top, "Data: <DATA>", off, 4 + full, source=src)
    pkt.add(sub, OPAQUE_LENGTH, n, off, 4, source=src)
    pkt.add(sub, DATA, bytes(tvb.buf[off + 4: off + 4 + n]), off + 4, n, "contents: <DATA>",
            source=src)
    if full > n:
        pkt.add(sub, FILL_BYTES, bytes(tvb.buf[off + 4 + n: min(off + 4 + full, tvb.end)]),
                off + 4 + n, full - n, "fill bytes: opaque data", source=src)
    tvb.need(off + 4, full)
    return off + 4 + full


def _read_reply(b: _Body, off: int, _call: CallInfo) -> int:
    o, ok = _reply_head(b, off, _post_op_attr, "file_attributes", "READ")
    if not ok:
        return o
    o, n = _count(b, o)
    b.pkt.add(b.top, READ_EOF, bool(u32(b.tvb, o)), o, 4, source=b.src)
    o += 4
    b.info(f" Len: {_signed(n)}", f", READ Reply Len: {_signed(n)}")
    return _data(b, o)


def _write_call(b: _Body, off: int, _call: CallInfo) -> int:
    o, text = _file_range(b, off)
    stable = u32(b.tvb, o)
    o = add_u32(b.pkt, b.top, STABLE_F, b.tvb, o)
    text += f" {STABLE.get(stable, f'Stable: {stable}')}"
    b.info(text, ", WRITE Call" + text[1:])
    return _data(b, o)


def _write_reply(b: _Body, off: int, _call: CallInfo) -> int:
    o, ok = _reply_head(b, off, _wcc_data, "file_wcc", "WRITE")
    if not ok:
        return o
    o, n = _count(b, o)
    stable = u32(b.tvb, o)
    o = add_u32(b.pkt, b.top, COMMITTED, b.tvb, o)
    b.tvb.need(o, 8)
    b.pkt.add(b.top, VERIFIER, bytes(b.tvb.buf[o: o + 8]), o, 8, "Verifier: Opaque Data",
              source=b.src)
    text = f" Len: {_signed(n)} {STABLE.get(stable, f'Stable: {stable}')}"
    b.info(text, ", WRITE Reply" + text)
    return o + 8


def _null(b: _Body, off: int, _call: CallInfo) -> int:
    return off  # (nothing: tshark's empty layer, left out of frame.protocols)


#: Procedure -> (call body, reply body), each body(_Body, offset, call) -> next offset.
V3_BODIES = {
    0: (_null, _null),
    1: (_call_fh("GETATTR"), _getattr_reply),
    3: (_lookup_call, _lookup_reply),
    4: (_access_call, _access_reply),
    6: (_read_call, _read_reply),
    7: (_write_call, _write_reply),
}


def _v3(tvb: Tvb, off: int, pkt: Packet, session: Session, _tree: Item,
        call: CallInfo) -> int:
    session.current_proto = "nfs"
    pkt.proto_col = "NFS"
    top = pkt.add_proto(NFS, off, tvb.end - off, "Network File System", source=tvb.source,
                        in_stack=off < tvb.rend)
    pkt.add(top, PROGVERS, 3, 0, 0, generated=True)
    pkt.add(top, PROC_V3, call.proc, 0, 0, generated=True)
    b = _Body(tvb, pkt, top)
    bodies = V3_BODIES.get(call.proc)
    if bodies is None:  # (named only: its body is left undecoded)
        top.text = f"Network File System, {PROCS_V3.get(call.proc, 'Unknown')} " \
                   f"{'Call' if call.is_call else 'Reply'}"
        return off
    fn = bodies[0] if call.is_call else bodies[1]
    end = fn(b, off, call)  # type: ignore[operator]
    top.length = end - off
    return end


register_program(Program(100003, "NFS", "nfs", {3: PROCS_V3}, call={3: _v3}, reply={3: _v3}))
register_learner_layer("nfs", "NFS")
