"""Scale-out on Dask: `analyze --dask` (cli.py) and captures as a dask.dataframe.

    from analyzer.scale import read_dataframe
    df = read_dataframe("captures/*.pcap", fields=["ip.src", "udp.dstport"], filter="udp")
    df.groupby("ip.src").size().compute()

Needs the `scale` extra (dask[distributed,dataframe], communityid). Nothing outside
this package imports it, except `analyze` when --dask is given.
"""

from __future__ import annotations

from typing import Any


def read_dataframe(paths: str | list[str], fields: list[str] | None = None,
                   filter: str | None = None) -> Any:  # noqa: A002 - the API's word
    """Captures as a lazy dask.dataframe, one partition per file (see dataset.py)."""
    from analyzer.scale.dataset import read_dataframe as _read

    return _read(paths, fields=fields, filter=filter)


__all__ = ["read_dataframe"]
