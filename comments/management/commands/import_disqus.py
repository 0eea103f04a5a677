"""Import a Disqus export: its threads' comments, onto the articles they discussed.

Each thread is matched to an existing article by its link or identifier (see
``comments.importing.loader``), or becomes a new article when it has comments
to import. Commenters become guest authors; deleted posts are kept only where
replies hang under them. One transaction, keyed on Disqus ids: a broken file
(reported with its line) leaves the database as it was, and a second run adds
nothing. ``--lenient`` repairs damage real Disqus exports are known to have.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from comments.importing.disqus import parse_disqus
from comments.management.commands._import import ImportCommand


class Command(ImportCommand):
    help = "Import comment threads from a Disqus export file, matching them to articles."
    source = "Disqus"
    threads = True

    def parse(self, path: Path, *, lenient: bool, progress: Callable[[int], None]) -> Iterator:
        return parse_disqus(path, lenient=lenient, progress=progress)
