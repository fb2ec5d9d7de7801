"""Body text helpers: HTML to readable text, language guess. Pure."""
from __future__ import annotations

import html
import html.parser
import re

_BLOCK_TAGS = {"p", "div", "br", "tr", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "pre"}
_SKIPPED_TAGS = {"script", "style", "head", "title", "template", "noscript"}


class _TextExtractor(html.parser.HTMLParser):
    """Keeps the visible text and link targets; drops scripts, styles and remote content.
    Table cells are kept apart by " | " and list items start with "- " or their number."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0
        self._links: list[str | None] = []
        self._cell_began = False  # a cell began: text that follows on the same line is set apart
        self._line_has_text = False
        self._lists: list[int] = []  # per open list: 0 for bullets, else the next item's number

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED_TAGS:
            self._skip_depth += 1
        elif tag in ("td", "th"):
            self._cell_began = True
        elif tag == "li":
            self._newline()
            self.parts.append(self._bullet())
        elif tag in _BLOCK_TAGS:
            if tag in ("ul", "ol"):
                self._lists.append(1 if tag == "ol" else 0)
            self._newline()
        if tag == "a":
            href = dict(attrs).get("href") or ""
            self._links.append(href if href.startswith(("http://", "https://", "mailto:")) else None)

    def _newline(self) -> None:
        self.parts.append("\n")
        self._line_has_text = False

    def _bullet(self) -> str:
        if not self._lists or not self._lists[-1]:
            return "- "
        self._lists[-1] += 1
        return f"{self._lists[-1] - 1}. "

    def handle_endtag(self, tag):
        if tag in _SKIPPED_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_TAGS and tag != "tr":  # the next row starts its own line
            if tag in ("ul", "ol") and self._lists:
                self._lists.pop()
            self._newline()
        if tag == "a" and self._links:
            href = self._links.pop()
            if href and not self.parts[-1:] == [href]:
                self.parts.append(f" ({href})")

    def handle_data(self, data):
        if self._skip_depth:
            return
        if data.strip():
            if self._cell_began and self._line_has_text:  # cells of one row: "№2 | 0x45", not "№20x45"
                self.parts.append(" | ")
                data = data.lstrip()  # a line break in the markup is a space: keep the cell on its line
            self._cell_began, self._line_has_text = False, True
        if "\n" in data[len(data.rstrip()):]:  # markup line breaks are kept as lines
            self._line_has_text = False
        self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Readable plain text of an HTML body, links kept as "text (url)"."""
    extractor = _TextExtractor()
    try:
        extractor.feed(markup)
        extractor.close()
    except Exception:  # html.parser is lenient; this is a last resort for hostile markup
        return html.unescape(re.sub(r"<[^>]*>", " ", markup))
    return normalize_whitespace("".join(extractor.parts))


def unflow(text: str, delsp: bool = False) -> str:
    """A format=flowed text (RFC 3676 §4) as the writer meant it: a line ending in a space goes on
    in the next line of the same quote depth; space-stuffing removed; with DelSp=yes the space
    of a soft break is deleted."""
    out: list[str] = []
    open_depth: int | None = None  # quote depth of a paragraph still going on
    for line in text.replace("\r\n", "\n").split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        content = content[1:] if content.startswith(" ") else content
        soft = content.endswith(" ") and content != "-- "
        if soft and delsp:
            content = content[:-1]
        if open_depth == depth and out:
            out[-1] += content
        else:
            out.append(("> " * depth if depth else "") + content)
        open_depth = depth if soft else None
    return "\n".join(out)


def normalize_whitespace(text: str) -> str:
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)


def guess_language(text: str, default: str = "ru") -> str:
    """'en' when the text is clearly English, else 'ru' (or the default)."""
    cyrillic = len(_CYRILLIC.findall(text))
    latin = len(_LATIN.findall(text))
    if cyrillic >= 3 and cyrillic * 3 >= latin:
        return "ru"
    if latin >= 10 and cyrillic == 0:
        return "en"
    return default
