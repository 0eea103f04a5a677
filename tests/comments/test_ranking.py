"""Sorting: the "Best" score, the four orders at every level, and the remembered choice."""

from __future__ import annotations

import importlib
import math
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from comments import services
from comments.models import Comment
from comments.ranking import BEST_EPOCH, DOUBLING_TIME, Sort, best_score
from tests.factories import CommentFactory
from tests.helpers import add_likes, comment_ids

HTMX = {"HTTP_HX_REQUEST": "true"}
DAY = timedelta(days=1)
# Scores are in the hundreds; a microsecond of age is worth about 4e-12 of one.
EXACT = 1e-9


def reference_score(likes: int, replies: int, created_at: datetime) -> float:
    """Best written out independently of comments.ranking.

    Doublings of engagement (a reply half a like) plus thirds of days since
    2000 (none before), and 0 with no engagement at all.
    """
    if likes == replies == 0:
        return 0.0
    days = max((created_at - datetime(2000, 1, 1, tzinfo=UTC)).total_seconds() / 86400, 0)
    return math.log(1 + likes + replies / 2, 2) + days / 3


# --- The score ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("likes", "replies", "days", "expected"),
    [
        # Worked by hand: log2(1 + likes + replies/2) + (days since 2000-01-01) / 3.
        (0, 0, 0, 0.0),
        (1, 0, 0, 1.0),
        (3, 0, 0, 2.0),
        (0, 2, 0, 1.0),
        (9, 0, 0, 3.3219),
        (9, 1, 0, 3.3923),
        (40, 10, 0, 5.5236),
        (1, 0, 3, 2.0),
        (0, 1, 2.5, 1.4183),
        (7, 0, 366, 125.0),
        # Older than 2000 counts as 2000, so a like always lifts a comment above 0...
        (1, 0, -3000, 1.0),
        # ...and no likes and no replies is 0, however recent.
        (0, 0, 9000, 0.0),
    ],
)
def test_best_score_matches_hand_computed_values(likes, replies, days, expected):
    created_at = BEST_EPOCH + timedelta(days=days)
    assert best_score(likes=likes, replies=replies, created_at=created_at) == pytest.approx(
        expected, abs=5e-5
    )


@pytest.mark.parametrize("likes", [0, 1, 2, 9, 40, 1000])
@pytest.mark.parametrize("replies", [0, 1, 3, 10, 333])
def test_best_score_matches_an_independent_formula(likes, replies):
    created_at = datetime(2026, 11, 21, 4, 29, 13, 123456, tzinfo=UTC)
    assert best_score(likes=likes, replies=replies, created_at=created_at) == pytest.approx(
        reference_score(likes, replies, created_at), abs=EXACT
    )


def test_replies_count_for_a_comment_not_against_it():
    now = timezone.now()
    # The comment: 9 likes, then one reply. It must go up, not down.
    assert best_score(likes=9, replies=1, created_at=now) > best_score(
        likes=9, replies=0, created_at=now
    )
    # A reply is worth half a like: a like is one reader's approval, a reply may object.
    assert best_score(likes=0, replies=2, created_at=now) == pytest.approx(
        best_score(likes=1, replies=0, created_at=now), abs=EXACT
    )
    assert best_score(likes=10, replies=10, created_at=now) > best_score(
        likes=12, replies=0, created_at=now
    )


def test_three_days_younger_ties_with_twice_the_engagement():
    assert timedelta(days=3) == DOUBLING_TIME
    then = timezone.now() - timedelta(days=7)
    assert best_score(likes=1, replies=0, created_at=then + 3 * DAY) == pytest.approx(
        best_score(likes=3, replies=0, created_at=then), abs=EXACT
    )
    # Within hours engagement still decides: 9 likes this morning beat 8 this afternoon.
    assert best_score(likes=9, replies=0, created_at=then) > best_score(
        likes=8, replies=0, created_at=then + timedelta(hours=6)
    )
    # Across days a newer comment passes an older one readers passed over...
    assert best_score(likes=1, replies=0, created_at=then + 6 * DAY) > best_score(
        likes=2, replies=0, created_at=then
    )
    # ...but not the week's favourite.
    assert best_score(likes=1, replies=0, created_at=then + 7 * DAY) < best_score(
        likes=40, replies=0, created_at=then
    )


