"""``/search/``: what a reader finds, and everything they must never find (issue 16)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings, strategies as st

from articles.models import Article
from comments import search as search_module, services
from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("comments:search")


def search(client: Client, expect: int = 200, **params) -> str:
    response = client.get(SEARCH, params)
    assert response.status_code == expect
    return response.content.decode()


def found_comments(html: str) -> list[int]:
    """The comments a results page lists, in order, by their permalinks."""
    return [int(pk) for pk in re.findall(r'class="search-hit__link" href="/comments/(\d+)/', html)]


def found_articles(html: str) -> list[str]:
    titles = re.findall(r'class="search-hit__title" href="[^"]+">([^<]+)<', html)
    return [unescape(title) for title in titles]


def snippets(html: str) -> list[str]:
    return re.findall(r'<p class="search-hit__snippet">(.*?)</p>', html, re.S)


@pytest.fixture
def article():
    return ArticleFactory(title="Season three trailer", body="<p>The trailer is out.</p>")


def test_a_word_finds_the_comment_with_it_marked_and_a_link_into_the_discussion(client, article):
    hit = CommentFactory(article=article, body="That **Borg cube** scene was incredible")
    CommentFactory(article=article, body="Nothing to see here")

    html = search(client, q="borg")

    assert found_comments(html) == [hit.pk]
    assert snippets(html) == ["That <mark>Borg</mark> cube scene was incredible"]
    # The permalink shows it in its thread, with the article named beside it.
    assert f'href="/comments/{hit.pk}/#comment-{hit.pk}"' in html
    assert "Season three trailer" in html
    assert "1 found" in html
    page = client.get(f"/comments/{hit.pk}/")
    assert page.status_code == 200
    assert "Borg cube" in page.content.decode()


def test_words_match_in_any_form_phrases_exclusions_and_or(client, article):
    ending = CommentFactory(article=article, body="The premiere ended on a cliffhanger")
    phrase = CommentFactory(article=article, body="A captain's log entry about the nebula")
    both = CommentFactory(article=article, body="The nebula scene and the cliffhanger")

    assert found_comments(search(client, q="ending cliffhangers")) == [ending.pk]
    assert set(found_comments(search(client, q="cliffhanger -nebula"))) == {ending.pk}
    assert set(found_comments(search(client, q='"log entry"'))) == {phrase.pk}
    assert set(found_comments(search(client, q='"entry log"'))) == set()
    assert set(found_comments(search(client, q="premiere or nebula"))) == {
        ending.pk,
        phrase.pk,
        both.pk,
    }


def test_only_what_any_reader_may_read_is_ever_found(client, article, moderator, staff_user):
    shown = CommentFactory(article=article, body="Romulan ale for everyone")
    removed = CommentFactory(article=article, body="Romulan ale is contraband")
    services.comment_moderate(comment=removed, actor=moderator, act="remove", reason="Rude")
    spam = CommentFactory(article=article, body="Romulan ale cheap at deals dot example")
    services.comment_moderate(comment=spam, actor=moderator, act="spam")
    deleted = CommentFactory(article=article, body="Romulan ale regrets")
    services.comment_delete(comment=deleted, user=deleted.author)
    held = CommentFactory(article=article, body="Romulan ale pending")
    services.comment_status_set(comment=held, status=Comment.Status.PENDING, reason="Held")
    # Articles taken back to a draft, or rescheduled, after readers commented.
    draft = ArticleFactory(title="Romulan ale draft")
    CommentFactory(article=draft, body="Romulan ale in a draft")
    Article.objects.filter(pk=draft.pk).update(status="draft")
    later = ArticleFactory(title="Romulan ale scheduled")
    CommentFactory(article=later, body="Romulan ale scheduled")
    Article.objects.filter(pk=later.pk).update(published_at=timezone.now() + timedelta(days=1))

    staff = Client()
    staff.force_login(staff_user)
    author_of_held = Client()
    author_of_held.force_login(held.author)
    for reader in (client, staff, author_of_held):
        html = search(reader, q="romulan ale")
        assert found_comments(html) == [shown.pk]
        assert found_articles(html) == []
        for text in ("contraband", "cheap", "regrets", "pending", "draft", "scheduled"):
            assert text not in html


def test_spoilers_are_neither_matched_nor_shown(client, article, moderator):
    inline = CommentFactory(article=article, body="Wow. ||Tasha dies in the finale|| right?")
    CommentFactory(article=article, body="[spoiler]The Enterprise explodes[/spoiler]")
    reddit = CommentFactory(article=article, body="So >!the admiral is a changeling!< huh")

    assert found_comments(search(client, q="tasha")) == []
    assert found_comments(search(client, q="enterprise explodes")) == []
    assert found_comments(search(client, q="changeling")) == []
    html = search(client, q="wow")
    assert found_comments(html) == [inline.pk]
    assert "Tasha" not in html
    assert found_comments(search(client, q="admiral")) == []
    assert found_comments(search(client, q="huh")) == [reddit.pk]

    # A spoiler added by a moderator afterwards leaves search at once.
    late = CommentFactory(article=article, body="The twist: Data was human all along")
    assert found_comments(search(client, q="twist human")) == [late.pk]
    services.comment_retro_spoiler(comment=late, actor=moderator, reason="Episode 5")
    assert found_comments(search(client, q="twist human")) == []
    assert "human" not in search(client, q="data")


def test_an_edit_is_searched_as_it_now_reads(client, article):
    comment = CommentFactory(article=article, body="Klingons are overrated")
    services.comment_edit(comment=comment, user=comment.author, body="Ferengi are overrated")
    assert found_comments(search(client, q="klingons")) == []
    assert found_comments(search(client, q="ferengi")) == [comment.pk]


def test_articles_are_found_by_headline_standfirst_and_text_headline_first(client):
    text = ArticleFactory(title="Casting news", body="<p>A new <b>Vulcan</b> joins the crew.</p>")
    headline = ArticleFactory(title="The Vulcan episode reviewed", body="<p>Review.</p>")
    ArticleFactory(title="Vulcan draft", status="draft")

    html = search(client, q="vulcan")

    assert found_articles(html) == [headline.title, text.title]
    # Tags never show in a snippet; the match is marked.
    assert "A new <mark>Vulcan</mark> joins the crew" in html
    assert "&lt;b&gt;" not in html


def test_filters_by_article_author_and_dates(client, article):
    other = ArticleFactory(title="Other news")
    lily = UserFactory(username="LilyT")
    old = CommentFactory(
        article=article,
        author=lily,
        body="Holodeck malfunction again",
        created_at=timezone.now() - timedelta(days=30),
    )
    new = CommentFactory(article=article, body="Holodeck malfunction, classic")
    elsewhere = CommentFactory(article=other, author=lily, body="Holodeck episodes ranked")

    assert set(found_comments(search(client, q="holodeck"))) == {old.pk, new.pk, elsewhere.pk}
    html = search(client, q="holodeck", article=article.slug)
    assert set(found_comments(html)) == {old.pk, new.pk}
    assert "Only in" in html
    assert "Search everywhere" in html
    assert set(found_comments(search(client, q="holodeck", author="@lilyt"))) == {
        old.pk,
        elsewhere.pk,
    }
    today = timezone.localdate()
    week_ago = (today - timedelta(days=7)).isoformat()
    assert set(found_comments(search(client, q="holodeck", since=week_ago))) == {
        new.pk,
        elsewhere.pk,
    }
    assert found_comments(search(client, q="holodeck", until=week_ago)) == [old.pk]
    assert set(found_comments(search(client, q="holodeck", since=today, until=today))) == {
        new.pk,
        elsewhere.pk,
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "x", "since": "yesterday"}, "Enter the start date as YYYY-MM-DD."),
        ({"q": "x", "until": "2026-13-45"}, "Enter the end date as YYYY-MM-DD."),
        ({"q": "x", "since": "2026-05-02", "until": "2026-05-01"}, "The end date is before"),
        ({"q": "x", "article": "no-such-article"}, "no article at that address"),
        ({"q": "x", "article": "../etc"}, "isn&#x27;t an article"),
        ({"q": "word " * 60}, "200 characters at most"),
    ],
)
def test_bad_filters_answer_a_message_not_an_error(client, params, message):
    assert message in search(client, **params)


def test_empty_and_wordless_searches_explain_themselves(client, article):
    CommentFactory(article=article, body="The the the")
    assert "How to search" in search(client)
    assert "How to search" in search(client, q="   ")
    html = search(client, q="the and of")
    assert "Nothing to search for in that" in html
    assert "Nothing found" in search(client, q="zzyzx")


def test_results_come_twenty_a_page_best_first(client, article):
    strong = CommentFactory(article=article, body="Tribbles tribbles tribbles everywhere")
    for n in range(24):
        CommentFactory(article=article, body=f"One tribble, number {n}")

    first = search(client, q="tribble")
    assert len(found_comments(first)) == 20
    assert found_comments(first)[0] == strong.pk
    assert "25 found" in first
    assert "Page 1 of 2" in first
    assert 'rel="next" href="?q=tribble&amp;page=2"' in first
    second = search(client, q="tribble", page=2)
    assert len(found_comments(second)) == 5
    assert not set(found_comments(first)) & set(found_comments(second))
    assert "only 2 pages of results" in search(client, q="tribble", page=9)
    # Garbage page numbers are the first page.
    assert found_comments(search(client, q="tribble", page="x")) == found_comments(first)


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_results_page_runs_at_most_five_queries_however_many_match(client, user, signed_in):
    if signed_in:
        client.force_login(user)
    article = ArticleFactory(title="Warp core breach")
    for n in range(3):
        CommentFactory(article=article, body=f"Warp core breach {n}")
    client.get(SEARCH, {"q": "warp"})  # the session and the like, read once
    with CaptureQueriesContext(connection) as few:
        assert client.get(SEARCH, {"q": "warp", "author": "nobody"}).status_code == 200
    for n in range(40):
        CommentFactory(article=article, body=f"Warp core again {n}")
    with CaptureQueriesContext(connection) as many:
        html = search(client, q="warp", article=article.slug)
    assert len(found_comments(html)) == 20
    assert len(few) <= 5, [query["sql"][:80] for query in few.captured_queries]
    assert len(many) <= 5, [query["sql"][:80] for query in many.captured_queries]


def test_every_page_has_the_search_box(client, article):
    page = client.get(article.get_absolute_url()).content.decode()
    assert f'<form class="site-search" method="get" action="{SEARCH}" role="search">' in page
    assert 'name="q"' in page


def test_searching_is_rate_limited(client_logged_in, article, settings):
    # Counted in the process (ratelimits.hit(local=True)): a search costs no cache round trip.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": "3/m"}
    for _ in range(3):
        search(client_logged_in, q="anything")
    response = client_logged_in.get(SEARCH, {"q": "anything"})
    assert response.status_code == 429
    assert "Retry-After" in response
    assert "searching too fast. Try again in" in response.content.decode()
    # The empty form costs nothing.
    assert client_logged_in.get(SEARCH).status_code == 200


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    q=st.text(max_size=80),
    author=st.text(max_size=20),
    since=st.text(max_size=12),
    page=st.text(max_size=6),
)
def test_no_input_makes_search_fail(client, q, author, since, page):
    response = client.get(SEARCH, {"q": q, "author": author, "since": since, "page": page})
    assert response.status_code in (200, 400)


def test_moderators_search_every_comment_through_the_same_index(admin_client, moderator):
    article = ArticleFactory(title="Premiere night")
    removed = CommentFactory(article=article, body="Those cloaking devices again")
    services.comment_moderate(comment=removed, actor=moderator, act="remove", reason="Rude")
    shown = CommentFactory(article=article, body="Cloaked ships everywhere")
    CommentFactory(article=article, body="Nothing related")
    by_name = CommentFactory(article=article, author=UserFactory(username="Cloak"), body="Hi")
    url = reverse("admin:comments_comment_changelist")

    def listed(**params) -> set[int]:
        html = admin_client.get(url, params).content.decode()
        return {int(pk) for pk in re.findall(r'name="_selected_action" value="(\d+)"', html)}

    assert listed(q="cloak") == {removed.pk, shown.pk, by_name.pk}
    assert listed(q='"cloaking devices"') == {removed.pk}
    assert listed(q="cloak", status="removed") == {removed.pk}
    assert listed(q="premiere") == {removed.pk, shown.pk, by_name.pk} | {
        c.pk for c in Comment.objects.filter(body="Nothing related")
    }
    assert listed(q="not-an-ip' OR 1=1") == set()


def test_a_very_common_word_is_ranked_among_its_newest_matches(client, article, monkeypatch):
    monkeypatch.setattr(search_module, "RANKED_AT_MOST", 5)
    now = timezone.now()
    oldest = CommentFactory(
        article=article,
        body="Phaser phaser phaser phaser",
        created_at=now - timedelta(days=10),
    )
    newer = [
        CommentFactory(
            article=article, body=f"One phaser, {n}", created_at=now - timedelta(hours=n)
        )
        for n in range(7)
    ]
    html = search(client, q="phaser")
    assert "more than 5 found: the best of the newest 5" in html
    assert set(found_comments(html)) == {comment.pk for comment in newer[:5]}
    assert oldest.pk not in found_comments(html)
    assert "Page 1 of" not in html  # one page of the five ranked
