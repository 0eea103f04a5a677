"""Likes: one per reader per comment, toggled, never on your own, cheap to show."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import Article
from comments import services
from comments.models import Comment, CommentLike
from comments.ranking import Sort
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.helpers import add_likes, comment_ids

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}

# The article page, whatever the discussion holds. Anonymous (rendered, not from
# the page cache): the article with its author, tags, gallery and related/next/
# previous links (one query), the page of comments with their authors and the
# count (one). Signed in adds the session, the user, the visit (one statement
# that also counts what is new) and the bell; the reader's likes come with the
# comments.
ARTICLE_PAGE_QUERIES_ANONYMOUS = 2
ARTICLE_PAGE_QUERIES_SIGNED_IN = 6


def like_url(comment: Comment) -> str:
    return reverse("comments:like", kwargs={"pk": comment.pk})


class _LikeForms(HTMLParser):
    """The hidden ``next`` value of each like form, by comment id."""

    def __init__(self) -> None:
        super().__init__()
        self.current: int | None = None
        self.next_values: dict[int, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form" and (values.get("id") or "").startswith("like-"):
            self.current = int(values["id"].removeprefix("like-"))
        elif tag == "input" and values.get("name") == "next" and self.current is not None:
            self.next_values[self.current] = values["value"] or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None


def like_next_values(html: str) -> dict[int, str]:
    parser = _LikeForms()
    parser.feed(html)
    return parser.next_values


def like_block(html: str, comment: Comment) -> str:
    """The comment's like control (up to the end of its actions footer)."""
    start = html.index(f'id="like-{comment.pk}"')
    return html[start : html.index("</footer>", start)]


# --- Toggling ----------------------------------------------------------------


def test_like_then_unlike_toggles_one_like(client_logged_in, user, article):
    comment = CommentFactory(article=article)
    response = client_logged_in.post(like_url(comment))
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.like_count == 1
    assert CommentLike.objects.filter(comment=comment, user=user).count() == 1

    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    block = like_block(html, comment)
    assert '<span class="like__count">1</span>' in block
    assert 'aria-pressed="true"' in block
    assert "You liked this" in block

    client_logged_in.post(like_url(comment))
    comment.refresh_from_db()
    assert comment.like_count == 0
    assert not CommentLike.objects.filter(comment=comment).exists()
    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    block = like_block(html, comment)
    assert '<span class="like__count">0</span>' in block
    assert 'aria-pressed="false"' in block
    assert "You liked this" not in html


def test_each_reader_counts_once(article):
    comment = CommentFactory(article=article)
    readers = UserFactory.create_batch(3)
    for reader in readers:
        client = Client()
        client.force_login(reader)
        client.post(like_url(comment))
    client.post(like_url(comment))  # the last reader again: takes theirs back
    comment.refresh_from_db()
    assert comment.like_count == 2
    assert CommentLike.objects.filter(comment=comment).count() == 2


def test_other_readers_see_the_count_without_you_liked_this(client, article):
    comment = add_likes(CommentFactory(article=article), 3)
    html = client.get(article.get_absolute_url()).content.decode()
    block = like_block(html, comment)
    assert '<span class="like__count">3</span>' in block
    assert "You liked this" not in html

    bystander = Client()
    bystander.force_login(UserFactory())
    html = bystander.get(article.get_absolute_url()).content.decode()
    assert '<span class="like__count">3</span>' in like_block(html, comment)
    assert "You liked this" not in html


def test_authors_cannot_like_their_own_comment(client_logged_in, user, article):
    comment = CommentFactory(article=article, author=user)
    response = client_logged_in.post(like_url(comment))
    assert response.status_code == 403
    assert "You can't like your own comment." in unescape(response.content.decode())
    comment.refresh_from_db()
    assert comment.like_count == 0
    assert not CommentLike.objects.exists()


def test_htmx_like_of_own_comment_is_a_403_fragment(client_logged_in, user, article):
    comment = CommentFactory(article=article, author=user)
    response = client_logged_in.post(like_url(comment), **HTMX)
    html = unescape(response.content.decode())
    assert response.status_code == 403
    assert "<html" not in html
    assert "You can't like your own comment." in html


def test_own_comments_show_the_count_but_no_like_button(client_logged_in, user, article):
    own = add_likes(CommentFactory(article=article, author=user), 2)
    theirs = CommentFactory(article=article)
    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert f'action="{like_url(own)}"' not in html
    assert f'<span class="like like--own" id="like-{own.pk}"' in html
    assert '<span class="like__count">2</span>' in like_block(html, own)
    assert f'action="{like_url(theirs)}"' in html


def test_anonymous_like_goes_to_login(client, article):
    comment = CommentFactory(article=article)
    response = client.post(like_url(comment))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    assert not CommentLike.objects.exists()


def test_anonymous_htmx_like_redirects_the_browser_to_login(client, article):
    comment = CommentFactory(article=article)
    response = client.post(like_url(comment), **HTMX)
    assert response["HX-Redirect"].startswith(reverse("login") + "?next=")
    assert not CommentLike.objects.exists()


