"""Steps every way of reading a capture shares (file, live, export, the Python API)."""

from __future__ import annotations

from typing import Any

from dissectors import Session, dissect
from dissectors.frame import TIME_DELTA_DISP
from dissectors.packet import Packet


def second_pass_reader(reader: Any, session: Session, count: int | None = None) -> Any:
    """With -2: dissect the frames once (pass 1, up to `count`), then return a fresh
    reader of the same input for pass 2; the session keeps what pass 1 learnt."""
    for n, frame in enumerate(reader, 1):
        dissect(frame, session)
        if count and n >= count:
            break
    session.start_second_pass()
    again = reader.reopen()
    reader.close()
    return again


def mark_displayed(pkt: Packet, prev_disp: int | None) -> int:
    """Fill frame.time_delta_displayed of a shown packet; returns its time for the next."""
    ts = pkt.frame.ts_ns
    pkt.delta_disp_ns = 0 if prev_disp is None else ts - prev_disp
    for item in pkt.index.get(TIME_DELTA_DISP.abbrev, ()):
        item.value = pkt.delta_disp_ns
    return ts


__all__ = ["second_pass_reader", "mark_displayed"]
