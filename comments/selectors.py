"""Named reads of discussions: what each page shows, in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from articles.models import Article
from comments.models import Comment


def comments_readable_by(*, user) -> QuerySet[Comment]:
    """Comments on the articles this user may open (drafts only for staff)."""
    return Comment.objects.filter(article__in=Article.objects.visible_to(user)).select_related(
        "article", "author"
    )


def comment_count(*, article: Article) -> int:
    return Comment.objects.for_article(article).published().count()


def link_replies(nodes: Iterable[Comment]) -> list[Comment]:
    """Give each node a ``replies`` list and return the nodes without a parent in the set.

    ``nodes`` must come in ``(tree_id, lft)`` order, so a parent always comes
    before its replies. (mptt's ``get_cached_trees`` does the same, but its
    ``get_children()`` then builds a QuerySet per comment when rendered.)
    """
    by_id: dict[int, Comment] = {}
    tops: list[Comment] = []
    for node in nodes:
        node.replies = []
        by_id[node.pk] = node
        parent = by_id.get(node.parent_id)
        if parent is None:
            tops.append(node)
        else:
            parent.replies.append(node)
    return tops


@dataclass(frozen=True)
class Discussion:
    threads: list[Comment]
    comment_count: int


def discussion_for_article(*, article: Article) -> Discussion:
    """Every thread of an article, oldest first, with replies linked in memory.

    One query for the whole discussion: each top-level comment is its own MPTT
    tree, so ``(tree_id, lft)`` order is the reading order. Hidden comments
    stay in the result (the template shows a placeholder): dropping them would
    orphan their replies, which would then surface as top-level comments.
    """
    nodes = Comment.objects.for_article(article).select_related("author").order_by("tree_id", "lft")
    nodes = list(nodes)
    published = sum(1 for node in nodes if node.is_visible)
    return Discussion(threads=link_replies(nodes), comment_count=published)


@dataclass(frozen=True)
class CommentContext:
    comment: Comment  # with its replies linked, all the way down
    ancestors: list[Comment]


def comment_context(*, comment: Comment) -> CommentContext:
    """A comment with the chain of comments it answers and all of its replies."""
    ancestors = list(comment.get_ancestors().select_related("author"))
    subtree_nodes = comment.get_descendants(include_self=True).select_related("author", "article")
    (subtree,) = link_replies(subtree_nodes)
    return CommentContext(comment=subtree, ancestors=ancestors)


def comments_by_user(*, user, limit: int = 20) -> QuerySet[Comment]:
    """A reader's recent published comments on published articles, for their profile."""
    return (
        Comment.objects.filter(author=user, article__in=Article.objects.published())
        .published()
        .select_related("article")
        .order_by("-created_at")[:limit]
    )


def comment_count_by_user(*, user) -> int:
    return Comment.objects.filter(author=user).published().count()
