"""Attachment names as harmless metadata. Pure.

A client-supplied name is shown to people and never used as a path: files are stored
under their SHA-256. Still, names reach agents' mail clients and terminals, so they
lose path parts, control characters and leading dots, and are bounded in length.
"""
from __future__ import annotations

import re
import unicodedata

MAX_BYTES = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0080-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def safe_filename(name: str, fallback: str = "attachment") -> str:
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[/\\]", name)[-1]  # "../../etc/passwd" and "C:\\x\\shot.png" keep their last part
    name = _CONTROL.sub("", name)  # incl. bidi overrides that disguise "gpj.exe" as "exe.jpg"
    name = " ".join(name.split()).lstrip(". ").replace("..", ".")
    if not name:
        return fallback
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 16:
        stem, dot, ext = name, "", ""
    while len((stem + dot + ext).encode()) > MAX_BYTES and stem:
        stem = stem[:-1]
    return (stem + dot + ext) or fallback
