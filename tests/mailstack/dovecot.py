"""A throw-away Dovecot (IMAP, IMAPS, LMTP) on 127.0.0.1 for the tests and `make bench`: installed
and started by start-dovecot.sh in a temporary directory, removed by stop-dovecot.sh."""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import tempfile

from tests.mailstack.relay import free_port

SCRIPTS = pathlib.Path(__file__).resolve().parent


class Unavailable(Exception):
    pass


class Dovecot:
    def __init__(self, users: tuple[str, ...], password: str) -> None:
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="mp-", dir="/tmp"))
        ports: set[int] = set()
        while len(ports) < 3:
            ports.add(free_port())
        self.imap_port, self.lmtp_port, self.imaps_port = ports
        env = dict(os.environ, MAILSTACK_IMAP_PORT=str(self.imap_port), MAILSTACK_LMTP_PORT=str(self.lmtp_port),
                   MAILSTACK_IMAPS_PORT=str(self.imaps_port),
                   MAILSTACK_USERS=" ".join(f"{u}:{password}" for u in users))
        try:
            p = subprocess.run([str(SCRIPTS / "start-dovecot.sh"), str(self.dir)], env=env, text=True,
                               capture_output=True, stdin=subprocess.DEVNULL, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as e:
            p = subprocess.CompletedProcess(e, 1, "", str(e))
        if p.returncode != 0:
            self.stop()
            shutil.rmtree(self.dir, ignore_errors=True)
            raise Unavailable(f"Dovecot could not be installed or started:\n{p.stderr.strip()[-3000:]}")
        info = dict(line.split("=", 1) for line in p.stdout.splitlines() if "=" in line)
        self.imaps_cafile, self.log = info["IMAPS_CAFILE"], pathlib.Path(info["DOVECOT_LOG"])

    def stop(self) -> None:
        subprocess.run([str(SCRIPTS / "stop-dovecot.sh"), str(self.dir), "--fast", "--purge"], capture_output=True)
