"""SMB (v1) commands beyond the header, as tshark 4.0 shows them (packet-smb.c):
Negotiate Protocol, Session Setup AndX (plain and extended security, whose security
blob goes to the "gssapi" dissector) and Tree Connect AndX (which maps a TID to its
share path for later messages). Registered in smb.COMMANDS.
"""

from __future__ import annotations

from dissectors.dispatch import BY_NAME, call_under
from dissectors.escape import format_str
from dissectors.netbios_names import bit_label, bitmask_header
from dissectors.packet import Item
from dissectors.registry import FT, Base, Field
from dissectors.smb import BCC, CMD, COMMANDS, PATH, RESERVED, SMB, Ctx
from dissectors.smb_access import ACCESS_BITS, ACCESS_MASK
from dissectors.tvb import Tvb

_f = SMB.field


def _bools(prefix: str, rows: tuple[tuple[str, str, int, str, str], ...]) -> tuple[Field, ...]:
    return tuple(_f(f"{prefix}.{a}", name, FT.BOOLEAN, bitmask=mask, strings=(yes, no))
                 for a, name, mask, yes, no in rows)


def _caps(rows: tuple[tuple[str, str, int, str], ...]) -> tuple[Field, ...]:
    """Capability bits: the text with "not" for a clear bit ("... are not supported")."""
    out = []
    for a, name, mask, yes in rows:
        verb = " are " if " are " in yes else " is "
        no = yes.replace(verb, verb + "not ", 1)
        out.append(_f(f"smb.server_cap.{a}", name, FT.BOOLEAN, bitmask=mask, strings=(yes, no)))
    return tuple(out)


BUFFER_FORMAT = _f("smb.buffer_format", "Buffer Format", FT.UINT8, Base.DEC,
                   strings={1: "Data Block", 2: "Dialect", 3: "Pathname", 4: "ASCII",
                            5: "Variable Block"})
