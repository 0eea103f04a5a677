"""Fill an article with a big, realistic synthetic discussion, for benchmarks and load tests.

Pages, caches and moderation have to be measured on discussions far larger
than any test builds: ``--comments 100000`` writes a hundred thousand
comments, with readers, likes and threads of every shape, in about a minute.
The same ``--seed`` gives the same discussion (see ``comments.generate`` for
what it looks like and how it is written). An article that already has
comments gets the new ones as new threads beside them.

Everything is written in one transaction; ``--dry-run`` does the work and
rolls it back.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from comments.generate import GenerationIntegrityError, discussion_generate


def _positive(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Generate a synthetic discussion of N comments on an article (created if missing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--article",
            required=True,
            metavar="SLUG",
            help="The article's slug; a published article open for comments is made if missing.",
        )
        parser.add_argument(
            "--comments", required=True, type=_positive, metavar="N", help="How many comments."
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="The same seed gives the same discussion."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Do all the work, then roll it back."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            summary = discussion_generate(
                slug=options["article"],
                comments=options["comments"],
                seed=options["seed"],
                dry_run=options["dry_run"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except GenerationIntegrityError as error:
            raise CommandError(str(error)) from None
        elapsed = time.monotonic() - started
        article = summary.article
        verbosity = options["verbosity"]
        if verbosity >= 1:
            if summary.article_created:
                where = f"new article {article.slug!r} ({article.title})"
            elif summary.existing_comments:
                where = (
                    f"existing article {article.slug!r}, beside its "
                    f"{summary.existing_comments:,} comments"
                )
            else:
                where = f"existing article {article.slug!r}"
            self.stdout.write(
                f"{'Would generate' if options['dry_run'] else 'Generated'} on {where}."
            )
        if verbosity >= 2:
            statuses = ", ".join(f"{n:,} {s}" for s, n in sorted(summary.statuses.items()))
            depths = ", ".join(f"{d}: {n:,}" for d, n in sorted(summary.depths.items()))
            phases = ", ".join(
                f"{name} {seconds:.1f}s" for name, seconds in summary.timings.items()
            )
            self.stdout.write(f"Statuses: {statuses}.")
            self.stdout.write(f"Comments per depth: {depths}.")
            self.stdout.write(f"Phases: {phases}.")
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{summary.comments:,} comments ({summary.top_level:,} top-level, "
                    f"deepest reply at level {summary.max_depth}), {summary.likes:,} likes, "
                    f"{summary.users_created:,} new readers, seed {options['seed']}, "
                    f"in {elapsed:.1f}s."
                )
            )
