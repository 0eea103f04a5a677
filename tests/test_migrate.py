"""``migrate`` commits each migration with its record (a kill between them broke ``make run``)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection, migrations, models
from django.db.migrations.executor import MigrationExecutor

from trekboard.management.commands.migrate import AtomicRecordExecutor

TABLE = "trekboard_killwindowprobe"


class Killed(BaseException):
    """What SIGKILL does to the process, at the moment the record is written."""


def _probe_migration() -> migrations.Migration:
    # A foreign key gives the schema editor deferred SQL, which is what makes
    # Django write the record after the commit.
    migration = migrations.Migration("9999_kill_window", "trekboard")
    migration.operations = [
        migrations.CreateModel(
            "KillWindowProbe",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("owner", models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)),
            ],
        )
    ]
    return migration


def _apply_and_die_before_the_record(executor_class) -> list[str]:
    executor = executor_class(connection)

    def killed(app_label: str, name: str) -> None:
        raise Killed

    executor.recorder.record_applied = killed
    try:
        with pytest.raises(Killed):
            executor.apply_migration(executor.loader.project_state(), _probe_migration())
        with connection.cursor() as cursor:
            return connection.introspection.table_names(cursor)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


@pytest.mark.django_db(transaction=True)
def test_stock_django_leaves_a_table_without_its_record() -> None:
    # The window the override closes: if Django ever closes it, this says so.
    assert TABLE in _apply_and_die_before_the_record(MigrationExecutor)


@pytest.mark.django_db(transaction=True)
def test_a_kill_before_the_record_leaves_no_table() -> None:
    assert TABLE not in _apply_and_die_before_the_record(AtomicRecordExecutor)


@pytest.mark.django_db(transaction=True)
def test_migrate_is_the_atomic_one() -> None:
    from django.core.management import get_commands, load_command_class

    command = load_command_class(get_commands()["migrate"], "migrate")
    assert type(command).__module__ == "trekboard.management.commands.migrate"
