"""`make bench`: figures for parsing and processing, printed, never asserted.

Run as `python -m tests.bench`. Timings are compared as ratios taken in the same run:
the machines are shared and noisy, absolute numbers are for orientation only.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

from tests.corpus import CORPUS, corpus_rows
from tests.mailfactory import make_mail

NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.timezone.utc)


def bench_corpus_parse() -> None:
    from mailproc.mail import RawMail
    from mailproc.parse.message import parse_mail

    rows = corpus_rows("email")
    if not rows:
        print(f"corpus parse: skipped (no corpus at {CORPUS})")
        return
    mails = [(CORPUS / r["path"]).read_bytes() for r in rows]
    start = time.perf_counter()
    slowest = (0.0, "")
    for row, data in zip(rows, mails):
        t0 = time.perf_counter()
        parse_mail(RawMail("INBOX", 1, 1, NOW, data))
        slowest = max(slowest, (time.perf_counter() - t0, row["path"]))
    total = time.perf_counter() - start
    size = sum(map(len, mails)) / 1e6
    print(f"corpus parse: {len(mails)} mails, {size:.1f} MB in {total:.2f} s "
          f"({len(mails) / total:.0f} mails/s, {size / total:.1f} MB/s); slowest {slowest[0]:.2f} s {slowest[1]}")


# VmHWM (peak RSS of this process image), not ru_maxrss: that one survives exec from a big parent.
_PEAK_CHILD = """
import datetime as dt, re, sys, dataclasses
from mailproc.mail import RawMail
from mailproc.parse.message import parse_mail
from mailproc.defaults import AttachmentLimits
from mailproc.parse.attachments import judge_all
def peak_kb():
    return int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read())[1])
data = open(sys.argv[1], "rb").read()
before = peak_kb()
mail = parse_mail(RawMail("INBOX", 1, 1, dt.datetime.now(dt.timezone.utc), data))
parsed = peak_kb()
limits = AttachmentLimits(max_file_bytes=40 * 2**20, max_total_bytes=40 * 2**20)
mail = dataclasses.replace(mail, attachments=judge_all(mail.attachments, limits))
print(before, parsed, peak_kb(), mail.attachments[0].verdict.accepted)
"""


def bench_big_attachment() -> None:
    from PIL import Image

    # A 25 MB attachment: a PNG of noise barely compresses.
    side = 2900
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    png = io.BytesIO()
    image.save(png, "PNG", compress_level=1)
    raw = make_mail(subject="big", body="see attachment", attachments=[("big.png", png.getvalue(), "image/png")])
    with tempfile.NamedTemporaryFile(suffix=".eml") as fh:
        fh.write(raw)
        fh.flush()
        out = subprocess.run([sys.executable, "-c", _PEAK_CHILD, fh.name], capture_output=True, text=True,
                             check=True).stdout.split()
    before_kb, parsed_kb, after_kb, accepted = int(out[0]), int(out[1]), int(out[2]), out[3]
    mb = len(png.getvalue()) / 2**20
    print(f"25 MB attachment: PNG {mb:.1f} MiB in a {len(raw) / 2**20:.1f} MiB mail; peak above the raw bytes: "
          f"parse {(parsed_kb - before_kb) / 1024:.0f} MiB ({(parsed_kb - before_kb) / 1024 / mb:.1f}x the attachment), "
          f"parse + decode {(after_kb - before_kb) / 1024:.0f} MiB (accepted={accepted})")


def bench_pipeline(n: int = 200, url: str = "sqlite:///mailproc.db") -> None:
    from mailproc.config import Secrets, load_settings
    from mailproc.mail import RawMail
    from mailproc.parse.message import parse_mail
    from mailproc.desk import Desk
    from mailproc.pipeline import process_mail
    from mailproc.reader import MailReader
    from mailproc.store import record
    from mailproc.store.db import BlobStore, open_database

    work = pathlib.Path(tempfile.mkdtemp(prefix="mp-bench-"))
    (work / "config.toml").write_text(f'[support]\nmax_auto_replies_per_day = 100000\n[database]\nurl = "{url}"\n')
    settings = load_settings(work / "config.toml")
    open_database(settings.database)
    desk = Desk(settings, Secrets("x", None, b"bench"), BlobStore(settings.database.data_dir / "blobs"),
                clock=lambda: NOW)
    record.folder_state("INBOX", 1)
    raws = [RawMail("INBOX", 1, uid, NOW, make_mail(from_=f"c{uid % 20}@example.test", subject=f"Вопрос {uid}",
                                                    body="Не могу войти в личный кабинет. ID аккаунта: 10452"))
            for uid in range(1, n + 1)]
    t0 = time.perf_counter()
    for raw in raws:
        parse_mail(raw)
    parse_only = time.perf_counter() - t0
    t0 = time.perf_counter()
    with MailReader(settings.limits.mail_seconds) as reader:
        for raw in raws:
            process_mail(desk, raw, reader)
    full = time.perf_counter() - t0
    print(f"pipeline on {url.partition(':')[0]}: {n} mails processed in {full:.2f} s ({n / full:.0f} mails/s, no IMAP/SMTP); "
          f"parsing alone is {parse_only / full:.0%} of it")


def bench_pipeline_on_postgresql() -> None:
    from tests.mailstack import postgres

    try:
        cluster = postgres.Cluster()
    except (postgres.Unavailable, OSError) as exc:
        print(f"pipeline on postgresql: skipped ({exc})")
        return
    try:
        os.environ["MAILPROC_DATABASE_PASSWORD"] = postgres.PASSWORD
        bench_pipeline(url=cluster.fresh_database())
    finally:
        cluster.stop()


def main() -> int:
    print(f"python {sys.version.split()[0]}, max RSS so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB")
    bench_corpus_parse()
    bench_pipeline()
    bench_pipeline_on_postgresql()
    bench_big_attachment()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
