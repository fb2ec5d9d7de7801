"""Templates -> (subject, body) text. Pure but for reading the template files.

The templates an admin edits are checked before they answer mail (template_check); one that
still fails on a mail is replaced by the shipped template of that name. Client text only ever
reaches a template as data, and the environment is sandboxed: nothing a client writes can
run as template code.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import pathlib
import re
from typing import Mapping

import jinja2
import jinja2.sandbox

from mailproc import template_vars
from mailproc.config import SHIPPED_TEMPLATES, Settings
from mailproc.errors import DeskError

log = logging.getLogger(__name__)

_MONTHS_RU = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
              "сентября", "октября", "ноября", "декабря")
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
_ZONE_TEXT = {("Europe/Moscow", "ru"): "по московскому времени", ("Europe/Moscow", "en"): "Moscow time"}


class TemplateError(DeskError):
    """A template failed: names the file, the line and what is wrong. The desk's failure, never the mail's."""


@dataclasses.dataclass(frozen=True, eq=False)
class TemplateSet:
    """The templates of the configured directory as read (and, at start-up, checked), each file it
    lacks taken from the shipped set: admins copy only what they change. The desk renders from
    these until a checked edit replaces them, so a broken edit never reaches a mail."""

    directory: pathlib.Path
    sources: Mapping[str, str]  # "ru/reply.txt.j2" -> its text
    paths: Mapping[str, pathlib.Path]  # "ru/reply.txt.j2" -> the file it was read from

    def path(self, name: str) -> pathlib.Path:
        return self.paths.get(name, self.directory / name)


def read_templates(directory: pathlib.Path) -> TemplateSet:
    paths = {}
    for root in dict.fromkeys((SHIPPED_TEMPLATES, directory)):  # the directory's files override the shipped ones
        paths |= {path.relative_to(root).as_posix(): path for path in sorted(root.glob("*/**/*.j2"))}
    sources = {}
    for name, path in paths.items():
        try:
            sources[name] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TemplateError(f"{path}: cannot be read ({exc}); make it a readable UTF-8 file") from None
    return TemplateSet(directory, sources, paths)


_in_use: dict[pathlib.Path, TemplateSet] = {}


def use_templates(templates: TemplateSet) -> None:
    """Render from these templates from now on (called with checked ones at start-up and reload)."""
    _in_use[templates.directory] = templates


def templates_in_use(directory: pathlib.Path) -> TemplateSet:
    if directory not in _in_use:  # not installed at start-up (tools, tests): as they are on disk now
        _in_use[directory] = read_templates(directory)
    return _in_use[directory]


class _Loader(jinja2.BaseLoader):
    """One language of a TemplateSet; file names stay real so errors and tracebacks name them."""

    def __init__(self, templates: TemplateSet, language: str):
        self.templates, self.language = templates, language

    def get_source(self, environment, template):
        source = self.templates.sources.get(f"{self.language}/{template}")
        if source is None:
            raise jinja2.TemplateNotFound(template)
        return source, str(self.templates.path(f"{self.language}/{template}")), lambda: True


@functools.lru_cache(maxsize=16)
def environment(templates: TemplateSet, language: str) -> jinja2.Environment:
    env = jinja2.sandbox.SandboxedEnvironment(
        loader=_Loader(templates, language),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,  # plain-text mail: nothing to escape, and nothing is ever evaluated
    )
    env.filters["when"] = functools.partial(_when, language=language)
    return env


def _when(value: dt.datetime, language: str) -> str:
    if language == "ru":
        return f"{value.day} {_MONTHS_RU[value.month - 1]} в {value:%H:%M}"
    return f"{value:%H:%M} on {value.day} {_MONTHS_EN[value.month - 1]}"



def zone_text(settings: Settings, language: str) -> str:
    name = str(settings.hours.timezone)
    return _ZONE_TEXT.get((name, language), f"({name})")


@dataclasses.dataclass(frozen=True)
class Fallback:
    """A template failed while rendering a mail and the shipped one of that name was used."""

    template: pathlib.Path
    reason: str


_fallbacks: list[Fallback] = []


def take_fallbacks() -> list[Fallback]:
    """The fallbacks since the last call (the pipeline alerts the agents about them)."""
    taken = _fallbacks[:]
    _fallbacks.clear()
    return taken


def render_text(settings: Settings, language: str, template: str, variables: dict) -> tuple[str, str]:
    """(subject, body) of a template whose first line is 'Subject: ...'.

    A configured template that fails is replaced by the shipped one of that name (and the failure
    noted for `take_fallbacks`); when that fails too, TemplateError: the mail waits for the next cycle."""
    if undocumented := template_vars.undocumented(template, variables):
        raise TemplateError(f"{template}: mailproc passes it {', '.join(undocumented)}, which has no sample "
                            "in mailproc/template_vars.py: document it there")
    configured = templates_in_use(settings.templates.directory)
    try:
        return render_with(configured, language, template, variables)
    except TemplateError as exc:
        if configured.directory == SHIPPED_TEMPLATES:
            raise
        log.error("%s; the shipped %s/%s is used instead", exc, language, template)
        try:
            result = render_with(templates_in_use(SHIPPED_TEMPLATES), language, template, variables)
        except TemplateError as shipped:
            raise TemplateError(f"{exc}; the shipped one failed too: {shipped}") from shipped
        _fallbacks.append(Fallback(configured.directory / language / template, str(exc)))
        return result


def render_with(templates: TemplateSet, language: str, template: str, variables: dict) -> tuple[str, str]:
    path = templates.path(f"{language}/{template}")
    try:
        rendered = environment(templates, language).get_template(template).render(**variables).lstrip("\n")
    except jinja2.TemplateNotFound as exc:
        missing = templates.directory / language / exc.name
        raise TemplateError(f"{missing}: missing; copy it from {SHIPPED_TEMPLATES / language / exc.name}") from None
    except Exception as exc:  # a template is admin code: any error in it (a filter given None...) is a template error
        raise TemplateError(template_failure(exc, path)) from exc
    first, _, body = rendered.partition("\n")
    if not first.startswith("Subject:"):
        raise TemplateError(f"{path}:1: the first line must be 'Subject: ...'; put the subject there")
    body = re.sub(r"\n{3,}", "\n\n", body.strip("\n"))  # blocks may end with blank lines of their own
    return " ".join(first[len("Subject:"):].split()), body + "\n"


def template_failure(exc: Exception, path: pathlib.Path) -> str:
    """'FILE:LINE: what is wrong; what to do' for an error raised by a template (syntax or rendering)."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        what = (exc.message or "").rstrip(".")
        return f"{exc.filename or path}:{exc.lineno}: syntax error: {what}; correct the Jinja syntax there"
    where, line, tb = str(path), None, exc.__traceback__
    while tb is not None:  # jinja rewrites the traceback: frames of a template carry its file and line
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            where, line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next
    position = f"{where}:{line}" if line else where
    if isinstance(exc, jinja2.UndefinedError):
        return (f"{position}: {exc.message}; use only the variables listed at the top of the file "
                "(mailproc/template_vars.py documents them all)")
    if "NoneType" in str(exc):
        return f"{position}: {type(exc).__name__}: {exc}; a value there may be empty: use it inside {{% if ... %}}"
    return f"{position}: {type(exc).__name__}: {exc}; check the expression on that line against its values"
