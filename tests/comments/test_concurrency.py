"""Many readers posting at the same moment: every comment lands, no thread breaks.

django-mptt does no locking and numbers new trees MAX(tree_id) + 1, so without
the services' advisory locks concurrent writes collide. These tests start
20 real threads (each with its own database connection) at one barrier, so the
writes genuinely overlap, on committed data (``transaction=True``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import User
from articles.models import Article
from comments.models import Comment
from comments.services import comment_create, comment_delete, comment_like_toggle
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _page_versions_after_commit(settings) -> None:
    # Real commits here, so production's on-commit invalidation (bumping inside
    # the transaction would make concurrent writers wait on the version's row).
    settings.PAGE_CACHE_BUMP_NOW = False


WORKERS = 20


def run_together(jobs: list[Callable[[], Comment]]) -> list[Comment]:
    """Run every job in its own thread, all released at once; return their comments."""
    barrier = threading.Barrier(len(jobs), timeout=30)

    def run(job: Callable[[], Comment]) -> Comment:
        try:
            barrier.wait()
            return job()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(run, job) for job in jobs]
        return [future.result(timeout=60) for future in futures]


def post(
    *, article: Article, author: User, parent: Comment | None, body: str
) -> Callable[[], Comment]:
    """A job that posts one comment (a new thread when ``parent`` is None)."""
    return lambda: comment_create(article=article, author=author, parent=parent, body=body)


def assert_trees_valid() -> None:
    out = StringIO()
    call_command("check_comment_tree", stdout=out)
    assert out.getvalue().startswith("OK:")


@pytest.fixture
def readers() -> list[User]:
    return [UserFactory() for _ in range(5)]


def test_concurrent_replies_into_one_thread_all_land_in_it(article, readers):
    root = CommentFactory(article=article, body="Root")
    child = CommentFactory(parent=root, body="Child")
    unrelated = CommentFactory(article=article, body="Unrelated")
    # Half reply to the root, half to its child: both ends of the thread move.
    targets = [root if i % 2 else child for i in range(WORKERS)]
    jobs = [
        post(article=article, author=readers[i % 5], parent=target, body=f"reply {i}")
        for i, target in enumerate(targets)
    ]

    created = run_together(jobs)

    assert len({comment.pk for comment in created}) == WORKERS
    root.refresh_from_db()
    assert root.get_descendant_count() == WORKERS + 1
    assert {c.body for c in root.get_children()} == {"Child"} | {
        f"reply {i}" for i in range(WORKERS) if i % 2
    }
    assert {c.body for c in Comment.objects.get(pk=child.pk).get_children()} == {
        f"reply {i}" for i in range(WORKERS) if not i % 2
    }
    assert set(Comment.objects.filter(tree_id=root.tree_id).values_list("pk", flat=True)) == {
        root.pk,
        child.pk,
        *(comment.pk for comment in created),
    }
    assert Comment.objects.get(pk=unrelated.pk).get_descendant_count() == 0
    assert_trees_valid()


def test_concurrent_top_level_comments_each_get_their_own_thread(article, readers):
    jobs = [
        post(article=article, author=readers[i % 5], parent=None, body=f"root {i}")
        for i in range(WORKERS)
    ]

    created = run_together(jobs)

    roots = Comment.objects.filter(pk__in=[comment.pk for comment in created])
    assert roots.count() == WORKERS
    assert len(set(roots.values_list("tree_id", flat=True))) == WORKERS
    assert set(roots.values_list("level", "lft", "rght")) == {(0, 1, 2**62)}
    assert_trees_valid()


def test_concurrent_replies_and_new_threads_mixed(readers):
    articles = [ArticleFactory(), ArticleFactory()]
    threads = [CommentFactory(article=articles[i % 2], body=f"thread {i}") for i in range(3)]
    deep = CommentFactory(parent=threads[0], body="deep")
    parents: list[Comment | None] = [*threads, deep, None]  # None: a new thread
    jobs = []
    expected_parent: list[int | None] = []
    for i in range(WORKERS):
        parent = parents[i % len(parents)]
        article = parent.article if parent else articles[i % 2]
        jobs.append(post(article=article, author=readers[i % 5], parent=parent, body=f"m{i}"))
        expected_parent.append(parent.pk if parent else None)

    created = run_together(jobs)

    stored = {c.pk: c for c in Comment.objects.filter(pk__in=[c.pk for c in created])}
    assert len(stored) == WORKERS
    for comment, parent_pk in zip(created, expected_parent, strict=True):
        row = stored[comment.pk]
        assert row.parent_id == parent_pk
        if parent_pk is None:
            assert row.level == 0
        else:
            parent = Comment.objects.get(pk=parent_pk)
            assert row.tree_id == parent.tree_id
            assert row.level == parent.level + 1
            assert parent.lft < row.lft < row.rght < parent.rght
    new_roots = [c for c in stored.values() if c.parent_id is None]
    assert len(new_roots) == WORKERS // len(parents)
    root_trees = Comment.objects.filter(parent=None).values_list("tree_id", flat=True)
    assert len(set(root_trees)) == len(root_trees) == len(threads) + len(new_roots)
    assert_trees_valid()


def test_concurrent_likes_replies_and_deletes_keep_every_counter_exact(article):
    """Likes, replies and an author's delete in one thread at once: the counters still add up."""
    root = CommentFactory(article=article, body="Root")
    child = CommentFactory(parent=root, body="Child")
    doomed = CommentFactory(parent=child, body="Doomed")
    likers = [UserFactory() for _ in range(WORKERS - 6)]
    repliers = [UserFactory() for _ in range(5)]

    jobs: list[Callable[[], object]] = [
        (lambda user=user: comment_like_toggle(comment=child, user=user)) for user in likers
    ]
    jobs += [
        post(article=article, author=user, parent=child, body=f"reply {n}")
        for n, user in enumerate(repliers)
    ]
    jobs.append(lambda: comment_delete(comment=doomed, user=doomed.author))

    run_together(jobs)

    child.refresh_from_db()
    root.refresh_from_db()
    assert child.like_count == len(likers)
    assert child.reply_count == len(repliers)  # the deleted reply no longer counts
    assert root.descendant_count == 1 + len(repliers)
    assert_trees_valid()
