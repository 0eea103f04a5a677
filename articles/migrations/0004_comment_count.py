"""Article.comment_count, kept by comments.services, counted once here for existing discussions."""

from django.db import migrations, models

COUNT = """
UPDATE articles_article a
SET comment_count = (
    SELECT count(*) FROM comments_comment c
    WHERE c.article_id = a.id AND c.status = 'published'
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_import_keys"),
        ("comments", "0009_spaced_intervals"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="comment_count",
            field=models.PositiveIntegerField(
                default=0, editable=False, help_text="Published comments."
            ),
        ),
        migrations.RunSQL(COUNT, reverse_sql=migrations.RunSQL.noop),
    ]
