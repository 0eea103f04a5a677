"""A reader's profile page: their recent comments by article, and what they've earned."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Sum

from articles.models import Article
from comments import spoilers
from comments.models import Comment


@dataclass(frozen=True)
class ArticleComments:
    """One article on a reader's profile, with their recent comments on it (newest first)."""

    article: Article
    comments: list[Comment]


def comments_by_user(
    *, user, viewer=None, watched: frozenset[int] = frozenset(), limit: int = 20
) -> list[ArticleComments]:
    """A reader's ``limit`` newest published comments on published articles, by article.

    Each article comes once (the title is not repeated on every comment), the
    one they commented on most recently first: one query, however many articles,
    and one more when any is marked as a spoiler (covered for ``viewer`` as the
    article page would cover it).
    """
    recent = (
        Comment.objects.filter(author=user, article__in=Article.objects.published())
        .published()
        .select_related("article")
        .order_by("-created_at")[:limit]
    )
    viewer = AnonymousUser() if viewer is None else viewer
    groups: dict[int, ArticleComments] = {}
    for comment in spoilers.cover_rows(recent, user=viewer, watched=watched):
        group = groups.get(comment.article_id)
        if group is None:
            group = groups[comment.article_id] = ArticleComments(comment.article, [])
        group.comments.append(comment)
    return list(groups.values())


@dataclass(frozen=True)
class AuthorStats:
    comments: int
    likes_received: int


def author_stats(*, user) -> AuthorStats:
    """Comment count and likes received, in one query."""
    totals = (
        Comment.objects.filter(author=user)
        .published()
        .aggregate(comments=Count("pk"), likes=Sum("like_count"))
    )
    return AuthorStats(comments=totals["comments"], likes_received=totals["likes"] or 0)
