"""The SMB mailslot write (the three setup words of an SMB Trans request) and the
Microsoft Windows Browser Protocol carried in `\\MAILSLOT\\BROWSE` writes, as tshark
4.0 shows them: host, local master and domain announcements, announcement requests
and browser elections (smb.py hands them over)."""

from __future__ import annotations

from dissectors.netbios_names import bit_label, bitmask_header
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field, protocol
from dissectors.session import Session
from dissectors.time_text import msecs_str
from dissectors.tvb import Tvb

MAILSLOT = protocol("mailslot", "SMB MailSlot Protocol", "SMB Mailslot")
MS_OPCODE = MAILSLOT.field("mailslot.opcode", "Opcode", FT.UINT16, Base.DEC,
                           strings={1: "Write Mail Slot"})
MS_PRIORITY = MAILSLOT.field("mailslot.priority", "Priority", FT.UINT16, Base.DEC)
MS_CLASS = MAILSLOT.field("mailslot.class", "Class", FT.UINT16, Base.DEC,
                          strings={1: "Reliable", 2: "Unreliable & Broadcast"})
MS_SIZE = MAILSLOT.field("mailslot.size", "Size", FT.UINT16, Base.DEC)
MS_NAME = MAILSLOT.field("mailslot.name", "Mailslot Name", FT.STRING)

COMMANDS = {0x01: "Host Announcement", 0x02: "Request Announcement",
            0x08: "Browser Election Request", 0x0C: "Domain/Workgroup Announcement",
            0x0F: "Local Master Announcement"}
BROWSER = protocol("browser", "Microsoft Windows Browser Protocol", "BROWSER")
COMMAND = BROWSER.field("browser.command", "Command", FT.UINT8, Base.HEX, strings=COMMANDS)
UPDATE_COUNT = BROWSER.field("browser.update_count", "Update Count", FT.UINT8, Base.DEC)
PERIOD = BROWSER.field("browser.period", "Update Periodicity", FT.UINT32, Base.DEC)
SERVER = BROWSER.field("browser.server", "Server Name", FT.STRING)
MB_SERVER = BROWSER.field("browser.mb_server", "Master Browser Server Name", FT.STRING)
WINDOWS_VERSION = BROWSER.field("browser.windows_version", "Windows version", FT.STRING)
OS_MAJOR = BROWSER.field("browser.os_major", "OS Major Version", FT.UINT8, Base.DEC)
OS_MINOR = BROWSER.field("browser.os_minor", "OS Minor Version", FT.UINT8, Base.DEC)
SERVER_TYPE = BROWSER.field("browser.server_type", "Server Type", FT.UINT32, Base.HEX)
PROTO_MAJOR = BROWSER.field("browser.proto_major", "Browser Protocol Major Version",
                            FT.UINT8, Base.DEC)
PROTO_MINOR = BROWSER.field("browser.proto_minor", "Browser Protocol Minor Version",
                            FT.UINT8, Base.DEC)
SIG = BROWSER.field("browser.sig", "Signature", FT.UINT16, Base.HEX)
COMMENT = BROWSER.field("browser.comment", "Host Comment", FT.STRINGZ)
UNUSED = BROWSER.field("browser.unused", "Unused flags", FT.UINT8, Base.HEX)
RESPONSE_NAME = BROWSER.field("browser.response_computer_name", "Response Computer Name",
                              FT.STRINGZ)
MYSTERIOUS = BROWSER.field("browser.mysterious_field", "Mysterious Field", FT.UINT32,
                           Base.HEX)
ELECTION_VERSION = BROWSER.field("browser.election.version", "Election Version", FT.UINT8,
                                 Base.DEC)
CRITERIA = BROWSER.field("browser.election.criteria", "Election Criteria", FT.UINT32,
                         Base.HEX)
DESIRE = BROWSER.field("browser.election.desire", "Election Desire", FT.UINT8, Base.HEX)
ELECTION_OS = BROWSER.field("browser.election.os", "Election OS", FT.UINT8, Base.HEX)
UPTIME = BROWSER.field("browser.uptime", "Uptime", FT.UINT32, Base.DEC)


