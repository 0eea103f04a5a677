"""Named reads of articles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from django.core.cache import cache as shared_cache
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from articles.models import (
    EMBED_SITES_KEY,
    Article,
    EmbedSite,
    GalleryImage,
    Release,
    ReleaseAiring,
    Tag,
    Watched,
)
from trekboard.queries import execute_prepared, prefetched, row_instance
from trekboard.replicas import read_connection


def article_list(*, user, tag: Tag | None = None) -> QuerySet[Article]:
    """Newest first, with author and tags (and the comment counts they keep) in two queries."""
    articles = Article.objects.visible_to(user).own()
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


# What the article page shows of the article and its author (the raw ``body``
# is the editor's; ``body_html`` is what readers get).
_ARTICLE_DEFERRED = {"body", "source_key", "search_vector"}
_AUTHOR_COLUMNS = ("id", "username", "first_name", "last_name")
_RELATED_SHOWN = 3
# The spoiler picker offers the article's shows' releases of the last few
# months and those coming up: what a comment on a news site can spoil.
_PICKER_DAYS = 120
_PICKER_SHOWN = 16


def published_sql(alias: str) -> str:
    """``Article.objects.published()`` in SQL, over alias ``alias``, for hand-written reads."""
    return f"{alias}.status = 'published' AND {alias}.published_at <= %(now)s"


def own_sql(alias: str) -> str:
    """``published_sql`` and one of Trekboard's own articles (no other site's page)."""
    return f"{published_sql(alias)} AND {alias}.external_url IS NULL"


@cache
def _page_sql() -> tuple[list[str], str]:
    """The article page's statement and the article columns it reads (built once per process)."""
    quote = connection.ops.quote_name
    fields = [f for f in Article._meta.concrete_fields if f.name not in _ARTICLE_DEFERRED]
    names = [f.attname for f in fields]
    columns = ", ".join(f"a.{quote(f.column)}" for f in fields)
    authors = ", ".join(f"u.{quote(name)}" for name in _AUTHOR_COLUMNS)
    articles = quote(Article._meta.db_table)
    users = quote(Article._meta.get_field("author").related_model._meta.db_table)
    tags = quote(Tag._meta.db_table)
    tagged = quote(Article.tags.through._meta.db_table)
    gallery = quote(GalleryImage._meta.db_table)
    link = "json_build_array(n.id, n.title, n.slug)"
    releases = quote(Release._meta.db_table)
    release = "json_build_array(r.id, r.code, r.title, r.released_at, r.show_id)"
    sql = f"""
        SELECT {columns}, {authors},
          (SELECT coalesce(json_agg(json_build_array(t.id, t.name, t.slug)
                                    ORDER BY t.name), '[]')
             FROM {tags} t JOIN {tagged} at ON at.tag_id = t.id WHERE at.article_id = a.id),
          (SELECT coalesce(json_agg(json_build_array(g.id, g.image, g.caption,
                                                     g.alt_text, g.position)
                                    ORDER BY g.position, g.id), '[]')
             FROM {gallery} g WHERE g.article_id = a.id),
          (SELECT coalesce(json_agg({link} ORDER BY n.shared DESC, n.published_at DESC,
                                                    n.id DESC), '[]')
             FROM (SELECT n.id, n.title, n.slug, n.published_at, count(*) AS shared
                     FROM {articles} n JOIN {tagged} nt ON nt.article_id = n.id
                    WHERE nt.tag_id IN (SELECT tag_id FROM {tagged} WHERE article_id = a.id)
                      AND n.id <> a.id AND {own_sql("n")}
                    GROUP BY n.id
                    ORDER BY shared DESC, n.published_at DESC, n.id DESC
                    LIMIT {_RELATED_SHOWN}) n),
          (SELECT {link} FROM {articles} n
            WHERE {own_sql("n")} AND n.published_at > a.published_at
            ORDER BY n.published_at, n.id LIMIT 1),
          (SELECT {link} FROM {articles} n
            WHERE {own_sql("n")} AND n.published_at < a.published_at
            ORDER BY n.published_at DESC, n.id DESC LIMIT 1),
          (SELECT coalesce(json_agg({release} ORDER BY r.released_at, r.id), '[]')
             FROM (SELECT r.* FROM {releases} r
                    WHERE r.show_id IN (SELECT tag_id FROM {tagged} WHERE article_id = a.id)
                      AND r.released_at > %(now)s - interval '{_PICKER_DAYS} days'
                    ORDER BY r.released_at LIMIT {_PICKER_SHOWN}) r),
          (SELECT {release} FROM {releases} r WHERE r.id = a.release_id)
        FROM {articles} a LEFT JOIN {users} u ON u.id = a.author_id
        WHERE a.slug = %(slug)s AND (%(staff)s OR ({published_sql("a")}))
    """  # noqa: S608 - names from the models; values are parameters
    return names, sql


