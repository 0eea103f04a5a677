from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from mptt.admin import MPTTModelAdmin

from comments.models import Comment, CommentFlag, CommentRevision


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class CommentRevisionInline(_ReadOnlyInline):
    """What the author wrote before each edit: readers only see the latest text."""

    model = CommentRevision
    fields = ("written_at", "replaced_at", "body")
    readonly_fields = fields
    verbose_name = "earlier version"
    verbose_name_plural = "Earlier versions (before the author's edits)"


class CommentFlagInline(_ReadOnlyInline):
    model = CommentFlag
    fields = ("user", "reason", "text", "created_at")
    readonly_fields = fields
    verbose_name_plural = "Flags from readers"


@admin.register(Comment)
class CommentAdmin(MPTTModelAdmin):
    """Read-mostly view of discussions; writes go through comments.services."""

    inlines = (CommentRevisionInline, CommentFlagInline)
    list_display = (
        "excerpt",
        "author",
        "article",
        "status",
        "like_count",
        "reply_count",
        "created_at",
        "edited_at",
        "thread_link",
    )
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
        "like_count",
        "reply_count",
        "descendant_count",
        "tree_id",
        "lft",
        "rght",
        "level",
    )
    fieldsets = (
        ("Content", {"fields": ("article", "author", "parent", "body", "rendered")}),
        ("Metadata", {"fields": ("status", "created_at", "edited_at", "ip_address")}),
        ("Reactions", {"fields": ("like_count", "reply_count", "descendant_count")}),
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


@admin.register(CommentFlag)
class CommentFlagAdmin(admin.ModelAdmin):
    """Readers' reports, newest first, each linked to the comment it is about."""

    list_display = ("comment_excerpt", "reason", "text", "user", "created_at")
    list_filter = ("reason", "created_at")
    search_fields = ("text", "comment__body", "user__username")
    list_select_related = ("comment", "user")
    readonly_fields = ("comment", "user", "reason", "text", "created_at")

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="Comment")
    def comment_excerpt(self, flag: CommentFlag) -> str:
        url = reverse("admin:comments_comment_change", args=[flag.comment_id])
        return format_html('<a href="{}">{}</a>', url, Truncator(flag.comment.body).chars(80))
