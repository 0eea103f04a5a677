"""Articles, tags and galleries in the admin, with a link to each article's discussion.

Editors write articles here, so unlike the comment console this admin edits:
saving goes through ``articles.services.article_save`` (the body is
sanitized once, images get renditions, cached pages are forgotten), and
closing or reopening a discussion is an action calling ``comments.services``,
which audits it.
"""

from django.contrib import admin, messages
from django.db import models
from django.db.models import OuterRef
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from articles.models import Article, GalleryImage, Tag
from articles.renditions import make_article_renditions
from articles.services import article_save
from comments.models import Comment
from comments.services import article_comments_set
from trekboard.admin_utils import changelist_url, plural, redirect_to_next
from trekboard.queries import subquery_count


class GalleryImageInline(admin.TabularInline):
    model = GalleryImage
    extra = 1
    fields = ("image", "caption", "alt_text", "position")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "status",
        "published_at",
        "author",
        "comments_open",
        "discussion",
        "live_link",
    )
    list_filter = ("status", "comments_open", "tags", ("author", admin.RelatedOnlyFieldListFilter))
    search_fields = ("title", "standfirst", "body")
    list_select_related = ("author",)
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "published_at"
    autocomplete_fields = ("tags",)
    raw_id_fields = ("author",)
    inlines = [GalleryImageInline]
    # Editors paste "youtube.com/..." without a scheme; assume https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ("title", "slug", "standfirst", "body")}),
        ("Media", {"fields": ("hero_image", "hero_caption", "video_url")}),
        ("Publishing", {"fields": ("status", "published_at", "author", "tags", "comments_open")}),
        ("Discussion", {"fields": ("pinned", "discussion")}),
    )
    readonly_fields = ("pinned", "discussion")
    actions = ("close_comments", "reopen_comments")

    def has_moderate_discussion_permission(self, request) -> bool:
        return request.user.has_perm("articles.moderate_discussion")

    def get_queryset(self, request):
        comments = Comment.objects.filter(article=OuterRef("pk"))
        return (
            super()
            .get_queryset(request)
            # Given here, select_related replaces list_select_related: name both.
            .select_related("author", "pinned_comment__author")
            .annotate(
                comment_total=subquery_count(comments, "article"),
                pending_total=subquery_count(
                    comments.filter(status=Comment.Status.PENDING), "article"
                ),
            )
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            name, label = (
                ("close_comments", "Close comments")
                if obj.comments_open
                else ("reopen_comments", "Reopen comments")
            )
            allowed = self.get_actions(request)
            context["moderation_buttons"] = [(name, label)] if name in allowed else []
            context["moderation_action_url"] = reverse("admin:articles_article_changelist")
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="Comments", ordering="comment_total")
    def discussion(self, article: Article) -> str:
        if article.pk is None or not article.comment_total:
            return "No comments yet"
        return format_html(
            '<a href="{}">{}</a>{}',
            changelist_url(Comment, article__id__exact=article.pk),
            plural(article.comment_total, "comment"),
            format_html(
                ', <a href="{}">{} pending</a>',
                changelist_url(Comment, article__id__exact=article.pk, queue="pending"),
                article.pending_total,
            )
            if article.pending_total
            else "",
        )

    @admin.display(description="Pinned comment")
    def pinned(self, article: Article) -> str:
        comment = article.pinned_comment
        if comment is None:
            return "None (pin one from the comments list)"
        return format_html(
            '<a href="{}">“{}”</a> by {}',
            reverse("admin:comments_comment_change", args=[comment.pk]),
            Truncator(comment.body).chars(100),
            comment.author.username,
        )

    def _set_comments_open(self, request, queryset, open_: bool):
        done = skipped = 0
        for article in queryset:
            if article.comments_open == open_:
                skipped += 1
                continue
            article_comments_set(article=article, actor=request.user, open_=open_)
            done += 1
        verb = "reopened" if open_ else "closed"
        message = f"Comments {verb} on {plural(done, 'article')}"
        if skipped:
            was = "was" if skipped == 1 else "were"
            state = "open" if open_ else "closed"
            message += f"; {skipped} {was} already {state} and {was} left alone"
        self.message_user(request, message + ".", messages.SUCCESS if done else messages.WARNING)
        return redirect_to_next(request)

    @admin.action(
        permissions=["moderate_discussion"],
        description="Close comments (existing ones stay visible)",
    )
    def close_comments(self, request, queryset):
        return self._set_comments_open(request, queryset, open_=False)

    @admin.action(permissions=["moderate_discussion"], description="Reopen comments")
    def reopen_comments(self, request, queryset):
        return self._set_comments_open(request, queryset, open_=True)

    @admin.display(description="Page")
    def live_link(self, article: Article) -> str:
        label = "View on site" if article.is_published else "Preview (staff only)"
        return format_html('<a href="{}">{}</a>', article.get_absolute_url(), label)

    def save_model(self, request, obj: Article, form, change: bool) -> None:
        if obj.author_id is None:
            obj.author = request.user
        article_save(article=obj)

    def save_related(self, request, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # The gallery inline is saved after the article: its new images get renditions now.
        make_article_renditions(article=form.instance)
