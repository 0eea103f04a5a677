"""Front page, article pages and tag pages as readers and staff see them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import ArticleFactory, CommentFactory, TagFactory

pytestmark = pytest.mark.django_db


def test_front_page_lists_newest_first_with_comment_counts(client):
    now = timezone.now()
    older = ArticleFactory(title="Older news", published_at=now - timedelta(days=2))
    newer = ArticleFactory(title="Newer news", published_at=now - timedelta(hours=1))
    for _ in range(12):
        CommentFactory(article=older)
    CommentFactory(article=newer)
    html = client.get("/").content.decode()
    assert html.index("Newer news") < html.index("Older news")
    assert "12 Comments" in html
    assert "1 Comment<" in html


def test_front_page_query_count_is_fixed(client, django_assert_num_queries):
    tag = TagFactory()
    for _ in range(10):
        article = ArticleFactory()
        article.tags.add(tag)
        CommentFactory(article=article)
    # count, page of articles with counts, their tags, session-less anonymous.
    with django_assert_num_queries(3):
        response = client.get("/")
    assert response.status_code == 200


def test_front_page_paginates(client, settings):
    settings.ARTICLES_PER_PAGE = 2
    for index in range(5):
        ArticleFactory(
            title=f"Story {index}", published_at=timezone.now() - timedelta(hours=index + 1)
        )
    page2 = client.get("/?page=2").content.decode()
    assert "Story 2" in page2
    assert "Story 0" not in page2
    assert "Page 2 of 3" in page2


@pytest.mark.parametrize("page", ["abc", "-1", "0", "999999999999999999999", "2.5", ""])
def test_bad_page_numbers_never_fail(client, page):
    ArticleFactory()
    assert client.get("/", {"page": page}).status_code == 200


def test_drafts_are_hidden_from_readers_and_shown_to_staff(client, draft_article, staff_user):
    assert draft_article.title not in client.get("/").content.decode()
    assert client.get(draft_article.get_absolute_url()).status_code == 404
    client.force_login(staff_user)
    response = client.get(draft_article.get_absolute_url())
    assert response.status_code == 200
    assert "Draft — only staff can see this" in response.content.decode()


def test_scheduled_article_is_hidden_until_its_time(client):
    future = ArticleFactory(published_at=timezone.now() + timedelta(days=1))
    assert client.get(future.get_absolute_url()).status_code == 404


def test_article_page_shows_body_gallery_related_and_next(client):
    show = TagFactory(name="Starfall Drift")
    now = timezone.now()
    article = ArticleFactory(
        title="Trailer day",
        body="<p>Big <strong>news</strong></p><script>alert(1)</script>",
        published_at=now - timedelta(days=2),
    )
    article.tags.add(show)
    related = ArticleFactory(title="Season two review", published_at=now - timedelta(days=3))
    related.tags.add(show)
    following = ArticleFactory(title="Casting rumour", published_at=now - timedelta(days=1))
    article.gallery.create(image="articles/gallery/a.jpg", caption="The bridge at dawn")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<strong>news</strong>" in html
    assert "<script>alert(1)" not in html
    assert "The bridge at dawn" in html
    assert "Related" in html
    assert related.get_absolute_url() in html
    assert f'rel="next" href="{following.get_absolute_url()}"' in html


def test_tag_page_lists_its_articles(client):
    tag = TagFactory(name="Casting")
    tagged = ArticleFactory(title="Who plays the captain")
    tagged.tags.add(tag)
    ArticleFactory(title="Unrelated")
    html = client.get(reverse("articles:tag", kwargs={"slug": tag.slug})).content.decode()
    assert "Who plays the captain" in html
    assert "Unrelated" not in html


def test_unknown_article_is_friendly_404(client):
    response = client.get("/articles/no-such-thing/")
    assert response.status_code == 404
    assert "couldn't find that page" in response.content.decode()


def test_article_body_is_sanitized_once_on_save():
    article = ArticleFactory(body='<p onclick="x()">Hi</p><iframe src="//evil"></iframe>')
    stored = Article.objects.get(pk=article.pk).body_html
    assert stored == "<p>Hi</p>"


@pytest.mark.parametrize(
    ("standfirst", "title", "expected"),
    [
        ("The bridge, at last.", "Trailer", "The bridge, at last."),
        ("", "Trailer <b>Night</b>", "Trailer &lt;b&gt;Night&lt;/b&gt;"),
        ("x" * 200, "Trailer", "x" * 200),
        ("y" * 250, "Trailer", "y" * 199 + "…"),
    ],
)
def test_the_pages_description_is_its_standfirst_or_title_cut_at_200(
    client, standfirst: str, title: str, expected: str
):
    article = ArticleFactory(standfirst=standfirst, title=title)
    page = client.get(article.get_absolute_url()).content.decode()
    assert f'<meta name="description" content="{expected}">' in page
