"""Generate a large, realistic discussion for benchmarks and load tests.

Pages, caches and moderation tools have to be tried on discussions far bigger
than the demo's: 100,000 comments, threads thousands long, arguments dozens
of replies deep. ``discussion_generate`` writes one in under a minute. It is
planned in memory first (pure Python, seeded, so a seed always gives the same
discussion) and then written in bulk like the import (``comments.treebuild``):
every tree field and counter is computed before ``bulk_create``, and the
trees written are checked with ``check_comment_tree``'s queries before the
commit. Nothing is written through ``comments.services`` (which would take
hours), so no notifications, audit entries or moderation screens happen.

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

from __future__ import annotations

import math
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from articles.models import Article
from articles.services import article_save
from comments import pagecache
from comments.management.commands.check_comment_tree import find_violations
from comments.models import Comment, CommentLike
from comments.ranking import best_score
from comments.sanitize import mentioned_names, normalize, sanitize_comment
from comments.services import article_comment_counts_refresh
from comments.treebuild import TreeNode, allocate_comment_ids, first_free_tree_id, number_tree

ROOT_SHARE = 0.3
USER_COUNT = 200
USERNAME_FORMAT = "reader-gen-{:03d}"
# How old a new article is made: the discussion is spread over its lifetime.
NEW_ARTICLE_AGE = timedelta(days=7)

# Choosing a parent: CANDIDATES recent comments are drawn, the gap back from
# the newest exponential with mean RECENT_WINDOW (+ a share of the comments
# so far, as a big discussion has more going on at once), and one is picked
# with weight (APPEAL_BASE + appeal) * DEPTH_DECAY ** level.
CANDIDATES = 3
RECENT_WINDOW = 30
RECENT_WINDOW_SHARE = 0.01
APPEAL_BASE = 0.3
DEPTH_DECAY = 0.6
# The rest (HOT_SHARE of the replies) answer a hot comment: one drawn from the
# last HOT_WINDOW_SHARE of the comments so far (at least HOT_WINDOW_MIN) with
# weight appeal ** 2 * DEPTH_DECAY ** level, so a well-liked comment keeps
# drawing replies for a while and collects hundreds in a big discussion.
HOT_SHARE = 0.2
HOT_WINDOW_SHARE = 0.05
HOT_WINDOW_MIN = 200
# Back-and-forths: a reply starts one with CONVERSATION_START, and a reply
# continues a running one with CONVERSATION_SHARE. Their lengths are Pareto
# distributed (shape CONVERSATION_TAIL), at most CONVERSATION_MAX.
CONVERSATION_START = 0.06
CONVERSATION_SHARE = 0.12
CONVERSATION_TAIL = 1.4
CONVERSATION_MAX = 60
LONG_CHAIN_MIN_COMMENTS = 100
LONG_CHAIN_DEPTH = (12, 20)
# How readers' activity is skewed: reader k posts in proportion to 1 / k**AUTHOR_SKEW.
AUTHOR_SKEW = 0.9
# Appeal is Pareto distributed (shape APPEAL_TAIL) minus one: mostly near 0, a few huge.
APPEAL_TAIL = 1.6
LIKES_PER_APPEAL = 1.4
TOP_LEVEL_EXPOSURE = 1.5
PENDING_SHARE = 0.01
REMOVED_SHARE = 0.01
DELETED_SHARE = 0.03
MENTION_SHARE = 0.05
REMOVAL_REASONS = ("Personal attack", "Spam link", "Off-topic", "Unmarked spoiler")
# Dates: a share of the comments come evenly over the article's life, the
# rest decay exponentially from publication (mean: a fifth of its life).
STEADY_SHARE = 0.15
BODY_POOL = 1500
BATCH_SIZE = 5000

# --- What the readers say ------------------------------------------------------

SHORT = (
    "This.",
    "Agreed.",
    "lol",
    "Came here to say this.",
    "Exactly!",
    "Source?",
    "Hard disagree.",
    "Same.",
    "Underrated comment.",
    "+1",
    "Ha! Fair.",
    "Not sure about that…",
    "Make it so.",
    "Fascinating.",
    "*Engage.*",
    "`citation needed`",
    "Wait, really?",
    "Nope.",
    "100% this",
    "Thank you! Finally someone said it.",
    "**Yes.**",
    "I laughed way too hard at this",
    "Oh no.",
    "Can confirm.",
    "That's… actually a good point.",
    "Counterpoint: no.",
    "Chef's kiss.",
    "Bold of you to assume the writers planned that far ahead.",
    "ok but *why*",
    "Noted!",
)
SENTENCES = (
    "The ending of that episode still gets me every time.",
    "I rewatched the whole season last weekend and it holds up better than I remembered.",
    "Honestly the *pacing* was off in the middle act, but the last ten minutes saved it.",
    "The captain's speech in the finale is the best scene the show has done.",
    "Nobody talks about the sound design enough: the hum of the engines does half the work.",
    "I ~~hated~~ loved the new uniforms once I saw them in motion.",
    "The science officer deserves a whole episode, not just a B-plot.",
    "That shot of the ship drifting past the nebula was **gorgeous**.",
    "I'm not convinced the timeline in this episode actually works.",
    "The first season was rough, but it found its feet by the midseason two-parter.",
    "Every time someone says the shields will hold, I check how many minutes are left.",
    "The chief engineer's one-liners are carrying the whole show right now.",
    "Did anyone else notice the bridge set was redressed from last season?",
    "This is exactly why I keep telling people to start with season two.",
    "I think the writers are setting up something big for the finale.",
    "The villain finally has a motive that makes sense, and it's about time.",
    "My partner doesn't even like science fiction and she binged all of it.",
    "The score in the cold open is doing some *very* heavy lifting.",
    "It's a character piece disguised as an action episode, and I'm here for it.",
    "I'd happily watch a whole series that's just the crew in the mess hall.",
    "The practical effects in the cave scene looked better than most of the CGI.",
    "Maybe I'm alone here, but the B-plot was the stronger story.",
    "The doctor's bedside manner is the funniest running joke on the show.",
    "That cliffhanger is going to make the wait until autumn *unbearable*.",
    "The continuity nerds are going to have a field day with that stardate.",
    "Half the fun is watching the cast clearly enjoy themselves.",
    "The trailer gave away way too much, as usual.",
    "I've changed my mind about the first officer three times this season.",
    "The alien makeup has come a long way since the early days.",
    "The episode title is a reference to the original pilot, which is a lovely touch.",
    "It's not perfect, but it's the most fun I've had with the franchise in years.",
    "The **transporter** accident plot is a classic for a reason.",
    "Can we get a spin-off for the two ensigns from the cargo bay scene?",
    "The dialogue in the briefing room felt like it was written by a committee.",
    "Watching it with subtitles on, you catch so many throwaway lines.",
    "I think the show works best when it slows down and lets scenes breathe.",
    "The fight choreography was a lot better than last season's.",
    "That guest star was wasted in such a small role.",
    "The holodeck episodes are always either brilliant or terrible, no middle ground.",
    "The cinematography in the desert planet scenes was stunning.",
    "The new ship's interior finally feels like somewhere people actually live.",
    "I had to pause it twice just to process that twist.",
    "Nitpick: the shuttle couldn't possibly have made it there in a day.",
    "It reminds me of the best of the old anthology episodes.",
    "The cast chemistry is what keeps me coming back.",
    "You can tell which episodes had the bigger budget.",
    "The politics subplot is finally getting interesting.",
    "I appreciate that the show trusts its audience to keep up.",
    "The season arc has been a slow burn, but it's paying off now.",
    "The comedy episode was a welcome break after three heavy ones in a row.",
)
SPOILERS = (
    "Don't read this if you haven't seen the finale: ||the captain doesn't make it||.",
    "The twist at the end? ||It was the admiral all along.||",
    "Spoiler for the midseason episode: ||the ship gets destroyed and they switch to a new one||.",
    "I called it in week one: ||the doctor is a changeling||.",
    "Anyone else cry when ||the engineer stayed behind to seal the breach||?",
    "Minor spoiler: ||the old captain has a cameo in the last scene||.",
    "||They bring back the time-travel plot||, which is either brilliant or a disaster.",
    "Heads up, ||the cliffhanger isn't resolved until next season||.",
)
LINKS = (
    "There's a good write-up at https://example.org/reviews/season-finale about it.",
    "The production notes are here: https://example.com/behind-the-scenes/ship-design",
    "Interview with the showrunner: https://example.net/interviews/showrunner-2025",
    "Relevant: https://example.org/wiki/Episode_42",
    "Someone made a timeline of every stardate: https://example.com/timeline",
    "The score is on the soundtrack album, https://example.net/music/season-3 if you're curious.",
)
EMOJI = (" 🖖", " 🚀", " 😂", " 👍", " ✨", " 🤔", " 😭", " 🙌", " 👀", " 🔥")
OPENERS = (
    "Honestly, ",
    "Okay, hear me out: ",
    "Hot take: ",
    "Maybe unpopular, but ",
    "I keep thinking that ",
    "For what it's worth, ",
    "",
    "",
    "",
    "",
)
TOP_KINDS = {"short": 4, "one": 30, "two": 30, "long": 20, "spoiler": 9, "link": 7}
REPLY_KINDS = {"short": 35, "one": 28, "two": 15, "long": 7, "quote": 9, "spoiler": 3, "link": 3}


class _Bodies:
    """A pool of comment texts for top-level comments and one for replies.

    A finite pool, so the HTML of each text is worked out once however many
    comments use it; mentions make a few more texts, cached the same way.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.top = [self._compose(TOP_KINDS) for _ in range(BODY_POOL)]
        self.replies = [self._compose(REPLY_KINDS) for _ in range(BODY_POOL)]

    def _sentence(self) -> str:
        rng = self.rng
        sentence = rng.choice(SENTENCES)
        opener = rng.choice(OPENERS)
        if opener:
            sentence = opener + sentence[0].lower() + sentence[1:]
        return sentence

    def _compose(self, kinds: dict[str, int]) -> str:
        rng = self.rng
        kind = rng.choices(list(kinds), weights=list(kinds.values()))[0]
        if kind == "short":
            text = rng.choice(SHORT)
        elif kind == "one":
            text = self._sentence()
        elif kind == "two":
            text = f"{self._sentence()} {rng.choice(SENTENCES)}"
        elif kind == "long":
            paragraphs = [
                " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(2, 4)))
                for _ in range(rng.randint(2, 4))
            ]
            if rng.random() < 0.3:
                paragraphs.append(f"**tl;dr:** {rng.choice(SHORT)}")
            text = "\n\n".join(paragraphs)
        elif kind == "quote":
            text = f"> {rng.choice(SENTENCES)}\n\n{self._sentence()}"
        elif kind == "spoiler":
            text = f"{rng.choice(SPOILERS)} {rng.choice(SENTENCES)}"
        else:
            text = f"{self._sentence()}\n{rng.choice(LINKS)}"
        if rng.random() < 0.15:
            text += rng.choice(EMOJI)
        return normalize(text)


