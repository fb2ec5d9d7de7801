"""Attachment names never become paths and never carry control characters."""
import pytest

from mailproc.parse.filenames import MAX_BYTES, safe_filename

CASES = [
    ("ordinary", "screenshot.png", "screenshot.png"),
    ("russian name kept", "Скриншот ошибки.jpg", "Скриншот ошибки.jpg"),
    ("unix traversal", "../../etc/passwd", "passwd"),
    ("windows path", "C:\\Users\\ivan\\shot.png", "shot.png"),
    ("hidden file", ".htaccess", "htaccess"),
    ("double dots inside", "a..b.png", "a.b.png"),
    ("control characters", "sh\x00o\x1bt.png", "shot.png"),
    ("right-to-left override", "photo\u202egnp.exe", "photognp.exe"),
    ("only dots", "...", "attachment"),
    ("empty", "", "attachment"),
    ("whitespace squeezed", "  my   shot .png ", "my shot .png"),
]


@pytest.mark.parametrize("raw,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_safe_filename(raw, expected):
    assert safe_filename(raw) == expected


def test_long_names_are_cut_keeping_the_extension():
    name = safe_filename("я" * 500 + ".png")
    assert name.endswith(".png") and len(name.encode()) <= MAX_BYTES
