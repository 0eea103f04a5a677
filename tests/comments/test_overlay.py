"""Signed-in readers' pages made from the shared drawing (comments/overlay.py).

The promise: a page filled in from the drawing is, byte for byte, the page the
full render makes for the same reader, and no reader's own parts reach
another reader or the anonymous page.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import Client
from django.utils import timezone

from comments import overlay, services
from comments.models import ArticleVisit, Comment, Notification
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.helpers import without_live_moments

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"[A-Za-z0-9]{64}")


def _page(client: Client, url: str) -> tuple[str, str | None]:
    response = client.get(url)
    assert response.status_code == 200
    # A CSRF token is masked afresh for every response.
    html = TOKEN.sub("TOKEN", response.content.decode())
    html = without_live_moments(html)
    return html, response.headers.get("X-Page-Cache")


def _full_render(client: Client, url: str, settings) -> str:
    seconds = settings.ANONYMOUS_PAGE_SECONDS
    settings.ANONYMOUS_PAGE_SECONDS = 0  # no drawing: the page rendered for this reader
    try:
        html, served = _page(client, url)
    finally:
        settings.ANONYMOUS_PAGE_SECONDS = seconds
    assert served is None
    return html


@pytest.fixture
def discussion(db):
    """A discussion with what a reader's page varies on: likes, new comments, a hidden one."""
    article = ArticleFactory()
    writers = UserFactory.create_batch(3, first_name="Ana", last_name="O'Neil")
    old = timezone.now() - timedelta(days=2)
    roots = []
    for index in range(6):
        root = CommentFactory(article=article, author=writers[index % 3])
        reply = CommentFactory(article=article, parent=root, author=writers[(index + 1) % 3])
        CommentFactory(article=article, parent=reply, author=writers[(index + 2) % 3])
        roots.append(root)
    # Half of them written before the reader's last visit, half after.
    Comment.objects.filter(pk__in=[r.pk for r in roots[:3]]).update(created_at=old)
    services.comment_status_set(comment=roots[4], status=Comment.Status.REMOVED)
    article.pinned_comment = roots[5]
    article.save(update_fields=["pinned_comment"])
    return article, roots


def _reader(article, roots, *, likes: list[Comment]) -> Client:
    reader = UserFactory()
    for comment in likes:
        services.comment_like_toggle(comment=comment, user=reader)
    yesterday = timezone.now() - timedelta(days=1)
    ArticleVisit.objects.create(
        user=reader, article=article, last_seen_at=yesterday, previous_seen_at=yesterday
    )
    client = Client()
    client.force_login(reader)
    return client


@pytest.mark.parametrize(
    "query",
    ["", "?sort=newest", "?sort=oldest&page=1", "?utm_source=x", "?page=abc&sort=%3Cscript%3E"],
)
def test_the_filled_page_is_the_full_render(discussion, settings, query):
    article, roots = discussion
    client = _reader(article, roots, likes=[roots[0], roots[3]])
    url = article.get_absolute_url() + query

    drawn, served = _page(client, url)  # draws the page
    assert served == "personal"
    again, served = _page(client, url)  # fills the drawing kept in this process
    assert served == "personal"
    full = _full_render(client, url, settings)

    assert drawn == again == full
    assert full.count("You liked this") == 2
    assert "comment--unseen" in full
    assert "badge--new" in full
    assert 'class="new-since"' in full


def test_a_closed_article_and_a_second_page(discussion, settings):
    article, roots = discussion
    settings.COMMENT_THREADS_PER_PAGE = 4
    client = _reader(article, roots, likes=[roots[1]])
    article.comments_open = False
    article.save(update_fields=["comments_open"])
    for query in ("", "?page=2"):
        url = article.get_absolute_url() + query
        html, served = _page(client, url)
        assert served == "personal"
        assert html == _full_render(client, url, settings)


def test_two_readers_never_see_each_others_parts(discussion, client):
    article, roots = discussion
    first = _reader(article, roots, likes=[roots[0]])
    second = _reader(article, roots, likes=[])
    first_html, _ = _page(first, article.get_absolute_url())
    second_html, served = _page(second, article.get_absolute_url())
    anonymous = client.get(article.get_absolute_url()).content.decode()

    first_name = first.get("/").wsgi_request.user.username
    second_name = second.get("/").wsgi_request.user.username
    assert served == "personal"
    assert "You liked this" in first_html
    assert first_name in first_html
    assert "You liked this" not in second_html
    assert first_name not in second_html
    assert second_name in second_html
    for name in (first_name, second_name):
        assert name not in anonymous
    # The drawing both pages were filled in from holds nothing of either reader.
    drawing = b"".join(overlay._drawings[(article.pk, "best", 1)].pieces).decode()
    for name in (first_name, second_name):
        assert name not in drawing
    assert "csrfmiddlewaretoken" not in drawing
    assert "X-CSRFToken" not in drawing
    assert "You liked this" not in anonymous
    assert 'class="like" ' not in anonymous


