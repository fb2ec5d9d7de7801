"""A seeded backlog of realistic support mail for `make bench`.

Shares (of N): 40% carry one or two 50-300 KB screenshots, some in formats the desk refuses
or broken; 30% answer an earlier mail of the same client under a changed subject; 10% are
HTML only; 5% are auto-replies or bounces. Images come from a small pool and are made
unique per mail (a PNG text chunk, a JPEG comment): no two mails share a blob.
"""
from __future__ import annotations

import io
import random
import struct
import zlib

from tests.mailfactory import make_mail

QUESTIONS = (
    "Не могу войти в личный кабинет, пишет «неверный пароль». ID аккаунта: {account}",
    "Не начислились бонусные баллы за заказ от прошлой недели. Аккаунт {account}.",
    "Как настроить акцию «2 по цене 1» для своего магазина? Скриншот настроек прилагаю.",
    "После обновления приложение закрывается при открытии корзины. Телефон Android 14.",
    "I cannot log in to my account {account}, the reset link never arrives.",
    "Please close my account, I no longer use the service.",
    "Оплата прошла, но заказ висит в статусе «ожидает оплаты». Номер аккаунта {account}.",
    "Where can I download the invoice for last month? My account ID is {account}.",
)
FOLLOW_UPS = (
    "Добавлю: ошибка повторяется и сегодня, вот ещё скриншот.",
    "Any news? It still does not work.",
    "Спасибо, заработало! Но теперь другой вопрос: как сменить email?",
    "Уточнение к вопросу выше: аккаунт {account}.",
)
SIGNATURE = "\n\n--\nС уважением,\n{name}\n"
NAMES = ("Анна Петрова", "Иван Смирнов", "Olga K.", "John Miller", "Мария", "Пётр Иванов")
STORES = 200  # distinct clients


def _png(rng: random.Random, size: int) -> bytes:
    from PIL import Image

    # a screenshot: flat panels with a noisy region whose area sets the compressed size
    width = 1280
    height = max(64, size // (width // 2))
    image = Image.new("RGB", (width, height), (rng.randrange(200, 256),) * 3)
    noise = Image.frombytes("RGB", (width // 8, max(8, size // (3 * (width // 8)))),
                            rng.randbytes(3 * (width // 8) * max(8, size // (3 * (width // 8)))))
    image.paste(noise, (0, 0))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def _as(png: bytes, fmt: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(out, fmt)
    return out.getvalue()


def _unique(data: bytes, fmt: str, n: int) -> bytes:
    tag = f"mail {n}".encode()
    if fmt == "png":  # a tEXt chunk before IEND
        chunk = b"tEXt" + b"Comment\x00" + tag
        return data[:-12] + struct.pack(">I", len(chunk) - 4) + chunk + struct.pack(">I", zlib.crc32(chunk)) + data[-12:]
    if fmt == "jpeg":  # a COM segment after SOI
        return data[:2] + b"\xff\xfe" + struct.pack(">H", len(tag) + 2) + tag + data[2:]
    return data + tag  # BMP and broken files: trailing bytes


class Backlog:
    """make(n) -> list of raw mails, deterministic for a seed."""

    def __init__(self, seed: int = 15):
        self.rng = random.Random(seed)
        rng = self.rng
        pngs = [_png(rng, rng.randrange(50_000, 300_000)) for _ in range(12)]
        self.images = ([("png", p) for p in pngs] + [("jpeg", _as(p, "JPEG")) for p in pngs[:6]])
        # formats the desk refuses or cannot read: BMP, a cut PNG, a PNG that says it is a JPEG
        self.wrong = [("bmp", _as(pngs[0][:], "BMP")[:300_000]), ("broken", pngs[1][: len(pngs[1]) // 2]),
                      ("png-as-jpg", pngs[2])]
        self.sent: list[tuple[str, str, str]] = []  # (from, subject, message-id) of earlier client mail

    def _attachments(self, n: int) -> list[tuple[str, bytes, str]]:
        out = []
        for i in range(self.rng.choice((1, 1, 2))):
            if self.rng.random() < 0.15:
                kind, data = self.rng.choice(self.wrong)
                name, mime = {"bmp": ("screen.bmp", "image/bmp"), "broken": ("screen.png", "image/png"),
                              "png-as-jpg": ("screen.jpg", "image/jpeg")}[kind]
                out.append((f"{i}-{name}", _unique(data, kind, n), mime))
            else:
                fmt, data = self.rng.choice(self.images)
                out.append((f"screenshot-{n}-{i}.{'jpg' if fmt == 'jpeg' else 'png'}", _unique(data, fmt, n),
                            f"image/{fmt}"))
        return out

    def mail(self, n: int) -> bytes:
        rng = self.rng
        roll = rng.random()
        account = str(10000 + rng.randrange(90000))
        if roll < 0.05:
            return self._machine(n)
        client = rng.randrange(STORES)
        from_ = f"{rng.choice(NAMES)} <client{client}@example.test>"
        headers: dict = {}
        subject, references = rng.choice(QUESTIONS)[:40].format(account=account), None
        text = rng.choice(QUESTIONS).format(account=account)
        earlier = [m for m in self.sent[-400:] if m[0] == from_]
        if roll < 0.35 and earlier:
            _, old_subject, old_id = rng.choice(earlier)
            subject = f"Re: {old_subject} (ещё вопрос)" if rng.random() < 0.5 else f"Новое: {account}"
            references = old_id
            text = rng.choice(FOLLOW_UPS).format(account=account) + "\n\n> " + old_subject
        text += SIGNATURE.format(name=from_.split(" <")[0])
        message_id = f"<bench-{n}@client{client}.example.test>"
        attachments = self._attachments(n) if rng.random() < 0.4 else []
        html_only = rng.random() < 0.1
        html = "<html><body><p>" + text.replace("\n", "<br>") + "</p></body></html>"
        self.sent.append((from_, subject, message_id))
        if references:
            headers = {"In-Reply-To": references, "References": references}
        return make_mail(from_=from_, subject=subject, body=None if html_only else text,
                         html=html if html_only else None, message_id=message_id, headers=headers,
                         attachments=attachments)

    def _machine(self, n: int) -> bytes:
        if self.rng.random() < 0.5:
            return make_mail(from_=f"Client <client{self.rng.randrange(STORES)}@example.test>",
                             subject="Автоответ: меня нет в офисе", body="Я в отпуске до понедельника.",
                             message_id=f"<bench-{n}@auto.example.test>",
                             headers={"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"})
        return make_mail(from_="Mail Delivery System <MAILER-DAEMON@mx.example.test>",
                         subject="Undelivered Mail Returned to Sender",
                         body="This is the mail system. Your message could not be delivered: 550 User unknown.",
                         message_id=f"<bench-{n}@mx.example.test>",
                         headers={"Auto-Submitted": "auto-replied"})

    def make(self, n: int) -> list[bytes]:
        return [self.mail(i) for i in range(n)]


def small(n: int) -> bytes:
    """A short text mail: for growing the desk to tens of thousands of processed mails quickly."""
    return make_mail(from_=f"Client <client{n % STORES}@example.test>", subject=f"Вопрос {n}",
                     body="Не могу войти в личный кабинет.", message_id=f"<small-{n}@client.example.test>")
