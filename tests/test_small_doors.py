"""Small doors (issue 9, item 12): private files, SIGHUP reloads the config, one-line IMAP errors."""
from __future__ import annotations

import os
import signal
import socket
import sqlite3
import stat
import threading

from tests.mailfactory import make_mail
from tests.mailstack.relay import free_port
from tests.test_daemon import _wait_for_log

CLIENT = "client@example.test"


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _desk_files(config):
    base = config.parent
    files = [f for suffix in ("", "-wal", "-shm", ".lock") if (f := base / f"mailproc.db{suffix}").exists()]
    data = base / "mailproc-data"
    dirs = [data, *(p for p in data.rglob("*") if p.is_dir())]
    files += [p for p in data.rglob("*") if p.is_file()]
    return files, dirs


def test_database_and_stored_mail_are_private_and_an_old_install_is_narrowed(mail, mailproc_config, mailproc_cli):
    config = mailproc_config()
    mail.deliver(make_mail(from_=CLIENT, subject="Скриншот", body="Вот картинка.",
                           attachments=[("a.txt", b"attached text", "text/plain")]))
    mailproc_cli(config, "poll")
    files, dirs = _desk_files(config)
    assert len(files) >= 4 and len(dirs) >= 3  # database, lock, blobs of the mail and the attachment
    assert {str(f): oct(_mode(f)) for f in files} == {str(f): "0o600" for f in files}
    assert {str(d): oct(_mode(d)) for d in dirs} == {str(d): "0o700" for d in dirs}

    for path in files:  # as a version before this one left them
        os.chmod(path, 0o644)
    for path in dirs:
        os.chmod(path, 0o755)
    with sqlite3.connect(config.parent / "mailproc.db") as reader:  # keeps -wal and -shm in place
        reader.execute("select count(*) from ticket").fetchone()
        mailproc_cli(config, "poll")
        files, dirs = _desk_files(config)
    assert {"mailproc.db-wal", "mailproc.db-shm"} <= {f.name for f in files}
    assert {str(f): oct(_mode(f)) for f in files} == {str(f): "0o600" for f in files}
    assert {str(d): oct(_mode(d)) for d in dirs} == {str(d): "0o700" for d in dirs}


def test_sighup_reloads_the_config_and_keeps_the_running_one_when_invalid(mail, mailproc_config, mailproc_cli):
    config = mailproc_config(mailbox={"poll_seconds": 1})
    proc = mailproc_cli.popen(config, "run")
    mail.deliver(make_mail(from_=CLIENT, subject="первое", body="Первое письмо."))
    mail.wait_for(CLIENT, "KB-000001")

    # Same size and modification time: only the signal can make the daemon read it again.
    before = os.stat(config)
    good = config.read_text()
    config.write_text(good.replace('poll_seconds = 1', 'poll_seconds = 0'))
    os.utime(config, ns=(before.st_atime_ns, before.st_mtime_ns))
    proc.send_signal(signal.SIGHUP)
    _wait_for_log(proc, "keeping the running one")
    assert proc.poll() is None

    config.write_text(good.replace('name = "Support"', 'name = "Helpers"'))
    os.utime(config, ns=(before.st_atime_ns, before.st_mtime_ns))
    proc.send_signal(signal.SIGHUP)
    _wait_for_log(proc, "config reloaded")
    mail.deliver(make_mail(from_=CLIENT, subject="второе", body="Второе письмо."))
    assert "Helpers" in mail.wait_for(CLIENT, "KB-000002")["From"]
    assert "SIGHUP" in proc.stderr_path.read_text()

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0


def _hanging_up_imap_server() -> int:
    """An IMAP server that greets, then drops the connection at the first command (a server going away)."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.sendall(b"* OK IMAP4rev1 ready\r\n")
                conn.recv(1024)

    threading.Thread(target=serve, daemon=True).start()
    return server.getsockname()[1]


def test_imap_errors_are_one_line_and_the_traceback_only_with_verbose(mailproc_config, mailproc_cli):
    cases = {
        "hangs up": (mailproc_config(mailbox={"port": _hanging_up_imap_server()}), None, "cannot reach IMAP server"),
        "nothing listens": (mailproc_config(mailbox={"port": free_port()}), None, "cannot reach IMAP server"),
        "wrong password": (mailproc_config(), {"MAILPROC_IMAP_PASSWORD": "wrong"},
                           "IMAP login as support@example.test"),
        "no such folder": (mailproc_config(mailbox={"folder": "NoSuchFolder"}), None, "refused a command"),
    }
    for name, (config, env, expected) in cases.items():
        quiet = mailproc_cli(config, "poll", check=False, env=env)
        assert quiet.returncode == 1, name
        assert expected in quiet.stderr and "Traceback" not in quiet.stderr, (name, quiet.stderr)
        assert [line for line in quiet.stderr.splitlines() if line.startswith("error:")], (name, quiet.stderr)
    for name, (config, env, _) in cases.items():
        verbose = mailproc_cli(config, "-v", "poll", check=False, env=env)
        assert verbose.returncode == 1 and "Traceback" in verbose.stderr, (name, verbose.stderr)
