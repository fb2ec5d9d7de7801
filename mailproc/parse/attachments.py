"""§4.2 — screenshots are accepted only as real JPG, GIF or PNG, judged by their CONTENT.

Pure: ``classify`` takes an attachment's name, declared MIME type and bytes and
returns a ``Verdict``; no file, network or clock is touched (the bytes are
decoded in memory with Pillow; the only process state it touches is the
warnings filter, inside ``warnings.catch_warnings``).

How one attachment is judged, in order:

1. More than ``limits.max_file_bytes`` -> ``too_large``, not decoded at all. This
   holds for every file, image or not: an oversized part is rejected, not stored.
2. Is it image-like? Yes when its content sniffs as an image format, when the
   declared type is ``image/*`` or when the extension names an image format
   (``.jpg``, ``.heic``, ``.webp`` …). Other files (logs, PDFs, documents) get
   ``is_image=False`` and ``accepted=None``: there is nothing to judge.
3. Zero bytes -> ``empty``.
4. The format is sniffed from the first bytes (``sniff``), never taken from the
   name or the declared type. Content that is not an accepted format is rejected
   without being decoded (less attack surface): ``spoofed_extension`` when the
   extension claims an accepted format ("IMG_0042.jpg" holding a HEIC, "file.png"
   holding a BMP, text or a PDF), otherwise ``unsupported_format``.
5. Content that IS an accepted format is judged as that format whatever the name
   says. A PNG named ``.jpg`` (or ``.heic``, or with no extension) is a perfectly
   good screenshot: it is accepted and ``detected_format`` stays ``"png"``. The
   name is never trusted, but it is not held against a valid image either.
6. An accepted format must decode FULLY with Pillow: every frame of an animated
   GIF/APNG, every picture of a JPEG MPO. Whatever Pillow refuses is ``corrupt``:
   magic bytes alone would accept a truncated file. Before Pillow, a walk over
   the file's blocks (``_check_gif``/``_check_png``/``_check_jpeg``) rejects what
   Pillow would let through or pay dearly for: a PNG cut in its last bytes, a
   broken CRC in a critical PNG chunk, a block cut off, millions of tiny blocks.
7. Pixel budget (``too_many_pixels``): width x height x frames must stay within
   ``limits.max_pixels`` and frames within ``limits.max_frames``, checked BEFORE
   any pixel buffer exists. GIF frames may reach beyond the logical screen, and
   Pillow then grows the canvas, so a GIF's frame descriptors are all read first
   and the grown canvas is checked; for PNG and JPEG the sizes come from the
   headers ``Image.open`` reads, and each frame's size is checked again before
   it is loaded. Pillow's ``DecompressionBombWarning`` is an error as a second
   line of defence.

``classify`` never raises: a hostile file becomes a verdict, not an exception
that would quarantine the client's whole mail.
"""
from __future__ import annotations

import dataclasses
import io
import re
import struct
import warnings
import zlib

from PIL import Image

from mailproc.defaults import (ACCEPTED, CORRUPT, EMPTY, SPOOFED_EXTENSION, TOO_LARGE, TOO_MANY_PIXELS,
                               UNSUPPORTED_FORMAT, AttachmentLimits, MiB)
from mailproc.parse.filenames import UNSHOWABLE, basename

@dataclasses.dataclass(frozen=True, slots=True)
class Verdict:
    is_image: bool  # image-like by content, declared type or extension
    detected_format: str | None  # sniffed from the content; None: unknown
    accepted: bool | None  # None: not an image (and not too large), nothing to judge
    reason: str  # ACCEPTED ("") or one of REASONS; "" also when accepted is None
    detail: str  # one short English sentence naming the file


# ---------------------------------------------------------------- sniffing

# ISO base media (HEIF family) brands -> our format name.
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
_AVIF_BRANDS = {b"avif", b"avis"}
_HEIF_BRANDS = {b"mif1", b"msf1", b"mif2"}
_JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
_TGA_FOOTER = b"TRUEVISION-XFILE.\x00"
_SVG_START = re.compile(rb"\A(\xef\xbb\xbf)?\s*<")
_CONTROL = bytes(set(range(32)) - {9, 10, 12, 13, 27}) + b"\x7f"
_DIB_HEADER_SIZES = {size.to_bytes(4, "little") for size in (12, 40, 52, 56, 64, 108, 124)}

