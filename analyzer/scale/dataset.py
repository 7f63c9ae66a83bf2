"""Captures as tables: `--export parquet DIR` with --dask (one file per input or
chunk) and `read_dataframe()`, a dask.dataframe of captures for notebooks.

Each row is a packet shown (after -Y): `source_file`, `frame.number`, `community_id`
(the flow key, analyzer/scale/flowid.py), then the chosen fields typed exactly as
`analyze --export parquet` types them (analyzer/export_table.py does the typing).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from analyzer.export_table import DEFAULT_FIELDS, _arrow_column, _values
from analyzer.scale.flowid import community_id

#: The columns every part starts with.
KEY_COLUMNS = ("source_file", "frame.number", "community_id")


def part_name(export_dir: str, index: int, source: str) -> str:
    """DIR/part-00012-NAME.parquet: sorted by name, the parts are in capture order."""
    base = os.path.basename(source)
    return os.path.join(export_dir, f"part-{index:05d}-{base}.parquet")


class RowTable:
    """Rows of one part, gathered packet by packet, written as one parquet file."""

    def __init__(self, opts: Any, source: str, fields: list[str] | None = None) -> None:
        from analyzer.options import parse_field_opts
        from analyzer.output.fields import FieldsPrinter

        self.source = source
        self.names = [n for n in (fields or list(getattr(opts, "fields", None) or ())
                                  or list(DEFAULT_FIELDS)) if n not in KEY_COLUMNS]
        fopts = parse_field_opts(getattr(opts, "field_opts", None) or [])
        fopts.update(separator="\t", quote="n", header="n", bom="n")
        self.printer = FieldsPrinter(self.names, fopts, getattr(opts, "time_format", "r"))
        self.numbers: list[int] = []
        self.flows: list[str | None] = []
        # the input of the packet being added, when a part holds several (files merged)
        self.source_of: Callable[[], str] | None = None
        self.sources: list[str] = []
        self.columns: list[list[list[Any]]] = [[] for _ in self.names]

    def add(self, pkt: Any) -> None:
        if self.source_of is not None:
            self.sources.append(self.source_of())
        self.numbers.append(pkt.frame.number)
        self.flows.append(community_id(pkt))
        for name, col in zip(self.names, self.columns, strict=True):
            col.append(_values(pkt, name, self.printer))

    def arrow(self) -> Any:
        import pyarrow as pa

        sources = self.sources if self.source_of is not None else \
            [self.source] * len(self.numbers)
        table = {"source_file": pa.array(sources, pa.string()),
                 "frame.number": pa.array(self.numbers, pa.int64()),
                 "community_id": pa.array(self.flows, pa.string())}
        for n, c in zip(self.names, self.columns, strict=True):
            table[n] = _arrow_column(pa, n, c)
        return pa.table(table)

    def write(self, path: str) -> int:
        """Write the part (atomically: a retried task leaves no half file); its rows."""
        import pyarrow.parquet as pq

        tmp = path + ".tmp"
        pq.write_table(self.arrow(), tmp)
        os.replace(tmp, path)
        return len(self.numbers)


def _partition(path: str, fields: list[str], display_filter: str | None) -> Any:
    """One capture as a pandas DataFrame (Arrow-backed dtypes, the same in every part)."""
    import pandas as pd

    from analyzer.api import Capture

    table = RowTable(None, path, fields)
    for p in Capture(path, display_filter):
        table.add(p._packet)  # noqa: SLF001 - the dissected packet behind the API's view
    return table.arrow().to_pandas(types_mapper=pd.ArrowDtype)


def read_dataframe(paths: str | list[str], fields: list[str] | None = None,
                   filter: str | None = None) -> Any:  # noqa: A002 - the API's word
    """Captures (a glob, a path or a list) as a lazy dask.dataframe, one partition per
    file: `source_file`, `frame.number`, `community_id` and `fields` (the export's
    defaults if None), rows of the packets `filter` shows. A field that occurs twice in
    some packet is a list column."""
    import glob

    import dask.dataframe as dd

    from analyzer.output.fields import valid_field

    files = sorted(glob.glob(paths)) if isinstance(paths, str) else list(paths)
    if not files:
        raise FileNotFoundError(f"no capture matches {paths!r}")
    names = list(fields or DEFAULT_FIELDS)
    if bad := [f for f in names if not valid_field(f)]:
        raise ValueError("Some fields aren't valid: " + ", ".join(bad))
    if filter:
        from filters import compile_filter

        compile_filter(filter)  # a bad filter fails here, not in a worker
    meta = _partition_meta(names)
    return dd.from_map(_partition, files, fields=names, display_filter=filter, meta=meta,
                       enforce_metadata=False)


def _partition_meta(names: list[str]) -> Any:
    import pandas as pd

    table = RowTable(None, "", names)
    return table.arrow().to_pandas(types_mapper=pd.ArrowDtype)


__all__ = ["RowTable", "part_name", "read_dataframe", "KEY_COLUMNS"]
