"""Django's ``migrate``, with each migration and its record committed together.

Django records a migration whose schema editor deferred statements (foreign
keys, indexes: most ``CreateModel`` migrations) only after the migration's
transaction has committed. A kill in between (``make run`` stopped by a crash,
an out-of-memory kill, a closed terminal) leaves the tables without their row
in ``django_migrations``, and every later ``migrate`` stops on "relation
already exists". Wrapping each atomic migration in one more transaction puts
the record inside it on PostgreSQL, where DDL rolls back.
"""

from __future__ import annotations

from django.core.management.commands import migrate
from django.db import transaction
from django.db.migrations.executor import MigrationExecutor


class AtomicRecordExecutor(MigrationExecutor):
    def apply_migration(self, state, migration, fake=False, fake_initial=False):
        if fake or not (migration.atomic and self.connection.features.can_rollback_ddl):
            return super().apply_migration(state, migration, fake, fake_initial)
        with transaction.atomic(using=self.connection.alias):
            return super().apply_migration(state, migration, fake, fake_initial)


class Command(migrate.Command):
    def handle(self, *args, **options):
        # The stock command builds its executor from its module's global.
        stock, migrate.MigrationExecutor = migrate.MigrationExecutor, AtomicRecordExecutor
        try:
            return super().handle(*args, **options)
        finally:
            migrate.MigrationExecutor = stock
