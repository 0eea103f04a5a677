"""A comment as one reader sees it on one page: the typed object every page and fragment draws.

The selectors make these (``comments.selectors.discussion`` and its
siblings), the views add what only they know (``is_new`` on a comment just
posted), and ``comments.render`` turns them into markup without a query. The
row itself is ``comment``; everything else here belongs to this reader and
this page, never to the row, so a ``Comment`` read elsewhere carries none of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from articles.releases import Airings
from comments.models import Comment


@dataclass(slots=True, eq=False)
class ShownComment:
    comment: Comment
    # The replies linked under it on this page, in the page's sort.
    replies: list[ShownComment] = field(default_factory=list)
    more_replies: int = 0  # replies not shown: one "N more replies" link away
    next_offset: int = 0  # where that link continues
    continue_thread: bool = False  # replies exist below the depth cap or past the page's budget
    # What this reader may see and do.
    liked: bool = False
    is_own: bool = False
    shows_text: bool = False
    editable: bool = False
    deletable: bool = False
    is_unseen: bool = False  # written by someone else since the reader's previous visit
    is_new: bool = False  # just posted in this request
    # The release it is marked as spoiling, with its airings (None: unmarked),
    # whether this reader said they've watched it, and so whether its text is
    # covered for them (``selectors.for_reader`` decides).
    airings: Airings | None = None
    watched: bool = False
    covered: bool = False

    # The few row values templates read directly (the renderer reads ``comment``).
    @property
    def pk(self) -> int:
        return self.comment.pk

    @property
    def parent_id(self) -> int | None:
        return self.comment.parent_id

    @property
    def author(self):
        return self.comment.author

    @property
    def body_html(self) -> str:
        return self.comment.body_html


def walk(nodes: Iterable[ShownComment]) -> Iterator[ShownComment]:
    """Every comment in these trees, parents before their replies."""
    # A stack rather than nested generators: a reply seven levels down would
    # otherwise pass through seven generators on its way out.
    stack = list(nodes)
    stack.reverse()
    while stack:
        node = stack.pop()
        yield node
        if node.replies:
            stack.extend(reversed(node.replies))