# --- The plan --------------------------------------------------------------------


class PlannedComment(TreeNode):
    """A comment to write. ``author`` and ``likers`` are reader numbers (0 to USER_COUNT - 1)."""

    __slots__ = ("appeal", "author", "body", "likers", "moderation_reason")

    def __init__(self, *, order: int) -> None:
        super().__init__(order=order)
        self.author = 0
        self.body = ""
        self.appeal = 0.0
        self.likers: list[int] = []
        self.moderation_reason = ""


class _Conversation:
    """Two readers answering each other: each reply goes under the last."""

    __slots__ = ("forced", "readers", "remaining", "tip")

    def __init__(
        self, *, tip: PlannedComment, other: int, remaining: int, forced: bool = False
    ) -> None:
        self.tip = tip
        self.readers = (tip.author, other)
        self.remaining = remaining
        self.forced = forced

    def next_author(self) -> int:
        first, second = self.readers
        return second if self.tip.author == first else first


def _timeline(rng: random.Random, n: int, start: datetime, end: datetime) -> list[datetime]:
    """``n`` dates between ``start`` and ``end``, ascending, no two the same."""
    span = int((end - start) / timedelta(microseconds=1))
    if span < 2 * n:
        raise ValidationError("The article is too young to hold that many comments.")
    tau = span / 5
    tail = 1 - math.exp(-span / tau)
    offsets = []
    for _ in range(n):
        if rng.random() < STEADY_SHARE:
            offsets.append(int(rng.random() * span))
        else:  # the inverse of the exponential distribution, cut off at the span
            offsets.append(int(-tau * math.log(1 - rng.random() * tail)))
    offsets.sort()
    previous = 0
    for i, offset in enumerate(offsets):
        if offset <= previous:
            offsets[i] = offset = previous + 1
        previous = offset
    if offsets[-1] >= span:  # squeezed against the end: shift the last ones back
        for i in range(n - 1, -1, -1):
            limit = span - (n - i)
            if offsets[i] <= limit:
                break
            offsets[i] = limit
    return [start + timedelta(microseconds=offset) for offset in offsets]


