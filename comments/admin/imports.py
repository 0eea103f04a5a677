"""Imports started from the admin: upload a WordPress or Disqus export, watch it run as a job.

The upload is the whole form; the import itself is ``comments.services.import_runs``
run by the job queue (``trekboard.jobs``), and its page shows how far it got,
then the same summary ``manage.py import_wordpress`` / ``import_disqus`` print.
Runs are records: nobody edits one, superusers may delete one (its file too).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html

from comments.admin.runs import RunAdmin
from comments.models import ImportRun
from comments.services.import_runs import progress_of, run_import
from trekboard import jobs


class ImportRunForm(forms.ModelForm):
    """The upload, and the choices ``import_wordpress`` / ``import_disqus`` take as options."""

    pages = forms.BooleanField(
        label="Attach threads to pages on other sites (the embed)",
        required=False,
        help_text="Disqus only, for a site moving from Disqus to the embed: each thread goes "
        "on the discussion of the page its link names, instead of on an article here. Only "
        "pages of the embedding sites (listed under Embedding sites, or in "
        "EMBED_ALLOWED_ORIGINS); the summary lists the threads on other sites, which are skipped.",
    )

    class Meta:
        model = ImportRun
        fields = ("source", "file", "lenient", "dry_run")

    def clean(self) -> dict:
        data = super().clean()
        if data.get("pages") and data.get("source") != ImportRun.Source.DISQUS:
            self.add_error("pages", "Only a Disqus export has threads to attach to pages.")
        return data


@admin.register(ImportRun)
class ImportRunAdmin(RunAdmin):
    start_label = "Start import"
    queued_message = "The import is queued: a worker runs it; this page shows how far it got."

    form = ImportRunForm
    list_display = ("__str__", "file_name", "state_cell", "started_by", "created_at")
    list_filter = ("state", "source")
    fields = ("source", "file", "lenient", "pages", "dry_run")
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
        if not form.cleaned_data.get("pages"):
            self.start(request, run_import, obj)
            return
        # RunAdmin.start, with the choice as the job's argument (the run has no field for it).
        jobs.run_after_commit(run_import, run_id=obj.pk, pages=True)
        if jobs.enabled():
            self.message_user(request, self.queued_message, messages.SUCCESS)

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
