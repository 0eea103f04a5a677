"""Generate a large, realistic discussion for benchmarks and load tests.

Pages, caches and moderation tools have to be tried on discussions far bigger
than the demo's: 100,000 comments, threads thousands long, arguments dozens
of replies deep. ``discussion_generate`` writes one in under a minute. It is
planned in memory first (``plan``: pure Python, seeded, so a seed always gives
the same discussion, its texts drawn from ``text``) and then written in bulk
like the import (``write``, on ``comments.tree.build``): every tree field and
counter is computed before ``bulk_create``, and the trees written are checked
(``comments.tree.integrity``) before the commit. Nothing is written through
``comments.services`` (which would take hours), so no notifications, audit
entries or moderation screens happen.

What a generated discussion looks like:

* **Threads.** About ``ROOT_SHARE`` of the comments are top-level. A reply
  picks its parent among the recent comments, preferring the liked and the
  shallow (a few recent comments are drawn, then one is chosen weighted by
  its appeal and ``DEPTH_DECAY ** level``), so threads grow while they are
  hot and most replies sit 1-4 deep. Some replies start a back-and-forth
  between two readers, whose length has a long tail; that makes the few
  chains more than ten deep. From ``LONG_CHAIN_MIN_COMMENTS`` comments on,
  one argument at least ``LONG_CHAIN_DEPTH[0]`` replies deep is always there.
* **Readers.** ``USER_COUNT`` readers named ``reader-gen-001`` and so on,
  created on first use with unusable passwords and reused by every later
  run. A few post a lot and most a little; nobody replies to themselves.
* **Text.** Bodies are drawn from a pool composed from fixed fragments:
  one-word replies and essays, shorthand, emoji, links, quotes, ``||spoilers||``
  and the odd ``@mention`` of the reader replied to. Each distinct body is
  sanitized once (``sanitize_comment`` is most of the cost of a comment).
* **Dates.** Spread from the article's publication to now, busiest in the
  first days; every reply is later than its parent, and no two comments
  share a date.
* **Statuses.** Mostly published; ``PENDING_SHARE`` wait for moderation (and
  have no replies), ``REMOVED_SHARE`` were removed by a moderator, and
  ``DELETED_SHARE`` of the comments with replies were deleted by their
  author (kept for their replies). Counters count published comments only.
* **Likes.** Skewed: most comments have none, a few have a hundred or more.
  Only published comments are liked, never by their author; ``like_count``
  and ``best_score`` agree with the ``CommentLike`` rows.

Generating on an article that already has comments adds the new comments
as new threads (replies only among the new ones), so stored threads are
never renumbered; the same seed then repeats the same discussion.
"""

from comments.generate.plan import USER_COUNT, USERNAME_FORMAT, PlannedComment, plan_discussion
from comments.generate.write import (
    GenerationIntegrityError,
    GenerationSummary,
    discussion_generate,
    generated_usernames,
)

__all__ = [
    "USERNAME_FORMAT",
    "USER_COUNT",
    "GenerationIntegrityError",
    "GenerationSummary",
    "PlannedComment",
    "discussion_generate",
    "generated_usernames",
    "plan_discussion",
]