# Formats that are images (everything sniff() can return except pdf and text).
IMAGE_FORMATS = frozenset({"jpeg", "png", "gif", "heic", "heif", "avif", "webp", "bmp", "tiff", "svg",
                           "ico", "psd", "jpeg2000", "qoi", "tga", "dds", "jxl"})


def sniff(data: bytes) -> str | None:
    """The format the content really is, by its signature; "text" for plain text; None: unknown."""
    head = data[:32]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"  # also MPO: a JPEG with more pictures appended
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"  # also APNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head.startswith(_JP2_SIGNATURE) or head.startswith(b"\xff\x4f\xff\x51"):
        return "jpeg2000"
    if head[4:8] == b"ftyp":
        return _iso_brand(data)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:2] == b"BM" and head[14:18] in _DIB_HEADER_SIZES:
        return "bmp"  # the DIB header size makes "BM" more than two letters of text
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"  # also BigTIFF
    if head[:4] in (b"\x00\x00\x01\x00", b"\x00\x00\x02\x00") and head[4:6] != b"\x00\x00":
        return "ico"  # icon or cursor, with at least one picture
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"8BPS"):
        return "psd"
    if head.startswith(b"qoif"):
        return "qoi"
    if head.startswith(b"DDS "):
        return "dds"
    if head.startswith(b"\xff\x0a") or head.startswith(b"\x00\x00\x00\x0cJXL \r\n\x87\n"):
        return "jxl"
    if head.startswith(b"\x78\x9f\x3e\x22"):
        # Outlook's winmail.dat. tnefparse could list its files, but it has had no release
        # since 2021: agents are told it is a container we do not open.
        return "tnef"
    if _is_tga(data):
        return "tga"
    if _SVG_START.match(head) and b"<svg" in data[:4096].lower():
        return "svg"
    sample = data[:4096]
    if sample and b"\x00" not in sample and sum(map(sample.count, _CONTROL)) <= len(sample) // 100:
        return "calendar" if sample.lstrip().upper().startswith(b"BEGIN:VCALENDAR") else "text"
    return None


def _iso_brand(data: bytes) -> str | None:
    """HEIC/HEIF/AVIF by the ftyp box: the major brand first, then the compatible ones."""
    size = int.from_bytes(data[:4], "big")
    box = data[8:min(max(size, 16), 4096)]
    brands = [box[:4]] + [box[i:i + 4] for i in range(8, len(box) - 3, 4)]
    for brand in brands:
        if brand in _AVIF_BRANDS:
            return "avif"
        if brand in _HEIC_BRANDS:
            return "heic"
    if any(brand in _HEIF_BRANDS for brand in brands):
        return "heif"
    if b"jp2 " in brands:
        return "jpeg2000"
    return None  # a video (mp4, mov) or another ISO media file


def _is_tga(data: bytes) -> bool:
    """TGA has no magic number; only a TGA 2.0 footer plus a plausible header identify it."""
    return (len(data) >= 44 and data.endswith(_TGA_FOOTER) and data[1] in (0, 1)
            and data[2] in (1, 2, 3, 9, 10, 11) and data[16] in (1, 8, 15, 16, 24, 32))


# ---------------------------------------------------------------- names

_EXTENSIONS = {
    "jpg": "jpeg", "jpeg": "jpeg", "jpe": "jpeg", "jfif": "jpeg", "pjpeg": "jpeg", "mpo": "jpeg",
    "png": "png", "apng": "png", "gif": "gif",
    "heic": "heic", "heics": "heic", "heif": "heif", "heifs": "heif", "hif": "heif",
    "avif": "avif", "avifs": "avif", "webp": "webp", "bmp": "bmp", "dib": "bmp",
    "tif": "tiff", "tiff": "tiff", "svg": "svg", "svgz": "svg", "ico": "ico", "cur": "ico",
    "psd": "psd", "jp2": "jpeg2000", "j2k": "jpeg2000", "jpf": "jpeg2000", "jpx": "jpeg2000",
    "jpm": "jpeg2000", "qoi": "qoi", "tga": "tga", "dds": "dds", "jxl": "jxl",
}
_SHORT = {"jpeg": "JPG", "png": "PNG", "gif": "GIF"}
_KIND = {
    "jpeg": "a JPG image", "png": "a PNG image", "gif": "a GIF image", "heic": "a HEIC image",
    "heif": "a HEIF image", "avif": "an AVIF image", "webp": "a WebP image", "bmp": "a BMP image",
    "tiff": "a TIFF image", "svg": "an SVG image", "ico": "an ICO icon", "pdf": "a PDF document",
    "psd": "a Photoshop (PSD) file", "jpeg2000": "a JPEG 2000 image", "qoi": "a QOI image",
    "tga": "a TGA image", "dds": "a DDS texture", "jxl": "a JPEG XL image", "text": "plain text",
    "calendar": "a calendar invitation",
    "tnef": "an Outlook TNEF container (winmail.dat) whose files cannot be read here; ask for ordinary attachments",
}
def extension_format(filename: str) -> str | None:
    """The image format the file's extension names (case-insensitive), or None."""
    stem, dot, ext = basename(filename).strip().rstrip(". ").rpartition(".")
    return _EXTENSIONS.get(ext.lower()) if dot and stem else None


