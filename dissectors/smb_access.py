"""The SMB fields SMB2 shows too (Wireshark's packet-smb.c declares them, SMB2 reuses
them): the NT access mask, create options, share access, the notify completion filter,
and the stream and file-system size records of GetInfo. Declared once here, on the SMB
protocol, as tshark 4.0 names them; no dissection logic beyond the flag-word helper."""

from __future__ import annotations

from dissectors.netbios_names import bit_label, bitmask_header
from dissectors.packet import Item, Packet
from dissectors.registry import FT, Base, Field
from dissectors.smb import SMB


def _bits(prefix: str, rows: tuple[tuple[str, str, int, str, str], ...]) -> tuple[Field, ...]:
    return tuple(SMB.field(f"{prefix}.{abbrev}", name, FT.BOOLEAN, bitmask=mask,
                           strings=(yes, no)) for abbrev, name, mask, yes, no in rows)


ACCESS_MASK = SMB.field("smb.access_mask", "Access Mask", FT.UINT32, Base.HEX)
ACCESS_BITS = _bits("smb.access", (
    ("read", "Read", 0x1, "READ access", "NO read access"),
    ("write", "Write", 0x2, "WRITE access", "NO write access"),
    ("append", "Append", 0x4, "APPEND access", "NO append access"),
    ("read_ea", "Read EA", 0x8, "READ EXTENDED ATTRIBUTES access",
     "NO read extended attributes access"),
    ("write_ea", "Write EA", 0x10, "WRITE EXTENDED ATTRIBUTES access",
     "NO write extended attributes access"),
    ("execute", "Execute", 0x20, "EXECUTE access", "NO execute access"),
    ("delete_child", "Delete Child", 0x40, "DELETE CHILD access", "NO delete child access"),
    ("read_attributes", "Read Attributes", 0x80, "READ ATTRIBUTES access",
     "NO read attributes access"),
    ("write_attributes", "Write Attributes", 0x100, "WRITE ATTRIBUTES access",
     "NO write attributes access"),
    ("delete", "Delete", 0x10000, "DELETE access", "NO delete access"),
    ("read_control", "Read Control", 0x20000, "READ ACCESS to owner, group and ACL of the SID",
     "Read access is NOT granted to owner, group and ACL of the SID"),
    ("write_dac", "Write DAC", 0x40000, "OWNER may WRITE the DAC",
     "Owner may NOT write to the DAC"),
    ("write_owner", "Write Owner", 0x80000, "Can WRITE OWNER (take ownership)",
     "Can NOT write owner (take ownership)"),
    ("synchronize", "Synchronize", 0x100000,
     "Can wait on handle to SYNCHRONIZE on completion of I/O",
     "Can NOT wait on handle to synchronize on completion of I/O"),
    ("system_security", "System Security", 0x1000000, "SYSTEM SECURITY is set",
     "System security is NOT set"),
    ("maximum_allowed", "Maximum Allowed", 0x2000000, "MAXIMUM ALLOWED is set",
     "Maximum allowed is NOT set"),
    ("generic_all", "Generic All", 0x10000000, "GENERIC ALL is set", "Generic all is NOT set"),
    ("generic_execute", "Generic Execute", 0x20000000, "GENERIC EXECUTE is set",
     "Generic execute is NOT set"),
    ("generic_write", "Generic Write", 0x40000000, "GENERIC WRITE is set",
     "Generic write is NOT set"),
    ("generic_read", "Generic Read", 0x80000000, "GENERIC READ is set",
     "Generic read is NOT set"),
))
CREATE_OPTIONS = SMB.field("smb.create_options", "Create Options", FT.UINT32, Base.HEX)
CREATE_OPTION_BITS = _bits("smb.nt.create_options", (
    ("directory", "Directory", 0x1, "File being created/opened must be a directory",
     "File being created/opened must not be a directory"),
    ("write_through", "Write Through", 0x2,
     "Writes should flush buffered data before completing",
     "Writes need not flush buffered data before completing"),
    ("sequential_only", "Sequential Only", 0x4, "The file will only be accessed sequentially",
     "The file might not only be accessed sequentially"),
    ("intermediate_buffering", "Intermediate Buffering", 0x8,
     "NO intermediate buffering is allowed", "Intermediate buffering is allowed"),
    ("sync_io_alert", "Sync I/O Alert", 0x10,
     "All operations SYNCHRONOUS, waits subject to termination from alert",
     "Operations NOT necessarily synchronous"),
    ("sync_io_nonalert", "Sync I/O Nonalert", 0x20,
     "All operations SYNCHRONOUS, waits not subject to alert",
     "Operations NOT necessarily synchronous"),
    ("non_directory", "Non-Directory", 0x40, "File being created/opened must not be a directory",
     "File being created/opened must be a directory"),
    ("create_tree_connection", "Create Tree Connection", 0x80, "Create Tree Connections is SET",
     "Create Tree Connections is NOT set"),
    ("complete_if_oplocked", "Complete If Oplocked", 0x100, "Complete if oplocked is SET",
     "Complete if oplocked is NOT set"),
    ("no_ea_knowledge", "No EA Knowledge", 0x200,
     "The client does not understand extended attributes",
     "The client understands extended attributes"),
    ("eight_dot_three_only", "8.3 Only", 0x400, "The client understands only 8.3 file names",
     "The client understands long file names"),
    ("random_access", "Random Access", 0x800, "The file will be accessed randomly",
     "The file will not be accessed randomly"),
    ("delete_on_close", "Delete On Close", 0x1000,
     "The file should be deleted when it is closed",
     "The file should not be deleted when it is closed"),
    ("open_by_fileid", "Open By FileID", 0x2000, "OpenByFileID bit is SET",
     "OpenByFileID is NOT set"),
    ("backup_intent", "Backup Intent", 0x4000, "This is a create with BACKUP INTENT",
     "This is a normal create"),
    ("no_compression", "No Compression", 0x8000, "Open/Create with NO Compression",
     "Compression is allowed for Open/Create"),
    ("reserve_opfilter", "Reserve Opfilter", 0x100000, "Reserve Opfilter is SET",
     "Reserve Opfilter is NOT set"),
    ("open_reparse_point", "Open Reparse Point", 0x200000, "Open a Reparse Point",
     "Normal open"),
    ("open_no_recall", "Open No Recall", 0x400000, "Open No Recall is SET",
     "Open no recall is NOT set"),
    ("open_for_free_space_query", "Open For Free Space query", 0x800000,
     "This is an OPEN FOR FREE SPACE QUERY", "This is NOT an open for free space query"),
))
SHARE_ACCESS = SMB.field("smb.share_access", "Share Access", FT.UINT32, Base.HEX)
SHARE_BITS = _bits("smb.share.access", (
    ("read", "Read", 0x1, "Object can be shared for READ", "Object can NOT be shared for read"),
    ("write", "Write", 0x2, "Object can be shared for WRITE",
     "Object can NOT be shared for write"),
    ("delete", "Delete", 0x4, "Object can be shared for DELETE",
     "Object can NOT be shared for delete"),
))
COMPLETION_FILTER = SMB.field("smb.nt.notify.completion_filter", "Completion Filter",
                              FT.UINT32, Base.HEX)
