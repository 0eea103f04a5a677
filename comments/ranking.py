"""How threads are ordered: the four sorts a reader can pick, and the "Best" score.

Best ranks a comment by how much readers engaged with it, counting recent
engagement for more, as Reddit's and Hacker News's front pages rank stories::

    best = log2(1 + likes + replies / 2) + (created_at - BEST_EPOCH) / DOUBLING_TIME

and 0 while a comment has neither likes nor replies. One point per doubling of
engagement, one point per three days of age: a comment posted three days later
ties with one that has twice its engagement (counting the ``1 +``). Within a
day Best is close to "most engaged first" (eight hours are worth 8% more
engagement); over a discussion of a week a newer comment can climb past older
ones readers passed over, so the earliest comments don't keep the top for ever
just for having been seen first, while the week's most liked comments stay
near the top. (Reddit's front page halves a story's weight every 3.8 hours,
which on a discussion that lasts days would put an afternoon's comments with
two likes above the week's best.)

A comment no one has liked or answered yet has nothing to rank it by, so it
scores 0 (the column's default, what a new comment is stored with) and waits
below the rest in the order comments were posted, as under the old score: a
young thread with no likes reads in order, and "more replies" pages by offset
stay put when a new reply arrives at the end. Its first like or reply lifts it
above 0 and into place by its age, where youth counts for it.

Why engagement and not approval. Trekboard has likes but no downvotes and
records no views, so there is no "not liked" to weigh likes against. Best used
to be Reddit's comment sort, the Wilson lower bound for the share of likes,
with each direct reply standing in for a not-like: one reply then moved a
9-like comment from second place to eighth, and every answer a comment drew
pushed it down. Here a reply counts for the comment it answers, like a like:

* a like or a reply never lowers a comment's score, so it never lowers its
  place among its siblings (it can only pass others), and no one else's score
  moves;
* a reply counts half a like: it shows the comment was worth answering, but it
  may be an objection, and one reader can write several, where a like is one
  reader's approval, given once;
* the logarithm makes the first few likes matter and the five-hundredth hardly:
  a thread with 40 likes is not 20 times "better" than one with 2.

Why it can be stored. Time normally means recomputing every score as the clock
moves. Comparing two scores, though, is comparing ``(1 + engagement)`` halved
for every three days since each comment was posted: a decay that shrinks every
comment by the same factor as time passes, so their order never changes. The
age term is therefore a constant per comment, and ``best_score`` changes only
when a like or a published direct reply does, in the service that changes
them, under the same row lock. It stays one indexed float column that the
pages sort on.

Ties (comments with no engagement yet, or equal engagement posted at the same
instant) go to the earlier comment, then the lower id, as ``ORDER_COLUMNS``
says, so paging with OFFSET is stable.

Migration ``comments/0010_best_score_engagement`` computed the stored scores
with this formula in SQL; change the formula and write a migration like it.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from django.db import models

# A reply counts this much of a like (see the module docstring).
REPLY_WEIGHT = 0.5
# A comment posted this much later ties with one that has twice its engagement:
# about as long as an article's discussion stays busy.
DOUBLING_TIME = timedelta(days=3)
# Where the age term is zero; anything older counts as posted then, so an engaged
# comment always scores above 0. Any instant before the comments gives the same
# order; a recent one keeps the scores small (about 3,300 in 2026), so comments
# a microsecond apart still get different floats.
BEST_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class Sort(models.TextChoices):
    BEST = "best", "Best"
    TOP = "top", "Top"
    NEWEST = "newest", "Newest"
    OLDEST = "oldest", "Oldest"


DEFAULT_SORT = Sort.BEST

# ORDER BY for each sort (the only strings that reach the SQL), with the
# primary key last so that paging with OFFSET is stable. Ties in Best and Top
# go to the earlier comment, which keeps a young thread in reading order.
ORDER_COLUMNS = {
    Sort.BEST: (("best_score", "DESC"), ("created_at", "ASC"), ("id", "ASC")),
    Sort.TOP: (("like_count", "DESC"), ("created_at", "ASC"), ("id", "ASC")),
    Sort.NEWEST: (("created_at", "DESC"), ("id", "DESC")),
    Sort.OLDEST: (("created_at", "ASC"), ("id", "ASC")),
}


def order_sql(sort: Sort, alias: str) -> str:
    return ", ".join(f"{alias}.{column} {direction}" for column, direction in ORDER_COLUMNS[sort])


def engagement(*, likes: int, replies: int) -> float:
    """Likes plus published direct replies, a reply weighing ``REPLY_WEIGHT`` of a like."""
    return likes + REPLY_WEIGHT * replies


def best_score(*, likes: int, replies: int, created_at: datetime) -> float:
    """The stored "Best" key of a comment with these counts, posted at ``created_at``.

    Never lower for more likes or more replies; see the module docstring.
    """
    engaged = engagement(likes=likes, replies=replies)
    if engaged <= 0:
        return 0.0
    age = max(created_at - BEST_EPOCH, timedelta(0))
    return math.log2(1 + engaged) + age / DOUBLING_TIME


def sort_from(value: str | None) -> Sort | None:
    """The sort a query string names, or None when it names none we know."""
    try:
        return Sort(value)
    except ValueError:
        return None
