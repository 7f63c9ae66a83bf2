"""What the --dask tests share: analyze in-process (the cluster fixtures, `scheduler` and
`kill_marker`, are in conftest.py)."""

from __future__ import annotations

import io

from analyzer.app import run


def analyze(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(args), out, err)
    return code, out.getvalue(), err.getvalue()
