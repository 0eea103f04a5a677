"""An export asked for in the admin, run as a job (``trekboard.jobs``) into a private file.

The same exporters as ``manage.py export_discussions`` (``comments.importing.export``),
from one read-only snapshot, streamed into a file under ``PRIVATE_MEDIA_ROOT``
(it holds commenters' emails and addresses): written beside its final name and
renamed once complete, so the admin never offers half a file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from articles.models import Article
from comments.importing.export import EXPORTERS, ExportCounts, articles_for_export, export_snapshot
from comments.models import ExportRun, RunState

EXTENSIONS = {"wxr": "xml", "json": "json"}


def run_export(*, run_id: int) -> str:
    """The job: write the run's export; its state, counts and file (or error) say how it went."""
    run = ExportRun.objects.filter(pk=run_id).first()
    if run is None or run.state == RunState.DONE:
        return "nothing to do"
    ExportRun.objects.filter(pk=run.pk).update(state=RunState.RUNNING, error="")
    try:
        articles = articles_for_export(slug=run.article_slug or None)
    except Article.DoesNotExist:
        return _failed(run, f"The article {run.article_slug!r} was deleted before the export ran.")
    now = timezone.now()
    name = (
        f"exports/{now:%Y/%m}/trekboard-{run.article_slug or 'all'}-"
        f"{now:%Y%m%d-%H%M%S}-{run.pk}.{EXTENSIONS[run.format]}"
    )
    path = Path(settings.PRIVATE_MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    counts = ExportCounts()
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out, export_snapshot():
            for chunk in EXPORTERS[run.format](articles=articles, counts=counts):
                out.write(chunk)
        os.chmod(partial, 0o600)
        os.replace(partial, path)
    except DatabaseError as error:
        Path(partial).unlink(missing_ok=True)
        _failed(run, f"The database refused the export ({' '.join(str(error).split())}).")
        raise  # perhaps passing: the queue tries again
    except OSError as error:
        Path(partial).unlink(missing_ok=True)
        return _failed(run, f"The export could not be written ({error}).")
    ExportRun.objects.filter(pk=run.pk).update(
        state=RunState.DONE,
        finished_at=timezone.now(),
        file=name,
        articles=counts.articles,
        comments=counts.comments,
    )
    return "exported"


def _failed(run: ExportRun, message: str) -> str:
    ExportRun.objects.filter(pk=run.pk).update(
        state=RunState.FAILED, finished_at=timezone.now(), error=message
    )
    return "failed"
