"""SMB2 value names: commands, info levels, create and notify values.

Generated from tshark 4.0's value strings (`tshark -G values`) by tests/gen_smb2_tables.py:
the names Wireshark shows, "hex-value name" pairs. Data only, no logic.
"""

from __future__ import annotations

from dissectors.value_names import hex_table as _table

#: smb2.cmd
COMMANDS = _table("""
0 Negotiate Protocol
1 Session Setup
2 Session Logoff
3 Tree Connect
4 Tree Disconnect
5 Create
6 Close
7 Flush
8 Read
9 Write
a Lock
b Ioctl
c Cancel
d KeepAlive
e Find
f Notify
10 GetInfo
11 SetInfo
12 Break
""")


#: smb2.find.infolevel
FIND_LEVELS = _table("""
1 SMB2_FIND_DIRECTORY_INFO
2 SMB2_FIND_FULL_DIRECTORY_INFO
3 SMB2_FIND_BOTH_DIRECTORY_INFO
4 SMB2_FIND_INDEX_SPECIFIED
c SMB2_FIND_NAME_INFO
25 SMB2_FIND_ID_BOTH_DIRECTORY_INFO
26 SMB2_FIND_ID_FULL_DIRECTORY_INFO
64 SMB2_FIND_POSIX_INFO
""")


#: smb2.file_info.infolevel
FILE_LEVELS = _table("""
4 SMB2_FILE_BASIC_INFO
5 SMB2_FILE_STANDARD_INFO
6 SMB2_FILE_INTERNAL_INFO
7 SMB2_FILE_EA_INFO
8 SMB2_FILE_ACCESS_INFO
a SMB2_FILE_RENAME_INFO
d SMB2_FILE_DISPOSITION_INFO
e SMB2_FILE_POSITION_INFO
f SMB2_FILE_FULL_EA_INFO
10 SMB2_FILE_MODE_INFO
11 SMB2_FILE_ALIGNMENT_INFO
12 SMB2_FILE_ALL_INFO
13 SMB2_FILE_ALLOCATION_INFO
14 SMB2_FILE_ENDOFFILE_INFO
15 SMB2_FILE_ALTERNATE_NAME_INFO
16 SMB2_FILE_STREAM_INFO
17 SMB2_FILE_PIPE_INFO
1c SMB2_FILE_COMPRESSION_INFO
22 SMB2_FILE_NETWORK_OPEN_INFO
23 SMB2_FILE_ATTRIBUTE_TAG_INFO
30 SMB2_FILE_NORMALIZED_NAME_INFO
64 SMB2_FILE_POSIX_INFO
""")


#: smb2.fs_info.infolevel
FS_LEVELS = _table("""
1 FileFsVolumeInformation
2 FileFsLabelInformation
3 FileFsSizeInformation
4 FileFsDeviceInformation
5 FileFsAttributeInformation
6 FileFsControlInformation
7 FileFsFullSizeInformation
8 FileFsObjectIdInformation
9 FileFsDriverPathInformation
a FileFsVolumeFlagsInformation
b FileFsSectorSizeInformation
""")


#: smb2.sec_info.infolevel
SEC_LEVELS = _table("""
0 SMB2_SEC_INFO_00
""")


#: smb2.class
CLASSES = _table("""
1 FILE_INFO
2 FS_INFO
3 SEC_INFO
4 QUOTA_INFO
""")


#: smb2.create.action
CREATE_ACTIONS = _table("""
0 No action taken?
1 The file existed and was opened
2 The file did not exist but was created
3 The file existed and was truncated
8001 The file existed and was opened, and an OpLock was granted
8002 The file did not exist but was created, and an OpLock was granted
8003 The file existed and was truncated, and an OpLock was granted
""")


#: smb2.create.disposition
DISPOSITIONS = _table("""
0 Supersede (supersede existing file (if it exists))
1 Open (if file exists open it, else fail)
2 Create (if file exists fail, else create it)
3 Open If (if file exists open it, else create it)
4 Overwrite (if file exists overwrite, else fail)
5 Overwrite If (if file exists overwrite, else create it)
""")


#: smb2.create.oplock
OPLOCKS = _table("""
0 No oplock
1 Level2 oplock
8 Exclusive oplock
9 Batch oplock
ff Lease
""")


#: smb2.impersonation.level
IMPERSONATION = _table("""
0 Anonymous
1 Identification
2 Impersonation
3 Delegation
""")


#: smb2.notify.action
NOTIFY_ACTIONS = _table("""
1 FILE_ACTION_ADDED
2 FILE_ACTION_REMOVED
3 FILE_ACTION_MODIFIED
4 FILE_ACTION_RENAMED_OLD_NAME
5 FILE_ACTION_RENAMED_NEW_NAME
6 FILE_ACTION_ADDED_STREAM
7 FILE_ACTION_REMOVED_STREAM
8 FILE_ACTION_MODIFIED_STREAM
9 FILE_ACTION_REMOVED_BY_DELETE
""")


#: smb2.header.comp_transform.comp_alg
COMP_ALGS = _table("""
0 None
1 LZNT1
2 LZ77
3 LZ77+Huffman
4 Pattern_V1
""")


#: smb2.header.comp_transform.flags
COMP_FLAGS = _table("""
0 None
1 Chained
""")


#: smb2.share_type
SHARE_TYPES = _table("""
1 Physical disk
2 Named pipe
3 Printer
""")


#: smb2.dialect
DIALECTS = _table("""
202 SMB 2.0.2
210 SMB 2.1
222 SMB 2.2.2 (deprecated; should be 3.0)
224 SMB 2.2.4 (deprecated; should be 3.0)
2ff SMB2 wildcard
300 SMB 3.0
302 SMB 3.0.2
310 SMB 3.1.0 (deprecated; should be 3.1.1)
311 SMB 3.1.1
""")


#: smb2.channel
CHANNELS = _table("""
0 None
1 RDMA V1
2 RDMA V1_INVALIDATE
3 RDMA TRANSFORM
""")
