"""The sentence for each refusal of the checklists feature (`bot.checklists.refusals`); user text is escaped here."""

from __future__ import annotations

from collections.abc import Sequence

from bot.checklists import refusals as r
from bot.checklists.dates import FORMATS_HELP, plain_date, slack_day
from bot.checklists.rules import LOCKED_ACTIONS, WORKWEEK_NAMES
from bot.errors import NoChecklist
from bot.slack.text import escape, mention, truncate, user_text
from bot.slack.wording import says


def people(ids: Sequence[str]) -> str:
    return ", ".join(mention(u) for u in ids)


def _items(pairs: Sequence[tuple[str, str]]) -> str:
    """`*3.1* Title, *3.2* Other` (titles escaped)."""
    return ", ".join(f"*{n}* {user_text(title)}" for n, title in pairs)


# -- which checklist, which item --------------------------------------------------------------------------------


@says(NoChecklist)
def _no_checklist(e: NoChecklist) -> str:
    return (
        "There is no checklist in this channel yet. Start one with `/checklist start` "
        "(or `/checklist templates` to pick a workplan)."
    )


@says(r.ArchivedIsReadOnly)
def _archived_is_read_only(e: r.ArchivedIsReadOnly) -> str:
    return "An archived checklist is a record: nothing can change it. Nothing changed."


@says(r.ChecklistReplaced)
def _checklist_replaced(e: r.ChecklistReplaced) -> str:
    return (
        "That message belongs to a checklist that has since been archived. `/checklist status` shows the current one."
    )


@says(r.NoArchivedChecklist)
def _no_archived_checklist(e: r.NoArchivedChecklist) -> str:
    have = f"archived checklists run from 1 to {e.count}" if e.count else "it has no archived checklists"
    return f"No archived checklist {e.number} in this channel: {have}. `/checklist archived` lists them."


@says(r.NoSuchItem)
def _no_such_item(e: r.NoSuchItem) -> str:
    span = f"items run from {e.first_last[0]} to {e.first_last[1]}" if e.first_last else "it has no items"
    return f"No item {e.number} here: {span}. Try `/checklist status`."


@says(r.NoSuchPhase)
def _no_such_phase(e: r.NoSuchPhase) -> str:
    return f"No phase {e.number} here: phases run from 1 to {e.last}. Try `/checklist status`."


@says(r.PhaseFull)
def _phase_full(e: r.PhaseFull) -> str:
    return (
        f"Phase {e.phase} is full: a phase holds at most {e.most} items "
        f"(numbers {e.phase}.1 to {e.phase}.{e.most}). Add it to another phase."
    )


@says(r.NoSuchTemplate)
def _no_such_template(e: r.NoSuchTemplate) -> str:
    names = ", ".join(f"`{n}`" for n in e.names)
    return f"There is no template `{escape(e.name[:64])}`. Templates: {names}."


@says(r.AlreadyStarted)
def _already_started(e: r.AlreadyStarted) -> str:
    return (
        f"This channel already has a checklist, *{user_text(e.title)}*, started "
        f"{slack_day(e.started_at)} by {mention(e.started_by)}. "
        "See it with `/checklist status`; `/checklist archive` closes it so a new one can start."
    )


# -- item states ------------------------------------------------------------------------------------------------


@says(r.AlreadyDone)
def _already_done(e: r.AlreadyDone) -> str:
    return (
        f"{e.number} is already done ({mention(e.done_by)}"
        + (f", {slack_day(e.done_at)}" if e.done_at else "")
        + f"). `/checklist undo {e.number}` reopens it."
    )


@says(r.SkippedNotDone)
def _skipped_not_done(e: r.SkippedNotDone) -> str:
    return (
        f"{e.number} is not applicable ({user_text(e.reason)}). "
        f"`/checklist unskip {e.number}` makes it applicable again first. Nothing changed."
    )


@says(r.DoneBySignoff)
def _done_by_signoff(e: r.DoneBySignoff) -> str:
    return (
        f"{e.number} needs a sign-off from the *{e.role}* contacts, so it is done when "
        f"they approve. Ask them with `/checklist signoff {e.number}`."
    )


