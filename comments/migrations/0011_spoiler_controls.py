"""Stored spoilers become reveal controls (issue 12.4).

Comments written before stored each spoiler as a focusable span, which screen
readers read out with no warning. ``spoiler_controls`` rewrites just that
markup in the stored HTML (the rest is left byte for byte, so @mention links
keep the targets they had when written); running it twice changes nothing.
Pages cached before this ran still work: site.css and site.js keep handling
the old span until they expire.
"""

from django.db import migrations

from comments.sanitize import spoiler_controls


def upgrade(apps, schema_editor):
    for name in ("Comment", "CommentRevision"):
        model = apps.get_model("comments", name)
        rows = model.objects.filter(body_html__contains='class="spoiler"')
        for pk, body_html in rows.values_list("pk", "body_html").iterator():
            upgraded = spoiler_controls(body_html)
            if upgraded != body_html:
                model.objects.filter(pk=pk).update(body_html=upgraded)


class Migration(migrations.Migration):
    dependencies = [("comments", "0010_best_score_engagement")]

    operations = [migrations.RunPython(upgrade, migrations.RunPython.noop)]
