"""`make bench`: throughput, idle-poll time, memory and push latency of mailproc against a
Dovecot and an SMTP sink it starts itself, and the CPU time of writing one outgoing mail,
printed as one table and written to
bench/results.json. Figures are printed, never asserted.

    python -m tests.bench [N]    # N generated mails (default 2000, or BENCH_MAILS)
    BENCH_IDLE_AT=20000          # processed mails for the second idle-poll figure (0: skip)

Timings are compared as ratios taken in the same run: the machines are shared and noisy,
absolute numbers are for orientation only.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import pathlib
import statistics
import sys
import time

from tests.bench import composing, pipeline, stack, workers
from tests.bench.mails import Backlog, small
from tests.mailfactory import make_mail

ROOT = pathlib.Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results.json"
BIG_MAILBOX, IDLE_MAILBOX = "client3@example.test", "client4@example.test"  # beside the backlog's support@


def raw_fetch_rate(ms: stack.Stack, n: int, bulk: int | bool = 50) -> float:
    """mails/s of imap-tools fetching every mail of INBOX (parsed into its MailMessage): with 50 mails
    a command, the physical limit; with bulk=False (imap-tools' default), one command a mail."""
    with ms.imap("support@example.test") as mb:
        start = time.perf_counter()
        got = sum(1 for msg in mb.fetch(mark_seen=False, bulk=bulk) if msg.uid)
        took = time.perf_counter() - start
    assert got == n, f"fetched {got} of {n}"
    return n / took


def idle_poll(desk_dir: pathlib.Path) -> tuple[float, int]:
    """(median seconds, IMAP commands) of a whole poll cycle that finds no new mail, as `run` does
    it (on the connection kept from the cycle before, where the desk keeps one), timed inside the
    process running it (no start-up of Python)."""
    code = (
        "import imaplib, pathlib, statistics, sys, time\n"
        "from mailproc import fetch\n"
        "from mailproc.config import load_settings\n"
        "from mailproc import cli\n"
        "from mailproc.cycle import run_cycle\n"
        "settings = load_settings(pathlib.Path(sys.argv[1]))\n"
        "desk = cli.make_desks(settings)[0] if hasattr(cli, 'make_desks') else cli.make_desk(settings)\n"
        "kept = getattr(fetch, 'KeptSession', None)\n"
        "kept = kept and kept(desk.settings.mailbox, desk.secrets.imap_password)\n"
        "options = {'connection': kept.use} if kept else {}\n"
        "run_cycle(desk, **options)\n"
        "sent = imaplib.IMAP4._command\n"
        "count = []\n"
        "imaplib.IMAP4._command = lambda self, name, *a: (count.append(name), sent(self, name, *a))[1]\n"
        "times = []\n"
        "for _ in range(7):\n"
        "    count.clear(); t = time.perf_counter(); run_cycle(desk, **options)\n"
        "    times.append(time.perf_counter() - t)\n"
        "print(statistics.median(times), len(count))\n")
    out = stack.mailproc_python(code, str(desk_dir / "config.toml")).split()
    return float(out[0]), int(out[1])


def big_attachment_rss(ms: stack.Stack, sink: stack.Sink) -> float:
    """Peak RSS (MiB) of `mailproc poll` processing one mail with a 25 MB attachment, accepted and
    stored (the attachment limits are raised past it) but too large to be forwarded to the agents."""
    from PIL import Image

    side = 2900  # a PNG of noise barely compresses: 25 MB
    png = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(png, "PNG", compress_level=1)
    raw = make_mail(subject="big", body="see attachment", attachments=[("big.png", png.getvalue(), "image/png")])
    ms.append([raw], BIG_MAILBOX)
    accepted = {"attachments": {"max_file_mb": 40, "max_total_mb": 40}}
    return stack.poll(stack.new_desk(ms, sink, BIG_MAILBOX, accepted))[1]


def idle_latency(ms: stack.Stack, sink: stack.Sink, count: int = 50) -> list[float] | None:
    """Seconds from APPEND to the acknowledgement accepted by the sink, `mailproc run` waiting in IDLE;
    None when the config knows no [mailbox].idle."""
    from mailproc.config import SCHEMA

    if "idle" not in SCHEMA["mailbox"]:
        return None
    desk = stack.new_desk(ms, sink, IDLE_MAILBOX, idle=True)
    latencies = []
    with stack.running(desk):
        time.sleep(3)  # first cycle done, waiting in IDLE
        for n in range(count):
            message_id = f"<idle-{n}-{time.time_ns()}@client.example.test>"
            raw = make_mail(from_=f"Client <idle{n}@example.test>", subject=f"Вопрос {n}",
                            body="Не могу войти в личный кабинет.", message_id=message_id)
            start = time.monotonic()
            ms.append([raw], IDLE_MAILBOX)
            accepted = sink.wait_for(message_id.encode(), timeout=30)
            latencies.append(accepted - start if accepted else float("inf"))
    return latencies


def report(results: dict, rows: list[tuple[str, str, str]]) -> None:
    """The table of what was measured (all of it, or what came before an interruption)."""
    if not rows:
        return
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    print(f"mailproc bench: {results['mails']} mails, {results['backlog_mb']} MB (python {results['python']})")
    for r in (("", "measured", "target"), *rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(r, widths)).rstrip())
    print(f"written to {RESULTS.relative_to(ROOT)}")


