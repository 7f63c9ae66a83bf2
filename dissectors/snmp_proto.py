"""The SNMP protocol object, shared by snmp.py (v1/v2c, the message) and snmp_v3.py."""

from __future__ import annotations

from dissectors.registry import protocol

SNMP = protocol("snmp", "Simple Network Management Protocol", "SNMP")
VERSIONS = {0: "version-1", 1: "v2c", 2: "v2u", 3: "snmpv3"}