DIALECT = _f("smb.dialect", "Dialect", FT.STRING)
DIALECT_NAME = _f("smb.dialect.name", "Name", FT.STRING)
DIALECT_INDEX = _f("smb.dialect.index", "Selected Index", FT.UINT16, Base.DEC)
SM = _f("smb.sm", "Security Mode", FT.UINT16, Base.HEX)
SM_8 = SMB.twin(SM, type=FT.UINT8)  # Wireshark's one-byte one (NT LM 0.12's: `0x03`)
SM_BITS = _bools("smb.sm", (
    ("mode", "Mode", 0x1, "USER security mode", "SHARE security mode"),
    ("password", "Password", 0x2, "ENCRYPTED password. Use challenge/response",
     "PLAINTEXT password"),
    ("signatures", "Signatures", 0x4, "Security signatures ENABLED",
     "Security signatures NOT enabled"),
    ("sig_required", "Sig Req", 0x8, "Security signatures REQUIRED",
     "Security signatures NOT required"),
))
MAX_MPX = _f("smb.max_mpx_count", "Max Mpx Count", FT.UINT16, Base.DEC)
MAX_VCS = _f("smb.max_vcs", "Max VCs", FT.UINT16, Base.DEC)
MAX_BUFSIZE = _f("smb.max_bufsize", "Max Buffer Size", FT.UINT32, Base.DEC)
MAX_RAW = _f("smb.max_raw", "Max Raw Buffer", FT.UINT32, Base.DEC)
SESSION_KEY = _f("smb.session_key", "Session Key", FT.UINT32, Base.HEX)
CAPS = _f("smb.server_cap", "Capabilities", FT.UINT32, Base.HEX)
CAP_BITS = _caps((
    ("raw_mode", "Raw Mode", 0x1, "Read Raw and Write Raw are supported"),
    ("mpx_mode", "MPX Mode", 0x2, "Read Mpx and Write Mpx are supported"),
    ("unicode", "Unicode", 0x4, "Unicode strings are supported"),
    ("large_files", "Large Files", 0x8, "Large files are supported"),
    ("nt_smbs", "NT SMBs", 0x10, "NT SMBs are supported"),
    ("rpc_remote_apis", "RPC Remote APIs", 0x20, "RPC remote APIs are supported"),
    ("nt_status", "NT Status Codes", 0x40, "NT status codes are supported"),
    ("level_2_oplocks", "Level 2 Oplocks", 0x80, "Level 2 oplocks are supported"),
    ("lock_and_read", "Lock and Read", 0x100, "Lock and Read is supported"),
    ("nt_find", "NT Find", 0x200, "NT Find is supported"),
    ("dfs", "Dfs", 0x1000, "Dfs is supported"),
    ("infolevel_passthru", "Infolevel Passthru", 0x2000,
     "NT information level request passthrough is supported"),
    ("large_readx", "Large ReadX", 0x4000, "Large Read andX is supported"),
    ("large_writex", "Large WriteX", 0x8000, "Large Write andX is supported"),
    ("lwio", "LWIO", 0x10000, "LWIO ioctl/fsctl is supported"),
    ("unix", "UNIX", 0x800000, "UNIX extensions are supported"),
    ("compressed_data", "Compressed Data", 0x2000000, "Compressed data transfer is supported"),
    ("dynamic_reauth", "Dynamic Reauth", 0x20000000, "Dynamic Reauth is supported"),
    ("extended_security", "Extended Security", 0x80000000,
     "Extended security exchanges are supported"),
))
SYSTEM_TIME = _f("smb.system.time", "System Time", FT.ABSOLUTE_TIME, Base.UTC)
TIMEZONE = _f("smb.server_timezone", "Server Time Zone", FT.INT16, Base.DEC)
CHALLENGE_LEN = _f("smb.challenge_length", "Challenge Length", FT.UINT16, Base.DEC)
CHALLENGE = _f("smb.challenge", "Challenge", FT.BYTES)
PRIMARY_DOMAIN = _f("smb.primary_domain", "Primary Domain", FT.STRING)
SERVER = _f("smb.server", "Server", FT.STRING)
BLOB_LEN = _f("smb.security_blob_len", "Security Blob Length", FT.UINT16, Base.DEC)
BLOB = _f("smb.security_blob", "Security Blob", FT.BYTES)
ANDX_OFFSET = _f("smb.andxoffset", "AndXOffset", FT.UINT16, Base.DEC)
MAX_BUF = _f("smb.max_buf", "Max Buffer", FT.UINT16, Base.DEC)
VC = _f("smb.vc", "VC Number", FT.UINT16, Base.DEC)
ANSI_PWLEN = _f("smb.ansi_pwlen", "ANSI Password Length", FT.UINT16, Base.DEC)
UNICODE_PWLEN = _f("smb.unicode_pwlen", "Unicode Password Length", FT.UINT16, Base.DEC)
ANSI_PW = _f("smb.ansi_password", "ANSI Password", FT.BYTES)
UNICODE_PW = _f("smb.unicode_password", "Unicode Password", FT.BYTES)
ACCOUNT = _f("smb.account", "Account", FT.STRING)
NATIVE_OS = _f("smb.native_os", "Native OS", FT.STRING)
NATIVE_LANMAN = _f("smb.native_lanman", "Native LAN Manager", FT.STRING)
NATIVE_FS = _f("smb.native_fs", "Native File System", FT.STRING)
ACTION = _f("smb.setup.action", "Action", FT.UINT16, Base.HEX)
ACTION_BITS = _bools("smb.setup.action", (
    ("guest", "Guest", 0x1, "Logged in as GUEST", "Not logged in as GUEST"),))
