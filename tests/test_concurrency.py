"""50 concurrent commands on one checklist from several users: no lost update, no "database is locked"
reaching anyone, and the final state equals a replay of the event log."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

from sqlmodel import col, func, select

from storage.models import Event, Item, Note


def test_fifty_concurrent_commands(started):
    rng = random.Random(7)
    users = ["UALICE", "UBOB", "UCARA", "UDAN", "UEVE"]
    numbers = ["3.1", "3.2", "3.3", "4.1", "4.2"]
    commands = []
    for i in range(50):
        n = rng.choice(numbers)
        kind = rng.choice(["done", "undo", "assign", "due", "note"])
        text = {
            "done": f"done {n}",
            "undo": f"undo {n}",
            "assign": f"assign {n} <@{rng.choice(users)}>",
            "due": f"due {n} 2026-12-{rng.randint(1, 28):02d}",
            "note": f"note {n} note number {i}",
        }[kind]
        commands.append((text, rng.choice(users)))

    with ThreadPoolExecutor(max_workers=16) as pool:
        replies = list(pool.map(lambda c: started.slack.command(c[0], user=c[1]), commands))

    changed = 0
    for (text, _), reply in zip(commands, replies, strict=True):
        assert reply.status == 200, text
        assert "temporarily unavailable" not in reply.text and "locked" not in reply.content, reply.content
        assert "Something went wrong" not in reply.text, reply.content
        if reply.response_type == "in_channel":
            changed += 1
        else:  # refused only because the state already was what was asked
            assert "already" in reply.text or "not done" in reply.text, (text, reply.text)

    with started.rt.db.read() as s:
        events = s.exec(select(Event).where(Event.action != "start").order_by(col(Event.id))).all()
        items = {i.number: i for i in s.exec(select(Item)).all()}
        by_item = select(Item.number, func.count()).join(Note, col(Note.item_id) == col(Item.id))
        notes = dict(s.exec(by_item.group_by(Item.number)).all())
    version = started.rt.service.current(_who())[1]
    assert len(events) == changed  # every accepted change logged once, no more

    replay: dict[str, dict] = {n: {"status": "open", "owner": None, "due": None, "notes": 0} for n in items}
    for e in events:
        state = replay[e.item_number]
        if e.action in ("done", "undo"):
            assert state["status"] == e.old, "a change was applied on top of a state it did not see"
            state["status"] = e.new
        elif e.action == "assign":
            assert state["owner"] == e.old
            state["owner"] = e.new
        elif e.action == "due":
            assert state["due"] == e.old
            state["due"] = e.new
        elif e.action == "note":
            state["notes"] += 1
    for number, item in items.items():
        state = replay[number]
        assert item.status == state["status"], number
        assert item.owner_id == state["owner"], number
        assert (item.due_date.isoformat() if item.due_date else None) == state["due"], number
        assert notes.get(number, 0) == state["notes"], number
    assert version == changed + 1  # the start, then one bump per change


def _who():
    from bot.who import Who

    return Who(team_id="T0LOCAL", channel_id="C0LOCAL", user_id="U0LOCAL")
