"""Screenshots judged by content (mailproc.parse.attachments): the real-world corpus, then the cases it lacks."""
from __future__ import annotations

import io
import mimetypes
import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import PIL.Image
import pytest
from PIL import Image

from mailproc.defaults import (CORRUPT, EMPTY, REASONS, SPOOFED_EXTENSION, TOO_LARGE, TOO_MANY_PIXELS,
                               UNSUPPORTED_FORMAT, AttachmentLimits)
from mailproc.parse.attachments import Verdict, classify
from tests.corpus import CORPUS, corpus_rows, require_corpus

LIMITS = AttachmentLimits()
ACCEPTED_FORMATS = frozenset(LIMITS.accepted_formats)


def assert_consistent(v: Verdict) -> None:
    """What every verdict promises, whatever the file."""
    assert isinstance(v, Verdict)
    if v.accepted is None:
        assert v.reason == "" and not v.is_image
    elif v.accepted:
        assert v.reason == "" and v.is_image and v.detected_format in ACCEPTED_FORMATS
    else:
        assert v.reason in REASONS
    assert v.detail and "\n" not in v.detail


# ---------------------------------------------------------------- the corpus

IMAGES = corpus_rows("image")
# MANIFEST true_format -> detected_format
TRUE_FORMAT = {
    "JPEG": "jpeg", "JPEG (MPO)": "jpeg", "PNG": "png", "APNG": "png", "GIF87a": "gif", "GIF89a": "gif",
    "BMP": "bmp", "TIFF": "tiff", "BigTIFF": "tiff", "WebP": "webp", "HEIC": "heic", "AVIF": "avif",
    "AVIF-sequence": "avif", "SVG": "svg", "PDF": "pdf", "ICO": "ico", "PSD": "psd", "JPEG2000": "jpeg2000",
    "QOI": "qoi", "TGA": "tga", "DDS": "dds",
}
UNKNOWN = {None, "text"}  # MANIFEST "unknown/none": plain text, or bytes no signature matches


def corpus_verdict(row: dict) -> Verdict:
    name = row["path"].rpartition("/")[2]
    declared = mimetypes.guess_type(name)[0] or "application/octet-stream"  # what a mail client would declare
    return classify(name, declared, (CORPUS / row["path"]).read_bytes(), LIMITS)


@pytest.mark.parametrize("row", IMAGES, ids=[r["path"].removeprefix("images/") for r in IMAGES])
def test_corpus_image_is_classified_as_the_manifest_says(row):
    require_corpus()
    v = corpus_verdict(row)
    assert_consistent(v)
    true_format = row["true_format"]
    assert v.detected_format in (UNKNOWN if true_format == "unknown/none" else {TRUE_FORMAT[true_format]})
    expected = row["expected"]
    if expected.startswith("ACCEPT"):
        assert v.accepted is True, v.detail
    elif expected.startswith("REJECT"):
        # a PDF named .pdf is a document, not a rejected screenshot; every other row is an image
        assert v.accepted is (None if v.detected_format == "pdf" and not v.is_image else False), v.detail
    elif expected.startswith("content is an accepted format"):
        assert v.accepted is True, v.detail  # our documented choice: a valid image is accepted whatever its name
    # other rows ("decodes despite malformation", MPO, APNG) are a policy choice: consistent is enough
    if v.accepted is False and v.detected_format in ACCEPTED_FORMATS:
        folder = row["path"].split("/")[1]
        assert v.reason == {"bomb": TOO_MANY_PIXELS, "corrupt": CORRUPT}.get(folder, v.reason), v.detail


def test_corpus_present_or_skipped_with_reason():
    require_corpus()
    assert len(IMAGES) > 80


# ---------------------------------------------------------------- images made here

def picture(fmt: str, size: tuple[int, int] = (320, 200), **save) -> bytes:
    """A small real image: a gradient, so that compressed data is not trivially short."""
    im = Image.linear_gradient("L").resize(size).convert("RGB")
    out = io.BytesIO()
    im.save(out, fmt, **save)
    return out.getvalue()


