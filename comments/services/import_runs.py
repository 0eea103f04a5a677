"""An import uploaded in the admin, run as a job (``trekboard.jobs``), with its progress.

The same reading and writing as ``manage.py import_wordpress`` and
``import_disqus``, and the same summary and messages. The import is one
transaction, so its progress can't be read from the database while it runs:
it goes to the shared cache instead (Redis, with a queue), read by the admin.
A bad file or a refused import fails the run with the command's message and
nothing written; a database error is raised after that, so the queue tries
the whole import again.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone

from comments.importing.disqus import parse_disqus
from comments.importing.loader import ImportIntegrityError, summary_lines
from comments.importing.pages import as_pages
from comments.importing.records import ImportFileError
from comments.importing.wxr import parse_wxr
from comments.models import ImportRun
from comments.services.comments import discussions_import

PARSERS = {ImportRun.Source.WORDPRESS: parse_wxr, ImportRun.Source.DISQUS: parse_disqus}
# How often the progress in the cache is brought up to date, in seconds.
PROGRESS_EVERY = 0.5


def progress_key(run_id: int) -> str:
    return f"import-progress:{run_id}"


def progress_of(run: ImportRun) -> dict[str, int]:
    """{"read": bytes read, "written": comments written} of a run under way, as last told."""
    return cache.get(progress_key(run.pk)) or {"read": 0, "written": 0}


class _Progress:
    def __init__(self, run_id: int) -> None:
        self.key, self.read, self.written, self.told_at = progress_key(run_id), 0, 0, 0.0

    def reading(self, n: int) -> None:
        self.read += n
        self._tell()

    def writing(self, n: int) -> None:
        self.written += n
        self._tell()

    def _tell(self, *, now: bool = False) -> None:
        if now or time.monotonic() - self.told_at >= PROGRESS_EVERY:
            self.told_at = time.monotonic()
            cache.set(self.key, {"read": self.read, "written": self.written}, 24 * 3600)


def run_import(*, run_id: int, pages: bool = False) -> str:
    """The job: import the run's file; its state, summary or error say how it went.

    ``pages``: a Disqus run's threads go on the discussions of their links,
    pages on other sites, as ``import_disqus --pages`` does. (It is the job's
    argument, not a field of the run: the summary says what became of them.)
    """
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is None or run.state == ImportRun.State.DONE:
        return "nothing to do"  # deleted, or a retry of a run that finished
    ImportRun.objects.filter(pk=run.pk).update(
        state=ImportRun.State.RUNNING, started_at=timezone.now(), error=""
    )
    progress = _Progress(run.pk)
    name = run.file.name.rsplit("/", 1)[-1]
    try:
        with run.file.open("rb") as stream:
            records = PARSERS[run.source](stream, lenient=run.lenient, progress=progress.reading)
            if pages and run.source == ImportRun.Source.DISQUS:
                records = as_pages(records)
            summary = discussions_import(
                records=records,
                dry_run=run.dry_run,
                progress=progress.writing,
                threads=run.source == ImportRun.Source.DISQUS,
            )
    except ImportFileError as error:
        return _failed(run, f"{name}: {str(error).rstrip('.')}. Nothing was imported.")
    except ImportIntegrityError as error:
        return _failed(run, str(error))
    except DatabaseError as error:
        message = " ".join(str(error).split())
        _failed(run, f"The database refused the import ({message}). Nothing was imported.")
        raise  # perhaps passing (a deadlock, a restart): the queue tries again
    except OSError as error:
        return _failed(run, f"{name} could not be read ({error}). Nothing was imported.")
    progress._tell(now=True)
    lines = summary_lines(summary, dry_run=run.dry_run)
    if run.dry_run:
        lines.append("Dry run: nothing was written.")
    ImportRun.objects.filter(pk=run.pk).update(
        state=ImportRun.State.DONE, finished_at=timezone.now(), summary="\n".join(lines)
    )
    return "imported"


def _failed(run: ImportRun, message: str) -> str:
    ImportRun.objects.filter(pk=run.pk).update(
        state=ImportRun.State.FAILED, finished_at=timezone.now(), error=message
    )
    return "failed"
