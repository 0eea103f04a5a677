"""The profile's recent comments, grouped by article: each title once (issue 12, point 8)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from comments.profiles import comments_by_user
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

LONG_TITLE = (
    "Everything we learned from the Lanternfall season three finale about the Meridian and its crew"
)


def _interleaved(reader):
    """Five comments on two articles, newest first: A, B, A, B, A."""
    first = ArticleFactory(title=LONG_TITLE)
    second = ArticleFactory(title="Episode 4 review")
    now = timezone.now()
    for age, article in enumerate([first, second, first, second, first]):
        CommentFactory(
            article=article,
            author=reader,
            body=f"comment {age} on {article.slug}",
            created_at=now - timedelta(hours=age),
        )
    return first, second


def test_each_article_title_is_shown_once_with_its_comments_under_it(
    client, django_assert_num_queries
):
    reader = UserFactory()
    first, second = _interleaved(reader)
    # The user, the recent comments with their articles, the totals: as before grouping.
    with django_assert_num_queries(3):
        response = client.get(reverse("accounts:profile", kwargs={"username": reader.username}))
    html = response.content.decode()

    assert html.count(LONG_TITLE) == 1
    assert html.count(">Episode 4 review<") == 1
    assert html.count('class="recent-comment"') == 5
    # The article commented on last comes first; under each title, its comments newest first.
    groups = re.findall(r'<li class="recent-article">(.*?)</ol>\s*</li>', html, re.S)
    assert len(groups) == 2
    assert LONG_TITLE in groups[0]
    assert re.findall(r"comment (\d) on", groups[0]) == ["0", "2", "4"]
    assert re.findall(r"comment (\d) on", groups[1]) == ["1", "3"]
    assert f'href="{first.get_absolute_url()}"' in groups[0]
    assert f'href="{second.get_absolute_url()}"' in groups[1]
    assert re.search(r'<h3 class="recent-article__title"><a href="[^"]+">' + LONG_TITLE, html)


def test_grouping_keeps_the_newest_comments_and_the_limit():
    reader = UserFactory()
    _interleaved(reader)
    groups = comments_by_user(user=reader, limit=3)
    assert [len(group.comments) for group in groups] == [2, 1]
    assert [c.body for group in groups for c in group.comments] == [
        f"comment 0 on {groups[0].article.slug}",
        f"comment 2 on {groups[0].article.slug}",
        f"comment 1 on {groups[1].article.slug}",
    ]
