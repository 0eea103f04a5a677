"""The shape of a generated discussion, laid out in memory comment by comment.

Pure Python and seeded: the same arguments always give the same plan (see
``comments.generate`` for what it looks like). One random generator per aspect
(shape, authors, texts, statuses, likes, dates), so tuning one aspect leaves
the others' draws alone.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError

from comments.generate.text import Bodies
from comments.models import Comment
from comments.tree.build import TreeNode

ROOT_SHARE = 0.3
USER_COUNT = 200
USERNAME_FORMAT = "reader-gen-{:03d}"

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
        self.bodies = Bodies(self.texts)
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
