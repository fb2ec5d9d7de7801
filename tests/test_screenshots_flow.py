"""§4.2 end to end: screenshots judged by content; the client is told exactly which files failed."""
import io

from PIL import Image

from tests.mailfactory import make_mail, text_of

CLIENT = "client@example.test"
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(200)  # what an iPhone sends


def _image(fmt: str, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (64, 48), "red").save(out, fmt)
    return out.getvalue()


def test_client_is_told_exactly_which_screenshots_were_rejected(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    truncated_gif = _image("GIF", "P")[:-20]
    mail.deliver(make_mail(from_=CLIENT, subject="Ошибка на кассе", body="Касса выдаёт ошибку, скриншоты во вложении.",
                           attachments=[("screen.png", _image("PNG"), "image/png"),
                                        ("IMG_0042.jpg", HEIC, "image/jpeg"),
                                        ("error.gif", truncated_gif, "image/gif")]))
    mailproc_cli(config, "poll")

    reply = text_of(mail.wait_for(CLIENT, "KB-000001"))
    assert "«IMG_0042.jpg» — на самом деле это файл HEIC, а не JPG" in reply
    assert "«error.gif» — файл повреждён" in reply
    assert "screen.png" not in reply
    assert "Наиболее совместимый" in reply  # the iPhone hint, because one file was HEIC

    [ticket] = mailproc_cli(config, "tickets", "--json", json=True)
    assert "bad_attachment" in ticket["labels"]
    shown = mailproc_cli(config, "show", "KB-000001", "--json", json=True)
    verdicts = {a["filename"]: (a["detected_format"], a["accepted"], a["reason"])
                for a in shown["messages"][0]["attachments"]}
    assert verdicts == {"screen.png": ("png", True, ""), "IMG_0042.jpg": ("heic", False, "spoofed_extension"),
                        "error.gif": ("gif", False, "corrupt")}
    screen = mailproc_cli(config, "show", "KB-000001").stdout
    assert "screen.png" in screen and '"IMG_0042.jpg" is really a HEIC image' in screen and "REJECTED" in screen


def test_good_screenshots_and_documents_are_not_mentioned(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    mail.deliver(make_mail(from_=CLIENT, subject="Выгрузка", body="Прикладываю скриншот и лог.",
                           attachments=[("shot.jpg", _image("JPEG"), "image/jpeg"),
                                        ("pos.log", b"12:00 ERROR timeout\n", "text/plain")]))
    mailproc_cli(config, "poll")
    reply = text_of(mail.wait_for(CLIENT, "KB-000001"))
    assert "JPG, GIF или PNG" not in reply and "shot.jpg" not in reply
    [ticket] = mailproc_cli(config, "tickets", "--json", json=True)
    assert "bad_attachment" not in ticket["labels"]


def test_a_follow_up_with_a_bad_file_gets_a_reply_about_it_only(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    mail.deliver(make_mail(from_=CLIENT, subject="Бонусы", body="Не начисляются бонусы."))
    mailproc_cli(config, "poll")
    ack = mail.wait_for(CLIENT, "KB-000001")
    mail.deliver(make_mail(from_=CLIENT, subject="Re: Бонусы [KB-000001]", body="Вот скриншот.",
                           in_reply_to=ack["Message-ID"], attachments=[("shot.webp", _image("WEBP"), "image/webp")]))
    mailproc_cli(config, "poll")
    replies = [m for m in mail.messages(CLIENT)]
    assert len(replies) == 2
    second = text_of(replies[1])
    assert "«shot.webp» — формат WebP не принимается" in second
    assert "зарегистрировано" not in second  # no second acknowledgement


def test_a_file_past_forward_attachment_mb_is_named_in_the_notification_not_attached(mail, mailproc_config,
                                                                                     mailproc_cli):
    config = mailproc_config(limits={"forward_attachment_mb": 0.5})
    noise = io.BytesIO()
    Image.frombytes("RGB", (600, 600), bytes(range(256)) * 4218 + bytes(192)).save(noise, "PNG", compress_level=0)
    big = noise.getvalue()
    mail.deliver(make_mail(from_=CLIENT, subject="Касса", body="Касса выдаёт ошибку, скриншоты во вложении.",
                           attachments=[("small.png", _image("PNG"), "image/png"), ("big.png", big, "image/png")]))
    mailproc_cli(config, "poll")

    notification = mail.wait_for("agent1@example.test", "KB-000001")
    attached = {part.get_filename(): part.get_content() for part in notification.iter_attachments()}
    assert attached == {"small.png": _image("PNG")}
    text = text_of(notification)
    assert f"small.png ({len(_image('PNG'))} bytes) — принято, приложено" in text
    assert (f"big.png ({-(-len(big) * 10 // 2**20) / 10:g} MB) — принято, НЕ приложено (слишком большой файл для "
            "пересылки): где он хранится, покажет `mailproc show KB-000001`") in text
    shown = mailproc_cli(config, "show", "KB-000001").stdout
    [stored_at] = [line.rpartition("; stored at ")[2] for line in shown.splitlines() if "[attachment] big.png" in line]
    with open(stored_at, "rb") as kept:
        assert kept.read() == big
    assert "зарегистрировано" in text_of(mail.wait_for(CLIENT, "KB-000001"))  # the client is answered as ever
