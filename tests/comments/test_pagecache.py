"""Anonymous readers' article pages come from the shared cache, and every write shows at once."""

from __future__ import annotations

import re
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.services import article_save
from comments import pagecache, services
from comments.models import Comment
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

CACHE_TABLE = "trekboard_cache"


def get(client: Client, article) -> tuple[str, str | None]:
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode(), response.get("X-Page-Cache")


def app_queries(captured) -> list[str]:
    """Queries that touch the site's own tables (not the database cache's)."""
    return [q["sql"] for q in captured if CACHE_TABLE not in q["sql"]]


def test_the_second_anonymous_reader_gets_the_page_from_the_cache(client, article):
    CommentFactory(article=article, body="Fascinating.")
    first, state = get(client, article)
    assert state == "miss"

    with CaptureQueriesContext(connection) as captured:
        second, state = get(Client(), article)

    assert state == "hit"
    assert app_queries(captured.captured_queries) == []
    assert "Fascinating." in second
    # The same page but for its CSRF token, which is each reader's own.
    token = re.compile(r"\b[A-Za-z0-9]{64}\b")
    assert token.sub("TOKEN", first) == token.sub("TOKEN", second)


@pytest.mark.parametrize(
    "change",
    ["new comment", "reply", "edit", "like", "author delete", "moderator removal", "pin"],
)
def test_every_write_shows_on_the_next_anonymous_request(client, article, moderator, change):
    author = UserFactory()
    comment = CommentFactory(article=article, author=author, body="Original words")
    get(client, article)
    assert get(client, article)[1] == "hit"

    if change == "new comment":
        CommentFactory(article=article, body="A brand new thread")
        expected = "A brand new thread"
    elif change == "reply":
        CommentFactory(parent=comment, body="A reply in place")
        expected = "A reply in place"
    elif change == "edit":
        services.comment_edit(comment=comment, user=author, body="Second thoughts")
        expected = "Second thoughts"
    elif change == "like":
        services.comment_like_toggle(comment=comment, user=UserFactory())
        expected = '<span class="like__count">1</span>'
    elif change == "author delete":
        CommentFactory(parent=comment, body="Still here")
        get(client, article)
        services.comment_delete(comment=comment, user=author)
        expected = "[deleted]"
    elif change == "moderator removal":
        CommentFactory(parent=comment, body="Still here")
        get(client, article)
        services.comment_moderate(comment=comment, actor=moderator, act="remove", reason="Rude")
        expected = "[removed by a moderator]"
    else:
        services.comment_pin(comment=comment, actor=moderator)
        expected = ">Pinned<"

    html, state = get(Client(), article)
    assert state == "miss"
    assert expected in html
    assert get(Client(), article)[1] == "hit"


def page_cache_statements(captured) -> list[str]:
    """The page cache's statements on the database cache, by their first word."""
    return [q["sql"].split(None, 1)[0] for q in captured if "pagecache:" in q["sql"]]


@pytest.mark.parametrize("on_the_database", [True, False], ids=["database-cache", "locmem"])
def test_versions_are_read_in_one_round_trip_and_started_in_one_more(
    settings, request, article, on_the_database
):
    if on_the_database:
        request.getfixturevalue("database_cache")
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    def versions() -> tuple[tuple[str, str], list[str]]:
        with CaptureQueriesContext(connection) as captured:
            read = pagecache.Versions(article.pk)
        return (read.site, read.discussion), page_cache_statements(captured)

    first, sql = versions()  # after a flush: none yet
    assert sql == (["SELECT", "INSERT"] if on_the_database else [])
    assert None not in first
    again, sql = versions()
    assert (again, sql) == (first, ["SELECT"] if on_the_database else [])
    pagecache.discussion_changed(article.pk)
    after, sql = versions()
    assert after[0] == first[0]
    assert after[1] not in (first[1], None)
    assert sql == (["SELECT"] if on_the_database else [])


@pytest.mark.usefixtures("database_cache")
def test_on_the_database_cache_a_hit_is_one_statement_and_a_miss_at_most_four(article):
    CommentFactory(article=article, body="Fascinating.")

    def fetch() -> tuple[str, str | None, list[str]]:
        with CaptureQueriesContext(connection) as captured:
            html, state = get(Client(), article)
        return html, state, page_cache_statements(captured)

    # First: the slug's article (new to this process), the versions, the page stored.
    assert fetch()[1:] == ("miss", ["SELECT", "SELECT", "INSERT"])
    # Both versions, one read (this process holds the page itself).
    assert fetch()[1:] == ("hit", ["SELECT"])
    CommentFactory(article=article, body="Another view.")
    # The versions (the page held here is stale), the shared page with the
    # versions (another process may have stored a newer one), the versions
    # again, the page stored.
    html, state, sql = fetch()
    assert (state, sql) == ("miss", ["SELECT", "SELECT", "SELECT", "INSERT"])
    assert "Another view." in html
    assert fetch()[1:] == ("hit", ["SELECT"])


