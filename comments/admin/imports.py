"""Imports started from the admin: upload a WordPress or Disqus export, watch it run as a job.

The upload is the whole form; the import itself is ``comments.services.import_runs``
run by the job queue (``trekboard.jobs``), and its page shows how far it got,
then the same summary ``manage.py import_wordpress`` / ``import_disqus`` print.
Runs are records: nobody edits one, superusers may delete one (its file too).
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html

from comments.admin.runs import RunAdmin
from comments.models import ImportRun
from comments.services.import_runs import progress_of, run_import


@admin.register(ImportRun)
class ImportRunAdmin(RunAdmin):
    start_label = "Start import"
    queued_message = "The import is queued: a worker runs it; this page shows how far it got."

    list_display = ("__str__", "file_name", "state_cell", "started_by", "created_at")
    list_filter = ("state", "source")
    fields = ("source", "file", "lenient", "dry_run")
    readonly_fields = (
        "source",
        "file_name",
        "lenient",
        "dry_run",
        "state_cell",
        "started_by",
        "created_at",
        "started_at",
        "finished_at",
        "summary_lines",
        "error",
    )

    def save_model(self, request, obj: ImportRun, form, change) -> None:
        obj.started_by = request.user
        obj.size = obj.file.size
        super().save_model(request, obj, form, change)
        self.start(request, run_import, obj)

    @admin.display(description="File")
    def file_name(self, run: ImportRun) -> str:
        return run.file.name.rsplit("/", 1)[-1]

    @admin.display(description="State")
    def state_cell(self, run: ImportRun) -> str:
        if run.state in (ImportRun.State.QUEUED, ImportRun.State.RUNNING):
            done = progress_of(run)
            percent = min(100, done["read"] * 100 // run.size) if run.size else 0
            return format_html(
                '{} · {}% read, {} comments written <progress max="100" value="{}">{}%</progress>',
                self.state_badge(run),
                percent,
                done["written"],
                percent,
                percent,
            )
        return self.state_badge(run)

    @admin.display(description="Summary")
    def summary_lines(self, run: ImportRun) -> str:
        if not run.summary:
            return "-"
        return format_html("<pre>{}</pre>", run.summary)