CONNECT_FLAGS = _f("smb.connect.flags", "Flags", FT.UINT16, Base.HEX)
CONNECT_BITS = _bools("smb.connect.flags", (
    ("dtid", "Disconnect TID", 0x1, "Disconnect TID", "Do NOT disconnect TID"),
    ("extendedsig", "Extended Signature", 0x4, "Extended Signature",
     "NOT Extended Signature"),
    ("extendedresp", "Extended Response", 0x8, "Extended Response", "NOT Extended Response"),
))
PWLEN = _f("smb.pwlen", "Password Length", FT.UINT16, Base.DEC)
PASSWORD = _f("smb.password", "Password", FT.BYTES)
SERVICE = _f("smb.service", "Service", FT.STRING)
SUPPORT = _f("smb.connect.support", "Optional Support", FT.UINT16, Base.HEX)
SUPPORT_BITS = (
    *_bools("smb.connect.support", (
        ("search", "Search Bits", 0x1, "Exclusive search bits supported",
         "Exclusive search bits NOT supported"),
        ("dfs", "In Dfs", 0x2, "Share is in Dfs", "Share isn't in Dfs"))),
    _f("smb.connect.support.cscmask", "CSC Mask", FT.UINT16, Base.DEC, bitmask=0xc, strings={
        0: "Automatic file-to-file reintegration NOT permitted",
        1: "Automatic file-to-file reintegration permitted",
        2: "All files cached for offline use (VDO)", 3: "No caching of files permitted"}),
    *_bools("smb.connect.support", (
        ("uniqfilename", "Unique File Name", 0x10, "Client allowed to cache share namespaces",
         "Client NOT allowed to cache share namespaces"),
        ("extendedsig", "Extended Signatures", 0x20, "Extended signature",
         "NOT extended signature"))),
)
FILETIME_EPOCH = 116444736000000000


def flag_word(c: Ctx, parent: Item, f: Field, bits: tuple[Field, ...], off: int, width: int,
              shown: int | None = None) -> int:
    """A bitmask word: its header line (set flags named) and one line per bit."""
    t = c.tvb
    v = t.u8(off) if width == 1 else t.u16le(off) if width == 2 else t.u32le(off)
    digits = 2 * (shown or width)
    text = bitmask_header(f"{f.name}: 0x{v:0{digits}x}", v, bits) if c.pkt.tree_on else None
    it = c.add(parent, f, v, off, width, text)
    for b in bits:
        c.add(it, b, (v & b.bitmask) >> b.shift if b.type is not FT.BOOLEAN
              else bool(v & b.bitmask), off, width, bit_label(b, v, 8 * width))
    return v


def smb_string(c: Ctx, off: int, end: int, unicode: bool | None = None,
               nopad: bool = False) -> tuple[str, int, int]:
    """(text, where it starts, bytes incl. its NUL) of a NUL-ended string at `off`; a
    Unicode string starts 2-aligned from the SMB header (unless `nopad`), as
    packet-smb.c reads them."""
    uni = c.unicode if unicode is None else unicode
    buf = c.tvb.buf
    if uni:
        if (off - c.s) & 1 and not nopad:
            off += 1
        e = off
        while e + 1 < end and (buf[e] or buf[e + 1]):
            e += 2
        c.tvb.need(off, min(e + 2, end) - off)
        text = bytes(buf[off:e]).decode("utf-16-le", "replace")
        return text, off, min(e + 2, end) - off
    e = off
    while e < end and buf[e]:
        e += 1
    c.tvb.need(off, min(e + 1, end) - off)
    return bytes(buf[off:e]).decode("ascii", "replace"), off, min(e + 1, end) - off


def add_string(c: Ctx, f: Field, off: int, end: int, unicode: bool | None = None,
               nopad: bool = False) -> int:
    """The string item; returns the offset after it (end: nothing left)."""
    if off >= end:
        return end
    text, at, n = smb_string(c, off, end, unicode, nopad)
    c.add(c.tree, f, text, at, n, f"{f.name}: {format_str(text)}")
    return at + n


def _andx(c: Ctx, p: int) -> None:
    cmd = c.tvb.u8(p)
    name = "No further commands" if cmd == 0xff else CMD.value_name(cmd) or "Unknown"
    c.add(c.tree, CMD, cmd, p, 1, f"AndXCommand: {name} (0x{cmd:02x})")
    c.add(c.tree, RESERVED, c.tvb.bytes(p + 1, 1), p + 1, 1)
    c.add(c.tree, ANDX_OFFSET, c.tvb.u16le(p + 2), p + 2, 2)


def _bcc(c: Ctx) -> tuple[int, int]:
    """(first data byte, end of the data bytes) after the parameter words."""
    at = c.p + 2 * c.wct
    n = c.tvb.u16le(at)
    c.add(c.tree, BCC, n, at, 2)
    return at + 2, min(at + 2 + n, c.tvb.end)


