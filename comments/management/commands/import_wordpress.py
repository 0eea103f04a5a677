"""Import a WordPress export (WXR 1.0-1.2): posts and pages with their comment threads.

Posts and pages become articles, registered authors users, commenters guest
authors, and each comment thread one tree, kept as WordPress had it. It runs
in one transaction, so a broken file (reported with its line) leaves the
database as it was, and it is keyed on the export's ids, so running it again
adds nothing. ``--dry-run`` shows what it would do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from comments.importing.wxr import parse_wxr
from comments.management.commands._import import ImportCommand


class Command(ImportCommand):
    help = "Import articles, authors and comments from a WordPress export file (WXR)."
    source = "WordPress"

    def parse(self, path: Path, *, lenient: bool, progress: Callable[[int], None]) -> Iterator:
        return parse_wxr(path, lenient=lenient, progress=progress)