class _Weights:
    """Weights by position with O(log n) update and weighted draw (a Fenwick tree)."""

    def __init__(self, n: int) -> None:
        self.tree = [0.0] * (n + 1)
        self.weights = [0.0] * n
        self.total = 0.0
        self.top = 1 << max(n.bit_length() - 1, 0)

    def set(self, index: int, weight: float) -> None:
        delta = weight - self.weights[index]
        self.weights[index] = weight
        self.total += delta
        i = index + 1
        while i < len(self.tree):
            self.tree[i] += delta
            i += i & -i

    def draw(self, rng: random.Random) -> int | None:
        """A position drawn with probability proportional to its weight; None if all are 0."""
        if self.total <= 1e-9:
            return None
        target = rng.random() * self.total
        position, step = 0, self.top
        while step:
            following = position + step
            if following < len(self.tree) and self.tree[following] < target:
                position = following
                target -= self.tree[following]
            step >>= 1
        return min(position, len(self.weights) - 1)  # float rounding can overshoot


class _Planner:
    """Lays out the discussion comment by comment, in posting order (see the module docstring)."""

    def __init__(self, *, comments: int, seed: int, start: datetime, end: datetime) -> None:
        self.n = comments

        # One generator per aspect, so that tuning one aspect leaves the others alone.
        def rng(aspect: str) -> random.Random:
            return random.Random(f"trekboard-generate:{seed}:{aspect}")  # noqa: S311

        self.shape = rng("shape")
        self.authors = rng("authors")
        self.texts = rng("texts")
        self.statuses = rng("statuses")
        self.likes = rng("likes")
        self.dates = _timeline(rng("dates"), comments, start, end)
        self.bodies = _Bodies(self.texts)
        weights = [1 / (k + 1) ** AUTHOR_SKEW for k in range(USER_COUNT)]
        self.author_weights = [sum(weights[: k + 1]) for k in range(USER_COUNT)]
        self.nodes: list[PlannedComment] = []
        self.conversations: list[_Conversation] = []
        self.forced: _Conversation | None = None
        self.long_chain_at = comments // 3 if comments >= LONG_CHAIN_MIN_COMMENTS else -1
        self.hot = _Weights(comments)
        self.hot_window = max(HOT_WINDOW_MIN, int(comments * HOT_WINDOW_SHARE))

    def plan(self) -> list[PlannedComment]:
        for i in range(self.n):
            if i >= self.hot_window:  # too old to be hot
                self.hot.set(i - self.hot_window, 0.0)
            node = self._comment(i)
            self.nodes.append(node)
            if node.status == Comment.Status.PUBLISHED:
                self.hot.set(i, node.appeal**2 * DEPTH_DECAY**node.level)
        self._moderate()
        self._like()
        return self.nodes

    def _comment(self, i: int) -> PlannedComment:
        shape = self.shape
        node = PlannedComment(order=i)
        node.created_at = self.dates[i]
        node.status = Comment.Status.PUBLISHED
        node.appeal = shape.paretovariate(APPEAL_TAIL) - 1
        forced = self.forced
        conversation = None  # the back-and-forth this comment is the latest of
        if forced is not None and forced.remaining >= self.n - i:
            conversation = self._continue(node, forced)  # the long chain must be finished
        elif i == self.long_chain_at:
            self._top_level(node)
            other = self._author(avoid=node.author)
            depth = shape.randint(*LONG_CHAIN_DEPTH)
            conversation = _Conversation(tip=node, other=other, remaining=depth, forced=True)
            self.forced = conversation
        elif i == 0 or shape.random() < ROOT_SHARE:
            self._top_level(node)
        elif forced is not None and shape.random() < 0.3:
            conversation = self._continue(node, forced)
        elif self.conversations and shape.random() < CONVERSATION_SHARE:
            conversation = self._continue(node, shape.choice(self.conversations))
        else:
            parent = self._hot_parent() if shape.random() < HOT_SHARE else None
            parent = parent or self._recent_parent(i)
            if parent is None:
                self._top_level(node)
            else:
                self._reply(node, parent, author=self._author(avoid=parent.author))
                if shape.random() < CONVERSATION_START:
                    length = int(shape.paretovariate(CONVERSATION_TAIL))
                    conversation = _Conversation(
                        tip=node, other=parent.author, remaining=min(length, CONVERSATION_MAX)
                    )
                    self.conversations.append(conversation)
        forced_chain = conversation is not None and conversation.forced
        if self.statuses.random() < PENDING_SHARE and not forced_chain:
            # Held for moderation, so nobody saw it to answer: its back-and-forth ends.
            node.status = Comment.Status.PENDING
            if conversation in self.conversations:
                self.conversations.remove(conversation)
        return node

    def _top_level(self, node: PlannedComment) -> None:
        node.author = self._author()
        node.level = 0
        node.body = self._body(self.bodies.top, mention=None)

    def _reply(self, node: PlannedComment, parent: PlannedComment, *, author: int) -> None:
        node.author = author
        node.parent = parent
        node.level = parent.level + 1
        parent.children.append(node)
        node.body = self._body(self.bodies.replies, mention=parent.author)

    def _continue(self, node: PlannedComment, conversation: _Conversation) -> _Conversation | None:
        """Answer the latest of a back-and-forth; returns it unless that was its last reply."""
        self._reply(node, conversation.tip, author=conversation.next_author())
        conversation.tip = node
        conversation.remaining -= 1
        if conversation.remaining > 0:
            return conversation
        if conversation.forced:
            self.forced = None
        else:
            self.conversations.remove(conversation)
        return None

    def _recent_parent(self, i: int) -> PlannedComment | None:
        """A recent published comment, preferring liked and shallow ones (None: no candidate)."""
        shape = self.shape
        window = RECENT_WINDOW + i * RECENT_WINDOW_SHARE
        candidates = []
        for _ in range(CANDIDATES):
            j = i - 1 - int(shape.expovariate(1 / window))
            if j >= 0 and self.nodes[j].status == Comment.Status.PUBLISHED:
                candidates.append(self.nodes[j])
        if not candidates:
            return None
        weights = [(APPEAL_BASE + c.appeal) * DEPTH_DECAY**c.level for c in candidates]
        return shape.choices(candidates, weights=weights)[0]

    def _hot_parent(self) -> PlannedComment | None:
        drawn = self.hot.draw(self.shape)
        # Rounding in the running sums can land on a weightless (or future) position.
        if drawn is None or drawn >= len(self.nodes) or self.hot.weights[drawn] <= 0:
            return None
        return self.nodes[drawn]

    def _author(self, *, avoid: int | None = None) -> int:
        for _ in range(5):
            author = self.authors.choices(range(USER_COUNT), cum_weights=self.author_weights)[0]
            if author != avoid:
                return author
        return (avoid + 1) % USER_COUNT

    def _body(self, pool: list[str], *, mention: int | None) -> str:
        texts = self.texts
        body = texts.choice(pool)
        if mention is not None and texts.random() < MENTION_SHARE:
            body = f"@{USERNAME_FORMAT.format(mention + 1)} {body}"
        return body

    def _moderate(self) -> None:
        """Some comments removed by a moderator; some with replies deleted by their author."""
        rng = self.statuses
        for node in self.nodes:
            if node.status != Comment.Status.PUBLISHED:
                continue
            if rng.random() < REMOVED_SHARE:
                node.status = Comment.Status.REMOVED
                node.moderation_reason = rng.choice(REMOVAL_REASONS)
            elif rng.random() < DELETED_SHARE and any(
                child.status != Comment.Status.PENDING for child in node.children
            ):
                node.status = Comment.Status.DELETED

    def _like(self) -> None:
        """Likes follow appeal, heavy-tailed; readers never like their own comments."""
        rng = self.likes
        readers = range(USER_COUNT)
        for node in self.nodes:
            if node.status != Comment.Status.PUBLISHED:
                continue
            exposure = TOP_LEVEL_EXPOSURE if node.parent is None else 1.0
            wanted = int(node.appeal * LIKES_PER_APPEAL * exposure * rng.random() * 2)
            count = min(wanted, USER_COUNT - 1)
            if count:
                likers = rng.sample(readers, count + 1)
                node.likers = [u for u in likers if u != node.author][:count]
                node.like_count = count


