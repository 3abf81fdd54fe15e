"""Workplan templates: YAML data files shipped in this folder (and, optionally, a team's own folder)."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, overload

import yaml

MAX_TITLE = 200
MAX_ITEMS = 500
# A team's folder is read at start-up, before anything answers: bound what it can cost.
MAX_FILE_BYTES = 1024 * 1024  # 500 items with long details fit several times over
MAX_FILES = 100
MAX_DEPTH = 12  # a template nests 8 deep (phases, groups, items, waits_for)
_ITEM_NUMBER = re.compile(r"^\d{1,3}\.\d{1,3}$")
# `due: +10` (working days after the kickoff) or `due: 3.2 +5` (after item 3.2's planned date).
_DUE = re.compile(r"^(?:(\d{1,3}\.\d{1,3})\s+)?([+-])\s*(\d{1,4})$")
_ROLE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
MAX_OFFSET = 2000  # working days: about eight years


class TemplateError(ValueError):
    """A template file that cannot be used; the message names the file, the line and what is wrong."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


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
    waits_for: tuple[str, ...] = ()
    owner_role: str | None = None  # `owner: <role>`: the role's contacts own the item when it is planned
    due_rule: str | None = None  # `due: +10` or `due: 3.2 +5`, normalised ("+10", "3.2 +5")


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
    line: int = field(default=1, compare=False)  # where `name` is, for errors that concern the whole file

    @property
    def items(self) -> list[TemplateItem]:
        return [item for phase in self.phases for item in phase.items]


# -- YAML with line numbers ------------------------------------------------------------------------------


class _Map(dict[str, Any]):
    """A YAML mapping that remembers its line and the line of each value."""

    line: int = 0
    lines: dict[str, int | None]


class _Seq(list[Any]):
    """A YAML sequence that remembers its line and the line of each entry."""

    line: int = 0
    lines: list[int]


class _Loader(yaml.SafeLoader):
    pass


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    out = _Map()
    out.line, out.lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str):
            raise TemplateError(f"keys are words such as 'title'; {str(key)[:40]!r} is not", line)
        if key in out:
            raise TemplateError(f"{key!r} appears twice in the same mapping", line)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = value_node.start_mark.line + 1
    return out


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    out = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    out.line, out.lines = node.start_mark.line + 1, [child.start_mark.line + 1 for child in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


def _line(container: object, key: object = None) -> int | None:
    """The line of `container[key]` (or of the container itself) when the YAML loader recorded it."""
    lines = getattr(container, "lines", None)
    line: int | None
    if key is not None and isinstance(lines, dict) and key in lines:
        line = lines[key]
    elif key is not None and isinstance(lines, list) and isinstance(key, int) and key < len(lines):
        line = lines[key]
    else:
        line = getattr(container, "line", None)
    return line


# -- validation ------------------------------------------------------------------------------------------


@overload
def _text(
    container: dict[str, Any], key: str, where: str, *, required: Literal[True] = True, limit: int = MAX_TITLE
) -> str: ...
@overload
def _text(
    container: dict[str, Any], key: str, where: str, *, required: Literal[False], limit: int = MAX_TITLE
) -> str | None: ...
def _text(
    container: dict[str, Any], key: str, where: str, *, required: bool = True, limit: int = MAX_TITLE
) -> str | None:
    value = container.get(key)
    if value is None:
        if required:
            raise TemplateError(f"{where}: missing", _line(container))
        return None
    if not isinstance(value, str | int | float) or not str(value).strip():
        raise TemplateError(f"{where}: must be a non-empty text", _line(container, key))
    text = " ".join(str(value).split())
    if len(text) > limit:
        raise TemplateError(f"{where}: {len(text)} characters, at most {limit}", _line(container, key))
    return text


def _waits(entry: dict[str, Any], where: str) -> tuple[str, ...]:
    raw = entry.get("waits_for")
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(n, str) for n in raw):
        raise TemplateError(f'{where}: a list of quoted item numbers, e.g. ["1.2"]', _line(entry, "waits_for"))
    out = []
    for n in raw:
        number = str(n).strip()
        if not _ITEM_NUMBER.match(number):
            raise TemplateError(f"{where}: {number!r} is not an item number like 1.2", _line(entry, "waits_for"))
        out.append(number)
    return tuple(out)


