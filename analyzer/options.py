"""Command-line options of `analyze`: tshark's flags plus friendly long forms."""

from __future__ import annotations

import argparse

from analyzer.errors import UsageError
from analyzer.output.formats import FORMATS, TIME_FORMATS

# Options whose value is always the next word, even one starting with "-": a display
# filter may (`-Y "-2 == tcp.dstport"`), and argparse would take it for an option (-2).
_TAKES_NEXT_WORD = {"-Y": "-Y", "--display-filter": "--display-filter=",
                    "--filter": "--filter="}


def glue_option_values(argv: list[str]) -> list[str]:
    """`-Y VALUE` -> `-YVALUE`, `--filter VALUE` -> `--filter=VALUE` (before any `--`)."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            out += argv[i:]
            break
        if a in _TAKES_NEXT_WORD and i + 1 < len(argv):
            out.append(_TAKES_NEXT_WORD[a] + argv[i + 1])
            i += 2
            continue
        out.append(a)
        i += 1
    return out


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)

    def format_help(self) -> str:
        """argparse's help, then every `-z` statistic (the list `-z help` prints)."""
        from analyzer.stats.taps import statistic_names

        names = statistic_names()
        lines, line = [], " "
        for n in names:
            if len(line) + len(n) + 1 > 78:
                lines.append(line)
                line = " "
            line += " " + n
        lines.append(line)
        return (super().format_help() + "\nstatistics for -z (their arguments: README, "
                "\"Using analyze\"):\n" + "\n".join(lines) + "\n")

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[no-untyped-def] # noqa: ANN001, ANN201
        import sys

        argv = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(glue_option_values(argv), namespace)


class _OutputAction(argparse.Action):
    """-T FORMAT, remembering that it was given: tshark prints packets for an explicit -T
    even with -q or -w."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        setattr(namespace, self.dest, values)
        namespace.output_given = True


#: tshark 4.0's description of each -T format we offer (its `-T bad` message).
_FORMAT_HELP = {
    "fields": ("The values of fields specified with the -e option, in a form",
               "specified by the -E option."),
    "pdml": ("Packet Details Markup Language, an XML-based format for the",
             "details of a decoded packet. This information is equivalent to",
             "the packet details printed with the -V flag."),
    "psml": ("Packet Summary Markup Language, an XML-based format for the",
             "summary information of a decoded packet. This information is",
             "equivalent to the information shown in the one-line summary",
             "printed by default."),
    "json": ("Packet Summary, an JSON-based format for the details",
             "summary information of a decoded packet. This information is ",
             "equivalent to the packet details printed with the -V flag."),
    "jsonraw": ("Packet Details, a JSON-based format for machine parsing",
                "including only raw hex decoded fields (same as -T json -x but",
                "without text decoding, only raw fields included). "),
    "ek": ("Packet Details, an EK JSON-based format for the bulk insert ",
           "into elastic search cluster. This information is ",
           "equivalent to the packet details printed with the -V flag."),
    "text": ("Text of a human-readable one-line summary of each of the",
             "packets, or a multi-line view of the details of each of the",
             "packets, depending on whether the -V flag was specified.",
             "This is the default."),
    "tabs": ("Similar to the text report except that each column of the",
             "human-readable one-line summary is delimited with an ASCII",
             "horizontal tab character."),
}


def _output_format(value: str) -> str:
    """-T's value, or tshark's refusal listing the formats (exit 1, no usage text)."""
    if value in FORMATS:
        return value
    lines = [f'Invalid -T parameter "{value}"; it must be one of:']
    for name, text in _FORMAT_HELP.items():
        if name in FORMATS:
            lines.append(f'\t{chr(34) + name + chr(34):<9} {text[0]}')
            lines += [f"\t          {t}" for t in text[1:]]
    raise UsageError("\n".join(lines))


HEXDUMP_HELP = """Valid --hexdump <hexoption> values include:

Data source options:
  all                      add hexdump, dump all data sources (-x default)
  frames                   add hexdump, dump only frame data source

ASCII options:
  ascii                    add hexdump, include ASCII dump text (-x default)
  delimit                  add hexdump, delimit ASCII dump text with '|' characters
  noascii                  add hexdump, exclude ASCII dump text

Miscellaneous:
  help                     display this help and exit

Example:

    $ analyze ... --hexdump frames --hexdump delimit ..."""


def _hexdump_option(value: str) -> str:
    """One --hexdump value as tshark takes it (`help` is answered by the command)."""
    from analyzer.output.hex_dump import HEXDUMP_ASCII, HEXDUMP_SOURCES

    if value in HEXDUMP_SOURCES or value in HEXDUMP_ASCII or value == "help":
        return value
    raise UsageError(f'"{value}" is an invalid value for --hexdump <hexoption>\n'
                     "For valid <hexoption> values enter: analyze --hexdump help")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="analyze",
        description="Dissect, filter and print packets from a capture file or interface, "
                    "with Wireshark's field names and display filter language.",
    )
    p.add_argument("file", nargs="?", help="capture file to read (same as -r)")
    p.add_argument("-r", "--read-file", dest="read_file", metavar="FILE",
                   help="read packets from FILE (pcap, pcapng, gzip-compressed; - = stdin)")
    p.add_argument("-Y", "--display-filter", "--filter", dest="filter", metavar="FILTER",
                   help="Wireshark display filter: show only matching packets")
    p.add_argument("--macros", dest="macros", metavar="FILE", action="append", default=[],
                   help="display-filter macros (Wireshark's dfilter_macros format) besides "
                   "the shipped ones and ~/.config/wireshark/dfilter_macros")
    p.add_argument("--selected-frame", dest="selected_frame", type=int, metavar="N",
                   help="the packet filter field references (${ip.src}) read, as tshark's")
    p.add_argument("-c", dest="count", type=int, metavar="N",
                   help="stop after reading N packets (counted before -Y filters them, "
                        "as tshark counts)")
    p.add_argument("-V", dest="verbose", action="store_true", help="print the detail tree")
    p.add_argument("-x", dest="hex", action="store_true", help="print hex and ASCII dump")
    p.add_argument("-T", dest="output", choices=tuple(FORMATS), action=_OutputAction,
                   type=_output_format, default="text",
                   help="output format (ek: newline-delimited JSON for Elasticsearch, -e "
                   "limits it to those fields; pdml/psml: tshark's XML of the detail tree "
                   "/ of the columns; tabs: the packet list tab-separated; jsonraw: JSON "
                   "of the fields' raw bytes)")
    p.add_argument("-O", dest="output_only", metavar="PROTOS",
                   help="like -V, but only these protocols' details (comma-separated) "
                        "expanded; the others as their summary line")
    p.add_argument("--hexdump", dest="hexdump", action="append", default=[],
                   metavar="OPTION", type=_hexdump_option,
                   help="like -x: all|frames (every data source or the frame's alone), "
                        "ascii|delimit|noascii (the ASCII column as is, between |s, or "
                        "none); repeatable; `--hexdump help` lists them")
    p.add_argument("--no-duplicate-keys", dest="no_duplicate_keys", action="store_true",
                   help="-T json: merge a node's repeated keys into one array, like tshark")
    p.add_argument("-j", dest="layer_filter", type=lambda v: ("j", v), metavar="PROTOS",
                   action="append",
                   help='-T json|ek|pdml: only these protocols, and only the listed subtrees '
                        'opened (e.g. "ip ip.flags udp")')
    p.add_argument("-J", dest="layer_filter", type=lambda v: ("J", v), metavar="PROTOS",
                   action="append",
                   help="-T json|ek|pdml: only these top-level protocols, each written whole")
    p.add_argument("-e", dest="fields", action="append", default=[], metavar="FIELD",
                   help="field to print with -T fields (repeatable)")
    p.add_argument("-E", dest="field_opts", action="append", default=[], metavar="OPT=VAL",
                   help="-T fields options: header=y|n, separator=/t|/s|C, occurrence=f|l|a, "
                        "aggregator=,|/s|C, quote=d|s|n")
    p.add_argument("-t", dest="time_format", choices=TIME_FORMATS, default="r",
                   help="time column format (r=relative, a=absolute, ad=absolute with date, "
                        "d=delta, dd=delta displayed, e=epoch, u/ud=UTC)")
    p.add_argument("-n", dest="no_resolve", action="store_true",
                   help="no name resolution (always the case in labshark; accepted for tshark "
                        "compatibility)")
    p.add_argument("-N", dest="resolve", metavar="FLAGS", help="accepted and ignored")
    p.add_argument("-w", dest="write", metavar="OUT", help="write the packets shown to OUT")
    p.add_argument("-F", dest="write_format", choices=("pcap", "pcapng"), default="pcapng",
                   help="file format for -w (default pcapng, like tshark)")
    p.add_argument("-P", dest="print_summary", action="store_true",
                   help="print the packet summary line even with -w, -x or -V (like tshark)")
    p.add_argument("-q", dest="quiet", action="store_true", help="do not print packets")
    p.add_argument("-G", dest="glossary", nargs="?", const="fields",
                   choices=("fields", "protocols"), help="list the fields or protocols")
    p.add_argument("-2", dest="two_pass", action="store_true",
                   help="two passes: fills in what needs later packets (e.g. ICMP reply in N)")
    p.add_argument("--only-tshark-items", dest="only_tshark", action="store_true",
                   help="leave labshark's own items (*.labshark.*, e.g. TFTP's ACK/DATA "
                        "links) out of -V and -T json/ek, to diff with tshark; they stay "
                        "filterable and printable with -e")
    p.add_argument("-d", dest="decode_as", action="append", default=[],
                   metavar="LAYER==VALUE,PROTO", help="Decode-As, e.g. udp.port==6969,tftp")
    p.add_argument("-z", dest="stats", action="append", default=[], metavar="STATISTICS",
                   help="a statistic, printed after the packets (repeatable; `-z help` "
                        "and the end of this help list them)")
    p.add_argument("--encoding", metavar="ENC",
                   help="-z follow,...,ascii: decode the stream's text from ENC (e.g. gbk, "
                        "utf-8) instead of a dot per non-ASCII byte (labshark's own)")
    p.add_argument("--export-objects", dest="export_objects", metavar="PROTOCOL,DIR",
                   help="write the files transferred by PROTOCOL (tftp) into DIR")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="colour the output (auto: only on a terminal, and not with NO_COLOR)")
    p.add_argument("--color-rules", dest="color_rules", metavar="FILE",
                   help="colouring rules in Wireshark's colorfilters format (default: "
                        "~/.config/labshark/colorfilters, else Wireshark's defaults)")
    p.add_argument("--tui", action="store_true",
                   help="the interactive view: packet list, detail tree and bytes, with a "
                        "filter bar (needs the [tui] extra: pip install 'labshark[tui]')")
    p.add_argument("--check-filter", metavar="FILTER",
                   help="only check FILTER (exit 0 if valid, 2 if not)")
    p.add_argument("--explain", action="store_true",
                   help="with --check-filter or -Y: print the parsed filter")
    p.add_argument("--cross-check", dest="cross_check", metavar="FILE",
                   help="read FILE with labshark and with tshark (via pyshark) and list the "
                        "packets whose -Y match, columns or main fields differ (exit 1)")
    p.add_argument("--plot", dest="plot", metavar="OUT.png|OUT.svg|OUT.csv",
                   help="draw the -z io,stat table (default: frames per second), or a -z "
                        "tcp,graph,... or -z flow,... diagram, into an image; OUT.csv: "
                        "the -z tcp,graph rows as CSV")
    p.add_argument("--flow-notes", dest="flow_notes", action="store_true",
                   help="-z flow: add the course's notes beside the arrows (TCP handshake "
                        "and close steps, TFTP blocks, FeiQ SENDMSG/RECVMSG)")
    p.add_argument("--info", dest="info", nargs="+", metavar="FILE",
                   help="summarize each capture FILE as capinfos does (type, encapsulation, "
                        "packets, sizes, times, rates, hashes, interfaces)")
    p.add_argument("--export", dest="export", nargs=2, metavar=("FORMAT", "OUT"),
                   help="write one row per packet shown, the -e fields (or a default set) "
                        "as columns; FORMAT: parquet")
    # Scale-out on a Dask cluster (analyzer/scale/).
    p.add_argument("--dask", metavar="local[:N]|SCHEDULER",
                   help="run on Dask: a local cluster of N worker processes or a scheduler "
                        "address; -r takes a glob (one task per file)")
    p.add_argument("--dask-split", dest="dask_split", type=float, metavar="MB",
                   help="with --dask and one file: read it in record-aligned chunks of MB "
                        "megabytes, partitioned by conversation when an output needs state")
    p.add_argument("--merge", dest="dask_merge", action="store_true",
                   help="with --dask: the files are one capture session, merged in time "
                        "order as mergecap merges them (frame numbers, streams, tables)")
    # Live capture (analyzer/live_run.py).
    p.add_argument("--golden", metavar="EXPECTED",
                   help="compare the output with file EXPECTED: a unified diff and exit 1 "
                        "when they differ")
    p.add_argument("--update-golden", action="store_true",
                   help="with --golden: (re)write EXPECTED from this output")
    p.add_argument("--explain-addresses", action="store_true",
                   help="under each packet: address classes and kinds, port ranges and the "
                        "encapsulation (a learner's view)")
    p.add_argument("--netmask", metavar="MASK",
                   help="the lab network's mask (/24 or 255.255.255.0): --explain-addresses "
                        "splits addresses by it and names directed broadcasts (default: "
                        "the class's mask)")
    p.add_argument("-i", "--interface", dest="interface", metavar="IFACE",
                   help="capture live on IFACE (a name or a number from -D)")
    p.add_argument("-D", "--list-interfaces", dest="list_interfaces", action="store_true",
                   help="list the interfaces that can be captured on")
    p.add_argument("-f", "--capture-filter", dest="capture_filter", metavar="BPF",
                   help="capture filter in tcpdump syntax, run in the kernel")
    p.add_argument("-a", dest="autostop", action="append", default=[], metavar="COND",
                   help="stop live capture after duration:SECONDS or packets:N")
    p.add_argument("-b", dest="ring", action="append", default=[], metavar="OPT",
                   help="ring buffer for -w, one KEY:VALUE per -b: filesize:KB, files:N, "
                        "duration:SECONDS, packets:N, interval:SECONDS (e.g. -b "
                        "filesize:1000 -b files:5)")
    p.add_argument("-s", dest="snaplen", type=int, metavar="SNAPLEN",
                   help="bytes to keep of each live packet (default 262144)")
    return p


_E_HELP = ("""TShark: The available options for field output "E" are:
bom=y|n    Prepend output with the UTF-8 BOM (def: N: no)
header=y|n    Print field abbreviations as first line of output (def: N: no)
separator=/t|/s|<character>   Set the separator to use;
     "/t" = tab, "/s" = space (def: /t: tab)
