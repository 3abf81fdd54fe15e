"""Workplan templates: YAML data files shipped in this folder (and, optionally, a team's own folder)."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

MAX_TITLE = 200
MAX_ITEMS = 500


class TemplateError(ValueError):
    """A template file that cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class TemplateItem:
    number: str
    phase_number: int
    position: int
    title: str
    detail: str | None = None
    group: str | None = None
    help_url: str | None = None
    signoff_role: str | None = None


@dataclass(frozen=True)
class TemplatePhase:
    number: int
    name: str
    items: tuple[TemplateItem, ...]


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    description: str
    phases: tuple[TemplatePhase, ...]
    source: str = field(default="", compare=False)

    @property
    def items(self) -> list[TemplateItem]:
        return [item for phase in self.phases for item in phase.items]


def _text(value: object, where: str, *, required: bool = True, limit: int = MAX_TITLE) -> str | None:
    if value is None:
        if required:
            raise TemplateError(f"{where}: missing")
        return None
    if not isinstance(value, str | int | float) or not str(value).strip():
        raise TemplateError(f"{where}: must be a non-empty text")
    text = " ".join(str(value).split())
    if len(text) > limit:
        raise TemplateError(f"{where}: {len(text)} characters, at most {limit}")
    return text


def _items(raw: object, where: str, phase_no: int, start: int, group: str | None) -> list[TemplateItem]:
    if not isinstance(raw, list) or not raw:
        raise TemplateError(f"{where}: needs a non-empty list of items")
    out = []
    for i, entry in enumerate(raw):
        here = f"{where}[{i}]"
        if isinstance(entry, str):
            entry = {"title": entry}
        if not isinstance(entry, dict):
            raise TemplateError(f"{here}: an item is a title or a mapping with 'title'")
        unknown = set(entry) - {"title", "detail", "help", "signoff"}
        if unknown:
            raise TemplateError(f"{here}: unknown key(s) {', '.join(sorted(unknown))}")
        position = start + i
        role = _text(entry.get("signoff"), f"{here}.signoff", required=False, limit=64)
        out.append(
            TemplateItem(
                number=f"{phase_no}.{position}",
                phase_number=phase_no,
                position=position,
                title=_text(entry.get("title"), f"{here}.title"),
                detail=_text(entry.get("detail"), f"{here}.detail", required=False, limit=2000),
                group=group,
                help_url=_text(entry.get("help"), f"{here}.help", required=False, limit=500),
                signoff_role=role.lower() if role else None,
            )
        )
    return out


def parse_template(data: object, source: str) -> Template:
    """Validate one template's parsed YAML; errors name the file and the place."""
    try:
        if not isinstance(data, dict):
            raise TemplateError("the file must be a mapping with name, title and phases")
        name = _text(data.get("name"), "name", limit=64)
        if not name.replace("-", "").replace("_", "").isalnum() or name != name.lower():
            raise TemplateError("name: use lowercase letters, digits, '-' or '_'")
        phases_raw = data.get("phases")
        if not isinstance(phases_raw, list) or not phases_raw:
            raise TemplateError("phases: needs a non-empty list")
        phases = []
        for p, raw in enumerate(phases_raw, start=1):
            where = f"phases[{p - 1}]"
            if not isinstance(raw, dict):
                raise TemplateError(f"{where}: a phase is a mapping with name and items (or groups)")
            pname = _text(raw.get("name"), f"{where}.name")
            if ("items" in raw) == ("groups" in raw):
                raise TemplateError(f"{where}: give either items or groups")
            if "items" in raw:
                items = _items(raw["items"], f"{where}.items", p, 1, None)
            else:
                groups = raw["groups"]
                if not isinstance(groups, list) or not groups:
                    raise TemplateError(f"{where}.groups: needs a non-empty list")
                items = []
                for g, group in enumerate(groups):
                    gwhere = f"{where}.groups[{g}]"
                    if not isinstance(group, dict):
                        raise TemplateError(f"{gwhere}: a group is a mapping with name and items")
                    gname = _text(group.get("name"), f"{gwhere}.name")
                    items += _items(group.get("items"), f"{gwhere}.items", p, len(items) + 1, gname)
            phases.append(TemplatePhase(number=p, name=pname, items=tuple(items)))
        template = Template(
            name=name,
            title=_text(data.get("title"), "title"),
            description=_text(data.get("description") or "", "description", required=False, limit=300) or "",
            phases=tuple(phases),
            source=source,
        )
        if len(template.items) > MAX_ITEMS:
            raise TemplateError(f"{len(template.items)} items, at most {MAX_ITEMS}")
        return template
    except TemplateError as exc:
        raise TemplateError(f"{source}: {exc}") from None


def load_file(path: Path) -> Template:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "?"
        raise TemplateError(f"{path.name}: {where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    return parse_template(data, path.name)


def builtin_templates() -> dict[str, Template]:
    folder = resources.files(__name__)
    out = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yml"):
            template = load_file(Path(str(entry)))
            out[template.name] = template
    return out


def load_templates(extra_dir: str | None = None) -> dict[str, Template]:
    """Built-in templates, plus every `*.yml`/`*.yaml` in `extra_dir` (which may override a built-in)."""
    templates = builtin_templates()
    if extra_dir:
        folder = Path(extra_dir)
        if not folder.is_dir():
            raise TemplateError(f"{extra_dir}: not a folder")
        for path in sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]):
            template = load_file(path)
            templates[template.name] = template
    return templates


DEFAULT_TEMPLATE = "interop"