def _items(
    raw: object, where: str, phase_no: int, start: int, group: str | None, lines: dict[str, int | None]
) -> list[TemplateItem]:
    if not isinstance(raw, list) or not raw:
        raise TemplateError(f"{where}: needs a non-empty list of items", _line(raw))
    out = []
    for i, entry in enumerate(raw):
        here = f"{where}[{i}]"
        if isinstance(entry, str):
            entry = _Map(title=entry)
            entry.line, entry.lines = _line(raw, i) or 0, {"title": _line(raw, i)}
        if not isinstance(entry, dict):
            raise TemplateError(f"{here}: an item is a title or a mapping with 'title'", _line(raw, i))
        unknown = set(entry) - {"title", "detail", "help", "signoff", "waits_for", "owner", "due"}
        if unknown:
            raise TemplateError(f"{here}: unknown key(s) {', '.join(sorted(map(str, unknown)))}", _line(raw, i))
        position = start + i
        role = _text(entry, "signoff", f"{here}.signoff", required=False, limit=64)
        number = f"{phase_no}.{position}"
        lines[number] = _line(entry, "waits_for")
        lines[f"due {number}"] = _line(entry, "due")
        out.append(
            TemplateItem(
                number=number,
                phase_number=phase_no,
                position=position,
                title=_text(entry, "title", f"{here}.title"),
                detail=_text(entry, "detail", f"{here}.detail", required=False, limit=2000),
                group=group,
                help_url=_text(entry, "help", f"{here}.help", required=False, limit=500),
                signoff_role=role.lower() if role else None,
                waits_for=_waits(entry, f"{here}.waits_for"),
                owner_role=_owner(entry, f"{here}.owner"),
                due_rule=_due(entry, f"{here}.due"),
            )
        )
    return out


def _owner(entry: dict[str, Any], where: str) -> str | None:
    """`owner: <role>`: a role name (any: a role without contacts just leaves the item unassigned)."""
    role = _text(entry, "owner", where, required=False, limit=64)
    if role is None:
        return None
    role = role.lower()
    if not _ROLE.match(role):
        raise TemplateError(
            f"{where}: {role!r} is not a role name (letters, digits, - or _, starting with a letter)",
            _line(entry, "owner"),
        )
    return role


def _due(entry: dict[str, Any], where: str) -> str | None:
    """`due: +<n>` or `due: <item> +<n>`, n working days; normalised to "+n" / "3.2 +n"."""
    raw = entry.get("due")
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise TemplateError(f'{where}: write "+10" (working days after the kickoff) or "3.2 +5"', _line(entry, "due"))
    if isinstance(raw, int):  # YAML reads an unquoted `+5` as the number 5 and `-3` as -3
        raw = f"+{raw}" if raw >= 0 else f"-{-raw}"
    m = _DUE.match(str(raw).strip())
    if not m:
        raise TemplateError(
            f"{where}: {str(raw)[:40]!r} is not a due rule: write +10 (working days after the kickoff) or "
            "3.2 +5 (working days after item 3.2's date)",
            _line(entry, "due"),
        )
    ref, sign, n = m.groups()
    if sign == "-":
        raise TemplateError(
            f"{where}: a negative offset ({sign}{n}) plans an item before what it counts from; use +0 or more",
            _line(entry, "due"),
        )
    if int(n) > MAX_OFFSET:
        raise TemplateError(f"{where}: {n} working days, at most {MAX_OFFSET}", _line(entry, "due"))
    if ref:
        phase, pos = ref.split(".")
        return f"{int(phase)}.{int(pos)} +{int(n)}"
    return f"+{int(n)}"


