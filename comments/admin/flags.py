"""Readers' reports as a list of their own, for reading across comments.

Flags are dismissed from the comment queues (an action on the comment, which
keeps the audit trail); here they are only read. Deleting one stays with the
model's ``delete_commentflag`` permission.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from comments.models import CommentFlag


@admin.register(CommentFlag)
class CommentFlagAdmin(admin.ModelAdmin):
    """Readers' reports, newest first, each linked to the comment it is about."""

    list_display = ("comment_excerpt", "comment_status", "reason", "text", "user", "created_at")
    list_filter = ("reason", "created_at")
    search_fields = ("text", "comment__body", "user__username")
    list_select_related = ("comment", "user")
    readonly_fields = (
        "comment",
        "user",
        "reason",
        "text",
        "created_at",
        "dismissed_at",
        "dismissed_by",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Comment")
    def comment_excerpt(self, flag: CommentFlag) -> str:
        url = reverse("admin:comments_comment_change", args=[flag.comment_id])
        return format_html('<a href="{}">{}</a>', url, Truncator(flag.comment.body).chars(80))

    @admin.display(description="Comment status", ordering="comment__status")
    def comment_status(self, flag: CommentFlag) -> str:
        return flag.comment.get_status_display()
