"""`make eval`: how well mailproc's automatic judgements match eval/mails.jsonl. Printed, never asserted.

Run as `python -m tests.evaluate [--limit N]`. Each labelled mail (every eval/*.jsonl) goes through the real
reading (MIME, HTML, quotes, account ID) and the rules (`decide`) with the shipped
config.toml, as a new ticket on a weekday at noon. For each decision it prints
precision, recall and the confusion counts (tp fp fn tn) on the tuning part and on the
held-out part (eval/make_mails.py says which generated mails are held out; all of
eval/handwritten.jsonl is), then every misjudged
mail with its id, what was expected and what mailproc did.

Decisions:
* critical: priority `critical`;
* decline (automatic): label `out_of_scope`, the client is told (must be sure);
* scope noticed: `out_of_scope` or `review_out_of_scope` (recall of the whole);
* suspend (automatic): status `suspended`, the client is told (must be sure); expected of an abusive
  mail that is not critical: a critical one keeps its priority and goes to review (nothing silences it);
* abuse noticed: suspended or `review_abuse`;
* account ID: found as written; a wrong ID (a phone, INN, order number) counts against;
* FAQ: a reply whose links include a page not among the mail's relevant ones.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import email.message
import json
import pathlib
import tempfile

from mailproc.config import Settings, load_settings
from mailproc.decide import Decision, decide
from mailproc.mail import RawMail
from mailproc.reader import read_mail
from mailproc.rules.context import Context
from mailproc.vocab import Label, Priority, Status

ROOT = pathlib.Path(__file__).resolve().parent.parent
EVAL = ROOT / "eval"
NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))  # a Thursday, noon in Moscow
REVIEW_SCOPE, REVIEW_ABUSE = "review_out_of_scope", "review_abuse"


def shipped_settings() -> Settings:
    """The shipped config.toml with two agents (it ships with none)."""
    text = (ROOT / "config.toml").read_text()
    path = pathlib.Path(tempfile.mkdtemp(prefix="mp-eval-")) / "config.toml"
    path.write_text(text.replace("[support]", '[support]\nagents = ["agent1@example.test"]', 1)
                    if "\nagents =" not in text else text)
    return load_settings(path)


def raw_of(item: dict) -> bytes:
    msg = email.message.EmailMessage()
    msg["From"] = "client@example.test"
    msg["To"] = "support@kilbil.ru"
    msg["Subject"] = item["subject"]
    msg["Message-ID"] = f"<{item['id']}@eval.example.test>"
    msg.set_content(item["body"], subtype="html" if item["html"] else "plain")
    return msg.as_bytes()


@dataclasses.dataclass
class Outcome:
    decision: Decision
    account_id: str | None
    links: tuple[str, ...]


def judge(item: dict, settings: Settings) -> Outcome:
    raw = RawMail("INBOX", 1, 1, NOW, raw_of(item))
    reading = read_mail(raw, settings.attachments.limits, settings.accounts.id_patterns)
    ctx = Context(mail=reading.mail, ticket=None, settings=settings, now=NOW,
                  new_text=reading.new_text or reading.mail.text, account_id=reading.account_id,
                  language=item["lang"])
    decision = decide(ctx)
    links = tuple(link["id"] for b in decision.reply_blocks if b.name == "faq" for link in b.data["links"])
    return Outcome(decision, reading.account_id, links)


# decision -> (expected, got), both from (item, outcome); None: the mail does not count for it
CHECKS = {
    "critical": (lambda i, o: i["critical"], lambda i, o: o.decision.priority == Priority.CRITICAL),
    "decline (automatic)": (lambda i, o: i["scope"] != "in", lambda i, o: Label.OUT_OF_SCOPE in o.decision.labels),
    "scope noticed (incl. review)": (
        lambda i, o: i["scope"] != "in",
        lambda i, o: bool({Label.OUT_OF_SCOPE, REVIEW_SCOPE} & o.decision.labels)),
    "suspend (automatic)": (lambda i, o: i["abusive"] and not i["critical"], lambda i, o: o.decision.status == Status.SUSPENDED),
    "abuse noticed (incl. review)": (
        lambda i, o: i["abusive"],
        lambda i, o: o.decision.status == Status.SUSPENDED or REVIEW_ABUSE in o.decision.labels),
    "account ID found": (lambda i, o: i["account_id"] is not None, lambda i, o: o.account_id is not None and o.account_id == i["account_id"]),
    "wrong ID taken": (lambda i, o: False, lambda i, o: o.account_id is not None and o.account_id != i["account_id"]),
    "FAQ link irrelevant": (lambda i, o: None if not o.links else False,
                           lambda i, o: None if not o.links else bool(set(o.links) - set(i["faq"]))),
}

# Decisions that should never happen: the share of mails (of replies with links, for FAQ) where they did.
SHARES = ("wrong ID taken", "FAQ link irrelevant")


def _expected_text(item: dict) -> str:
    return (f"critical={item['critical']} scope={item['scope']} abusive={item['abusive']} "
            f"id={item['account_id']} faq={item['faq']}")


def _got_text(o: Outcome) -> str:
    d = o.decision
    return f"priority={d.priority} status={d.status} labels={sorted(map(str, d.labels))} id={o.account_id} links={list(o.links)}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="only the first N mails (a smoke run)")
    parser.add_argument("--mails", type=pathlib.Path, nargs="*", default=sorted(EVAL.glob("*.jsonl")),
                        help="labelled mails, JSON lines (default: every eval/*.jsonl)")
    args = parser.parse_args(argv)
    items = [json.loads(line) for path in args.mails for line in path.read_text().splitlines() if line.strip()]
    items = items[:args.limit] if args.limit else items
    settings = shipped_settings()
    judged = [(item, judge(item, settings)) for item in items]
    print(f"{len(items)} mails ({sum(i['held_out'] for i in items)} held out)\n")
    print(f"{'decision':32} {'part':9} {'precision':>9} {'recall':>7} {'tp':>4} {'fp':>4} {'fn':>4} {'tn':>4}")
    misjudged: dict[str, list[str]] = {}
    for name, (expected, got) in CHECKS.items():
        for part, held in (("tuning", False), ("held-out", True)):
            tp = fp = fn = tn = 0
            for item, outcome in judged:
                if item["held_out"] != held:
                    continue
                want, have = expected(item, outcome), got(item, outcome)
                if want is None or have is None:
                    continue
                tp, fp, fn, tn = tp + (want and have), fp + (have and not want), fn + (want and not have), \
                    tn + (not want and not have)
                if want != have:
                    misjudged.setdefault(item["id"], []).append(f"{name}: expected {want}, got {have}")
            if name in SHARES:
                share = f"{fp / (fp + tn):.1%}" if fp + tn else "-"
                print(f"{name:32} {part:9} {'share ' + share:>17} {tp:>4} {fp:>4} {fn:>4} {tn:>4}")
                continue
            precision = f"{tp / (tp + fp):.1%}" if tp + fp else "-"
            recall = f"{tp / (tp + fn):.1%}" if tp + fn else "-"
            print(f"{name:32} {part:9} {precision:>9} {recall:>7} {tp:>4} {fp:>4} {fn:>4} {tn:>4}")
    print(f"\nmisjudged: {len(misjudged)}")
    by_id = {i["id"]: (i, o) for i, o in judged}
    for mail_id, wrongs in sorted(misjudged.items()):
        item, outcome = by_id[mail_id]
        part = "held-out" if item["held_out"] else "tuning"
        print(f"{mail_id} [{part}] {'; '.join(wrongs)}")
        print(f"    expected {_expected_text(item)}{' — ' + item['note'] if item['note'] else ''}")
        print(f"    got      {_got_text(outcome)}")


if __name__ == "__main__":
    main()
