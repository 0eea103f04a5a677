"""The moderation console: queues of comments, bulk acts, word lists and the audit log.

Every write goes through ``comments.services`` (the one writer of comments);
the console only reads, asks for reasons and reports counts. Moderators (the
"Moderators" group) have ``view_comment`` and ``can_moderate`` but not
``change_comment``: the change page is read-only for everyone, and every act
is an admin action gated on ``can_moderate``. Only superusers delete for good.

By topic: ``comments`` (the queues, assembled from ``columns``, ``actions``
and ``deletion``, with the ``inlines`` of its change page), ``flags``,
``word_rules``, ``reasons`` (the standard reasons every act's form offers),
``imports`` and ``exports`` (run as jobs, on ``runs``) and ``audit``;
``display`` words what the accounts admin shows too.
Helpers every app's admin uses are in ``trekboard.admin_utils``.

Django's autodiscovery imports this package only, so each module that
registers a ModelAdmin is imported here.
"""

from comments.admin import audit, exports, flags, imports, reasons, word_rules
from comments.admin.comments import CommentAdmin

__all__ = ["CommentAdmin", "audit", "exports", "flags", "imports", "reasons", "word_rules"]
