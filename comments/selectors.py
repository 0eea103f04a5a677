"""Named reads of discussions: what each page shows, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from mptt.utils import get_cached_trees

from articles.models import Article
from comments.models import Comment


def comment_count(*, article: Article) -> int:
    return Comment.objects.for_article(article).published().count()


@dataclass(frozen=True)
class Discussion:
    threads: list[Comment]
    comment_count: int


def discussion_for_article(*, article: Article) -> Discussion:
    """Every thread of an article, oldest first, as cached trees.

    One query for the whole discussion: each top-level comment is its own MPTT
    tree, so ``(tree_id, lft)`` order is the reading order, and
    ``get_cached_trees`` links children to parents without further queries.
    Hidden comments stay in the result (the template shows a placeholder):
    dropping them would make mptt promote their replies to the top level.
    """
    nodes = Comment.objects.for_article(article).select_related("author").order_by("tree_id", "lft")
    nodes = list(nodes)
    published = sum(1 for node in nodes if node.is_visible)
    return Discussion(threads=list(get_cached_trees(nodes)), comment_count=published)


@dataclass(frozen=True)
class CommentContext:
    comment: Comment
    ancestors: list[Comment]
    subtree: Comment


def comment_context(*, comment: Comment) -> CommentContext:
    """A comment with the chain of comments it answers and all of its replies."""
    ancestors = list(comment.get_ancestors().select_related("author"))
    subtree_nodes = comment.get_descendants(include_self=True).select_related("author", "article")
    (subtree,) = get_cached_trees(subtree_nodes)
    return CommentContext(comment=subtree, ancestors=ancestors, subtree=subtree)


def comments_by_user(*, user, limit: int = 20) -> QuerySet[Comment]:
    """A reader's recent published comments on published articles, for their profile."""
    return (
        Comment.objects.filter(author=user, article__in=Article.objects.published())
        .published()
        .select_related("article")
        .order_by("-created_at")[:limit]
    )


def visual_depth() -> int:
    return settings.COMMENT_VISUAL_DEPTH


def comment_count_by_user(*, user) -> int:
    return Comment.objects.filter(author=user).published().count()
