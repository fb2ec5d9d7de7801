"""Peak memory of one `mailproc poll` (for `make bench`): the poll runs in a child process and
the figure is the largest peak RSS among it and the processes it waited for (its mail reader).
`peak_rss_figures` starts a Dovecot and an SMTP sink of its own and measures the 25 MB
attachment and a backlog."""
from __future__ import annotations

import io
import os
import pathlib
import random
import subprocess
import sys
import tempfile

from imap_tools import MailBoxUnencrypted

from tests.mailfactory import make_mail
from tests.mailstack.dovecot import Dovecot
from tests.mailstack.relay import Relay

ROOT = pathlib.Path(__file__).resolve().parent.parent
DESKS = ("desk1@example.test", "desk2@example.test")
AGENTS = ("agent1@example.test", "agent2@example.test")
CLIENTS = ("client@example.test", *(f"client{i}@example.test" for i in range(40)))  # as backlog_mails writes
PASSWORD = "secret"

_MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
if done.returncode:
    sys.exit(done.stderr)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def poll_peak_rss_kib(config: pathlib.Path, cwd: pathlib.Path, env: dict) -> int:
    """Peak RSS in KiB of `mailproc --config CONFIG poll` (its reader processes included)."""
    command = [sys.executable, "-m", "mailproc", "--config", str(config), "poll"]
    out = subprocess.run([sys.executable, "-c", _MEASURE, *command], cwd=cwd, env=env, capture_output=True,
                         text=True, check=True).stdout
    return int(out.split()[-1])


def big_attachment_mail(megabytes: int = 25) -> bytes:
    """A mail carrying one PNG of noise of about `megabytes` MiB (noise barely compresses)."""
    from PIL import Image

    side = int((megabytes * 2**20 / 3) ** 0.5)
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    png = io.BytesIO()
    image.save(png, "PNG", compress_level=1)
    return make_mail(from_="client@example.test", subject="big", body="see the attachment",
                     attachments=[("big.png", png.getvalue(), "image/png")])


def backlog_mails(n: int, seed: int = 1) -> list[bytes]:
    """`n` client mails, two in five with a 50-300 KB screenshot."""
    from PIL import Image

    rng = random.Random(seed)
    mails = []
    for i in range(n):
        attachments = []
        if rng.random() < 0.4:
            side = int((rng.randint(50, 300) * 1024 / 3) ** 0.5)
            png = io.BytesIO()
            Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3)).save(png, "PNG", compress_level=1)
            attachments = [(f"screen{i}.png", png.getvalue(), "image/png")]
        mails.append(make_mail(from_=f"client{i % 40}@example.test", subject=f"Вопрос {i}",
                               body=f"Не могу войти в личный кабинет, попытка {i}.", attachments=attachments))
    return mails


def peak_rss_figures(backlog: int = 300) -> dict[str, int]:
    """Peak RSS in MiB of `mailproc poll` on one mail with a 25 MB screenshot (accepted: the
    attachment limits are raised to 40 MB) and on a backlog of `backlog` mails, each poll on a
    mailbox and a desk of its own, against a Dovecot and an SMTP sink started here."""
    server = Dovecot((*DESKS, *AGENTS, *CLIENTS), PASSWORD)
    relay = Relay(server.lmtp_port).start()
    try:
        return {"attachment_25mb": _poll_peak_mib(server, relay.port, DESKS[0], [big_attachment_mail()]),
                f"backlog_{backlog}": _poll_peak_mib(server, relay.port, DESKS[1], backlog_mails(backlog))}
    finally:
        relay.stop()
        server.stop()


def _poll_peak_mib(server: Dovecot, smtp_port: int, desk: str, mails: list[bytes]) -> int:
    with MailBoxUnencrypted("127.0.0.1", server.imap_port).login(desk, PASSWORD) as mailbox:
        for raw in mails:
            mailbox.append(raw, "INBOX")
    work = pathlib.Path(tempfile.mkdtemp(prefix="mp-memory-"))
    (work / "config.toml").write_text(f"""
[mailbox]
host = "127.0.0.1"
port = {server.imap_port}
security = "none"
user = "{desk}"
password_env = "MAILPROC_IMAP_PASSWORD"
[smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
user = ""
[support]
address = "{desk}"
agents = {list(AGENTS)!r}
token_secret_env = "MAILPROC_TOKEN_SECRET"
max_auto_replies_per_day = 100000
[attachments]
max_file_mb = 40
max_total_mb = 40
[database]
url = "sqlite:///mailproc.db"
""")
    env = dict(os.environ, MAILPROC_IMAP_PASSWORD=PASSWORD, MAILPROC_TOKEN_SECRET="memory",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    return poll_peak_rss_kib(work / "config.toml", work, env) // 1024
