"""SMTP server on 127.0.0.1 that delivers every recipient into Dovecot over LMTP.

Dovecot's LMTP port does not speak SMTP (it answers EHLO with 500), so an SMTP
client such as aiosmtplib needs this front. Every accepted envelope is also
kept in `envelopes`, across restarts, with the client's EHLO name as `helo_name` and its
address and port as `peer` (one per connection).

    relay = Relay(lmtp_port=...)       # port=0 picks a free port, kept on restart
    relay.start(); relay.stop(); relay.restart()
"""
from __future__ import annotations

import argparse
import asyncio
import signal
import smtplib
import socket

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def lmtp_deliver(lmtp_port: int, mail_from: str, rcpt: str, data: bytes) -> tuple[int, str]:
    """Deliver to one recipient; returns (code, text). One recipient per
    transaction because smtplib.LMTP reads only one reply after DATA."""
    with smtplib.LMTP(HOST, lmtp_port, local_hostname="localhost", timeout=10) as lmtp:
        try:
            lmtp.sendmail(mail_from, [rcpt], data)
        except smtplib.SMTPRecipientsRefused as e:
            code, msg = e.recipients[rcpt]
            return code, msg.decode(errors="replace")
        except smtplib.SMTPResponseException as e:
            return e.smtp_code, e.smtp_error.decode(errors="replace")
    return 250, "OK"


class Relay:
    def __init__(self, lmtp_port: int, port: int = 0):
        self.lmtp_port = lmtp_port
        self.port = port or free_port()
        self.envelopes: list = []
        self.smtputf8 = False
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    async def handle_DATA(self, server, session, envelope):
        envelope.helo_name = session.host_name
        envelope.peer = session.peer
        self.envelopes.append(envelope)
        loop = asyncio.get_running_loop()
        failures = []
        for rcpt in envelope.rcpt_tos:
            code, msg = await loop.run_in_executor(
                None, lmtp_deliver, self.lmtp_port, envelope.mail_from, rcpt,
                envelope.original_content)
            if code >= 400:
                failures.append((rcpt, code, msg))
        if not failures:
            return "250 2.0.0 delivered"
        code = "550 5.1.1" if max(c for _, c, _ in failures) >= 500 else "451 4.3.0"
        return f"{code} " + "; ".join(f"{r}: {c} {m}" for r, c, m in failures)[:400]

    def start(self) -> "Relay":
        if not self._controller:
            # server_hostname avoids socket.getfqdn(), which may query DNS.
            ctl = Controller(self, hostname=HOST, port=self.port, server_hostname="localhost",
                             enable_SMTPUTF8=self.smtputf8)
            ctl.start()  # returns once the port answers
            self._controller = ctl
        return self

    def stop(self) -> None:
        if self._controller:
            self._controller.stop()
            self._controller = None

    def restart(self) -> None:
        self.stop()
        self.start()


def main() -> None:
    ap = argparse.ArgumentParser(description="SMTP on 127.0.0.1 -> Dovecot LMTP")
    ap.add_argument("--port", type=int, default=10025)
    ap.add_argument("--lmtp-port", type=int, default=10024)
    args = ap.parse_args()
    relay = Relay(args.lmtp_port, args.port).start()
    print(f"relay: smtp {HOST}:{relay.port} -> lmtp {HOST}:{args.lmtp_port}", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    relay.stop()


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    main()
