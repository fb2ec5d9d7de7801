"""The wheel as an admin installs it: built from the checkout, installed into a clean venv
outside it with the tested versions (constraints.txt), run from an empty directory."""
from __future__ import annotations

import os
import subprocess
import sys

import mailproc
from tests.conftest import ROOT


def _run(*command, cwd=None, env=None) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in command], cwd=cwd, env=env, text=True, capture_output=True,
                            stdin=subprocess.DEVNULL, timeout=900)
    assert result.returncode == 0, f"{command} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


def test_the_wheel_installs_and_its_demo_runs_from_an_empty_directory(tmp_path):
    wheels, venv, empty = tmp_path / "wheels", tmp_path / "venv", tmp_path / "empty"
    empty.mkdir()
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheels, ROOT)
    [wheel] = wheels.glob("mailproc-*.whl")
    _run(sys.executable, "-m", "venv", venv)
    _run(venv / "bin/python", "-m", "pip", "install", "-q", "-c", ROOT / "constraints.txt", f"{wheel}[demo]")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAILPROC_", "PYTHON"))}

    version = _run(venv / "bin/mailproc", "--version", cwd=empty, env=env)
    assert version.stdout.strip() == f"mailproc {mailproc.__version__}"

    demo = _run(venv / "bin/mailproc", "demo", cwd=empty, env=env)
    assert "KB-000001" in demo.stdout + demo.stderr
    assert list(empty.iterdir()) == []

    _run(venv / "bin/mailproc", "init", "desk", "--templates", cwd=empty, env=env)
    assert (empty / "desk/config.toml").read_bytes() == (ROOT / "config.toml").read_bytes()
    shipped = sorted(p.relative_to(ROOT / "templates") for p in (ROOT / "templates").rglob("*.j2"))
    assert sorted(p.relative_to(empty / "desk/templates") for p in (empty / "desk/templates").rglob("*")
                  if p.is_file()) == shipped
