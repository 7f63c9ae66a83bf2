"""`--flow-notes`: the course's annotations beside `-z flow` arrows (labshark's own
view; without the option `-z flow` stays tshark's byte for byte).

  TCP     the three steps of the handshake (SYN, SYN-ACK, ACK), the four steps of the
          close (FIN, its ACK, the other FIN, its ACK; a FIN that also ACKs the first
          is steps 2+3), resets;
  TFTP    the request (read/write, file name), then the lock-step of DATA and ACK
          blocks (block numbers), OACK and ERROR;
  FeiQ    (IP Messenger) SENDMSG with its packet number and RECVMSG confirming it.
Notes come from the dissectors' fields of the packet (tcp.*, tftp.*, ipmsg.*).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analyzer.stats.tcp_segments import layer_fields
from dissectors.escape import format_str
from dissectors.packet import Packet

_SYN, _FIN, _RST, _ACK = 0x02, 0x01, 0x04, 0x10


@dataclass
class _Stream:
    syn_from: str | None = None
    synack: bool = False
    handshake_done: bool = False
    fin1_from: str | None = None
    fin1_end: int = 0  # sequence number the first FIN's ACK carries
    fin1_acked: bool = False
    fin2_from: str | None = None
    fin2_end: int = 0
    closed: bool = False


@dataclass
class Annotator:
    """Per-stream state for the notes of one diagram."""

    streams: dict[int, _Stream] = field(default_factory=dict)

    def note(self, pkt: Packet) -> str:
        parts = []
        for item in pkt.tree:
            f = item.field
            if f is None:
                continue
            if f.abbrev == "tcp":
                parts.append(self._tcp(pkt, layer_fields(item)))
            elif f.abbrev == "tftp":
                parts.append(self._tftp(layer_fields(item)))
            elif f.abbrev == "ipmsg":
                parts.append(self._ipmsg(layer_fields(item)))
        return format_str("; ".join(p for p in parts if p))

    def _tcp(self, pkt: Packet, f: dict[str, object]) -> str:
        st = self.streams.setdefault(int(f.get("tcp.stream", 0)), _Stream())  # type: ignore[call-overload]
        flags = int(f.get("tcp.flags", 0) or 0)  # type: ignore[call-overload]
        side = f"{pkt.src}:{f.get('tcp.srcport')}"
        seq = int(f.get("tcp.seq", 0) or 0)  # type: ignore[call-overload]
        nxt = int(f.get("tcp.nxtseq", seq) or 0)  # type: ignore[call-overload]
        ack = int(f.get("tcp.ack", 0) or 0) if flags & _ACK else None  # type: ignore[call-overload]
        if flags & _RST:
            return "TCP reset (RST)"
        if flags & _SYN:
            if flags & _ACK:
                st.synack = True
                return "handshake 2/3: SYN-ACK"
            st.syn_from = side
            return "handshake 1/3: SYN"
        if st.synack and not st.handshake_done and side == st.syn_from and ack is not None:
            st.handshake_done = True
            return "handshake 3/3: ACK"
        notes = []
        if st.fin1_from is not None and side != st.fin1_from and ack is not None \
                and ack >= st.fin1_end and not st.fin1_acked:
            st.fin1_acked = True
            notes.append("2/4: ACK of the FIN")
        if flags & _FIN:
            if st.fin1_from is None:
                st.fin1_from, st.fin1_end = side, nxt
                notes.append("1/4: FIN")
            elif side != st.fin1_from and st.fin2_from is None:
                st.fin2_from, st.fin2_end = side, nxt
                notes.append("3/4: FIN")
        elif st.fin2_from is not None and side != st.fin2_from and ack is not None \
                and ack >= st.fin2_end and not st.closed:
            st.closed = True
            notes.append("4/4: ACK of the FIN")
        return "close " + " + ".join(notes) if notes else ""

    @staticmethod
    def _tftp(f: dict[str, object]) -> str:
        op = f.get("tftp.opcode")
        block = f.get("tftp.block")
        if op == 1:
            return f"TFTP read request: {f.get('tftp.source_file')}"
        if op == 2:
            return f"TFTP write request: {f.get('tftp.destination_file')}"
        if op == 3:
            return f"TFTP DATA block {block} (waits for ACK {block})"
        if op == 4:
            return ("TFTP ACK block 0 (write accepted)" if block == 0
                    else f"TFTP ACK block {block} (lock-step: DATA {block} received)")
        if op == 5:
            return f"TFTP ERROR {f.get('tftp.error.code')}: {f.get('tftp.error.message')}"
        if op == 6:
            return "TFTP OACK (options accepted)"
        return ""

    @staticmethod
    def _ipmsg(f: dict[str, object]) -> str:
        mode = f.get("ipmsg.mode")
        if mode == 0x20:
            receipt = " (receipt requested)" if f.get("ipmsg.opt.sendcheck") else ""
            return f"FeiQ SENDMSG #{f.get('ipmsg.packet_no')}{receipt}"
        if mode == 0x21:
            sent = f.get("ipmsg.response_to")
            where = f" (SENDMSG in frame {sent})" if sent else ""
            return f"FeiQ RECVMSG confirms #{f.get('ipmsg.ack_packet_no')}{where}"
        return ""
