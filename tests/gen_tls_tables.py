"""Regenerate dissectors/tls_tables.py and tls_ciphers.py from `tshark -G values`
(tshark 4.0's value names): `python tests/gen_tls_tables.py` from the repository root."""

import collections
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
out = subprocess.run(["tshark", "-G", "values"], capture_output=True, text=True).stdout
vals = collections.defaultdict(dict)
for line in out.splitlines():
    p = line.split("\t")
    if p[0] == "V" and len(p) >= 4:
        try:
            vals[p[1]][int(p[2], 0)] = p[3]
        except ValueError:
            pass
TABLES = [
    ("CONTENT_TYPES", "tls.record.content_type", 2), ("VERSIONS", "tls.record.version", 4),
    ("HANDSHAKE_TYPES", "tls.handshake.type", 2), ("COMP_METHODS", "tls.handshake.comp_method", 2),
    ("EXTENSION_TYPES", "tls.handshake.extension.type", 4),
    ("GROUPS", "tls.handshake.extensions_supported_group", 4),
    ("SIG_ALGS", "tls.handshake.sig_hash_alg", 4), ("SIG_HASHES", "tls.handshake.sig_hash_hash", 2),
    ("SIG_SIGS", "tls.handshake.sig_hash_sig", 2), ("EC_POINT_FORMATS", "tls.handshake.extensions_ec_point_format", 2),
    ("ALERT_LEVELS", "tls.alert_message.level", 2), ("ALERT_DESCS", "tls.alert_message.desc", 2),
    ("SERVER_NAME_TYPES", "tls.handshake.extensions_server_name_type", 2),
    ("PSK_KE_MODES", "tls.extension.psk_ke_mode", 2), ("HEARTBEAT_MODES", "tls.handshake.extension.heartbeat.mode", 2),
    ("CURVE_TYPES", "tls.handshake.server_curve_type", 2), ("STATUS_REQUEST_TYPES", "tls.handshake.extensions_status_request_type", 2),
    ("CERT_TYPES", "tls.handshake.cert_type", 2),
    ("COMP_CERT_ALGS", "tls.compress_certificate.algorithm", 4),
]
def block(name, field, w):
    rows = "\n".join(f"{k:0{w}x} {v}" for k, v in sorted(vals[field].items()))
    return f'#: {field}\n{name} = _table("""\n{rows}\n""")\n'
HEAD = '''"""{doc}

Generated from tshark 4.0's value strings (`tshark -G values`): the names Wireshark
shows, one "hex-value name" per line. Data only, no logic.
"""

from __future__ import annotations

from dissectors.value_names import hex_table as _table


'''
with open(ROOT / "dissectors" / "tls_tables.py", "w") as f:
    f.write(HEAD.format(doc="TLS value names: record, handshake, extension, group, signature and alert tables."))
    f.write("\n\n".join(block(*t) for t in TABLES))
with open(ROOT / "dissectors" / "tls_ciphers.py", "w") as f:
    f.write(HEAD.format(doc="TLS cipher suite names (tls.handshake.ciphersuite)."))
    f.write(block("CIPHER_SUITES", "tls.handshake.ciphersuite", 4))
