"""The article page's one read: the article, its byline, tags, gallery and story links."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import ArticleFactory, TagFactory, UserFactory
from tests.helpers import without_live_moments

pytestmark = pytest.mark.django_db


def _story_links(html: str) -> dict[str, list[str]]:
    nav = re.search(r'<nav class="story-nav".*?</nav>', html, re.S)
    if nav is None:
        return {"related": [], "previous": [], "next": []}
    related = re.search(r'story-nav__related">.*?</section>', nav.group(0), re.S)
    return {
        "related": re.findall(
            r'<li><a href="[^"]+">([^<]+)</a>', related.group(0) if related else ""
        ),
        "previous": re.findall(r'rel="prev" href="[^"]+">([^<]+)<', nav.group(0)),
        "next": re.findall(r'rel="next" href="[^"]+">([^<]+)<', nav.group(0)),
    }


def test_related_are_the_most_shared_tags_first_then_the_newest_three(client):
    now = timezone.now()
    show, cast, music = TagFactory(name="Show"), TagFactory(name="Cast"), TagFactory(name="Music")
    article = ArticleFactory(title="Premiere", published_at=now - timedelta(days=10))
    article.tags.add(show, cast, music)
    one_old = ArticleFactory(title="One tag, old", published_at=now - timedelta(days=30))
    one_old.tags.add(music)
    one_new = ArticleFactory(title="One tag, new", published_at=now - timedelta(days=1))
    one_new.tags.add(show)
    two = ArticleFactory(title="Two tags", published_at=now - timedelta(days=40))
    two.tags.add(show, cast)
    three = ArticleFactory(title="All three", published_at=now - timedelta(days=50))
    three.tags.add(show, cast, music)
    draft = ArticleFactory(title="Draft sharing all", status="draft")
    draft.tags.add(show, cast, music)
    scheduled = ArticleFactory(title="Scheduled", published_at=now + timedelta(days=1))
    scheduled.tags.add(show, cast, music)

    links = _story_links(client.get(article.get_absolute_url()).content.decode())

    assert links["related"] == ["All three", "Two tags", "One tag, new"]
    # Next and previous by publication, among published articles only.
    assert links["next"] == ["One tag, new"]
    assert links["previous"] == ["One tag, old"]


def test_tags_in_name_order_byline_and_gallery_in_position_order(client):
    author = UserFactory(first_name="Ana", last_name="Reyes")
    article = ArticleFactory(title="Stills", author=author)
    article.tags.add(TagFactory(name="Zeta"), TagFactory(name="Alpha"))
    article.gallery.create(image="articles/gallery/b.jpg", caption="Second", position=2)
    article.gallery.create(image="articles/gallery/a.jpg", caption="First", position=1)

    html = client.get(article.get_absolute_url()).content.decode()

    kicker = re.search(r'<p class="kicker">(.*?)</p>', html, re.S).group(1)
    assert re.findall(r">([^<]+)</a>", kicker) == ["Alpha", "Zeta"]
    assert f'By <a href="{author.get_absolute_url()}">Ana Reyes</a>' in html
    assert html.index("First") < html.index("Second")
    assert "articles/gallery/a.jpg" in html


def test_an_article_without_author_tags_or_neighbours(client):
    article = ArticleFactory(title="Alone", author=None)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "story-nav" not in html
    assert 'class="kicker"' not in html
    assert "By <a" not in html


def _page_sql(client, url: str) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    # The form's CSRF token is masked afresh for every response.
    html = without_live_moments(re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", html))
    return html, [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize("prepared", [True, False])
def test_the_same_page_with_or_without_prepared_statements(
    client, settings, transactional_db, prepared
):
    settings.DATABASE_PREPARED_STATEMENTS = prepared
    settings.ANONYMOUS_PAGE_SECONDS = 0
    article = ArticleFactory(title="Either way")
    url = article.get_absolute_url()
    connection.close()  # earlier tests may have prepared them on this connection
    first, first_sql = _page_sql(client, url)
    again, again_sql = _page_sql(client, url)
    # A new connection (the database restarted, or the connection was recycled).
    connection.close()
    renewed, renewed_sql = _page_sql(client, url)

    assert "Either way" in first
    assert first == again == renewed
    assert len(first_sql) == len(again_sql) == len(renewed_sql) == 2
    prepares = [
        sum("PREPARE " in sql for sql in sqls) for sqls in (first_sql, again_sql, renewed_sql)
    ]
    assert prepares == ([2, 0, 2] if prepared else [0, 0, 0])


@pytest.mark.parametrize("kept", [True, False])
def test_a_first_run_that_failed_leaves_the_page_working(client, settings, transactional_db, kept):
    """A statement whose first run failed may or may not be prepared: the next page finds out."""
    from trekboard.queries import _prepared_on

    settings.DATABASE_PREPARED_STATEMENTS = True
    settings.ANONYMOUS_PAGE_SECONDS = 0
    article = ArticleFactory(title="After a timeout")
    url = article.get_absolute_url()
    connection.close()
    client.get(url)  # prepares both statements
    known = _prepared_on(connections["default"])
    assert sorted(known.values()) == ["prepared", "prepared"]
    for name in list(known):
        known[name] = "unsure"  # as a run cut short leaves it
        if not kept:
            with connection.cursor() as cursor:
                cursor.execute(f"DEALLOCATE {name}")

    html, sqls = _page_sql(client, url)

    assert "After a timeout" in html
    assert sum("pg_prepared_statements" in sql for sql in sqls) == 2
    assert sum("PREPARE " in sql for sql in sqls) == (0 if kept else 2)
    assert sorted(known.values()) == ["prepared", "prepared"]