def _blob(c: Ctx, off: int, n: int) -> int:
    if n == 0:
        return off
    raw = c.tvb.bytes(off, n)
    it = c.add(c.tree, BLOB, raw, off, n)
    fn = BY_NAME.get("gssapi")
    if fn is not None:
        call_under(it, fn, Tvb(c.tvb.buf, off, off + n, off + n, c.tvb.source), c.pkt,
                   c.session)
    return off + n


def _guid(raw: bytes) -> str:
    """As tshark 4.0 shows this GUID: its bytes in order (the server's byte order)."""
    h = raw.hex()
    return f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def negotiate(c: Ctx) -> None:
    t = c.tvb
    if not c.response:
        d, end = _bcc(c)
        lst = c.pkt.add_text(c.tree, "Requested Dialects", d, end - d, source=t.source)
        names: list[str] = []
        while d < end and len(names) < 64:
            fmt = t.u8(d)
            text, _, n = smb_string(c, d + 1, end, False)
            it = c.add(lst, DIALECT, text, d, 1 + n, f"Dialect: {format_str(text)}")
            c.add(it, BUFFER_FORMAT, fmt, d, 1)
            c.add(it, DIALECT_NAME, text, d + 1, n, f"Name: {format_str(text)}")
            names.append(text)
            d += 1 + n
        if c.own is not None:
            c.own.extra["dialects"] = names
        return
    p = c.p
    idx = t.u16le(p)
    dialects = c.req.extra.get("dialects", []) if c.req else []
    name = dialects[idx] if isinstance(dialects, list) and idx < len(dialects) else None
    c.add(c.tree, DIALECT_INDEX, idx, p, 2,
          f"Selected Index: {idx}: {format_str(name)}" if name is not None else None)
    if c.wct != 17:
        _bcc(c)
        return
    flag_word(c, c.tree, SM_8, SM_BITS, p + 2, 1)
    c.add(c.tree, MAX_MPX, t.u16le(p + 3), p + 3, 2)
    c.add(c.tree, MAX_VCS, t.u16le(p + 5), p + 5, 2)
    c.add(c.tree, MAX_BUFSIZE, t.u32le(p + 7), p + 7, 4)
    c.add(c.tree, MAX_RAW, t.u32le(p + 11), p + 11, 4)
    c.add(c.tree, SESSION_KEY, t.u32le(p + 15), p + 15, 4)
    caps = flag_word(c, c.tree, CAPS, CAP_BITS, p + 19, 4)
    ft = int.from_bytes(t.bytes(p + 23, 8), "little")
    c.add(c.tree, SYSTEM_TIME, (ft - FILETIME_EPOCH) * 100, p + 23, 8)
    tz = int.from_bytes(t.bytes(p + 31, 2), "little", signed=True)
    c.add(c.tree, TIMEZONE, tz, p + 31, 2, f"Server Time Zone: {tz} min from UTC")
    clen = t.u8(p + 33)
    c.add(c.tree, CHALLENGE_LEN, clen, p + 33, 1)
    d, end = _bcc(c)
    if caps & 0x80000000:
        raw = t.bytes(d, 16)
        c.pkt.add_text(c.tree, f"Server GUID: {_guid(raw)}", d, 16, source=t.source)
        _blob(c, d + 16, end - d - 16)
        return
    if clen:
        c.add(c.tree, CHALLENGE, t.bytes(d, clen), d, clen)
    d = add_string(c, PRIMARY_DOMAIN, d + clen, end, nopad=True)
    add_string(c, SERVER, d, end, nopad=True)