def test_a_new_comment_is_on_the_next_page(discussion):
    article, roots = discussion
    client = _reader(article, roots, likes=[])
    _page(client, article.get_absolute_url())
    CommentFactory(article=article, parent=roots[0], body="Just arrived from the other thread")
    html, served = _page(client, article.get_absolute_url())
    assert served == "personal"
    assert "Just arrived from the other thread" in html


@pytest.mark.parametrize("case", ["own comment", "own pending", "staff", "message", "draft"])
def test_pages_it_cant_make_are_rendered_in_full(discussion, settings, case):
    article, roots = discussion
    client = _reader(article, roots, likes=[])
    reader = client.get("/").wsgi_request.user
    if case == "own comment":
        CommentFactory(article=article, parent=roots[1], author=reader)
    elif case == "own pending":
        pending = CommentFactory(article=article, author=reader, body="Waiting for a moderator")
        Comment.objects.filter(pk=pending.pk).update(status=Comment.Status.PENDING)
    elif case == "staff":
        reader.is_staff = True
        reader.save(update_fields=["is_staff"])
    elif case == "message":
        storage = CookieStorage(client.get("/").wsgi_request)
        client.cookies["messages"] = storage._encode(
            [Message(constants.SUCCESS, "Your comment is posted.")]
        )
    else:
        session = client.session
        session[f"comment_draft:{article.pk}:0"] = "Half a thought"
        session.save()
    html, served = _page(client, article.get_absolute_url())
    assert served is None
    if case == "own pending":
        assert "Waiting for a moderator" in html
    if case == "message":
        assert "Your comment is posted." in html
    if case == "draft":
        assert "Half a thought" in html


def test_a_filled_page_costs_four_queries_at_most(discussion, settings, django_assert_num_queries):
    """The session, the reader, the versions, and the visit with their likes and bell (one).

    With Redis the versions come from it, not the database.
    """
    article, roots = discussion
    client = _reader(article, roots, likes=[roots[0]])
    _page(client, article.get_absolute_url())  # draws the page
    redis = "redis" in settings.CACHES["default"]["BACKEND"].lower()
    with django_assert_num_queries(3 if redis else 4):
        html, served = _page(client, article.get_absolute_url())
    assert served == "personal"
    assert "You liked this" in html


def test_a_banned_readers_page_is_their_full_render(discussion, settings):
    article, roots = discussion
    client = _reader(article, roots, likes=[roots[0]])
    reader = client.get("/").wsgi_request.user
    reader.banned = True
    reader.save(update_fields=["banned"])
    html, served = _page(client, article.get_absolute_url())
    assert served == "personal"
    assert html == _full_render(client, article.get_absolute_url(), settings)


def test_kept_parts_follow_the_reader_and_every_response_has_its_own_working_token(
    discussion, settings
):
    """What a drawing keeps per reader (header, form, hearts) is drawn again when anything
    of theirs changes, and never keeps a token: each response carries a fresh one that works."""
    article, roots = discussion
    client = _reader(article, roots, likes=[roots[0]])
    client.handler.enforce_csrf_checks = True
    reader = client.get("/").wsgi_request.user
    url = article.get_absolute_url()

    pages = [client.get(url) for _ in range(2)]
    tokens = [set(TOKEN.findall(page.content.decode())) for page in pages]
    assert [page.headers["X-Page-Cache"] for page in pages] == ["personal", "personal"]
    assert len(tokens[0]) == len(tokens[1]) == 1  # one token per response, in every form
    assert tokens[0] != tokens[1]
    liked = client.post(
        f"/comments/{roots[1].pk}/like/",
        {"csrfmiddlewaretoken": tokens[1].pop(), "next": url},
    )
    assert liked.status_code == 302
    assert roots[1].likes.filter(user=reader).exists()

    reader.first_name, reader.last_name = "Renamed", "Reader"
    reader.save(update_fields=["first_name", "last_name"])
    other = ArticleFactory()
    mine = CommentFactory(article=other, author=reader)
    CommentFactory(article=other, parent=mine)  # notifies the reader
    assert Notification.objects.filter(recipient=reader, read_at=None).count() == 1

    html, served = _page(client, url)
    assert served == "personal"
    assert "as Renamed Reader" in html
    assert 'aria-label="Notifications: 1 unread"' in html
    assert html.count("You liked this") == 2
    assert html == _full_render(client, url, settings)
