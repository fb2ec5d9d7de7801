"""Agent commands: lines such as `#close` at the top of an agent's reply (SPEC §5). Pure."""
from __future__ import annotations

import dataclasses
import re

KNOWN = ("close", "critical", "priority", "suspend", "note", "assign", "cc")
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
    while lines:
        line = lines[0].strip()
        match = _COMMAND_LINE.match(line)
        if not line or not match:
            if line:
                break
            lines.pop(0)
            continue
        commands.append(Command(match[1].lower(), match[2].strip()))
        lines.pop(0)
    return commands, "\n".join(lines).strip()
