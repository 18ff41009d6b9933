"""Decoding every format and mode once, and skipping every kind of bad file with its reason."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from weakspot._errors import ImageError, InputError
from weakspot.features.images import extract_image_features, load_images_source
from weakspot.features.images._decode import (
    THUMB_SIDE,
    DecodeFailure,
    _read_fd,
    decode_bytes,
    hash_inputs,
    read_file,
)


def run(paths, **kwargs):
    kwargs.setdefault("embed", None)
    return extract_image_features([str(p) for p in paths], **kwargs)


@pytest.mark.parametrize(
    ("suffix", "mode"),
    [
        (".png", "RGB"),
        (".png", "RGBA"),
        (".png", "L"),
        (".png", "P"),
        (".png", "I;16"),
        (".jpg", "RGB"),
        (".jpg", "L"),
        (".bmp", "RGB"),
        (".tiff", "RGB"),
        (".webp", "RGB"),
        (".gif", "P"),
    ],
)
def test_formats_and_modes_decode_to_the_same_brightness(tmp_path, photo, suffix, mode):
    grey = Image.fromarray(photo).convert("L")
    if mode == "I;16":
        im = Image.fromarray(np.asarray(grey).astype(np.uint16) * 257)
    elif mode == "L":
        im = grey
    else:
        im = Image.fromarray(photo).convert(mode)
    path = tmp_path / f"img{suffix}"
    im.save(path)
    p = run([path]).properties.iloc[0]
    expected = np.asarray(Image.fromarray(photo).convert("L")).mean() / 255
    assert p["brightness"] == pytest.approx(expected, abs=0.03)
    assert (p["width"], p["height"]) == (128, 96)
    assert p["file_size"] == path.stat().st_size


def test_gif_first_frame_is_used(tmp_path):
    frames = [Image.new("L", (20, 20), 0), Image.new("L", (20, 20), 255)]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    assert run([path]).properties.loc[0, "brightness"] == pytest.approx(0.0, abs=0.01)


def test_rgba_transparency_share(tmp_path):
    rgba = np.zeros((10, 10, 4), dtype=np.uint8)
    rgba[:, :4, 3] = 255
    path = tmp_path / "a.png"
    Image.fromarray(rgba).save(path)
    assert run([path]).properties.loc[0, "transparent_share"] == pytest.approx(0.6)


def test_exif_orientation_is_applied(tmp_path):
    im = Image.new("L", (60, 20), 0)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    path = tmp_path / "rotated.jpg"
    im.save(path, exif=exif)
    p = run([path]).properties.iloc[0]
    assert (p["width"], p["height"]) == (20, 60)


@pytest.mark.parametrize("quality", [30, 60, 75, 90])
def test_jpeg_quality_is_estimated_from_quantisation_tables(tmp_path, photo, quality):
    path = tmp_path / "q.jpg"
    Image.fromarray(photo).save(path, quality=quality)
    assert run([path]).properties.loc[0, "jpeg_quality"] == pytest.approx(quality, abs=2)


def test_large_jpeg_is_decoded_in_draft_mode(photo):
    import io

    buffer = io.BytesIO()
    Image.fromarray(photo).resize((2048, 1536)).save(buffer, format="JPEG")
    decoded = decode_bytes(buffer.getvalue(), net_size=None)
    assert max(decoded.thumb.shape[:2]) == THUMB_SIDE
    assert (decoded.meta["width"], decoded.meta["height"]) == (2048, 1536)


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))


def _bad_files(tmp_path: Path, photo: np.ndarray) -> dict[str, tuple[Path, str]]:
    good = tmp_path / "good.png"
    Image.fromarray(photo).save(good)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    text = tmp_path / "notes.jpg"
    text.write_text("this is not an image")
    truncated = tmp_path / "cut.png"
    truncated.write_bytes(good.read_bytes()[:300])
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header_only(30_000, 30_000))
    return {
        "missing": (tmp_path / "nope.png", "missing file"),
        "empty": (empty, "empty file"),
        "non-image": (text, "not an image"),
        "truncated": (truncated, "truncated or corrupt"),
        "bomb": (bomb, "decompression bomb"),
    }


def test_every_bad_file_is_skipped_with_its_reason(tmp_path, photo):
    bad = _bad_files(tmp_path, photo)
    goods = []
    for i in range(20):
        path = tmp_path / f"g{i}.png"
        Image.fromarray(np.roll(photo, i, axis=1)).save(path)
        goods.append(path)
    paths = goods[:10] + [p for p, _ in bad.values()] + goods[10:]
    with pytest.warns(UserWarning, match="5 of 25 images were skipped"):
        result = run(paths, max_failed_share=0.25)
    reasons = {s["path"]: s["reason"] for s in result.skipped}
    for kind, (path, reason) in bad.items():
        assert reason in reasons[str(path)], kind
    assert [s["index"] for s in result.skipped] == list(range(10, 15))
    assert len(result.properties) == 25
    assert result.properties.iloc[10:15].isna().all().all()
    assert (
        result.properties.drop(columns=["file_size", "jpeg_quality", "dominant_hue"])
        .iloc[:10]
        .notna()
        .all()
        .all()
    )
    assert not result.flags.iloc[10:15].any().any()


def test_too_many_failures_raise_image_error(tmp_path, photo):
    bad = [p for p, _ in _bad_files(tmp_path, photo).values()]
    with pytest.raises(ImageError, match="could not be read, more than max_failed_share=0.2"):
        run([tmp_path / "good.png"] + bad)


def test_invalid_inputs_are_rejected_with_a_fix():
    with pytest.raises(InputError, match="Reshape it"):
        extract_image_features(np.zeros((4, 5)), embed=None)
    with pytest.raises(InputError, match="No images were given"):
        extract_image_features([], embed=None)
    with pytest.raises(InputError, match="is one path"):
        extract_image_features("folder", embed=None)
    with pytest.raises(InputError, match="labels has 1 entries but there are 2 images"):
        extract_image_features(np.zeros((2, 8, 8)), embed=None, labels=[1])


def test_load_images_source_reads_an_image_folder(tmp_path, photo):
    for label in ("cat", "dog"):
        (tmp_path / label / "sub").mkdir(parents=True)
        Image.fromarray(photo).save(tmp_path / label / "a.png")
        Image.fromarray(photo).save(tmp_path / label / "sub" / "b.JPG")
    (tmp_path / "cat" / "readme.txt").write_text("not an image")
    frame = load_images_source(tmp_path)
    assert list(frame.columns) == ["path", "label", "id"]
    assert frame["id"].tolist() == ["cat/a.png", "cat/sub/b.JPG", "dog/a.png", "dog/sub/b.JPG"]
    assert frame["label"].tolist() == ["cat", "cat", "dog", "dog"]
    assert all(Path(p).is_absolute() and Path(p).exists() for p in frame["path"])


def test_load_images_source_errors(tmp_path):
    with pytest.raises(InputError, match="does not exist or is not a folder"):
        load_images_source(tmp_path / "absent")
    with pytest.raises(InputError, match="No image files"):
        load_images_source(tmp_path)


@pytest.mark.parametrize("channels", [None, 3])
def test_hash_inputs_are_pillows_grey_32_by_32_pixels(channels):
    rng = np.random.default_rng(0)
    for h in range(1, 65, 3):
        for w in range(1, 65, 2):
            shape = (2, h, w) if channels is None else (2, h, w, channels)
            stack = rng.integers(0, 256, shape, dtype=np.uint8)
            stack[1] = np.clip(np.cumsum(rng.integers(-4, 5, shape[1:]), axis=0) + 128, 0, 255)
            expected = [
                np.asarray(
                    Image.fromarray(x).convert("L").resize((32, 32), Image.Resampling.BILINEAR)
                )
                for x in stack
            ]
            np.testing.assert_array_equal(
                hash_inputs(stack), np.stack(expected), err_msg=f"{h}x{w}"
            )


def test_read_file_returns_the_exact_bytes_of_small_and_large_files(tmp_path):
    rng = np.random.default_rng(0)
    for size in (1, 757, 3 * (1 << 20) + 5):
        data = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
        (tmp_path / f"{size}.bin").write_bytes(data)
        assert read_file(tmp_path / f"{size}.bin") == data
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(DecodeFailure, match="empty file"):
        read_file(tmp_path / "empty.png")


def test_a_file_larger_than_its_size_at_open_is_read_to_its_end_or_the_limit(tmp_path):
    """A file that grew after fstat: the reads go on past the size seen, up to the limit."""
    data = bytes(range(256)) * 9000  # 2.2 MiB
    path = tmp_path / "grown.bin"
    path.write_bytes(data)
    for limit, expected in ((len(data) + 1, data), (1_000_001, data[:1_000_001])):
        fd = os.open(path, os.O_RDONLY)
        try:
            assert _read_fd(fd, 100, limit) == expected
        finally:
            os.close(fd)


def test_hash_inputs_of_every_thumbnail_shape_above_32_pixels_are_pillows():
    # every shape a thumbnail larger than 32 pixels on both sides can have (33-64 a side), where
    # the pass order is read off Pillow; on smooth pixels, whose rounding differs from noise's
    rng = np.random.default_rng(1)
    for h in range(33, 65):
        for w in range(33, 65):
            stack = np.clip(np.cumsum(rng.integers(-6, 7, (3, h, w)), axis=2) + 128, 0, 255)
            stack = stack.astype(np.uint8)
            expected = [
                np.asarray(Image.fromarray(x).resize((32, 32), Image.BILINEAR)) for x in stack
            ]
            np.testing.assert_array_equal(
                hash_inputs(stack), np.stack(expected), err_msg=f"{h}x{w}"
            )
