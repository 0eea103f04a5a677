"""Articles, tags and galleries in the admin, with a link to each article's discussion.

Editors write articles here, so unlike the comment console this admin edits:
saving goes through ``articles.services.article_save`` (the body is
sanitized once, images get renditions, cached pages are forgotten), and
closing or reopening a discussion is an action calling ``comments.services``,
which audits it.
"""

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, OuterRef
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from articles import services
from articles.models import (
    Article,
    EmbedSite,
    ExternalPage,
    GalleryImage,
    Release,
    ReleaseAiring,
    Tag,
)
from articles.renditions import make_article_renditions
from articles.services import article_save
from comments.forms import optional_reason
from comments.models import Comment
from comments.services import article_comments_set
from trekboard.admin_utils import ask_then_act, changelist_url, plural
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


class ReleaseAiringInline(admin.TabularInline):
    model = ReleaseAiring
    extra = 1
    verbose_name = "later airing"
    verbose_name_plural = "Later airings, by region"


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    """Episodes and films, and when they air where: what comments can be marked as spoiling."""

    list_display = ("code", "title", "show", "released_at", "regions", "marked")
    list_filter = ("show",)
    search_fields = ("code", "title", "show__name")
    autocomplete_fields = ("show",)
    date_hierarchy = "released_at"
    inlines = (ReleaseAiringInline,)
    fields = ("show", "code", "title", "season", "episode", "released_at")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("show")
            .prefetch_related("airings")
            .annotate(marked_count=Count("spoiled_by"))
        )

    @admin.display(description="Later airings")
    def regions(self, release: Release) -> str:
        return ", ".join(airing.region for airing in release.airings.all()) or "-"

    @admin.display(description="Comments marked", ordering="marked_count")
    def marked(self, release: Release) -> int:
        return release.marked_count

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # Its airings decide which comments are covered, everywhere.
        services.release_changed()

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        services.release_changed()

    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, queryset)
        services.release_changed()


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
    autocomplete_fields = ("tags", "release")
    raw_id_fields = ("author",)
    inlines = [GalleryImageInline]
    # Editors paste "youtube.com/..." without a scheme; assume https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ("title", "slug", "standfirst", "body")}),
        ("Media", {"fields": ("hero_image", "hero_caption", "video_url")}),
        (
            "Publishing",
            {"fields": ("status", "published_at", "author", "tags", "release", "comments_open")},
        ),
        ("Discussion", {"fields": ("pinned", "discussion")}),
    )
    readonly_fields = ("pinned", "discussion")
    actions = ("close_comments", "reopen_comments")

    def has_moderate_discussion_permission(self, request) -> bool:
        return request.user.has_perm("articles.moderate_discussion")

    def _kind(self, queryset):
        return queryset.own()

    def get_queryset(self, request):
        comments = Comment.objects.filter(article=OuterRef("pk"))
        return (
            self._kind(super().get_queryset(request))
            # Given here, select_related replaces list_select_related: name both.
            .select_related("author", "pinned_comment__author")
            .annotate(
                pending_total=subquery_count(
                    comments.filter(status=Comment.Status.PENDING), "article"
                ),
                hidden_total=subquery_count(
                    comments.filter(status__in=[Comment.Status.REMOVED, Comment.Status.SPAM]),
                    "article",
                ),
            )
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            name, label = (
                ("close_comments", "Close comments…")
                if obj.comments_open
                else ("reopen_comments", "Reopen comments…")
            )
            allowed = self.get_actions(request)
            context["moderation_buttons"] = [(name, label)] if name in allowed else []
            context["moderation_action_url"] = reverse("admin:articles_article_changelist")
        return super().render_change_form(request, context, add, change, form_url, obj)

    # "N comments" counts what the public page counts (published ones, the
    # article's own counter); what readers don't see is named beside it.
    @admin.display(description="Comments", ordering="comment_count")
    def discussion(self, article: Article) -> str:
        if article.pk is None or not (
            article.comment_count or article.pending_total or article.hidden_total
        ):
            return "No comments yet"
        return format_html(
            '<a href="{}" title="Published, as the article page counts them">{}</a>{}{}',
            changelist_url(Comment, article__id__exact=article.pk),
            plural(article.comment_count, "comment"),
            format_html(
                ', <a href="{}">{} pending</a>',
                changelist_url(Comment, article__id__exact=article.pk, queue="pending"),
                article.pending_total,
            )
            if article.pending_total
            else "",
            format_html(
                ", {} removed or spam",
                article.hidden_total,
            )
            if article.hidden_total
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
        articles = list(queryset)
        verb = "Reopen" if open_ else "Close"
        return ask_then_act(
            self,
            request,
            articles,
            form=optional_reason("Kept in the audit log."),
            act=lambda data: self._set_each(request, articles, open_, reason=data["reason"]),
            action="reopen_comments" if open_ else "close_comments",
            title=f"{verb} comments",
            intro=(
                f"Reopen comments on {plural(len(articles), 'article')}? Readers can post again."
                if open_
                else f"Close comments on {plural(len(articles), 'article')}? What was written "
                "stays for reading; nobody can post, and held comments can't be approved "
                "until they reopen."
            ),
            items=[article.title for article in articles],
            submit_label=f"{verb} comments",
            template="moderation_confirmation.html",
        )

    def _set_each(self, request, articles, open_: bool, *, reason: str) -> None:
        done = skipped = 0
        for article in articles:
            if article.comments_open == open_:
                skipped += 1
                continue
            article_comments_set(article=article, actor=request.user, open_=open_, reason=reason)
            done += 1
        verb = "reopened" if open_ else "closed"
        message = f"Comments {verb} on {plural(done, 'article')}"
        if skipped:
            was = "was" if skipped == 1 else "were"
            state = "open" if open_ else "closed"
            message += f"; {skipped} {was} already {state} and {was} left alone"
        self.message_user(request, message + ".", messages.SUCCESS if done else messages.WARNING)

    @admin.action(
        permissions=["moderate_discussion"],
        description="Close comments (existing ones stay visible)…",
    )
    def close_comments(self, request, queryset):
        return self._set_comments_open(request, queryset, open_=False)

    @admin.action(permissions=["moderate_discussion"], description="Reopen comments…")
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


@admin.register(ExternalPage)
class ExternalPageAdmin(ArticleAdmin):
    """Other sites' pages with a discussion (the embed), moderated as articles are.

    They are made by the embed on a page's first view (or by a Disqus import),
    so there is no "Add"; the title is the host page's, and can be corrected.
    """

    list_display = ("title", "page_link", "first_opened", "comments_open", "discussion")
    list_filter = ("comments_open", "status")
    search_fields = ("title", "external_url")
    date_hierarchy = "published_at"
    fieldsets = (
        (None, {"fields": ("title", "external_url")}),
        ("Publishing", {"fields": ("status", "comments_open")}),
        ("Discussion", {"fields": ("pinned", "discussion")}),
    )
    readonly_fields = ("external_url", "pinned", "discussion")
    prepopulated_fields = {}
    inlines = []

    def _kind(self, queryset):
        return queryset.filter(external_url__isnull=False)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # Moderators may close and reopen (the actions), as on articles; the
        # title and status are the editors'.
        return request.user.has_perm("articles.change_article")

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("articles.view_article") or self.has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("articles.delete_article")

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    @admin.display(description="First opened", ordering="published_at")
    def first_opened(self, page: Article):
        # The embed dates a page's discussion from its first view.
        return page.published_at

    @admin.display(description="Page", ordering="external_url")
    def page_link(self, page: Article) -> str:
        return format_html(
            '<a href="{}" rel="noopener">{}</a>', page.external_url, page.external_url
        )

    def save_model(self, request, obj: Article, form, change: bool) -> None:
        article_save(article=obj)

    def save_related(self, request, form, formsets, change: bool) -> None:
        form.save_m2m()


@admin.register(EmbedSite)
class EmbedSiteAdmin(admin.ModelAdmin):
    """Sites whose pages may carry a discussion, beside the EMBED_ALLOWED_ORIGINS setting."""

    list_display = ("origin", "note", "created_at")
    search_fields = ("origin", "note")

    def save_model(self, request, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.embed_sites_changed()

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        services.embed_sites_changed()

    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, queryset)
        services.embed_sites_changed()
