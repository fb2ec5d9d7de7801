"""The command line of SPEC §7 (edge). Exit codes: 0 ok, 2 bad usage or config, 1 runtime failure.

With --json, stdout carries only the JSON; logs and progress go to stderr.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import pathlib
import re
import sqlite3
import sys
import tempfile

import peewee

import mailproc
from mailproc import accounts, logs, report_svg, report_text, shipped, status, template_check, templating, undo
from mailproc.config import Settings, config_path, database_at, load_settings, read_mailboxes_secrets
from mailproc.cycle import every_mailbox, one_poller, run_cycle
from mailproc.daemon import Daemon
from mailproc.desk import Desk
from mailproc.errors import ConfigError, MailprocError
from mailproc.fetch import connect
from mailproc.send import check_login
from mailproc.store import db, desk_copy, queries, record, retention, sla_report
from mailproc.store.db import PRIVATE_UMASK, BlobStore, open_database
from mailproc.store.models import database
from mailproc.vocab import Status

log = logging.getLogger("mailproc")

EXIT_OK, EXIT_RUNTIME, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """Every (sub)command accepts the logging options, so `-v` goes before or after the command."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        logs = self.add_argument_group("logging")
        logs.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                          help="debug logging; -vv also the SQL statements")
        logs.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                          help="warnings and errors only")
        logs.add_argument("--log-format", choices=("text", "json"), default=argparse.SUPPRESS,
                          help="json: one object per line (time, level, logger, message) for a log collector")

    def error(self, message):  # argparse exits 2 already; keep its message format
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mailproc", description="A support mailbox turned into a ticket desk.")
    parser.set_defaults(verbose=0, quiet=False, log_format="text")
    parser.add_argument("--version", action="version", version=f"%(prog)s {mailproc.__version__}")
    parser.add_argument("--config", help="config file (default: $MAILPROC_CONFIG, else ./config.toml)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    resume = argparse.ArgumentParser(add_help=False)
    resume.add_argument("--resume-numbering", action="store_true",
                        help="number new tickets after the highest tag found in the processed folder: once, after "
                             "the database was lost (poll refuses an empty database otherwise) or restored")
    sub.add_parser("run", help="the daemon: poll and send on a schedule", parents=[resume])
    sub.add_parser("poll", help="one full cycle, then exit", parents=[resume])
    tickets = sub.add_parser("tickets", help="list tickets")
    tickets.add_argument("--json", action="store_true")
    tickets.add_argument("--status", choices=[*(s.value for s in Status), queries.QUARANTINED],
                         help="only tickets in this status; 'quarantined' lists the mails that could not be processed")
    tickets.add_argument("--client", metavar="ADDR", help="only the tickets of this client address")
    tickets.add_argument("--account", metavar="ID", help="only the tickets of this account")
    tickets.add_argument("--search", metavar="WORDS",
                         help="only tickets with every word in the subject or the text of one of their mails")
    show = sub.add_parser("show", help="one ticket with its messages")
    show.add_argument("ticket", help="tag such as KB-000123")
    show.add_argument("--json", action="store_true")
    queue = sub.add_parser(
        "queue", help="open tickets as agents should work them, with deadlines",
        description="Tickets not closed, critical first, then in order of arrival (§2.1), with the time left "
                    "to the first reaction (§2.3) and, for critical ones, to the resolution (§2.4); breached "
                    "deadlines marked. Tickets waiting on the client are not the agents' move: they come in "
                    "a section of their own after the others (their clocks are paused), suspended ones last.")
    queue.add_argument("--json", action="store_true", help="a JSON array in queue order")
    stats = sub.add_parser("stats", help="SLA compliance, reaction times, volumes, breaches")
    stats.add_argument("--json", action="store_true", help="one JSON object")
    stats.add_argument("--since", type=_date, metavar="YYYY-MM-DD",
                       help="only tickets that arrived on or after this day (local, hours.timezone)")
    stats.add_argument("--chart", metavar="FILE.svg", help="also write an SVG chart of daily volume and compliance")
    check = sub.add_parser("check-config", help="validate the config")
    check.add_argument("--connect", action="store_true", help="also log in to IMAP, SMTP and the database")
    sub.add_parser("demo", help="zero-setup run on embedded servers and sample mail")
    init = sub.add_parser("init", help="write a commented starter config (and the templates) into a directory")
    init.add_argument("directory", metavar="DIR", help="created if missing; an existing config.toml is kept")
    init.add_argument("--templates", action="store_true",
                      help="also copy the shipped templates into DIR/templates to customise them")
    accounts = sub.add_parser("accounts", help="the accounts registry (§4.7, §5)")
    accounts_sub = accounts.add_subparsers(dest="accounts_command", metavar="{import}", required=True,
                                           parser_class=_Parser)
    imports = accounts_sub.add_parser("import", help="add or update accounts from a CSV file; all or nothing")
    imports.add_argument("file", metavar="FILE.csv",
                         help="columns account_id, name, status (active|inactive), partner, partner_contact")
    quarantine = sub.add_parser("quarantine", help="mail that could not be processed (poison)")
    quarantine_sub = quarantine.add_subparsers(dest="action", metavar="{list,retry}", required=True,
                                               parser_class=_Parser)
    quarantine_sub.add_parser("list", help="quarantined mails with their reason").add_argument("--json",
                                                                                                action="store_true")
    quarantine_sub.add_parser("retry", help="after a fix: move the mail back to the polled folder; the next poll "
                                            "processes it afresh").add_argument("id", type=int)
    outbox = sub.add_parser("outbox", help="outgoing mail refused for good by the SMTP server, or held")
    outbox_sub = outbox.add_subparsers(dest="action", metavar="{list,retry}", required=True, parser_class=_Parser)
    outbox_sub.add_parser("list", help="failed and held outgoing mails").add_argument("--json", action="store_true")
    outbox_sub.add_parser("retry", help="send it again with the next send").add_argument("id", type=int)
    alive = sub.add_parser("status", help="alive? last poll and send, outbox, quarantine; exit 0/1/2",
                           description="For cron and monitoring: exits 1 (warning) or 2 (critical) when polling or "
                                       "sending has failed, or no poll succeeded, for [monitoring].warning_minutes or "
                                       "critical_minutes.")
    alive.add_argument("--json", action="store_true", help="one JSON object")
    backup = sub.add_parser("backup", help="a consistent copy of the database, also while `run` is running")
    backup.add_argument("file", help="the copy to write (0600); see README, \"Backup and restore\"")
    database = sub.add_parser("db", help="the database itself")
    database_sub = database.add_subparsers(dest="db_command", metavar="{copy}", required=True, parser_class=_Parser)
    copy = database_sub.add_parser(
        "copy", help="copy every table into another, empty database (SQLite to PostgreSQL) and compare row counts",
        description="Stop `mailproc run` first. The copy is all or nothing; the rows per table are printed. "
                    "Then set [database].url to the new database (README, \"Running on PostgreSQL\").")
    copy.add_argument("--to", required=True, metavar="URL",
                      help="postgresql://USER@HOST:PORT/NAME (the password from database.password_env), "
                           "or sqlite:///PATH")
    purge = sub.add_parser("purge", help="§4.4: remove the stored mails and attachments of tickets closed long ago",
                           description="Tickets closed more than DAYS days ago lose their stored raw mails and "
                                       "attachments; the tickets, their messages and texts stay. A dry run "
                                       "unless --yes.")
    purge.add_argument("--closed-before", type=_days, required=True, metavar="DAYS",
                       help="tickets closed more than this many days ago")
    purge.add_argument("--yes", action="store_true", help="really remove (without it: only say what would go)")
    return parser


def _days(text: str) -> int:
    if text.isdigit():
        return int(text)
    raise argparse.ArgumentTypeError(f"expected a number of days (0 or more), got {text!r}")


def _date(text: str):
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}")


