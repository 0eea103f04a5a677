"""What import_wordpress and import_disqus share: arguments, progress bars, errors, the summary.

The leading underscore keeps Django from listing this module as a command.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, reset_queries
from tqdm import tqdm

from comments.importing.loader import ImportIntegrityError, summary_lines
from comments.importing.records import ImportFileError
from comments.services import discussions_import


class ImportCommand(BaseCommand):
    """Read an export file with ``parse`` and write it in one transaction.

    Every failure is a CommandError with the reason (and the line, for a bad
    file), so ``manage.py`` prints one line and exits 1, never a traceback;
    nothing is written then.
    """

    source = ""  # "WordPress", "Disqus": for messages
    threads = False  # the loader's ``threads``: Disqus threads match existing articles

    def parse(self, path: Path, *, lenient: bool, progress: Callable[[int], None]) -> Iterator:
        raise NotImplementedError

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help=f"The {self.source} export (XML).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Do the whole import, then roll it back; print what would be imported.",
        )
        parser.add_argument(
            "--lenient",
            action="store_true",
            help="Repair damage known exporters leave (text before the XML declaration, "
            "control characters, unquoted attributes) instead of stopping; each repair is "
            "listed in the summary.",
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"{path}: no such file.")
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        dry_run = options["dry_run"]
        # Bars only on a terminal: a cron job's log or a pipe gets just the summary.
        hidden = options["verbosity"] < 1 or not sys.stderr.isatty()
        reading = tqdm(
            total=path.stat().st_size,
            desc="Reading",
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            disable=hidden,
            position=0,
        )
        writing = tqdm(desc="Comments", unit=" comments", disable=hidden, position=1)

        def written(n: int) -> None:
            writing.update(n)
            # With DEBUG on, Django keeps every query's SQL; the bulk INSERTs
            # of a large import would pile up hundreds of megabytes of it.
            reset_queries()

        started = time.monotonic()
        try:
            records = self.parse(path, lenient=options["lenient"], progress=reading.update)
            summary = discussions_import(
                records=records, dry_run=dry_run, progress=written, threads=self.threads
            )
        except ImportFileError as error:
            reason = str(error).rstrip(".")
            raise CommandError(f"{path}: {reason}. Nothing was imported.") from error
        except ImportIntegrityError as error:
            raise CommandError(str(error)) from error
        except DatabaseError as error:
            message = " ".join(str(error).split())
            raise CommandError(
                f"The database refused the import ({message}). Nothing was imported."
            ) from error
        finally:
            writing.close()
            reading.close()
        if options["verbosity"] < 1:
            return
        for line in summary_lines(summary, dry_run=dry_run):
            self.stdout.write(line)
        elapsed = time.monotonic() - started
        if dry_run:
            self.stdout.write(f"Dry run ({elapsed:.1f} s): nothing was written.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Done in {elapsed:.1f} s."))
