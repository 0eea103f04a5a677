"""Writing a planned discussion: its readers, its article, its comments and likes, in bulk.

One transaction under ``new_tree_lock()``, the trees checked before the commit.
"""

from __future__ import annotations

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
from comments.generate.plan import USER_COUNT, USERNAME_FORMAT, PlannedComment, plan_discussion
from comments.models import Comment, CommentLike
from comments.sanitize import mentioned_names, sanitize_comment
from comments.tree.build import (
    allocate_comment_ids,
    article_comment_counts_refresh,
    comment_row,
    first_free_tree_id,
    number_tree,
)
from comments.tree.integrity import find_violations

# How old a new article is made: the discussion is spread over its lifetime.
NEW_ARTICLE_AGE = timedelta(days=7)
BATCH_SIZE = 5000


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
    """The trees built fail the tree check; nothing was written."""


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
                comment_row(
                    node,
                    article_id=article.pk,
                    author_id=readers[node.author],
                    body=node.body,
                    body_html=html(node.body),
                    moderation_reason=node.moderation_reason,
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
