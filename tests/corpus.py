"""Where the shared real-world corpus lives; tests skip with a reason when it is absent."""
from __future__ import annotations

import csv
import os
import pathlib

import pytest

CORPUS = pathlib.Path(os.environ.get("MAILPROC_CORPUS",
                                     pathlib.Path(__file__).resolve().parents[2] / "shared" / "corpus"))


def corpus_rows(kind: str) -> list[dict]:
    """MANIFEST.tsv rows of one kind ("email" or "image"); empty when the corpus is missing."""
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(newline="", encoding="utf-8") as fh:
        return [row for row in csv.DictReader(fh, delimiter="\t") if row["kind"] == kind]


def require_corpus() -> None:
    if not (CORPUS / "MANIFEST.tsv").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"corpus not found at {CORPUS}: CI must provide it")
        pytest.skip(f"real-world corpus not found at {CORPUS} (set MAILPROC_CORPUS to its folder)")