def main(argv: list[str] | None = None) -> int:
    os.umask(PRIVATE_UMASK)  # the database, its copies and stored mail are the clients' mail: ours alone
    args = build_parser().parse_args(argv)
    logs.configure(verbosity=-1 if args.quiet else args.verbose, json_lines=args.log_format == "json")
    if args.command == "demo":
        from mailproc import demo  # its servers come from the optional `demo` extra

        return demo.main()
    if args.command == "init":
        return cmd_init(args)
    try:
        settings = load_settings(config_path(args.config, os.environ))
        return COMMANDS[args.command](settings, args)
    except ConfigError as exc:
        print(f"config error:\n{exc}", file=sys.stderr)
        return EXIT_USAGE
    except MailprocError as exc:
        log.debug("the error in full:", exc_info=True)  # a traceback only with -v
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_RUNTIME


def make_desks(settings: Settings) -> tuple[Desk, ...]:
    """The desk of each mailbox `run` and `poll` work with; refuses (ConfigError) while a template
    fails its check or a mailbox's secret is missing."""
    secrets = read_mailboxes_secrets(settings, os.environ)
    templates = template_check.checked(settings)
    open_database(settings.database)
    templating.use_templates(templates)
    desks = tuple(Desk(one, secret, _blob_store(settings)) for one, secret in zip(settings.each_mailbox(), secrets))
    if len(desks) == 1:
        with database.atomic():
            record.adopt_progress(desks[0].mailbox)
    return desks