@says(r.WaitsFor)
def _waits_for(e: r.WaitsFor) -> str:
    one = len(e.blocked) == 1
    return (
        f"{e.number} waits for {_items(e.blocked)}, which {'is' if one else 'are'} not done yet. "
        f"Finish {'it' if one else 'them'} first; `/checklist status` shows what is open."
    )


@says(r.NotDone)
def _not_done(e: r.NotDone) -> str:
    return f"{e.number} is not done, so there is nothing to undo."


@says(r.UndoNeedsReason)
def _undo_needs_reason(e: r.UndoNeedsReason) -> str:
    return (
        f"{e.number} was signed off, so reopening it withdraws that sign-off, and the record needs "
        f"why: `/checklist undo {e.number} <reason>`. Nothing changed."
    )


@says(r.AlreadySkipped)
def _already_skipped(e: r.AlreadySkipped) -> str:
    return (
        f"{e.number} is already not applicable ({user_text(e.reason)}). "
        f"`/checklist unskip {e.number}` makes it applicable again."
    )


@says(r.DoneNotSkippable)
def _done_not_skippable(e: r.DoneNotSkippable) -> str:
    return (
        f"{e.number} is done, so it cannot be not applicable. `/checklist undo {e.number}` reopens "
        "it first. Nothing changed."
    )


@says(r.NotSkipped)
def _not_skipped(e: r.NotSkipped) -> str:
    return f"{e.number} is not marked not applicable, so there is nothing to unskip."


@says(r.SameDue)
def _same_due(e: r.SameDue) -> str:
    return f"{e.number} is already " + (f"due {plain_date(e.due, e.today)}." if e.due else "without a due date.")


@says(r.SignedOffNotRemovable)
def _signed_off_not_removable(e: r.SignedOffNotRemovable) -> str:
    return (
        f"{e.number} is signed off, and a sign-off is evidence: it cannot be removed. "
        f"`/checklist undo {e.number} <reason>` withdraws the sign-off on the record. Nothing changed."
    )


@says(r.RemoveWouldDropGate)
def _remove_would_drop_gate(e: r.RemoveWouldDropGate) -> str:
    return (
        f"{e.number} cannot be removed: {_items(e.waiting)} {'waits' if len(e.waiting) == 1 else 'wait'} for it, "
        "and removing it would silently drop that gate. Nothing changed."
    )


@says(r.Locked)
def _locked(e: r.Locked) -> str:
    return (
        f"{e.number} has a pending sign-off request, so it cannot be {LOCKED_ACTIONS[e.action]} now. "
        f"Withdraw the request first with `/checklist signoff cancel {e.number}`. Nothing changed."
    )


@says(r.NothingToPlan)
def _nothing_to_plan(e: r.NothingToPlan) -> str:
    return (
        "This checklist's items have no planned dates (its template has no `due:` rules), so there is "
        "nothing to plan. Set dates with `/checklist due <item> <date>`. Nothing changed."
    )


# -- owners, people, contacts -----------------------------------------------------------------------------------


@says(r.NotAPerson)
def _not_a_person(e: r.NotAPerson) -> str:
    fix = f" Mention people with @, e.g. `/checklist {e.example}`." if e.example else " Pick a person."
    return f"`{escape(e.token[:40])}` is not a person ({e.kind}), and only people can be named here.{fix}"


@says(r.NotOwners)
def _not_owners(e: r.NotOwners) -> str:
    return (
        f"{people(e.missing)} {'does' if len(e.missing) == 1 else 'do'} not own "
        f"{e.number} (owners: {people(e.owners) or 'nobody'}). Nothing changed."
    )


@says(r.TooManyOwners)
def _too_many_owners(e: r.TooManyOwners) -> str:
    return f"An item can have at most {e.most} owners; that would make {e.count} for {e.number}. Nothing changed."


@says(r.SameOwners)
def _same_owners(e: r.SameOwners) -> str:
    return f"{e.number} is already " + (f"assigned to {people(e.owners)}." if e.owners else "unassigned.")


@says(r.OnlyLeadsChangeContacts)
def _only_leads_change_contacts(e: r.OnlyLeadsChangeContacts) -> str:
    return (
        f"Only a lead can change the *{e.role}* contacts, because that role signs off items: ask "
        f"{people(e.leads)}. Nothing changed."
    )


@says(r.SameContacts)
def _same_contacts(e: r.SameContacts) -> str:
    return f"The *{e.role}* contacts are already exactly those. Nothing changed."


