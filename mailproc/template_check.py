"""Every template is tried before it answers a mail: by `check-config`, at the start of `run`
and `poll`, and when `run` sees an edited config or edited templates.

Each template (and each block of templates/<lang>/blocks/) is parsed and rendered against the
samples of template_vars, with undefined variables as errors. A problem is one line:
`FILE:LINE: what is wrong; what to do`.
"""
from __future__ import annotations

import pathlib

import jinja2

from mailproc import render, template_vars
from mailproc.actions import ReplyBlock
from mailproc.config import Settings
from mailproc.errors import ConfigError

LANGUAGES = ("ru", "en")  # the languages clients are answered in


def checked(settings: Settings) -> render.TemplateSet:
    """The templates of the config, read now; ConfigError listing every problem if any fails."""
    try:
        templates = render.read_templates(settings.templates.directory)
    except render.TemplateError as exc:
        raise ConfigError([str(exc)]) from None
    if found := problems(templates, settings.templates.default_language):
        raise ConfigError(found)
    return templates


def problems(templates: render.TemplateSet, default_language: str) -> list[str]:
    found: list[str] = []
    for language in LANGUAGES:
        for template in (*template_vars.CLIENT_TEMPLATES, *template_vars.AGENT_TEMPLATES):
            needed = template in template_vars.CLIENT_TEMPLATES or language == default_language
            if needed or f"{language}/{template}" in templates.sources:
                found += _failure(lambda: render.render_with(templates, language, template,
                                                             template_vars.sample(template)))
        for name in template_vars.BLOCKS:
            found += _failure(lambda: _render_block(templates, language, name))
    for name in templates.sources:  # files no code renders yet: their syntax at least
        language, _, template = name.partition("/")
        found += _failure(lambda: render.environment(templates, language).get_template(template),
                          templates.directory / name)
    return list(dict.fromkeys(found))  # a broken block fails its reply.txt.j2 too: said once


def _render_block(templates: render.TemplateSet, language: str, name: str) -> None:
    """A block as reply.txt.j2 includes it: the reply's variables, and `block` with its sample data."""
    context = template_vars.sample("reply.txt.j2")
    block = ReplyBlock(name, data=template_vars.BLOCKS[name])
    try:
        render.environment(templates, language).get_template(f"blocks/{name}.txt.j2").render(**context, block=block)
    except Exception as exc:
        if isinstance(exc, jinja2.TemplateNotFound):
            path = pathlib.Path(language, "blocks", f"{name}.txt.j2")
            raise render.TemplateError(f"{templates.directory / path}: missing; copy it from "
                                       f"{render.SHIPPED_TEMPLATES / path}") from None
        raise render.TemplateError(render.template_failure(exc, templates.directory / language / "blocks"
                                                           / f"{name}.txt.j2")) from exc


def _failure(attempt, path: pathlib.Path | None = None) -> list[str]:
    try:
        attempt()
    except render.TemplateError as exc:
        return [str(exc)]
    except Exception as exc:  # a syntax error found while only compiling
        return [render.template_failure(exc, path)]
    return []
