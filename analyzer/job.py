"""What one run of `analyze` is asked to do, as typed values: the job description.

The command line is parsed once into a Job (`Job.from_options`); the Python API
builds one directly. Everything after that (analyzer/pipeline.py, the outputs, the
fast path, live capture) reads the Job, never argparse's namespace. Its field names
are the options' `dest` names, so an output format reads `job.verbose` as it reads
the option. What needs checking against the registry or the filter compiler (the
display filter, Decode-As, the `-T fields` printer) is filled in by analyzer/setup.py
in tshark's order of complaints, then kept here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dissectors import Session
    from filters import CompiledFilter


#: The -T formats that write the whole detail tree, as -V does.
TREE_FORMATS = ("json", "ek", "pdml", "jsonraw")


@dataclass
class Job:
    """One run: input, passes, dissection, display filter, outputs, limits."""

    # --- input
    file: str | None = None  # the positional FILE
    read_file: str | None = None  # -r FILE ("-" = stdin)
    interface: str | None = None  # -i (live capture)
    list_interfaces: bool = False  # -D
    two_pass: bool = False  # -2
    count: int | None = None  # -c: frames read, counted before -Y
    # --- dissection
    decode_as: list[str] = field(default_factory=list)  # -d specs as given
    decode_table: dict[tuple[str, int], str] = field(default_factory=dict)  # -d, checked
    only_tshark: bool = False  # --only-tshark-items
    # the fields a tree-less dissection makes (setup.wanted_fields); None: the full tree
    wanted: frozenset[str] | None = None
    # the fields a full dissection indexes (setup.indexed_fields); None: all
    indexed: frozenset[str] | None = None
    # whether tshark builds a tree for this run (setup.tshark_builds_tree); None: unknown
    tshark_tree: bool | None = None
    # the frames the shown ones depend on (analyzer/closure.py Plan); None: every frame
    plan: Any = None
    # when each conversation's state may be dropped (analyzer/release.py); None: never
    release: Any = None
    # --- the display filter
    filter: str | None = None  # -Y text
    display_filter: CompiledFilter | None = None  # -Y compiled (setup.compile_job_filter)
    selected_frame: int | None = None
    macros: list[str] = field(default_factory=list)
    explain: bool = False
    check_filter: str | None = None
    # --- the printed output (-T and what shapes it)
    output: str = "text"
    output_given: bool = False  # -T on the command line: packets print even with -q or -w
    verbose: bool = False
    hex: bool = False
    hexdump: list[str] = field(default_factory=list)  # --hexdump values (imply -x)
    output_only: str | None = None  # -O PROTOS (implies -V)
    print_summary: bool = False
    quiet: bool = False
    time_format: str = "r"
    fields: list[str] = field(default_factory=list)  # -e
    field_opts: list[str] = field(default_factory=list)  # -E
    # -e/-E checked: analyzer.output.fields.FieldsPrinter (setup.build_fields_printer)
    fields_printer: Any = None
    layer_filter: list[tuple[str, str]] | None = None  # -j/-J
    no_duplicate_keys: bool = False
    color: str = "auto"
    color_rules: str | None = None
    explain_addresses: bool = False
    netmask: str | None = None
    glossary: str | None = None  # -G
    info: list[str] | None = None  # --info FILE...: capinfos's report
    tui: bool = False  # --tui: the interactive view
    golden: str | None = None
    update_golden: bool = False
    # --- statistics
    stats: list[str] = field(default_factory=list)  # -z
    encoding: str | None = None
    plot: str | None = None
    flow_notes: bool = False  # --flow-notes beside -z flow
    # --- files written besides the output
    write: str | None = None  # -w
    write_format: str = "pcapng"  # -F
    export_objects: str | None = None  # --export-objects PROTO,DIR
    export: tuple[str, str] | None = None  # --export FORMAT OUT
    cross_check: str | None = None
    # --- live capture
    capture_filter: str | None = None  # -f
    autostop: list[str] = field(default_factory=list)  # -a
    ring: list[str] = field(default_factory=list)  # -b
    snaplen: int | None = None  # -s
    no_resolve: bool = False  # -n (accepted, labshark never resolves)
    resolve: str | None = None  # -N (accepted and ignored)

    @classmethod
    def from_options(cls, opts: Any) -> Job:
        """The Job of a parsed command line (argparse's namespace, read once here)."""
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in vars(opts).items() if k in names}
        if values.get("export") is not None:
            values["export"] = tuple(values["export"])
        if values.get("output_only"):  # tshark's -O prints the details, as -V
            values["verbose"] = True
        if any(v != "help" for v in values.get("hexdump") or ()):  # --hexdump is -x
            values["hex"] = True
        return cls(**values)

    def hexdump_choice(self, choices: tuple[str, ...], default: str) -> str:
        """The last --hexdump value among `choices` (tshark's: the last one counts)."""
        return next((v for v in reversed(self.hexdump) if v in choices), default)

    @property
    def path(self) -> str | None:
        """The capture file to read (-r or the positional FILE)."""
        return self.read_file or self.file

    @property
    def match(self) -> Any:
        """The display filter's match function, None when every packet is shown."""
        return self.display_filter.match if self.display_filter is not None else None

    @property
    def printing(self) -> bool:
        """Whether shown packets are printed, as tshark 4.0 decides it: always when -P, -V,
        -x or -T asks for them, else only without -q and without -w."""
        if self.print_summary or self.verbose or self.hex or self.output_given:
            return True
        return not self.quiet and self.write is None

    def new_session(self) -> Session:
        """The dissection session of this job (-2, Decode-As, our own items)."""
        from dissectors import Session

        # One pass over the frames in order (no frame is dissected twice) unless -2.
        session = Session(two_pass=self.two_pass, decode_as=self.decode_table,
                          revisit=self.two_pass)
        session.show_ours = not self.only_tshark
        session.tree_visible = self.verbose or self.output in TREE_FORMATS
        session.tshark_tree = self.tshark_tree
        session.indexed = self.indexed
        return session


__all__ = ["Job"]