# -- who is asked to sign off -----------------------------------------------------------------------------------


@says(r.OwnRequest)
def _own_request(e: r.OwnRequest) -> str:
    return (
        f"Nobody approves their own request: leave yourself out of the sign-off of {e.number}. Nothing was requested."
    )


@says(r.NoRoleContacts)
def _no_role_contacts(e: r.NoRoleContacts) -> str:
    return (
        f"Nobody is set as a *{e.role}* contact yet, and only they can sign off {e.number}. A lead names "
        f"them with `/checklist contact {e.role} @cara @dan`. Nothing was requested."
    )


@says(r.NotRoleContacts)
def _not_role_contacts(e: r.NotRoleContacts) -> str:
    return (
        f"{people(e.outside)} {'is' if len(e.outside) == 1 else 'are'} not a *{e.role}* contact, so cannot sign "
        f"off {e.number}. The *{e.role}* contacts are {people(e.contacts)}; name some of them or nobody "
        "(then all are asked). Nothing was requested."
    )


@says(r.NameApprovers)
def _name_approvers(e: r.NameApprovers) -> str:
    return (
        f"{e.number} has no sign-off role, so name who should approve it, e.g. `/checklist signoff {e.number} @cara`."
    )


@says(r.NobodyLeftToApprove)
def _nobody_left_to_approve(e: r.NobodyLeftToApprove) -> str:
    return (
        f"Nobody approves their own request, and you are the only *{e.role}* contact, so nobody is left to sign "
        f"off {e.number}. A lead can add contacts with `/checklist contact {e.role} @…`. Nothing was requested."
    )


# -- the checklist's settings and where it is shown ------------------------------------------------------------


@says(r.SameTimezone)
def _same_timezone(e: r.SameTimezone) -> str:
    return f"This checklist's dates are already in {e.timezone}."


@says(r.SameWorkweek)
def _same_workweek(e: r.SameWorkweek) -> str:
    return f"This checklist's working week is already {WORKWEEK_NAMES[e.workweek]}."


@says(r.SameNotify)
def _same_notify(e: r.SameNotify) -> str:
    return f"This checklist is already in *{e.mode}* mode. Nothing changed."


@says(r.ShareHere)
def _share_here(e: r.ShareHere) -> str:
    return (
        f"That is this channel: its checklist is already here. {e.verb.capitalize()} it to another channel, "
        "e.g. your leads' channel: `/checklist share #leads`. Nothing changed."
    )


@says(r.OnlyLeadsShare)
def _only_leads_share(e: r.OnlyLeadsShare) -> str:
    return (
        f"Only a lead of this checklist decides where else it is shown: ask "
        f"{people(e.leads)} (`/checklist contact lead @…` names more leads). "
        "Nothing changed."
    )


@says(r.AlreadyShared)
def _already_shared(e: r.AlreadyShared) -> str:
    return f"This checklist is already in <#{e.channel_id}>'s portfolio. Nothing changed."


@says(r.NotShared)
def _not_shared(e: r.NotShared) -> str:
    return f"This checklist is not in <#{e.channel_id}>'s portfolio. Nothing changed."


# -- what a click or a form sent ----------------------------------------------------------------------------------


@says(r.UnknownMenuChoice)
def _unknown_menu_choice(e: r.UnknownMenuChoice) -> str:
    return f"Unknown menu choice {e.choice}."


@says(r.PickPeople)
def _pick_people(e: r.PickPeople) -> str:
    return "Pick people from the list."


@says(r.PickDate)
def _pick_date(e: r.PickDate) -> str:
    return "Pick a date from the calendar."


@says(r.EmptyNote)
def _empty_note(e: r.EmptyNote) -> str:
    return "Write the note first."


@says(r.NoteTooLong)
def _note_too_long(e: r.NoteTooLong) -> str:
    return f"Notes can be at most {e.most:,} characters."


@says(r.UnreadableDate)
def _unreadable_date(e: r.UnreadableDate) -> str:
    shown = escape(truncate(e.text, 60))
    if e.problem is not None:
        return f"`{shown}` is not a real date ({e.problem}). I read {FORMATS_HELP}."
    return f"I can't read `{shown}` as a date. I read {FORMATS_HELP}."
