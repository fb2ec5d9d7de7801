"""Agent commands at the top of a reply; everything after them is the text for the client."""
import pathlib

import pytest

from mailproc.parse.commands import Command, split_commands
from mailproc.rules.agent import COMMANDS

CASES = [
    ("no commands", "Здравствуйте! Проверьте настройки.", [], "Здравствуйте! Проверьте настройки."),
    ("close alone", "#close", [Command("close", "")], ""),
    ("commands then text", "#critical\n#assign me\n\nДобрый день, чиним.", [Command("critical", ""),
                                                                            Command("assign", "me")],
     "Добрый день, чиним."),
    ("priority with argument", "#priority normal\nOK", [Command("priority", "normal")], "OK"),
    ("upper case is fine", "#CLOSE\nСпасибо!", [Command("close", "")], "Спасибо!"),
    ("blank lines before", "\n\n#note\nклиент звонил", [Command("note", "")], "клиент звонил"),
    ("a hash later in the text is text", "Смотрите пункт\n#close", [], "Смотрите пункт\n#close"),
    ("hashtag inside a line is text", "Тег #close в тексте", [], "Тег #close в тексте"),
    ("unknown command is still a command", "#frobnicate\nтекст", [Command("frobnicate", "")], "текст"),
    ("assign an address", "#assign agent2@example.test", [Command("assign", "agent2@example.test")], ""),
]


@pytest.mark.parametrize("text,commands,rest", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_split_commands(text, commands, rest):
    assert split_commands(text) == (commands, rest)


REPO = pathlib.Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("word", COMMANDS)
def test_every_command_has_its_line_for_agents(word):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    agents = readme[readme.index("## For agents"):readme.index("## Command line")]
    assert f"   - `#{word}" in agents
    for language in ("ru", "en"):
        footer = (REPO / "templates" / language / "notification.txt.j2").read_text(encoding="utf-8").split("\n--\n")[-1]
        assert f"#{word}" in footer
