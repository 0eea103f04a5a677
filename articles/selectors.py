"""Named reads of articles."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import CharField, Count, IntegerField, QuerySet, Value

from articles.models import Article, Tag


def article_list(*, user, tag: Tag | None = None) -> QuerySet[Article]:
    """Newest first, with author and tags (and the comment counts they keep) in two queries."""
    articles = Article.objects.visible_to(user)
    if tag is not None:
        articles = articles.filter(tags=tag)
    return (
        articles.select_related("author").prefetch_related("tags").order_by("-published_at", "-id")
    )


@dataclass(frozen=True)
class StoryNav:
    related: list[Article]
    next: Article | None
    previous: Article | None


def story_nav(*, article: Article, related_limit: int = 3) -> StoryNav:
    """Related, next and previous articles in one query (a UNION of the three reads).

    The articles come back with just their title and slug: all a link needs.
    ``article.tags`` should be prefetched.
    """
    published = Article.objects.published()
    columns = ("pk", "title", "slug", "shared", "nav")
    parts = []
    tag_ids = [tag.pk for tag in article.tags.all()]
    if tag_ids:
        parts.append(
            published.filter(tags__in=tag_ids)
            .exclude(pk=article.pk)
            .values("pk", "title", "slug", "published_at")
            .annotate(shared=Count("tags"), nav=Value("related", output_field=CharField()))
            .order_by("-shared", "-published_at")
            .values_list(*columns)[:related_limit]
        )
    if article.published_at is not None:
        for nav, lookup, order in (
            ("next", "published_at__gt", ("published_at", "id")),
            ("previous", "published_at__lt", ("-published_at", "-id")),
        ):
            parts.append(
                published.filter(**{lookup: article.published_at})
                .annotate(
                    shared=Value(0, output_field=IntegerField()),
                    nav=Value(nav, output_field=CharField()),
                )
                .order_by(*order)
                .values_list(*columns)[:1]
            )
    if not parts:
        return StoryNav(related=[], next=None, previous=None)
    query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    found: dict[str, list[Article]] = {"related": [], "next": [], "previous": []}
    for pk, title, slug, _shared, nav in query:
        found[nav].append(Article(pk=pk, title=title, slug=slug))
    return StoryNav(
        related=found["related"],
        next=found["next"][0] if found["next"] else None,
        previous=found["previous"][0] if found["previous"] else None,
    )