def test_the_order_does_not_depend_on_when_it_is_read():
    """Scores compare as engagement halved every DOUBLING_TIME of age, whenever one looks.

    (A comment with no engagement yet is below every other at any moment.)
    """
    start = datetime(2026, 3, 1, tzinfo=UTC)
    comments = [
        (40, 10, start),
        (10, 10, start + DAY),
        (3, 0, start + 9 * DAY),
        (0, 0, start),
    ]

    def decayed_order(now: datetime) -> list[int]:
        decayed = [
            (1 + likes + replies / 2) * 0.5 ** ((now - at) / DOUBLING_TIME)
            if likes + replies
            else 0
            for likes, replies, at in comments
        ]
        return sorted(range(len(comments)), key=lambda i: -decayed[i])

    stored = [best_score(likes=lk, replies=rp, created_at=at) for lk, rp, at in comments]
    stored_order = sorted(range(len(comments)), key=lambda i: -stored[i])
    assert stored_order == [0, 2, 1, 3]  # not the order of engagement alone
    for later in (timedelta(0), DAY, 10 * DAY, 100 * DAY):
        assert decayed_order(start + 9 * DAY + later) == stored_order


def test_comments_nobody_engaged_with_keep_their_posting_order_below_the_rest():
    then = timezone.now() - timedelta(days=30)
    unengaged = [best_score(likes=0, replies=0, created_at=then + n * DAY) for n in range(30)]
    # All tie at 0, so ORDER_COLUMNS' created_at, id decide: the order they were posted.
    assert set(unengaged) == {0.0}
    # The first like or reply, however old the comment, lifts it above every one of them.
    assert best_score(likes=0, replies=1, created_at=datetime(1999, 1, 1, tzinfo=UTC)) > 0
    assert best_score(likes=1, replies=0, created_at=then) > 0


@pytest.mark.django_db
def test_stored_score_follows_likes_and_published_direct_replies(article, user):
    comment = CommentFactory(article=article)
    assert comment.best_score == pytest.approx(reference_score(0, 0, comment.created_at), abs=EXACT)
    add_likes(comment, 2)
    reply = CommentFactory(parent=comment, author=user)
    CommentFactory(parent=reply)  # a reply to the reply is not a direct reply
    comment.refresh_from_db()
    assert (comment.like_count, comment.reply_count) == (2, 1)
    assert comment.best_score == pytest.approx(reference_score(2, 1, comment.created_at), abs=EXACT)

    services.comment_delete(comment=reply, user=user)
    comment.refresh_from_db()
    assert comment.reply_count == 0
    assert comment.best_score == pytest.approx(reference_score(2, 0, comment.created_at), abs=EXACT)


@pytest.mark.django_db
def test_the_migration_computes_what_the_services_store(article):
    """Migration 0010's SQL gives every row the score the Python formula gives it.

    If this fails after a change to comments.ranking.best_score, the stored
    scores need a new migration like 0010.
    """
    migration = importlib.import_module("comments.migrations.0010_best_score_engagement")
    old = CommentFactory(article=article, created_at=datetime(2011, 5, 1, 12, tzinfo=UTC))
    liked = CommentFactory(article=article)
    add_likes(liked, 3)
    for _ in range(5):
        CommentFactory(parent=liked)
    CommentFactory(parent=old)
    expected = {c.pk: c.best_score for c in Comment.objects.filter(article=article)}
    Comment.objects.filter(article=article).update(best_score=0)

    with connection.cursor() as cursor:
        cursor.execute(migration.ENGAGEMENT)

    stored = dict(Comment.objects.filter(article=article).values_list("pk", "best_score"))
    assert stored.keys() == expected.keys()
    for pk, score in expected.items():
        assert stored[pk] == pytest.approx(score, abs=EXACT)


# --- The orders on the page --------------------------------------------------


@pytest.fixture
def ranked(db, article) -> dict[str, Comment]:
    """Four threads whose four orders all differ.

    ============  =====  =======  ======  =========
    thread        likes  replies  best    posted
    ============  =====  =======  ======  =========
    popular       40     10       5.52    4 h ago
    contested     10     10       4.00    3 h ago
    quiet         0      0        0       2 h ago
    liked         12     0        3.70    1 h ago
    ============  =====  =======  ======  =========

    (best without the age term, which is a few hundredths here.) Top puts
    liked above contested; Best counts contested's replies for it.
    """
    now = timezone.now()
    popular = CommentFactory(article=article, body="popular", created_at=now - timedelta(hours=4))
    contested = CommentFactory(
        article=article, body="contested", created_at=now - timedelta(hours=3)
    )
    quiet = CommentFactory(article=article, body="quiet", created_at=now - timedelta(hours=2))
    liked = CommentFactory(article=article, body="liked", created_at=now - timedelta(hours=1))
    for parent in (popular, contested):
        for _ in range(10):
            CommentFactory(parent=parent)
    add_likes(popular, 40)
    add_likes(contested, 10)
    add_likes(liked, 12)
    return {"popular": popular, "contested": contested, "quiet": quiet, "liked": liked}


