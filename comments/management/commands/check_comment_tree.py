"""Verify the MPTT bookkeeping of every discussion thread (``comments.tree.integrity``).

It exits non-zero when anything is wrong, so it can gate deploys, imports and CI.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from comments.models import Comment
from comments.tree.integrity import find_violations


class Command(BaseCommand):
    help = "Check the MPTT invariants of every comment tree; exit 1 on any violation."

    def handle(self, *args, **options) -> None:
        violations = find_violations()
        trees = Comment.objects.values("tree_id").distinct().count()
        if not violations:
            if options["verbosity"] >= 1:
                self.stdout.write(self.style.SUCCESS(f"OK: {trees} comment trees checked."))
            return
        for check, tree_id, pk, message in violations:
            where = f"tree {tree_id}" if tree_id is not None else "an article without comments"
            where += f", comment {pk}" if pk is not None else ""
            self.stderr.write(f"{where}: {check}: {message}")
        raise CommandError(
            f"{len(violations)} violation(s) in {len({v[1] for v in violations})} of {trees} trees."
        )