def _bits(prefix: str, width: int, rows: tuple) -> tuple[Field, ...]:
    return tuple(BROWSER.field(f"{prefix}.{a}", name, FT.BOOLEAN, bitmask=mask,
                               strings=(yes, no)) for a, name, mask, yes, no in rows)


# (abbrev, name, mask, true text, false text); the Info/summary names follow.
SERVER_TYPE_BITS = _bits("browser.server_type", 32, (
    ("workstation", "Workstation", 0x1, "This is a Workstation", "This is NOT a Workstation"),
    ("server", "Server", 0x2, "This is a Server", "This is NOT a Server"),
    ("sql", "SQL", 0x4, "This is an SQL server", "This is NOT an SQL server"),
    ("domain_controller", "Domain Controller", 0x8, "This is a Domain Controller",
     "This is NOT a Domain Controller"),
    ("backup_controller", "Backup Controller", 0x10, "This is a Backup Controller",
     "This is NOT a Backup Controller"),
    ("time", "Time Source", 0x20, "This is a Time Source", "This is NOT a Time Source"),
    ("apple", "Apple", 0x40, "This is an Apple host", "This is NOT an Apple host"),
    ("novell", "Novell", 0x80, "This is a Novell server", "This is NOT a Novell server"),
    ("member", "Member", 0x100, "This is a Domain Member server",
     "This is NOT a Domain Member server"),
    ("print", "Print", 0x200, "This is a Print Queue server",
     "This is NOT a Print Queue server"),
    ("dialin", "Dialin", 0x400, "This is a Dialin server", "This is NOT a Dialin server"),
    ("xenix", "Xenix", 0x800, "This is a Xenix server", "This is NOT a Xenix server"),
    ("ntw", "NT Workstation", 0x1000, "This is an NT Workstation",
     "This is NOT an NT Workstation"),
    ("wfw", "WfW", 0x2000, "This is a WfW host", "This is NOT a WfW host"),
    ("nts", "NT Server", 0x8000, "This is an NT Server", "This is NOT an NT Server"),
    ("browser.potential", "Potential Browser", 0x10000, "This is a Potential Browser",
     "This is NOT a Potential Browser"),
    ("browser.backup", "Backup Browser", 0x20000, "This is a Backup Browser",
     "This is NOT a Backup Browser"),
    ("browser.master", "Master Browser", 0x40000, "This is a Master Browser",
     "This is NOT a Master Browser"),
    ("browser.domain_master", "Domain Master Browser", 0x80000,
     "This is a Domain Master Browser", "This is NOT a Domain Master Browser"),
    ("osf", "OSF", 0x100000, "This is an OSF host", "This is NOT an OSF host"),
    ("vms", "VMS", 0x200000, "This is a VMS host", "This is NOT a VMS host"),
    ("w95", "Windows 95+", 0x400000, "This is a Windows 95 or above host",
     "This is NOT a Windows 95 or above host"),
    ("dfs", "DFS", 0x800000, "This is a DFS server", "THis is NOT a DFS server"),
    ("local", "Local", 0x40000000, "This is a local list only request",
     "This is NOT a local list only request"),
    ("domainenum", "Domain Enum", 0x80000000, "This is a Domain Enum request",
     "This is NOT a Domain Enum request"),
))
# The names the Info column gives the set bits (the Server Type line has the fields').
SERVER_TYPE_NAMES = {0x1: "Workstation", 0x2: "Server", 0x4: "SQL Server",
                     0x8: "Domain Controller", 0x10: "Backup Controller",
                     0x20: "Time Source", 0x40: "Apple Server", 0x80: "Novell Server",
                     0x100: "Domain Member Server", 0x200: "Print Queue Server",
                     0x400: "Dialin Server", 0x800: "Xenix Server", 0x1000: "NT Workstation",
                     0x2000: "Windows for Workgroups", 0x8000: "NT Server",
                     0x10000: "Potential Browser", 0x20000: "Backup Browser",
                     0x40000: "Master Browser", 0x80000: "Domain Master Browser",
                     0x100000: "OSF", 0x200000: "VMS", 0x400000: "Windows 95 or above",
                     0x800000: "DFS server", 0x40000000: "Local", 0x80000000: "Domain Enum"}