def plan_discussion(
    *, comments: int, seed: int, start: datetime, end: datetime
) -> list[PlannedComment]:
    """The discussion to write, in posting order; the same arguments give the same plan.

    Raises ``ValidationError`` when ``start``..``end`` can't hold ``comments``
    distinct dates (a microsecond apart).
    """
    if comments <= 0:
        raise ValidationError("Generate at least one comment.")
    return _Planner(comments=comments, seed=seed, start=start, end=end).plan()


# --- Writing ---------------------------------------------------------------------


@dataclass
class GenerationSummary:
    article: Article
    article_created: bool
    comments: int = 0
    top_level: int = 0
    max_depth: int = 0
    likes: int = 0
    users_created: int = 0
    existing_comments: int = 0
    statuses: Counter = field(default_factory=Counter)
    depths: Counter = field(default_factory=Counter)
    timings: dict[str, float] = field(default_factory=dict)


class GenerationIntegrityError(Exception):
    """The trees built don't pass check_comment_tree; nothing was written."""


def generated_usernames() -> list[str]:
    return [USERNAME_FORMAT.format(k + 1) for k in range(USER_COUNT)]


def _readers() -> tuple[list[int], int]:
    """The generated readers' ids, reader 0 first, creating the missing; and how many were new."""
    User = get_user_model()
    names = generated_usernames()
    found = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
    missing = [
        User(username=name, email=f"{name}@example.org", password=make_password(None))
        for name in names
        if name not in found
    ]
    User.objects.bulk_create(missing)
    found.update((user.username, user.pk) for user in missing)
    return [found[name] for name in names], len(missing)


