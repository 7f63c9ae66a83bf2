"""What one capture split into chunks can answer exactly, and what it must refuse.

A chunk is dissected without the packets before it. Outputs that depend only on the
packet itself (plus the capture's first timestamp and the previous record's, which a
chunk is given) are exact: fields of the link and network layers and the port fields
of the transports, `-z io,stat` (frames, bytes, counts), `-z endpoints`, `-z conv` of
the layers without streams, and `-z io,phs` as long as no packet needed earlier state
to find its protocols (TCP and its reassembled payloads, TFTP transfers recognised from
their request, IP fragments, UDP payloads left as `data` that a conversation might have
claimed). Those are checked per packet by `note_state` and refused at the end; the rest
is refused before the run starts. A run that needs any of those (`needs_partitions`)
is partitioned by conversation instead (analyzer/scale/partition_run.py), which is
exact for them and refuses only what `partition_refusals` names.
"""

from __future__ import annotations

from typing import Any

#: Protocols whose presence in the tree never depends on earlier packets.
PHS_SAFE = frozenset({"frame", "eth", "ethertype", "vlan", "ieee8021ad", "ieee8021ah",
                      "arp", "ip", "ipv6", "ipv6.hopopts", "ipv6.dstopts", "ipv6.routing",
                      "icmp", "icmpv6", "udp", "dns", "dhcp", "llc", "sll", "null", "raw",
                      "fddi", "tr", "pkt_comment", "_ws.malformed", "_ws.short"})

#: Field prefixes whose values come from the packet alone ...
_FIELD_PROTOCOLS = ("frame.", "eth.", "arp.", "vlan.", "sll.", "ip.", "ipv6.", "udp.",
                    "icmp.", "icmpv6.")
_PROTOCOLS = frozenset({"frame", "eth", "arp", "vlan", "ip", "ipv6", "icmp", "icmpv6", "udp",
                        "tcp"})
_TCP_FIELDS = frozenset({"tcp.srcport", "tcp.dstport", "tcp.port", "tcp.seq_raw",
                         "tcp.ack_raw", "tcp.hdr_len", "tcp.len", "tcp.flags",
                         "tcp.window_size_value", "tcp.checksum", "tcp.urgent_pointer"})
#: ... except these, which look at other packets.
_STATEFUL_WORDS = ("stream", "reassembl", "fragment", "time_delta_displayed", "resp",
                   "_in", "frame.protocols", "frame.coloring", "udp.time", "icmp.data_time")
_SPLIT_Z = ("io,stat,", "io,phs", "endpoints,", "conv,eth", "conv,ip", "conv,ipv6",
            "conv,udp")


def stateless_field(name: str) -> bool:
    """Is field `name` the same whatever packets came before?"""
    if name in _TCP_FIELDS or name.startswith("tcp.flags.") or name in _PROTOCOLS:
        return True
    if not name.startswith(_FIELD_PROTOCOLS):
        return False
    return not any(w in name for w in _STATEFUL_WORDS)


#: The fields `note_state` reads (a tree-less dissection must make them).
NOTE_FIELDS = frozenset({"ip.frag_offset", "ip.flags.mf", "ip.src", "ip.dst", "ip.id",
                         "ipv6.fraghdr.offset", "ipv6.fraghdr.more", "ipv6.src", "ipv6.dst",
                         "ipv6.id"})


def note_state(notes: set[str], pkt: Any, firsts: set[tuple]) -> None:
    """Note what in `pkt` needed (or may have needed) earlier packets: protocols
    outside PHS_SAFE, and a fragment whose datagram began before the chunk (`firsts`:
    the datagrams whose first fragment the chunk has seen)."""
    for proto in pkt.protocols:
        if proto not in PHS_SAFE:
            notes.add(proto)
    for v in ("ip", "ipv6"):
        offsets = pkt.index.get(v + (".frag_offset" if v == "ip" else ".fraghdr.offset"))
        if not offsets:
            continue
        key = tuple(_first(pkt, f"{v}.{n}") for n in ("src", "dst", "id"))
        if offsets[0].value:
            if key not in firsts:
                notes.add(f"{ORPHAN}{pkt.frame.number}")
        elif any(i.value for i in pkt.index.get(v + ".flags.mf", ())) or \
                any(i.value for i in pkt.index.get("ipv6.fraghdr.more", ())):
            firsts.add(key)


#: The note of a fragment whose datagram began in an earlier chunk.
ORPHAN = "frame "


def _first(pkt: Any, name: str) -> Any:
    items = pkt.index.get(name)
    return items[0].value if items else None


def refusals(opts: Any) -> list[str]:
    """What of this run cannot be answered exactly on a split file (empty: all can)."""
    from analyzer.stats.io_calc import field_refs
    from filters import compile_filter

    bad: list[str] = []
    if opts.output != "fields" and not opts.quiet:
        bad.append(f"-T {opts.output} (use -T fields or -q)")
    if opts.write:
        bad.append("-w")
    if getattr(opts, "export", None) and not opts.fields:
        bad.append("--export without -e (the default columns include the Info column)")
    for name in opts.fields:
        if not stateless_field(name):
            bad.append(f"-e {name}")
    if opts.filter:
        for name in sorted(field_refs(compile_filter(opts.filter).tree)):
            if not stateless_field(name):
                bad.append(f"-Y naming {name}")
    for z in opts.stats:
        if not z.startswith(_SPLIT_Z) or ("," in z.split(",", 2)[-1] and
                                         not z.startswith("io,stat,")):
            bad.append(f"-z {z}")
    return bad


def needs_partitions(opts: Any) -> bool:
    """Does this split run need the partitions by conversation (stateful outputs)?"""
    return bool(refusals(opts)) or any(z.startswith(("io,phs", "expert")) for z in opts.stats)


def partition_refusals(opts: Any) -> list[str]:
    """What a run partitioned by conversation cannot answer exactly (empty: all can):
    outputs other than -T fields, and what reads the previous *shown* frame, which may
    be in another partition."""
    from analyzer.stats.io_calc import field_refs
    from filters import compile_filter

    bad: list[str] = []
    if opts.output != "fields" and not opts.quiet and not getattr(opts, "export", None):
        bad.append(f"-T {opts.output} (use -T fields or -q)")
    if opts.write:
        bad.append("-w")
    names = list(opts.fields)
    if opts.filter:
        names += sorted(field_refs(compile_filter(opts.filter).tree))
    bad += [f"-e {n}" for n in names if "displayed" in n]
    return bad


def phs_problem(notes: set[str]) -> str | None:
    """Why the split run's io,phs would not be exact (None: it is)."""
    protos = sorted(n for n in notes if not n.startswith(ORPHAN))
    return ", ".join(protos) or None


def orphan_problem(notes: set[str]) -> str | None:
    """The frames that are IP fragments of datagrams begun in another chunk, if any."""
    frames = sorted(int(n[len(ORPHAN):]) for n in notes if n.startswith(ORPHAN))
    return ", ".join(map(str, frames[:5])) if frames else None


__all__ = ["NOTE_FIELDS", "stateless_field", "note_state", "refusals", "needs_partitions", "partition_refusals", "phs_problem", "orphan_problem", "PHS_SAFE",
           "ORPHAN"]
