"""The audit log: who did what, when and why, linked to what it was done to.

Entries are written only by the services, as each act happens; nobody adds,
edits or deletes one here, superusers included, so the log can be trusted.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from comments.admin.display import status_change_text
from comments.models import AuditEntry
from trekboard.admin_utils import ReadOnlyAdminMixin

# Acts that had a comment, reader or article; "(gone)" when it has since been deleted.
_TARGETED = set(AuditEntry.Action.values) - {
    AuditEntry.Action.WORD_ADD,
    AuditEntry.Action.WORD_CHANGE,
    AuditEntry.Action.WORD_DELETE,
}


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who did what, when and why. Nobody adds, edits or deletes entries, superusers included."""

    list_display = (
        "created_at",
        "actor",
        "action",
        "status_change",
        "reason",
        "target",
        "what",
    )
    list_display_links = None
    list_filter = ("action", ("actor", admin.RelatedOnlyFieldListFilter), "created_at")
    search_fields = ("detail", "reason", "actor__username", "target_user__username")
    search_help_text = "Searches what was acted on, the reason and the usernames."
    date_hierarchy = "created_at"
    list_select_related = ("actor", "target_user", "article")
    actions = None

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .defer(
                "article__body",
                "article__body_html",
                "article__standfirst",
                "actor__bio",
                "target_user__bio",
            )
        )

    @admin.display(description="Status")
    def status_change(self, entry: AuditEntry) -> str:
        return status_change_text(entry)

    @admin.display(description="Detail")
    def what(self, entry: AuditEntry) -> str:
        return format_html(
            '<span title="{}">{}</span>', entry.detail, Truncator(entry.detail).chars(120)
        )

    @admin.display(description="Acted on")
    def target(self, entry: AuditEntry) -> str:
        links = []
        if entry.comment_id:
            links.append(
                (
                    reverse("admin:comments_comment_change", args=[entry.comment_id]),
                    f"comment #{entry.comment_id}",
                )
            )
        if entry.target_user_id:
            links.append(
                (
                    reverse("admin:accounts_user_change", args=[entry.target_user_id]),
                    entry.target_user.username,
                )
            )
        if entry.article_id:
            links.append(
                (
                    # Another site's page has its own list beside the articles.
                    reverse(
                        "admin:articles_externalpage_change"
                        if entry.article.external_url
                        else "admin:articles_article_change",
                        args=[entry.article_id],
                    ),
                    Truncator(entry.article.title).chars(50),
                )
            )
        if not links:
            return "(gone)" if entry.action in _TARGETED else "-"
        return format_html_join(mark_safe("<br>"), '<a href="{}">{}</a>', links)
