"""HTTP bodies by image media type (image-gif, png, image-jfif) against tshark 4.0 live:
GIF87a/89a with extensions, local colour maps and unknown blocks, PNG with its common
chunks, JFIF with every marker name, APP1/APP2 identifiers, entropy-coded data, bodies
cut short and bodies tshark refuses (shown as media with HTTP's note)."""

from __future__ import annotations

from pathlib import Path

import image_gen
import pytest
from diffutil import assert_like_tshark, compare_fields, run_analyze

from dissectors.frame import FULL_TREE_ENV

pytestmark = pytest.mark.tshark

FIELDS = [
    "frame.protocols", "_ws.col.Info", "_ws.col.Protocol", "http.subdissector_failed",
    "media.type", "image-gif.version", "image-gif.screen.width", "image-gif.global.bpp",
    "image-gif.global.color_bpp", "image-gif.global.pixel_aspect_ratio",
    "image-gif.global.color_map", "image-gif.local.color_map", "image-gif.extension.label",
    "image-gif.image.code_size", "image-gif.data_block", "image-gif.end",
    "gif.data_block_type.unknown", "png.signature", "png.chunk.type", "png.chunk.len",
    "png.chunk.crc", "png.chunk.flag.ancillary", "png.ihdr.width", "png.ihdr.colour_type",
    "png.text.keyword", "png.text.string", "png.time.year", "png.phys.unit", "png.bkgd.red",
    "png.gama.gamma", "image-jfif.marker", "image-jfif.length", "image-jfif.identifier",
    "image-jfif.units", "image-jfif.Xdensity", "image-jfif.comment", "image-jfif.sof.lines",
    "image-jfif.sof.h_i", "image-jfif.sos.component_selector", "image-jfif.sos.se",
    "image-jfif.remain_seg_data", "image-jfif.entropy_coded_segment", "_ws.malformed",
    "_ws.expert.message",
]


@pytest.fixture(scope="module")
def cap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return image_gen.http_capture(tmp_path_factory.mktemp("img") / "images.pcap",
                                  image_gen.all_images())


@pytest.mark.parametrize("args", [[], ["-V"], ["-x"], ["-T", "json"], ["-2", "-V"],
                                  ["-Y", "png.chunk.type == \"tEXt\""],
                                  ["-Y", "image-gif || image-jfif.marker == 0xffd9"],
                                  ["-q", "-z", "io,phs"], ["-q", "-z", "expert"]],
                         ids=lambda a: " ".join(a) or "list")
def test_like_tshark(cap: Path, args: list[str]) -> None:
    assert_like_tshark(["-r", str(cap), *args], nonempty=True)


def test_fields_like_tshark(cap: Path) -> None:
    assert compare_fields(cap, FIELDS) == []


def test_infos_name_the_images(cap: Path) -> None:
    rc, out, _ = run_analyze(["-r", str(cap), "-Y", "http.response", "-T", "fields", "-e",
                              "_ws.col.Info"])
    assert rc == 0
    assert out.split("\n")[:5] == ["HTTP/1.1 200 OK  (GIF89a)", "HTTP/1.1 200 OK  (GIF87a)",
                                   "HTTP/1.1 200 OK  (PNG)", "HTTP/1.1 200 OK  (PNG)",
                                   "HTTP/1.1 200 OK  (JPEG JFIF image)"]


@pytest.mark.parametrize("args", [[], ["-T", "fields", "-e", "_ws.col.Info", "-e",
                                       "png.chunk.type", "-e", "image-gif.data_block"],
                                  ["-q", "-z", "expert"]])
def test_treeless_equals_full_tree(cap: Path, args: list[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    full = ["-r", str(cap), *args]
    monkeypatch.delenv(FULL_TREE_ENV, raising=False)
    treeless = run_analyze(full)
    monkeypatch.setenv(FULL_TREE_ENV, "1")
    assert run_analyze(full) == treeless


def test_hostile_images_never_raise(tmp_path: Path) -> None:
    """Random bytes behind each signature: dissected (at worst malformed), bounded."""
    import random

    rng = random.Random(18)
    heads = [b"GIF89a", b"\x89PNG\r\n\x1a\n", b"\xff\xd8"]
    bodies = [(ct, head + bytes(rng.randrange(256) for _ in range(rng.randrange(14, 300))))
              for _ in range(20)
              for ct, head in zip(("image/gif", "image/png", "image/jpeg"), heads, strict=True)]
    cap = image_gen.http_capture(tmp_path / "hostile.pcap", bodies)
    for args in ([], ["-V"]):
        rc, out, err = run_analyze(["-r", str(cap), *args])
        assert rc == 0 and "Traceback" not in err and out
