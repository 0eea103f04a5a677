"""Make the smaller renditions of every article image that lacks them.

Images saved since renditions were introduced get them when saved, and a page
makes any that are missing the first time it shows an image; this command
does all of them ahead of time (after a restore from backup, or a deploy that
added a rendition width), so no reader's request waits for one. ``--force``
rewrites them all (after changing the widths or the quality). It writes files
only, never the database.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Prefetch

from articles.models import Article, GalleryImage
from articles.renditions import make_article_renditions


class Command(BaseCommand):
    help = "Make the missing 400/800 px renditions of article hero and gallery images."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Rewrite renditions that already exist."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be written; write nothing."
        )

    def handle(self, *args, force: bool, dry_run: bool, verbosity: int, **options) -> None:
        articles = Article.objects.prefetch_related(
            Prefetch("gallery", queryset=GalleryImage.objects.order_by("position", "id"))
        ).order_by("pk")
        total = 0
        for article in articles.iterator(chunk_size=200):
            names = make_article_renditions(article=article, force=force, dry_run=dry_run)
            total += len(names)
            if verbosity >= 2:
                for name in names:
                    self.stdout.write(f"  {name}")
        if verbosity:
            verb = "Would write" if dry_run else "Wrote"
            self.stdout.write(f"{verb} {total} rendition{'s' if total != 1 else ''}.")
