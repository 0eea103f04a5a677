"""Cached anonymous pages go out gzipped to browsers, each with its reader's own form token."""

from __future__ import annotations

import gzip
import re

import pytest
from django.test import Client
from django.urls import reverse

from articles.services import article_save
from comments import pagecache
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db

BROWSER = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br, zstd"}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def page_of(response) -> str:
    """The HTML a browser shows: gzip undone, with its checksum and length checked."""
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(response.content))
    if response.get("Content-Encoding") == "gzip":
        return gzip.decompress(response.content).decode()
    assert "Content-Encoding" not in response
    return response.content.decode()


def vary(response) -> set[str]:
    return {value.strip() for value in response.get("Vary", "").split(",") if value.strip()}


@pytest.fixture
def discussed(article):
    for number in range(40):
        CommentFactory(article=article, body=f"Comment number {number} about the warp core.")
    return article


def test_a_browser_gets_the_cached_page_gzipped(discussed):
    url = discussed.get_absolute_url()
    Client().get(url, **BROWSER)

    response = Client().get(url, **BROWSER)

    assert response["X-Page-Cache"] == "hit"
    assert response["Content-Encoding"] == "gzip"
    assert {"Accept-Encoding", "Cookie"} <= vary(response)
    html = page_of(response)
    assert "Comment number 0 about the warp core." in html
    assert "Comment number 39 about the warp core." in html
    assert len(response.content) * 4 < len(html.encode())
    # No token in the htmx headers; the one token is the comment form's.
    assert "X-CSRFToken" not in html
    assert "hx-headers" not in html
    assert len(TOKEN.findall(html)) == 1


def test_the_first_browser_gets_its_fresh_page_gzipped_too(discussed):
    response = Client().get(discussed.get_absolute_url(), **BROWSER)
    assert response["X-Page-Cache"] == "miss"
    assert response["Content-Encoding"] == "gzip"
    assert "Comment number 39 about the warp core." in page_of(response)


@pytest.mark.parametrize("accept_encoding", [None, "gzip;q=0", "identity", "br", "gzip;q=0, *"])
def test_clients_that_refuse_gzip_get_the_plain_page(discussed, accept_encoding):
    url = discussed.get_absolute_url()
    gzipped = page_of(Client().get(url, **BROWSER))
    headers = {} if accept_encoding is None else {"HTTP_ACCEPT_ENCODING": accept_encoding}

    response = Client().get(url, **headers)

    assert response["X-Page-Cache"] == "hit"
    assert "Content-Encoding" not in response
    assert "Accept-Encoding" in vary(response)
    plain = page_of(response)
    assert "Comment number 39 about the warp core." in plain
    assert TOKEN.sub("", plain) == TOKEN.sub("", gzipped)


def test_each_reader_gets_a_token_of_their_own_that_works(discussed):
    url = discussed.get_absolute_url()
    Client().get(url, **BROWSER)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    one, two = first.get(url, **BROWSER), second.get(url, **BROWSER)
    assert one["X-Page-Cache"] == two["X-Page-Cache"] == "hit"
    token = TOKEN.search(page_of(one)).group(1)
    assert token != TOKEN.search(page_of(two)).group(1)
    # The compressed length says nothing about the token (BREACH).
    assert len(one.content) == len(two.content)

    response = first.post(
        reverse("comments:create", kwargs={"slug": discussed.slug}),
        {"body": "Posted from a gzipped cached page", "csrfmiddlewaretoken": token},
    )
    # Not a CSRF failure: logged out, so the reader is sent to log in with the text kept.
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_page_without_a_form_is_cached_without_any_token(article):
    CommentFactory(article=article, body="Said before closing.")
    article.comments_open = False
    article_save(article=article)
    url = article.get_absolute_url()
    Client().get(url, **BROWSER)

    response = Client().get(url, **BROWSER)

    assert response["X-Page-Cache"] == "hit"
    html = page_of(response)
    assert "Said before closing." in html
    assert "csrfmiddlewaretoken" not in html
    assert "csrftoken" not in response.cookies
    # Still "Vary: Cookie": with a session cookie the same URL is someone's own page.
    assert vary(response) == {"Accept-Encoding", "Cookie"}


def test_a_page_whose_token_cant_be_found_is_never_shared(discussed, monkeypatch):
    monkeypatch.setattr(pagecache, "_TOKEN_IN_PAGE", re.compile(rb"(no token looks like this)"))
    url = discussed.get_absolute_url()
    for _ in range(2):
        response = Client().get(url, **BROWSER)
        assert "X-Page-Cache" not in response
        assert "Comment number 39 about the warp core." in page_of(response)


def test_a_signed_in_reader_never_gets_the_shared_page(discussed, client_logged_in, user):
    url = discussed.get_absolute_url()
    Client().get(url, **BROWSER)

    response = client_logged_in.get(url, **BROWSER)

    # Their own page, filled in from the drawing (comments.overlay), not the shared page.
    assert response.headers.get("X-Page-Cache") == "personal"
    html = page_of(response)
    assert f"as {user.display_name}" in html
    assert re.search(r'<body hx-headers=\'\{"X-CSRFToken": "[A-Za-z0-9]{64}"\}\'>', html)


def test_a_hit_takes_one_cache_round_trip(discussed, monkeypatch):
    url = discussed.get_absolute_url()
    Client().get(url, **BROWSER)
    reads = []
    for name in ("get", "get_many"):
        read = getattr(pagecache.cache, name)
        monkeypatch.setattr(
            pagecache.cache,
            name,
            lambda *args, _read=read, **kwargs: reads.append(1) or _read(*args, **kwargs),
        )

    assert Client().get(url, **BROWSER)["X-Page-Cache"] == "hit"
    assert len(reads) == 1


@pytest.mark.parametrize(
    ("accept_encoding", "gzip_ok"),
    [
        ("gzip", True),
        ("gzip, deflate, br, zstd", True),
        ("GZIP", True),
        ("x-gzip", True),
        ("gzip;q=0.5, identity", True),
        ("br;q=1.0, gzip ; q=0.001", True),
        ("*", True),
        ("", False),
        ("identity", False),
        ("br, deflate", False),
        ("gzip;q=0", False),
        ("gzip; q=0.000", False),
        ("*;q=0", False),
        ("gzip;q=0, *", False),
        ("gzip;q=oops", False),
    ],
)
def test_accept_encoding_is_read_with_its_weights(accept_encoding, gzip_ok):
    assert pagecache.accepts_gzip(accept_encoding) is gzip_ok


@pytest.mark.parametrize("times", [0, 1, 3])
def test_a_token_anywhere_on_a_page_is_spliced_with_the_right_checksum(times):
    placeholder_token = b"T" * 64
    html = b"<p>caf\xc3\xa9</p>".join(
        [b"<html>" + b"x" * 5000] + [b'<input value="' + placeholder_token + b'">'] * times + [b""]
    )
    page = pagecache.StoredPage.compress(
        html=html,
        token=placeholder_token if times else None,
        article_id=1,
        site="s",
        discussion="d",
    )
    assert len(page.pieces) == times + 1
    for reader in (b"A" * 64, b"0123456789" * 6 + b"abcd"):
        expected = html.replace(placeholder_token, reader) if times else html
        assert gzip.decompress(page.gzip(reader if times else b"")) == expected


def test_head_of_an_article_page_answers_like_get_without_a_body(client, article):
    CommentFactory(article=article, body="Heads up.")
    get = client.get(article.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip")
    head = client.head(article.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip")
    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Encoding"] == get["Content-Encoding"] == "gzip"
    assert head["X-Page-Cache"] == "hit"
