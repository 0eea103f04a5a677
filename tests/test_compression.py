"""Every text response goes out gzipped to clients that take it (trekboard/compression.py)."""

from __future__ import annotations

import gzip
import re

import pytest
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.test import Client, RequestFactory

from comments.generate import discussion_generate
from trekboard.compression import CompressionMiddleware

pytestmark = pytest.mark.django_db

BROWSER = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br, zstd"}
TOKEN = re.compile(r'(?:name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")([A-Za-z0-9]{64})"')


def vary(response) -> set[str]:
    return {value.strip() for value in response.get("Vary", "").split(",") if value.strip()}


def body_of(response) -> bytes:
    """What the browser shows: gzip undone once (a second layer would stay visible)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Encoding") == "gzip":
        return gzip.decompress(content)
    assert "Content-Encoding" not in response
    return content


def without_tokens(html: bytes) -> str:
    return TOKEN.sub("", html.decode())


@pytest.fixture
def big_discussion(article):
    """A few hundred comments, so the signed-in page is hundreds of KB of HTML."""
    discussion_generate(slug=article.slug, comments=300, seed=3)
    return article


@pytest.fixture
def reader_page(big_discussion, client_logged_in):
    """``get(**headers)``: the article as its signed-in reader loads it (visited once already)."""
    url = big_discussion.get_absolute_url()
    client_logged_in.get(url)  # the visit that "new since your last visit" counts from

    def get(**headers):
        return client_logged_in.get(url, **headers)

    return get


def test_a_signed_in_page_is_gzipped_and_unchanged_by_it(reader_page):
    compressed, plain = reader_page(**BROWSER), reader_page()

    assert compressed.status_code == plain.status_code == 200
    # Made for this reader (comments.overlay), not the shared page.
    assert compressed.headers.get("X-Page-Cache") == "personal"
    assert compressed["Content-Encoding"] == "gzip"
    assert compressed["Content-Length"] == str(len(compressed.content))
    html = body_of(compressed)
    assert without_tokens(html) == without_tokens(body_of(plain))
    assert len(html) > 100_000
    assert len(compressed.content) * 5 < len(html)


def test_each_signed_in_response_has_its_own_token_and_a_padded_header(reader_page):
    one, two = reader_page(**BROWSER), reader_page(**BROWSER)

    tokens_one = TOKEN.findall(body_of(one).decode())
    tokens_two = TOKEN.findall(body_of(two).decode())
    assert tokens_one
    assert tokens_two
    # Django masks the token afresh for every response: no fixed secret to guess at.
    assert set(tokens_one).isdisjoint(tokens_two)
    # Django's random-length file name field (FNAME) in the gzip header (BREACH mitigation).
    assert one.content[:3] == b"\x1f\x8b\x08"
    assert one.content[3] & gzip.FNAME


def test_signed_in_pages_vary_on_encoding_and_cookie(reader_page):
    for headers in (BROWSER, {}):
        assert {"Accept-Encoding", "Cookie"} <= vary(reader_page(**headers))


@pytest.mark.parametrize("accept_encoding", [None, "identity", "br", "gzip;q=0", "gzip;q=0, *"])
def test_clients_that_refuse_gzip_get_plain_html(reader_page, accept_encoding):
    headers = {} if accept_encoding is None else {"HTTP_ACCEPT_ENCODING": accept_encoding}

    response = reader_page(**headers)

    assert "Content-Encoding" not in response
    assert "Accept-Encoding" in vary(response)
    assert response.content.lstrip().lower().startswith(b"<!doctype html>")


def test_head_answers_like_get_without_a_body(reader_page, big_discussion, client_logged_in):
    head = client_logged_in.head(big_discussion.get_absolute_url(), **BROWSER)

    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in vary(head)


def test_cached_anonymous_pages_are_not_gzipped_twice(big_discussion):
    url = big_discussion.get_absolute_url()
    first = Client().get(url, **BROWSER)
    second = Client().get(url, **BROWSER)

    for response, state in ((first, "miss"), (second, "hit")):
        assert response["X-Page-Cache"] == state
        assert response["Content-Encoding"] == "gzip"
        assert response["Content-Length"] == str(len(response.content))
        # One gzip layer: undone once, it is the page itself.
        assert body_of(response).lstrip().lower().startswith(b"<!doctype html>")


def test_htmx_fragments_are_gzipped_too(reader_page):
    response = reader_page(HTTP_HX_REQUEST="true", **BROWSER)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert body_of(response)


@pytest.fixture
def development_static(settings):
    """Whitenoise as ``make run`` has it: DEBUG on, the source files served through finders."""
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.mark.parametrize("name", ["trekboard/site.css", "trekboard/site.js"])
def test_static_files_are_gzipped_in_development(development_static, name):
    with open(finders.find(name), "rb") as source:
        original = source.read()

    response = Client().get(f"/static/{name}", **BROWSER)
    plain = Client().get(f"/static/{name}")

    assert response.status_code == plain.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Ranges" not in response
    assert "Accept-Encoding" in vary(response)
    assert body_of(response) == original
    assert body_of(plain) == original


def test_a_byte_range_of_a_static_file_is_sent_as_it_is(development_static):
    response = Client().get("/static/trekboard/site.css", HTTP_RANGE="bytes=0-99", **BROWSER)
    assert response.status_code == 206
    assert "Content-Encoding" not in response
    assert len(body_of(response)) == 100


@pytest.mark.parametrize(
    ("content_type", "compressed"),
    [
        ("text/html; charset=utf-8", True),
        ("text/css", True),
        ("application/json", True),
        ("application/problem+json", True),
        ("text/javascript", True),
        ("image/svg+xml", True),
        ("image/png", False),
        ("image/jpeg", False),
        ("font/woff2", False),
        ("application/octet-stream", False),
    ],
)
def test_only_text_is_compressed(content_type, compressed):
    request = RequestFactory().get("/", **BROWSER)
    middleware = CompressionMiddleware(lambda request: HttpResponse())

    response = middleware.process_response(
        request, HttpResponse(b"words " * 200, content_type=content_type)
    )

    assert (response.get("Content-Encoding") == "gzip") is compressed


def test_responses_already_encoded_or_tiny_pass_through():
    request = RequestFactory().get("/", **BROWSER)
    middleware = CompressionMiddleware(lambda request: HttpResponse())
    encoded = HttpResponse(gzip.compress(b"x" * 1000), content_type="text/html")
    encoded["Content-Encoding"] = "gzip"
    tiny = HttpResponse(b"ok", content_type="text/plain")

    assert middleware.process_response(request, encoded).content == encoded.content
    assert middleware.process_response(request, tiny).content == b"ok"
    assert "Content-Encoding" not in tiny


def test_the_page_weight_bench_tallies_chromiums_network_events():
    """bench/page_weight.py's arithmetic, on hand-made DevTools events (no browser, no timing)."""
    from bench.page_weight import NetworkLog

    page = "http://127.0.0.1:8000/articles/lead/"
    log = NetworkLog()
    for request_id, url, kind, headers, sent, decoded in (
        ("1", page, "Document", {"Content-Encoding": "gzip", "Content-Length": "900"}, 1200, 9000),
        ("2", "http://127.0.0.1:8000/static/site.css", "Stylesheet", {}, 300, 300),
        ("3", "http://127.0.0.1:8000/static/favicon.svg", "Other", {}, 100, 100),
    ):
        log.request_will_be_sent({"requestId": request_id, "request": {"url": url}, "type": kind})
        log.response_received(
            {"requestId": request_id, "response": {"status": 200, "headers": headers}}
        )
        log.data_received({"requestId": request_id, "dataLength": decoded})
        log.loading_finished({"requestId": request_id, "encodedDataLength": sent})

    summary = log.summary(page)

    assert summary["requests"] == 2  # the site icon is left out
    assert summary["bytes"] == 1500
    assert summary["by_kind"] == {
        "css": {"requests": 1, "bytes": 300},
        "html": {"requests": 1, "bytes": 1200},
    }
    assert (summary["html_bytes"], summary["html_encoding"]) == (900, "gzip")
    assert summary["html_decoded_bytes"] == 9000
