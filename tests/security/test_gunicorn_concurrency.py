"""200 posts into one discussion at once, over real HTTP, through gunicorn's workers.

Replies (to shallow and deep comments) and new top-level comments race each
other for the thread locks and the article's row. Afterwards every post that
was acknowledged exists exactly once, none that was refused exists, nothing
answered 5xx, and the trees and counters check out.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.urls import reverse

from articles.models import Article
from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.helpers import assert_trees_valid, reply_chain
from tests.live_gunicorn import Gunicorn, Reader

POSTS = 200
READERS = 20
THREADS = 32
REPLY_SHARE = 0.7


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_over_http_are_each_stored_exactly_once() -> None:
    article = ArticleFactory(slug="concurrency")
    targets = [CommentFactory(article=article, body=f"root {n}") for n in range(8)]
    targets += reply_chain(article, 12, label="deep")  # replies down to level 13
    readers = [Reader(user) for user in UserFactory.create_batch(READERS)]
    chooser = random.Random(20261121)
    plan = []
    for n in range(POSTS):
        text = f"concurrent post {n} {chooser.getrandbits(48):012x}"
        reader = chooser.choice(readers)
        if chooser.random() < REPLY_SHARE:
            path = reverse("comments:reply", kwargs={"pk": chooser.choice(targets).pk})
        else:
            path = reverse("comments:create", kwargs={"slug": article.slug})
        plan.append((reader, path, text))

    with Gunicorn(workers=3) as server:

        def send(item: tuple[Reader, str, str]) -> tuple[str, int]:
            reader, path, text = item
            return text, reader.post(server.port, path, {"body": text}).status

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            results = list(pool.map(send, plan))
        elapsed = time.monotonic() - started
        log = server.output()

    statuses = Counter(status for _, status in results)
    retries = len(re.findall(r"retrying, attempt", log))
    print(f"{POSTS} posts in {elapsed:.1f} s: {dict(statuses)}; {retries} retries")
    assert not [s for s in statuses if s >= 500], (statuses, log[-3000:])
    assert "Traceback" not in log, log[-3000:]

    stored = Counter(
        Comment.objects.filter(body__startswith="concurrent post ").values_list("body", flat=True)
    )
    for text, status in results:
        if status in (200, 302):
            assert stored[text] == 1, (text, status)
        else:
            assert stored[text] == 0, (text, status)
    assert sum(stored.values()) == sum(1 for _, s in results if s in (200, 302))
    assert statuses[302] == POSTS  # nothing refused: rate limits are off, every post is valid

    assert_trees_valid()
    article.refresh_from_db()
    published = Comment.objects.filter(article=article, status=Comment.Status.PUBLISHED).count()
    assert article.comment_count == published == len(targets) + POSTS
    assert Article.objects.count() == 1
