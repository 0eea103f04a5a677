"""What the admin pages of imports and exports share: a run is a record, then followed.

Its one form asks for it; afterwards every field is shown read-only, its page
refreshes itself while it waits or runs (no script needed), and deleting it
deletes its file, which holds commenters' emails and addresses.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from comments.models import RunState
from trekboard import jobs


class RunAdmin(admin.ModelAdmin):
    change_form_template = "admin/comments/run_change_form.html"
    start_label = "Start"  # the add form's one button
    queued_message = ""  # told when a worker, not this request, will run it

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        # A run names an article to read, never one to add or edit from here.
        if field is not None and isinstance(field.widget, RelatedFieldWidgetWrapper):
            field.widget = field.widget.widget
        return field

    def add_view(self, request, form_url="", extra_context=None):
        return super().add_view(
            request, form_url, {"start_label": self.start_label, **(extra_context or {})}
        )

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a run is a record; asking for one is the only form

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def delete_model(self, request, obj) -> None:
        obj.file.delete(save=False)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for run in queryset:
            run.file.delete(save=False)
        super().delete_queryset(request, queryset)

    def start(self, request, job, run) -> None:
        """Run ``job(run_id=...)`` once the new run is committed; say so if a worker will."""
        jobs.run_after_commit(job, run_id=run.pk)
        if jobs.enabled():
            self.message_user(request, self.queued_message, messages.SUCCESS)

    @staticmethod
    def state_badge(run) -> str:
        return format_html(
            '<span class="import-state import-state--{}">{}</span>',
            run.state,
            run.get_state_display(),
        )

    def response_add(self, request, obj, post_url_continue=None):
        # To the run's own page, which follows it; its state says more than
        # the stock "was added successfully".
        opts = obj._meta
        return HttpResponseRedirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        waiting = run is not None and run.state in (RunState.QUEUED, RunState.RUNNING)
        return super().change_view(
            request, object_id, form_url, {"refresh": waiting, **(extra_context or {})}
        )
