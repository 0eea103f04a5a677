"""Verify the MPTT bookkeeping of every discussion thread.

mptt trusts its lft/rght/level/tree_id columns blindly, and pages trust the
counters the services keep beside them (replies, likes); a write that bypassed
the services (raw SQL, a bad import, a crash mid-bulk-load) corrupts threads
silently. This reads every tree in one pass, in SQL, and reports each broken
invariant. It exits non-zero when anything is wrong, so it can gate deploys,
imports and CI.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from comments.models import Comment, CommentLike

# Each check returns (tree_id, comment_id, message) rows for violations. The rows
# checked come from {scope} (the whole table, or some trees); the rows they are
# compared with (parents, replies) always come from the whole {table}.
CHECKS: list[tuple[str, str]] = [
    (
        "one root per tree, with lft = 1 and rght = 2n",
        """
        SELECT t.tree_id, NULL::bigint, format(
            'tree has %s root(s) among %s comments; root lft=%s rght=%s '
            '(expected 1 root, lft=1, rght=%s)',
            t.roots, t.n, t.root_lft, t.root_rght, 2 * t.n)
        FROM (
            SELECT tree_id, count(*) AS n,
                   count(*) FILTER (WHERE parent_id IS NULL) AS roots,
                   min(lft) FILTER (WHERE parent_id IS NULL) AS root_lft,
                   max(rght) FILTER (WHERE parent_id IS NULL) AS root_rght
            FROM {scope} s GROUP BY tree_id
        ) t
        WHERE t.roots <> 1 OR t.root_lft <> 1 OR t.root_rght <> 2 * t.n
        """,
    ),
    (
        "lft/rght are exactly 1..2n, no gaps or duplicates",
        """
        SELECT v.tree_id, NULL::bigint, format(
            'lft/rght values are not exactly 1..%s (%s distinct of %s, range %s..%s)',
            2 * v.n, v.distinct_values, 2 * v.n, v.lo, v.hi)
        FROM (
            SELECT tree_id, count(*) / 2 AS n, count(DISTINCT x) AS distinct_values,
                   min(x) AS lo, max(x) AS hi
            FROM (SELECT tree_id, lft AS x FROM {scope} s1
                  UNION ALL SELECT tree_id, rght FROM {scope} s2) b
            GROUP BY tree_id
        ) v
        WHERE v.distinct_values <> 2 * v.n OR v.lo <> 1 OR v.hi <> 2 * v.n
        """,
    ),
    (
        "lft < rght, and rght - lft odd",
        """
        SELECT tree_id, id, format('lft=%s rght=%s is not a valid interval', lft, rght)
        FROM {scope} s WHERE lft >= rght OR (rght - lft) % 2 = 0
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
    likes = connection.ops.quote_name(CommentLike._meta.db_table)
    scope = table
    if tree_ids is not None:
        # Integers only, so the literal is safe; the checks' own % signs rule out parameters.
        ids = ",".join(str(int(tree_id)) for tree_id in tree_ids) or "NULL"
        scope = f"(SELECT * FROM {table} WHERE tree_id IN ({ids}))"  # noqa: S608
    found = []
    with connection.cursor() as cursor:
        for name, sql in CHECKS:
            cursor.execute(sql.format(table=table, likes=likes, scope=scope) + " LIMIT 1000")
            found.extend((name, tree_id, pk, message) for tree_id, pk, message in cursor.fetchall())
    return found


class Command(BaseCommand):
    help = "Check the MPTT invariants of every comment tree; exit 1 on any violation."

    def handle(self, *args, **options) -> None:
        violations = find_violations()
        trees = Comment.objects.values("tree_id").distinct().count()
        if not violations:
            if options["verbosity"] >= 1:
                self.stdout.write(self.style.SUCCESS(f"OK: {trees} comment trees checked."))
            return
        for check, tree_id, pk, message in violations:
            where = f"tree {tree_id}" + (f", comment {pk}" if pk is not None else "")
            self.stderr.write(f"{where}: {check}: {message}")
        raise CommandError(
            f"{len(violations)} violation(s) in {len({v[1] for v in violations})} of {trees} trees."
        )
