"""Templates are tried against documented samples before they answer a mail; whose fault a failure is."""
import dataclasses
import errno
import pathlib
import shutil

import peewee
import pytest

from mailproc import pipeline, render, template_check, template_vars, templating
from mailproc.config import SHIPPED_TEMPLATES
from tests.pure import default_settings


def _line_of(path: pathlib.Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def _replace(path: pathlib.Path, old: str, new: str) -> None:
    source = path.read_text(encoding="utf-8")
    assert old in source
    path.write_text(source.replace(old, new, 1), encoding="utf-8")


def _typo(directory):
    _replace(directory / "ru/reply.txt.j2", "{{ tag }}", "{{ tga }}")
    return "ru/reply.txt.j2", _line_of(directory / "ru/reply.txt.j2", "tga"), "'tga' is undefined"


def _syntax(directory):
    _replace(directory / "en/notification.txt.j2", "{% endif %}", "{% endiff %}")
    return "en/notification.txt.j2", _line_of(directory / "en/notification.txt.j2", "endiff"), "syntax error"


def _block(directory):
    refusal = directory / "en/blocks/refusal.txt.j2"
    _replace(refusal, "{{ block.data.account_id }}", "{{ block.data.acount }}")
    return "en/blocks/refusal.txt.j2", _line_of(refusal, "acount"), "no attribute 'acount'"


def _no_subject(directory):
    _replace(directory / "ru/queue.txt.j2", "Subject: ", "Тема: ")
    return "ru/queue.txt.j2", 1, "the first line must be 'Subject: ...'"


def _other_branch(directory):
    _replace(directory / "ru/blocks/critical.txt.j2", "мы займёмся ею", "{{ tga }} мы займёмся ею")
    return ("ru/blocks/critical.txt.j2", _line_of(directory / "ru/blocks/critical.txt.j2", "tga"),
            "'tga' is undefined")


def _empty_value(directory):
    _replace(directory / "en/notification.txt.j2", "{% if resolution_due %}", "{% if True %}")
    return ("en/notification.txt.j2", _line_of(directory / "en/notification.txt.j2", "resolution_due|when"),
            "(seen with resolution_due = None)")


@pytest.fixture
def templates(tmp_path):
    directory = tmp_path / "templates"
    shutil.copytree(SHIPPED_TEMPLATES, directory)
    return directory


@pytest.mark.parametrize("breaks", [_typo, _syntax, _block, _no_subject, _other_branch, _empty_value],
                         ids=["typo'd variable", "syntax error", "block with an unknown variable",
                              "no Subject line", "in a branch only another sample takes",
                              "a filter given an empty value"])
def test_each_problem_is_one_line_naming_file_and_line(templates, breaks):
    name, line, what = breaks(templates)
    problems = template_check.problems(templating.read_templates(templates), "ru")
    assert len(problems) == 1, problems
    where = f"{templates / name}:{line}: " if line else f"{templates / name}: "
    assert problems[0].startswith(where) and what in problems[0]
    assert "; " in problems[0].removeprefix(where)  # what is wrong; what to do


def test_shipped_templates_pass_in_either_default_language():
    shipped = templating.read_templates(SHIPPED_TEMPLATES)
    assert template_check.problems(shipped, "ru") == [] and template_check.problems(shipped, "en") == []


def test_a_directory_holds_only_what_the_admin_changed(tmp_path):
    """Templates override the shipped ones file by file: the rest come from the shipped set."""
    directory = tmp_path / "templates"
    (directory / "ru").mkdir(parents=True)
    changed = (SHIPPED_TEMPLATES / "ru/reply.txt.j2").read_text(encoding="utf-8").replace(
        "{{ tag }}", "{{ tag }} (изменено)", 1)
    (directory / "ru/reply.txt.j2").write_text(changed, encoding="utf-8")
    templates = templating.read_templates(directory)
    assert template_check.problems(templates, "ru") == [] and template_check.problems(templates, "en") == []
    assert templates.path("ru/reply.txt.j2") == directory / "ru/reply.txt.j2"
    assert templates.path("ru/blocks/ack.txt.j2") == SHIPPED_TEMPLATES / "ru/blocks/ack.txt.j2"
    subject, _ = templating.render_with(templates, "ru", "reply.txt.j2", _reply_variables())
    assert "(изменено)" in subject


def test_every_shipped_block_has_a_sample_and_every_sample_a_block():
    for language in template_check.LANGUAGES:
        files = {p.name.removesuffix(".txt.j2") for p in (SHIPPED_TEMPLATES / language / "blocks").glob("*.txt.j2")}
        assert files == set(template_vars.BLOCKS)


@pytest.mark.parametrize("variables,named", [
    ({"new_variable": 1}, "new_variable"),
    ({"blocks": (render.ReplyBlock("ack", data={"new_key": 1}),)}, "block ack: new_key"),
    ({"blocks": (render.ReplyBlock("new_block"),)}, "block new_block"),
], ids=["variable", "key of a block's data", "block"])
def test_code_cannot_pass_a_template_what_has_no_sample(variables, named):
    with pytest.raises(templating.TemplateError, match=f"{named}.*template_vars.py"):
        templating.render_text(default_settings(), "ru", "reply.txt.j2", {**template_vars.sample("reply.txt.j2"),
                                                                     **variables})


def _settings_with(directory):
    settings = default_settings()
    return dataclasses.replace(settings, templates=dataclasses.replace(settings.templates, directory=directory))


def _breaks_on_a_one_word_name(directory):
    """Addresses the client by the second word of the name: passes the check (its sample names
    have two words, or none), fails on a client who signs with one word."""
    _replace(directory / "ru/reply.txt.j2", "{{ client_name }}", "{{ client_name.split()[1] }}")


def _reply_variables(**changes):
    return {**template_vars.sample("reply.txt.j2"), "blocks": (render.ReplyBlock("ack"),), **changes}


def test_a_template_failing_at_run_time_is_replaced_by_the_shipped_one(templates):
    _breaks_on_a_one_word_name(templates)
    assert template_check.problems(templating.read_templates(templates), "ru") == []
    templating.take_fallbacks()
    subject, body = templating.render_text(_settings_with(templates), "ru", "reply.txt.j2",
                                       _reply_variables(client_name="Пётр"))
    assert subject == "Re: Касса не работает [KB-000123]" and body.startswith("Здравствуйте, Пётр!")
    assert "зарегистрировано под номером KB-000123" in body
    [fallback] = templating.take_fallbacks()
    assert fallback.template == templates / "ru/reply.txt.j2"
    assert f"{templates / 'ru/reply.txt.j2'}:{_line_of(templates / 'ru/reply.txt.j2', 'split')}: " in fallback.reason


def test_when_the_shipped_template_fails_too_it_is_a_desk_failure(templates, tmp_path, monkeypatch):
    _breaks_on_a_one_word_name(templates)
    shipped = tmp_path / "shipped"
    shutil.copytree(templates, shipped)
    monkeypatch.setattr(templating, "SHIPPED_TEMPLATES", shipped)
    with pytest.raises(templating.TemplateError, match="the shipped one failed too") as failure:
        templating.render_text(_settings_with(templates), "ru", "reply.txt.j2", _reply_variables(client_name="Пётр"))
    assert pipeline.fault_of(failure.value) == pipeline.RETRY


class _UnidentifiedImage(OSError):
    """As PIL raises for a file that is no image: an OSError without errno."""


@pytest.mark.parametrize("exc,fault", [
    (templating.TemplateError("ru/reply.txt.j2:3: 'tga' is undefined"), pipeline.RETRY),
    (peewee.OperationalError("database is locked"), pipeline.DESK),
    (peewee.IntegrityError("UNIQUE constraint failed"), pipeline.DESK),
    (peewee.DatabaseError("database disk image is malformed"), pipeline.DESK),
    (OSError(errno.ENOSPC, "No space left on device"), pipeline.DESK),
    (PermissionError(errno.EACCES, "Permission denied"), pipeline.DESK),
    (_UnidentifiedImage("cannot identify image file"), pipeline.MAIL),
    (pipeline.PoisonError("processing stopped the program 3 times"), pipeline.MAIL),
    (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), pipeline.MAIL),
    (ValueError("not a mail"), pipeline.MAIL),
], ids=["template", "database locked", "database raced", "database corrupt", "disk full (blob store)",
        "permission", "library's bad-data OSError", "poison", "undecodable", "anything else"])
def test_whose_fault_a_failure_is(exc, fault):
    assert pipeline.fault_of(exc) == fault
