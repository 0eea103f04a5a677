"""BIGINT edges with room between them (see comments.intervals); existing threads spread out."""

from django.db import migrations, models

# Every thread's edges, in their order, spaced %(gap)s apart from 1 (the same
# numbering comments.treebuild gives a new thread). Forwards the gap spreads
# each thread over 1..2^62; backwards it is 1, mptt's own 1..2n.
RENUMBER = """
UPDATE comments_comment c
SET lft = 1 + r.lft_rank * r.gap, rght = 1 + r.rght_rank * r.gap
FROM (
    SELECT id,
           max(rank) FILTER (WHERE side = 0) AS lft_rank,
           max(rank) FILTER (WHERE side = 1) AS rght_rank,
           max(gap) AS gap
    FROM (
        SELECT id, side,
               row_number() OVER (PARTITION BY tree_id ORDER BY edge) - 1 AS rank,
               {gap} AS gap
        FROM (
            SELECT id, tree_id, lft AS edge, 0 AS side FROM comments_comment
            UNION ALL
            SELECT id, tree_id, rght, 1 FROM comments_comment
        ) edges
    ) ranked
    GROUP BY id
) r
WHERE c.id = r.id
"""

SPREAD = "(4611686018427387904 - 1) / (count(*) OVER (PARTITION BY tree_id) - 1)"


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0008_page_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="comment",
            name="lft",
            field=models.PositiveBigIntegerField(editable=False),
        ),
        migrations.AlterField(
            model_name="comment",
            name="rght",
            field=models.PositiveBigIntegerField(editable=False),
        ),
        migrations.AddIndex(
            model_name="comment",
            index=models.Index(fields=["tree_id", "rght"], name="comment_tree_rght"),
        ),
        # "N Comments" is Article.comment_count now (articles 0004), not a count.
        migrations.RemoveIndex(model_name="comment", name="comment_published_count"),
        migrations.RunSQL(
            RENUMBER.format(gap=SPREAD),
            # Back to 1..2n first, while the columns are still BIGINT.
            reverse_sql=RENUMBER.format(gap=1),
        ),
    ]