NOTIFY_BITS = _bits("smb.nt.notify", (
    ("file_name", "File Name Change", 0x1, "Notify on changes to FILE NAME",
     "Do NOT notify on changes to file name"),
    ("dir_name", "Directory Name Change", 0x2, "Notify on changes to DIR NAME",
     "Do NOT notify on changes to dir name"),
    ("attributes", "Attribute Change", 0x4, "Notify on changes to ATTRIBUTES",
     "Do NOT notify on changes to attributes"),
    ("size", "Size Change", 0x8, "Notify on changes to SIZE", "Do NOT notify on changes to size"),
    ("last_write", "Last Write Change", 0x10, "Notify on changes to LAST WRITE TIME",
     "Do NOT notify on changes to last write time"),
    ("last_access", "Last Access Change", 0x20, "Notify on changes to LAST ACCESS TIME",
     "Do NOT notify on changes to last access time"),
    ("creation", "Created Change", 0x40, "Notify on changes to CREATION TIME",
     "Do NOT notify on changes to creation time"),
    ("ea", "EA Change", 0x80, "Notify on changes to EA", "Do NOT notify on changes to EA"),
    ("security", "Security Change", 0x100, "Notify on changes to SECURITY",
     "Do NOT notify on changes to security"),
    ("stream_name", "Stream Name Change", 0x200, "Notify on changes to STREAM NAME",
     "Do NOT notify on changes to stream name"),
    ("stream_size", "Stream Size Change", 0x400, "Notify on changes to STREAM SIZE",
     "Do NOT notify on changes to stream size"),
    ("stream_write", "Stream Write", 0x800, "Notify on changes to STREAM WRITE",
     "Do NOT notify on changes to stream write"),
))
NEXT_ENTRY_OFFSET = SMB.field("smb.next_entry_offset", "Next Entry Offset", FT.UINT32, Base.DEC)
STREAM_NAME_LEN = SMB.field("smb.stream_name_len", "Stream Name Length", FT.UINT32, Base.DEC)
STREAM_SIZE = SMB.field("smb.stream_size", "Stream Size", FT.UINT64, Base.DEC)
ALLOC_SIZE64 = SMB.field("smb.alloc_size64", "Allocation Size", FT.UINT64, Base.DEC)
STREAM_NAME = SMB.field("smb.stream_name", "Stream Name", FT.STRING)
FREE_UNITS64 = SMB.field("smb.free_alloc_units", "Free Units", FT.UINT64, Base.DEC)
SECTORS_PER_UNIT = SMB.field("smb.fs_sector_per_unit", "Sectors/Unit", FT.UINT32, Base.DEC)
BYTES_PER_SECTOR = SMB.field("smb.fs_bytes_per_sector", "Bytes per Sector", FT.UINT32,
                             Base.DEC)


def flag_word(pkt: Packet, parent: Item | None, header: Field, bits: tuple[Field, ...],
              value: int, off: int, width: int, src: int, names: bool = False) -> Item:
    """A flags word and its bits; `names` appends the set bits' names to the header line
    (proto_tree_add_bitmask), else the line is only `Name: 0x...`."""
    text = f"{header.name}: 0x{value:0{2 * width}x}"
    if names:
        text = bitmask_header(text, value, bits)
    item = pkt.add(parent, header, value, off, width, text, source=src)
    tree = pkt.tree_on
    for f in bits:
        pkt.add(item, f, bool(value & f.bitmask), off, width,
                bit_label(f, value, 8 * width) if tree else None, source=src)
    return item