def _article(slug: str, *, now: datetime) -> tuple[Article, bool]:
    """The article with ``slug``, or a new published one open for comments."""
    article = Article.objects.filter(slug=slug).first()
    if article is not None:
        return article, False
    if slugify(slug) != slug:
        raise ValidationError(f"{slug!r} isn't a slug: use lower-case letters, digits and hyphens.")
    age = NEW_ARTICLE_AGE
    if settings.COMMENTS_CLOSE_AFTER_DAYS:  # keep it open for comments
        age = min(age, timedelta(days=settings.COMMENTS_CLOSE_AFTER_DAYS) / 2)
    article = Article(
        title=slug.replace("-", " ").replace("_", " ").strip().capitalize() or slug,
        slug=slug,
        body="<p>A generated discussion, for trying big threads.</p>",
        status=Article.Status.PUBLISHED,
        published_at=now - age,
        comments_open=True,
    )
    return article_save(article=article), True


class _Html:
    """Each distinct body's sanitized HTML, worked out once."""

    def __init__(self, usernames: list[str]) -> None:
        self.urls = {
            name.lower(): reverse("accounts:profile", kwargs={"username": name})
            for name in usernames
        }
        self.cache: dict[str, str] = {}

    def __call__(self, body: str) -> str:
        html = self.cache.get(body)
        if html is None:
            mentions = {}
            if "@" in body:  # as comments.services links a mention: only of a reader who exists
                mentions = {n: self.urls[n] for n in mentioned_names(body) if n in self.urls}
            html = self.cache[body] = sanitize_comment(body, mentions=mentions)
        return html


