"""How threads are ordered: the four sorts a reader can pick, and the "Best" score.

Best is the lower bound of the Wilson score confidence interval for the share
of "approving" reactions, as in Reddit's "best" sort: it ranks a comment by
how sure we can be that readers like it, so 40 likes out of 50 reactions beats
2 out of 2, and a brand-new comment is not buried for ever by one early like.

Trekboard has likes but no downvotes and does not record who viewed what, so
the other side of the ratio is **replies**: each published direct reply counts
as an engagement that was not a like. A comment that draws a long argument but
few likes is contested and ranks below one readers simply agreed with.
"""

from __future__ import annotations

import math

from django.db import models

# 95% confidence, as Reddit uses.
Z = 1.959963984540054


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


def wilson_lower_bound(positive: int, total: int, z: float = Z) -> float:
    """Lower bound of the Wilson score interval for ``positive`` out of ``total``."""
    if total <= 0:
        return 0.0
    phat = positive / total
    z2 = z * z
    centre = phat + z2 / (2 * total)
    margin = z * math.sqrt((phat * (1 - phat) + z2 / (4 * total)) / total)
    return (centre - margin) / (1 + z2 / total)


def best_score(*, likes: int, replies: int) -> float:
    return wilson_lower_bound(likes, likes + replies)


def sort_from(value: str | None) -> Sort | None:
    """The sort a query string names, or None when it names none we know."""
    try:
        return Sort(value)
    except ValueError:
        return None
