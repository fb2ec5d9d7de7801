"""§4.2 screenshots rule: rejected files listed; other files mentioned only when configured."""
import dataclasses
import io

import pytest
from PIL import Image

from mailproc.parse.attachments import judge_all
from mailproc.rules import screenshots
from mailproc.rules.context import Context
from tests.pure import default_settings, inbound, moscow, run_rule


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG")
    return out.getvalue()


def _ctx(attachments, mention_other_files=False, agent=False):
    settings = default_settings()
    settings = dataclasses.replace(settings, attachments=dataclasses.replace(
        settings.attachments, mention_other_files=mention_other_files))
    mail = inbound(body="Ошибка при выгрузке, файлы во вложении.", attachments=attachments)
    mail = dataclasses.replace(mail, attachments=judge_all(mail.attachments, settings.attachments.limits))
    return Context(mail=mail, ticket=None, settings=settings, now=moscow("2026-11-27 12:00"), sender_is_agent=agent)


CASES = [
    ("a good screenshot: nothing to say", [("ok.png", _png(), "image/png")], False, []),
    ("a WebP: listed", [("a.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp")], False, ["rejected_files"]),
    ("a log, not mentioned by default", [("pos.log", b"ERROR\n", "text/plain")], False, []),
    ("a log, mentioned when configured", [("pos.log", b"ERROR\n", "text/plain")], True, ["other_files"]),
    ("both kinds, configured", [("a.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
                                ("report.pdf", b"%PDF-1.4\n", "application/pdf")], True,
     ["rejected_files", "other_files"]),
    ("no attachments", [], True, []),
]


@pytest.mark.parametrize("attachments,mention,blocks", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_screenshots_rule(attachments, mention, blocks):
    actions = screenshots.check(_ctx(attachments, mention))
    assert [a.name for a in actions if hasattr(a, "name")] == blocks
    assert any(getattr(a, "label", None) == "bad_attachment" for a in actions) == ("rejected_files" in blocks)


def test_agents_attachments_are_not_judged_for_the_client():
    assert run_rule(screenshots.check, _ctx([("a.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp")], agent=True)) == []
