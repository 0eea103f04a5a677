"""Where a comment sits in its thread's nested intervals: spaced out, so a reply moves nothing.

django-mptt numbers a tree's ``lft``/``rght`` edges 1..2n without gaps, so
every insert shifts the edges of everything to its right: a reply into a thread
of 10,000 comments rewrites thousands of rows (and every index on them), which
made posting there 13 times slower than into a thread of 10. Trekboard keeps
mptt's meaning of the columns (a node's descendants are the rows whose edges lie
inside its own, in the same tree; ``lft`` order is depth-first order) but leaves
room between the edges (``BIGINT`` columns, up to 2^62 per thread), so a reply
takes a slice of its parent's free room and no other row changes:

* a new thread's root spans ``[1, TOP]``;
* a reply goes after its parent's last reply, taking ``1/SHARE`` of the room
  left there, so the parent keeps most of it for later replies, and the reply
  has its own share for replies of its own;
* when the room runs out (hundreds of replies to one comment, or chains a dozen
  deep), the nearest ancestor with enough room for its subtree spreads that
  subtree's edges evenly over its interval (``respread_sql``). That is the only
  write that moves other rows, and it is rare and bounded by that subtree.

The threads the importer and the generator build in memory get evenly spread
edges from the start (``spread``). mptt's own methods that assume ``rght - lft
+ 1 == 2 * size`` are overridden on ``Comment``; ``check_comment_tree`` checks
the nesting, not the numbers.
"""

from __future__ import annotations

ROOT_LFT = 1
TOP = 2**62  # a thread's largest edge; BIGINT holds 2^63 - 1
SHARE = 8  # a new reply takes 1/SHARE of the room after its parent's last reply
MIN_GAP = 2**20  # a respread must leave at least this much between consecutive edges


def spread(edges: int, *, lo: int = ROOT_LFT, hi: int = TOP) -> int:
    """The gap that spaces ``edges`` edges evenly over ``[lo, hi]`` (the first at ``lo``)."""
    return (hi - lo) // max(edges - 1, 1)


def reply_interval(start: int, parent_rght: int) -> tuple[int, int] | None:
    """The edges of a new last reply, placed after ``start`` (the parent's last edge
    before its ``rght``); ``None`` when the room there is too small.
    """
    room = parent_rght - start - 1
    width = room // SHARE
    if width < 2:
        return None
    return start + 1, start + width


# Renumber one subtree (the rows whose lft lies in [%(lo)s, %(rght)s] of one tree),
# keeping the order of its edges and spacing them %(gap)s apart from %(lo)s on.
RESPREAD_SQL = """
UPDATE {table} c
SET lft = %(lo)s + r.lft_rank * %(gap)s, rght = %(lo)s + r.rght_rank * %(gap)s
FROM (
    SELECT id,
           max(rank) FILTER (WHERE side = 0) AS lft_rank,
           max(rank) FILTER (WHERE side = 1) AS rght_rank
    FROM (
        SELECT id, side, row_number() OVER (ORDER BY edge) - 1 AS rank
        FROM (
            SELECT id, lft AS edge, 0 AS side FROM {table}
            WHERE tree_id = %(tree_id)s AND lft BETWEEN %(lo)s AND %(rght)s
            UNION ALL
            SELECT id, rght, 1 FROM {table}
            WHERE tree_id = %(tree_id)s AND lft BETWEEN %(lo)s AND %(rght)s
        ) edges
    ) ranked
    GROUP BY id
) r
WHERE c.id = r.id
"""