def _shown(filename: str) -> str:
    """The file's name for a sentence: quoted, one line, at most 60 characters (the end kept)."""
    name = UNSHOWABLE.sub(" ", basename(filename)).strip()
    if not name:
        return "The unnamed file"
    if len(name) > 60:
        name = name[:28] + "…" + name[-31:]
    return f'"{name}"'


def _listed(formats: tuple[str, ...]) -> str:
    names = [_SHORT[f] for f in formats]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _count(pixels: int) -> str:
    return f"{pixels / 1_000_000:g} million" if pixels >= 1_000_000 else f"{pixels:,}"


def megabytes(size: int) -> str:
    """A size for people, rounded up, so that a file just over a limit never reads as equal to it."""
    if size < 1024:
        return f"{size} bytes"
    if size < MiB:
        return f"{-(-size // 1024)} KB"
    return f"{-(-size * 10 // MiB) / 10:g} MB"


# ---------------------------------------------------------------- structure checks
#
# Before Pillow sees an accepted-format file, a walk over its block structure
# (no pixel is touched) rejects what Pillow would tolerate or pay dearly for:
# frames beyond the logical screen of a GIF, a PNG cut in its last bytes, and
# files made of millions of tiny blocks, which Pillow parses one by one in
# Python (20 MB of empty JPEG comments cost it 6 s, of tiny PNG chunks 9 s).
# Real encoders write blocks of hundreds of bytes or more.

class _Reject(Exception):
    """Stop judging with a reason code and how the sentence goes on after the file's name."""

    def __init__(self, reason: str, says: str):
        self.reason, self.says = reason, says


_DAMAGED = "is truncated or damaged"
_FRAGMENTED = "is damaged: it is made of an absurd number of tiny blocks"
_GIF_BLOCK = re.compile(rb"[\x21\x2c\x3b]")  # extension, image descriptor, trailer
_JPEG_MARKER = re.compile(rb"\xff")


def _max_blocks(data: bytes) -> int:
    """Blocks (chunks, segments, sub-blocks, skipped bytes) a file of this size may have.

    At most ~5 µs of Pillow's time each: 50,000 leave room for 10,000 animation
    frames of 4 blocks, one per 128 bytes is half what 255-byte GIF sub-blocks take.
    """
    return max(50_000, len(data) // 128)


def _check_budget(width: int, height: int, frames: int, limits: AttachmentLimits, spent: int | None = None) -> None:
    """Raise _Reject when ``frames`` frames of width x height (or ``spent`` pixels) exceed the limits."""
    if frames > limits.max_frames:
        raise _Reject(TOO_MANY_PIXELS, f"has too many frames: {frames:,}, the limit is {limits.max_frames:,}")
    if (width * height * frames if spent is None else spent) > limits.max_pixels:
        size = f"{width}x{height}" if frames == 1 else f"{frames} frames of {width}x{height}"
        raise _Reject(TOO_MANY_PIXELS, f"has too many pixels: {size}, the limit is {_count(limits.max_pixels)}")


def _check_gif(data: bytes, limits: AttachmentLimits) -> None:
    """The canvas a GIF grows to, times its frames, fits the limits; no block is cut off.

    Walks the blocks as Pillow does (bytes between blocks are skipped). Pillow
    grows the canvas when a frame reaches beyond the logical screen, so the
    budget is checked at every frame descriptor, before any frame is decoded,
    and a bomb is named a bomb even when its data is cut short. A missing
    trailer after complete blocks is tolerated, as every decoder does.
    """
    end, budget = len(data), _max_blocks(data)
    if end < 13:
        raise _Reject(CORRUPT, _DAMAGED)
    width, height, flags = *struct.unpack_from("<HH", data, 6), data[10]
    pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)  # after the global palette
    frames = blocks = 0

    def after_sub_blocks(pos: int) -> int:
        nonlocal blocks
        while pos < end:
            size, blocks = data[pos], blocks + 1
            pos += 1 + size
            if size == 0:
                return pos
            if blocks > budget:
                raise _Reject(CORRUPT, _FRAGMENTED)
        raise _Reject(CORRUPT, _DAMAGED)

    while pos < end and data[pos] != 0x3B:
        if data[pos] == 0x21:  # extension: label, then sub-blocks
            pos = after_sub_blocks(pos + 2)
        elif data[pos] == 0x2C:  # image: x, y, w, h, flags, local palette, LZW code size, sub-blocks
            if pos + 11 > end:
                raise _Reject(CORRUPT, _DAMAGED)
            x, y, w, h = struct.unpack_from("<HHHH", data, pos + 1)
            width, height, frames = max(width, x + w), max(height, y + h), frames + 1
            _check_budget(width, height, frames, limits)
            flags = data[pos + 9]
            pos = after_sub_blocks(pos + 11 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0))
        else:  # not a block: Pillow skips it byte by byte
            found = _GIF_BLOCK.search(data, pos + 1)
            blocks, pos = blocks + (found.start() if found else end) - pos, found.start() if found else end
            if blocks > budget:
                raise _Reject(CORRUPT, _FRAGMENTED)
    if frames == 0:
        raise _Reject(CORRUPT, _DAMAGED)


