"""`analyze --dask local[:N]|SCHEDULER -r PATH_OR_GLOB ...`: the run on a Dask cluster.

Many files: one task per file (analyzer/scale/tasks.py); per-file outputs are printed
in the order of the files as soon as the files before them are done; the `-z` taps are
merged exactly (analyzer/scale/merge.py) as if the files were one capture read in that
order. One file with --dask-split: record-aligned chunks (analyzer/scale/chunks.py),
a survey task per chunk to number frames globally, then a task per chunk when the
outputs are stateless (analyzer/scale/split_policy.py), else the records partitioned by
conversation (analyzer/scale/partition_run.py), as also for `--merge` (several files
of one session merged in time order). A damaged input is
reported with its name and byte position after the others are finished (exit 2). Dask
re-runs the tasks of a lost worker; a task's files are replaced atomically, so a
re-run leaves neither duplicates nor halves.
"""

from __future__ import annotations

import glob
import logging
import os
import warnings
from dataclasses import replace
from typing import Any, TextIO

from analyzer.errors import EXIT_OK, UsageError
from analyzer.scale.collect import collect
from analyzer.scale.merge import MERGEABLE, MergeError, merge_into, mergeable
from analyzer.scale.tasks import Command, Result, RunSpec, file_task

#: Options that name inputs and outputs: each task gets its own (value count).
_PER_TASK = {"--dask": 1, "--dask-split": 1, "--merge": 0, "-r": 1, "--read-file": 1, "-w": 1,
             "--export": 2, "-z": 1}


def _inputs(pattern: str) -> list[str]:
    """The files a path, glob or fsspec URL (s3://bucket/week/*.pcap) names, in order."""
    if "://" in pattern:
        try:
            import fsspec

            fs, _token, paths = fsspec.get_fs_token_paths(pattern)
        except (ImportError, ValueError) as e:
            raise UsageError(f'--dask: cannot read "{pattern}": {e}') from None
        if not paths:
            raise UsageError(f'--dask: no file matches "{pattern}"')
        return [fs.unstrip_protocol(p) for p in sorted(paths)]
    if any(c in pattern for c in "*?["):
        files = sorted(glob.glob(pattern))
        if not files:
            raise UsageError(f'--dask: no file matches "{pattern}"')
        return files
    return [pattern]


def _shared_argv(argv: list[str], opts: Any) -> tuple[str, ...]:
    """analyze's options minus the per-task ones (and the positional file)."""
    out: list[str] = []
    skip = 0
    positional = opts.file
    for tok in argv:
        if skip:
            skip -= 1
            continue
        name = tok.split("=", 1)[0]
        if name in _PER_TASK:
            skip = 0 if "=" in tok else _PER_TASK[name]
            continue
        if tok[:2] in ("-z", "-r", "-w") and len(tok) > 2 and not tok.startswith("--"):
            continue  # the joined form: -zio,phs
        if positional is not None and tok == positional:
            positional = None
            continue
        out.append(tok)
    return tuple(out)


def _check(opts: Any) -> None:
    """Refuse up front what --dask cannot do exactly."""
    from analyzer.stats.taps import build_taps, kind_of

    if opts.count or opts.two_pass:
        raise UsageError("--dask: -c and -2 need one pass over one capture; run without "
                         "--dask")
    if opts.export_objects or getattr(opts, "interface", None) or opts.golden:
        raise UsageError("--dask: --export-objects, -i and --golden are not run on Dask")
    if getattr(opts, "export", None) and opts.export[0] != "parquet":
        raise UsageError(f'--export "{opts.export[0]}": unknown format (known: parquet)')
    if getattr(opts, "plot", None):
        raise UsageError("--dask: --plot is not run on Dask")
    for z in opts.stats:
        prefix = kind_of(z)
        if prefix not in MERGEABLE:
            raise UsageError(f'--dask: "-z {z}" cannot be merged across files or chunks '
                             f"(mergeable: io,phs conv,* endpoints,* expert io,stat)")
    for kind, group in build_taps(list(opts.stats)):
        for tap in group:
            if not mergeable(kind.prefix, tap):
                raise UsageError("--dask: io,stat merges frames, bytes and COUNT() columns "
                                 "only")


def _client(spec: str) -> Any:
    from dask.distributed import Client, LocalCluster

    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    # several local clusters on one machine: each says its dashboard took another port
    warnings.filterwarnings("ignore", message="Port .* is already in use")
    if spec == "local" or spec.startswith("local:"):
        count = spec.partition(":")[2]
        if count and (not count.isdigit() or int(count) < 1):
            raise UsageError(f'--dask "{spec}": N of local:N must be a number of workers')
        n = int(count or os.cpu_count() or 1)
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.CRITICAL)
        return Client(cluster)
    return Client(spec)


def _first_ts(files: list[str]) -> int | None:
    """The first record's timestamp of the first file that has one (of a URL, read
    from its first megabyte)."""
    import tempfile

    from captures import CaptureError, open_capture

    for f in files:
        with tempfile.TemporaryDirectory(prefix="labshark-") as d:
            local = f
            if "://" in f:
                import fsspec

                local = os.path.join(d, "head")
                with fsspec.open(f, "rb") as src, open(local, "wb") as dst:
                    dst.write(src.read(1 << 20))
            try:
                reader = open_capture(local)
                try:
                    for frame in reader:
                        return frame.ts_ns
                finally:
                    reader.close()
            except CaptureError:
                continue
    return None


