"""What the demo's readers do besides posting: like, edit, delete, flag and read.

Planned in memory like the discussion itself, then carried out by the command
through the services a reader's clicks call, so every counter they keep is
right. Likes come from a generator of their own: rewording one comment never
reshuffles who liked what elsewhere.

* Likes are uneven, as in any comment section: most comments get none or a
  couple, a few draw a crowd. Top-level comments get more than replies, and
  one-word replies hardly any.
* The canon argument is contested: each side's comments are liked by that
  side's regulars, never by the whole room.
* The editor's last visit to the lead article is placed so that about ten
  comments, the answers to their latest post among them, are new to them
  when they log in.

Particular comments are chosen by their exact text from ``lines``; a text that
appears more than once in a plan is a mistake there, and raises.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from articles.demo import lines
from articles.demo.discussion import PlannedComment
from articles.demo.people import Person

# The most likes a drawn comment can get, by how prominently it is shown.
LIKE_CAP_ROOT = 12
LIKE_CAP_REPLY = 6
LIKE_CAP_DEEP = 3
LIKE_CAP_SHORT = 2
# The higher, the rarer likes are and the more the few popular comments stand out.
LIKE_SKEW = 4

# Comments readers clearly loved, and how many of them liked each.
STANDOUTS: dict[str, int] = {
    lines.ESSAY_THREAD[0][2]: 21,  # a first-run viewer remembers 1987
    lines.CANON_ARGUMENT[10][2]: 16,  # the truce
    lines.PROPS_THREAD[0][2]: 13,  # prop watch
    lines.FINALE_SPOILERS[1][2]: 11,  # who really put the beacon out
    lines.PUN_CHAIN[0][2]: 10,
    lines.CANON_ARGUMENT[-1][2]: 9,  # "it was a bicycle wheel"
    lines.ABROAD_THREAD[3][2]: 8,  # the editor's answer about Orbitline
    lines.CHAIR_COUNT[1][2]: 7,  # the cupholder
    lines.FIRST_SHOW_POLL[0][2]: 6,
    lines.REVIEW_SPOILERS[1][2]: 5,
    # The latest posts, liked enough to make the first page in the Best sort.
    lines.EDITOR_UPDATE[0][2]: 6,
    lines.STAR_CHART: 4,
    lines.SPOILER_FREE_REQUEST[0][2]: 4,
    lines.TRAILER_LINK[0][2]: 3,
}

# Who backs whom in the canon argument.
CAMPS: dict[str, tuple[str, ...]] = {
    "canon_keeper": (
        "oldcoriolis",
        "retrofan_1987",
        "propmaster_pete",
        "starchart_sam",
        "tessellate",
        "kestrel_tv_sufferer",
    ),
    "vibes_not_canon": (
        "lumen_lily",
        "cadet_ravi",
        "midnight_rewatch",
        "margo_watches",
        "nebulanerd",
        "bulkhead_bea",
        "hollow_choir_apologist",
    ),
}
CAMP_LIKE_CHANCE = 0.55

# How many comments on the lead article are new to the editor at their next visit.
NEW_SINCE_LAST_VISIT = 15
# The editor left the page a couple of minutes after posting.
VISIT_LENGTH = timedelta(minutes=2)


@dataclass(frozen=True)
class Flag:
    comment: PlannedComment
    username: str
    reason: str
    text: str


@dataclass(frozen=True)
class Visit:
    """A reader's reading state on one article: when their last two visits began."""

    article_slug: str
    username: str
    previous_seen_at: datetime | None
    last_seen_at: datetime


@dataclass
class Activity:
    likes: list[tuple[PlannedComment, str]] = field(default_factory=list)
    edits: list[tuple[PlannedComment, str]] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    deletions: list[PlannedComment] = field(default_factory=list)
    visit: Visit | None = None


