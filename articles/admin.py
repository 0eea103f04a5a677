from django.contrib import admin
from django.db import models
from django.utils.html import format_html

from articles.models import Article, GalleryImage, Tag
from articles.services import article_save


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
    list_display = ("title", "status", "published_at", "author", "comments_open", "live_link")
    list_filter = ("status", "comments_open", "tags", ("author", admin.RelatedOnlyFieldListFilter))
    search_fields = ("title", "standfirst", "body")
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
    )

    @admin.display(description="Page")
    def live_link(self, article: Article) -> str:
        label = "View on site" if article.is_published else "Preview (staff only)"
        return format_html('<a href="{}">{}</a>', article.get_absolute_url(), label)

    def save_model(self, request, obj: Article, form, change: bool) -> None:
        if obj.author_id is None:
            obj.author = request.user
        article_save(article=obj)
