"""The PostgreSQL pass of `make test` skips the tests that reach no database the run names (tests/conftest.py):
the rule it relies on holds, and it tells the two kinds apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import reaches_the_database

ROOT = Path(__file__).resolve().parent.parent
VARIABLE = "TEST_" + "DATABASE_URL"  # spelt apart: this file reads no database, though it names the variable


def test_only_the_tests_read_the_test_database_variable() -> None:
    """The app, the storage layer and the bench never read it: a process a test starts gets the database from
    DATABASE_URL, which the test (and so the rule) chose."""
    readers = [
        str(path.relative_to(ROOT))
        for folder in ("bot", "storage", "bench")
        for path in (ROOT / folder).rglob("*.py")
        if VARIABLE in path.read_text()
    ]
    assert readers == []


def _item(request: pytest.FixtureRequest, nodeid: str) -> pytest.Item:
    """The collected test nodeid names (skipped when its file is not part of this run)."""
    file = nodeid.split("::")[0]
    if not any(i.nodeid.startswith(f"{file}::") for i in request.session.items):
        pytest.skip(f"{file} is not collected in this run")
    [item] = [i for i in request.session.items if i.nodeid == nodeid]
    return item


@pytest.mark.parametrize(
    "nodeid",
    [
        "tests/test_commands.py::test_start_creates_the_workplan",  # through the bot fixture
        "tests/test_properties.py::test_app_answers_any_command_text",  # @given, through the started fixture
        "tests/test_serve.py::test_state_survives_a_restart",  # reads the variable itself
        "tests/test_replicas.py::test_two_replicas_share_one_database",  # through pg_available()
        "tests/test_migrations.py::test_upgrade_keeps_existing_data",  # through a helper of its module
        "tests/test_reminders.py::test_two_os_processes_on_one_database_post_once[postgresql]",  # its fixture's
    ],
)
def test_tests_that_reach_the_database_run_in_both_passes(request, nodeid) -> None:
    assert reaches_the_database(_item(request, nodeid))


@pytest.mark.parametrize(
    "nodeid",
    [
        "tests/test_parser.py::test_unknown_subcommand_is_help_naming_it",
        "tests/test_config_cli.py::test_cli_exits_2_with_one_line_and_no_traceback",  # processes, no database named
        "tests/test_outbox_serve.py::test_queued_effects_survive_the_process[kill-9]",  # a SQLite file of its own
        "tests/test_properties.py::test_parser_either_parses_or_explains",  # @given
    ],
)
def test_tests_that_reach_no_database_run_once(request, nodeid) -> None:
    assert not reaches_the_database(_item(request, nodeid))
