"""Task results back in capture order, each printed as soon as those before it are,
with a progress line on stderr per batch of finished tasks."""

from __future__ import annotations

from typing import Any, TextIO

from analyzer.scale.tasks import Result


def collect(futures: list[Any], what: str, out: TextIO, err: TextIO) -> list[Result]:
    """Results in order; each one's text printed as soon as those before it are; a
    progress line on stderr per batch of finished tasks."""
    from dask.distributed import as_completed

    done: dict[int, Result] = {}
    order = {f.key: i for i, f in enumerate(futures)}
    printed = 0
    total = len(futures)
    for batch in as_completed(futures, with_results=False).batches():
        for fut in batch:
            done[order[fut.key]] = fut.result()
        while printed < total and printed in done:
            res = done[printed]
            out.write(res.out)
            if res.err:
                err.write(res.err)
            printed += 1
        out.flush()
        err.write(f"analyze: --dask: {len(done)}/{total} {what} done\n")
        err.flush()
    return [done[i] for i in range(total)]


__all__ = ["collect"]
