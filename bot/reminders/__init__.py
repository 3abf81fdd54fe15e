"""Scheduled reminders: weekly channel digests and daily overdue nudges, each posted exactly once per period.

- `schedule`: wall-clock maths (zoneinfo, DST-correct) and period keys.
- `digest`: bulk digest building for many channels, with a hook for pending sign-offs.
- `nudges`: each owner's overdue items across channels.
- `runner`: `Reminders.run_due(now)`, called every minute by APScheduler; claims, posts and records each run.
- `service`: the `/checklist remind …` units of work.
"""