def due_reference(rule: str | None) -> str | None:
    """The item a due rule counts from ("3.2" of "3.2 +5"), None for the kickoff."""
    if not rule or rule.startswith("+"):
        return None
    return rule.split()[0]


def due_offset(rule: str) -> int:
    return int(rule.rsplit("+", 1)[1])


def _check_due_rules(items: list[TemplateItem], lines: dict[str, int | None]) -> None:
    """Every `due: <item> +n` counts from another item that has a due rule, without a cycle."""
    known = {i.number: i for i in items}
    for item in items:
        ref = due_reference(item.due_rule)
        if ref is None:
            continue
        line = lines.get(f"due {item.number}")
        if ref not in known:
            raise TemplateError(f"item {item.number}.due: there is no item {ref}", line)
        if ref == item.number:
            raise TemplateError(f"item {item.number}.due: an item cannot count from its own date", line)
        if known[ref].due_rule is None:
            raise TemplateError(f"item {item.number}.due: item {ref} has no due date to count from", line)
    for item in items:
        path, ref = [item.number], due_reference(item.due_rule)
        while ref is not None:
            if ref in path:
                raise TemplateError(
                    f"item {item.number}.due: the due dates count from each other in a circle "
                    f"({' → '.join([*path[path.index(ref) :], ref])})",
                    lines.get(f"due {item.number}"),
                )
            path.append(ref)
            ref = due_reference(known[ref].due_rule)


def _check_gates(items: list[TemplateItem], lines: dict[str, int | None]) -> None:
    """Every `waits_for` names another item of the template, and no item waits for itself through others."""
    known = {i.number: i for i in items}
    for item in items:
        for number in item.waits_for:
            if number not in known:
                raise TemplateError(f"item {item.number}.waits_for: there is no item {number}", lines[item.number])
            if number == item.number:
                raise TemplateError(f"item {item.number}.waits_for: an item cannot wait for itself", lines[item.number])
    for item in items:
        seen, todo = set(), list(item.waits_for)
        while todo:
            number = todo.pop()
            if number == item.number:
                raise TemplateError(
                    f"item {item.number}.waits_for: waits for itself through other items", lines[item.number]
                )
            if number not in seen:
                seen.add(number)
                todo.extend(known[number].waits_for)


def parse_template(data: object, source: str) -> Template:
    """Validate one template's parsed YAML; errors name the file, the line and the place."""
    try:
        if not isinstance(data, dict):
            raise TemplateError("the file must be a mapping with name, title and phases", _line(data) or 1)
        name = _text(data, "name", "name", limit=64)
        if not name.replace("-", "").replace("_", "").isalnum() or name != name.lower():
            raise TemplateError("name: use lowercase letters, digits, '-' or '_'", _line(data, "name"))
        phases_raw = data.get("phases")
        if not isinstance(phases_raw, list) or not phases_raw:
            raise TemplateError("phases: needs a non-empty list", _line(data, "phases"))
        phases = []
        lines: dict[str, int | None] = {}
        for p, raw in enumerate(phases_raw, start=1):
            where = f"phases[{p - 1}]"
            if not isinstance(raw, dict):
                raise TemplateError(
                    f"{where}: a phase is a mapping with name and items (or groups)", _line(phases_raw, p - 1)
                )
            pname = _text(raw, "name", f"{where}.name")
            if ("items" in raw) == ("groups" in raw):
                raise TemplateError(f"{where}: give either items or groups", _line(raw))
            if "items" in raw:
                items = _items(raw["items"], f"{where}.items", p, 1, None, lines)
            else:
                groups = raw["groups"]
                if not isinstance(groups, list) or not groups:
                    raise TemplateError(f"{where}.groups: needs a non-empty list", _line(raw, "groups"))
                items = []
                for g, group in enumerate(groups):
                    gwhere = f"{where}.groups[{g}]"
                    if not isinstance(group, dict):
                        raise TemplateError(f"{gwhere}: a group is a mapping with name and items", _line(groups, g))
                    gname = _text(group, "name", f"{gwhere}.name")
                    items += _items(group.get("items"), f"{gwhere}.items", p, len(items) + 1, gname, lines)
            phases.append(TemplatePhase(number=p, name=pname, items=tuple(items)))
        template = Template(
            name=name,
            title=_text(data, "title", "title"),
            description=_text(data, "description", "description", required=False, limit=300) or "",
            phases=tuple(phases),
            source=source,
            line=_line(data, "name") or 1,
        )
        if len(template.items) > MAX_ITEMS:
            raise TemplateError(f"{len(template.items)} items, at most {MAX_ITEMS}", _line(data, "phases"))
        _check_gates(template.items, lines)
        _check_due_rules(template.items, lines)
        return template
    except TemplateError as exc:
        where = f"line {exc.line}: " if exc.line else ""
        raise TemplateError(f"{source}: {where}{exc.message}", exc.line) from None


