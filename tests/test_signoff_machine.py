"""A stateful property test of sign-offs: random sequences of signed commands, menu choices and clicks on the DMs'
own buttons, from several people, against one checklist (a fresh channel per example), with the invariants
checked after every step:

- no item is done or not applicable while a request on it is pending;
- every signed-off item has an approval from each of its approvers and none from the requester;
- a sign-off item that is not applicable got there by an approved "not applicable" request, by others;
- no item has more than 5 owners, or one twice;
- replaying the event log gives the current state (items, owners, due dates, contacts, pending requests), the
  `plan` event included;
- `audit verify` passes; and after an out-of-band UPDATE of one event row it names that row.
"""

from __future__ import annotations

import itertools
from typing import Any, ClassVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import text
from sqlmodel import col, select

from bot.checklists import rules
from bot.slack.ids import Action, Input
from storage import audit
from storage import queries as q
from storage import signoffs as sq
from storage.models import Checklist, Event, Item
from tests.conftest import Bot

PEOPLE = ("UALICE", "UBOB", "UCARA", "UDAN", "UEVE")
ITEMS = ("1.2", "3.3", "3.4", "5.1", "5.2")
_channels = itertools.count(1)

people = st.sampled_from(PEOPLE)
items = st.sampled_from(ITEMS)


def replay(template_items: list[str], events: list[Event]) -> dict[str, Any]:
    """The state the event log describes: per item (status, owner, due, removed), contacts, pending items."""
    state: dict[str, dict[str, Any]] = {
        n: {"status": rules.OPEN, "owners": [], "due": None, "removed": False} for n in template_items
    }
    contacts: dict[str, list[str]] = {}
    pending: set[str] = set()
    for e in events:
        n, a = e.item_number or "", e.action  # events of the whole checklist have no item
        if a in ("done", "signoff_done"):
            state[n]["status"] = rules.DONE
        if a in ("signoff_done", "signoff_cancel", "signoff_reject", "signoff_supersede", "skip"):
            pending.discard(n)
        if a in ("undo", "unskip"):
            state[n]["status"] = rules.OPEN
        elif a == "skip":
            state[n]["status"] = rules.SKIPPED
        elif a == "assign":
            state[n]["owners"] = (e.new or "").split()
        elif a == "plan":
            _, _, changes = (e.new or "").partition("\n")
            for change in filter(None, changes.split("; ")):
                number, what, *values = change.split()
                if what == "due":
                    state[number]["due"] = values[0]
                else:
                    state[number]["owners"] = values
        elif a == "due":
            state[n]["due"] = e.new
        elif a == "remove":
            state[n]["removed"] = True
        elif a == "add":
            state[n] = {"status": rules.OPEN, "owners": [], "due": None, "removed": False}
        elif a == "contact":
            role, _, ids = (e.new or "").partition(":")
            contacts[role.strip()] = ids.split()
        elif a in ("signoff_request", "skip_request"):
            pending.add(n)
    return {"items": state, "contacts": {r: u for r, u in contacts.items() if u}, "pending": pending}


