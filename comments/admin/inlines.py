"""What a comment's change page shows below it: its flags, earlier versions and audit trail.

All three are records of what happened, so they are read-only even to
superusers; the acts that add to them are the changelist's actions.
"""

from __future__ import annotations

from django.contrib import admin

from comments.admin.display import status_change_text
from comments.models import AuditEntry, CommentFlag, CommentRevision
from trekboard.admin_utils import ReadOnlyAdminMixin


class _ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


class CommentRevisionInline(_ReadOnlyInline):
    """What the author wrote before each edit: readers only see the latest text."""

    model = CommentRevision
    fields = ("written_at", "replaced_at", "body")
    readonly_fields = fields
    verbose_name = "earlier version"
    verbose_name_plural = "Earlier versions (before the author's edits or a spoiler warning)"


class CommentFlagInline(_ReadOnlyInline):
    model = CommentFlag
    fields = ("user", "reason", "text", "created_at", "dismissed_at", "dismissed_by")
    readonly_fields = fields
    verbose_name_plural = "Flags from readers"


class CommentAuditInline(_ReadOnlyInline):
    """Every moderator act on this comment, newest first."""

    model = AuditEntry
    fields = ("created_at", "actor", "action", "status_change", "reason")
    readonly_fields = fields
    verbose_name = "audit entry"
    verbose_name_plural = "Audit trail"

    def get_queryset(self, request):
        # Each row is titled with its actor's name (AuditEntry.__str__).
        return super().get_queryset(request).select_related("actor")

    @admin.display(description="Status")
    def status_change(self, entry: AuditEntry) -> str:
        return status_change_text(entry)