def test_like_is_post_only(client_logged_in, article):
    comment = CommentFactory(article=article)
    assert client_logged_in.get(like_url(comment)).status_code == 405
    assert not CommentLike.objects.exists()


def test_deleted_comment_cannot_be_liked(client_logged_in, article):
    author = UserFactory()
    comment = CommentFactory(article=article, author=author)
    CommentFactory(parent=comment)  # keeps it on the page as "[deleted]"
    services.comment_delete(comment=comment, user=author)
    response = client_logged_in.post(like_url(comment))
    assert response.status_code == 403
    assert "This comment can't be liked any more." in unescape(response.content.decode())
    assert not CommentLike.objects.exists()


def test_comment_on_a_draft_article_cannot_be_liked(client_logged_in):
    comment = CommentFactory(article=ArticleFactory())
    # Unpublished after the discussion began.
    Article.objects.filter(pk=comment.article_id).update(status=Article.Status.DRAFT)
    assert client_logged_in.post(like_url(comment)).status_code == 404
    assert not CommentLike.objects.exists()


def test_csrf_is_enforced_on_likes(user, article):
    comment = CommentFactory(article=article)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    response = strict.post(like_url(comment))
    assert response.status_code == 403
    assert not CommentLike.objects.exists()


# --- htmx and no-JavaScript responses -------------------------------------------


def test_htmx_like_returns_the_like_fragment(client_logged_in, article):
    comment = add_likes(CommentFactory(article=article), 1)
    response = client_logged_in.post(like_url(comment), {"next": "/somewhere/"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.strip().startswith(f'<form class="like" id="like-{comment.pk}"')
    assert '<span class="like__count">2</span>' in html
    assert 'aria-pressed="true"' in html
    assert "You liked this" in html
    assert 'name="next" value="/somewhere/"' in html

    response = client_logged_in.post(like_url(comment), **HTMX)
    html = response.content.decode()
    assert '<span class="like__count">1</span>' in html
    assert "You liked this" not in html


def test_no_js_like_returns_to_the_page_it_came_from(client_logged_in, article, settings):
    settings.COMMENT_THREADS_PER_PAGE = 1
    CommentFactory(article=article)
    second = CommentFactory(article=article)
    html = client_logged_in.get(
        article.get_absolute_url(), {"sort": "oldest", "page": "2"}
    ).content.decode()
    next_url = like_next_values(html)[second.pk]
    assert next_url == f"{article.get_absolute_url()}?sort=oldest&page=2#comment-{second.pk}"

    response = client_logged_in.post(like_url(second), {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url
    second.refresh_from_db()
    assert second.like_count == 1


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "javascript:alert(1)",
        "http://testserver.evil.example/",
        "",
    ],
)
def test_offsite_or_missing_next_falls_back_to_the_comment(client_logged_in, article, next_url):
    comment = CommentFactory(article=article)
    response = client_logged_in.post(like_url(comment), {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == f"{article.get_absolute_url()}#comment-{comment.pk}"


# --- Query counts ------------------------------------------------------------


def _busy_discussion(article, liker) -> list[Comment]:
    """Seven threads, each with two replies that have a reply of their own; ``liker``
    likes every comment and a few have other readers' likes too."""
    authors = UserFactory.create_batch(3)
    comments = []
    for index in range(7):
        root = CommentFactory(article=article, author=authors[index % 3])
        comments.append(root)
        for branch in range(2):
            reply = CommentFactory(parent=root, author=authors[branch])
            comments.append(reply)
            comments.append(CommentFactory(parent=reply, author=authors[2]))
    for comment in comments:
        services.comment_like_toggle(comment=comment, user=liker)
    for comment in comments[::4]:
        add_likes(comment, 2)
    return comments


@pytest.mark.parametrize(
    ("signed_in", "queries"),
    [(False, ARTICLE_PAGE_QUERIES_ANONYMOUS), (True, ARTICLE_PAGE_QUERIES_SIGNED_IN)],
)
def test_article_page_query_count_is_fixed(
    client, user, article, settings, django_assert_num_queries, signed_in, queries
):
    settings.COMMENT_THREADS_PER_PAGE = 3
    settings.ANONYMOUS_PAGE_SECONDS = 0
    liker = user if signed_in else UserFactory()
    if signed_in:
        client.force_login(user)
    only = CommentFactory(article=article)
    services.comment_like_toggle(comment=only, user=liker)
    with django_assert_num_queries(queries):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200

    _busy_discussion(article, liker)
    for sort in Sort:
        if signed_in:
            services.sort_remember(user=user, sort=sort)  # so the visit itself writes nothing
        for page in (1, 2):
            with django_assert_num_queries(queries):
                response = client.get(article.get_absolute_url(), {"sort": sort, "page": page})
            html = response.content.decode()
            shown = comment_ids(html)
            roots = Comment.objects.filter(pk__in=shown, parent=None)
            assert len(roots) == 3
            # Each shown thread is shown whole.
            trees = Comment.objects.filter(tree_id__in=[root.tree_id for root in roots])
            assert sorted(shown) == sorted(trees.values_list("pk", flat=True))
            if signed_in:
                assert html.count("You liked this") == len(shown)
            else:
                assert "You liked this" not in html
