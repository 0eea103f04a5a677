"""Exports asked for in the admin: a format and, if one, an article; the file when it is ready.

The export runs as a job (``comments.services.export_runs``); its page follows
it and then offers the file, downloaded through the admin by whoever may view
exports, since it holds commenters' emails and addresses and no URL serves it.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html

from comments.admin.runs import RunAdmin
from comments.models import ExportRun, RunState
from comments.services.export_runs import run_export
from trekboard.admin_utils import plural
from trekboard.inputs import id_from


@admin.register(ExportRun)
class ExportRunAdmin(RunAdmin):
    start_label = "Start export"
    queued_message = "The export is queued: a worker writes it; this page offers it then."

    list_display = ("__str__", "article_cell", "state_cell", "counts", "requested_by", "created_at")
    list_filter = ("state", "format")
    fields = ("format", "article")
    readonly_fields = (
        "format",
        "article_cell",
        "state_cell",
        "counts",
        "download",
        "requested_by",
        "created_at",
        "finished_at",
        "error",
    )

    def save_model(self, request, obj: ExportRun, form, change) -> None:
        obj.requested_by = request.user
        obj.article_slug = obj.article.slug if obj.article else ""
        super().save_model(request, obj, form, change)
        self.start(request, run_export, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "article":
            kwargs["empty_label"] = "All articles"
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name="comments_exportrun_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, object_id: str):
        run_id = id_from(object_id)
        run = None if run_id is None else ExportRun.objects.filter(pk=run_id).first()
        if run is None:
            raise Http404("No such export.")
        if not self.has_view_permission(request, run):
            raise PermissionDenied
        if run.state != RunState.DONE or not run.file:
            raise Http404("This export has no file (yet).")
        try:
            handle = run.file.open("rb")
        except FileNotFoundError:
            raise Http404("The export's file is gone.") from None
        return FileResponse(handle, as_attachment=True, filename=run.file.name.rsplit("/", 1)[-1])

    @admin.display(description="Article", ordering="article__title")
    def article_cell(self, run: ExportRun) -> str:
        return str(run.article) if run.article_id else "All articles"

    @admin.display(description="State")
    def state_cell(self, run: ExportRun) -> str:
        return self.state_badge(run)

    @admin.display(description="Exported")
    def counts(self, run: ExportRun) -> str:
        if run.state != RunState.DONE:
            return "-"
        return f"{plural(run.articles, 'article')}, {plural(run.comments, 'comment')}"

    @admin.display(description="File")
    def download(self, run: ExportRun) -> str:
        if run.state != RunState.DONE or not run.file:
            return "-"
        return format_html(
            '<a href="{}" class="button">Download {}</a>',
            reverse("admin:comments_exportrun_download", args=[run.pk]),
            run.file.name.rsplit("/", 1)[-1],
        )
