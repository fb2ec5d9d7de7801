"""What mailproc ships besides its code: the reply templates and the starter config.

Both stay at the top of the source tree (templates/, config.toml), the one copy of each; the
build maps them into the package as the data packages ``mailproc.templates`` and
``mailproc.starter`` (pyproject.toml, ``package-dir``). An installed mailproc finds them with
importlib.resources; a source checkout (the editable install of ``make venv``, whose import
hook cannot map a package without ``__init__.py``) finds the top-level directories themselves.
"""
from __future__ import annotations

import importlib.resources
import pathlib

import mailproc

_SOURCE_TREE = pathlib.Path(mailproc.__file__).resolve().parent.parent


def _data_dir(package: str, in_source_tree: pathlib.Path) -> pathlib.Path:
    try:
        root = importlib.resources.files(package)
    except ModuleNotFoundError:
        return in_source_tree
    # a package without __init__.py comes as a MultiplexedPath of its one directory; joining
    # "." gives that directory as a pathlib.Path (which drops the ".")
    return pathlib.Path(root / ".")


TEMPLATES = _data_dir("mailproc.templates", _SOURCE_TREE / "templates")
STARTER_CONFIG = _data_dir("mailproc.starter", _SOURCE_TREE) / "config.toml"
