"""IANA timezone names as people type them: the tz database's spelling, and the closest names to a typo."""

from __future__ import annotations

import difflib
from functools import cache
from zoneinfo import available_timezones


@cache
def _names() -> dict[str, str]:
    """Lower-case name → tz database spelling, for every zone with a region (and UTC)."""
    names = {n.lower(): n for n in available_timezones() if "/" in n and not n.startswith(("Etc/", "SystemV/"))}
    names["utc"] = "UTC"
    return names


@cache
def _all_names() -> dict[str, str]:
    return {n.lower(): n for n in available_timezones()} | {"utc": "UTC"}


def canonical_timezone(name: str) -> str | None:
    """The IANA name as spelled in the tz database (case-insensitive match), or None."""
    if not name or len(name) > 64:
        return None
    return _all_names().get(name.strip().lower())


def closest_timezones(name: str, n: int = 3) -> list[str]:
    """Up to `n` valid zone names closest to `name`: by the whole name and by its city (`fiji` → Pacific/Fiji)."""
    typed = name.strip().lower().replace(" ", "_")[:64]
    if not typed:
        return []
    names = _names()
    found = difflib.get_close_matches(typed, list(names), n=n, cutoff=0.6)
    cities: dict[str, list[str]] = {}
    for lower in names:
        cities.setdefault(lower.rsplit("/", 1)[-1], []).append(lower)
    city = typed.rsplit("/", 1)[-1]
    for match in difflib.get_close_matches(city, list(cities), n=n, cutoff=0.7):
        found += sorted(cities[match])
    out: list[str] = []
    for lower in found:
        if names[lower] not in out:
            out.append(names[lower])
    return out[:n]
