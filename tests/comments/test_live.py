"""Live "new comments" on an open article page (issue 16): the poll and "Show them"."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import Article
from comments import pagecache, services
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# A store of its own, not the process's shared one that other tests fill up.
LOCMEM = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "live"}
}


def poll_url(html: str) -> str:
    """The poll's address, as the page (or the last answer) gives it."""
    found = re.search(r'id="live-poll" hidden data-live-poll hx-get="([^"]+)"', html)
    assert found, "no live poll on the page"
    return unescape(found.group(1))


def reader_values(html: str) -> dict:
    """What the signed-in reader's header sends with each poll (hx-include="#live-reader")."""
    return dict(re.findall(r'<input type="hidden" name="(u|inbox)" value="(\d+)">', html))


def ask(client: Client, url: str, **values):
    """The poll as htmx sends it: the element's address, plus the included values."""
    return client.get(f"{url}&{urlencode(values)}" if values else url, **HTMX)


@pytest.fixture
def open_page(client, article):
    """An anonymous reader's page of an article with one comment, and its poll's address."""
    CommentFactory(article=article, body="First!")
    html = client.get(article.get_absolute_url()).content.decode()
    return article, poll_url(html)


def test_the_page_polls_every_few_seconds_unless_it_is_a_draft(client, article, settings):
    settings.LIVE_POLL_SECONDS = 7
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 7s, live-now"' in html
    assert f"/comments/live/{article.pk}/?v=" in poll_url(html)
    assert 'id="live-banner" class="live-banner" role="status" aria-live="polite"' in html
    staff = Client()
    staff.force_login(UserFactory(is_staff=True))
    draft = ArticleFactory(status=Article.Status.DRAFT)
    assert "live-poll" not in staff.get(draft.get_absolute_url()).content.decode()


@pytest.mark.parametrize("signed_in", [False, True])
def test_nothing_new_costs_no_query_with_a_shared_cache(client, article, settings, signed_in):
    settings.CACHES = LOCMEM
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    if signed_in:
        client.force_login(UserFactory())
    html = client.get(article.get_absolute_url()).content.decode()
    url = poll_url(html)
    ask(client, url, **reader_values(html))  # the session's first read, if any
    with CaptureQueriesContext(connection) as queries:
        response = ask(client, url, **reader_values(html))
    assert response.status_code == 204
    assert response.content == b""
    assert len(queries) == 0


def test_nothing_new_costs_one_cache_read_on_the_database_cache(database_cache, open_page, client):
    _, url = open_page
    with CaptureQueriesContext(connection) as queries:
        assert ask(client, url).status_code == 204
    assert len(queries) == 1
    assert "trekboard_cache" in queries[0]["sql"]


def test_others_comments_show_up_as_a_banner_then_in_place(open_page, client):
    article, url = open_page
    parent = article.comments.get()
    CommentFactory(article=article, body="Second, from someone else")
    CommentFactory(parent=parent, body="And a reply to the first")

    answer = ask(client, url)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "<strong>2 new comments</strong>" in html
    assert ">Show them</button>" in html
    assert '<h2 class="discussion__title" id="comments-title" hx-swap-oob="true">3 Comments' in html
    # Asked again under the new version: quiet until something else happens.
    url = poll_url(html)
    assert ask(client, url).status_code == 204

    show = re.search(r'hx-get="(/comments/live/\d+/new/[^"]+)"', html).group(1)
    shown = ask(client, unescape(show)).content.decode()
    assert "2 new comments shown at the top of the discussion" in shown
    assert 'hx-swap-oob="afterbegin:#comments-list"' in shown
    assert "Second, from someone else" in shown
    assert "And a reply to the first" in shown
    assert "Reply to <a href=" in shown
    # The poll moved past what was shown: a third comment is the only new one.
    CommentFactory(article=article, body="Third")
    answer = ask(client, poll_url(shown)).content.decode()
    assert "<strong>1 new comment</strong>" in answer
    assert ">Show it</button>" in answer


def test_a_readers_own_comment_is_not_news_to_them(client, article, user):
    client.force_login(user)
    html = client.get(article.get_absolute_url()).content.decode()
    url = poll_url(html)
    client.post(reverse("comments:create", kwargs={"slug": article.slug}), {"body": "Mine"})
    answer = ask(client, url, **reader_values(html))
    assert answer.status_code == 200
    assert "new comment" not in answer.content.decode()
    assert "1 Comment" in answer.content.decode()