def _check_png(data: bytes, limits: AttachmentLimits) -> None:
    """Every chunk up to IEND is complete, critical chunks have intact CRCs.

    Pillow stops reading once it has all pixel rows, so a PNG cut within its
    last bytes (zlib checksum, last CRC, IEND) would still load. Like libpng,
    a bad CRC is fatal in critical chunks (upper-case first letter: IHDR, PLTE,
    IDAT, IEND) and in fdAT (APNG frame data), tolerated in ancillary ones.
    """
    pos, end, budget = 8, len(data), _max_blocks(data)
    for _ in range(budget):
        if pos + 12 > end:
            break
        length, kind = struct.unpack_from(">I4s", data, pos)
        if pos + 12 + length > end:
            break
        if kind[0] < 0x61 or kind == b"fdAT":
            (crc,) = struct.unpack_from(">I", data, pos + 8 + length)
            if zlib.crc32(data[pos + 4:pos + 8 + length]) != crc:
                raise _Reject(CORRUPT, _DAMAGED)
        if kind == b"IEND":
            return
        pos += 12 + length
    else:
        raise _Reject(CORRUPT, _FRAGMENTED)
    raise _Reject(CORRUPT, _DAMAGED)


def _check_jpeg(data: bytes, limits: AttachmentLimits) -> None:
    """The header up to the first scan is not a swarm of segments or junk bytes.

    Pillow reads the markers before the first scan (SOS) in Python, skipping
    junk byte by byte; what follows is decoded by libjpeg. Truncation and bad
    data are left to the decoder, which refuses them.
    """
    pos, end, budget, blocks = 2, len(data), _max_blocks(data), 0
    while pos + 4 <= end and blocks <= budget:
        if data[pos] != 0xFF:  # junk between segments
            found = _JPEG_MARKER.search(data, pos)
            blocks, pos = blocks + (found.start() if found else end) - pos, found.start() if found else end
        elif data[pos + 1] == 0xDA or data[pos + 1] == 0xD9:  # start of scan, or an early end
            return
        elif data[pos + 1] == 0xFF or data[pos + 1] == 0x01 or 0xD0 <= data[pos + 1] <= 0xD7:  # no length
            blocks, pos = blocks + 1, pos + 1
        else:
            blocks, pos = blocks + 1, pos + 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
    if blocks > budget:
        raise _Reject(CORRUPT, _FRAGMENTED)


# ---------------------------------------------------------------- decoding

_PILLOW_FORMAT = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF"}
_CHECK_STRUCTURE = {"jpeg": _check_jpeg, "png": _check_png, "gif": _check_gif}