def test_an_edited_article_shows_at_once(client, article):
    get(client, article)
    article.title = "A title fixed after publication"
    article_save(article=article)
    html, state = get(client, article)
    assert state == "miss"
    assert "A title fixed after publication" in html


def test_a_cached_pages_token_works_for_posting(article, user):
    get(Client(), article)
    reader = Client(enforce_csrf_checks=True)
    html, state = get(reader, article)
    assert state == "hit"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = reader.post(
        reverse("comments:create", kwargs={"slug": article.slug}),
        {"body": "Posted from a cached page", "csrfmiddlewaretoken": token},
    )
    # Not a CSRF failure: logged out, so the reader is sent to log in with the text kept.
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_signed_in_readers_and_readers_with_a_draft_get_their_own_page(client, article, user):
    get(Client(), article)
    client.force_login(user)
    response = client.get(article.get_absolute_url())
    # Their own page: drawn from the shared drawing (comments.overlay), never the shared page.
    assert response.headers.get("X-Page-Cache") == "personal"
    assert f"as {user.display_name}" in response.content.decode()  # the form knows who posts

    drafter = Client()
    drafter.post(
        reverse("comments:create", kwargs={"slug": article.slug}), {"body": "My unsent words"}
    )
    html = drafter.get(article.get_absolute_url()).content.decode()
    assert "My unsent words" in html  # the draft, not the shared page


def test_the_cache_can_be_turned_off(client, article, settings):
    settings.ANONYMOUS_PAGE_SECONDS = 0
    get(client, article)
    response = client.get(article.get_absolute_url())
    assert "X-Page-Cache" not in response


def test_hidden_comments_never_reach_the_shared_page(client, article):
    held = CommentFactory(article=article, body="Only my eyes")
    services.comment_status_set(comment=held, status=Comment.Status.PENDING)
    client.force_login(held.author)
    assert "Only my eyes" in client.get(article.get_absolute_url()).content.decode()
    html, _ = get(Client(), article)
    assert "Only my eyes" not in html


@pytest.mark.django_db(transaction=True)
def test_a_committed_write_invalidates_through_on_commit_alone(settings):
    """Production's path: the version is replaced when the writing transaction commits."""
    from tests.factories import ArticleFactory

    settings.PAGE_CACHE_BUMP_NOW = False
    article = ArticleFactory()
    CommentFactory(article=article, body="Before")
    get(Client(), article)
    assert get(Client(), article)[1] == "hit"

    CommentFactory(article=article, body="Committed after the page was cached")

    html, state = get(Client(), article)
    assert state == "miss"
    assert "Committed after the page was cached" in html


def test_anonymous_pages_carry_no_htmx_token(client, article):
    """The htmx headers' token is for signed-in readers; anonymous forms carry their own."""
    comment = CommentFactory(article=article, body="Worth a permalink")
    get(client, article)
    for url in (
        article.get_absolute_url(),  # the cached page
        reverse("comments:detail", kwargs={"pk": comment.pk}),
        comment.author.get_absolute_url(),
        reverse("articles:list"),
    ):
        response = Client().get(url)
        assert response.status_code == 200, url
        assert "hx-headers" not in response.content.decode(), url


def test_signed_in_readers_htmx_posts_use_the_pages_token(article, user):
    """The "Delete" link posts with htmx and no form: its token comes from <body hx-headers>."""
    comment = CommentFactory(article=article, author=user, body="Regrettable")
    get(Client(), article)
    reader = Client(enforce_csrf_checks=True)
    reader.force_login(user)
    response = reader.get(article.get_absolute_url())
    assert "X-Page-Cache" not in response
    html = response.content.decode()
    assert f'hx-post="{reverse("comments:delete", kwargs={"pk": comment.pk})}"' in html
    token = re.search(r'<body hx-headers=\'\{"X-CSRFToken": "([A-Za-z0-9]{64})"\}\'>', html)

    response = reader.post(
        reverse("comments:delete", kwargs={"pk": comment.pk}),
        HTTP_HX_REQUEST="true",
        HTTP_X_CSRFTOKEN=token.group(1),
    )

    assert response.status_code == 200
    comment.refresh_from_db()
    assert comment.status == Comment.Status.DELETED


def test_a_page_held_by_this_process_expires_as_the_shared_one_does(article, settings, monkeypatch):
    settings.ANONYMOUS_PAGE_SECONDS = 60
    CommentFactory(article=article, body="Posted just now")
    assert get(Client(), article)[1] == "miss"
    assert get(Client(), article)[1] == "hit"
    later = time.time() + 61
    monkeypatch.setattr(pagecache.time, "time", lambda: later)
    # Nothing was written, but "just now" would be a minute stale: drawn again.
    assert get(Client(), article)[1] == "miss"
