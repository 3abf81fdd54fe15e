"""The wheel holds the product and nothing of the tests: no fake Slack, no Block Kit validator, no Socket Mode
emulation (they live in tests/fake), and no product module imports them."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Left out of the copy the wheel is built from: what is not in a clean clone (a build/ left behind would leak
# stale modules into the wheel).
NOT_IN_A_CLONE = {".git", ".venv", ".venv-lock", "build", "dist", "__pycache__", ".pytest_cache", ".ruff_cache"}


def build_wheel(tmp_path: Path) -> zipfile.ZipFile:
    """`pip wheel .` on a copy of the repository, offline: no index, the venv's setuptools (the dev lock's)."""
    setuptools = version("setuptools")
    assert int(setuptools.split(".")[0]) >= 77, f"setuptools {setuptools}: reinstall requirements-dev.lock"
    src = tmp_path / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=lambda _dir, names: [n for n in names if n in NOT_IN_A_CLONE or n.endswith((".egg-info", ".db"))],
    )
    out = tmp_path / "dist"
    cmd = [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation", "--no-index"]
    result = subprocess.run([*cmd, "-w", str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = out.glob("checklist_bot-*.whl")
    return zipfile.ZipFile(wheel)


def test_the_wheel_holds_no_test_fake(tmp_path):
    wheel = build_wheel(tmp_path)
    names = wheel.namelist()
    # The product is there: the app, the console and its small stand-in for Slack, storage, the templates.
    for expected in ("bot/app.py", "bot/console.py", "bot/console_slack.py", "storage/db.py"):
        assert expected in names
    assert any(n.startswith("bot/checklists/templates/") and n.endswith(".yml") for n in names)
    # Nothing else: no tests/ or bench/, no fake Slack under any name.
    assert {n.split("/")[0] for n in names if ".dist-info/" not in n} == {"bot", "storage"}
    leaked = [n for n in names if re.search(r"localslack|blockkit|socket_mode|(^|/)(fake|tests|bench)(/|\.py)", n)]
    assert not leaked
    # And no product module reaches into the tests for them.
    importing = [
        n
        for n in names
        if n.endswith(".py") and re.search(r"^\s*(from|import) (tests|bench)\b", wheel.read(n).decode(), re.M)
    ]
    assert not importing