DESIRE_BITS = _bits("browser.election.desire", 8, (
    ("backup", "Backup", 0x1, "Backup Browse Server", "NOT Backup Browse Server"),
    ("standby", "Standby", 0x2, "Standby Browse Server", "NOT Standby Browse Server"),
    ("master", "Master", 0x4, "Master Browser", "NOT Master Browser"),
    ("domain_master", "Domain Master", 0x8, "Domain Master Browse Server",
     "NOT Domain Master Browse Server"),
    ("wins", "WINS", 0x20, "WINS Client", "NOT WINS Client"),
    ("nt", "NT", 0x80, "Windows NT Advanced Server", "NOT Windows NT Advanced Server"),
))
OS_BITS = _bits("browser.election.os", 8, (
    ("wfw", "WfW", 0x1, "Windows for Workgroups", "Not Windows for Workgroups"),
    ("ntw", "NT Workstation", 0x10, "Windows NT Workstation", "Not Windows NT Workstation"),
    ("nts", "NT Server", 0x20, "Windows NT Server", "Not Windows NT Server"),
))
WINDOWS_VERSIONS = {(4, 0): "Windows NT 4.0", (5, 0): "Windows 2000", (5, 1): "Windows XP",
                    (5, 2): "Windows Server 2003", (6, 0): "Windows Vista or Windows Server 2008",
                    (6, 1): "Windows 7 or Windows Server 2008 R2",
                    (6, 2): "Windows 8 or Windows Server 2012",
                    (6, 3): "Windows 8.1 or Windows Server 2012 R2", (10, 0): "Windows 10"}


def dissect_mailslot(tvb: Tvb, pkt: Packet, session: Session, setup: int, size: int,
                     name: str, name_at: int, name_len: int, data: Tvb | None) -> None:
    """The mailslot write of a Trans request, then the browser protocol for BROWSE."""
    session.current_proto = "mailslot"
    pkt.proto_col = "SMB Mailslot"
    src = tvb.source
    # (tshark calls it outside the layer stack: frame.protocols lists smb:browser)
    top = pkt.add_proto(MAILSLOT, setup, 6, MAILSLOT.name, source=src, in_stack=False)
    top.value = None
    pkt.add(top, MS_OPCODE, tvb.u16le(setup), setup, 2, source=src)
    pkt.add(top, MS_PRIORITY, tvb.u16le(setup + 2), setup + 2, 2, source=src)
    pkt.add(top, MS_CLASS, tvb.u16le(setup + 4), setup + 4, 2, source=src)
    pkt.add(top, MS_SIZE, size, setup + 6, 2, source=src)
    pkt.add(top, MS_NAME, name, name_at, name_len, source=src)
    if data is not None and name.upper() == "\\MAILSLOT\\BROWSE":
        _browser(data, pkt, session)


def _name16(tvb: Tvb, off: int) -> str:
    """A 16-byte NUL-padded name."""
    return bytes(tvb.buf[off:off + 16]).split(b"\0")[0].decode("ascii", "replace")


def _stringz(tvb: Tvb, off: int) -> tuple[str, int]:
    end = tvb.find(b"\0", off)
    if end < 0:
        tvb.need(off, tvb.end - off + 1)
    return bytes(tvb.buf[off:end]).decode("ascii", "replace"), end + 1 - off


def _flags(pkt: Packet, parent: Item, header: Field, bits: tuple[Field, ...], value: int,
           off: int, width: int, src: int) -> None:
    text = bitmask_header(f"{header.name}: 0x{value:0{2 * width}x}", value, bits)
    item = pkt.add(parent, header, value, off, width, text, source=src)
    for f in bits:
        pkt.add(item, f, bool(value & f.bitmask), off, width, bit_label(f, value, 8 * width),
                source=src)