def _blob_store(settings: Settings) -> BlobStore:
    return BlobStore(settings.database.data_dir / "blobs")


def cmd_init(args) -> int:
    """`init DIR [--templates]`: the shipped config and templates, to edit; never overwrites a file."""
    directory = pathlib.Path(args.directory)
    copies = [(shipped.STARTER_CONFIG, directory / "config.toml")]
    if args.templates:
        copies += [(path, directory / "templates" / path.relative_to(shipped.TEMPLATES))
                   for path in sorted(shipped.TEMPLATES.glob("*/**/*.j2"))]
    kept = [target for _, target in copies if target.exists()]
    try:
        for source, target in copies:
            if target not in kept:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(source.read_bytes())
    except OSError as exc:
        print(f"error: init {directory}: {exc}", file=sys.stderr)
        return EXIT_RUNTIME
    for target in kept:
        print(f"{target}: exists, kept as it is", file=sys.stderr)
    print(f"{directory / 'config.toml'}: edit [mailbox], [smtp] and [support], then "
          f"`mailproc --config {directory / 'config.toml'} check-config --connect`"
          + (f"; templates in {directory / 'templates'}" if args.templates else ""), file=sys.stderr)
    return EXIT_OK


def cmd_run(settings: Settings, args) -> int:
    return Daemon(lambda: make_desks(load_settings(settings.source)), args.resume_numbering).run()