def run(opts: Any, argv: list[str], out: TextIO, err: TextIO, command: Command) -> int:
    """The --dask run (see the module docstring); analyze's exit status. `command` is
    `analyze` itself (analyzer.app.run, given by the caller so that this package never
    imports the command line), what a worker runs on each file."""
    path = opts.read_file or opts.file
    if not path:
        raise UsageError("no capture file given (analyze --dask SPEC -r FILE_OR_GLOB)")
    _check(opts)
    if not opts.export and (opts.output == "fields" or opts.fields):
        from analyzer.setup import build_fields_printer

        build_fields_printer(opts)  # tshark's -T/-e checks, before any task starts
    if opts.filter:
        from analyzer.setup import _compile_filter

        _compile_filter(opts.filter, False, out)
    files = _inputs(path)
    for d in (opts.write, opts.export[1] if opts.export else None):
        if d:
            os.makedirs(d, exist_ok=True)
    # like analyze: --export writes the table and prints no packets
    export_dir = opts.export[1] if opts.export else None
    spec = RunSpec(_shared_argv(argv, opts), tuple(opts.stats),
                   not opts.quiet and not opts.export, None if opts.export else opts.write,
                   export_dir, tuple(opts.fields), command=command)
    mode = "files"
    merge = bool(getattr(opts, "dask_merge", False))
    if merge or (opts.dask_split and len(files) == 1):
        from analyzer.scale.split_policy import needs_partitions, partition_refusals

        mode = "parts" if merge or needs_partitions(opts) else "split"
        if mode == "parts" and (bad := partition_refusals(opts)):
            raise UsageError("--dask-split runs the per-packet outputs of -T fields (or -q) "
                             "and the mergeable -z; not: " + ", ".join(bad))
    client = _client(opts.dask)
    try:
        results: list[Any] | None = None
        if mode == "split":
            from analyzer.scale.split_run import run_split

            results = run_split(client, files[0], int(opts.dask_split * 1e6), spec, out, err)
        elif mode == "parts":
            results = _run_parts(client, files, opts, spec, out, err, merge)
        if results is None:  # not splittable: one task reads it whole
            mode = "files"
            results = _run_files(client, files, spec, out, err)
    finally:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None:
            cluster.close()
    return _finish(opts, results, out, err, mode)


def _run_parts(client: Any, files: list[str], opts: Any, spec: RunSpec, out: TextIO,
               err: TextIO, merge: bool) -> list[Any] | None:
    from analyzer.scale.chunks import layout
    from analyzer.scale.partition_run import run_partitioned

    lays = [layout(f) for f in files]
    if any(lay is None for lay in lays):
        if merge:
            bad = next(f for f, lay in zip(files, lays, strict=True) if lay is None)
            raise UsageError(f'--merge: "{bad}" is not a local, uncompressed pcap or pcapng')
        return None
    preamble = ""
    if spec.packets:
        from analyzer.setup import build_fields_printer

        preamble = build_fields_printer(opts).preamble()
    size = int(opts.dask_split * 1e6) if opts.dask_split else 1 << 62
    return run_partitioned(client, [lay for lay in lays if lay is not None], size, spec,
                           preamble, out, err, merge)


def _run_files(client: Any, files: list[str], spec: RunSpec, out: TextIO,
               err: TextIO) -> list[Result]:
    if spec.stats:
        spec = replace(spec, first_ts=_first_ts(files))
    futures = [client.submit(file_task, i, f, spec, pure=False, retries=2)
               for i, f in enumerate(files)]
    return collect(futures, "files", out, err)


def _finish(opts: Any, results: list[Result], out: TextIO, err: TextIO,
            mode: str = "files") -> int:
    """The merged -z reports, then one line per damaged input; the exit status.
    `mode`: "files" (in order), "split" (stateless chunks in order), "parts"
    (partitions by conversation, interleaved in frame order)."""
    code = EXIT_OK
    split = mode == "split"
    if split:
        from analyzer.scale.split_policy import orphan_problem

        orphans = orphan_problem(set().union(*(r.notes for r in results)))
        if orphans:
            err.write(f"analyze: --dask-split: frames {orphans} are IP fragments of "
                      "datagrams begun in the chunk before, whose reassembly needs both; "
                      "the output above is not exact: run without --dask-split\n")
            return 2
    if opts.stats:
        from analyzer.setup import prepare_taps, report_taps

        prepared = prepare_taps(opts, out)
        if isinstance(prepared, int):
            return prepared
        taps = prepared[0]
        acc = [(kind.prefix, group) for kind, group in taps]
        try:
            if mode == "parts":
                from analyzer.scale.ordered_merge import merge_ordered

                merge_ordered(acc, [r.taps for r in results if r.taps is not None])
            else:
                for n, res in enumerate(results):
                    if res.taps is not None:
                        merge_into(acc, res.taps, n)
        except MergeError as e:
            err.write(f"analyze: {e}\n")
            return 2
        from analyzer.scale.split_policy import phs_problem

        notes = set().union(*(r.notes for r in results))
        problem = phs_problem(notes) if split and any(z.startswith("io,phs") for z in opts.stats) \
            else None
        if problem:
            err.write(f"analyze: --dask-split: -z io,phs is not exact here: {problem} "
                      "need the packets before each chunk; run without --dask-split\n")
            return 2
        report_taps(taps, opts, out)
    for res in results:
        if res.error:
            err.write(f"analyze: {res.error}\n")
        if res.code and code == EXIT_OK:
            code = res.code
    return code


__all__ = ["run"]
