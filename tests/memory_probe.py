"""Peak memory of one `mailproc poll` (for `make bench`): the poll runs in a child process and
the figure is the largest peak RSS among it and the processes it waited for (its mail reader)."""
from __future__ import annotations

import io
import os
import pathlib
import random
import subprocess
import sys

from tests.mailfactory import make_mail

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