def cmd_poll(settings: Settings, args) -> int:
    desks = make_desks(settings)
    try:
        report = run_cycle(desks, resume_numbering=args.resume_numbering)
    except MailprocError:
        raise
    except Exception as exc:  # IMAP protocol errors, timeouts: say what failed, exit 1
        log.debug("poll failed", exc_info=True)  # a traceback only with -v
        status.note_cycle(settings, _now(), polled=True, poll_error=f"{type(exc).__name__}: {exc}", send=None)
        print(f"error: poll failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_RUNTIME
    status.note_cycle(settings, _now(), polled=True, poll_error=report.imap_error, send=report.send)
    print(f"poll: {report}", file=sys.stderr)
    failed = [error for error in (report.imap_error, report.send and report.send.error) if error]
    if report.send and report.send.error:
        print(f"error: {report.send.error}; unsent mails stay in the outbox", file=sys.stderr)
    elif report.imap_error:
        print(f"error: {report.imap_error}", file=sys.stderr)
    return EXIT_RUNTIME if failed else EXIT_OK


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def cmd_status(settings: Settings, args) -> int:
    """Exit 0 ok, 1 warning, 2 critical (monitoring plugins' codes); a database that cannot be read is critical."""
    try:
        _open_read_side(settings)
        figures = status.gather(settings, _now())
    except (MailprocError, peewee.DatabaseError) as exc:
        print(f"CRITICAL: database {settings.database.where}: {exc}", file=sys.stderr)
        return status.CRITICAL
    code, reasons = status.verdict(figures, settings.monitoring)
    data = status.as_json(figures, code, reasons, settings.hours.timezone)
    open_tickets = queries.open_tickets_by_prefix()
    data["mailboxes"] = [{"address": one.support.address, "tag_prefix": one.support.tag_prefix,
                          "open_tickets": open_tickets.get(one.support.tag_prefix.upper(), 0)}
                         for one in settings.each_mailbox()]
    print(json.dumps(data, ensure_ascii=False, indent=2) if args.json else "\n".join(status.text_lines(data)))
    return code


def _open_read_side(settings: Settings) -> None:
    open_database(settings.database)


def cmd_tickets(settings: Settings, args) -> int:
    _open_read_side(settings)
    zone = settings.hours.timezone
    if args.status == queries.QUARANTINED:
        if args.client or args.account or args.search:
            print("error: --client, --account and --search find tickets, not quarantined mail", file=sys.stderr)
            return EXIT_USAGE
        rows = queries.list_quarantined(zone)
        header = f"{'UID':<10} {'ARRIVED':<25}  MESSAGE-ID  REASON"
        lines = [f"uid {r['uid']:<6} {r['arrived_at']}  {r['message_id'] or '-'}  {r['reason']}" for r in rows]
    else:
        rows = _naming_mailboxes(settings, queries.list_tickets(zone, args.status, client=args.client,
                                                                 account=args.account, search=args.search))
        several = bool(settings.mailboxes)
        header = (f"{'TICKET':<10} {'STATUS':<9} {'PRIORITY':<8} {'CLIENT':<28} {'MSG':>3}  {'REACTION DUE':<16}  "
                  + ("MAILBOX  " if several else "") + "SUBJECT  LABELS")
        lines = [f"{r['tag']:<10} {r['status']:<9} {r['priority']:<8} {r['client']:<28} "
                 f"{r['message_count']:>3}  {(r['first_response_due'] or '-')[:16]:<16}  "
                 + (f"{r['mailbox'] or '-'}  " if several else "")
                 + f"{r['subject'][:50]}  {','.join(r['labels'])}" for r in rows]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print("\n".join([header, *lines]) if lines else "no tickets")
    return EXIT_OK


def _naming_mailboxes(settings: Settings, rows: list[dict]) -> list[dict]:
    """Each ticket's row gets `mailbox`: the address of the mailbox it belongs to (null: no mailbox
    of the config has its tag prefix now)."""
    return [{**row, "mailbox": settings.address_of(row["tag"])} for row in rows]


def cmd_show(settings: Settings, args) -> int:
    _open_read_side(settings)
    data = queries.show_ticket(args.ticket, settings.hours.timezone, _blob_store(settings))
    if data is None:
        print(f"error: no ticket {args.ticket!r} (see `mailproc tickets`)", file=sys.stderr)
        return EXIT_RUNTIME
    [data] = _naming_mailboxes(settings, [data])
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"{data['tag']}  {data['status']}  {data['priority']}  {data['client']}  {', '.join(data['labels'])}")
    print((f"mailbox: {data['mailbox'] or '-'}\n" if settings.mailboxes else "")
          + f"subject: {data['subject']}\naccount: {data['account_id'] or '-'}\n"
          f"first response due: {data['first_response_due'] or '-'}\nresolution due: {data['resolution_due'] or '-'}")
    for m in data["messages"]:
        print(f"\n--- {m['date']}  {m['direction']}/{m['kind']}  {m['from']} -> {', '.join(m['to'])}"
              f"{_unsent_mark(m)}")
        print(m["text"])
        for a in m["attachments"]:
            verdict = {True: "accepted", False: f"REJECTED: {a['detail']}", None: a["detail"]}[a["accepted"]]
            print(f"  [attachment] {a['filename']} ({a['size']} bytes): {verdict}"
                  + (f"; stored at {a['stored_at']}" if a["stored_at"] else ""))
    return EXIT_OK


