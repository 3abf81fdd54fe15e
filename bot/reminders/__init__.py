"""Scheduled reminders: weekly channel digests and daily overdue nudges, each posted exactly once per period.

- `schedule`: wall-clock maths (zoneinfo, DST-correct) and period keys.
- `digest`: bulk digest building for many channels, with a hook for pending sign-offs.
- `runner`: `Reminders.run_due(now)`, called every minute by APScheduler; claims, posts and records each run
  (digests, and each owner's overdue items across channels as one DM).
- `service`: the `/checklist remind …` units of work; they return data.
- `messages`: everything the feature says (digest, nudge, `/checklist remind` answers).
"""
