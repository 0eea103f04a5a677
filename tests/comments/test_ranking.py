"""Sorting: the Wilson "Best" score, the four orders at every level, and the remembered choice."""

from __future__ import annotations

import math
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from comments import services
from comments.models import Comment
from comments.ranking import Sort, Z, best_score, wilson_lower_bound
from tests.factories import CommentFactory
from tests.helpers import add_likes, comment_ids

HTMX = {"HTTP_HX_REQUEST": "true"}


def reference_lower_bound(positive: int, total: int, z: float) -> float:
    """Wilson's lower bound written out the textbook way, independently of comments.ranking.

    (p + z²/2n - z·√(p(1-p)/n + z²/4n²)) / (1 + z²/n), and 0 when there is no evidence.
    """
    if total == 0:
        return 0.0
    n = total
    p = positive / n
    spread = math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return (p + z**2 / (2 * n) - z * spread) / (1 + z**2 / n)


# --- The score ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("positive", "total", "expected"),
    [
        # Worked by hand with z = 1.96.
        (0, 0, 0.0),
        (0, 5, 0.0),
        (1, 1, 0.2065),
        (2, 2, 0.3424),
        (5, 5, 0.5655),
        (8, 10, 0.4902),
        (10, 20, 0.2993),
        (40, 50, 0.6696),
    ],
)
def test_wilson_lower_bound_matches_hand_computed_values(positive, total, expected):
    assert wilson_lower_bound(positive, total, z=1.96) == pytest.approx(expected, abs=5e-4)


@pytest.mark.parametrize("total", [1, 2, 3, 7, 10, 50, 333])
def test_wilson_lower_bound_matches_an_independent_formula(total):
    for positive in range(total + 1):
        for z in (1.0, 1.96, Z, 2.576):
            assert wilson_lower_bound(positive, total, z=z) == pytest.approx(
                reference_lower_bound(positive, total, z), abs=1e-12
            )


def test_default_confidence_is_95_percent():
    assert pytest.approx(1.959964, abs=1e-6) == Z
    assert wilson_lower_bound(8, 10) == pytest.approx(reference_lower_bound(8, 10, Z), abs=1e-12)


def test_lower_bound_rewards_evidence_and_stays_below_the_plain_ratio():
    # Same 80% approval: the bigger sample is more certain.
    assert wilson_lower_bound(4, 5) < wilson_lower_bound(40, 50)
    for positive, total in [(1, 1), (3, 4), (40, 50), (9, 9)]:
        assert 0.0 <= wilson_lower_bound(positive, total) < positive / total


def test_best_score_counts_likes_against_replies():
    assert best_score(likes=0, replies=0) == 0.0
    assert best_score(likes=3, replies=2) == pytest.approx(reference_lower_bound(3, 5, Z))
    # 40 likes and 10 replies beats 2 likes and no replies...
    assert best_score(likes=40, replies=10) > best_score(likes=2, replies=0)
    # ...but an argument with 10 likes and 10 replies ranks below those 2 quiet likes.
    assert best_score(likes=10, replies=10) < best_score(likes=2, replies=0)


@pytest.mark.django_db
def test_stored_score_follows_likes_and_published_direct_replies(article, user):
    comment = CommentFactory(article=article)
    add_likes(comment, 2)
    reply = CommentFactory(parent=comment, author=user)
    CommentFactory(parent=reply)  # a reply to the reply is not a direct reply
    comment.refresh_from_db()
    assert (comment.like_count, comment.reply_count) == (2, 1)
    assert comment.best_score == pytest.approx(reference_lower_bound(2, 3, Z))

    services.comment_delete(comment=reply, user=user)
    comment.refresh_from_db()
    assert comment.reply_count == 0
    assert comment.best_score == pytest.approx(reference_lower_bound(2, 2, Z))


# --- The orders on the page --------------------------------------------------


@pytest.fixture
def ranked(db, article) -> dict[str, Comment]:
    """Four threads whose four orders all differ.

    ============  =====  =======  ======  =========
    thread        likes  replies  best    posted
    ============  =====  =======  ======  =========
    popular       40     10       0.670   4 h ago
    contested     10     10       0.299   3 h ago
    quiet         0      0        0       2 h ago
    loved         2      0        0.342   1 h ago
    ============  =====  =======  ======  =========
    """
    now = timezone.now()
    popular = CommentFactory(article=article, body="popular", created_at=now - timedelta(hours=4))
    contested = CommentFactory(
        article=article, body="contested", created_at=now - timedelta(hours=3)
    )
    quiet = CommentFactory(article=article, body="quiet", created_at=now - timedelta(hours=2))
    loved = CommentFactory(article=article, body="loved", created_at=now - timedelta(hours=1))
    for parent in (popular, contested):
        for _ in range(10):
            CommentFactory(parent=parent)
    add_likes(popular, 40)
    add_likes(contested, 10)
    add_likes(loved, 2)
    return {"popular": popular, "contested": contested, "quiet": quiet, "loved": loved}


EXPECTED_THREAD_ORDER = {
    Sort.BEST: ["popular", "loved", "contested", "quiet"],
    Sort.TOP: ["popular", "contested", "loved", "quiet"],
    Sort.NEWEST: ["loved", "quiet", "contested", "popular"],
    Sort.OLDEST: ["popular", "contested", "quiet", "loved"],
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
    assert scores["popular"] == pytest.approx(0.6696, abs=1e-3)
    assert scores["loved"] == pytest.approx(0.3424, abs=1e-3)
    assert scores["contested"] == pytest.approx(0.2993, abs=1e-3)


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

    Replies to "root": a (3 likes, 3 replies, best 0.188, 50 min ago), b (1 like,
    0.207, 30 min ago), c (nothing, 40 min ago). Replies to a: g1 (1 like, 20 min
    ago), g2 (2 likes, 10 min ago), g3 (nothing, 5 min ago).
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
    add_likes(a, 3)
    add_likes(b, 1)
    add_likes(g1, 1)
    add_likes(g2, 2)
    return {"root": root, "a": a, "b": b, "c": c, "g1": g1, "g2": g2, "g3": g3}


EXPECTED_REPLY_ORDER = {
    Sort.BEST: (["b", "a", "c"], ["g2", "g1", "g3"]),
    Sort.TOP: (["a", "b", "c"], ["g2", "g1", "g3"]),
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
