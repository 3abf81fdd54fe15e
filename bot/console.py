"""A local console: the same Bolt app and storage, with Slack's side played in the terminal.

Type `/checklist …` lines; replies are rendered as text. Item menus are numbered: `7b` picks option b of menu 7,
and buttons are numbered too (`3`). Reads piped input as well:
`printf '/checklist start\\n/checklist status\\n' | checklist-bot console`.
"""

from __future__ import annotations

import itertools
import re
import secrets
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlparse

from bot.app import create_runtime
from bot.clock import Clock, FixedClock, MovableClock
from bot.config import ConfigError, Settings
from bot.console_slack import Call, LocalSlack, Reply, Requests, element_action

HELP = (
    "Type /checklist commands as in Slack (e.g. /checklist help). Mention people as @name, channels as #name.\n"
    "  7b          pick option b of item menu [7]   ·   3   press button [3]\n"
    "  :user NAME  act as someone else           ·   :channel NAME  switch channel\n"
    "  :now 2026-12-01T10:00  move the clock     ·   :now real  back to real time\n"
    "  :escalate  run the stale sign-off check   ·   Up/Down  earlier lines (history)\n"
    "  :home  open your App Home tab\n"
    "  :help  this text                          ·   :quit  leave (or Ctrl-D)"
)


def user_id(name: str) -> str:
    """The console's people: `@bob` is UBOB; a name that already is a user id (`U0LOCAL`) stays as it is."""
    name = name.lstrip("@").upper()
    return name if re.fullmatch(r"U[A-Z]*\d[A-Z0-9]*", name) else "U" + name


def channel_id(name: str) -> str:
    """`:channel other` is COTHER; a name that already is a channel id (`C0LOCAL`, `G…`, `D…`) stays as it is."""
    name = name.lstrip("#").upper()
    return name if re.fullmatch(r"[CGD][A-Z]*\d[A-Z0-9]*", name) else "C" + name


def export_dir() -> Path:
    """Where the console saves exports (Slack would show them as a file in the channel)."""
    return Path(tempfile.gettempdir()) / "checklist-bot-exports"


