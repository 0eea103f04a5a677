"""Where a new reply goes in its thread, and the walks up and down a thread the writers share.

A reply takes a slice of the room between its parent's last reply and the
parent's ``rght`` (``comments.tree.intervals``) and moves no other row; only
when that room runs out does ``make_room`` spread the smallest enclosing
subtree out again, in one statement. Every function here expects its caller
to be inside ``atomic()`` and to hold the thread's lock (``comments.tree.locks``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Max, QuerySet
from django.db.models.expressions import RawSQL

from comments.models import Comment
from comments.tree import intervals


def place(comment: Comment, parent: Comment | None) -> None:
    """Give a new comment its tree id and edges (see ``comments.tree.intervals``).

    Precondition: inside atomic(), holding ``new_tree_lock()`` for a new thread
    or the parent's ``tree_lock`` (with ``parent`` read under it) for a reply.
    """
    if parent is None:
        top = Comment.objects.aggregate(top=Max("tree_id"))["top"]
        comment.tree_id, comment.level = (top or 0) + 1, 0
        comment.lft, comment.rght = intervals.ROOT_LFT, intervals.TOP
        return
    # Read with the parent under its lock when the caller could (comment_create does).
    known = getattr(parent, "last_edge", None)
    slot = intervals.reply_interval(parent.lft if known is None else known, parent.rght)
    if slot is None:
        make_room(parent)
        parent.refresh_from_db(fields=["lft", "rght"])
        slot = intervals.reply_interval(last_edge(parent), parent.rght)
    comment.tree_id, comment.level = parent.tree_id, parent.level + 1
    comment.lft, comment.rght = slot


def inside(tree_id, lft, rght) -> QuerySet:
    """The edges inside an interval, largest first: the first is its last reply's ``rght``.

    Edges nest, so the largest ``rght`` inside a parent's interval is its last
    reply's. The bounds are values, or ``OuterRef``s to ask inside a query of the parent.
    """
    return (
        Comment.objects.filter(tree_id=tree_id, rght__gt=lft, rght__lt=rght)
        .order_by("-rght")
        .values("rght")
    )


def last_edge(parent: Comment) -> int:
    """The parent's last reply's ``rght``, or its own ``lft`` when it has none."""
    last = inside(parent.tree_id, parent.lft, parent.rght).first()
    return parent.lft if last is None else last["rght"]


def make_room(parent: Comment) -> None:
    """Spread out the smallest subtree around ``parent`` with room for one more reply.

    Walks up from the parent to the first ancestor whose interval spaces its
    subtree's edges (one more reply's included) at least ``MIN_GAP`` apart; the
    thread's root may grow its ``rght`` up to ``TOP``. Rare (see
    ``comments.tree.intervals``); costs one statement over that subtree.
    """
    table = connection.ops.quote_name(Comment._meta.db_table)
    with connection.cursor() as cursor:
        # The parent and its ancestors, innermost first, with their subtree sizes.
        cursor.execute(
            f"""
            SELECT a.lft, a.rght, a.parent_id IS NULL,
                   (SELECT count(*) FROM {table} d
                    WHERE d.tree_id = a.tree_id AND d.lft BETWEEN a.lft AND a.rght)
            FROM {table} a
            WHERE a.tree_id = %s AND a.lft <= %s AND a.rght >= %s
            ORDER BY a.lft DESC
            """,  # noqa: S608 - the table name is our own
            [parent.tree_id, parent.lft, parent.rght],
        )
        for lft, rght, is_root, size in cursor.fetchall():
            hi = intervals.TOP if is_root else rght
            gap = intervals.spread(2 * (size + 1), lo=lft, hi=hi)
            if gap >= intervals.MIN_GAP:
                cursor.execute(
                    intervals.RESPREAD_SQL.format(table=table),
                    {"tree_id": parent.tree_id, "lo": lft, "rght": rght, "gap": gap},
                )
                return
    raise ValidationError("This thread is too large to take more replies.")


def up_from(pk: int) -> RawSQL:
    """The ids of a comment and its ancestors, by their parent links.

    Not by interval (``lft <= x <= rght``): that range scans half the thread's
    index to find a dozen rows; this is one primary-key lookup per level.
    """
    table = connection.ops.quote_name(Comment._meta.db_table)
    return RawSQL(  # noqa: S611 - a parameter, and our own table name
        f"""
        WITH RECURSIVE up (id, parent_id) AS (
            SELECT id, parent_id FROM {table} WHERE id = %s
            UNION ALL
            SELECT c.id, c.parent_id FROM {table} c JOIN up ON c.id = up.parent_id
        )
        SELECT id FROM up
        """,  # noqa: S608
        [pk],
    )