EXPECTED_THREAD_ORDER = {
    Sort.BEST: ["popular", "contested", "liked", "quiet"],
    Sort.TOP: ["popular", "liked", "contested", "quiet"],
    Sort.NEWEST: ["liked", "quiet", "contested", "popular"],
    Sort.OLDEST: ["popular", "contested", "quiet", "liked"],
}


def thread_order(html: str, named: dict[str, Comment]) -> list[str]:
    names = {comment.pk: name for name, comment in named.items()}
    return [names[pk] for pk in comment_ids(html) if pk in names]


def current_sort(html: str) -> list[str]:
    return re.findall(r'aria-current="true">(\w+)</a>', html)


def test_the_expected_orders_all_differ():
    orders = [tuple(order) for order in EXPECTED_THREAD_ORDER.values()]
    assert len(set(orders)) == len(orders)


def test_best_order_follows_the_stored_scores(ranked):
    scores = {name: Comment.objects.get(pk=c.pk).best_score for name, c in ranked.items()}
    assert sorted(scores, key=scores.get, reverse=True) == EXPECTED_THREAD_ORDER[Sort.BEST]
    for name, (likes, replies) in {
        "popular": (40, 10),
        "contested": (10, 10),
        "quiet": (0, 0),
        "liked": (12, 0),
    }.items():
        posted = ranked[name].created_at
        assert scores[name] == pytest.approx(reference_score(likes, replies, posted), abs=EXACT)


@pytest.mark.parametrize("sort", list(Sort))
def test_threads_follow_the_chosen_sort(client, article, ranked, sort):
    response = client.get(article.get_absolute_url(), {"sort": sort.value})
    html = response.content.decode()
    assert response.status_code == 200
    assert thread_order(html, ranked) == EXPECTED_THREAD_ORDER[sort]
    assert current_sort(html) == [sort.label]


def test_default_sort_is_best(client, article, ranked):
    html = client.get(article.get_absolute_url()).content.decode()
    assert thread_order(html, ranked) == EXPECTED_THREAD_ORDER[Sort.BEST]
    assert current_sort(html) == ["Best"]


def test_sort_links_work_with_and_without_javascript(client, article, ranked):
    html = client.get(article.get_absolute_url()).content.decode()
    page_url = reverse("comments:page", kwargs={"slug": article.slug})
    for sort in Sort:
        assert f'href="{article.get_absolute_url()}?sort={sort.value}#comments"' in html
        assert f'hx-get="{page_url}?sort={sort.value}"' in html


