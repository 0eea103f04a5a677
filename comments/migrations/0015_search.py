"""Full-text search of comments (issue 16): the text search reads, its vector and their index.

``search_text`` is a comment's text as readers see it with its spoilers left
out, written from then on with ``body_html``; this fills it for the comments
there are. The vector is a generated column over it, so it never lags the text.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models

from comments.sanitize import search_text

BATCH = 2000


def fill(apps, schema_editor):
    comment = apps.get_model("comments", "Comment")
    batch = []
    for pk, body_html in comment.objects.values_list("pk", "body_html").iterator(chunk_size=BATCH):
        batch.append(comment(pk=pk, search_text=search_text(body_html)))
        if len(batch) == BATCH:
            comment.objects.bulk_update(batch, ["search_text"])
            batch = []
    comment.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0005_search"),
        ("comments", "0014_body_format"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="search_text",
            field=models.TextField(db_default="", default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AddField(
            model_name="comment",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.contrib.postgres.search.SearchVector(
                    "search_text", config="english"
                ),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddIndex(
            model_name="comment",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="comment_search"
            ),
        ),
    ]