def _unsent_mark(message: dict) -> str:
    """`  [NOT SENT: failed: 550 ...]` for an outgoing mail that did not go out, else nothing."""
    if message.get("delivery") not in queries.UNSENT:
        return ""
    return f"  [NOT SENT: {': '.join(filter(None, (message['delivery'], message['delivery_error'])))}]"


def cmd_queue(settings: Settings, args) -> int:
    _open_read_side(settings)
    now = dt.datetime.now(dt.timezone.utc)
    rows = _naming_mailboxes(settings, sla_report.queue(settings.hours.timezone, now))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    print("\n".join(report_text.queue_lines(rows, now, warning_minutes=settings.sla.warning_minutes, color=color)))
    return EXIT_OK


def cmd_stats(settings: Settings, args) -> int:
    _open_read_side(settings)
    data = sla_report.stats(settings.hours, dt.datetime.now(dt.timezone.utc), args.since)
    if args.chart:

        try:
            pathlib.Path(args.chart).write_text(report_svg.daily_chart(data["daily"]), encoding="utf-8")
        except OSError as exc:
            print(f"error: --chart {args.chart}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_RUNTIME
        print(f"chart written to {args.chart}", file=sys.stderr)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print("\n".join(report_text.stats_lines(data)))
    return EXIT_OK


def cmd_check_config(settings: Settings, args) -> int:
    problems = settings.missing_sections()  # with missing secrets and failing templates, all in one report
    try:
        secrets = read_mailboxes_secrets(settings, os.environ)
    except ConfigError as exc:
        problems += exc.problems
    try:
        template_check.checked(settings)
    except ConfigError as exc:
        problems += exc.problems
    problems += _unwritable(settings)
    if problems:
        raise ConfigError(problems)
    if args.connect:
        for one, secret in zip(settings.each_mailbox(), secrets):
            with connect(one.mailbox, secret.imap_password) as imap:
                imap.select(one.mailbox.folder)
        check_login(settings.smtp, secrets[0].smtp_password)
        db.connect(settings.database).close()
        imap_servers = ", ".join(dict.fromkeys(f"{one.mailbox.host}:{one.mailbox.port}"
                                               for one in settings.each_mailbox()))
        print(f"IMAP {imap_servers}, SMTP {settings.smtp.host}:{settings.smtp.port} and the database "
              f"{settings.database.where}: logged in", file=sys.stderr)
    for warning in [*settings.example_values(), *settings.support.sign_off_warnings()]:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{settings.source}: ok")
    return EXIT_OK


def _unwritable(settings: Settings) -> list[str]:
    """The directories of the database and of the stored mails, created now when missing (as `run` would),
    each tried with a file: a permission check alone says yes to root, even under /proc."""
    problems = []
    places = [("database.url", settings.database.path.parent)] if settings.database.path else []
    for key, directory in (*places, ("database.data_dir", settings.database.data_dir)):
        try:
            directory.mkdir(mode=db.PRIVATE_DIR, parents=True, exist_ok=True)
            tempfile.TemporaryFile(dir=directory).close()
        except OSError as exc:
            problems.append(f"{key}: {directory} cannot be written ({exc.strerror or exc}); choose a directory "
                            "the user mailproc runs as may write to")
    return problems


def cmd_quarantine(settings: Settings, args) -> int:
    if args.action == "retry":
        print(undo.retry_quarantined(make_desks(settings), args.id), file=sys.stderr)
        return EXIT_OK
    _open_read_side(settings)
    rows = queries.list_quarantined(settings.hours.timezone)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print("\n".join(f"{r['id']:>5}  {r['arrived_at'][:16]}  {r['message_id'] or '-'}  {r['reason']}"
                        for r in rows) or "no quarantined mail")
    return EXIT_OK


def cmd_outbox(settings: Settings, args) -> int:
    _open_read_side(settings)
    if args.action == "retry":
        print(undo.retry_outbox(args.id), file=sys.stderr)
        return EXIT_OK
    rows = queries.list_outbox(settings.hours.timezone)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print("\n".join(f"{r['id']:>5}  {r['status']:<6} {r['ticket'] or '-':<10} {', '.join(r['to'])}  "
                        f"{r['subject'][:40]}  {r['last_error']}" for r in rows) or "no failed or held mail")
    return EXIT_OK


def cmd_db(settings: Settings, args) -> int:
    """`db copy --to URL`: the config's database into an empty one, under the poller's lock."""
    try:
        target_place = database_at(args.to, settings)
    except ConfigError as exc:
        print(f"error: --to: {exc}", file=sys.stderr)
        return EXIT_USAGE
    source = open_database(settings.database)
    target = db.connect(target_place)
    try:
        with one_poller(settings.database, every_mailbox(settings)):
            counts = desk_copy.copy_desk(source, target, target_place.where)
    finally:
        target.close()
    print("\n".join(f"{table:<15} {n:>8}" for table, n in counts.items()))
    print(f"copied {sum(counts.values())} rows from {settings.database.where} to {target_place.where}, the same "
          f"count in every table; raw mails and attachments stay in {settings.database.data_dir}", file=sys.stderr)
    return EXIT_OK


def cmd_backup(settings: Settings, args) -> int:
    if settings.database.path is None:
        print(f"error: backup copies an SQLite file; {settings.database.where} is PostgreSQL: use pg_dump "
              "(README, \"Running on PostgreSQL\")", file=sys.stderr)
        return EXIT_USAGE
    target = pathlib.Path(args.file)
    try:
        db.backup(settings.database.path, target)
    except (OSError, sqlite3.Error) as exc:
        print(f"error: backup to {target}: {exc}", file=sys.stderr)
        return EXIT_RUNTIME
    print(f"database {settings.database.path} copied to {target}; raw mails and attachments stay in "
          f"{settings.database.data_dir} (copy that directory too)", file=sys.stderr)
    return EXIT_OK


def cmd_accounts(settings: Settings, args) -> int:
    """`accounts import FILE.csv`: needs no secrets; a bad file changes nothing and exits 2."""
    try:
        rows = accounts.read_file(pathlib.Path(args.file))
    except accounts.AccountsFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    open_database(settings.database)
    print(accounts.store(rows, dt.datetime.now(dt.timezone.utc)), file=sys.stderr)
    return EXIT_OK


def cmd_purge(settings: Settings, args) -> int:
    open_database(settings.database)
    blobs = _blob_store(settings)
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=args.closed_before)
    if not args.yes:
        print(f"would purge {retention.plan(blobs, before)}; nothing removed (add --yes)", file=sys.stderr)
        return EXIT_OK
    with one_poller(settings.database, every_mailbox(settings)):  # a mail stored meanwhile may name a file about to go
        purged = retention.apply(blobs, before)
    print(f"purged {purged}", file=sys.stderr)
    return EXIT_OK


COMMANDS = {
    "run": cmd_run,
    "poll": cmd_poll,
    "tickets": cmd_tickets,
    "show": cmd_show,
    "queue": cmd_queue,
    "stats": cmd_stats,
    "check-config": cmd_check_config,
    "accounts": cmd_accounts,
    "quarantine": cmd_quarantine,
    "outbox": cmd_outbox,
    "backup": cmd_backup,
    "db": cmd_db,
    "status": cmd_status,
    "purge": cmd_purge,
}
