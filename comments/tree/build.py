"""Build comment threads in memory, for the writers that insert many comments at once.

The import (``comments.importing.loader``) and the discussion generator
(``comments.generate``) write thousands of comments per second, far faster
than ``comments.services`` can insert them one by one (a lock, a
``MAX(tree_id)``, a placement and counter updates per comment). They hang
their comments on ``TreeNode`` objects instead, number each thread here (depth
first, replies in date order, edges spaced as ``comments.tree.intervals`` says) with
the counters pages read (``reply_count``, ``descendant_count``), and ``bulk_create`` the rows
``comment_row`` makes, every field already set. Both then check what they wrote
(``comments.tree.integrity``) before the transaction commits.

These are the only writers besides ``comments.services``; each holds
``new_tree_lock()`` from the moment it reads the first free tree id to its
commit, so the ids can't clash with a reader's new top-level comment.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import connection
from django.db.models import Count, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce

from articles.models import Article
from comments.models import Comment
from comments.ranking import best_score
from comments.sanitize import search_text
from comments.tree import intervals
from comments.tree.locks import new_tree_lock


class TreeNode:
    """One comment of a thread being built, before it is a row."""

    __slots__ = (
        "children",
        "created_at",
        "descendants",
        "level",
        "lft",
        "like_count",
        "order",
        "parent",
        "pk",
        "replies",
        "rght",
        "status",
        "tree_id",
    )

    def __init__(self, *, order: int) -> None:
        self.order = order  # breaks ties between replies with the same date
        self.children: list[TreeNode] = []
        self.parent: TreeNode | None = None
        self.created_at: datetime | None = None
        self.pk: int | None = None
        self.status = ""
        self.like_count = 0
        self.tree_id = self.lft = self.rght = self.level = 0
        self.replies = self.descendants = 0

    def sort_key(self) -> tuple:
        """Where the node goes among its siblings: in posting order, as ``placement`` does."""
        return (self.created_at, self.order)


def _sort_key(node: TreeNode) -> tuple:
    return node.sort_key()


def number_tree(root: TreeNode, tree_id: int) -> list[TreeNode]:
    """Give a thread its edges and counters, depth first; returns its nodes in lft order.

    The edges are spread evenly over the thread's range, as a respread would
    leave them (``comments.tree.intervals``), so replies posted later find room.

    ``replies`` and ``descendants`` count published comments only, as
    ``reply_count`` and ``descendant_count`` do. Iterative, so a chain of
    replies thousands deep can't hit Python's recursion limit.
    """
    published = Comment.Status.PUBLISHED
    ordered = [root]
    # Edges are counted 0, 1, 2… first, then spread over the thread's range.
    root.tree_id, root.level, root.lft = tree_id, 0, 0
    counter = 1
    stack = [(root, iter(sorted(root.children, key=_sort_key)))]
    while stack:
        node, children = stack[-1]
        child = next(children, None)
        if child is not None:
            child.tree_id, child.level, child.lft = tree_id, node.level + 1, counter
            counter += 1
            ordered.append(child)
            stack.append((child, iter(sorted(child.children, key=_sort_key))))
            continue
        node.rght = counter
        counter += 1
        stack.pop()
        node.replies = sum(1 for c in node.children if c.status == published)
        node.descendants = sum(c.descendants + (c.status == published) for c in node.children)
    gap = intervals.spread(counter)
    for node in ordered:
        node.lft = intervals.ROOT_LFT + node.lft * gap
        node.rght = intervals.ROOT_LFT + node.rght * gap
    return ordered


def comment_row(
    node: TreeNode, *, article_id: int, author_id: int, body: str, body_html: str, **fields
) -> Comment:
    """The row a numbered node is inserted as: its place, status and counters as built.

    ``best_score`` is worked out from the node's counts, as a service would
    after each like and reply. ``fields`` are the writer's own columns
    (``source_key``, ``moderation_reason``...).
    """
    return Comment(
        pk=node.pk,
        article_id=article_id,
        author_id=author_id,
        parent_id=node.parent.pk if node.parent is not None else None,
        body=body,
        body_html=body_html,
        search_text=search_text(body_html),
        status=node.status,
        created_at=node.created_at,
        like_count=node.like_count,
        reply_count=node.replies,
        descendant_count=node.descendants,
        best_score=best_score(
            likes=node.like_count, replies=node.replies, created_at=node.created_at
        ),
        tree_id=node.tree_id,
        lft=node.lft,
        rght=node.rght,
        level=node.level,
        **fields,
    )


def first_free_tree_id() -> int:
    """Take ``new_tree_lock()`` and return the first tree id no thread holds.

    Precondition: inside ``atomic()``. The lock is held to the commit, so
    every id from the one returned up is this transaction's to use.
    """
    new_tree_lock()
    top = Comment.objects.aggregate(top=Max("tree_id"))["top"]
    return (top or 0) + 1


def allocate_comment_ids(n: int) -> list[int]:
    """Primary keys from the table's own sequence, so replies can name parents before insert.

    Django makes PostgreSQL foreign keys DEFERRABLE INITIALLY DEFERRED, so
    rows may be inserted in any order within the transaction.
    """
    if n <= 0:
        return []
    table = Comment._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, n],
        )
        return [pk for (pk,) in cursor.fetchall()]


def article_comment_counts_refresh(article_ids: Iterable[int]) -> None:
    """Count the articles' published comments afresh (after a bulk write; inside atomic())."""
    ids = sorted(set(article_ids))
    if ids:
        published = Comment.objects.filter(article=OuterRef("pk"), status=Comment.Status.PUBLISHED)
        Article.objects.filter(pk__in=ids).update(
            comment_count=Coalesce(
                Subquery(
                    published.order_by().values("article").annotate(n=Count("pk")).values("n")
                ),
                0,
            )
        )
