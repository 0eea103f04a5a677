"""The tree's integrity check: every invariant the pages and writers rely on, in SQL.

mptt trusts its lft/rght/level/tree_id columns blindly (their edges may have
gaps, see ``comments.tree.intervals``, but must nest exactly as the replies
do), and pages trust the counters the services keep beside them (replies,
likes); a write that bypassed the services (raw SQL, a bad import, a crash
mid-bulk-load) corrupts threads silently. ``find_violations`` reads every tree
(or the ones named) in one pass and reports each broken invariant. The bulk
writers run it before they commit; ``manage.py check_comment_tree`` runs it
for deploys and CI.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from articles.models import Article
from comments.models import Comment, CommentLike

# Each check returns (tree_id, comment_id, message) rows for violations. The rows
# checked come from {scope} (the whole table, or some trees); the rows they are
# compared with (parents, replies) always come from the whole {table}.
CHECKS: list[tuple[str, str]] = [
    (
        "one root per tree",
        """
        SELECT tree_id, NULL::bigint, format('tree has %s roots among %s comments', roots, n)
        FROM (
            SELECT tree_id, count(*) AS n, count(*) FILTER (WHERE parent_id IS NULL) AS roots
            FROM {scope} s GROUP BY tree_id
        ) t
        WHERE roots <> 1
        """,
    ),
    (
        "lft < rght, every edge used once in its tree",
        """
        SELECT tree_id, id, format('lft=%s rght=%s is not a valid interval', lft, rght)
        FROM {scope} s WHERE lft >= rght
        UNION ALL
        SELECT tree_id, NULL::bigint, format('edge %s is used %s times', edge, count(*))
        FROM (SELECT tree_id, lft AS edge FROM {scope} s1
              UNION ALL SELECT tree_id, rght FROM {scope} s2) e
        GROUP BY tree_id, edge HAVING count(*) > 1
        """,
    ),
    (
        "edges nest as the replies do",
        # Walking a tree's edges in order, each comment's lft must come right after
        # its parent's lft or a sibling's rght, and its rght right before its
        # parent's rght or a sibling's lft; a root's edges come first and last.
        # That holds exactly when the intervals nest as the parent links say.
        """
        SELECT tree_id, id, format('%s edge %s is not next to its parent''s or a sibling''s',
                                   CASE side WHEN 0 THEN 'lft' ELSE 'rght' END, edge)
        FROM (
            SELECT *,
                   lag(id) OVER w AS before_id, lag(side) OVER w AS before_side,
                   lag(parent_id) OVER w AS before_parent,
                   lead(id) OVER w AS after_id, lead(side) OVER w AS after_side,
                   lead(parent_id) OVER w AS after_parent
            FROM (SELECT tree_id, id, parent_id, lft AS edge, 0 AS side FROM {scope} s1
                  UNION ALL
                  SELECT tree_id, id, parent_id, rght, 1 FROM {scope} s2) e
            WINDOW w AS (PARTITION BY tree_id ORDER BY edge, side)
        ) walk
        WHERE CASE
            WHEN parent_id IS NULL THEN
                (side = 0 AND before_id IS NOT NULL) OR (side = 1 AND after_id IS NOT NULL)
            WHEN side = 0 THEN NOT coalesce(
                (before_side = 0 AND before_id = parent_id)
                OR (before_side = 1 AND before_parent = parent_id), false)
            ELSE NOT coalesce(
                (after_side = 1 AND after_id = parent_id)
                OR (after_side = 0 AND after_parent = parent_id), false)
        END
        """,
    ),
    (
        "children inside their parent, same tree, level = parent's + 1",
        """
        SELECT c.tree_id, c.id, format(
            'parent %s: tree %s vs %s, interval (%s,%s) vs parent (%s,%s), level %s vs parent %s',
            p.id, c.tree_id, p.tree_id, c.lft, c.rght, p.lft, p.rght, c.level, p.level)
        FROM {scope} c JOIN {table} p ON p.id = c.parent_id
        WHERE c.tree_id <> p.tree_id OR c.lft <= p.lft OR c.rght >= p.rght
           OR c.level <> p.level + 1
        """,
    ),
    (
        "roots have level 0",
        """
        SELECT tree_id, id, format('root has level %s', level)
        FROM {scope} s WHERE parent_id IS NULL AND level <> 0
        """,
    ),
    (
        "a thread belongs to one article",
        """
        SELECT tree_id, NULL::bigint, format('tree spans %s articles', count(DISTINCT article_id))
        FROM {scope} s GROUP BY tree_id HAVING count(DISTINCT article_id) > 1
        """,
    ),
    (
        "reply_count = published direct replies",
        """
        SELECT c.tree_id, c.id, format('reply_count is %s, counted %s', c.reply_count, n.count)
        FROM {scope} c CROSS JOIN LATERAL (
            SELECT count(*) FROM {table} r WHERE r.parent_id = c.id AND r.status = 'published'
        ) n
        WHERE c.reply_count <> n.count
        """,
    ),
    (
        "descendant_count = published replies below",
        """
        SELECT c.tree_id, c.id, format('descendant_count is %s, counted %s',
                                       c.descendant_count, n.count)
        FROM {scope} c CROSS JOIN LATERAL (
            SELECT count(*) FROM {table} d
            WHERE d.tree_id = c.tree_id AND d.lft > c.lft AND d.rght < c.rght
              AND d.status = 'published'
        ) n
        WHERE c.descendant_count <> n.count
        """,
    ),
    (
        "an article's comment_count = its published comments",
        """
        SELECT (SELECT min(c.tree_id) FROM {table} c WHERE c.article_id = a.id), NULL::bigint,
               format('article %s says %s comments, counted %s', a.id, a.comment_count, n.count)
        FROM {articles} a CROSS JOIN LATERAL (
            SELECT count(*) FROM {table} c WHERE c.article_id = a.id AND c.status = 'published'
        ) n
        WHERE a.comment_count <> n.count AND {article_scope}
        """,
    ),
    (
        "like_count = likes",
        """
        SELECT c.tree_id, c.id, format('like_count is %s, counted %s', c.like_count, n.count)
        FROM {scope} c CROSS JOIN LATERAL (
            SELECT count(*) FROM {likes} l WHERE l.comment_id = c.id
        ) n
        WHERE c.like_count <> n.count
        """,
    ),
]


def find_violations(
    tree_ids: Iterable[int] | None = None,
) -> list[tuple[str, int, int | None, str]]:
    """Every broken invariant as (check, tree_id, comment_id or None, message).

    ``tree_ids`` limits the check to those trees (an import checks the ones it
    wrote), so its cost follows their size, not the table's.
    """
    table = connection.ops.quote_name(Comment._meta.db_table)
    names = {
        "table": table,
        "likes": connection.ops.quote_name(CommentLike._meta.db_table),
        "articles": connection.ops.quote_name(Article._meta.db_table),
        "scope": table,
        "article_scope": "TRUE",
    }
    if tree_ids is not None:
        # Integers only, so the literal is safe; the checks' own % signs rule out parameters.
        ids = ",".join(str(int(tree_id)) for tree_id in tree_ids) or "NULL"
        names["scope"] = f"(SELECT * FROM {table} WHERE tree_id IN ({ids}))"  # noqa: S608
        names["article_scope"] = f"a.id IN (SELECT article_id FROM {names['scope']} s)"  # noqa: S608
    found = []
    with connection.cursor() as cursor:
        for name, sql in CHECKS:
            cursor.execute(sql.format(**names) + " LIMIT 1000")
            found.extend((name, tree_id, pk, message) for tree_id, pk, message in cursor.fetchall())
    return found
