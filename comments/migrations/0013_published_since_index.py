"""The index of published comments by time also holds their author (index-only counts).

Built concurrently, before the one it replaces is dropped, so a live site keeps
an index for "new since your last visit" throughout and writes never wait.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("comments", "0012_body_html_help_text"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="comment",
            index=models.Index(
                condition=models.Q(("status", "published")),
                fields=["article", "created_at"],
                include=("author",),
                name="comment_published_since",
            ),
        ),
        RemoveIndexConcurrently(
            model_name="comment",
            name="comment_published_recent",
        ),
    ]
