"""The lock files pin what pyproject.toml asks for: a dependency added without `make lock` fails here."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)")


def pins(name: str) -> dict[str, str]:
    found: dict[str, str] = {}
    lines = (ROOT / name).read_text().splitlines()
    for i, line in enumerate(lines):
        m = PIN.match(line)
        if m:
            found[canonicalize_name(m.group(1))] = m.group(2)
            assert line.endswith("\\") and "--hash=sha256:" in lines[i + 1], f"{name}: {line} has no hash"
    return found


def requirements(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    raw = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return [Requirement(r.split("#")[0].strip()) for r in raw]


@pytest.mark.parametrize(
    "lock, groups", [("requirements.lock", [None]), ("requirements-dev.lock", [None, "dev"])]
)
def test_lock_files_pin_every_dependency_within_its_range(lock, groups):
    pinned = pins(lock)
    for group in groups:
        for req in requirements(group):
            name = canonicalize_name(req.name)
            assert name in pinned, f"{req.name} is not in {lock}: run `make lock`"
            assert req.specifier.contains(pinned[name], prereleases=True), (
                f"{lock} pins {req.name}=={pinned[name]}, outside {req.specifier}: run `make lock`"
            )


def test_runtime_lock_has_no_test_tools():
    assert not {"pytest", "ruff", "hypothesis"} & set(pins("requirements.lock"))
