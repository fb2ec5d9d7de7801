"""Plain text as light HTML for clients' mail programs: escaped, paragraphs and lists kept,
links clickable, the ticket tag never broken, one small style block, no images or remote
resources. Pure.
"""
from __future__ import annotations

import functools
import html
import re

# A link ends at white space, angle brackets and quotes (Outlook writes <https://...>), and
# trailing punctuation belongs to the sentence. Found in the plain text, before escaping.
_URL = re.compile(r"""https?://[^\s<>"'«»]*[^\s<>"'«».,;:!?)\]]""")
_BULLET = re.compile(r"^\s*[•*-]\s+")
# One small style block (mail programs drop remote CSS and most selectors); the same limits are
# repeated inline for the programs that drop <style> too.
_STYLE = ("body{margin:0;padding:16px;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;"
          "color:#1f1f1f}p{margin:0 0 1em}ul{margin:0 0 1em;padding-left:1.4em}"
          "table{border-collapse:collapse;margin:0 0 1.4em;font-size:13px}"
          "th,td{border:1px solid #d0d0d0;padding:3px 8px;text-align:left;vertical-align:top}"
          "th{background:#f2f2f2}.tag{white-space:nowrap}")


def text_to_html(text: str, tag_prefix: str) -> str:
    """The plain text as simple HTML for clients: escaped, paragraphs and bulleted lists kept,
    links clickable, the ticket tag never broken across lines, at most about 70 characters wide."""
    return page(paragraphs(text, tag_prefix), width="40em")


def page(content: str, width: str) -> str:
    return ('<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<style>{_STYLE}</style></head>\n<body>\n"
            f'<div style="max-width:{width};font-family:Arial,Helvetica,sans-serif;line-height:1.5">\n'
            f"{content}\n</div>\n</body></html>\n")


def paragraphs(text: str, tag_prefix: str) -> str:
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        if not block.strip():
            continue
        lines, items = [], []
        for line in block.split("\n") + [""]:
            if _BULLET.match(line):
                items.append(_inline(_BULLET.sub("", line), tag_prefix))
                continue
            if items:
                out.append(_joined(lines))
                out.append("<ul>\n" + "\n".join(f"<li>{i}</li>" for i in items) + "\n</ul>")
                lines, items = [], []
            if line:
                lines.append(_inline(line, tag_prefix))
        out.append(_joined(lines))
    return "\n".join(p for p in out if p)


def _joined(lines: list[str]) -> str:
    return "<p>" + "<br>\n".join(lines) + "</p>" if lines else ""


@functools.lru_cache(maxsize=4)
def _tag_pattern(tag_prefix: str) -> re.Pattern:
    return re.compile(rf"\[?\b{re.escape(tag_prefix)}-\d+\b\]?")


def _inline(line: str, tag_prefix: str) -> str:
    """One line of text as HTML: links found first, then everything escaped."""
    tag = _tag_pattern(tag_prefix)
    parts, at = [], 0
    for match in _URL.finditer(line):
        parts.append(_escaped_with_tags(line[at:match.start()], tag))
        url = html.escape(match[0], quote=True)
        parts.append(f'<a href="{url}">{url}</a>')
        at = match.end()
    parts.append(_escaped_with_tags(line[at:], tag))
    return "".join(parts)


def _escaped_with_tags(text: str, tag: re.Pattern) -> str:
    parts, at = [], 0
    for match in tag.finditer(text):
        parts += [html.escape(text[at:match.start()]), f'<span class="tag" style="white-space:nowrap">'
                  f"{html.escape(match[0])}</span>"]
        at = match.end()
    return "".join(parts) + html.escape(text[at:])


def table(title: str, header: tuple[str, ...], rows: list[list[str]]) -> str:
    cells = ["<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"]
    cells += ["<tr>" + "".join(f'<td{" class=tag" if i == 0 else ""}>{html.escape(c)}</td>'
                               for i, c in enumerate(row)) + "</tr>" for row in rows]
    return f"<p><b>{html.escape(title)}</b></p>\n<table>\n" + "\n".join(cells) + "\n</table>"