def main(argv: list[str]) -> int:
    n = int(argv[0] if argv else os.environ.get("BENCH_MAILS", 2000))
    idle_at = int(os.environ.get("BENCH_IDLE_AT", 20000))
    results: dict = {"mails": n, "python": sys.version.split()[0]}
    rows: list[tuple[str, str, str]] = []
    with contextlib.ExitStack() as context:
        context.callback(report, results, rows)
        try:
            ms = context.enter_context(stack.started())
        except stack.Unavailable as exc:
            print(f"bench skipped: {exc}")
            return 0
        sink = context.enter_context(stack.sink())
        print(f"generating {n} mails ...", file=sys.stderr)
        backlog = Backlog().make(n)
        results["backlog_mb"] = round(sum(map(len, backlog)) / 2**20, 1)
        ms.append(backlog)

        raw, one_by_one = raw_fetch_rate(ms, n), raw_fetch_rate(ms, n, bulk=False)
        desk = stack.new_desk(ms, sink)
        print(f"mailproc poll on {n} mails ({results['backlog_mb']} MB) ...", file=sys.stderr)
        cpu: dict[str, float] = {}
        before = ms.dovecot_cpu(), sink.cpu()
        took, rss = stack.poll(desk, cpu)
        cpu.update(dovecot=ms.dovecot_cpu() - before[0], smtp_sink=sink.cpu() - before[1])
        e2e = n / took
        results.update(raw_fetch_per_s=round(raw, 1), raw_fetch_one_by_one_per_s=round(one_by_one, 1),
                       end_to_end_per_s=round(e2e, 1), ratio=round(e2e / raw, 3),
                       cpu_ms_per_mail={k: round(1000 * v / n, 2) for k, v in cpu.items()},
                       backlog_rss_mb=round(rss), sent=sink.count)
        rows += [("raw imap-tools fetch, 50 mails a command", f"{raw:.0f} mails/s", "(the limit)"),
                 ("raw imap-tools fetch, one mail a command", f"{one_by_one:.0f} mails/s", "(its default)"),
                 ("mailproc poll end to end", f"{e2e:.1f} mails/s, {sink.count} mails sent", ""),
                 ("  ratio to raw fetch", f"{e2e / raw:.1%}", ">= 50%"),
                 ("  ratio to one-by-one fetch", f"{e2e / one_by_one:.1%}", ""),
                 ("  CPU per mail: " + ", ".join(cpu), " + ".join(f"{1000 * s / n:.1f}" for s in cpu.values())
                  + f" = {1000 * sum(cpu.values()) / n:.1f} ms", f"(2 cores: {2 * took / n * 1000:.1f} ms a mail)"),
                 (f"peak RSS, poll of {n} mails", f"{rss:.0f} MiB", "< 150 MiB, flat in N")]

        seconds, commands = idle_poll(desk)
        results["idle_poll"] = {str(n): {"ms": round(seconds * 1000, 1), "imap_commands": commands}}
        rows.append((f"idle poll at {n} processed", f"{seconds * 1000:.0f} ms, {commands} IMAP commands",
                     "<= 50 ms, one round trip"))
        idle_row = len(rows)

        rss = big_attachment_rss(ms, sink)
        results["big_attachment_rss_mb"] = round(rss)
        rows.append(("peak RSS, one 25 MB attachment", f"{rss:.0f} MiB", "< 150 MiB"))

        latencies = idle_latency(ms, sink)
        if latencies is None:
            results["idle_latency"] = None
            rows.append(("IDLE latency (median, p95)", "n/a (idle mode not available)", "median <= 2 s"))
        else:
            ordered = sorted(latencies)
            median, p95 = statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]
            results["idle_latency"] = {"median_s": round(median, 3), "p95_s": round(p95, 3)}
            rows.append((f"IDLE latency over {len(ordered)} mails", f"median {median:.2f} s, p95 {p95:.2f} s",
                         "median <= 2 s"))

        sqlite = pipeline.rate()
        postgresql = pipeline.rate_on_postgresql()
        results["pipeline_per_s"] = {"sqlite": round(sqlite, 1),
                                     "postgresql": round(postgresql, 1) if isinstance(postgresql, float) else None}
        rows += [("pipeline alone (no IMAP/SMTP), SQLite", f"{sqlite:.0f} mails/s", ""),
                 ("pipeline alone, PostgreSQL", f"{postgresql:.0f} mails/s" if isinstance(postgresql, float)
                  else postgresql, "")]

        composed = composing.cpu_ms_per_mail()
        results["compose_cpu_ms"] = {kind: round(ms, 3) for kind, ms in composed.items()}
        rows += [(f"writing one {kind}", f"{ms:.2f} ms CPU", "") for kind, ms in composed.items()]

        backlog = min(n, 500)
        print(f"`mailproc run` on PostgreSQL, {backlog} mails, one worker then two ...", file=sys.stderr)
        by_workers = workers.rates(ms, sink, backlog)
        results["run_on_postgresql_per_s"] = (by_workers if isinstance(by_workers, str)
                                              else {str(k): round(v, 1) for k, v in by_workers.items()})
        rows += ([(f"`run` on PostgreSQL, {backlog} mails", by_workers, "")] if isinstance(by_workers, str) else
                 [(f"`run` on PostgreSQL, {backlog} mails, {k} worker(s)", f"{v:.1f} mails/s", "")
                  for k, v in by_workers.items()])

        # the longest part last: the figures above are not lost when it is interrupted
        if idle_at > n:
            print(f"growing the desk to {idle_at} processed mails ...", file=sys.stderr)
            ms.append([small(i) for i in range(idle_at - n)])
            took, _ = stack.poll(desk)
            seconds, commands = idle_poll(desk)
            results["small_mails_per_s"] = round((idle_at - n) / took, 1)
            results["idle_poll"][str(idle_at)] = {"ms": round(seconds * 1000, 1), "imap_commands": commands}
            rows.insert(idle_row, (f"idle poll at {idle_at} processed",
                                   f"{seconds * 1000:.0f} ms, {commands} IMAP commands", "same as above"))
        else:
            rows.insert(idle_row, ("idle poll at BENCH_IDLE_AT processed", "skipped (BENCH_IDLE_AT <= N)", ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
