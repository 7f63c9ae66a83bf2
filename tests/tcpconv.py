"""One TCP connection as scapy packets, for the tests that build captures: the
handshake, each (from_client, data) as a PSH/ACK segment with the sequence numbers
running on, then optionally both FINs. The tests that used to write this loop
themselves (HTTP trees, follow, NetBIOS, apps, X11, images) call it."""

from __future__ import annotations

from typing import Any

Talk = list[tuple[bool, bytes]]


def tcp_conversation(talk: Talk, *, client: str, server: str, cport: int, sport: int = 80,
                     cseq: int = 1001, sseq: int = 5001, eth: dict[str, Any] | None = None,
                     handshake_ack: bool = False, fin: bool = False) -> list:
    """The packets of one connection; `cseq`/`sseq` are the first data bytes' sequence
    numbers (the SYNs are one before); `handshake_ack` adds the client's third ACK;
    `fin` ends with the client's FIN/ACK and the server's; `eth` the Ether fields (the
    same both ways)."""
    from scapy.all import IP, TCP, Ether, Raw

    e = eth or {}
    out = [Ether(**e) / IP(src=client, dst=server)
           / TCP(sport=cport, dport=sport, seq=cseq - 1, flags="S"),
           Ether(**e) / IP(src=server, dst=client)
           / TCP(sport=sport, dport=cport, seq=sseq - 1, ack=cseq, flags="SA")]
    if handshake_ack:
        out.append(Ether(**e) / IP(src=client, dst=server)
                   / TCP(sport=cport, dport=sport, seq=cseq, ack=sseq, flags="A"))
    ci, si = cseq, sseq
    for from_client, data in talk:
        if from_client:
            out.append(Ether(**e) / IP(src=client, dst=server)
                       / TCP(sport=cport, dport=sport, seq=ci, ack=si, flags="PA") / Raw(data))
            ci += len(data)
        else:
            out.append(Ether(**e) / IP(src=server, dst=client)
                       / TCP(sport=sport, dport=cport, seq=si, ack=ci, flags="PA") / Raw(data))
            si += len(data)
    if fin:
        out.append(Ether(**e) / IP(src=client, dst=server)
                   / TCP(sport=cport, dport=sport, seq=ci, ack=si, flags="FA"))
        out.append(Ether(**e) / IP(src=server, dst=client)
                   / TCP(sport=sport, dport=cport, seq=si, ack=ci + 1, flags="FA"))
    return out