class _ByText:
    """Find scripted comments in a plan by their text."""

    def __init__(self, plan: Sequence[PlannedComment]) -> None:
        self._found: dict[str, list[PlannedComment]] = {}
        for comment in plan:
            self._found.setdefault(comment.body, []).append(comment)

    def get(self, text: str) -> PlannedComment | None:
        """The comment with this text, or None when its article isn't in this plan."""
        found = self._found.get(text, [])
        if len(found) > 1:
            raise ValueError(f"{len(found)} planned comments read {text[:40]!r}; expected one.")
        return found[0] if found else None


def plan_activity(
    *,
    rng: random.Random,
    plan: Sequence[PlannedComment],
    people: Sequence[Person],
    visit_article: str,
    visitor: str,
) -> Activity:
    """Everything readers do to the planned comments once they are posted.

    ``people`` are everyone who may like a comment; ``visitor`` is the reader
    whose last visit to ``visit_article`` is planned (when they commented there).
    """
    by_text = _ByText(plan)
    activity = Activity()
    for text, revised in lines.EDITS.items():
        if (comment := by_text.get(text)) is not None:
            activity.edits.append((comment, revised))
    for text in lines.DELETED_BY_AUTHOR:
        if (comment := by_text.get(text)) is not None:
            activity.deletions.append(comment)
    for text, username, reason, note in lines.FLAGS:
        if (comment := by_text.get(text)) is not None:
            activity.flags.append(Flag(comment, username, reason, note))

    standouts = {}
    for text, count in STANDOUTS.items():
        if (comment := by_text.get(text)) is not None:
            standouts[comment] = count
    argument = {
        comment
        for _, author, text in lines.CANON_ARGUMENT
        if author in CAMPS and (comment := by_text.get(text)) is not None
    }
    withdrawn = set(activity.deletions)
    for comment in plan:
        if comment in withdrawn:
            continue  # nobody liked what its author soon took back
        if comment in standouts:
            likers = _pick(rng, people, standouts[comment], avoid=comment.author)
        elif comment in argument:
            likers = [name for name in CAMPS[comment.author] if rng.random() < CAMP_LIKE_CHANCE]
        else:
            likers = _pick(rng, people, _drawn_likes(rng, comment), avoid=comment.author)
        activity.likes += [(comment, username) for username in likers]

    activity.visit = _last_visit(plan, article_slug=visit_article, username=visitor, gone=withdrawn)
    return activity


def _drawn_likes(rng: random.Random, comment: PlannedComment) -> int:
    if comment.body in lines.SHORT_REPLIES:
        cap = LIKE_CAP_SHORT
    elif comment.parent is None:
        cap = LIKE_CAP_ROOT
    elif comment.level == 1:
        cap = LIKE_CAP_REPLY
    else:
        cap = LIKE_CAP_DEEP
    return int(cap * rng.random() ** LIKE_SKEW)


def _pick(rng: random.Random, people: Sequence[Person], count: int, *, avoid: str) -> list[str]:
    """``count`` different people, the more active more likely (never the author)."""
    if count <= 0:
        return []
    candidates = [person for person in people if person.username != avoid]
    # Weighted sampling without replacement (Efraimidis and Spirakis).
    ranked = sorted(candidates, key=lambda person: rng.random() ** (1 / person.activity))
    return [person.username for person in ranked[-count:]]


def _last_visit(
    plan: Sequence[PlannedComment], *, article_slug: str, username: str, gone: set[PlannedComment]
) -> Visit | None:
    """When ``username`` last read the article: just after their latest comment there.

    Moved later if needed, so that no more than ``NEW_SINCE_LAST_VISIT``
    comments by others are newer. Their previous visit was when they first
    commented on it.
    """
    on_article = [comment for comment in plan if comment.article_slug == article_slug]
    own = sorted(comment.at for comment in on_article if comment.author == username)
    if not own:
        return None
    others = sorted(
        (c.at for c in on_article if c.author != username and c not in gone), reverse=True
    )
    last_seen = own[-1] + VISIT_LENGTH
    if len(others) > NEW_SINCE_LAST_VISIT:
        last_seen = max(last_seen, others[NEW_SINCE_LAST_VISIT])
    previous = own[0] if len(own) > 1 else None
    return Visit(article_slug, username, previous, last_seen)
