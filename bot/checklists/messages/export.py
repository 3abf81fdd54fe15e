"""The checklist as a file for a project report or an auditor: Markdown or CSV. Pure: ExportData in, text out.

Per item: status, owner, due date, what it waits for, notes, and its sign-off record (who asked whom, each
approval and every rejection with its reason, with times in UTC). People are named as `name (U123)`, so the
file stands on its own outside Slack.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import date, datetime

from bot.checklists import rules
from bot.checklists.messages.status import days
from bot.checklists.service import ExportData, SignoffRecord
from bot.slack.text import mention, user_text
from storage import signoffs as sq
from storage.models import Item

Names = Callable[[str | None], str]


def namer(names: dict[str, str]) -> Names:
    def name(user_id: str | None) -> str:
        if not user_id:
            return "nobody"
        found = names.get(user_id)
        return f"{found} ({user_id})" if found and found != user_id else user_id

    return name


def when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else ""


def day(d: date | None) -> str:
    return d.isoformat() if d else ""


def filename(data: ExportData, fmt: str) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in data.checklist.title.lower()).strip("-")
    return f"{'-'.join(p for p in slug.split('-') if p)[:60] or 'checklist'}-{data.today.isoformat()}.{fmt}"


def file_title(data: ExportData) -> str:
    """The uploaded file's title: the checklist and its progress (Slack keeps 250 characters)."""
    return f"{data.checklist.title} ({rules.progress(data.items, data.today).text})"[:250]


def exported_text(data: ExportData, fmt: str, user_id: str) -> str:
    """The line posted with the file in the channel."""
    return (
        f"📎 {mention(user_id)} exported *{user_text(data.checklist.title)}* ({fmt.upper()}): status, "
        f"owners, dates, notes and the sign-off record. Record head `{data.chain_head[:16]}…`"
    )


def state(item: Item, name: Names, today: date) -> str:
    if rules.is_done(item):
        return f"done by {name(item.done_by)} {when(item.done_at)}".strip()
    if rules.is_skipped(item):
        why = " ".join((item.skip_reason or "").split())
        return f"not applicable ({name(item.skipped_by)} {when(item.skipped_at)}: “{why}”)"
    if rules.is_overdue(item, today):
        return f"open, overdue {days(rules.days_overdue(item, today))}"
    return "open"


def decision_lines(record: SignoffRecord, name: Names) -> list[str]:
    """One request: asked when by whom, then each approver's decision (a rejection with its reason)."""
    r = record.request
    asked = ", ".join(name(a.user_id) + (" (backup)" if a.backup else "") for a in record.approvals)
    head = f"{when(r.created_at)}: {name(r.requested_by)} asked {asked or 'nobody'}; {r.status}"
    if r.decided_at and r.status != sq.PENDING:
        head += f" {when(r.decided_at)}" + (f" by {name(r.decided_by)}" if r.decided_by else "")
    if r.escalated_at:
        head += f"; escalated {when(r.escalated_at)}"
    if r.note:
        head += f"; note: “{' '.join(r.note.split())}”"
    lines = [head]
    for a in record.approvals:
        if a.decision == rules.REJECTED:
            lines.append(f"{name(a.user_id)} rejected {when(a.decided_at)}: “{' '.join((a.reason or '').split())}”")
        elif a.decision == rules.APPROVED:
            lines.append(f"{name(a.user_id)} approved {when(a.decided_at)}")
    return lines


def rejections(records: Sequence[SignoffRecord], name: Names) -> list[str]:
    return [
        f"{name(a.user_id)} {when(a.decided_at)}: {' '.join((a.reason or '').split())}"
        for record in records
        for a in record.approvals
        if a.decision == rules.REJECTED
    ]


def _md(text: str) -> str:
    """User text on one Markdown line: no line breaks, no accidental markup."""
    out = " ".join(text.split())
    for ch in "\\`*_[]<>|#":
        out = out.replace(ch, "\\" + ch)
    return out


def markdown(data: ExportData, names: dict[str, str], generated_at: datetime) -> str:
    name = namer(names)
    c = data.checklist
    p = rules.progress(data.items, data.today)
    out = [
        f"# {_md(c.title)}",
        "",
        f"- Channel: {c.channel_id} · template `{c.template}`",
        f"- Started {when(c.created_at)} by {name(c.created_by)}",
        f"- Progress: {p.text} ({p.percent}%), {p.overdue} overdue",
        f"- Exported {when(generated_at)}",
        f"- Record: {data.chain_length} events; hash chain head `{data.chain_head}` "
        "(`checklist-bot audit verify --hash <head>` checks it against the live database)",
    ]
    if data.contacts:
        roles: dict[str, list[str]] = {}
        for contact in data.contacts:
            roles.setdefault(contact.role, []).append(name(contact.user_id))
        out.append("- Contacts: " + "; ".join(f"{role}: {', '.join(people)}" for role, people in sorted(roles.items())))
    for phase in data.phases:
        items = [i for i in data.items if i.phase_number == phase.number]
        done = sum(rules.is_done(i) for i in items)
        skipped = sum(rules.is_skipped(i) for i in items)
        na = f", {skipped} not applicable" if skipped else ""
        out += ["", f"## {phase.number} {_md(phase.name)} ({done}/{len(items) - skipped}{na})"]
        for item in items:
            out += ["", *_md_item(item, data, name)]
    if data.removed:
        out += ["", "## Removed from the checklist"]
        for item in data.removed:
            out += ["", *_md_item(item, data, name)]
    return "\n".join(out) + "\n"