def _release(values) -> Release:
    pk, code, title, released_at, show_id = values
    return Release(
        pk=pk,
        code=code,
        title=title,
        released_at=datetime.fromisoformat(released_at),
        show_id=show_id,
    )


def article_page(*, slug: str, user) -> tuple[Article, StoryNav] | None:
    """The article a page shows, with its author, tags, gallery and story links, in one query.

    None when there is no such article or ``user`` may not see it (drafts and
    scheduled articles are for staff). The article comes with ``tags`` and
    ``gallery`` as if prefetched, its author with what a byline needs.
    """
    names, sql = _page_sql()
    reader = read_connection()  # a replica's, when there are any
    with reader.cursor() as cursor:
        execute_prepared(
            cursor,
            sql,
            {"slug": slug, "now": timezone.now(), "staff": user.is_authenticated and user.is_staff},
        )
        row = cursor.fetchone()
    if row is None:
        return None
    db = reader.alias
    split = len(names)
    article = row_instance(Article, db, names, row[:split])
    author_values = row[split : split + len(_AUTHOR_COLUMNS)]
    tags, gallery, related, next_link, previous_link, picker, about = row[
        split + len(_AUTHOR_COLUMNS) :
    ]
    author_model = Article._meta.get_field("author").related_model
    article._state.fields_cache["author"] = (
        row_instance(author_model, db, _AUTHOR_COLUMNS, author_values)
        if author_values[0] is not None
        else None
    )
    prefetched(
        article, "tags", Tag, [row_instance(Tag, db, ("id", "name", "slug"), t) for t in tags]
    )
    image_names = ("id", "image", "caption", "alt_text", "position")
    prefetched(
        article,
        "gallery",
        GalleryImage,
        [row_instance(GalleryImage, db, image_names, values) for values in gallery],
    )
    for image in article.gallery.all():
        image.article_id = article.pk
        image._state.fields_cache["article"] = article

    # The releases a comment here may be marked as spoiling, and the one it is about.
    article.spoiler_choices = [_release(values) for values in picker]
    article._state.fields_cache["release"] = _release(about) if about else None

    def link(values) -> Article | None:
        return Article(pk=values[0], title=values[1], slug=values[2]) if values else None

    nav = StoryNav(
        related=[link(values) for values in related],
        next=link(next_link),
        previous=link(previous_link),
    )
    return article, nav


def watched_ids(*, user) -> frozenset[int]:
    return frozenset(Watched.objects.filter(user=user).values_list("release_id", flat=True))


def releases_listed() -> list[Release]:
    """Every release, by show and airing, with its regional airings (two queries)."""
    return list(Release.objects.select_related("show").prefetch_related("airings"))


def regions() -> list[str]:
    """The regions editors have given airings for, as readers pick theirs."""
    return sorted(set(ReleaseAiring.objects.values_list("region", flat=True)))


def spoiler_choices(*, article: Article) -> list[Release]:
    """What the article page's statement reads as ``article.spoiler_choices``, for an article
    read otherwise (a reply's form): its shows' releases of the last months and to come."""
    since = timezone.now() - timedelta(days=_PICKER_DAYS)
    return list(
        Release.objects.filter(show__articles=article, released_at__gt=since).order_by(
            "released_at", "pk"
        )[:_PICKER_SHOWN]
    )


_EMBED_SITES_SECONDS = 300


def embed_sites() -> frozenset[str]:
    """The origins the admin lists as embedding sites (cached; the admin's saves clear it)."""
    found = shared_cache.get(EMBED_SITES_KEY)
    if found is None:
        found = frozenset(EmbedSite.objects.values_list("origin", flat=True))
        shared_cache.set(EMBED_SITES_KEY, found, _EMBED_SITES_SECONDS)
    return found
