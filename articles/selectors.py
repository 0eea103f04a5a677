"""Named reads of articles."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from articles.models import Article, Tag


def article_list(*, user, tag: Tag | None = None) -> QuerySet[Article]:
    """Newest first, with author, tags and comment counts in a fixed number of queries."""
    articles = Article.objects.visible_to(user)
    if tag is not None:
        articles = articles.filter(tags=tag)
    return (
        articles.with_comment_counts()
        .select_related("author")
        .prefetch_related("tags")
        .order_by("-published_at", "-id")
    )


def related_articles(*, article: Article, limit: int = 3) -> list[Article]:
    """Published articles sharing the most tags with this one, newest first among equals."""
    tag_ids = [tag.pk for tag in article.tags.all()]
    if not tag_ids:
        return []
    return list(
        Article.objects.published()
        .filter(tags__in=tag_ids)
        .exclude(pk=article.pk)
        .annotate(shared=Count("tags"))
        .order_by("-shared", "-published_at")[:limit]
    )


def next_article(*, article: Article) -> Article | None:
    """The next published article after this one, in publication order."""
    if article.published_at is None:
        return None
    return (
        Article.objects.published()
        .filter(published_at__gt=article.published_at)
        .order_by("published_at", "id")
        .first()
    )


def previous_article(*, article: Article) -> Article | None:
    if article.published_at is None:
        return None
    return (
        Article.objects.published()
        .filter(published_at__lt=article.published_at)
        .order_by("-published_at", "-id")
        .first()
    )
