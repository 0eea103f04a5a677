"""One address per page, and which sites may carry a discussion."""

from __future__ import annotations

from hypothesis import given, strategies as st

from articles.embedding import allowed, canonical_url, configured, frame_sources, origin_of


def test_copies_of_one_address_are_one_page():
    same = [
        "https://blog.example.org/post/42/",
        "HTTPS://Blog.Example.ORG:443/post/42/",
        "https://blog.example.org/post/42/#comments",
        "https://blog.example.org/post/42/?utm_source=feed&utm_medium=rss&fbclid=x",
        "  https://blog.example.org/post/42/  ",
    ]
    assert {canonical_url(url) for url in same} == {"https://blog.example.org/post/42/"}
    # A query that names the page stays (WordPress's ?p=42), sorted.
    assert canonical_url("http://x.example/?p=42&b=1") == "http://x.example/?b=1&p=42"
    assert canonical_url("http://x.example") == "http://x.example/"
    # One spelling per character, as a browser's location spells it.
    assert (
        canonical_url("http://x.example/a b/<c>/%7e/é") == "http://x.example/a%20b/%3Cc%3E/~/%C3%A9"
    )
    assert canonical_url("http://x.example/a%20b/%3cc%3e/~/%c3%a9") == canonical_url(
        "http://x.example/a b/<c>/%7e/é"
    )
    assert canonical_url("http://x.example:8080/a") == "http://x.example:8080/a"
    for garbage in ("", "/post/42/", "javascript:alert(1)", "ftp://x.example/", "https://", 42):
        assert canonical_url(garbage) is None
    assert canonical_url("https://user:pw@x.example/") is None
    assert canonical_url("https://x.example/" + "a" * 1000) is None
    assert canonical_url("https://x.example:99999/") is None


def test_which_sites_are_allowed(settings):
    settings.EMBED_ALLOWED_ORIGINS = [
        "https://Blog.example.org/",
        "http://127.0.0.1:*",
        "https://*.example.net",
        "*",  # not an origin: left out, never "everyone"
        "https://x.example; script-src *",  # nor anything that would bend the CSP
    ]
    assert configured() == [
        "https://blog.example.org",
        "http://127.0.0.1:*",
        "https://*.example.net",
    ]
    assert allowed("https://blog.example.org")
    assert not allowed("http://blog.example.org")
    assert allowed("http://127.0.0.1:8080")
    assert allowed("http://127.0.0.1")
    assert not allowed("http://127.0.0.10:8080")
    assert allowed("https://news.example.net")
    assert not allowed("https://example.net")
    assert not allowed("https://evil-example.net")
    assert not allowed(None)
    assert allowed("https://listed.example", frozenset({"https://listed.example"}))
    assert frame_sources(frozenset({"https://listed.example"})) == [
        "http://127.0.0.1:*",
        "https://*.example.net",
        "https://blog.example.org",
        "https://listed.example",
    ]


@given(st.text(max_size=300) | st.from_regex(r"https?://[a-zA-Z0-9.:\[\]@%/?#&=_-]{0,80}"))
def test_any_address_is_one_page_or_none(url):
    """Never an error; a page's address is its own address, and its site is its origin's."""
    found = canonical_url(url)
    if found is None:
        return
    assert len(found) <= 1000
    assert canonical_url(found) == found
    assert origin_of(found) == origin_of(url)
    assert "#" not in found
