"""Fill the new counters for comments written before they existed."""

from django.db import migrations

from comments.ranking import best_score


def backfill(apps, schema_editor):
    Comment = apps.get_model("comments", "Comment")
    table = schema_editor.quote_name(Comment._meta.db_table)
    schema_editor.execute(
        f"""
        UPDATE {table} c SET
            reply_count = (SELECT count(*) FROM {table} r
                           WHERE r.parent_id = c.id AND r.status = 'published'),
            descendant_count = (SELECT count(*) FROM {table} d
                                WHERE d.tree_id = c.tree_id AND d.lft > c.lft
                                  AND d.rght < c.rght AND d.status = 'published')
        """  # noqa: S608
    )
    # Today's Best formula (it needs created_at since 0010_best_score_engagement,
    # which recomputes every score in SQL anyway).
    counted = Comment.objects.filter(reply_count__gt=0)
    for comment in counted.only("pk", "like_count", "reply_count", "created_at"):
        Comment.objects.filter(pk=comment.pk).update(
            best_score=best_score(
                likes=comment.like_count,
                replies=comment.reply_count,
                created_at=comment.created_at,
            )
        )


class Migration(migrations.Migration):
    dependencies = [("comments", "0002_reader_features")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