def _browser(tvb: Tvb, pkt: Packet, session: Session) -> None:  # noqa: C901
    session.current_proto = "browser"
    pkt.proto_col = "BROWSER"
    src = tvb.source
    off = tvb.start
    cmd = tvb.u8(off)
    pkt.set_info(COMMANDS.get(cmd, f"Unknown command:0x{cmd:02x}"))
    top = pkt.add_proto(BROWSER, off, tvb.end - off, BROWSER.name, source=src)
    top.value = None
    pkt.add(top, COMMAND, cmd, off, 1, source=src)
    p = off + 1
    if cmd in (0x01, 0x0F, 0x0C):
        pkt.add(top, UPDATE_COUNT, tvb.u8(p), p, 1, source=src)
        period = tvb.u32le(p + 1)
        pkt.add(top, PERIOD, period, p + 1, 4, f"Update Periodicity: {msecs_str(period)}",
                source=src)
        name = _name16(tvb, p + 5)
        label = "Domain/Workgroup" if cmd == 0x0C else "Host Name"
        pkt.add(top, SERVER, name, p + 5, 16, f"{label}: {name}", source=src)
        major, minor = tvb.u8(p + 21), tvb.u8(p + 22)
        pkt.add(top, WINDOWS_VERSION, WINDOWS_VERSIONS.get((major, minor), ""), p + 21, 2,
                source=src)
        pkt.add(top, OS_MAJOR, major, p + 21, 1, source=src)
        pkt.add(top, OS_MINOR, minor, p + 22, 1, source=src)
        stype = tvb.u32le(p + 23)
        _flags(pkt, top, SERVER_TYPE, SERVER_TYPE_BITS, stype, p + 23, 4, src)
        pkt.append_info(" " + ", ".join([name] + [n for m, n in SERVER_TYPE_NAMES.items()
                                                  if stype & m]))
        q = p + 27
        if cmd == 0x0C:
            pkt.add(top, MYSTERIOUS, tvb.u32le(q), q, 4, source=src)
            mb, n = _stringz(tvb, q + 4)
            pkt.add(top, MB_SERVER, mb, q + 4, n, source=src)
        else:
            pkt.add(top, PROTO_MAJOR, tvb.u8(q), q, 1, source=src)
            pkt.add(top, PROTO_MINOR, tvb.u8(q + 1), q + 1, 1, source=src)
            pkt.add(top, SIG, tvb.u16le(q + 2), q + 2, 2, source=src)
            comment, n = _stringz(tvb, q + 4)
            pkt.add(top, COMMENT, comment, q + 4, n, source=src)
    elif cmd == 0x02:
        pkt.add(top, UNUSED, tvb.u8(p), p, 1, source=src)
        name, n = _stringz(tvb, p + 1)
        pkt.add(top, RESPONSE_NAME, name, p + 1, n, source=src)
        pkt.append_info(" " + name)
    elif cmd == 0x08:
        pkt.add(top, ELECTION_VERSION, tvb.u8(p), p, 1, source=src)
        crit = tvb.u32le(p + 1)
        ci = pkt.add(top, CRITERIA, crit, p + 1, 4, source=src)
        _flags(pkt, ci, DESIRE, DESIRE_BITS, tvb.u8(p + 1), p + 1, 1, src)
        pkt.add(ci, PROTO_MAJOR, tvb.u8(p + 2), p + 2, 1, source=src)
        pkt.add(ci, PROTO_MINOR, tvb.u8(p + 3), p + 3, 1, source=src)
        _flags(pkt, ci, ELECTION_OS, OS_BITS, tvb.u8(p + 4), p + 4, 1, src)
        up = tvb.u32le(p + 5)
        pkt.add(top, UPTIME, up, p + 5, 4, f"Uptime: {msecs_str(up)}", source=src)
        name, n = _stringz(tvb, p + 13)
        pkt.add(top, SERVER, name, p + 13, n, source=src)
