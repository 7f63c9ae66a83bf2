"""Regenerate dissectors/smb2_status.py and dissectors/smb2_names.py from `tshark -G values`
(tshark 4.0's value names): `python tests/gen_smb2_tables.py` from the repository root."""

import collections
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
out = subprocess.run(["tshark", "-G", "values"], capture_output=True, text=True).stdout
vals: dict[str, dict[int, str]] = collections.defaultdict(dict)
for line in out.splitlines():
    p = line.split("\t")
    if p[0] == "V" and len(p) >= 4:
        try:
            vals[p[1]][int(p[2], 0)] = p[3]
        except ValueError:
            pass
NAMES = [
    ("COMMANDS", "smb2.cmd"), ("FIND_LEVELS", "smb2.find.infolevel"),
    ("FILE_LEVELS", "smb2.file_info.infolevel"), ("FS_LEVELS", "smb2.fs_info.infolevel"),
    ("SEC_LEVELS", "smb2.sec_info.infolevel"), ("CLASSES", "smb2.class"),
    ("CREATE_ACTIONS", "smb2.create.action"), ("DISPOSITIONS", "smb2.create.disposition"),
    ("OPLOCKS", "smb2.create.oplock"), ("IMPERSONATION", "smb2.impersonation.level"),
    ("NOTIFY_ACTIONS", "smb2.notify.action"), ("COMP_ALGS", "smb2.header.comp_transform.comp_alg"),
    ("COMP_FLAGS", "smb2.header.comp_transform.flags"), ("SHARE_TYPES", "smb2.share_type"),
    ("DIALECTS", "smb2.dialect"), ("CHANNELS", "smb2.channel"),
]
HEAD = '''"""{doc}

Generated from tshark 4.0's value strings (`tshark -G values`) by tests/gen_smb2_tables.py:
the names Wireshark shows, "hex-value name" pairs. Data only, no logic.
"""

from __future__ import annotations

from dissectors.value_names import hex_table as _table


'''


def block(name: str, field: str) -> str:
    items = sorted(vals[field].items())
    if field == "smb2.cmd":
        items = [(k, v) for k, v in items if not v.startswith("unknown-")]
    rows = "\n".join(f"{k:x} {v}" for k, v in items)
    return f'#: {field}\n{name} = _table("""\n{rows}\n""")\n'


status = sorted(vals["smb2.nt_status"].items())
pairs = [f"{k:08x} {v}" for k, v in status]
assert all(" " not in v for _, v in status)
lines = ["|".join(pairs[i:i + 2]) for i in range(0, len(pairs), 2)]
with open(ROOT / "dissectors" / "smb2_status.py", "w") as f:
    f.write(HEAD.format(doc="NT status names (smb2.nt_status), two per line, `|` between."))
    f.write('#: smb2.nt_status\nNT_STATUS = _table("""\n' + "|\n".join(lines) + '\n""", "|")\n')
with open(ROOT / "dissectors" / "smb2_names.py", "w") as f:
    f.write(HEAD.format(doc="SMB2 value names: commands, info levels, create and notify values."))
    f.write("\n\n".join(block(*t) for t in NAMES))
