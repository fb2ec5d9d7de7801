"""deploy/mailproc.service: a unit systemd accepts, running mailproc as its own user, confined to
its data directory, restarted on failure and reloaded with SIGHUP."""
from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT

UNIT = ROOT / "deploy" / "mailproc.service"
INSTALLED_AT = "/opt/mailproc/bin/mailproc"  # where README's "Running as a service" installs it


def _settings() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if (match := re.fullmatch(r"(\w+)=(.*)", line)):
            found.setdefault(match[1], []).append(match[2])
    return found


def test_the_unit_confines_the_service_to_its_data_directory():
    unit = _settings()
    assert unit["User"] == ["mailproc"] and unit["ExecStart"] == [f"{INSTALLED_AT} run"]
    assert unit["ExecReload"] == ["/bin/kill -HUP $MAINPID"] and unit["Restart"] == ["on-failure"]
    assert unit["RestartPreventExitStatus"] == ["2"]  # a config error is not fixed by restarting
    assert unit["ProtectSystem"] == ["strict"] and unit["NoNewPrivileges"] == ["true"]
    assert unit["ReadWritePaths"] == unit["WorkingDirectory"] == [f"/var/lib/{unit['StateDirectory'][0]}"]


def _systemd_analyze() -> str:
    if found := shutil.which("systemd-analyze"):
        return found
    if os.geteuid() != 0:
        pytest.skip("systemd-analyze is missing and installing systemd needs root: apt-get install systemd")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "systemd"]
    done = subprocess.run(install, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, stdin=subprocess.DEVNULL)
        done = subprocess.run(install, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0 or not (found := shutil.which("systemd-analyze")):
        pytest.skip(f"systemd could not be installed on this machine, so the unit is not verified: "
                    f"{done.stderr.strip()[-500:]}")
    return found


def test_systemd_analyze_verify_accepts_the_unit(tmp_path):
    # verify checks that the commands exist: they are pointed at this machine's mailproc and kill
    mailproc = pathlib.Path(sys.executable).with_name("mailproc")
    kill = shutil.which("kill") or "/bin/kill"
    unit = tmp_path / "mailproc.service"
    unit.write_text(UNIT.read_text().replace(INSTALLED_AT, str(mailproc)).replace("/bin/kill ", f"{kill} "))
    verified = subprocess.run([_systemd_analyze(), "verify", str(unit)], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=120)
    assert verified.returncode == 0 and verified.stderr == "", verified.stderr
