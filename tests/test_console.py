"""The local console: channel ids as typed, menus valid until their message changes, exports in full, a
movable clock from `make run`, line editing and history."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import MovableClock
from bot.config import load_settings
from bot.console import Console, channel_id, user_id

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def console(tmp_path):
    out = io.StringIO()
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path}/console.db"})
    c = Console(settings, user="U0LOCAL", channel="C0LOCAL", clock=MovableClock(), out=out)
    c.out_text = out.getvalue  # type: ignore[attr-defined]
    yield c
    c.close()


def run(console, *lines: str) -> str:
    before = len(console.out_text())
    for line in lines:
        assert console.handle(line)
    return console.out_text()[before:]


def test_channel_and_user_ids_are_taken_as_typed():
    assert channel_id("C0LOCAL") == "C0LOCAL" and channel_id("#C0LOCAL") == "C0LOCAL"
    assert channel_id("other") == "COTHER" and channel_id("#general") == "CGENERAL"
    assert channel_id("G01PRIV") == "G01PRIV"
    assert user_id("U0LOCAL") == "U0LOCAL" and user_id("@bob") == "UBOB"


def test_switching_back_to_c0local(console):
    run(console, "/checklist start", ":channel other")
    assert console.channel == "COTHER"
    assert "(now in channel C0LOCAL)" in run(console, ":channel C0LOCAL")
    assert "Interoperability implementation" in run(console, "/checklist status")


def test_menus_stay_valid_until_their_message_changes(console):
    run(console, "/checklist start", "/checklist status")
    first = len(console.menus)
    assert first > 3
    out = run(console, "/checklist help", "/checklist assign 3.3 @bob", "1a")  # other commands in between
    assert "There is no menu" not in out and "replaces the message" in out and "1/25 done" in out
    assert console.menus[0] is None  # that status message was replaced by the update
    assert "Menu [1] is gone: its message was updated or replaced." in run(console, "1a")
    # The replacement's menus are new numbers, and they work.
    out = run(console, f"{first + 1}a")
    assert "replaces the message" in out and "2/25 done" in out
    # A new status message does not take the menus of another one away.
    run(console, "/checklist status")
    newest = len(console.menus)
    assert console.menus[newest - 1] is not None
    assert "There is no menu" not in run(console, f"{newest}e")


def test_an_export_is_saved_in_full_and_its_path_shown(console):
    run(console, "/checklist start", "/checklist note 1.1 the last line of the note")
    out = run(console, "/checklist export md")
    assert "more lines; the whole file is saved as " in out
    path = Path(out.split("the whole file is saved as ")[1].split(")")[0])
    content = path.read_text()
    assert content.count("\n") > 12 and "the last line of the note" in content and "6.5" in content


def test_the_clock_moves_without_a_flag_and_goes_back(console):
    out = run(console, ":now 2026-12-01T10:00")
    assert "(the time is now 2026-12-01 10:00 UTC)" in out
    assert console.rt.clock.now() == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert "back to real time" in run(console, ":now real")
    assert abs((console.rt.clock.now() - datetime.now(UTC)).total_seconds()) < 60
    assert "Use an ISO date" in run(console, ":now next tuesday")


def test_make_run_passes_args(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/run.db"
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "run", "ARGS=console --now 2026-12-01T10:00 --channel C0RUN"],
        input="/checklist start\n/checklist due 1.1 tomorrow\n",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "you are U0LOCAL in #C0RUN" in result.stdout
    assert "is due Wed 2 Dec" in result.stdout  # tomorrow, seen from Tuesday 1 December


def test_line_editing_and_history_in_a_terminal(tmp_path):
    """In a terminal, Up brings back the last line (readline), and the history is kept for the next run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update(HOME=str(tmp_path), TERM="xterm", DATABASE_URL=f"sqlite:///{tmp_path}/tty.db")
    pid, fd = pty.fork()
    if pid == 0:  # the child: the console on a pseudo-terminal
        os.execvpe(sys.executable, [sys.executable, "-m", "bot", "console"], env)
    out = b""

    def read_until(marker: bytes, timeout: float = 60) -> None:
        """Read until `marker` and then the next prompt: readline is only listening at the prompt."""
        nonlocal out
        deadline = time.monotonic() + timeout
        start = len(out)
        while not (marker in out[start:] and out[start:].rstrip().endswith(b">")) and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    break
        assert marker in out[start:], out.decode(errors="replace")[-2000:]

    try:
        read_until(b"console")
        os.write(fd, b"/checklist start\r")
        read_until(b"started *Interoperability")
        os.write(fd, b"\x1b[A\r")  # Up, Enter: the same line again
        read_until(b"already has a checklist")
        os.write(fd, b":quit\r")
        os.waitpid(pid, 0)
    finally:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        os.close(fd)
    assert b"^[[A" not in out
    assert "/checklist start" in (tmp_path / ".checklist-bot_history").read_text()