occurrence=f|l|a  Select the occurrence of a field to use;
     "f" = first, "l" = last, "a" = all (def: a: all)
aggregator=,|/s|<character>   Set the aggregator to use;
     "," = comma, "/s" = space (def: ,: comma)
quote=d|s|n   Print either d: double-quotes, s: single quotes or"""
           " \n     n: no quotes around field values (def: n: none)")


def _field_opt(name: str, value: str) -> str | None:
    """One `-E` value as tshark 4.0 reads it (only its first character counts), or None."""
    c = value[0]
    if name in ("header", "bom"):
        return c if c in "yn" else None
    if name == "occurrence":
        return c if c in "fla" else None
    if name == "quote":
        return c if c in "dsn" else None
    if name in ("separator", "aggregator"):
        if c != "/":
            return c
        nxt = value[1:2]
        if nxt == "s":
            return " "
        return "\t" if nxt == "t" and name == "separator" else "\\"
    return None


def parse_field_opts(opts: list[str]) -> dict[str, str]:
    """`-E header=y -E separator=,` into a dict with tshark's defaults filled in.

    Separator and aggregator are one character, like tshark 4.0's: `separator=ab` is
    `a`, `/t` is a tab (aggregator: a backslash), any other `/x` a backslash.
    """
    out = {"header": "n", "separator": "\t", "occurrence": "a", "aggregator": ",",
           "quote": "n", "bom": "n"}
    for o in opts:
        name, _, value = o.partition("=")
        got = _field_opt(name, value) if value else None
        if got is None:
            raise UsageError(f'"{name}" is not a valid field output option=value pair.\n'
                             + _E_HELP)
        out[name] = got
    return out


_RING_COUNTS = {"filesize": "ring buffer filesize", "files": "number of ring buffer files",
                "packets": "ring buffer packet count", "interval": "ring buffer interval"}
_RING_LIMITS = ("filesize", "duration", "packets", "interval")
_RING_UNSUPPORTED = ("printname", "nametimenum")


def parse_ring(specs: list[str]) -> dict[str, float]:
    """`-b filesize:KB -b files:N -b duration:S -b packets:N -b interval:S` (one
    KEY:VALUE per -b, as tshark 4.0 takes them) -> {"filesize": KB, ...}, with tshark's
    refusals: `filesize:10,files:3` is not a number; a key tshark does not know is
    ignored; `files` alone limits nothing."""
    out: dict[str, float] = {}
    for spec in specs:
        key, sep, value = spec.partition(":")
        if not sep or not value:
            raise UsageError(f'Invalid or unknown -b arg "{spec}"')
        if key in _RING_COUNTS:
            what = _RING_COUNTS[key]
            negative = value[:1] == "-" and value[1:].isascii() and value[1:].isdigit()
            if negative and key in ("packets", "interval"):
                raise UsageError(f'The specified {what} "{value}" is a negative number')
            if not (value.isascii() and value.isdigit()):
                raise UsageError(f'The specified {what} "{value}" isn\'t a decimal number')
            if int(value) == 0:
                raise UsageError(f"The specified {what} is zero")
            out[key] = float(int(value))
        elif key == "duration":
            try:
                secs = float(value)
            except ValueError:
                raise UsageError(f'The specified ring buffer duration "{value}" isn\'t a '
                                 "number") from None
            if secs < 0:
                raise UsageError(f'The specified ring buffer duration "{value}" is a '
                                 "negative number")
            if secs > 0:
                out[key] = secs
    if specs and not any(k in out for k in _RING_LIMITS):
        raise UsageError("Multiple capture files requested, but no maximum capture file "
                         "size, duration, interval or packets were specified.")
    for spec in specs:
        key = spec.partition(":")[0]
        if key in _RING_UNSUPPORTED:
            raise UsageError(f"-b {key}: not supported by labshark (it takes filesize, files, "
                             "duration, packets and interval)")
    return out


def check_stats_args(values: list[str]) -> None:
    """Reject a `-z` value no statistic takes, with tshark's message and list."""
    from analyzer.stats.taps import kind_of, statistic_names

    for v in values:
        if kind_of(v) is None:
            raise UsageError(f'Invalid -z argument "{v}"; it must be one of:\n'
                             + "\n".join(f"     {name}" for name in statistic_names()))
