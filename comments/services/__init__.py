"""The writer layer: every change to a comment, one reader or moderator act at a time.

Views, admin actions, commands and the demo call these functions; forms only
validate. By topic:

* ``comments``: post, reply, edit, withdraw; the import's entry point;
* ``moderation``: approve, remove, spam, restore, hard delete, retro-spoiler
  and lifting it,
  dismiss flags, pin, pick, close a discussion, remove a spammer's comments;
* ``undo``: taking a queue decision back for a short while;
* ``reactions``: likes and flags;
* ``visits``: what is new to a returning reader, the remembered sort;
* ``notifications``: mentions, replies, moderators' notices, the inbox;
* ``screening``: word rules and the other reasons to hold a comment;
* ``rendering``: stored HTML rebuilt when the way text becomes HTML changes;
* ``status``: what a change of status keeps right (counters, pin, audit),
  shared by the modules above.

Rules (who may, what a body must be) are in ``comments.rules``; the tree's
locks and placement in ``comments.tree``, which these stand on. Suspending
readers is ``accounts.suspension``. Besides these, two writers insert
comments in bulk for good reasons: the import (``comments.importing.loader``)
and the discussion generator (``comments.generate``), both on
``comments.tree.build`` under the same lock.

The names below are re-exported so callers can write
``services.comment_create(...)``.
"""

from comments.services.comments import (
    DOUBLE_SUBMIT_WINDOW,
    PARENTS_MARK,
    comment_create,
    comment_delete,
    comment_edit,
    comment_preview,
    discussions_import,
)
from comments.services.moderation import (
    MODERATION,
    article_comments_set,
    comment_flags_dismiss,
    comment_hard_delete,
    comment_moderate,
    comment_pick,
    comment_pin,
    comment_retro_spoiler,
    comment_spoiler_lift,
    comment_spoils_mark,
    comment_status_set,
    is_spoilered,
    user_remove_all_comments,
)
from comments.services.notifications import (
    email_notifications_set,
    notice_author,
    notifications_mark_read,
)
from comments.services.reactions import comment_flag, comment_like_toggle, user_likes_withdraw
from comments.services.rendering import RerenderBatch, comment_bodies_rerender
from comments.services.screening import word_rule_delete, word_rule_save, word_rules_changed
from comments.services.undo import UNDO_WINDOW, decision_undo, undoable_decisions
from comments.services.visits import VISIT_GAP, Visit, article_visit_record, sort_remember

__all__ = [
    "DOUBLE_SUBMIT_WINDOW",
    "MODERATION",
    "PARENTS_MARK",
    "UNDO_WINDOW",
    "VISIT_GAP",
    "RerenderBatch",
    "Visit",
    "article_comments_set",
    "article_visit_record",
    "comment_bodies_rerender",
    "comment_create",
    "comment_delete",
    "comment_edit",
    "comment_flag",
    "comment_flags_dismiss",
    "comment_hard_delete",
    "comment_like_toggle",
    "comment_moderate",
    "comment_pick",
    "comment_pin",
    "comment_preview",
    "comment_retro_spoiler",
    "comment_spoiler_lift",
    "comment_spoils_mark",
    "comment_status_set",
    "decision_undo",
    "discussions_import",
    "email_notifications_set",
    "is_spoilered",
    "notice_author",
    "notifications_mark_read",
    "sort_remember",
    "undoable_decisions",
    "user_likes_withdraw",
    "user_remove_all_comments",
    "word_rule_delete",
    "word_rule_save",
    "word_rules_changed",
]
