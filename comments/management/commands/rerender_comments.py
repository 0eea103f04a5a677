"""Rebuild every comment's stored HTML from its text (``comments.services.rendering``).

Run it after an upgrade that changes how comments are formatted (the README
says which); it is safe while the site serves and a second run writes nothing.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles.models import Article
from comments import services
from comments.models import Comment


class Command(BaseCommand):
    help = (
        "Rebuild comments' HTML from the text their authors wrote, in batches; "
        "safe to run while the site serves, and again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would change; write nothing."
        )
        parser.add_argument("--article", metavar="SLUG", help="Only this article's comments.")
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Comments per transaction (default 500)."
        )

    def handle(self, *args, dry_run: bool, article: str | None, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        article_id = None
        if article is not None:
            article_id = Article.objects.filter(slug=article).values_list("pk", flat=True).first()
            if article_id is None:
                raise CommandError(f"No article has the slug {article!r}.")
        comments = Comment.objects.all()
        if article_id is not None:
            comments = comments.filter(article_id=article_id)
        checked = changed = revisions = 0
        after = 0
        with tqdm(
            total=comments.count(),
            unit="comments",
            disable=not sys.stderr.isatty() or options["verbosity"] < 1,
        ) as progress:
            while True:
                batch = services.comment_bodies_rerender(
                    after_id=after, limit=batch_size, article_id=article_id, dry_run=dry_run
                )
                if batch.last_id is None:
                    break
                after = batch.last_id
                checked += batch.checked
                changed += batch.changed
                revisions += batch.revisions_changed
                progress.update(batch.checked)
        if options["verbosity"] < 1:
            return
        verb = "would be rebuilt (dry run: nothing written)" if dry_run else "rebuilt"
        self.stdout.write(
            self.style.SUCCESS(
                f"{checked:,} comments checked: {changed:,} {verb}, "
                f"and {revisions:,} earlier versions."
            )
        )
