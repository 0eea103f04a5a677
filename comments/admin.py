from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from mptt.admin import MPTTModelAdmin

from comments.models import Comment


@admin.register(Comment)
class CommentAdmin(MPTTModelAdmin):
    """Read-mostly view of discussions; writes go through comments.services."""

    list_display = ("excerpt", "author", "article", "status", "created_at", "thread_link")
    list_filter = ("status", "created_at")
    search_fields = ("body", "author__username", "article__title")
    list_select_related = ("author", "article")
    date_hierarchy = "created_at"
    raw_id_fields = ("author", "article", "parent")
    readonly_fields = (
        "article",
        "author",
        "parent",
        "body",
        "rendered",
        "created_at",
        "edited_at",
        "ip_address",
        "status",
        "tree_id",
        "lft",
        "rght",
        "level",
    )
    fieldsets = (
        ("Content", {"fields": ("article", "author", "parent", "body", "rendered")}),
        ("Metadata", {"fields": ("status", "created_at", "edited_at", "ip_address")}),
        ("Tree (maintained by Trekboard)", {"fields": ("tree_id", "lft", "rght", "level")}),
    )

    def has_add_permission(self, request) -> bool:
        # Comments are written by readers through the site, never typed in here.
        return False

    @admin.display(description="Comment")
    def excerpt(self, comment: Comment) -> str:
        return Truncator(comment.body).chars(80)

    @admin.display(description="As shown")
    def rendered(self, comment: Comment) -> str:
        # body_html was sanitized when the comment was written; printing it is the point.
        return mark_safe(comment.body_html)  # noqa: S308

    @admin.display(description="In thread")
    def thread_link(self, comment: Comment) -> str:
        return format_html('<a href="{}">view</a>', comment.get_absolute_url())