def _read_text(path: Path) -> str:
    """The file's text: a regular file (a symlink to one is fine), at most MAX_FILE_BYTES, UTF-8. Opened without
    blocking, so a FIFO cannot hang start-up, and checked after opening, so nothing is swapped in between."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise TemplateError(f"cannot be opened ({exc.strerror})", 1) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
            raise TemplateError(f"{kind}; a template is a YAML file", 1)
        with os.fdopen(os.dup(fd), "rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    finally:
        os.close(fd)
    if len(raw) > MAX_FILE_BYTES:
        raise TemplateError(f"larger than {MAX_FILE_BYTES // 1024} KiB; a template is a short YAML file", 1)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TemplateError(f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", line) from None


def _event_line(event: yaml.Event) -> int | None:
    return event.start_mark.line + 1 if event.start_mark is not None else None


def _check_shape(text: str) -> None:
    """Before building anything: nesting at most MAX_DEPTH deep (PyYAML builds recursively), no anchors or
    aliases (one alias can stand for thousands of items). PyYAML's event parser itself does not recurse."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise TemplateError("anchors and aliases (&name, *name) are not allowed", _event_line(event))
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise TemplateError(f"nested more than {MAX_DEPTH} levels deep", _event_line(event))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def load_file(path: Path) -> Template:
    try:
        text = _read_text(path)
        _check_shape(text)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506  (a SafeLoader subclass)
    except TemplateError as exc:
        raise TemplateError(f"{path.name}: line {exc.line}: {exc.message}", exc.line) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        where = f"line {line}" if mark else "?"
        raise TemplateError(f"{path.name}: {where}: not valid YAML ({getattr(exc, 'problem', exc)})", line) from None
    except (RecursionError, MemoryError, ValueError, TypeError) as exc:  # whatever else PyYAML may raise
        raise TemplateError(f"{path.name}: line ?: cannot be read ({type(exc).__name__})") from None
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
    """Built-in templates, plus every `*.yml`/`*.yaml` in `extra_dir` (which may override a built-in).

    Every bad file is reported, one line each (file, line, problem), in one TemplateError."""
    templates = builtin_templates()
    if extra_dir:
        folder = Path(extra_dir)
        if not folder.is_dir():
            raise TemplateError(f"{extra_dir}: not a folder")
        paths = []
        for path in folder.iterdir():
            if path.name.endswith((".yml", ".yaml")):
                paths.append(path)
                if len(paths) > MAX_FILES:
                    raise TemplateError(f"{extra_dir}: more than {MAX_FILES} template files")
        seen: dict[str, str] = {}
        problems: list[str] = []
        for path in sorted(paths):
            try:
                template = load_file(path)
            except TemplateError as exc:
                problems.append(exc.message)
                continue
            if template.name in seen:
                other = seen[template.name]
                where = f"{path.name}: line {template.line}"
                problems.append(f"{where}: name {template.name!r} is also the name of {other}")
                continue
            seen[template.name] = path.name
            templates[template.name] = template
        if problems:
            raise TemplateError("\n".join(problems))
    return templates


DEFAULT_TEMPLATE = "interop"
