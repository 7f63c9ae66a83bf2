"""One large capture on Dask: plan chunks, survey them, run them (analyzer/scale/chunks.py
says how chunks are found and why frame numbers stay global). A run that prints only
the frame numbers a fast filter matches skips the survey: each chunk numbers its
matches from 1 and the client adds the counts of the chunks before."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TextIO

from analyzer.scale.chunks import Chunk, Layout, layout, plan
from analyzer.scale.collect import collect
from analyzer.scale.tasks import (
    Result,
    RunSpec,
    chunk_task,
    fast_chunk_task,
    fast_only,
    survey_task,
)


def run_split(client: Any, path: str, chunk_size: int, spec: RunSpec, out: TextIO,
              err: TextIO) -> list[Result] | None:
    """The chunk results in file order; None when the file is not split (compressed,
    several pcapng sections or interfaces defined mid-file, a damaged record)."""
    lay = layout(path)
    if lay is None:
        return None
    chunks = plan(lay, max(chunk_size, 1))
    if fast_only(spec):
        done = _run_fast(client, lay, chunks, spec, out, err)
        if done is not None:
            return done
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


def _run_fast(client: Any, lay: Layout, chunks: list[Chunk], spec: RunSpec, out: TextIO,
              err: TextIO) -> list[Result] | None:
    """A fast-only run in one stage: each chunk decides its records from 1 (no survey
    first), and the client numbers them after the counts of the chunks before. None
    when a chunk cannot (the two-stage run then does all)."""
    got = client.gather([client.submit(fast_chunk_task, lay, c, spec, pure=False, retries=2)
                         for c in chunks])
    if any(g is None for g in got):
        return None
    err.write(f"analyze: --dask: {len(chunks)}/{len(chunks)} chunks done\n")
    base, results = 0, []
    for c, (found, count) in zip(chunks, got, strict=True):
        text = "".join(f"{n + base}\n" for n in found)
        results.append(Result(c.index, lay.path, out=text, records=count))
        out.write(text)
        base += count
    err.write(f"analyze: --dask: {lay.path}: {len(chunks)} chunks, {base} records\n")
    return results


__all__ = ["run_split"]
