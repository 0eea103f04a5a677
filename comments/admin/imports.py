"""Imports started from the admin: upload a WordPress or Disqus export, watch it run as a job.

The upload is the whole form; the import itself is ``comments.services.import_runs``
run by the job queue (``trekboard.jobs``), and its page shows how far it got,
then the same summary ``manage.py import_wordpress`` / ``import_disqus`` print.
Runs are records: nobody edits one, superusers may delete one (its file too).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from comments.models import ImportRun
from comments.services.import_runs import progress_of, run_import
from trekboard import jobs


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
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

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a run is a record; the upload is the only form

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    # The uploaded export holds commenters' emails and addresses: it goes with its run.
    def delete_model(self, request, obj: ImportRun) -> None:
        obj.file.delete(save=False)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for run in queryset:
            run.file.delete(save=False)
        super().delete_queryset(request, queryset)

    def save_model(self, request, obj: ImportRun, form, change) -> None:
        obj.started_by = request.user
        obj.size = obj.file.size
        super().save_model(request, obj, form, change)
        jobs.run_after_commit(run_import, run_id=obj.pk)
        if jobs.enabled():
            self.message_user(
                request,
                "The import is queued: a worker runs it; this page shows how far it got.",
                messages.SUCCESS,
            )

    def response_post_save_add(self, request, obj):
        # To the run's own page, where its progress and then its summary show.
        return HttpResponseRedirect(reverse("admin:comments_importrun_change", args=[obj.pk]))

    @admin.display(description="File")
    def file_name(self, run: ImportRun) -> str:
        return run.file.name.rsplit("/", 1)[-1]

    @admin.display(description="State")
    def state_cell(self, run: ImportRun) -> str:
        if run.state in (ImportRun.State.QUEUED, ImportRun.State.RUNNING):
            done = progress_of(run)
            percent = min(100, done["read"] * 100 // run.size) if run.size else 0
            return format_html(
                '<span class="import-state import-state--{}">{}</span> · {}% read, '
                '{} comments written <progress max="100" value="{}">{}%</progress>',
                run.state,
                run.get_state_display(),
                percent,
                done["written"],
                percent,
                percent,
            )
        return format_html(
            '<span class="import-state import-state--{}">{}</span>',
            run.state,
            run.get_state_display(),
        )

    @admin.display(description="Summary")
    def summary_lines(self, run: ImportRun) -> str:
        if not run.summary:
            return "-"
        return format_html("<pre>{}</pre>", run.summary)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        extra = {"refresh": run is not None and run.state in ("queued", "running")}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})
