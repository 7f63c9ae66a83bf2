"""`traffic` command: argparse front end for the generators.

Every command is bounded (--count / --timeout / --duration), ends with one summary line, and
turns socket errors into one clear line on stderr with a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import time

from traffic import tftp_proto as tp
from traffic.terminal import escape, plural

EXIT_ERROR, EXIT_USAGE = 1, 2


class CliError(Exception):
    """A user-facing failure: printed as one line, exit status 1."""


def _hostport(text: str, default_port: int) -> tuple[str, int]:
    try:
        return tp.parse_hostport(text, default_port)
    except ValueError:
        raise CliError(f"bad address {text!r} (expected HOST or HOST:PORT)") from None


def _out(line: str) -> None:
    print(line, flush=True)


def _bind_error(e: OSError, what: str, host: str, port: int) -> CliError:
    if e.errno == errno.EADDRINUSE:
        return CliError(f"{what}: {host}:{port} is already in use (another server running?)")
    if e.errno == errno.EACCES:
        if 0 < port < 1024:
            return CliError(f"{what}: port {port} is privileged and needs root "
                            f"(or CAP_NET_BIND_SERVICE); try --port {port + 6900 if port < 100 else port + 8000}")
        return CliError(f"{what}: permission denied binding {host}:{port}")
    if e.errno == errno.EADDRNOTAVAIL:
        return CliError(f"{what}: address {host} is not on this machine")
    return CliError(f"{what}: cannot bind {host}:{port}: {e.strerror or e}")


def _read_messages(args: argparse.Namespace) -> list[str]:
    """The message is the arguments joined by a space (like echo); without any, stdin lines."""
    if args.message:
        return [" ".join(args.message)]
    if sys.stdin is None or sys.stdin.isatty():
        return ["hello from labshark"]
    return [line.rstrip("\n") for line in sys.stdin]


# --- udp --------------------------------------------------------------------------------------
def cmd_udp(args: argparse.Namespace) -> int:
    from traffic import udp

    if args.action == "send":
        host, port = _hostport(args.target, 9999)
        msgs = _read_messages(args)
        s = udp.udp_send(host, port, msgs, count=args.count, rate=args.rate, encoding=args.encoding)
        _out(f"udp send: {plural(s.sent, 'datagram')}, {plural(s.bytes_sent, 'byte')} "
             f"to {host}:{port}")
        return 0
    if args.action == "recv":
        try:
            sock = udp.udp_socket(args.host, args.port)
        except OSError as e:
            raise _bind_error(e, "udp recv", args.host, args.port) from None
        s = udp.udp_recv(sock=sock, count=args.count, timeout=args.timeout, keep=0,
                         on_message=lambda r: _out(udp.format_received(r, args.encoding)))
        sock.close()
        _out(f"udp recv: {plural(s.received, 'datagram')}, {plural(s.bytes_received, 'byte')} "
             f"on {args.host}:{args.port}")
        return 0
    if args.action == "echo":
        try:
            srv = udp.UdpEcho(args.host, args.port, max_count=args.count, upper=args.upper)
        except OSError as e:
            raise _bind_error(e, "udp echo", args.host, args.port) from None
        _out(f"udp echo: listening on {args.host}:{srv.port}")
        try:
            s = srv.serve(duration=args.duration, idle_timeout=args.timeout)
        finally:
            srv.sock.close()
        _out(f"udp echo: echoed {s.echoed} of {plural(s.received, 'datagram')}, "
             f"{plural(s.bytes_sent, 'byte')}")
        return 0
    # chat
    host, port = _hostport(args.peer, 9999)
    try:
        chat = udp.UdpChat((args.host, args.port), (host, port), encoding=args.encoding,
                           on_message=lambda r: _out(udp.format_received(r, args.encoding)))
    except OSError as e:
        raise _bind_error(e, "udp chat", args.host, args.port) from None
    _out(f"udp chat: {chat.local[0]}:{chat.local[1]} <-> {host}:{port} (/quit to leave)")
    s = chat.run_interactive(sys.stdin, duration=args.duration)
    _out(f"udp chat: sent {s.sent}, received {s.received}")
    return 0


# --- tcp --------------------------------------------------------------------------------------
def cmd_tcp(args: argparse.Namespace) -> int:
    from traffic import tcp

    if args.action == "server":
        try:
            srv = tcp.TcpServer(args.host, args.port, mode=args.mode, max_clients=args.max_clients,
                                idle_timeout=args.idle_timeout)
        except OSError as e:
            raise _bind_error(e, "tcp server", args.host, args.port) from None
        _out(f"tcp server ({args.mode}): listening on {args.host}:{srv.port}")
        try:
            s = srv.serve(duration=args.duration)
        except KeyboardInterrupt:
            s = srv.summary
        srv.stop()
        _out(f"tcp server: {plural(s.connections, 'connection')}, "
             f"{plural(s.bytes_received, 'byte')} in, {plural(s.bytes_sent, 'byte')} out")
        return 0
    host, port = _hostport(args.target, 9000)
    msg = " ".join(args.message) if args.message else "hello from labshark\n"
    try:
        r = tcp.tcp_client(host, port, msg, count=args.count, size=args.size, rate=args.rate,
                           expect_echo=not args.no_echo, timeout=args.timeout)
    except ConnectionRefusedError:
        raise CliError(f"tcp client: connection to {host}:{port} refused (no server listening)") from None
    except TimeoutError:
        raise CliError(f"tcp client: {host}:{port} did not answer within {args.timeout}s") from None
    _out(f"tcp client: sent {plural(r.sent, 'byte')} in {plural(r.messages, 'message')}, "
         f"received {plural(r.received, 'byte')} in {r.elapsed:.3f}s")
    return 0


# --- broadcast --------------------------------------------------------------------------------
def cmd_broadcast(args: argparse.Namespace) -> int:
    from traffic import broadcast, udp

    if args.action == "send":
        msg = " ".join(args.message) if args.message else "labshark broadcast"
        try:
            s = broadcast.broadcast_send(msg, target=args.target, port=args.port, count=args.count,
                                         rate=args.rate, bind=args.bind)
        except PermissionError:
            raise CliError(f"broadcast send: permission denied sending to {args.target} "
                           "(is it a broadcast address of an interface?)") from None
        _out(f"broadcast send: {plural(s.sent, 'datagram')} to {args.target}:{args.port}")
        return 0
    try:
        sock = broadcast.listener_socket(args.port, args.bind)
    except OSError as e:
        raise _bind_error(e, "broadcast listen", args.bind, args.port) from None
    s = udp.udp_recv(sock=sock, count=args.count, timeout=args.timeout, keep=0,
                     on_message=lambda r: _out(udp.format_received(r)))
    sock.close()
    _out(f"broadcast listen: {plural(s.received, 'datagram')} on {args.bind}:{args.port}")
    return 0


# --- tftp -------------------------------------------------------------------------------------
def cmd_tftp(args: argparse.Namespace) -> int:
    from traffic.tftp_client import tftp_get, tftp_put
    from traffic.tftp_server import TftpServer

    if args.action == "serve":
        try:
            srv = TftpServer(args.root, args.host, args.port, allow_overwrite=args.allow_overwrite,
                             create=args.create, max_transfers=args.max_transfers,
                             idle_timeout=args.idle_timeout,
                             log=(lambda m: print(f"tftp: {escape(m)}", file=sys.stderr))
                             if args.verbose else None)
            srv.bind()
        except NotADirectoryError as e:
            raise CliError(str(e)) from None
        except OSError as e:
            raise _bind_error(e, "tftp serve", args.host, args.port) from None
        _out(f"tftp serve: {srv.root} on {args.host}:{srv.port}")
        srv.start()
        try:
            end = None if args.duration is None else time.monotonic() + args.duration
            while end is None or time.monotonic() < end:
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass
        srv.stop()
        st = srv.stats
        _out(f"tftp serve: {plural(st.requests, 'request')}, {st.completed} completed, "
             f"{st.failed} failed, {st.refused} refused, {st.malformed} malformed, "
             f"{plural(st.bytes_sent, 'byte')} sent, {plural(st.bytes_received, 'byte')} received")
        return 0
    host, port = _hostport(args.server, tp.DEFAULT_PORT)
    common = dict(blksize=args.blksize, windowsize=args.windowsize, timeout=args.timeout_opt,
                  tsize=args.tsize, mode=args.mode, retries=args.retries)
    try:
        if args.action == "get":
            local = args.output or os.path.basename(args.remote) or "tftp.out"
            st = tftp_get(host, port, args.remote, local, **common)  # type: ignore[arg-type]
            what = f"got {args.remote} -> {local}"
        else:
            remote = args.remote or os.path.basename(args.local)
            if not os.path.isfile(args.local):
                raise CliError(f"tftp put: {args.local}: no such file")
            st = tftp_put(host, port, args.local, remote, **common)  # type: ignore[arg-type]
            what = f"put {args.local} -> {remote}"
    except tp.TftpError as e:
        raise CliError(f"tftp {args.action}: server {host}:{port} said: {escape(e.message)} "
                       f"(code {e.code})") from None
    except tp.TftpTimeout:
        raise CliError(f"tftp {args.action}: no answer from {host}:{port} (server down or unreachable?)") from None
    except ValueError as e:
        raise CliError(f"tftp {args.action}: {e}") from None
    rate = st.bytes / st.elapsed / 1024 if st.elapsed > 0 else 0.0
    opts = ",".join(f"{k}={v}" for k, v in st.options.items()) or "none"
    _out(f"tftp {escape(what)}: {plural(st.bytes, 'byte')}, {plural(st.blocks, 'block')} in "
         f"{st.elapsed:.3f}s ({rate:.1f} KiB/s), options {escape(opts)}, "
         f"{plural(st.retransmits, 'retransmit')}")
    return 0


# --- feiq -------------------------------------------------------------------------------------
def _feiq_peer(args: argparse.Namespace, on_event=None):
    from traffic import feiq

    peers = [_hostport(p, feiq.IPMSG_PORT) for p in (args.peer or [])]
    try:
        return feiq.FeiqPeer(user=args.user, host=args.hostname, nickname=args.nickname,
                             group=args.group, bind=args.bind, port=args.port,
                             broadcast=None if args.no_broadcast else args.broadcast,
                             broadcast_port=args.broadcast_port, peers=peers, utf8=args.utf8,
                             feiq=not args.ipmsg, serve_files=args.action in ("send", "listen"),
                             on_event=on_event)
    except OSError as e:
        err = _bind_error(e, f"feiq {args.action}", args.bind, args.port)
        if e.errno == errno.EADDRINUSE:
            # Two peers on one machine: the listener holds the address, so this one needs its own.
            alt = "127.77.0.1" if args.bind != "127.77.0.1" else "127.77.0.2"
            err = CliError(f"feiq {args.action}: {args.bind}:{args.port} is already in use "
                           f"(another FeiQ peer listening?); give this one its own address "
                           f"with --bind {alt}")
        raise err from None


def cmd_feiq(args: argparse.Namespace) -> int:
    from traffic import feiq

    def who(p: feiq.Peer) -> str:
        return (f"{p.addr[0]}:{p.addr[1]} {escape(p.user)}@{escape(p.host)} "
                f"nick='{escape(p.nickname)}'")

    def show(kind: str, obj: object) -> None:
        if kind in ("BR_ENTRY", "ANSENTRY", "BR_ABSENCE") and isinstance(obj, feiq.Peer):
            _out(f"{kind} from {who(obj)}")
        elif kind == "SENDMSG" and isinstance(obj, feiq.Message):
            m = obj
            names = ", ".join(escape(f.name) for f in m.files)
            files = f" [{plural(len(m.files), 'file')}: {names}]" if m.files else ""
            _out(f"message from {m.addr[0]}:{m.addr[1]} {escape(m.user)}: {escape(m.text)}{files}")
        elif kind == "BR_EXIT":
            _out(f"BR_EXIT from {who(obj) if isinstance(obj, feiq.Peer) else escape(str(obj))}")
        elif kind == "bad-packet" and args.verbose:
            _out(f"ignored non-IPMSG packet from {escape(str(obj))}")

    peer = _feiq_peer(args, show)
    peer.start()
    try:
        if args.action == "entry":
            peer.entry()
            peer.wait_for(lambda: False, args.timeout)
            for p in peer.peers.values():
                _out(f"peer {who(p)} group='{escape(p.group)}' version={escape(p.version)}")
            _out(f"feiq entry: {plural(len(peer.peers), 'peer')} answered")
            return 0
        if args.action == "exit":
            peer.exit()
            _out("feiq exit: BR_EXIT sent")
            return 0
        if args.action == "listen":
            if args.entry:
                peer.entry()
            peer.wait_for(lambda: args.count is not None and peer.message_count >= args.count,
                          args.timeout)
            if args.download:
                for m in peer.messages:
                    for fe in m.files:
                        dest = os.path.join(args.download, os.path.basename(fe.name))
                        n = peer.get_file((m.addr[0], m.addr[1]), m.packet_no, fe, dest)
                        _out(f"downloaded {escape(fe.name)}: {n} of {plural(fe.size, 'byte')} "
                             f"-> {escape(dest)}")
            _out(f"feiq listen: {plural(peer.message_count, 'message')}, "
                 f"{plural(len(peer.peers), 'peer')}")
            return 0
        # send
        host, port = _hostport(args.target, feiq.IPMSG_PORT)
        files = [args.file] if args.file else None
        if args.file and not os.path.isfile(args.file):
            raise CliError(f"feiq send: {args.file}: no such file")
        pno, acked = peer.send_message((host, port), " ".join(args.message), sendcheck=not args.no_check,
                                       retries=args.retries, timeout=args.ack_timeout, files=files)
        if files and acked:
            peer.wait_for(lambda: peer.files_served > 0, args.timeout)
        if args.no_check:
            _out(f"feiq send: message {pno} sent to {host}:{port}")
            return 0
        if not acked:
            raise CliError(f"feiq send: no RECVMSG from {host}:{port} after "
                           f"{plural(args.retries + 1, 'try', 'tries')}")
        served = f", attachment fetched {peer.files_served}x" if files else ""
        _out(f"feiq send: message {pno} delivered to {host}:{port} (RECVMSG received){served}")
        return 0
    finally:
        peer.close()


# --- parser -----------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="traffic", description="Make real lab traffic on loopback.")
    sub = p.add_subparsers(dest="proto", required=True)

    u = sub.add_parser("udp", help="UDP send/recv/echo/chat").add_subparsers(dest="action", required=True)
    a = u.add_parser("send", help="send datagrams (args or stdin lines)")
    a.add_argument("target", metavar="HOST:PORT")
    a.add_argument("message", nargs="*")
    a.add_argument("--count", type=int, default=1, help="times to send each message")
    a.add_argument("--rate", type=float, help="datagrams per second")
    a.add_argument("--encoding", default="utf-8", choices=["utf-8", "gbk"])
    for name, port in (("recv", 9999), ("echo", 9999)):
        a = u.add_parser(name)
        a.add_argument("--host", default="127.0.0.1")
        a.add_argument("--port", type=int, default=port)
        a.add_argument("--count", type=int, help="stop after this many datagrams")
        a.add_argument("--timeout", type=float, default=30.0, help="stop after this many idle seconds")
        a.add_argument("--encoding", default="utf-8", choices=["utf-8", "gbk"])
        if name == "echo":
            a.add_argument("--duration", type=float, help="stop after this many seconds")
            a.add_argument("--upper", action="store_true", help="echo upper-cased")
    a = u.add_parser("chat", help="full-duplex chat with a peer (stdin lines)")
    a.add_argument("peer", metavar="HOST:PORT")
    a.add_argument("--host", default="127.0.0.1")
    a.add_argument("--port", type=int, default=9998)
    a.add_argument("--encoding", default="utf-8", choices=["utf-8", "gbk"])
    a.add_argument("--duration", type=float, help="keep receiving this long after input ends")

    t = sub.add_parser("tcp", help="TCP server/client").add_subparsers(dest="action", required=True)
    a = t.add_parser("server")
    a.add_argument("--host", default="127.0.0.1")
    a.add_argument("--port", type=int, default=9000)
    a.add_argument("--mode", choices=["echo", "sink"], default="echo")
    a.add_argument("--max-clients", type=int, default=256)
    a.add_argument("--idle-timeout", type=float, default=60.0, metavar="SECONDS",
                   help="close a connection that moved no byte this long (default 60)")
    a.add_argument("--duration", type=float, help="stop after this many seconds")
    a = t.add_parser("client")
    a.add_argument("target", metavar="HOST:PORT")
    a.add_argument("message", nargs="*")
    a.add_argument("--count", type=int, default=1)
    a.add_argument("--size", type=int, help="bytes per message")
    a.add_argument("--rate", type=float, help="messages per second")
    a.add_argument("--timeout", type=float, default=5.0)
    a.add_argument("--no-echo", action="store_true", help="server is a sink: do not wait for echoes")

    b = sub.add_parser("broadcast", help="SO_BROADCAST sender/listener").add_subparsers(dest="action", required=True)
    a = b.add_parser("send")
    a.add_argument("message", nargs="*")
    a.add_argument("--target", default="127.255.255.255")
    a.add_argument("--port", type=int, default=6868)
    a.add_argument("--bind", default="0.0.0.0")
    a.add_argument("--count", type=int, default=1)
    a.add_argument("--rate", type=float)
    a = b.add_parser("listen")
    a.add_argument("--port", type=int, default=6868)
    a.add_argument("--bind", default="0.0.0.0")
    a.add_argument("--count", type=int)
    a.add_argument("--timeout", type=float, default=30.0, help="idle seconds before giving up")

    f = sub.add_parser("tftp", help="TFTP server/client").add_subparsers(dest="action", required=True)
    a = f.add_parser("serve")
    a.add_argument("--root", required=True)
    a.add_argument("--host", default="127.0.0.1")
    a.add_argument("--port", type=int, default=69)
    a.add_argument("--allow-overwrite", action="store_true")
    a.add_argument("--create", action="store_true", help="allow WRQ to create new files")
    a.add_argument("--max-transfers", type=int, default=32)
    a.add_argument("--idle-timeout", type=float, default=30.0, metavar="SECONDS",
                   help="end a transfer whose peer is silent this long (default 30); "
                        "timeout options above half of it (max 10) are declined")
    a.add_argument("--duration", type=float, help="stop after this many seconds")
    a.add_argument("-v", "--verbose", action="store_true")
    for name in ("get", "put"):
        a = f.add_parser(name)
        a.add_argument("server", metavar="HOST[:PORT]")
        if name == "get":
            a.add_argument("remote")
            a.add_argument("-o", "--output")
        else:
            a.add_argument("local")
            a.add_argument("remote", nargs="?")
        a.add_argument("--blksize", type=int)
        a.add_argument("--windowsize", type=int)
        a.add_argument("--timeout-opt", type=int, metavar="SECONDS", help="request the timeout option")
        a.add_argument("--tsize", action="store_true")
        a.add_argument("--mode", choices=list(tp.MODES), default="octet")
        a.add_argument("--retries", type=int, default=6)

    q = sub.add_parser("feiq", help="IPMSG/FeiQ peer").add_subparsers(dest="action", required=True)
    for name in ("entry", "send", "listen", "exit"):
        a = q.add_parser(name)
        if name == "send":
            a.add_argument("target", metavar="HOST[:PORT]")
            a.add_argument("message", nargs="+")
            a.add_argument("--file", help="attach a file (served over TCP)")
            a.add_argument("--no-check", action="store_true", help="no SENDCHECKOPT")
            a.add_argument("--retries", type=int, default=2)
            a.add_argument("--ack-timeout", type=float, default=1.0)
        a.add_argument("--bind", default="127.0.0.1")
        a.add_argument("--port", type=int, default=2425)
        a.add_argument("--broadcast", default="127.255.255.255")
        a.add_argument("--broadcast-port", type=int, default=2425)
        a.add_argument("--no-broadcast", action="store_true")
        a.add_argument("--peer", action="append", metavar="HOST[:PORT]", help="unicast peer")
        a.add_argument("--user", default="labshark")
        a.add_argument("--hostname", default="labshark")
        a.add_argument("--nickname", default="labshark")
        a.add_argument("--group", default="")
        a.add_argument("--utf8", action="store_true", help="UTF-8 text with UTF8OPT (default GBK)")
        a.add_argument("--ipmsg", action="store_true", help='plain IPMSG version "1"')
        a.add_argument("--timeout", type=float, default=3.0 if name != "listen" else 30.0)
        a.add_argument("--count", type=int)
        a.add_argument("-v", "--verbose", action="store_true")
        if name == "listen":
            a.add_argument("--entry", action="store_true", help="announce with BR_ENTRY first")
            a.add_argument("--download", metavar="DIR", help="fetch attachments into DIR")
    return p


HANDLERS = {"udp": cmd_udp, "tcp": cmd_tcp, "broadcast": cmd_broadcast, "tftp": cmd_tftp,
            "feiq": cmd_feiq}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return HANDLERS[args.proto](args)
    except CliError as e:
        print(f"traffic: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("traffic: interrupted", file=sys.stderr)
        return 130
    except PermissionError as e:
        print(f"traffic: error: permission denied: {e.strerror or e}", file=sys.stderr)
        return EXIT_ERROR
    except ConnectionRefusedError:
        print("traffic: error: connection refused (peer not listening)", file=sys.stderr)
        return EXIT_ERROR
    except OSError as e:
        if e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            print(f"traffic: error: peer unreachable: {e.strerror}", file=sys.stderr)
        else:
            print(f"traffic: error: {e.strerror or e}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
