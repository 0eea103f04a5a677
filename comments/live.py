"""Live "new comments" for a reader with an article open (issue 16): what the poll reads.

While a discussion's version (``pagecache``) is the one the reader's page
was drawn under, the poll answers from the cache alone. Only when it moved on
are the comments counted here: published ones on the article written since
the page was drawn, by anyone but the reader (their own are on their page
already). "Show them" reads the same comments, oldest first, as the threads
draw them, with their parents' authors for "reply to" lines.
"""

from __future__ import annotations

from datetime import datetime

from comments import pagecache, selectors
from comments.display import ShownComment
from comments.models import Comment
from comments.ranking import DEFAULT_SORT, sort_from
from trekboard.inputs import id_from

SHOWN_AT_ONCE = 50


class Poll:
    """What a poll says about the page it comes from."""

    def __init__(self, query) -> None:
        self.version = query.get("v", "")
        self.sort = sort_from(query.get("sort")) or DEFAULT_SORT
        self.reader = id_from(query.get("u"))
        # A moment in nanoseconds: 19 digits, one more than id_from takes.
        inbox = query.get("inbox", "")
        self.inbox = int(inbox) if inbox.isascii() and inbox.isdigit() and len(inbox) <= 20 else 0
        try:
            self.since = datetime.fromisoformat(query.get("since", ""))
        except ValueError:
            self.since = None
        if self.since is not None and self.since.tzinfo is None:
            self.since = None

    def quiet(self, article_id: int) -> bool | None:
        """True while nothing changed for this page; None when the cache can't say."""
        if self.since is None:
            return False
        version, inbox = pagecache.live_versions(article_id, self.reader)
        if version is None:
            return None
        return version == self.version and (
            self.reader is None or inbox is None or inbox <= self.inbox
        )


def _new(*, article_id: int, since: datetime, user):
    comments = Comment.objects.filter(
        article_id=article_id, status=Comment.Status.PUBLISHED, created_at__gt=since
    )
    if user.is_authenticated:
        comments = comments.exclude(author_id=user.pk)
    return comments


def new_count(*, article_id: int, since: datetime, user) -> int:
    return _new(article_id=article_id, since=since, user=user).count()


def new_comments(
    *, article_id: int, since: datetime, user, watched: frozenset[int] = frozenset()
) -> list[ShownComment]:
    """The first ``SHOWN_AT_ONCE`` comments written since, oldest first, ready to draw."""
    rows = (
        _new(article_id=article_id, since=since, user=user)
        .select_related("author", "parent__author")
        .defer("search_text", "search_vector", "body", "ip_address")
        .order_by("created_at", "pk")[:SHOWN_AT_ONCE]
    )
    return selectors.for_reader(
        [ShownComment(comment) for comment in rows], user=user, watched=watched
    )
