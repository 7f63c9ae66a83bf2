"""`-z follow,http`: packet-http.c's http_follow tap, registered by http.py.

Per HTTP message two chunks: its start line and headers, then its body as HTTP hands
it on (de-chunked, uncompressed); a message without a body (HEAD, 204, 304) gives no
body chunk. Data that starts no message (a continuation) gives an empty header chunk
and the data. The stream is the TCP stream below the messages.
"""

from __future__ import annotations

from dissectors.offers import FollowStream, layer_fields
from dissectors.packet import Item, Packet


def http_follow_extras(pkt: Packet) -> tuple[list[bytes], set[int]]:
    """What HTTP's follow tap saw beside the tree (http.py notes it): bytes it tapped
    with no HTTP layer (data before any request), and the ids of HTTP layers it never
    tapped (a binary continuation)."""
    data = pkt.proto_data
    return data.get("http.tapped", []), data.get("http.untapped", set())


class HttpFollower:
    def __init__(self, stream: FollowStream) -> None:
        self.stream = stream

    def packet(self, pkt: Packet, top: set[int]) -> None:
        tapped, untapped = http_follow_extras(pkt)
        layers = [lay for lay in pkt.index.get("http", ()) if id(lay) not in untapped]
        tcps = [t for t in pkt.index.get("tcp", ()) if id(t) in top]
        if not (layers or tapped) or not tcps:
            return
        kids = layer_fields(tcps[0])
        if "tcp.stream" not in kids or not self.stream.selected(pkt, kids):
            return
        sport, dport = kids["tcp.srcport"].value, kids["tcp.dstport"].value
        chunks = [data for layer in layers for data in _http_parts(pkt, layer)
                  if data is not None]
        for data in (*chunks, *tapped):
            server = self.stream.is_server(pkt, sport, dport)
            self.stream.emit(server, pkt.frame.number, pkt.frame.ts_ns, data)


def _http_parts(pkt: Packet, layer: Item) -> tuple[bytes, bytes | None]:
    """(start line and headers, body or None) of one HTTP layer, from its tree."""
    src = pkt.sources[layer.source][1]
    msg = bytes(src[layer.offset: layer.offset + layer.length])
    kids = layer.children or []
    body_item = next((k for k in kids if k.field is not None
                      and k.field.abbrev == "http.file_data"), None)
    if not any(k.field is not None and k.field.abbrev in ("http.request", "http.response")
               for k in kids):
        return b"", msg  # a continuation: no headers, all of it body
    pos = 0
    while True:  # up to and with the empty line ending the headers
        lf = msg.find(b"\n", pos)
        if lf < 0:
            pos = len(msg)
            break
        line = msg[pos:lf]
        pos = lf + 1
        if line in (b"", b"\r"):
            break
    body = None
    if body_item is not None:
        if body_item.source == layer.source and layer.offset <= body_item.offset < \
                layer.offset + pos:
            pos = body_item.offset - layer.offset  # (a body from a stray line on)
        bsrc = pkt.sources[body_item.source][1]
        body = bytes(bsrc[body_item.offset: body_item.offset + body_item.length])
    return msg[:pos], body
