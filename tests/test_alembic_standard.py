"""pytest-alembic's standard migration tests, on each engine: one head revision, upgrade from
an empty database, models that match the DDL, and every revision down and up again.

Its own collector does not run under pytest 9.2 (it writes a node id pytest no longer has), so
the same test functions are called here with its runner, which it documents as public.
"""

from __future__ import annotations

from typing import Any

from pytest_alembic.tests import default as standard


def test_single_head_revision(alembic_runner: Any) -> None:
    standard.test_single_head_revision(alembic_runner)


def test_upgrade(alembic_runner: Any) -> None:
    standard.test_upgrade(alembic_runner)


def test_model_definitions_match_ddl(alembic_runner: Any) -> None:
    standard.test_model_definitions_match_ddl(alembic_runner)


def test_up_down_consistency(alembic_runner: Any) -> None:
    standard.test_up_down_consistency(alembic_runner)