def session_setup(c: Ctx) -> None:
    t = c.tvb
    p = c.p
    _andx(c, p)
    if not c.response:
        c.add(c.tree, MAX_BUF, t.u16le(p + 4), p + 4, 2)
        c.add(c.tree, MAX_MPX, t.u16le(p + 6), p + 6, 2)
        c.add(c.tree, VC, t.u16le(p + 8), p + 8, 2)
        c.add(c.tree, SESSION_KEY, t.u32le(p + 10), p + 10, 4)
        if c.wct == 12:
            blen = t.u16le(p + 14)
            c.add(c.tree, BLOB_LEN, blen, p + 14, 2)
            c.add(c.tree, RESERVED, t.bytes(p + 16, 4), p + 16, 4)
            flag_word(c, c.tree, CAPS, CAP_BITS, p + 20, 4)
            d, end = _bcc(c)
            d = _blob(c, d, blen)
            for f in (NATIVE_OS, NATIVE_LANMAN, PRIMARY_DOMAIN):
                d = add_string(c, f, d, end)
            return
        alen, ulen = t.u16le(p + 14), t.u16le(p + 16)
        c.add(c.tree, ANSI_PWLEN, alen, p + 14, 2)
        c.add(c.tree, UNICODE_PWLEN, ulen, p + 16, 2)
        c.add(c.tree, RESERVED, t.bytes(p + 18, 4), p + 18, 4)
        flag_word(c, c.tree, CAPS, CAP_BITS, p + 22, 4)
        d, end = _bcc(c)
        if alen:
            c.add(c.tree, ANSI_PW, t.bytes(d, alen), d, alen)
        if ulen:
            c.add(c.tree, UNICODE_PW, t.bytes(d + alen, ulen), d + alen, ulen)
        d += alen + ulen
        names = []
        for f in (ACCOUNT, PRIMARY_DOMAIN, NATIVE_OS, NATIVE_LANMAN):
            if d < end:
                text, at, n = smb_string(c, d, end)
                c.add(c.tree, f, text, at, n, f"{f.name}: {format_str(text)}")
                d = at + n
                names.append(text)
        account, domain = (names + ["", ""])[:2]
        c.pkt.append_info(", User: " + ("anonymous" if not account and not domain else
                                        f"{format_str(domain)}\\{format_str(account)}"))
        return
    flag_word(c, c.tree, ACTION, ACTION_BITS, p + 4, 2)
    blen = 0
    if c.wct == 4:
        blen = t.u16le(p + 6)
        c.add(c.tree, BLOB_LEN, blen, p + 6, 2)
    d, end = _bcc(c)
    d = _blob(c, d, blen)
    for f in (NATIVE_OS, NATIVE_LANMAN, PRIMARY_DOMAIN):
        d = add_string(c, f, d, end)


def _access(c: Ctx, title: str, off: int) -> None:
    it = c.pkt.add_text(c.tree, title, off, 4, source=c.tvb.source)
    flag_word(c, it, ACCESS_MASK, ACCESS_BITS, off, 4)
    if c.pkt.tree_on and it.children:
        it.children[0].text = f"Access Mask: 0x{c.tvb.u32le(off):08x}"


def tree_connect(c: Ctx) -> None:
    t = c.tvb
    p = c.p
    _andx(c, p)
    if not c.response:
        flag_word(c, c.tree, CONNECT_FLAGS, CONNECT_BITS, p + 4, 2)
        plen = t.u16le(p + 6)
        c.add(c.tree, PWLEN, plen, p + 6, 2)
        d, end = _bcc(c)
        if plen:
            c.add(c.tree, PASSWORD, t.bytes(d, plen), d, plen)
        path, at, n = smb_string(c, d + plen, end)
        c.add(c.tree, PATH, path, at, n, f"Path: {format_str(path)}")
        add_string(c, SERVICE, at + n, end, False)
        c.pkt.append_info(f", Path: {format_str(path)}")
        if c.own is not None:
            c.own.extra["path"] = path
        return
    if c.req is not None and "path" in c.req.extra:
        c.state.trees[(c.conv, c.tid)] = (str(c.req.extra["path"]), c.pkt.frame.number)
    if c.wct >= 3:
        flag_word(c, c.tree, SUPPORT, SUPPORT_BITS, p + 4, 2)
    if c.wct >= 7:
        _access(c, "Maximal Share Access Rights", p + 6)
        _access(c, "Guest Maximal Share Access Rights", p + 10)
    d, end = _bcc(c)
    d = add_string(c, SERVICE, d, end, False)
    add_string(c, NATIVE_FS, d, end)

COMMANDS[0x72] = negotiate
COMMANDS[0x73] = session_setup
COMMANDS[0x75] = tree_connect
