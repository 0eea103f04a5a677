"""Thin views over comments.services and comments.selectors, by what the reader is doing.

* ``reading``: more threads, more replies, a comment's own page;
* ``posting``: post, reply, edit, delete, and the preview of each;
* ``reactions``: like, flag;
* ``inbox``: notifications and unsubscribe links;
* ``responses``: landings, refusals and 429s they share;
* ``search``: finding what was said;
* ``live``: "3 new comments" on an open page.

The article page itself is ``articles.views``, on ``comments.pages``.
"""

from comments.views.inbox import (
    inbox_mark_read_view,
    inbox_view,
    notification_open_view,
    unsubscribe_view,
)
from comments.views.live import live_show_view, live_view
from comments.views.posting import (
    comment_create_view,
    comment_delete_view,
    comment_edit_view,
    comment_preview_view,
    comment_reply_view,
)
from comments.views.reactions import comment_flag_view, comment_like_view
from comments.views.reading import (
    comment_detail_view,
    comment_page_view,
    comment_replies_view,
    comment_reveal_view,
)
from comments.views.responses import HELD_MESSAGE
from comments.views.search import search_view

__all__ = [
    "HELD_MESSAGE",
    "comment_create_view",
    "comment_delete_view",
    "comment_detail_view",
    "comment_edit_view",
    "comment_flag_view",
    "comment_like_view",
    "comment_page_view",
    "comment_preview_view",
    "comment_replies_view",
    "comment_reply_view",
    "comment_reveal_view",
    "inbox_mark_read_view",
    "inbox_view",
    "live_show_view",
    "live_view",
    "notification_open_view",
    "search_view",
    "unsubscribe_view",
]