def _decode_fully(fmt: str, data: bytes, limits: AttachmentLimits) -> None:
    """Load every frame of an accepted-format image; raise _Reject when it cannot be accepted."""
    with warnings.catch_warnings():
        # Pillow warns about what it tolerates (odd EXIF, a malformed MPO index):
        # the verdict says what matters. It also only warns, instead of refusing,
        # between its pixel limit and twice that: refuse.
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            _CHECK_STRUCTURE[fmt](data, limits)
            with Image.open(io.BytesIO(data), formats=[_PILLOW_FORMAT[fmt]]) as im:
                frames = getattr(im, "n_frames", 1)
                _check_budget(*im.size, frames, limits)  # headers only so far: nothing allocated
                spent = 0
                for frame in range(frames):
                    if frame:
                        im.seek(frame)
                    spent += im.size[0] * im.size[1]  # MPO pictures may differ in size
                    _check_budget(*im.size, frames, limits, spent)
                    im.load()
        except _Reject:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _Reject(TOO_MANY_PIXELS, "has too many pixels (a decompression bomb)") from None
        except ValueError as e:
            if str(e).startswith(("Decompressed data too large", "Too much memory used in text chunks")):
                # PNG text chunks that inflate without end (PngImagePlugin.MAX_TEXT_CHUNK/MEMORY)
                raise _Reject(TOO_MANY_PIXELS, "unpacks to far more data than an image may hold "
                                               "(a decompression bomb)") from None
            raise _Reject(CORRUPT, _DAMAGED) from None
        except Exception:
            # Broad on purpose: on hostile input Pillow's plugins raise
            # UnidentifiedImageError, OSError, SyntaxError, EOFError, struct.error,
            # IndexError, KeyError, TypeError, ZeroDivisionError, OverflowError,
            # MemoryError…, and the list changes between versions (the structure
            # walks above parse the same hostile bytes). Whatever it is, the file
            # did not decode, and an exception escaping here would quarantine the
            # client's whole mail.
            raise _Reject(CORRUPT, _DAMAGED) from None


# ---------------------------------------------------------------- the verdict

def classify(filename: str, declared_type: str, data: bytes,
             limits: AttachmentLimits = AttachmentLimits()) -> Verdict:
    """Judge one attachment by its content. Never raises (see the module docstring)."""
    filename, declared_type = filename or "", declared_type or ""  # a part may have neither
    name = _shown(filename)
    detected = sniff(data) if data else None
    named = extension_format(filename)
    is_image = (detected in IMAGE_FORMATS or named is not None
                or declared_type.partition(";")[0].strip().lower().startswith("image/"))

    def rejected(reason: str, says: str) -> Verdict:
        return Verdict(is_image, detected, False, reason, f"{name} {says}")

    if len(data) > limits.max_file_bytes:
        return rejected(TOO_LARGE, f"is too large: {megabytes(len(data))}, "
                                   f"the limit is {megabytes(limits.max_file_bytes)}")
    if not is_image:
        says = f"is {_KIND[detected]}, not an image" if detected in _KIND else "is not an image"
        return Verdict(False, detected, None, ACCEPTED, f"{name} {says}")
    if not data:
        return rejected(EMPTY, "is empty (0 bytes)")
    if detected not in limits.accepted_formats:
        allowed = f"only {_listed(limits.accepted_formats)} are accepted"
        if named in limits.accepted_formats:
            if detected in _KIND:
                return rejected(SPOOFED_EXTENSION, f"is really {_KIND[detected]}"
                                                   + (", not an image" if detected in ("text", "pdf") else ""))
            return rejected(SPOOFED_EXTENSION, f"is not really {_KIND[named]}: its content is not a known image format")
        if detected in _KIND:
            return rejected(UNSUPPORTED_FORMAT, f"is {_KIND[detected]}; {allowed}")
        return rejected(UNSUPPORTED_FORMAT, f"is not an image in a known format; {allowed}")
    try:
        _decode_fully(detected, data, limits)
    except _Reject as r:
        return rejected(r.reason, r.says)
    return Verdict(True, detected, True, ACCEPTED, f"{name} is a valid {_SHORT[detected]} image")


def judge_all(attachments: tuple, limits: AttachmentLimits) -> tuple:
    """Every attachment of one mail with its verdict; past the per-mail total, files are too large."""
    judged, total = [], 0
    for part in attachments:
        total += len(part.data)
        if total > limits.max_total_bytes:
            verdict = Verdict(part.content_type.startswith("image/") or extension_format(part.filename) is not None,
                              sniff(part.data), False, TOO_LARGE,
                              f"{_shown(part.filename)} is past the limit of {megabytes(limits.max_total_bytes)} "
                              "for all files of one mail")
        else:
            verdict = classify(part.filename, part.content_type, part.data, limits)
        judged.append(dataclasses.replace(part, verdict=verdict))
    return tuple(judged)