def animation(fmt: str, frames: int = 3, size: tuple[int, int] = (64, 48)) -> bytes:
    images = [Image.new("RGB", size, (40 * i, 90, 200 - 40 * i)) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, fmt, save_all=True, append_images=images[1:], duration=100)
    return out.getvalue()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_bomb(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height gray pixels over one tiny IDAT; every CRC is right."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
            + png_chunk(b"IDAT", zlib.compress(b"\x00" * (width + 1))) + png_chunk(b"IEND", b""))


def gif_frame_beyond_screen() -> bytes:
    """A 10x10 GIF whose one frame declares 20000x20000 pixels (the logical screen says 10x10)."""
    return (b"GIF89a" + struct.pack("<HHBBB", 10, 10, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
            + b"," + struct.pack("<HHHHB", 0, 0, 20000, 20000, 0) + b"\x02\x02\x44\x01\x00;")


def heic() -> bytes:
    """What an iPhone sends: an ISO media file whose ftyp box names the brand heic."""
    return struct.pack(">I4s4sI", 24, b"ftyp", b"heic", 0) + b"mif1heic" + struct.pack(">I4s", 16, b"mdat") + bytes(8)


def minimal_pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def broken_idat_crc() -> bytes:
    data = bytearray(picture("PNG"))
    idat = data.index(b"IDAT")
    data[idat + 4 + 10] ^= 0xFF  # a pixel byte changed, the CRC not
    return bytes(data)


def cut(data: bytes, keep: float) -> bytes:
    return data[:int(len(data) * keep)]


@dataclass(frozen=True)
class Case:
    name: str
    filename: str
    declared: str
    data: Callable[[], bytes]
    accepted: bool | None
    reason: str = ""
    detected: str | None = None
    says: str = ""  # a part of the detail
    limits: AttachmentLimits = field(default=LIMITS)
    is_image: bool = True


ONE_MP = AttachmentLimits(max_pixels=1_000_000)
CASES = [
    Case("real PNG screenshot", "screen.png", "image/png", lambda: picture("PNG"), True, detected="png",
         says='"screen.png" is a valid PNG image'),
    Case("real JPEG photo", "photo.jpg", "image/jpeg", lambda: picture("JPEG"), True, detected="jpeg"),
    Case("progressive JPEG", "photo.jpeg", "image/jpeg", lambda: picture("JPEG", progressive=True), True,
         detected="jpeg"),
    Case("real GIF", "chart.gif", "image/gif", lambda: picture("GIF"), True, detected="gif"),
    Case("animated GIF, every frame decoded", "anim.gif", "image/gif", lambda: animation("GIF"), True,
         detected="gif"),
    Case("animated PNG, every frame decoded", "anim.png", "image/png", lambda: animation("PNG"), True,
         detected="png"),
    Case("PNG named .jpg is still a real PNG", "screen.jpg", "image/jpeg", lambda: picture("PNG"), True,
         detected="png", says='"screen.jpg" is a valid PNG image'),
    Case("JPEG with no name at all", "", "application/octet-stream", lambda: picture("JPEG"), True,
         detected="jpeg", says="The unnamed file is a valid JPG image"),
    Case("image exactly at the pixel limit", "big.png", "image/png", lambda: picture("PNG", (1000, 1000)), True,
         detected="png", limits=ONE_MP),

    Case("PNG cut in half", "screen.png", "image/png", lambda: cut(picture("PNG"), 0.5), False, CORRUPT, "png",
         '"screen.png" is truncated or damaged'),
    Case("PNG missing only its IEND chunk", "screen.png", "image/png", lambda: picture("PNG")[:-12], False,
         CORRUPT, "png"),
    Case("PNG with a pixel byte changed under its CRC", "screen.png", "image/png", broken_idat_crc, False,
         CORRUPT, "png"),
    Case("GIF cut in half", "chart.gif", "image/gif", lambda: cut(picture("GIF"), 0.5), False, CORRUPT, "gif"),
    Case("animated GIF cut in its last frame", "anim.gif", "image/gif", lambda: animation("GIF")[:-8], False,
         CORRUPT, "gif"),
    Case("JPEG cut at 90%", "photo.jpg", "image/jpeg", lambda: cut(picture("JPEG"), 0.9), False, CORRUPT, "jpeg"),
    Case("JPEG without its end marker", "photo.jpg", "image/jpeg", lambda: picture("JPEG")[:-2], False, CORRUPT,
         "jpeg"),
    Case("JPEG header only", "photo.jpg", "image/jpeg", lambda: picture("JPEG")[:200], False, CORRUPT, "jpeg"),

    Case("PNG pixel bomb 100000x100000 in a few hundred bytes", "bomb.png", "image/png",
         lambda: png_bomb(100_000, 100_000), False, TOO_MANY_PIXELS, "png"),
    Case("PNG above our limit but below the decoder's own", "huge.png", "image/png", lambda: png_bomb(9000, 8000),
         False, TOO_MANY_PIXELS, "png", '"huge.png" has too many pixels: 9000x8000, the limit is 64 million'),
    Case("image one row above the pixel limit", "big.png", "image/png", lambda: picture("PNG", (1000, 1001)),
         False, TOO_MANY_PIXELS, "png", limits=ONE_MP),
    Case("GIF frame far beyond its logical screen", "tiny.gif", "image/gif", gif_frame_beyond_screen, False,
         TOO_MANY_PIXELS, "gif", "has too many pixels: 20000x20000"),
    Case("animation over the pixel budget by its frame count", "anim.gif", "image/gif",
         lambda: animation("GIF", frames=5, size=(100, 100)), False, TOO_MANY_PIXELS, "gif",
         "5 frames of 100x100, the limit is 40,000", AttachmentLimits(max_pixels=40_000)),
    Case("animation over the frame limit", "anim.png", "image/png", lambda: animation("PNG", frames=5), False,
         TOO_MANY_PIXELS, "png", "has too many frames: 5, the limit is 4", AttachmentLimits(max_frames=4)),

    Case("zero bytes named .png", "screen.png", "image/png", lambda: b"", False, EMPTY, None,
         '"screen.png" is empty'),
    Case("zero bytes declared as an image, no name", "", "image/jpeg", lambda: b"", False, EMPTY),
    Case("zero-byte log file is no image", "app.log", "text/plain", lambda: b"", None, is_image=False),

    Case("BMP named .png", "file.png", "image/png", lambda: picture("BMP"), False, SPOOFED_EXTENSION, "bmp",
         '"file.png" is really a BMP image'),
    Case("HEIC named .jpg, as iPhones send", "IMG_0042.jpg", "image/jpeg", heic, False, SPOOFED_EXTENSION, "heic",
         '"IMG_0042.jpg" is really a HEIC image'),
    Case("HEIC named .heic", "IMG_0042.HEIC", "image/heic", heic, False, UNSUPPORTED_FORMAT, "heic",
         "is a HEIC image; only JPG, PNG and GIF are accepted"),
    Case("WebP", "shot.webp", "image/webp", lambda: picture("WEBP"), False, UNSUPPORTED_FORMAT, "webp",
         '"shot.webp" is a WebP image'),
    Case("WebP named .jpg", "shot.jpg", "image/jpeg", lambda: picture("WEBP"), False, SPOOFED_EXTENSION, "webp"),
    Case("TIFF declared as an image, no name", "", "image/tiff", lambda: picture("TIFF"), False,
         UNSUPPORTED_FORMAT, "tiff"),
    Case("GIF when the config accepts only JPG and PNG", "chart.gif", "image/gif", lambda: picture("GIF"), False,
         UNSUPPORTED_FORMAT, "gif", "only JPG and PNG are accepted",
         AttachmentLimits(accepted_formats=("jpeg", "png"))),
    Case("text named .png", "fake.png", "image/png", lambda: b"Not really a PNG\n", False, SPOOFED_EXTENSION,
         "text", '"fake.png" is really plain text, not an image'),
    Case("PDF named .png", "scan.png", "image/png", minimal_pdf, False, SPOOFED_EXTENSION, "pdf",
         "is really a PDF document"),
    Case("unrecognisable bytes declared as an image", "scan", "image/png", lambda: bytes(range(256)) * 4, False,
         UNSUPPORTED_FORMAT, None, "is not an image in a known format"),

    Case("PDF report is a document, not a screenshot", "report.pdf", "application/pdf", minimal_pdf, None,
         detected="pdf", says='"report.pdf" is a PDF document, not an image', is_image=False),
    Case("log file is not an image", "app.log", "text/plain", lambda: b"2026-11-28 ERROR login failed\n", None,
         detected="text", is_image=False),
    Case("image over the size limit is not decoded", "photo.png", "image/png", lambda: picture("PNG"), False,
         TOO_LARGE, "png", "bytes, the limit is 100 bytes", AttachmentLimits(max_file_bytes=100)),
    Case("any file over the size limit is rejected, not stored", "dump.zip", "application/zip",
         lambda: b"PK\x03\x04" + bytes(3 * 1024 * 1024 - 4), False, TOO_LARGE, None,
         '"dump.zip" is too large: 3 MB, the limit is 2 MB', AttachmentLimits(max_file_bytes=2 * 1024 * 1024),
         is_image=False),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_attachment_is_judged_by_content(case: Case):
    v = classify(case.filename, case.declared, case.data(), case.limits)
    assert_consistent(v)
    assert (v.accepted, v.reason, v.detected_format) == (case.accepted, case.reason, case.detected), v.detail
    assert v.is_image is case.is_image
    assert case.says in v.detail


class _AllocationLog:
    """Stands in for Pillow's C core and notes the size of every pixel buffer asked for."""

    def __init__(self, core):
        self._core, self.sizes = core, []

    def __getattr__(self, name):
        real = getattr(self._core, name)
        if name not in ("new", "fill"):
            return real

        def allocate(mode, size, *args):
            self.sizes.append(size)
            return real(mode, size, *args)
        return allocate


@pytest.fixture
def allocations(monkeypatch) -> _AllocationLog:
    log = _AllocationLog(PIL.Image.core)
    monkeypatch.setattr(PIL.Image, "core", log)
    return log


@pytest.mark.parametrize("data", [png_bomb(100_000, 100_000), png_bomb(9000, 8000), gif_frame_beyond_screen()],
                         ids=["PNG 100000x100000", "PNG 9000x8000", "GIF frame 20000x20000 on a 10x10 screen"])
def test_bombs_are_rejected_before_any_pixel_buffer_exists(allocations, data):
    assert classify("bomb", "image/png", data, LIMITS).reason == TOO_MANY_PIXELS
    assert allocations.sizes == []


def test_allocation_log_sees_a_real_decode(allocations):
    assert classify("ok.png", "image/png", picture("PNG"), LIMITS).accepted
    assert (320, 200) in allocations.sizes


@pytest.mark.parametrize("fmt", ["PNG", "GIF", "JPEG", "APNG"])
def test_damaged_images_never_raise(fmt):
    good = animation("PNG") if fmt == "APNG" else picture(fmt, (96, 64))
    rng = random.Random(fmt)  # the same damage on every run
    for _ in range(150):
        data = bytearray(good)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(8, len(data))] = rng.randrange(256)
        data = data[:rng.randrange(16, len(data) + 1)]
        v = classify("damaged." + fmt.lower(), "image/" + fmt.lower(), bytes(data), LIMITS)
        assert_consistent(v)
        assert v.is_image


@pytest.mark.parametrize("filename,shown", [
    ("C:\\Users\\ivan\\Desktop\\screen.png", '"screen.png"'),
    ("screen\r\n.png", '"screen .png"'),
    ("\u202egnp.exe", '"gnp.exe"'),
    ("a" * 100 + ".png", '"' + "a" * 28 + "…" + "a" * 27 + '.png"'),
], ids=["a Windows path: the name only", "line breaks", "a bidi override", "a very long name"])
def test_detail_shows_the_name_on_one_safe_line(filename, shown):
    assert classify(filename, "image/png", b"", LIMITS).detail == f"{shown} is empty (0 bytes)"


@pytest.mark.parametrize("kwargs", [{"accepted_formats": ("jpeg", "webp")}, {"accepted_formats": ["png"]},
                                    {"max_pixels": 0}, {"max_pixels": 10**9}, {"max_file_bytes": 0}],
                         ids=["webp cannot be judged", "formats as a list", "no pixels", "pixels above the ceiling",
                              "no bytes"])
def test_limits_refuse_what_cannot_be_honoured(kwargs):
    with pytest.raises(ValueError):
        AttachmentLimits(**kwargs)
