"""TEMPLATES_DIR holds what a team put there: regular UTF-8 YAML files of bounded size, depth and count, with
no duplicate or non-text keys. Every bad file gets one line (file, line, problem) and exit code 2; nothing
hangs, nothing prints a traceback (issue 10)."""

from __future__ import annotations

import os
import time

import pytest

from bot.checklists.templates import MAX_FILE_BYTES, MAX_FILES, TemplateError, load_file, load_templates
from tests.test_config_cli import run_cli

OK = "name: ok\ntitle: T\nphases:\n  - name: P\n    items:\n      - A\n"


def bad_files(folder) -> dict[str, str]:
    """file name → what its line must say."""
    (folder / "folder.yml").mkdir()
    os.mkfifo(folder / "fifo.yml")
    os.symlink("/dev/zero", folder / "zero.yml")
    (folder / "latin1.yml").write_bytes("name: caf\xe9\ntitle: T\n".encode("latin-1"))
    (folder / "deep.yml").write_text("name: deep\ntitle: T\nphases: " + "[" * 5000 + "]" * 5000 + "\n")
    (folder / "big.yml").write_text(OK + "# " + "x" * MAX_FILE_BYTES + "\n")
    (folder / "dupe.yml").write_text("name: dupe\ntitle: T\ntitle: U\nphases:\n  - name: P\n    items: [A]\n")
    (folder / "intkey.yml").write_text("name: intkey\ntitle: T\n3: x\nphases:\n  - name: P\n    items: [A]\n")
    (folder / "listkey.yml").write_text("name: listkey\n? [a, b]\n: x\n")
    bomb = "name: bomb\ntitle: T\nx: &a [A, A, A, A, A, A, A, A, A]\nphases:\n  - name: P\n    items: *a\n"
    (folder / "bomb.yml").write_text(bomb)
    return {
        "folder.yml": "folder.yml: line 1: a folder",
        "fifo.yml": "fifo.yml: line 1: not a regular file",
        "zero.yml": "zero.yml: line 1: not a regular file",
        "latin1.yml": "latin1.yml: line 1: not UTF-8 text (byte 0xe9)",
        "deep.yml": "deep.yml: line 3: nested more than",
        "big.yml": "big.yml: line 1: larger than 1024 KiB",
        "dupe.yml": "dupe.yml: line 3: 'title' appears twice",
        "intkey.yml": "intkey.yml: line 3: keys are words",
        "listkey.yml": "listkey.yml: line 2: keys are words",
        "bomb.yml": "bomb.yml: line 3: anchors and aliases",
    }


def test_each_bad_file_is_one_clear_line(tmp_path):
    expected = bad_files(tmp_path)
    for name, what in expected.items():
        with pytest.raises(TemplateError) as err:
            load_file(tmp_path / name)
        assert str(err.value).startswith(what), (name, str(err.value))
        assert "\n" not in str(err.value)


def test_start_up_reports_every_bad_file_and_exits_2_quickly(tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    expected = bad_files(folder)
    (folder / "ok.yml").write_text(OK)
    env = {"TEMPLATES_DIR": str(folder), "DATABASE_URL": f"sqlite:///{tmp_path}/c.db"}
    t = time.monotonic()
    result = run_cli("console", env=env, cwd=tmp_path, stdin="")
    took = time.monotonic() - t
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == len(expected), lines
    for line, name in zip(lines, sorted(expected), strict=True):
        assert line.startswith(f"checklist-bot: TEMPLATES_DIR: {expected[name]}"), line
    assert took < 30, took  # no hang on the FIFO, no 20 s on a big file


def test_too_many_template_files(tmp_path):
    for i in range(MAX_FILES + 1):
        (tmp_path / f"t{i}.yml").write_text(OK.replace("name: ok", f"name: t{i}"))
    with pytest.raises(TemplateError, match=f"more than {MAX_FILES} template files"):
        load_templates(str(tmp_path))


def test_a_symlink_to_a_regular_file_is_fine(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "ok.yaml").write_text(OK)
    (tmp_path / "dir").mkdir()
    os.symlink(tmp_path / "real" / "ok.yaml", tmp_path / "dir" / "ok.yml")  # how Kubernetes mounts ConfigMaps
    assert "ok" in load_templates(str(tmp_path / "dir"))