def discussion_generate(
    *, slug: str, comments: int, seed: int = 1, now: datetime | None = None, dry_run: bool = False
) -> GenerationSummary:
    """Generate ``comments`` comments on the article ``slug`` (created when missing).

    One transaction under ``new_tree_lock()``: on any error nothing is
    written, and ``dry_run`` does all the work and rolls it back. ``now`` is
    the end of the discussion (the default: the current time), for tests that
    compare two runs' dates. Raises ``ValidationError`` for a bad slug or an
    article not yet published, ``GenerationIntegrityError`` if the trees built
    fail the check.
    """
    if comments <= 0:
        raise ValidationError("Generate at least one comment.")
    now = now or timezone.now()
    clock = time.monotonic()
    try:
        with transaction.atomic():
            # First, so that two runs at once don't both create the article or the readers.
            first_tree = first_free_tree_id()  # takes new_tree_lock() to the commit
            article, created = _article(slug, now=now)
            summary = GenerationSummary(article=article, article_created=created)
            start = article.published_at or article.created_at
            if start >= now:
                raise ValidationError(
                    f"{article.title!r} is published in the future; its comments would predate it."
                )
            summary.existing_comments = Comment.objects.for_article(article).count()
            nodes = plan_discussion(comments=comments, seed=seed, start=start, end=now)
            _lap(summary, "plan", clock)
            readers, summary.users_created = _readers()
            _write(nodes, article=article, readers=readers, first_tree=first_tree, summary=summary)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return summary


