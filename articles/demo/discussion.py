"""Plan a discussion before writing it: who says what, to whom, and when.

Planning in memory first keeps the writes simple and the timing honest. Every
comment gets a time after the article went up and before now, and every reply
comes after the comment it answers. Writing the plan in time order then gives
threads the order readers would have posted them in: each top-level comment
takes the next tree id, and each reply goes after its older siblings
(``comments.tree.placement``).

Scripted threads start early, as a post's liveliest conversations do; "late"
ones start a set time before the demo is loaded, so a fresh site has a
conversation still going on. Late threads are scripted in full and get no
generated replies, so the last hours before loading stay quiet enough for
"new since your last visit" to count a handful of comments, not dozens.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from articles.demo import lines
from articles.demo.people import Person
from articles.demo.stories import StorySpec

# Most of a post's comments arrive in its first few days.
BUSY_PERIOD = timedelta(days=4)
MEAN_REPLY_MINUTES = 45
MEAN_SCRIPTED_REPLY_MINUTES = 14
# Share of a discussion that is top-level comments: a big post draws long
# threads, smaller posts mostly get standalone remarks. The lead article has
# more top-level threads than its first page shows, so "Load more" appears.
ROOT_SHARE_LEAD = 0.26
ROOT_SHARE = 0.4


@dataclass(eq=False)
class PlannedComment:
    """One comment to write; identity-hashed so plans can key a dict of saved rows."""

    article_slug: str
    parent: PlannedComment | None
    author: str
    body: str
    at: datetime

    @property
    def level(self) -> int:
        return 0 if self.parent is None else self.parent.level + 1


class Deck:
    """Deal lines without repeats; reshuffle only once every line has been used."""

    def __init__(self, rng: random.Random, pool: Sequence[str]) -> None:
        if not pool:
            raise ValueError("A deck needs at least one line.")
        self._rng = rng
        self._pool = list(pool)
        self._cards: list[str] = []

    def deal(self) -> str:
        if not self._cards:
            self._cards = self._pool[:]
            self._rng.shuffle(self._cards)
        return self._cards.pop()


class Corpus:
    """The decks for a whole run, shared so articles don't reuse each other's lines."""

    def __init__(self, rng: random.Random) -> None:
        self.general = Deck(rng, lines.GENERAL)
        self.replies = Deck(rng, lines.REPLIES)
        self.short = Deck(rng, lines.SHORT_REPLIES)
        self.topics = {topic: Deck(rng, pool) for topic, pool in lines.TOPICS.items()}


class Planner:
    """Plans the discussion of one article."""

    def __init__(
        self,
        *,
        rng: random.Random,
        corpus: Corpus,
        story: StorySpec,
        published_at: datetime,
        until: datetime,
        readers: Sequence[Person],
    ) -> None:
        self.rng = rng
        self.corpus = corpus
        self.story = story
        self.start = published_at
        self.until = until
        self.window = min(until - published_at, BUSY_PERIOD) * 0.9
        self.usernames = [person.username for person in readers]
        self.weights = [person.activity for person in readers]
        self.comments: list[PlannedComment] = []
        self.scripted_only: set[PlannedComment] = set()

    def plan(self) -> list[PlannedComment]:
        for thread in lines.THREADS.get(self.story.topic, ()):
            self._add_scripted(thread)
        for late in lines.LATE_THREADS.get(self.story.topic, ()):
            self._add_scripted(late.thread, start=self.until - late.ago)
        root_share = ROOT_SHARE_LEAD if self.story.comment_count >= 100 else ROOT_SHARE
        roots_wanted = max(3, round(self.story.comment_count * root_share))
        while len(self.comments) < self.story.comment_count:
            roots = sum(1 for comment in self.comments if comment.parent is None)
            remaining = self.story.comment_count - len(self.comments)
            open_nodes = [
                c
                for c in self.comments
                if c.level < self.story.max_depth and c not in self.scripted_only
            ]
            if not open_nodes or self.rng.random() < (roots_wanted - roots) / remaining:
                self._add(None, self._reader(), self._root_line())
            else:
                # Shallow comments draw most replies; deep ones keep a chain alive.
                weights = [1 / (1 + c.level) ** 1.5 for c in open_nodes]
                parent = self.rng.choices(open_nodes, weights)[0]
                self._add(parent, self._reader(avoid={parent.author}), self._reply_line(parent))
        return sorted(self.comments, key=lambda comment: comment.at)

    def _add(
        self,
        parent: PlannedComment | None,
        author: str,
        body: str,
        *,
        scripted: bool = False,
        start: datetime | None = None,
    ) -> PlannedComment:
        if parent is None and start is not None:
            at = start
        elif parent is None:
            # Early comments are the most common, so skew towards the start.
            offset = timedelta(minutes=2) + self.window * self.rng.random() ** 2
            if scripted:
                offset = timedelta(minutes=2) + self.window * 0.15 * self.rng.random()
            at = self.start + offset
        else:
            mean = MEAN_SCRIPTED_REPLY_MINUTES if scripted else MEAN_REPLY_MINUTES
            delay = timedelta(minutes=1 + self.rng.expovariate(1 / mean))
            # Halving the time left keeps a deep chain strictly increasing and in the past.
            at = parent.at + min(delay, (self.until - parent.at) / 2)
        comment = PlannedComment(self.story.slug, parent, author, body, at)
        self.comments.append(comment)
        return comment

    def _add_scripted(self, thread: lines.ScriptedThread, *, start: datetime | None = None) -> None:
        """Add a scripted thread; its first comment is posted at ``start`` when given."""
        if start is not None and not self.start < start < self.until:
            raise ValueError(f"A late thread on {self.story.slug} would start outside its window.")
        latest: dict[int, PlannedComment] = {}
        cast = {username for _, username, _ in thread if username}
        for depth, username, body in thread:
            parent = latest[depth - 1] if depth else None
            if username:
                author = username
            elif parent is not None and parent.parent is not None:
                # The follow-up to an answer comes from whoever asked.
                author = parent.parent.author
            else:
                author = self._reader(avoid={*cast, parent.author if parent else ""})
                cast.add(author)
            latest[depth] = self._add(
                parent, author, body, scripted=True, start=start if depth == 0 else None
            )
            if start is not None:
                self.scripted_only.add(latest[depth])

    def _reader(self, avoid: Collection[str] = ()) -> str:
        while True:
            username = self.rng.choices(self.usernames, self.weights)[0]
            if username not in avoid:
                return username

    def _root_line(self) -> str:
        topic = self.corpus.topics[self.story.topic]
        if self.story.topic in lines.USES_GENERAL and self.rng.random() < 0.4:
            return self.corpus.general.deal()
        return topic.deal()

    def _reply_line(self, parent: PlannedComment) -> str:
        roll = self.rng.random()
        if roll < 0.25:
            return self.corpus.short.deal()
        if roll < 0.88:
            line = self.corpus.replies.deal()
        else:
            line = self._root_line()
        if self.rng.random() < 0.1:
            line = f"@{parent.author} {line}"
        return line


def plan_discussion(
    *,
    rng: random.Random,
    corpus: Corpus,
    story: StorySpec,
    published_at: datetime,
    until: datetime,
    readers: Sequence[Person],
) -> list[PlannedComment]:
    """The comments for one article, oldest first, so each parent precedes its replies."""
    if story.age is None or story.comment_count == 0:
        return []
    planner = Planner(
        rng=rng,
        corpus=corpus,
        story=story,
        published_at=published_at,
        until=until,
        readers=readers,
    )
    return planner.plan()
