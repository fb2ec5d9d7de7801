"""A throw-away PostgreSQL cluster on 127.0.0.1 for the tests, owned by the test run.

Installs Debian's postgresql when missing (root only), runs initdb in a temporary directory as an
unprivileged user (`nobody` when the tests run as root: the server refuses to run as root) and
starts it on a free port with password authentication, so the password reaches it the way a desk
sends it (database.password_env). Each test gets a database of its own (`fresh_database`)."""
from __future__ import annotations

import itertools
import os
import pathlib
import pwd
import shutil
import subprocess
import tempfile

import psycopg2

from tests.mailstack.relay import free_port

USER, PASSWORD = "mailproc", "pg-secret"
PACKAGES = ("postgresql",)


class Unavailable(Exception):
    pass


def _bin_dir() -> pathlib.Path | None:
    found = sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


def _install() -> pathlib.Path:
    if (bin_dir := _bin_dir()) is not None:
        return bin_dir
    if os.geteuid() != 0:
        raise Unavailable("PostgreSQL is not installed and we are not root; run: apt-get install postgresql")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *PACKAGES]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        done = subprocess.run(install, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise Unavailable(f"apt-get install postgresql failed:\n{done.stderr[-2000:]}")
    if (bin_dir := _bin_dir()) is None:
        raise Unavailable("postgresql installed, but no /usr/lib/postgresql/*/bin/initdb")
    return bin_dir


class Cluster:
    def __init__(self) -> None:
        self.bin = _install()
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="mp-pg-", dir="/tmp"))
        self.port = free_port()
        self._as = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
        self._numbers = itertools.count(1)
        if self._as:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.dir, nobody.pw_uid, nobody.pw_gid)
        (pwfile := self.dir / "pwfile").write_text(PASSWORD + "\n")
        if self._as:
            os.chown(pwfile, nobody.pw_uid, nobody.pw_gid)
        self._run("initdb", "-D", str(self.dir / "data"), "-U", USER, "--auth-host=scram-sha-256",
                  "--auth-local=trust", f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C.UTF-8")
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "server.log"), "-o", options,
                  "-w", "-t", "60", "start")
        self._admin()

    def _admin(self) -> None:
        self.admin = psycopg2.connect(host="127.0.0.1", port=self.port, user=USER, password=PASSWORD,
                                      dbname="postgres")
        self.admin.autocommit = True

    def restart(self) -> None:
        """Stop the server (every connection drops; the data stays) and start it again on the same port."""
        self.admin.close()
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "server.log"), "-m", "fast", "-w",
                  "-t", "60", "restart")
        self._admin()

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run([*self._as, str(self.bin / tool), *args], cwd=self.dir, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=120)
        if done.returncode != 0:
            log = self.dir / "server.log"
            raise Unavailable(f"{tool} failed: {done.stderr[-2000:]}{log.read_text()[-2000:] if log.exists() else ''}")

    def fresh_database(self) -> str:
        """A new, empty database; its url (the password is PASSWORD, in database.password_env)."""
        name = f"desk{next(self._numbers)}"
        with self.admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {name}")
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        self.admin.close()
        try:
            self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