def _md_item(item: Item, data: ExportData, name: Names) -> list[str]:
    box = "x" if rules.is_done(item) else ("-" if rules.is_skipped(item) else " ")
    lines = [f"### [{box}] {item.number} {_md(item.title)}", ""]
    if item.removed_at:
        lines.append(f"- Removed {when(item.removed_at)} by {name(item.removed_by)}")
    lines.append(f"- Status: {state(item, name, data.today)}")
    people = rules.owners(item)
    label = "Owners" if len(people) > 1 else "Owner"
    lines.append(f"- {label}: {', '.join(name(u) for u in people) if people else 'unassigned'}")
    if item.due_date:
        lines.append(f"- Due: {day(item.due_date)}")
    if item.group:
        lines.append(f"- Group: {_md(item.group)}")
    waits = rules.waits_for(item)
    if waits:
        lines.append(f"- Waits for: {', '.join(waits)}")
    if item.signoff_role:
        lines.append(f"- Sign-off role: {_md(item.signoff_role)}")
    records = data.signoffs.get(item.pk, [])
    if records:
        lines.append("- Sign-off record:")
        for record in records:
            first, *rest = decision_lines(record, name)
            lines.append(f"  - {_md(first)}")
            lines += [f"    - {_md(line)}" for line in rest]
    notes = data.notes.get(item.pk, [])
    if notes:
        lines.append("- Notes:")
        lines += [f"  - {when(n.created_at)} {name(n.author_id)}: {_md(n.text)}" for n in notes]
    return lines


CSV_COLUMNS = (
    "phase",
    "phase_name",
    "group",
    "item",
    "title",
    "status",
    "owner",
    "due_date",
    "done_by",
    "done_at",
    "waits_for",
    "signoff_role",
    "signoff_record",
    "rejections",
    "notes",
    "removed_at",
    "removed_by",
    "not_applicable_by",
    "not_applicable_reason",
    "record_head",  # the hash chain's head when exported (the same in every row): `checklist-bot audit verify --hash`
)


def _cell(value: str) -> str:
    """Neutralise spreadsheet formulas (=, +, -, @ at the start) in user text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_text(data: ExportData, names: dict[str, str]) -> str:
    name = namer(names)
    phase_names = {p.number: p.name for p in data.phases}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in [*data.items, *data.removed]:
        records = data.signoffs.get(item.pk, [])
        row = [
            str(item.phase_number),
            phase_names.get(item.phase_number, ""),
            item.group or "",
            item.number,
            item.title,
            "removed" if item.removed_at else ("not applicable" if rules.is_skipped(item) else item.status),
            "; ".join(name(u) for u in rules.owners(item)),
            day(item.due_date),
            name(item.done_by) if item.done_by else "",
            when(item.done_at),
            ", ".join(rules.waits_for(item)),
            item.signoff_role or "",
            "\n".join("; ".join(decision_lines(r, name)) for r in records),
            "\n".join(rejections(records, name)),
            "\n".join(f"{when(n.created_at)} {name(n.author_id)}: {n.text}" for n in data.notes.get(item.pk, [])),
            when(item.removed_at),
            name(item.removed_by) if item.removed_by else "",
            name(item.skipped_by) if item.skipped_by else "",
            item.skip_reason or "",
            data.chain_head,
        ]
        writer.writerow([_cell(v) for v in row])
    return buf.getvalue()


# -- what the person who asked is told when the export does not reach the channel -------------------------

WHY = {
    "not_in_channel": "I am not a member of this channel: `/invite @checklist-bot`, then export again",
    "channel_not_found": "I cannot see this channel: `/invite @checklist-bot`, then export again",
    "missing_scope": "the app lacks the `files:write` permission: ask an admin to reinstall it",
}


def export_not_made_text(reason: str) -> str:
    """The export could not be rendered (archived meanwhile, or the like)."""
    return f"⚠️ The export could not be made: {reason}."


def export_not_uploaded_text(reason: str) -> str:
    """Slack refused the upload (`reason` is its error code)."""
    why = WHY.get(reason, f"Slack answered `{reason}`; please try again")
    return f"⚠️ The export could not be uploaded: {why}."


def export_given_up_text(*, uncertain: bool) -> str:
    """The upload was given up: Slack never answered, or never confirmed the file reached the channel."""
    if uncertain:
        return (
            "⚠️ Slack did not confirm the export, so it may or may not be in the channel; please check before "
            "exporting again."
        )
    return "⚠️ The export could not be uploaded: Slack did not answer; please try again."
