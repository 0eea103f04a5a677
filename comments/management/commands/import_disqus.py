"""Import a Disqus export: its threads' comments, onto the articles they discussed.

Each thread is matched to an existing article by its link or identifier (see
``comments.importing.loader``), or becomes a new article when it has comments
to import. With ``--pages`` a site leaving Disqus for the embed keeps every
thread under its own page instead: each goes on the discussion of its link, a
page on another site, found or opened as the embed would, and threads whose
link is not on an allowed embedding site are skipped and listed (see
``comments.importing.pages``). Commenters become guest authors; deleted posts
are kept only where replies hang under them. One transaction, keyed on Disqus
ids: a broken file (reported with its line) leaves the database as it was, and
a second run adds nothing. ``--lenient`` repairs damage real Disqus exports
are known to have.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from comments.importing.disqus import parse_disqus
from comments.importing.pages import as_pages
from comments.management.commands._import import ImportCommand


class Command(ImportCommand):
    help = "Import comment threads from a Disqus export file, matching them to articles."
    source = "Disqus"
    threads = True
    pages = False

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--pages",
            action="store_true",
            help="Attach each thread to the discussion of its link, a page on another site "
            "(the embed), instead of to an article here. Only pages of allowed embedding "
            "sites (the admin's Embedding sites, EMBED_ALLOWED_ORIGINS); other threads are "
            "skipped and listed.",
        )

    def handle(self, *args, **options) -> None:
        self.pages = options["pages"]
        super().handle(*args, **options)

    def parse(self, path: Path, *, lenient: bool, progress: Callable[[int], None]) -> Iterator:
        records = parse_disqus(path, lenient=lenient, progress=progress)
        return as_pages(records) if self.pages else records
