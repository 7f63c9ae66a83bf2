"""`-z follow,tftp` (labshark's own; tshark has none), registered by tftp.py: the file
data of a transfer, one chunk per DATA block (a retransmitted block once, in block
order). The transfer is the DATA packets' UDP stream, or the one answering a read or
write request on the given stream (the request goes to port 69, the data not).
"""

from __future__ import annotations

from dissectors.offers import FollowStream, layer_fields
from dissectors.packet import Item, Packet


class TftpFollower:
    """The blocks shown so far and the requests on the followed stream."""

    def __init__(self, stream: FollowStream) -> None:
        self.stream = stream
        self.blocks: set[int] = set()
        self.requests: set[int] = set()  # frame numbers of RRQ/WRQ on the stream

    def packet(self, pkt: Packet, top: set[int]) -> None:
        for layer in pkt.index.get("udp", ()):
            if id(layer) not in top:
                continue
            kids = layer_fields(layer)
            if "udp.stream" in kids:
                self._datagram(pkt, kids, self.stream.selected(pkt, kids))

    def _datagram(self, pkt: Packet, kids: dict[str, Item], selected: bool) -> None:
        ops = pkt.index.get("tftp.opcode", ())
        if not ops:
            return
        if ops[0].value in (1, 2):
            if selected:
                self.requests.add(pkt.frame.number)
            return
        req = pkt.index.get("tftp.request_frame", ())
        if ops[0].value != 3 or not (selected or (req and req[0].value in self.requests)):
            return
        blocks = pkt.index.get("tftp.block.full") or pkt.index.get("tftp.block") or ()
        block = blocks[0].value if blocks else -1
        server = self.stream.is_server(pkt, kids["udp.srcport"].value,
                                       kids["udp.dstport"].value)
        if block in self.blocks:
            return
        self.blocks.add(block)
        pl = kids.get("udp.payload")
        data = bytes(pl.value)[4:] if pl is not None else b""  # after opcode and block
        self.stream.emit(server, pkt.frame.number, pkt.frame.ts_ns, data)
