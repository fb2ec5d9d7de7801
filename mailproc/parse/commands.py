"""Agent commands: lines such as `#close` at the top of an agent's reply (SPEC §5). Pure."""
from __future__ import annotations

import dataclasses
import re

_COMMAND_LINE = re.compile(r"^#([a-z]+)\b[ \t]*(.*)$", re.IGNORECASE)


@dataclasses.dataclass(frozen=True, slots=True)
class Command:
    name: str  # lower-case, without '#'
    argument: str  # the rest of the line, e.g. "normal" for "#priority normal"

    def __str__(self) -> str:
        return f"#{self.name} {self.argument}".strip()


def split_commands(text: str) -> tuple[list[Command], str]:
    """(the commands on the first non-empty lines, the text after them)."""
    lines = text.strip().splitlines()
    commands = []
    first_text = len(lines)
    for i, line in enumerate(lines):
        line = line.strip()
        match = _COMMAND_LINE.match(line)
        if match:
            commands.append(Command(match[1].lower(), match[2].strip()))
        elif line:
            first_text = i
            break
    return commands, "\n".join(lines[first_text:]).strip()