def render_mrkdwn(text: str) -> str:
    """Slack mrkdwn as terminal text: mentions, date tokens and links readable, entities decoded."""
    text = re.sub(r"<!date\^\d+\^[^|>]*\|([^>]*)>", r"\1", text)
    text = re.sub(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>", r"@\1", text)
    text = re.sub(r"<#(C[A-Z0-9]+)(?:\|[^>]*)?>", r"#\1", text)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text_of(obj: dict[str, Any] | None) -> str:
    if not obj:
        return ""
    return render_mrkdwn(obj.get("text", "")) if obj.get("type") == "mrkdwn" else obj.get("text", "")


class Console:
    def __init__(self, settings: Settings, *, user: str, channel: str, clock: Clock, out: TextIO = sys.stdout) -> None:
        self.out = out
        self.user = user
        self.channel = channel
        self.web_api = LocalSlack(self._on_call)
        secret = secrets.token_hex(16)
        local = settings.model_copy(
            update={
                "bot_token": "xoxb-local-console",
                "signing_secret": secret,
                "api_url": self.web_api.api_url,
                "client_id": None,  # the console is one local workspace, never OAuth
                "client_secret": None,
            }
        )
        self.rt = create_runtime(local, clock=clock)
        self.slack = Requests(self.rt.app, secret, self.web_api)
        # Numbered menus and buttons, as (message number, message, block, element, channel); an entry becomes None
        # when the message it belongs to is updated or replaced, so the other numbers stay valid and stable.
        self.menus: list[tuple[int, dict[str, Any], dict[str, Any], dict[str, Any], str | None] | None] = []
        self.buttons: list[tuple[int, dict[str, Any], dict[str, Any], dict[str, Any], str | None] | None] = []
        self._numbers = itertools.count(1)
        self._where: dict[int, tuple[str | None, str | None]] = {}  # message number -> (channel, ts) once posted
        self._acted_on: dict[str, int] = {}  # response_url path -> the message the action came from
        self._pending_views: list[dict[str, Any]] = []

    def close(self) -> None:
        self.rt.close()
        self.web_api.stop()

    # -- output ------------------------------------------------------------------------------------------

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def show_message(
        self, label: str, message: dict[str, Any], *, channel: str | None = None, ts: str | None = None
    ) -> None:
        number = next(self._numbers)
        self._where[number] = (channel, ts)
        self.say(f"── {label} " + "─" * max(0, 60 - len(label)))
        blocks = message.get("blocks") or []
        if not blocks:
            self.say(render_mrkdwn(message.get("text", "")))
        for block in blocks:
            kind = block.get("type")
            if kind in ("section", "header"):
                line = _text_of(block.get("text"))
                acc = block.get("accessory")
                if acc and acc.get("type") == "overflow":
                    self.menus.append((number, message, block, acc, channel))
                    line += f"   [{len(self.menus)}]"
                elif acc and acc.get("type") == "button":
                    self.buttons.append((number, message, block, acc, channel))
                    line += f"   [{len(self.buttons)}: {acc['text']['text']}]"
                self.say(line)
            elif kind == "context":
                self.say("  " + " · ".join(_text_of(e) for e in block.get("elements", [])))
            elif kind == "divider":
                self.say("─" * 62)
            elif kind == "actions":
                labels = []
                for el in block.get("elements", []):
                    if el.get("type") == "button":
                        self.buttons.append((number, message, block, el, channel))
                        labels.append(f"[{len(self.buttons)}: {el['text']['text']}]")
                self.say("  " + "  ".join(labels))
        if any(b.get("accessory", {}).get("type") == "overflow" for b in blocks):
            self.say("  menus: a done/reopen/sign-off · b assign… · c due date… · d note… · e details  (e.g. 1b)")

    def _forget(self, numbers: set[int]) -> None:
        """The messages with these numbers were updated or replaced: their menus and buttons are gone."""
        if not numbers:
            return
        for entries in (self.menus, self.buttons):
            for i, entry in enumerate(entries):
                if entry is not None and entry[0] in numbers:
                    entries[i] = None

    def _save_export(self, name: str, content: bytes) -> Path:
        folder = export_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / (Path(name).name or "export")
        path.write_bytes(content)
        return path

    def _on_call(self, call: Call) -> None:
        args = call.args
        if not call.ok:
            self.say(f"!! Slack refused {call.method}: {call.error}")
            return
        if call.method == "response_url":
            if args.get("replace_original") or args.get("delete_original"):
                origin = self._acted_on.get(call.path)
                self._forget({origin} if origin is not None else set())
            if args.get("delete_original"):
                self.say("── the message was deleted " + "─" * 35)
                return
            where = (
                "replaces the message"
                if args.get("replace_original")
                else ("in channel" if args.get("response_type") == "in_channel" else "only you see this")
            )
            self.show_message(where, args, channel=self.channel)
        elif call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            verb = {"chat.postMessage": "posted to", "chat.update": "updated in", "chat.postEphemeral": "ephemeral in"}
            channel, ts = args.get("channel"), (call.response or {}).get("ts")
            if call.method == "chat.update":
                self._forget({n for n, where in self._where.items() if where == (channel, ts)})
            self.show_message(f"{verb[call.method]} {channel}", args, channel=channel, ts=ts)
        elif call.method in ("views.open", "views.push"):
            self._pending_views.append(args["view"] if isinstance(args["view"], dict) else {})
        elif call.method == "views.publish":
            self.show_message(f"App Home of {args.get('user_id')}", args["view"])
        elif call.method == "files.completeUploadExternal":
            for f in (call.response or {}).get("files", []):
                content = self.web_api.files[f["id"]]["content"]
                text = content.decode("utf-8", "replace")
                lines = text.splitlines()
                path = self._save_export(f["name"], content)
                where = f"file posted to {args.get('channel_id')}: {f['name']} ({len(text):,} characters)"
                self.say(f"── {where} " + "─" * 8)
                self.say("\n".join(lines[:12]))
                more = f"… {len(lines) - 12} more lines; " if len(lines) > 12 else ""
                self.say(f"({more}the whole file is saved as {path})")

    # -- input -------------------------------------------------------------------------------------------

    def _mentions(self, text: str) -> str:
        """`@bob` and `#leads` as Slack sends them with should_escape: `<@UBOB|bob>`, `<#CLEADS|leads>`."""
        text = re.sub(r"(?<![<\w])@([A-Za-z][\w.-]{0,30})", lambda m: f"<@{user_id(m.group(1))}|{m.group(1)}>", text)
        return re.sub(
            r"(?<![<\w])#([A-Za-z0-9][\w-]{0,79})", lambda m: f"<#{channel_id(m.group(1))}|{m.group(1).lower()}>", text
        )

    def handle(self, line: str) -> bool:
        line = line.strip()
        if not line:
            return True
        if line in (":quit", ":q", "exit", "quit"):
            return False
        if line == ":help":
            self.say(HELP)
        elif line.startswith(":user "):
            self.user = user_id(line.split()[1])
            self.say(f"(you are now {self.user})")
        elif line.startswith(":channel "):
            self.channel = channel_id(line.split()[1])
            self.say(f"(now in channel {self.channel})")
        elif line.startswith("/checklist"):
            text = self._mentions(line[len("/checklist") :].strip())
            # Earlier messages keep their menus and buttons, as in Slack, until they are updated or replaced.
            reply = self.slack.command(text, user=self.user, channel=self.channel)
            self._show_reply(reply)
        elif line.startswith(":now "):
            self._set_now(line.split(maxsplit=1)[1])
        elif line == ":home":
            event = {"type": "app_home_opened", "user": self.user, "tab": "home", "event_ts": "1.1"}
            self.slack.event(event)
        elif line == ":escalate":
            count = self.rt.escalate_stale_signoffs(self.rt.clock.now())
            self.say(f"({count} stale sign-off{'s' if count != 1 else ''} escalated)")
        elif m := re.fullmatch(r"(\d+)([a-e])", line):
            self._pick(int(m.group(1)), "abcde".index(m.group(2)))
        elif line.isdecimal():
            self._press(int(line))
        else:
            self.say("Commands start with /checklist; :help shows the console's own keys.")
        self.rt.background.drain()
        self._open_views()
        return True

    def _set_now(self, raw: str) -> None:
        clock = self.rt.clock
        if not isinstance(clock, MovableClock | FixedClock):
            self.say("This clock cannot be moved.")
            return
        if raw.strip().lower() in ("real", "reset", "off"):
            if not isinstance(clock, MovableClock):
                self.say("This clock has no real time to go back to.")
                return
            clock.set(None)
            self.say(f"(back to real time: {clock.now():%Y-%m-%d %H:%M} UTC)")
            return
        try:
            moment = datetime.fromisoformat(raw.strip())
        except ValueError:
            self.say("Use an ISO date and time, e.g. :now 2026-12-01T10:00 (UTC), or :now real")
            return
        clock.set(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
        self.say(f"(the time is now {clock.now():%Y-%m-%d %H:%M} UTC)")

    def _show_reply(self, reply: Reply, origin: int | None = None) -> None:
        """Show the app's answer; `origin` is the message the action came from (its response_url is remembered,
        so a later "replace the message" forgets that message's menus)."""
        if origin is not None and reply.response_url:
            self._acted_on[urlparse(reply.response_url).path] = origin
        if reply.status != 200:
            self.say(f"!! the app answered HTTP {reply.status}")
            return
        body = reply.json
        if body.get("response_action") == "errors":
            self.say("!! " + "; ".join(body.get("errors", {}).values()))
        elif body.get("text") or body.get("blocks"):
            where = "in channel" if body.get("response_type") == "in_channel" else "only you see this"
            self.show_message(where, body, channel=self.channel)

    def _pick(self, number: int, index: int) -> None:
        if not 0 < number <= len(self.menus):
            self.say(f"There is no menu [{number}].")
            return
        entry = self.menus[number - 1]
        if entry is None:
            self.say(f"Menu [{number}] is gone: its message was updated or replaced.")
            return
        origin, message, block, menu, channel = entry
        options = menu["options"]
        if index >= len(options):
            self.say(f"Menu [{number}] has {len(options)} options.")
            return
        self.say(f"(you picked “{options[index]['text']['text']}”)")
        action = element_action(block, menu, selected_option=options[index])
        reply = self.slack.action(action, user=self.user, channel=channel or self.channel, message=message)
        self._show_reply(reply, origin)

    def _press(self, number: int) -> None:
        if not 0 < number <= len(self.buttons):
            self.say(f"There is no button [{number}].")
            return
        entry = self.buttons[number - 1]
        if entry is None:
            self.say(f"Button [{number}] is gone: its message was updated or replaced.")
            return
        origin, message, block, button, channel = entry
        self.say(f"(you pressed “{button['text']['text']}”)")
        action = element_action(block, button)
        if message.get("type") == "home":  # a button on the App Home: Slack sends the view, not a message
            self._show_reply(self.slack.action_in_view(action, user=self.user, view=message))
            return
        reply = self.slack.action(action, user=self.user, channel=channel, message=message)
        self._show_reply(reply, origin)

    def _open_views(self) -> None:
        while self._pending_views:
            view = self._pending_views.pop(0)
            self._fill_view(view)
            self.rt.background.drain()

    def _fill_view(self, view: dict[str, Any]) -> None:
        self.say(f"── form: {view.get('title', {}).get('text', '')} " + "─" * 40)
        for _ in range(3):
            values: dict[str, Any] = {}
            for block in view.get("blocks", []):
                if block.get("type") == "context":
                    self.say("  " + " · ".join(_text_of(e) for e in block.get("elements", [])))
                if block.get("type") != "input":
                    continue
                el = block["element"]
                label = block["label"]["text"]
                hint = {
                    "users_select": "a name like bob",
                    "multi_users_select": "names like bob eve",
                    "datepicker": "YYYY-MM-DD",
                }.get(el["type"], "text")
                answer = self._ask(f"{label} ({hint}{', empty to clear' if block.get('optional') else ''}): ")
                if answer is None:
                    self.say("(form cancelled)")
                    return
                key = {
                    "users_select": "selected_user",
                    "multi_users_select": "selected_users",
                    "datepicker": "selected_date",
                }.get(el["type"], "value")
                if el["type"] == "users_select" and answer:
                    answer = user_id(answer)
                if el["type"] == "multi_users_select":  # Slack sends a list, empty when nobody is picked
                    picked = [user_id(name) for name in answer.split()]
                    values[block["block_id"]] = {el["action_id"]: {"type": el["type"], key: picked}}
                    continue
                values[block["block_id"]] = {el["action_id"]: {"type": el["type"], key: answer or None}}
            reply = self.slack.submit(view, values, user=self.user)
            if reply.json.get("response_action") == "errors":
                self.say("!! " + "; ".join(reply.json["errors"].values()))
                continue
            return

    def _ask(self, prompt: str) -> str | None:
        if sys.stdin.isatty():
            try:
                return input(prompt)
            except EOFError:
                return None
        line = sys.stdin.readline()
        if not line:
            return None
        self.say(prompt + line.rstrip("\n"))
        return line.rstrip("\n")


HISTORY_FILE = ".checklist-bot_history"  # in the home folder: the console's earlier lines, for Up/Down


def line_editing() -> Callable[[], None]:
    """Line editing and history for `input()` (readline: arrows, Ctrl-R, …), kept between runs; returns what
    saves the history at the end."""
    try:
        import readline
    except ImportError:  # not on every platform; the console works without it
        return lambda: None
    path = Path.home() / HISTORY_FILE
    try:
        readline.read_history_file(path)
    except OSError:
        pass
    readline.set_history_length(1000)

    def save() -> None:
        try:
            readline.write_history_file(path)
        except OSError:
            pass

    return save


def run_console(settings: Settings, *, user: str, channel: str, now: str | None = None) -> int:
    clock = MovableClock()
    if now:
        try:
            moment = datetime.fromisoformat(now)
        except ValueError:
            raise ConfigError(f"--now: {now!r} is not an ISO date and time, e.g. 2026-12-01T10:00") from None
        clock.set(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    user, channel = user_id(user), channel_id(channel)
    console = Console(settings, user=user, channel=channel, clock=clock)
    console.rt.start_scheduler()  # digests and nudges that fall due show up here as they would in Slack
    interactive = sys.stdin.isatty()
    save_history = line_editing() if interactive else (lambda: None)
    console.say(f"checklist-bot console · you are {user} in #{channel} · database {settings.database_url}")
    console.say(HELP if interactive else "(reading commands from standard input)")
    try:
        while True:
            try:
                line = input("> ") if interactive else sys.stdin.readline()
            except EOFError:
                break
            if not interactive:
                if not line:
                    break
                if line.strip():
                    console.say(f"> {line.rstrip()}")
            if not console.handle(line):
                break
    except KeyboardInterrupt:
        pass
    finally:
        save_history()
        console.close()
    return 0
