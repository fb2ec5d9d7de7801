"""Attachment names as harmless metadata. Pure.

A client-supplied name is shown to people and never used as a path: files are stored
under their SHA-256. Still, names reach agents' mail clients and terminals, so they
lose path parts, control characters and leading dots, and are bounded in length.
"""
from __future__ import annotations

import re
import unicodedata

MAX_BYTES = 200
# Control characters, line separators, invisible and bidi controls (which could make "gpj.exe" read as "exe.jpg").
UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]+")


def basename(name: str) -> str:
    """The last part of a path: "../../etc/passwd" and "C:\\x\\shot.png" keep only their file name."""
    return re.split(r"[/\\]", name)[-1]


def safe_filename(name: str, fallback: str = "attachment") -> str:
    name = UNSHOWABLE.sub("", basename(unicodedata.normalize("NFC", name)))
    name = " ".join(name.split()).lstrip(". ").replace("..", ".")
    if not name:
        return fallback
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 16:
        stem, dot, ext = name, "", ""
    while len((stem + dot + ext).encode()) > MAX_BYTES and stem:
        stem = stem[:-1]
    return (stem + dot + ext) or fallback
