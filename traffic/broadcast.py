"""Broadcast sender and listener (SO_BROADCAST), directed or limited broadcast.

Defaults stay on loopback (127.255.255.255); limited broadcast (255.255.255.255) belongs only
inside a network namespace a test or lab created.
"""

from __future__ import annotations

import socket
from collections.abc import Callable

from traffic.udp import Received, UdpSummary, udp_recv, udp_send, udp_socket

DEFAULT_PORT = 6868
DEFAULT_TARGET = "127.255.255.255"


def broadcast_send(message: str | bytes, *, target: str = DEFAULT_TARGET,
                   port: int = DEFAULT_PORT, count: int = 1, rate: float | None = None,
                   bind: str = "0.0.0.0", encoding: str = "utf-8") -> UdpSummary:
    """Send `count` broadcast datagrams to target:port from a SO_BROADCAST socket."""
    sock = udp_socket(bind, 0, broadcast=True)
    try:
        return udp_send(target, port, [message], count=count, rate=rate, encoding=encoding,
                        sock=sock)
    finally:
        sock.close()


def broadcast_listen(*, port: int = DEFAULT_PORT, bind: str = "0.0.0.0", count: int | None = None,
                     timeout: float = 10.0,
                     on_message: Callable[[Received], None] | None = None) -> UdpSummary:
    """Listen on bind:port (0.0.0.0 receives broadcasts) until count or an idle timeout."""
    sock = udp_socket(bind, port, broadcast=True, reuse=True)
    try:
        return udp_recv(sock=sock, count=count, timeout=timeout, on_message=on_message)
    finally:
        sock.close()


def listener_socket(port: int = DEFAULT_PORT, bind: str = "0.0.0.0") -> socket.socket:
    """A bound broadcast-capable listening socket (for callers that must bind before sending)."""
    return udp_socket(bind, port, broadcast=True, reuse=True)
