"""Named reads of the moderation console: the queues, and what a moderator judges a comment by.

Read by ``comments.admin``; each queue is one condition, shared by its filter
and by the counts above the list, so the two never disagree.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from comments.models import Comment, CommentFlag
from trekboard.queries import subquery_count

Status = Comment.Status

RECENT = timedelta(hours=24)

# (parameter value, label) in the order moderators work them.
QUEUES = [
    ("pending", "Pending"),
    ("flagged", "Flagged"),
    ("recent", "Recent 24h"),
    ("removed", "Removed"),
    ("spam", "Spam"),
]


def _has_open_flags() -> Exists:
    return Exists(CommentFlag.objects.filter(comment=OuterRef("pk"), dismissed_at=None))


def queue_condition(queue: str) -> Q:
    """Which comments a queue holds; the filter and the counts above the list share it."""
    if queue == "pending":
        return Q(status=Status.PENDING)
    if queue == "flagged":
        # Flags on a comment that is already removed or spam need no more work.
        return Q(_has_open_flags(), status__in=[Status.PUBLISHED, Status.PENDING])
    if queue == "recent":
        return Q(created_at__gte=timezone.now() - RECENT)
    if queue == "removed":
        return Q(status=Status.REMOVED)
    if queue == "spam":
        return Q(status=Status.SPAM)
    raise ValueError(f"Unknown queue {queue!r}")


def queue_counts() -> dict[str, int]:
    """How many comments wait in each queue, in one aggregate query."""
    return Comment.objects.aggregate(
        **{key: Count("pk", filter=queue_condition(key)) for key, _ in QUEUES}
    )


# How many of a comment's replies its queue row quotes.
REPLIES_QUOTED = 3


def with_moderation_context(queryset: QuerySet) -> QuerySet:
    """Comments with what a moderator judges them by, in the same query.

    flag_count and flag_reasons (the comment's open flags) and flag_notes (the
    reporters' own words, "reason: words"), parent_excerpt, reply_excerpts
    (the first published replies), and the author's record:
    author_comment_count, author_removed_count (removed or spam) and
    author_flag_count (flags on any of their comments). However many rows a
    page shows, this is one query.
    """
    flags = CommentFlag.objects.filter(comment=OuterRef("pk"), dismissed_at=None)
    by_author = Comment.objects.filter(author=OuterRef("author_id"))
    replies = Comment.objects.filter(parent=OuterRef("pk"), status=Status.PUBLISHED).order_by(
        "created_at", "pk"
    )
    return (
        queryset.select_related("author", "article")
        # The listing never shows an article's or a profile's text.
        .defer("article__body", "article__body_html", "article__standfirst", "author__bio")
        .annotate(
            flag_count=subquery_count(flags, "comment"),
            flag_reasons=ArraySubquery(flags.order_by("reason").values("reason")),
            flag_notes=ArraySubquery(
                flags.exclude(text="")
                .order_by("created_at")
                .annotate(note=Concat("reason", Value(": "), Substr("text", 1, 200)))
                .values("note")
            ),
            parent_excerpt=Substr("parent__body", 1, 120),
            reply_excerpts=ArraySubquery(
                replies.annotate(excerpt=Substr("body", 1, 100)).values("excerpt")[:REPLIES_QUOTED]
            ),
            author_comment_count=subquery_count(by_author, "author"),
            author_removed_count=subquery_count(
                by_author.filter(status__in=[Status.REMOVED, Status.SPAM]), "author"
            ),
            author_flag_count=subquery_count(
                CommentFlag.objects.filter(comment__author=OuterRef("author_id")),
                "comment__author",
            ),
        )
    )


# A comment's change page lists this many of its direct replies, oldest first.
REPLIES_LISTED = 25


def thread_around(comment: Comment) -> tuple[list[Comment], list[Comment]]:
    """The comments above ``comment`` (root first) and its first direct replies, every status.

    One query: both lie in the comment's own tree, the ancestors by its
    nested-set bounds. A moderator judges a reply by what it answered.
    """
    found = list(
        Comment.objects.filter(tree_id=comment.tree_id)
        .filter(
            Q(lft__lt=comment.lft, rght__gt=comment.rght)
            | Q(parent_id=comment.pk, pk__in=_first_replies(comment))
        )
        .select_related("author")
        .only(
            "body",
            "status",
            "created_at",
            "level",
            "parent_id",
            "tree_id",
            "lft",
            "author__username",
        )
        .order_by("lft")
    )
    ancestors = [c for c in found if c.lft < comment.lft]
    replies = sorted(
        (c for c in found if c.parent_id == comment.pk), key=lambda c: (c.created_at, c.pk)
    )
    return ancestors, replies


def _first_replies(comment: Comment) -> QuerySet:
    return (
        Comment.objects.filter(parent_id=comment.pk)
        .order_by("created_at", "pk")
        .values("pk")[:REPLIES_LISTED]
    )
