"""Reading must stream: memory stays flat however many packets the file holds."""

from __future__ import annotations

import gzip
import struct
import tracemalloc
from pathlib import Path

import pytest

from captures import Frame, open_capture, open_writer

LIMIT = 8 << 20  # a few 1 MiB chunks; every file below is 2x-3x bigger


def packet(i: int, size: int) -> bytes:
    return bytes([i & 0xFF]) * (size + i % 64)


def big_pcap(path: Path, count: int, size: int) -> None:
    records = []
    for i in range(count):
        data = packet(i, size)
        records.append(struct.pack("<IIII", i, 0, len(data), len(data)) + data)
    head = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    path.write_bytes(head + b"".join(records))


def big_pcapng(path: Path, count: int, size: int) -> None:
    with open_writer(path) as w:
        for i in range(count):
            data = packet(i, size)
            w.write(Frame(i + 1, i * 1000, 6, len(data), len(data), 1, 0, data))


def peak_while_reading(path: Path) -> tuple[int, int, int]:
    tracemalloc.start()
    try:
        count = total = 0
        with open_capture(path) as cap:
            for frame in cap:
                count += 1
                total += frame.caplen
        return count, total, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# tracemalloc slows reading ~20x, so the pcapng and gzip files use fewer, larger
# packets; the plain pcap one has the 200k packets.
@pytest.mark.parametrize(
    ("kind", "count", "size"),
    [("pcap", 200_000, 60), ("pcapng", 40_000, 500), ("gzip", 40_000, 500)],
)
def test_memory_stays_flat(tmp_path: Path, kind: str, count: int, size: int) -> None:
    path = tmp_path / "big"
    if kind == "pcapng":
        big_pcapng(path, count, size)
    else:
        big_pcap(path, count, size)
    file_size = path.stat().st_size
    if kind == "gzip":
        gz = tmp_path / "big.gz"
        gz.write_bytes(gzip.compress(path.read_bytes(), compresslevel=1))
        path = gz
    got, total, peak = peak_while_reading(path)
    assert got == count
    assert total == sum(size + i % 64 for i in range(count))
    assert file_size > 2 * LIMIT
    assert peak < LIMIT, f"peak {peak} bytes while reading a {file_size}-byte file"
