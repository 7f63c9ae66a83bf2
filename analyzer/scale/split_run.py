"""One large capture on Dask: plan chunks, survey them, run them (analyzer/scale/chunks.py
says how chunks are found and why frame numbers stay global)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TextIO

from analyzer.scale.chunks import layout, plan
from analyzer.scale.collect import collect
from analyzer.scale.tasks import Result, RunSpec, chunk_task, survey_task


def run_split(client: Any, path: str, chunk_size: int, spec: RunSpec, out: TextIO,
              err: TextIO) -> list[Result] | None:
    """The chunk results in file order; None when the file is not split (compressed,
    several pcapng sections or interfaces defined mid-file, a damaged record)."""
    lay = layout(path)
    if lay is None:
        return None
    chunks = plan(lay, max(chunk_size, 1))
    futures = [client.submit(survey_task, lay, c, pure=False, retries=2) for c in chunks]
    chunks = client.gather(futures)
    if any(c.new_section or c.context or c.damaged for c in chunks):
        return None  # one task reads it whole (and reports a damage with its position)
    first_ts = next((c.first_ts for c in chunks if c.first_ts is not None), None)
    spec = replace(spec, first_ts=first_ts)
    base, prev_ts = 0, None
    tasks = []
    for c in chunks:
        tasks.append(client.submit(chunk_task, lay, c, base, prev_ts, spec, pure=False,
                                   retries=2))
        base += c.records
        if c.last_ts is not None:
            prev_ts = c.last_ts
    err.write(f"analyze: --dask: {path}: {len(chunks)} chunks, {base} records\n")
    return collect(tasks, "chunks", out, err)


__all__ = ["run_split"]
