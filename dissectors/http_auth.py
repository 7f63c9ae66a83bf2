"""What HTTP does with an NTLM or Negotiate authentication header (packet-http.c's
check_auth_ntlmssp / check_auth_kerberos): the base64 token after the scheme name is a
new data source, handed to the NTLMSSP or GSS-API dissector under the header's item.
Those are looked up by name, so HTTP imports neither.
"""

from __future__ import annotations

import binascii

from dissectors.dispatch import BY_NAME, call_under
from dissectors.packet import Item, Packet
from dissectors.session import Session
from dissectors.tvb import Tvb

AUTH_HEADERS = frozenset({"http.authorization", "http.proxy_authorization",
                          "http.www_authenticate", "http.proxy_authenticate"})
_SCHEMES = ((b"ntlm ", "ntlmssp"), (b"negotiate ", "gssapi"))


def http_auth(pkt: Packet, session: Session, item: Item, value: str) -> None:
    """Dissect the security token of one Authorization / *-Authenticate header."""
    raw = value.encode("ascii", "replace")
    low = raw.lower()
    for prefix, name in _SCHEMES:
        fn = BY_NAME.get(name)
        if low.startswith(prefix) and fn is not None:
            token = raw[len(prefix):].strip()
            try:
                data = binascii.a2b_base64(token)
            except (binascii.Error, ValueError):
                return
            if not data:
                return
            src = pkt.add_source("NTLMSSP / GSSAPI Data" if name == "ntlmssp" else
                                 "Kerberos Data", data)
            call_under(item, fn, Tvb(data, 0, len(data), len(data), src), pkt, session)
            return
