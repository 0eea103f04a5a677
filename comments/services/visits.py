"""What the site remembers of a signed-in reader's reading: visits and the chosen sort.

Written on page views (the article view calls these before reading), so they
are single statements that never take a tree lock. ``article_visit_set`` is
the exception, for content that carries its own dates (the demo).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from articles.models import Article
from comments.models import ArticleVisit, Comment
from comments.ranking import Sort
from comments.rules import NEW_LIMIT
from trekboard.queries import execute_prepared

# Page loads closer together than this are one visit: reloading or paging
# through a discussion keeps highlighting what was new when the visit began.
VISIT_GAP = timedelta(minutes=30)
# A visit's last page load is written again only once this long has passed: a
# reader paging or reloading reads their visit rather than rewriting its row
# each time, and the gap above moves by at most this much.
VISIT_RESTAMP = timedelta(minutes=1)


@dataclass(frozen=True)
class Visit:
    """A signed-in reader's visit to an article, and what is new to them since the one before."""

    previous: datetime | None  # when the visit before this one began (None: first visit)
    new_count: int = 0  # published comments by others since then (at most NEW_LIMIT)
    first_new_id: int | None = None  # the earliest of them
    also: tuple = ()  # the values of the caller's ``also`` columns


def article_visit_record(*, user, article: Article, also: tuple[str, dict] | None = None) -> Visit:
    """Note that a signed-in reader is reading an article; say what is new to them.

    One statement: the visit upsert (a read only, within ``VISIT_RESTAMP`` of
    the last one written), and from its previous time the count of newer
    comments by others and the earliest of them. ``also`` adds columns
    to that statement (their SQL and parameters; ``user``, ``article`` and
    ``now`` are this one's), for a caller that needs other small reads of the
    same reader and article in the same round trip (the signed-in page made
    from its drawing, comments.overlay); their values come back in ``Visit.also``.
    """
    now = timezone.now()
    extra_sql, extra_params = also or ("", {})
    visits = connection.ops.quote_name(ArticleVisit._meta.db_table)
    comments = connection.ops.quote_name(Comment._meta.db_table)
    newer = f"""
        FROM {comments} c
        WHERE c.article_id = %(article)s AND c.status = 'published'
          AND c.author_id <> %(user)s AND c.created_at > v.previous_seen_at
    """
    with connection.cursor() as cursor:
        execute_prepared(
            cursor,
            f"""
            WITH seen AS (
                SELECT last_seen_at, previous_seen_at FROM {visits}
                WHERE user_id = %(user)s AND article_id = %(article)s
            ),
            stamped AS (
                INSERT INTO {visits} AS v (user_id, article_id, last_seen_at, previous_seen_at)
                SELECT %(user)s, %(article)s, %(now)s::timestamptz, NULL
                WHERE NOT EXISTS (SELECT 1 FROM seen WHERE last_seen_at >= %(stamped_after)s)
                ON CONFLICT (user_id, article_id) DO UPDATE SET
                    previous_seen_at = CASE WHEN v.last_seen_at < %(visit_began)s
                                            THEN v.last_seen_at ELSE v.previous_seen_at END,
                    last_seen_at = EXCLUDED.last_seen_at
                RETURNING previous_seen_at
            ),
            v AS (
                SELECT previous_seen_at FROM stamped
                UNION ALL
                SELECT previous_seen_at FROM seen WHERE NOT EXISTS (SELECT 1 FROM stamped)
            )
            SELECT v.previous_seen_at,
                   (SELECT count(*) FROM (SELECT 1 {newer} LIMIT %(limit)s) n),
                   (SELECT c.id {newer} ORDER BY c.created_at, c.id LIMIT 1)
                   {", " + extra_sql if extra_sql else ""}
            FROM v
            """,  # noqa: S608 - the table names are ours, every value a parameter
            extra_params
            | {
                "user": user.pk,
                "article": article.pk,
                "now": now,
                "visit_began": now - VISIT_GAP,  # seen since: the same visit
                "stamped_after": now - VISIT_RESTAMP,
                "limit": NEW_LIMIT,
            },
        )
        previous, count, first, *extra = cursor.fetchone()
    return Visit(previous=previous, new_count=count or 0, first_new_id=first, also=tuple(extra))


def article_visit_set(
    *, user, article: Article, last_seen_at: datetime, previous_seen_at: datetime | None
) -> None:
    """Give a reader's visit to an article the times given, for content with its own dates.

    ``article_visit_record`` stamps a visit "now"; demo content shows a reader
    who last came by in the past, so that what was posted since is new to them.
    """
    ArticleVisit.objects.update_or_create(
        user=user,
        article=article,
        defaults={"previous_seen_at": previous_seen_at, "last_seen_at": last_seen_at},
    )


def sort_remember(*, user, sort: Sort) -> None:
    """Keep a signed-in reader's chosen sort for the pages whose URL names none."""
    if user.is_authenticated and user.comment_sort != sort:
        get_user_model().objects.filter(pk=user.pk).update(comment_sort=sort)
        user.comment_sort = sort
