"""Best as engagement with age decay, not Wilson with replies as the negative outcome.

Recomputes every stored ``best_score`` in one statement, with the formula of
``comments.ranking.best_score`` written out in SQL (a migration must not change
when that module does):

    log2(1 + likes + replies / 2) + (created_at - 2000-01-01 UTC) / 3 days

and 0 for a comment with neither likes nor replies (an older created_at counts
as 2000-01-01).

Backwards it puts back the old score, the Wilson lower bound (z for 95%) of
likes out of likes + direct replies.
"""

from django.db import migrations

ENGAGEMENT = """
UPDATE comments_comment
SET best_score = CASE WHEN like_count + reply_count = 0 THEN 0 ELSE
    log(2.0, 1 + like_count + 0.5 * reply_count)::double precision
    + (greatest(extract(epoch FROM created_at) - 946684800, 0) / 259200)::double precision
END
"""

# n reactions, p the share of likes, z for 95% (as comments.ranking used).
_N = "(like_count + reply_count)::double precision"
_P = f"(like_count / {_N})"
_Z = "1.959963984540054"
WILSON = f"""
UPDATE comments_comment
SET best_score = CASE WHEN like_count + reply_count = 0 THEN 0 ELSE
    ({_P} + {_Z} * {_Z} / (2 * {_N})
     - {_Z} * sqrt(({_P} * (1 - {_P}) + {_Z} * {_Z} / (4 * {_N})) / {_N}))
    / (1 + {_Z} * {_Z} / {_N})
END
"""  # noqa: S608 - our own constants, no input


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0009_spaced_intervals"),
    ]

    operations = [
        migrations.RunSQL(ENGAGEMENT, reverse_sql=WILSON),
    ]
