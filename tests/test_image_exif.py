"""Exif APP1 segments of JPEG bodies (image-jfif's TIFF header and IFD chains) against
tshark 4.0 live: both byte orders, IFD0/Exif/GPS/IFD1 with every value type inline and
out of line, APP1 before or after the JFIF APP0, and the bogus offsets, bad byte order and
cut directories tshark reports or trips over."""

from __future__ import annotations

import random
from pathlib import Path

import image_gen
import pytest
from diffutil import assert_like_tshark, compare_fields, run_analyze

from dissectors.frame import FULL_TREE_ENV

pytestmark = pytest.mark.tshark

FIELDS = [
    "_ws.col.Info", "image-jfif.identifier", "image-jfif.endianness",
    "image-jfif.start_ifd_offset", "image-jfif.next_ifd_offset", "image-jfif.ifd.num_fields",
    "image-jfif.ifd.tag", "image-jfif.ifd.tag_exif", "image-jfif.ifd.tag_gps",
    "image-jfif.ifd.type", "image-jfif.ifd.count", "image-jfif.ifd.offset",
    "image-jfif.ifd.value_byte", "image-jfif.ifd.value_ascii", "image-jfif.ifd.value_short",
    "image-jfif.ifd.value_long", "image-jfif.ifd.value_rational.numerator",
    "image-jfif.ifd.value_rational.denominator", "image-jfif.ifd.value_undefined",
    "image-jfif.ifd.value_slong", "image-jfif.ifd.value_srational.numerator",
    "image-jfif.app0-identifier-not-jfif", "image-jfif.start_ifd_offset.invalid",
    "image-jfif.next_ifd_offset.invalid", "image-jfif.ifd_value_offset.invalid",
    "image-jfif.marker", "_ws.malformed", "_ws.expert.message",
]


@pytest.fixture(scope="module")
def cap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return image_gen.http_capture(tmp_path_factory.mktemp("exif") / "exif.pcap",
                                  image_gen.exif_images())


@pytest.mark.parametrize("args", [[], ["-V"], ["-x"], ["-T", "json"], ["-2", "-V"],
                                  ["-Y", "image-jfif.ifd.tag_gps"],
                                  ["-Y", 'image-jfif.ifd.value_ascii contains "EOS"'],
                                  ["-q", "-z", "expert"], ["-q", "-z", "io,phs"]],
                         ids=lambda a: " ".join(a) or "list")
def test_like_tshark(cap: Path, args: list[str]) -> None:
    assert_like_tshark(["-r", str(cap), *args], nonempty=True)


def test_fields_like_tshark(cap: Path) -> None:
    assert compare_fields(cap, FIELDS) == []


def test_directories_are_decoded(cap: Path) -> None:
    """The first image: IFD0 (its inline Software string first), the Exif and GPS IFDs."""
    rc, out, _ = run_analyze(["-r", str(cap), "-Y", "frame.number == 4", "-T", "fields",
                              "-E", "occurrence=f", "-e", "image-jfif.ifd.value_ascii",
                              "-e", "image-jfif.ifd.tag_exif", "-e", "image-jfif.ifd.tag_gps"])
    assert rc == 0
    assert out.strip() == "GIM\t33434\t0"  # (inline values come first)


@pytest.mark.parametrize("args", [["-T", "fields", "-e", "_ws.col.Info", "-e",
                                   "image-jfif.ifd.tag"], ["-q", "-z", "expert"]])
def test_treeless_equals_full_tree(cap: Path, args: list[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    full = ["-r", str(cap), *args]
    monkeypatch.delenv(FULL_TREE_ENV, raising=False)
    treeless = run_analyze(full)
    monkeypatch.setenv(FULL_TREE_ENV, "1")
    assert run_analyze(full) == treeless


def test_hostile_exif_never_raises(tmp_path: Path) -> None:
    """Random TIFF data in both byte orders: dissected (at worst malformed), bounded."""
    rng = random.Random(18)
    bodies = [("image/jpeg", image_gen.exif_jpeg(
        order + bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))))
        for _ in range(25) for order in (b"II*\0\x08\0\0\0", b"MM\0*\0\0\0\x08")]
    cap = image_gen.http_capture(tmp_path / "hostile.pcap", bodies)
    for args in ([], ["-V"]):
        rc, out, err = run_analyze(["-r", str(cap), *args])
        assert rc == 0 and "Traceback" not in err and out, err
