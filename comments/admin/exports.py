"""Exports asked for in the admin: a format and, if one, an article; the file when it is ready.

The export runs as a job (``comments.services.export_runs``); its page follows
it and then offers the file, downloaded through the admin by whoever may view
exports, since it holds commenters' emails and addresses and no URL serves it.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html

from comments.models import ExportRun, RunState
from comments.services.export_runs import run_export
from trekboard import jobs
from trekboard.inputs import id_from


@admin.register(ExportRun)
class ExportRunAdmin(admin.ModelAdmin):
    list_display = ("__str__", "article", "state_cell", "counts", "requested_by", "created_at")
    list_filter = ("state", "format")
    fields = ("format", "article")
    readonly_fields = (
        "format",
        "article",
        "state_cell",
        "counts",
        "download",
        "requested_by",
        "created_at",
        "finished_at",
        "error",
    )

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a run is a record; asking for one is the only form

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def delete_model(self, request, obj: ExportRun) -> None:
        obj.file.delete(save=False)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for run in queryset:
            run.file.delete(save=False)
        super().delete_queryset(request, queryset)

    def save_model(self, request, obj: ExportRun, form, change) -> None:
        obj.requested_by = request.user
        obj.article_slug = obj.article.slug if obj.article else ""
        super().save_model(request, obj, form, change)
        jobs.run_after_commit(run_export, run_id=obj.pk)
        if jobs.enabled():
            self.message_user(
                request,
                "The export is queued: a worker writes it; this page offers it then.",
                messages.SUCCESS,
            )

    def response_post_save_add(self, request, obj):
        return HttpResponseRedirect(reverse("admin:comments_exportrun_change", args=[obj.pk]))

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

    @admin.display(description="State")
    def state_cell(self, run: ExportRun) -> str:
        return format_html(
            '<span class="import-state import-state--{}">{}</span>',
            run.state,
            run.get_state_display(),
        )

    @admin.display(description="Exported")
    def counts(self, run: ExportRun) -> str:
        if run.state != RunState.DONE:
            return "-"
        return f"{run.articles} article(s), {run.comments} comment(s)"

    @admin.display(description="File")
    def download(self, run: ExportRun) -> str:
        if run.state != RunState.DONE or not run.file:
            return "-"
        return format_html(
            '<a href="{}" class="button">Download {}</a>',
            reverse("admin:comments_exportrun_download", args=[run.pk]),
            run.file.name.rsplit("/", 1)[-1],
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        extra = {"refresh": run is not None and run.state in (RunState.QUEUED, RunState.RUNNING)}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})