class _DryRun(Exception):
    """Raised at the end of a dry run to roll the transaction back."""


def _lap(summary: GenerationSummary, phase: str, clock: float) -> float:
    now = time.monotonic()
    summary.timings[phase] = now - clock
    return now


def _write(
    nodes: list[PlannedComment],
    *,
    article: Article,
    readers: list[int],
    first_tree: int,
    summary: GenerationSummary,
) -> None:
    """Number the threads, insert comments and likes, check the trees.

    Precondition: inside ``atomic()``, holding ``new_tree_lock()`` since
    ``first_tree`` was read.
    """
    clock = time.monotonic()
    for node, pk in zip(nodes, allocate_comment_ids(len(nodes)), strict=True):
        node.pk = pk
    next_tree = first_tree
    ordered: list[PlannedComment] = []
    for node in nodes:
        if node.parent is None:
            ordered.extend(number_tree(node, next_tree))
            next_tree += 1
    pagecache.discussion_changed(article.pk)
    html = _Html(generated_usernames())
    for start in range(0, len(ordered), BATCH_SIZE):
        batch = ordered[start : start + BATCH_SIZE]
        Comment.objects.bulk_create(
            [
                Comment(
                    pk=node.pk,
                    article_id=article.pk,
                    author_id=readers[node.author],
                    parent_id=node.parent.pk if node.parent is not None else None,
                    body=node.body,
                    body_html=html(node.body),
                    status=node.status,
                    created_at=node.created_at,
                    moderation_reason=node.moderation_reason,
                    like_count=node.like_count,
                    reply_count=node.replies,
                    descendant_count=node.descendants,
                    best_score=best_score(
                        likes=node.like_count, replies=node.replies, created_at=node.created_at
                    ),
                    tree_id=node.tree_id,
                    lft=node.lft,
                    rght=node.rght,
                    level=node.level,
                )
                for node in batch
            ]
        )
    clock = _lap(summary, "comments", clock)
    likes = [
        CommentLike(comment_id=node.pk, user_id=readers[reader])
        for node in nodes
        for reader in node.likers
    ]
    CommentLike.objects.bulk_create(likes, batch_size=BATCH_SIZE * 2)
    clock = _lap(summary, "likes", clock)
    with connection.cursor() as cursor:
        # The planner's statistics still say the table is as it was before
        # this transaction; the checks below join it with itself.
        for model in (Comment, CommentLike):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    article_comment_counts_refresh([article.pk])
    violations = find_violations(tree_ids=range(first_tree, next_tree))
    if violations:
        check, tree_id, pk, message = violations[0]
        raise GenerationIntegrityError(
            f"The generator built {len(violations)} invalid tree record(s), so nothing was "
            f"written. First: tree {tree_id}, comment {pk}: {check}: {message}"
        )
    _lap(summary, "check", clock)
    summary.comments = len(nodes)
    summary.likes = len(likes)
    summary.top_level = next_tree - first_tree
    summary.statuses = Counter(node.status for node in nodes)
    summary.depths = Counter(node.level for node in nodes)
    summary.max_depth = max(summary.depths)
