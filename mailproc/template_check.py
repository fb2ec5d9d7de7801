"""Every template is tried before it answers a mail: by `check-config`, at the start of `run`
and `poll`, and when `run` sees an edited config or edited templates.

Each template (and each block of templates/<lang>/blocks/) is parsed and rendered against the
samples of template_vars, with undefined variables as errors. A problem is one line:
`FILE:LINE: what is wrong; what to do`.
"""
from __future__ import annotations

import pathlib

import jinja2

from mailproc import template_vars, templating
from mailproc.actions import ReplyBlock
from mailproc.config import LANGUAGES, Settings
from mailproc.errors import ConfigError


def checked(settings: Settings) -> templating.TemplateSet:
    """The templates of the config, read now; ConfigError listing every problem if any fails."""
    try:
        templates = templating.read_templates(settings.templates.directory)
    except templating.TemplateError as exc:
        raise ConfigError([str(exc)]) from None
    if found := problems(templates, settings.templates.default_language):
        raise ConfigError(found)
    return templates


def problems(templates: templating.TemplateSet, default_language: str) -> list[str]:
    found: dict[str, str] = {}  # problem -> its line; said once (a broken block fails its reply.txt.j2 too)
    for language in LANGUAGES:
        for template in (*template_vars.CLIENT_TEMPLATES, *template_vars.AGENT_TEMPLATES):
            needed = template in template_vars.CLIENT_TEMPLATES or language == default_language
            if needed or f"{language}/{template}" in templates.sources:
                for differs, variables in template_vars.samples(template):
                    _try(found, lambda: templating.render_with(templates, language, template, variables), differs)
        for name, block_samples in template_vars.BLOCKS.items():
            for differs, context in template_vars.samples("reply.txt.j2"):
                for n, data in enumerate(block_samples):
                    block = ReplyBlock(name, data=data)
                    differs_too = ", ".join(filter(None, [differs, n and f"block.data = {data!r}"]))
                    _try(found, lambda: _render_block(templates, language, block, context), differs_too)
    for name in templates.sources:  # files no code renders yet: their syntax at least
        language, _, template = name.partition("/")
        _try(found, lambda: templating.environment(templates, language).get_template(template),
             path=templates.path(name))
    return list(found.values())


def _render_block(templates: templating.TemplateSet, language: str, block: ReplyBlock, context: dict) -> None:
    """A block as reply.txt.j2 includes it: with the reply's variables and `block`."""
    name = block.name
    try:
        templating.environment(templates, language).get_template(f"blocks/{name}.txt.j2").render(**context, block=block)
    except Exception as exc:
        if isinstance(exc, jinja2.TemplateNotFound):
            path = pathlib.Path(language, "blocks", f"{name}.txt.j2")
            raise templating.TemplateError(f"{templates.directory / path}: missing; copy it from "
                                       f"{templating.SHIPPED_TEMPLATES / path}") from None
        raise templating.TemplateError(templating.template_failure(
            exc, templates.path(f"{language}/blocks/{name}.txt.j2"))) from exc


def _try(found: dict[str, str], attempt, differs: str = "", path: pathlib.Path | None = None) -> None:
    """Note the problem if `attempt` fails; `differs`: the sample values it failed with."""
    try:
        attempt()
    except templating.TemplateError as exc:
        problem = str(exc)
    except Exception as exc:  # a syntax error found while only compiling
        problem = templating.template_failure(exc, path)
    else:
        return
    found.setdefault(problem, f"{problem} (seen with {differs})" if differs else problem)