class SignoffMachine(RuleBasedStateMachine):
    bot: ClassVar[Bot]  # set by the test

    def __init__(self) -> None:
        super().__init__()
        self.channel = f"CSM{next(_channels):05d}"
        self.cmd("start", "UALICE")
        self.cmd("contact security <@UCARA> <@UDAN>", "UALICE")
        self.cmd("contact technical <@UBOB> <@UEVE>", "UALICE")
        with self.bot.rt.db.read() as session:
            checklist = q.active_checklist(session, "T0LOCAL", self.channel)
            assert checklist is not None
            self.checklist_id = checklist.pk
            self.template_items = [i.number for i in q.items(session, checklist.pk)]

    # -- Slack's side ------------------------------------------------------------------------------------

    def cmd(self, command: str, user: str):
        reply = self.bot.slack.command(command, user=user, channel=self.channel)
        assert reply.status == 200, reply.body
        self.bot.settle()
        return reply

    def request_ids(self) -> set[str]:
        with self.bot.rt.db.read() as session:
            return {str(r.id) for r in sq.requests(session, self.checklist_id)}

    def dms(self) -> list:
        """The DMs with buttons this checklist's requests sent (as the fake Web API received them)."""
        ids = self.request_ids()
        out = []
        for call in self.bot.fake.calls_to("chat.postMessage"):
            if not call.args.get("channel", "").startswith("D"):
                continue
            values = {
                e.get("value")
                for b in call.args.get("blocks", [])
                if b.get("type") == "actions"
                for e in b.get("elements", [])
            }
            if values & ids:
                out.append(call)
        return out

    # -- rules -------------------------------------------------------------------------------------------

    @rule(item=items, user=people, named=st.lists(people, max_size=2, unique=True))
    def request(self, item, user, named):
        self.cmd(f"signoff {item} " + " ".join(f"<@{u}>" for u in named), user)

    @rule(item=st.sampled_from(["5.1", "5.2"]), user=st.sampled_from(["UALICE", "UBOB", "UEVE", "UCARA"]))
    def role_request(self, item, user):
        self.cmd(f"signoff {item}", user)

    @rule(item=st.sampled_from(["1.2", "3.4"]), user=people, approver=people)
    def named_request(self, item, user, approver):
        if approver != user:
            self.cmd(f"signoff {item} <@{approver}>", user)

    @rule(item=st.sampled_from(["1.2", "3.4"]), user=people)
    def done_plain(self, item, user):
        self.cmd(f"done {item}", user)

    @rule(item=st.sampled_from(["5.1", "5.2"]), user=people)
    def withdraw(self, item, user):
        self.cmd(f"undo {item} revised after review", user)

    @rule(item=items, user=people)
    def cancel(self, item, user):
        self.cmd(f"signoff cancel {item}", user)

    @rule(data=st.data())
    def everyone_approves_too(self, data):
        self.everyone_approves(data)

    @rule(data=st.data())
    def everyone_approves(self, data):
        """Each approver of one pending request presses Approve in their own DM (in a random order)."""
        dms = self.dms()
        with self.bot.rt.db.read() as session:
            pending = [str(r.id) for r in sq.requests(session, self.checklist_id, status=sq.PENDING)]
        if not pending:
            return
        rid = data.draw(st.sampled_from(pending))
        mine = [d for d in dms if any(e.get("value") == rid for b in d.args["blocks"] for e in b.get("elements", []))]
        for dm in data.draw(st.permutations(mine)):
            self.bot.slack.click(
                dm.args, Action.SIGNOFF_APPROVE, user="U" + dm.args["channel"][1:], channel=dm.args["channel"]
            )
            self.bot.settle()

    @rule(data=st.data(), own=st.sampled_from([True, True, True, False]), other=people)
    def approve(self, data, own, other):
        dms = self.dms()
        if not dms:
            return
        dm = data.draw(st.sampled_from(dms))
        user = "U" + dm.args["channel"][1:] if own else other
        self.bot.slack.click(dm.args, Action.SIGNOFF_APPROVE, user=user, channel=dm.args["channel"])
        self.bot.settle()

    @rule(data=st.data(), own=st.sampled_from([True, True, True, False]), other=people)
    def reject(self, data, own, other):
        dms = self.dms()
        if not dms:
            return
        dm = data.draw(st.sampled_from(dms))
        user = "U" + dm.args["channel"][1:] if own else other
        opened = len(self.bot.fake.calls_to("views.open"))
        self.bot.slack.click(dm.args, Action.SIGNOFF_REJECT, user=user, channel=dm.args["channel"])
        self.bot.settle()
        views = self.bot.fake.calls_to("views.open")
        if len(views) > opened:
            view = views[-1].args["view"]
            values = {Input.REASON: {Input.REASON: {"type": "plain_text_input", "value": "not yet"}}}
            self.bot.slack.submit(view, values, user=user)
            self.bot.settle()

    @rule(item=items, user=people)
    def done(self, item, user):
        self.cmd(f"done {item}", user)

    @rule(item=items, user=people, reason=st.sampled_from(["", "revised"]))
    def undo(self, item, user, reason):
        self.cmd(f"undo {item} {reason}".strip(), user)

    @rule(item=items, user=people, owner=people)
    def assign(self, item, user, owner):
        self.cmd(f"assign {item} <@{owner}>", user)

    @rule(item=items, user=people, owners=st.lists(people, min_size=1, max_size=6))
    def assign_several(self, item, user, owners):
        self.cmd(f"assign {item} " + " ".join(f"<@{u}>" for u in owners), user)

    @rule(item=items, user=people, who=people, add=st.booleans())
    def assign_add_or_remove(self, item, user, who, add):
        self.cmd(f"assign {item} {'+' if add else '-'}<@{who}>", user)

    @rule(item=items, user=people, reason=st.sampled_from(["out of scope", "covered by the national framework"]))
    def skip(self, item, user, reason):
        """Plain items are skipped at once; 5.1 and 5.2 become a "not applicable" request to the approvers."""
        self.cmd(f"skip {item} {reason}", user)

    @rule(item=items, user=people)
    def unskip(self, item, user):
        self.cmd(f"unskip {item}", user)

    @rule(user=people, when=st.sampled_from(["tomorrow", "in 2 weeks"]), move_all=st.booleans())
    def plan(self, user, when, move_all):
        self.cmd(f"plan {when}{' all' if move_all else ''}", user)

    @rule(item=items, user=people, when=st.sampled_from(["tomorrow", "none"]))
    def due(self, item, user, when):
        self.cmd(f"due {item} {when}", user)

    @rule(item=items, user=people)
    def remove(self, item, user):
        self.cmd(f"remove {item}", user)

    @rule(user=people, role=st.sampled_from(["security", "lead"]), who=st.lists(people, min_size=1, max_size=3))
    def contact(self, user, role, who):
        self.cmd(f"contact {role} " + " ".join(f"<@{u}>" for u in who), user)

    @rule(item=items, user=people)
    def menu_done(self, item, user):
        status = self.bot.slack.command("status", user=user, channel=self.channel)
        value = f"done|{self.checklist_id}|{item}"
        if any(
            o["value"] == value
            for b in status.json.get("blocks", [])
            for o in b.get("accessory", {}).get("options", [])
        ):
            self.bot.slack.choose(status.json, value, user=user, channel=self.channel)
            self.bot.settle()

    @rule(data=st.data())
    def tamper(self, data):
        """An out-of-band UPDATE of one event row is named by `audit verify`; then the row is put back."""
        with self.bot.rt.db.read() as session:
            ids = list(session.exec(select(Event.id).where(Event.checklist_id == self.checklist_id)).all())
        event_id = data.draw(st.sampled_from(ids))
        with self.bot.rt.db.writer.begin() as conn:
            old = conn.execute(text("SELECT new FROM event WHERE id = :id"), {"id": event_id}).scalar()
            conn.execute(text("UPDATE event SET new = :v WHERE id = :id"), {"v": (old or "") + "x", "id": event_id})
        with self.bot.rt.db.read() as session:
            (chain,) = audit.verify(session, [self.checklist_id])
        assert chain.broken is not None and chain.broken.event_id == event_id
        with self.bot.rt.db.writer.begin() as conn:
            conn.execute(text("UPDATE event SET new = :v WHERE id = :id"), {"v": old, "id": event_id})

    # -- invariants --------------------------------------------------------------------------------------

    def read(self):
        with self.bot.rt.db.read() as session:
            checklist = session.get(Checklist, self.checklist_id)
            all_items = list(session.exec(select(Item).where(Item.checklist_id == self.checklist_id)).all())
            requests = sq.requests(session, self.checklist_id)
            approvals = sq.approvals_of(session, [r.pk for r in requests])
            events = list(
                session.exec(select(Event).where(Event.checklist_id == self.checklist_id).order_by(col(Event.id))).all()
            )
            contacts = q.contacts(session, self.checklist_id)
            chains = audit.verify(session, [self.checklist_id])
        return checklist, all_items, requests, approvals, events, contacts, chains

    @invariant()
    def the_rules_hold(self):
        checklist, all_items, requests, approvals, events, contacts, chains = self.read()
        by_id = {i.id: i for i in all_items}
        pending = {r.item_number for r in requests if r.status == sq.PENDING}

        # No item is done or not applicable while a request on it is pending.
        for r in requests:
            if r.status == sq.PENDING:
                assert rules.is_open(by_id[r.item_id]), f"{r.item_number} closed with a pending request"

        # A sign-off item is not applicable only by its approvers' agreement (never the requester's alone).
        latest_of = {}
        for r in requests:
            latest_of[r.item_id] = r
        for item in all_items:
            if rules.is_skipped(item) and rules.needs_signoff(item):
                r = latest_of.get(item.id)
                assert r is not None and r.purpose == "skip" and r.status == sq.APPROVED, item.number
                rows = approvals[r.id]
                assert rows and all(a.decision == rules.APPROVED for a in rows), (item.number, rows)
                assert item.skipped_by == r.requested_by not in {a.user_id for a in rows}
            owners = rules.owners(item)
            assert len(owners) <= rules.MAX_OWNERS and len(set(owners)) == len(owners), (item.number, owners)

        # Every signed-off item: an approval from each of its approvers, none from the requester.
        latest = {}
        for r in requests:
            latest[r.item_id] = r
        for item_id, r in latest.items():
            item = by_id[item_id]
            if rules.is_signed_off(item, r.status):
                rows = approvals[r.id]
                assert rows and all(a.decision == rules.APPROVED for a in rows), (r.item_number, rows)
                assert r.requested_by not in {a.user_id for a in rows}
        for r in requests:
            assert r.requested_by not in {a.user_id for a in approvals[r.id]}

        # Replaying the event log gives the current state.
        replayed = replay(self.template_items, events)
        for item in all_items:
            want = replayed["items"][item.number]
            assert want["status"] == item.status, (item.number, want, item.status)
            assert want["owners"] == rules.owners(item), (item.number, want, rules.owners(item))
            assert want["due"] == (item.due_date.isoformat() if item.due_date else None), item.number
            assert want["removed"] == (item.removed_at is not None), item.number
        now: dict[str, list[str]] = {}
        for c in contacts:
            now.setdefault(c.role, []).append(c.user_id)
        assert replayed["contacts"] == now
        assert replayed["pending"] == pending

        # The record's chain is intact.
        (chain,) = chains
        assert chain.broken is None, chain.broken.describe()
        assert chain.events == len(events)


def test_signoff_rules_hold_under_random_use(bot):
    SignoffMachine.bot = bot
    try:
        run_state_machine_as_test(
            SignoffMachine,
            settings=settings(
                max_examples=14,
                stateful_step_count=35,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
                database=None,
            ),
        )
    finally:
        del SignoffMachine.bot