def test_hidden_comments_are_never_news(open_page, client, moderator):
    article, url = open_page
    spam = CommentFactory(article=article, body="Buy now")
    services.comment_moderate(comment=spam, actor=moderator, act="spam")
    answer = ask(client, url).content.decode()
    assert "new comment" not in answer
    assert "Buy now" not in answer


def test_the_bell_follows_when_someone_replies_elsewhere(client, article, user):
    mine = CommentFactory(article=ArticleFactory(), author=user, body="Over there")
    client.force_login(user)
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'class="bell__count"' not in html
    url, values = poll_url(html), reader_values(html)
    assert values["u"] == str(user.pk)
    assert ask(client, url, **values).status_code == 204

    CommentFactory(parent=mine, body="A reply to you")
    answer = ask(client, url, **values).content.decode()
    assert '<span class="bell__count">1</span>' in answer
    assert 'id="bell" hx-swap-oob="true"' in answer
    # The next poll says as of when, and is quiet again.
    assert ask(client, poll_url(answer), **reader_values(answer)).status_code == 204


def test_another_readers_id_gets_no_bell(client, article, user, other_user):
    mine = CommentFactory(article=article, author=other_user, body="Theirs")
    client.force_login(user)
    html = client.get(article.get_absolute_url()).content.decode()
    url = poll_url(html)
    CommentFactory(parent=mine, body="A reply to them")
    answer = ask(client, url, u=other_user.pk, inbox=0).content.decode()
    assert "bell__count" not in answer


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({}, 400),
        ({"since": "yesterday"}, 400),
        ({"since": "2026-01-01T00:00:00"}, 400),  # no time zone
        ({"since": "2026-01-01T00:00:00+00:00", "v": "x" * 500, "u": "ⅷ", "inbox": "-1"}, 200),
    ],
)
def test_garbage_gets_a_clear_answer(open_page, client, params, status):
    article, _ = open_page
    response = client.get(reverse("comments:live", args=[article.pk]), params, **HTMX)
    assert response.status_code == status


def test_without_htmx_it_is_not_a_page(open_page, client):
    _, url = open_page
    assert client.get(url).status_code == 400


def test_a_poll_for_an_article_gone_stops_polling(open_page, client):
    article, url = open_page
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
    pagecache.discussion_changed(article.pk)  # as the admin's save does
    assert ask(client, url).status_code == 286


def test_when_the_cache_is_down_it_asks_again_later(open_page, client, settings):
    _, url = open_page
    settings.CACHES = {
        "default": {
            "BACKEND": "trekboard.cache.FailSafeRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        }
    }
    with CaptureQueriesContext(connection) as queries:
        response = ask(client, url)
    assert response.status_code == 200
    assert 'hx-trigger="every 60s, live-now"' in response.content.decode()
    assert len(queries) == 0


def test_a_poll_that_keeps_claiming_a_change_is_slowed_down(client, article, user, settings):
    # A page asking with a made-up version reads the database each time: counted.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "live": "2/m"}
    client.force_login(user)
    url = poll_url(client.get(article.get_absolute_url()).content.decode())
    forged = re.sub(r"v=[^&]*", "v=made-up", url)
    for _ in range(2):
        assert "every 10s" in ask(client, forged).content.decode()
    with CaptureQueriesContext(connection) as queries:
        answer = ask(client, forged).content.decode()
    assert 'hx-trigger="every 60s, live-now"' in answer
    assert not [q for q in queries.captured_queries if "comments_comment" in q["sql"]]


def test_a_poll_for_any_number_writes_nothing_to_the_cache(client, settings):
    settings.CACHES = LOCMEM
    url = f"{reverse('comments:live', args=[987654])}?v=&since=2026-01-01T00:00:00%2B00:00"
    assert ask(client, url).status_code == 286
    assert pagecache.live_versions(987654, None) == (None, None)


def test_after_a_cache_flush_the_first_poll_starts_the_version(open_page, client):
    _, url = open_page
    cache.clear()
    answer = ask(client, url)
    assert answer.status_code == 200
    version = pagecache.live_versions(open_page[0].pk, None)[0]
    assert version is not None
    assert f"v={version}" in poll_url(answer.content.decode())
    assert ask(client, poll_url(answer.content.decode())).status_code == 204
