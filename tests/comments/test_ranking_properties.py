"""Best never punishes engagement: a like or a reply never lowers a comment's score or place.

Issue 12, item 7: one reply moved a 9-like comment from second place to
eighth, because Best counted replies against it. These properties hold the new
score to the promise: more likes or more replies never lower a comment's
score, and so never its rank among its siblings, in the pure formula and
through the real services and page.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from comments import services
from comments.models import Comment
from comments.ranking import ORDER_COLUMNS, Sort, best_score
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.helpers import add_likes, comment_ids

likes = st.integers(min_value=0, max_value=10**6)
replies = st.integers(min_value=0, max_value=10**5)


def instants(start: datetime, end: datetime) -> st.SearchStrategy[datetime]:
    """Aware UTC datetimes from ``start`` to ``end``, to the microsecond."""
    span = (end - start) // timedelta(microseconds=1)
    return st.integers(0, span).map(lambda us: start + timedelta(microseconds=us))


dates = instants(datetime(1990, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def best_key(row: dict) -> tuple:
    """A row's place in Best, built from the same ORDER BY the pages use."""
    key = []
    for column, direction in ORDER_COLUMNS[Sort.BEST]:
        value = row[column]
        if direction == "DESC":
            assert isinstance(value, float), "only best_score sorts descending in Best"
            value = -value
        key.append(value)
    return tuple(key)


def rank(rows: list[dict], target_id: int) -> int:
    ordered = sorted(rows, key=best_key)
    return [row["id"] for row in ordered].index(target_id)


def scored(row: dict) -> dict:
    score = best_score(likes=row["likes"], replies=row["replies"], created_at=row["created_at"])
    return {**row, "best_score": score}


# --- The formula ---------------------------------------------------------------


@given(likes=likes, replies=replies, created_at=dates, more=st.integers(1, 1000))
def test_a_like_never_lowers_the_score(likes, replies, created_at, more):
    before = best_score(likes=likes, replies=replies, created_at=created_at)
    after = best_score(likes=likes + more, replies=replies, created_at=created_at)
    assert after >= before


@given(likes=likes, replies=replies, created_at=dates, more=st.integers(1, 1000))
def test_a_reply_never_lowers_the_score(likes, replies, created_at, more):
    before = best_score(likes=likes, replies=replies, created_at=created_at)
    after = best_score(likes=likes, replies=replies + more, created_at=created_at)
    assert after >= before


siblings = st.lists(
    st.fixed_dictionaries(
        {
            "likes": st.integers(0, 50),
            "replies": st.integers(0, 20),
            "created_at": instants(
                datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 8, tzinfo=UTC)
            ),
        }
    ),
    min_size=1,
    max_size=12,
)


@given(rows=siblings, data=st.data(), what=st.sampled_from(["likes", "replies"]))
def test_a_like_or_a_reply_never_lowers_the_rank_among_siblings(rows, data, what):
    rows = [scored({**row, "id": pk}) for pk, row in enumerate(rows, start=1)]
    target = data.draw(st.sampled_from(rows), label="target")
    after = [scored({**row, what: row[what] + 1}) if row is target else row for row in rows]

    assert rank(after, target["id"]) <= rank(rows, target["id"])
    # Nobody else's score moved, so the others keep their order among themselves.
    others = [row["id"] for row in sorted(rows, key=best_key) if row is not target]
    others_after = [row["id"] for row in sorted(after, key=best_key) if row["id"] != target["id"]]
    assert others_after == others


# --- Through the services --------------------------------------------------------


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    shape=st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(0, 6 * 24 * 60)),
        min_size=2,
        max_size=5,
    ),
    data=st.data(),
    what=st.sampled_from(["like", "reply"]),
)
def test_services_never_lower_a_comment_among_its_siblings(shape, data, what):
    """Siblings with likes, replies and ages drawn at random; one gets a like or a reply."""
    now = timezone.now()
    article = ArticleFactory(published_at=now - timedelta(days=8))
    root = CommentFactory(article=article, created_at=now - timedelta(days=7))
    children = []
    for like_count, reply_count, minutes in shape:
        child = CommentFactory(parent=root, created_at=now - timedelta(minutes=minutes))
        add_likes(child, like_count)
        for _ in range(reply_count):
            CommentFactory(parent=child)
        children.append(child)
    target = data.draw(st.sampled_from(children), label="target")

    def place() -> tuple[int, float]:
        order = [f"-{c}" if d == "DESC" else c for c, d in ORDER_COLUMNS[Sort.BEST]]
        ids = list(
            Comment.objects.filter(parent=root).order_by(*order).values_list("pk", flat=True)
        )
        return ids.index(target.pk), Comment.objects.get(pk=target.pk).best_score

    before_rank, before_score = place()
    if what == "like":
        services.comment_like_toggle(comment=target, user=UserFactory())
    else:
        CommentFactory(parent=target)
    after_rank, after_score = place()

    assert after_score > before_score
    assert after_rank <= before_rank


# --- The scenario, on the page -------------------------------------------


@pytest.mark.django_db
def test_a_reply_keeps_a_nine_like_comment_second_on_the_page(client, article, user):
    """Issue 12's example: a 9-like comment in second place gets one reply, and stays second.

    Under the old score (Wilson, with replies as the negative outcome) that
    reply dropped it to fifth here: 9 likes out of 10 scored 0.596, 6 out of 6
    scored 0.610.
    """
    now = timezone.now()
    likes_by_name = {"top": 12, "nine": 9, "eight": 8, "seven": 7, "six": 6, "five": 5, "two": 2}
    threads = {}
    for minutes, (name, count) in enumerate(likes_by_name.items()):
        threads[name] = CommentFactory(
            article=article, body=name, created_at=now - timedelta(minutes=60 - 5 * minutes)
        )
        add_likes(threads[name], count)
    expected = list(likes_by_name)

    def best_order() -> list[str]:
        html = client.get(article.get_absolute_url(), {"sort": "best"}).content.decode()
        names = {comment.pk: name for name, comment in threads.items()}
        return [names[pk] for pk in comment_ids(html) if pk in names]

    assert best_order() == expected

    services.comment_create(
        article=article, author=user, body="Good point.", parent=threads["nine"]
    )

    nine = Comment.objects.get(pk=threads["nine"].pk)
    assert (nine.like_count, nine.reply_count) == (9, 1)
    assert best_order() == expected
