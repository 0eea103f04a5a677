"""Atom feeds: the newest articles, and an article's newest comments (issue 16).

Read with a feed parser, as a feed reader would; what they may carry is what
a reader who isn't signed in may read.
"""

from __future__ import annotations

from datetime import timedelta

import feedparser
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments import services
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "the saucer survives"


def feed(client: Client, url: str, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception  # well-formed Atom
    return response, parsed


def comments_feed_url(article) -> str:
    return reverse("comments:feed", args=[article.slug])


def test_articles_feed_lists_published_articles_newest_first(client):
    now = timezone.now()
    old = ArticleFactory(title="Older news", published_at=now - timedelta(days=2))
    new = ArticleFactory(title="Newer news", published_at=now - timedelta(hours=1))
    ArticleFactory(title="A draft", draft=True)
    ArticleFactory(title="Tomorrow's", published_at=now + timedelta(days=1))

    _, parsed = feed(client, reverse("articles:feed"))
    assert parsed.feed.title == "Trekboard: the newest articles"
    assert [entry.title for entry in parsed.entries] == ["Newer news", "Older news"]
    first = parsed.entries[0]
    assert first.link == f"http://testserver{new.get_absolute_url()}"
    assert first.published_parsed is not None
    assert old.get_absolute_url() in parsed.entries[1].link


def test_comments_feed_carries_only_what_anyone_may_read(client, moderator):
    article = ArticleFactory(title="Trailer")
    reader = UserFactory(first_name="Lily", last_name="Tran")
    shown = CommentFactory(article=article, author=reader, body=f"Called it: ||{SECRET}||")
    pending = CommentFactory(article=article, body="held back text")
    services.comment_status_set(comment=pending, status="pending")
    removed = CommentFactory(article=article, body="removed text")
    services.comment_moderate(comment=removed, actor=moderator, act="remove", reason="Rude")
    spam = CommentFactory(article=article, body="spam text")
    services.comment_status_set(comment=spam, status="spam")
    withdrawn = CommentFactory(article=article, body="withdrawn text")
    services.comment_delete(comment=withdrawn, user=withdrawn.author)

    response, parsed = feed(client, comments_feed_url(article))
    xml = response.content.decode()
    for hidden in ("held back text", "removed text", "spam text", "withdrawn text", SECRET):
        assert hidden not in xml
    (entry,) = parsed.entries
    assert entry.title == "Lily Tran on “Trailer”"
    assert entry.author == "Lily Tran"
    assert entry.link == f"http://testserver/comments/{shown.pk}/#comment-{shown.pk}"
    assert "Called it:" in entry.summary
    assert "[spoiler]" in entry.summary


def test_comments_feed_of_a_draft_or_missing_article_is_a_404(client, staff_user, draft_article):
    staff = Client()
    staff.force_login(staff_user)
    assert staff.get(comments_feed_url(draft_article)).status_code == 404
    assert client.get("/articles/no-such-article/feed/").status_code == 404


def test_conditional_get_answers_304_until_the_discussion_changes(client, moderator):
    article = ArticleFactory()
    first = CommentFactory(article=article, body="First!")
    response, _ = feed(client, comments_feed_url(article))
    etag = response["ETag"]
    again = client.get(comments_feed_url(article), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""

    CommentFactory(article=article, body="Second")
    response, parsed = feed(client, comments_feed_url(article), HTTP_IF_NONE_MATCH=etag)
    assert [entry.summary for entry in parsed.entries] == ["<p>Second</p>", "<p>First!</p>"]

    # A removal changes the feed too: a reader's copy never keeps removed text.
    services.comment_moderate(comment=first, actor=moderator, act="remove", reason="Dupe")
    response, parsed = feed(client, comments_feed_url(article), HTTP_IF_NONE_MATCH=response["ETag"])
    assert [entry.summary for entry in parsed.entries] == ["<p>Second</p>"]


def test_articles_feed_answers_304_and_notices_a_new_article(client):
    ArticleFactory(title="One")
    response, _ = feed(client, reverse("articles:feed"))
    etag = response["ETag"]
    assert client.get(reverse("articles:feed"), HTTP_IF_NONE_MATCH=etag).status_code == 304
    ArticleFactory(title="Two")
    _, parsed = feed(client, reverse("articles:feed"), HTTP_IF_NONE_MATCH=etag)
    assert parsed.entries[0].title == "Two"


def test_pages_say_where_their_feeds_are(client):
    article = ArticleFactory()
    page = client.get(article.get_absolute_url()).content.decode()
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Trekboard: the newest articles"'
        f' href="{reverse("articles:feed")}">' in page
    )
    assert f'type="application/atom+xml" title="Comments on “{article.title}”"' in page
    assert f'href="{comments_feed_url(article)}">Follow this discussion' in page
    home = client.get("/").content.decode()
    assert f'href="{reverse("articles:feed")}">New articles feed</a>' in home


def test_a_feed_costs_the_same_queries_however_many_comments(
    client, settings, django_assert_num_queries
):
    # A cache in the process, so only the database's statements are counted.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    small, big = ArticleFactory(), ArticleFactory()
    for _ in range(2):
        CommentFactory(article=small)
    for _ in range(40):
        CommentFactory(article=big)
    for article in (small, big):
        # The article once (for the ETag and the feed), then its comments.
        with django_assert_num_queries(2):
            feed(client, comments_feed_url(article))


def test_hostile_text_stays_text_in_the_feed(client):
    article = ArticleFactory(title="<script>alert(1)</script> & more")
    CommentFactory(article=article, body="<img src=x onerror=alert(1)> [x](javascript:alert(1))")
    response, parsed = feed(client, comments_feed_url(article))
    assert "<script>" not in response.content.decode()
    summary = parsed.entries[0].summary
    assert "<img" not in summary  # shown as the text typed
    assert "&lt;img src=x onerror=alert(1)&gt;" in summary
    assert "javascript:" not in summary.replace("[x](javascript:alert(1))", "")
    assert parsed.feed.title == "Comments on “<script>alert(1)</script> & more” · Trekboard"
