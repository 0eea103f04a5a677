"""Long discussions: threads fifty at a time, replies ten at a time, folding, bounded cost."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from comments import services
from comments.models import Comment
from tests.factories import CommentFactory, UserFactory
from tests.helpers import comment_ids

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}

# Same budget as tests/comments/test_likes.py: the article with its tags,
# gallery and related/next/previous links (one query), the page of comments
# with the count (one). Uncached: these tests turn the anonymous page cache off
# to count the render.
ARTICLE_PAGE_QUERIES_ANONYMOUS = 2
# A "Load more comments" fragment: the article and the page of comments.
THREAD_PAGE_FRAGMENT_QUERIES = 2
# An "N more replies" fragment: the parent (with article and author) and the
# batch of replies.
REPLY_FRAGMENT_QUERIES = 2


class _LinkIn(HTMLParser):
    """The attributes of the first <a> inside the element with a given id."""

    def __init__(self, container_id: str) -> None:
        super().__init__()
        self.container_id = container_id
        self.inside = False
        self.found: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id") == self.container_id:
            self.inside = True
        elif self.inside and tag == "a" and self.found is None:
            self.found = values


def link_in(html: str, container_id: str) -> dict[str, str | None]:
    parser = _LinkIn(container_id)
    parser.feed(html)
    assert parser.found is not None, f"no link inside #{container_id}"
    return parser.found


def split_url(url: str) -> tuple[str, dict[str, list[str]], str]:
    parts = urlsplit(url)
    return parts.path, parse_qs(parts.query), parts.fragment


def roots_in(html: str) -> list[int]:
    shown = comment_ids(html)
    roots = set(Comment.objects.filter(pk__in=shown, parent=None).values_list("pk", flat=True))
    return [pk for pk in shown if pk in roots]


def make_threads(article, count: int) -> list[Comment]:
    """``count`` top-level comments, oldest first (so Oldest shows them in this order)."""
    author = UserFactory()
    return [CommentFactory(article=article, author=author) for _ in range(count)]


# --- Top-level threads -------------------------------------------------------


def test_first_fifty_threads_with_their_replies_and_a_load_more_link(client, article, settings):
    assert settings.COMMENT_THREADS_PER_PAGE == 50
    threads = make_threads(article, 51)
    reply = CommentFactory(parent=threads[0], body="a reply on page one")
    html = client.get(article.get_absolute_url(), {"sort": "oldest"}).content.decode()
    assert roots_in(html) == [thread.pk for thread in threads[:50]]
    assert f'id="comment-{reply.pk}"' in html
    assert "Load more comments" in html

    more = link_in(html, "load-more")
    path, query, fragment = split_url(more["href"])
    assert (path, query, fragment) == (
        article.get_absolute_url(),
        {"sort": ["oldest"], "page": ["2"]},
        "comments",
    )
    path, query, _ = split_url(more["hx-get"])
    assert path == reverse("comments:page", kwargs={"slug": article.slug})
    assert path == f"/articles/{article.slug}/comments/page/"
    assert query == {"sort": ["oldest"], "page": ["2"]}

    page_two = client.get(more["href"]).content.decode()
    assert roots_in(page_two) == [threads[50].pk]
    assert "Load more comments" not in page_two


def test_exactly_one_page_has_no_load_more(client, article, settings):
    settings.COMMENT_THREADS_PER_PAGE = 3
    make_threads(article, 3)
    html = client.get(article.get_absolute_url()).content.decode()
    assert len(roots_in(html)) == 3
    assert 'id="load-more"' not in html
    assert "Load more comments" not in html


def test_page_two_shows_the_next_threads_and_a_way_back(client, article, settings):
    settings.COMMENT_THREADS_PER_PAGE = 3
    threads = make_threads(article, 8)
    html = client.get(article.get_absolute_url(), {"sort": "oldest", "page": "2"}).content.decode()
    assert roots_in(html) == [thread.pk for thread in threads[3:6]]
    assert re.search(r"Threads 4\D{1,5}6\b", html)
    assert (
        f'href="{article.get_absolute_url()}?sort=oldest#comments">Back to the first threads'
        in html
    )
    _, query, _ = split_url(link_in(html, "load-more")["href"])
    assert query["page"] == ["3"]

    last = client.get(article.get_absolute_url(), {"sort": "oldest", "page": "3"}).content.decode()
    assert roots_in(last) == [thread.pk for thread in threads[6:]]
    assert 'id="load-more"' not in last


def test_htmx_load_more_returns_only_the_threads_and_the_next_button(client, article, settings):
    settings.COMMENT_THREADS_PER_PAGE = 3
    threads = make_threads(article, 8)
    reply = CommentFactory(parent=threads[4])
    response = client.get(
        reverse("comments:page", kwargs={"slug": article.slug}),
        {"sort": "oldest", "page": "2"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert roots_in(html) == [thread.pk for thread in threads[3:6]]
    assert f'id="comment-{reply.pk}"' in html
    for page_part in ("<html", "comments-title", "sort-nav", 'id="respond"', "Leave a Reply"):
        assert page_part not in html
    # The fragment replaces the old button with its threads and a new button.
    assert html.rstrip().endswith("</div>")
    more = link_in(html, "load-more")
    assert parse_qs(urlsplit(more["hx-get"]).query) == {"sort": ["oldest"], "page": ["3"]}
    assert more["hx-target"] == "#load-more"
    assert more["hx-swap"] == "outerHTML"

    last = client.get(
        reverse("comments:page", kwargs={"slug": article.slug}),
        {"sort": "oldest", "page": "3"},
        **HTMX,
    ).content.decode()
    assert roots_in(last) == [thread.pk for thread in threads[6:]]
    assert "load-more" not in last


def test_page_fragment_without_htmx_redirects_to_the_article(client, article):
    response = client.get(
        reverse("comments:page", kwargs={"slug": article.slug}), {"sort": "top", "page": "2"}
    )
    assert response.status_code == 302
    path, query, fragment = split_url(response["Location"])
    assert path == article.get_absolute_url()
    assert query == {"sort": ["top"], "page": ["2"]}
    assert fragment == "comments"


def test_page_past_the_end_is_not_an_error(client, article, settings):
    settings.COMMENT_THREADS_PER_PAGE = 3
    make_threads(article, 2)
    response = client.get(article.get_absolute_url(), {"page": "40"})
    assert response.status_code == 200
    assert "No more comments." in response.content.decode()


@pytest.mark.parametrize("bogus", ["abc", "-1", "0", "1.5", "", "99999999999999999999", "2e3"])
def test_bogus_page_numbers_show_the_first_page(client, article, settings, bogus):
    settings.COMMENT_THREADS_PER_PAGE = 3
    threads = make_threads(article, 5)
    response = client.get(article.get_absolute_url(), {"sort": "oldest", "page": bogus})
    assert response.status_code == 200
    assert roots_in(response.content.decode()) == [thread.pk for thread in threads[:3]]
    fragment = client.get(
        reverse("comments:page", kwargs={"slug": article.slug}),
        {"sort": "oldest", "page": bogus},
        **HTMX,
    )
    assert fragment.status_code == 200


# --- Replies -----------------------------------------------------------------


def make_replies(parent: Comment, count: int) -> list[Comment]:
    """``count`` replies, oldest first: with no likes, Best shows them in this order."""
    author = UserFactory()
    return [
        CommentFactory(parent=parent, author=author, body=f"reply {n}") for n in range(1, count + 1)
    ]


def test_first_ten_replies_and_n_more(client, article, settings):
    assert settings.COMMENT_REPLIES_SHOWN == 10
    root = CommentFactory(article=article)
    replies = make_replies(root, 13)
    html = client.get(article.get_absolute_url()).content.decode()
    assert comment_ids(html) == [root.pk] + [reply.pk for reply in replies[:10]]
    assert "3 more replies" in html

    more = link_in(html, f"more-replies-{root.pk}")
    path, query, fragment = split_url(more["href"])
    assert path == reverse("comments:detail", kwargs={"pk": root.pk})
    assert query["offset"] == ["10"]
    assert fragment == f"replies-{root.pk}"
    path, query, _ = split_url(more["hx-get"])
    assert path == reverse("comments:replies", kwargs={"pk": root.pk})
    assert query["offset"] == ["10"]
    assert query["sort"] == ["best"]


def test_one_more_reply_is_singular(client, article):
    root = CommentFactory(article=article)
    make_replies(root, 11)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "1 more reply<" in html
    assert "1 more replies" not in html


def test_ten_replies_exactly_have_no_more_link(client, article):
    root = CommentFactory(article=article)
    make_replies(root, 10)
    html = client.get(article.get_absolute_url()).content.decode()
    assert len(comment_ids(html)) == 11
    assert "more-replies" not in html


def test_nested_replies_are_paged_too(client, article):
    root = CommentFactory(article=article)
    child = CommentFactory(parent=root)
    grandchildren = make_replies(child, 12)
    html = client.get(article.get_absolute_url()).content.decode()
    assert [pk for pk in comment_ids(html) if pk not in {root.pk, child.pk}] == [
        g.pk for g in grandchildren[:10]
    ]
    assert "2 more replies" in html
    more = link_in(html, f"more-replies-{child.pk}")
    assert parse_qs(urlsplit(more["hx-get"]).query)["offset"] == ["10"]


def test_replies_fragment_returns_the_next_batch_and_a_further_more(client, article):
    root = CommentFactory(article=article)
    replies = make_replies(root, 25)
    nested = CommentFactory(parent=replies[12], body="under reply 13")
    # Oldest, since under Best the answered reply 13 would move up to the first ten.
    html = client.get(article.get_absolute_url(), {"sort": "oldest"}).content.decode()
    url = link_in(html, f"more-replies-{root.pk}")["hx-get"]

    response = client.get(url, **HTMX)
    batch = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in batch
    assert [pk for pk in comment_ids(batch) if pk != nested.pk] == [r.pk for r in replies[10:20]]
    assert f'id="comment-{nested.pk}"' in batch
    assert "5 more replies" in batch
    follow_up = link_in(batch, f"more-replies-{root.pk}")
    assert parse_qs(urlsplit(follow_up["hx-get"]).query)["offset"] == ["20"]

    last = client.get(follow_up["hx-get"], **HTMX).content.decode()
    assert comment_ids(last) == [r.pk for r in replies[20:]]
    assert "more-replies" not in last


def test_more_replies_without_javascript_is_the_permalink_page(client, article):
    root = CommentFactory(article=article)
    replies = make_replies(root, 13)
    html = client.get(article.get_absolute_url()).content.decode()
    href = link_in(html, f"more-replies-{root.pk}")["href"]
    page = client.get(href)
    assert page.status_code == 200
    shown = comment_ids(page.content.decode())
    assert shown == [root.pk] + [reply.pk for reply in replies[10:]]
    assert "Replies from number 11 on" in page.content.decode()

    fragment_url = reverse("comments:replies", kwargs={"pk": root.pk})
    response = client.get(fragment_url, {"offset": "10", "sort": "best"})
    assert response.status_code == 302
    path, query, fragment = split_url(response["Location"])
    assert path == reverse("comments:detail", kwargs={"pk": root.pk})
    assert query == {"sort": ["best"], "offset": ["10"]}
    assert fragment == f"replies-{root.pk}"


@pytest.mark.parametrize("bogus", ["x", "-1", "", "1e3", "99999999999999999999", "10.5"])
def test_bogus_offsets_are_not_errors(client, article, bogus):
    root = CommentFactory(article=article)
    replies = make_replies(root, 12)
    permalink = client.get(reverse("comments:detail", kwargs={"pk": root.pk}), {"offset": bogus})
    assert permalink.status_code == 200
    assert comment_ids(permalink.content.decode())[1:] == [r.pk for r in replies[:10]]
    fragment = client.get(
        reverse("comments:replies", kwargs={"pk": root.pk}), {"offset": bogus}, **HTMX
    )
    assert fragment.status_code == 200
    assert client.get(
        reverse("comments:replies", kwargs={"pk": root.pk}), {"offset": bogus}
    ).status_code in (301, 302)


def test_offset_past_the_end_is_not_an_error(client, article):
    root = CommentFactory(article=article)
    make_replies(root, 3)
    response = client.get(
        reverse("comments:replies", kwargs={"pk": root.pk}), {"offset": "500"}, **HTMX
    )
    assert response.status_code == 200
    assert comment_ids(response.content.decode()) == []


# --- Folding -----------------------------------------------------------------


def folded_note(html: str, comment: Comment) -> str:
    match = re.search(
        rf'<summary class="comment__fold-toggle" id="comment-fold-{comment.pk}".*?'
        r'<span class="comment__folded-note">(.*?)</span>\s*</summary>',
        html,
        re.S,
    )
    assert match, f"comment {comment.pk} has no summary with a folded note"
    return match.group(1).strip()


def test_every_comment_folds_and_says_how_many_replies_it_hides(client, article):
    root = CommentFactory(article=article)
    a = CommentFactory(parent=root)
    a1 = CommentFactory(parent=a)
    b = CommentFactory(parent=root)
    a2 = CommentFactory(parent=a)
    a2x = CommentFactory(parent=a2)
    html = client.get(article.get_absolute_url()).content.decode()
    for comment in (root, a, a1, b, a2, a2x):
        element = html[html.index(f'id="comment-{comment.pk}"') :]
        assert re.match(
            rf'id="comment-{comment.pk}"[^>]*>\s*<details class="comment__fold" open>\s*'
            rf'<summary class="comment__fold-toggle" id="comment-fold-{comment.pk}">'
            r"(?:(?!</summary>).)*</summary>\s*"
            rf'<header class="comment__meta" id="comment-meta-{comment.pk}"',
            element,
        )
    assert folded_note(html, root) == "5 replies hidden"
    assert folded_note(html, a) == "3 replies hidden"
    assert folded_note(html, a2) == "1 reply hidden"
    assert "replies hidden" not in folded_note(html, b)
    assert html.count('<details class="comment__fold" open>') == 6


def test_fold_count_leaves_out_deleted_replies(client, article):
    root = CommentFactory(article=article)
    author = UserFactory()
    gone = CommentFactory(parent=root, author=author)
    CommentFactory(parent=root)
    services.comment_delete(comment=gone, user=author)
    html = client.get(article.get_absolute_url()).content.decode()
    assert folded_note(html, root) == "1 reply hidden"


# --- Cost --------------------------------------------------------------------


def test_a_big_discussion_costs_what_it_shows(client, article, settings, django_assert_num_queries):
    settings.ANONYMOUS_PAGE_SECONDS = 0
    CommentFactory(article=article)
    with django_assert_num_queries(ARTICLE_PAGE_QUERIES_ANONYMOUS):
        client.get(article.get_absolute_url())

    threads = make_threads(article, 199)
    for thread in threads[-60:]:
        make_replies(thread, 2)
    with django_assert_num_queries(ARTICLE_PAGE_QUERIES_ANONYMOUS):
        response = client.get(article.get_absolute_url(), {"sort": "newest"})
    html = response.content.decode()
    assert len(roots_in(html)) == 50
    assert len(comment_ids(html)) == 50 * 3
    assert "320 Comments" in html  # the count is of the whole discussion

    with django_assert_num_queries(ARTICLE_PAGE_QUERIES_ANONYMOUS):
        response = client.get(article.get_absolute_url(), {"sort": "oldest", "page": "4"})
    assert len(roots_in(response.content.decode())) == 50


def test_load_more_fragment_query_count_is_fixed(
    client, article, settings, django_assert_num_queries
):
    settings.COMMENT_THREADS_PER_PAGE = 3
    url = reverse("comments:page", kwargs={"slug": article.slug})
    make_threads(article, 4)
    with django_assert_num_queries(THREAD_PAGE_FRAGMENT_QUERIES):
        client.get(url, {"page": "2"}, **HTMX)
    for thread in make_threads(article, 10):
        make_replies(thread, 3)
    with django_assert_num_queries(THREAD_PAGE_FRAGMENT_QUERIES):
        response = client.get(url, {"page": "2"}, **HTMX)
    assert len(roots_in(response.content.decode())) == 3


def test_replies_fragment_query_count_is_fixed(client, article, django_assert_num_queries):
    root = CommentFactory(article=article)
    url = reverse("comments:replies", kwargs={"pk": root.pk})
    make_replies(root, 11)
    with django_assert_num_queries(REPLY_FRAGMENT_QUERIES):
        client.get(url, {"offset": "10"}, **HTMX)
    for reply in make_replies(root, 30):
        make_replies(reply, 2)
    with django_assert_num_queries(REPLY_FRAGMENT_QUERIES):
        response = client.get(url, {"offset": "10"}, **HTMX)
    # Best puts the 30 answered replies first: ten of them, with their two replies each.
    assert len(comment_ids(response.content.decode())) == 10 * 3