def test_htmx_sort_switch_returns_the_reordered_discussion(client, article, ranked):
    response = client.get(
        reverse("comments:page", kwargs={"slug": article.slug}), {"sort": "top"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="discussion-body"' in html
    assert thread_order(html, ranked) == EXPECTED_THREAD_ORDER[Sort.TOP]


@pytest.fixture
def family(db, article) -> dict[str, Comment]:
    """One thread whose replies, and replies of replies, sort differently in each order.

    Replies to "root": a (1 like and 3 replies, engagement 2.5, 50 min ago), b
    (2 likes, 30 min ago), c (nothing, 40 min ago): Top puts b first, Best a.
    Replies to a: g1 (1 like, 20 min ago), g2 (2 likes, 10 min ago), g3
    (nothing, 5 min ago).
    """
    now = timezone.now()

    def ago(minutes: int):
        return now - timedelta(minutes=minutes)

    root = CommentFactory(article=article, body="root", created_at=ago(60))
    a = CommentFactory(parent=root, body="reply a", created_at=ago(50))
    b = CommentFactory(parent=root, body="reply b", created_at=ago(30))
    c = CommentFactory(parent=root, body="reply c", created_at=ago(40))
    g1 = CommentFactory(parent=a, body="grandchild 1", created_at=ago(20))
    g2 = CommentFactory(parent=a, body="grandchild 2", created_at=ago(10))
    g3 = CommentFactory(parent=a, body="grandchild 3", created_at=ago(5))
    add_likes(a, 1)
    add_likes(b, 2)
    add_likes(g1, 1)
    add_likes(g2, 2)
    return {"root": root, "a": a, "b": b, "c": c, "g1": g1, "g2": g2, "g3": g3}


EXPECTED_REPLY_ORDER = {
    Sort.BEST: (["a", "b", "c"], ["g2", "g1", "g3"]),
    Sort.TOP: (["b", "a", "c"], ["g2", "g1", "g3"]),
    Sort.NEWEST: (["b", "c", "a"], ["g3", "g2", "g1"]),
    Sort.OLDEST: (["a", "c", "b"], ["g1", "g2", "g3"]),
}


@pytest.mark.parametrize("sort", list(Sort))
@pytest.mark.parametrize("page", ["article", "permalink"])
def test_replies_follow_the_same_sort_at_every_level(client, article, family, sort, page):
    if page == "article":
        url = article.get_absolute_url()
    else:
        url = reverse("comments:detail", kwargs={"pk": family["root"].pk})
    html = client.get(url, {"sort": sort.value}).content.decode()
    order = thread_order(html, family)
    replies, grandchildren = EXPECTED_REPLY_ORDER[sort]
    assert [name for name in order if name in {"a", "b", "c"}] == replies
    assert [name for name in order if name.startswith("g")] == grandchildren
    # Depth first: a's own replies come right after a.
    start = order.index("a")
    assert order[start + 1 : start + 4] == grandchildren


# --- Remembering the choice --------------------------------------------------


def test_signed_in_reader_keeps_the_chosen_sort(client_logged_in, user, article, ranked):
    client_logged_in.get(article.get_absolute_url(), {"sort": "newest"})
    user.refresh_from_db()
    assert user.comment_sort == Sort.NEWEST

    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert thread_order(html, ranked) == EXPECTED_THREAD_ORDER[Sort.NEWEST]
    assert current_sort(html) == ["Newest"]


def test_remembered_sort_applies_to_other_articles_and_permalinks(
    client_logged_in, user, article, family
):
    other = CommentFactory(body="elsewhere")
    client_logged_in.get(other.article.get_absolute_url(), {"sort": "oldest"})
    html = client_logged_in.get(
        reverse("comments:detail", kwargs={"pk": family["root"].pk})
    ).content.decode()
    replies, _ = EXPECTED_REPLY_ORDER[Sort.OLDEST]
    assert [n for n in thread_order(html, family) if n in {"a", "b", "c"}] == replies


def test_htmx_sort_switch_is_remembered_too(client_logged_in, user, article, ranked):
    client_logged_in.get(
        reverse("comments:page", kwargs={"slug": article.slug}), {"sort": "top"}, **HTMX
    )
    user.refresh_from_db()
    assert user.comment_sort == Sort.TOP


def test_anonymous_readers_are_not_remembered(client, article, ranked):
    client.get(article.get_absolute_url(), {"sort": "newest"})
    html = client.get(article.get_absolute_url()).content.decode()
    assert thread_order(html, ranked) == EXPECTED_THREAD_ORDER[Sort.BEST]
    assert current_sort(html) == ["Best"]


@pytest.mark.parametrize("bogus", ["bogus", "", "TOP", "best;drop table", "1", "-created_at"])
def test_bogus_sort_falls_back_without_error(client, article, ranked, bogus):
    response = client.get(article.get_absolute_url(), {"sort": bogus})
    html = response.content.decode()
    assert response.status_code == 200
    assert thread_order(html, ranked) == EXPECTED_THREAD_ORDER[Sort.BEST]


def test_bogus_sort_keeps_the_remembered_one(client_logged_in, user, article, ranked):
    services.sort_remember(user=user, sort=Sort.OLDEST)
    response = client_logged_in.get(article.get_absolute_url(), {"sort": "sideways"})
    assert response.status_code == 200
    html = response.content.decode()
    assert thread_order(html, ranked) == EXPECTED_THREAD_ORDER[Sort.OLDEST]
    user.refresh_from_db()
    assert user.comment_sort == Sort.OLDEST


@pytest.mark.parametrize("bogus", ["bogus", "NEWEST"])
def test_bogus_sort_on_fragments_and_permalinks_is_not_an_error(client, family, bogus):
    root = family["root"]
    assert client.get(root.get_absolute_url(), {"sort": bogus}).status_code == 200
    replies = client.get(
        reverse("comments:replies", kwargs={"pk": root.pk}), {"sort": bogus}, **HTMX
    )
    assert replies.status_code == 200
    page = client.get(
        reverse("comments:page", kwargs={"slug": root.article.slug}),
        {"sort": bogus, "page": "2"},
        **HTMX,
    )
    assert page.status_code == 200
