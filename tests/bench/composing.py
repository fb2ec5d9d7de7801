"""CPU time of writing one outgoing mail, template to bytes (no database, no SMTP): the automatic
reply in Russian and the agents' notification, bare and with forwarded screenshots. CPU time,
not wall time: other work on a shared machine barely moves it."""
from __future__ import annotations

import datetime as dt
import time

MOSCOW = dt.timezone(dt.timedelta(hours=3))
NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=MOSCOW)


def cpu_ms_per_mail(n: int = 1000) -> dict[str, float]:
    """CPU milliseconds per mail of each kind, over n mails of it."""
    from mailproc import render, template_vars
    from mailproc.actions import ReplyBlock
    from mailproc.mail import Attachment
    from mailproc.views import Thread
    from tests.pure import default_settings

    settings = default_settings()
    threading = Thread("m2@client.example", ("m1@client.example", "m2@client.example"))
    screenshots = (Attachment("Снимок экрана 2026-11-27.png", "image/png", bytes(range(256)) * 600),
                   Attachment("касса.png", "image/png", bytes(range(256)) * 200))
    reply = render.ReplyRequest(
        tag="KB-000123", subject="Не могу войти в личный кабинет, касса не видит карты покупателей", language="ru",
        blocks=(ReplyBlock("ack"), ReplyBlock("missing", {"items": ["account_id", "screenshots"]})),
        first_response_due=NOW + dt.timedelta(hours=2), recipient="petr@market.example", client_name="Пётр",
        threading=threading)

    def notification(files: int) -> None:
        render.render_to_agents(settings, b"bench", template="notification.txt.j2", tag="KB-000123",
                                to=tuple(settings.support.agents), variables=template_vars.sample("notification.txt.j2"),
                                threading=threading, now=NOW, attachments=screenshots[:files])

    kinds = {"auto-reply (ru)": lambda: render.render_auto_reply(settings, b"bench", reply, NOW),
             "notification": lambda: notification(0),
             "notification, 150 + 50 KB screenshots": lambda: notification(2)}
    figures = {}
    for kind, write in kinds.items():
        write()  # templates compiled before the clock starts
        start = time.process_time()
        for _ in range(n):
            write()
        figures[kind] = (time.process_time() - start) * 1000 / n
    return figures
