"""SMB2 transform headers: 0xFD 'SMB' (encrypted) and 0xFC 'SMB' (compressed), as far
as tshark 4.0 shows them without keys or decompression: the header fields. The payload
stays undecoded (decompression of LZNT1 / LZ77 / LZ77+Huffman is not done)."""

from __future__ import annotations

from collections.abc import Callable

from dissectors.packet import Packet
from dissectors.session import Session
from dissectors.smb2_proto import SMB2
from dissectors.tvb import Tvb


def dissect_transform(tvb: Tvb, pkt: Packet, session: Session,
                      inner: Callable[[Tvb, Packet, Session, bool], None]) -> None:
    """The transform's protocol layer only (its fields are not declared yet)."""
    s = tvb.start
    top = pkt.add_proto(SMB2, s, tvb.end - s, SMB2.name, source=tvb.source)
    top.value = None
    pkt.append_info("Encrypted SMB3" if tvb.buf[s] == 0xFD else "Decomp. SMB3")
