"""The embed on another site's page, in a real browser: two origins on this machine.

The board is pytest-django's live server (http://localhost:PORT); the host
pages are static files served from 127.0.0.1 on other ports, so the frame is
another site's (localhost and 127.0.0.1 are different sites). Third-party
cookies are blocked for the frame: every request it makes reaches the board
without a Cookie header, as in a browser that blocks or partitions them. The
reader still signs in (through the pop-up, a first-party window), replies,
likes and sees their reply.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from articles.models import Article
from articles.services import embed_sites_changed
from comments.models import Comment, CommentLike
from tests.browser.conftest import _page
from tests.factories import PASSWORD, ArticleFactory, CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Post 42 · A blog</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="background:{background};color:{color};font-family:sans-serif">
<main><h1>Post 42</h1><p>The blog's own words.</p>
<p><a href="#comments" data-trekboard-count data-url="{url}">Comments</a></p>
<section id="comments">
<script src="{board}/embed.js" data-url="{url}" data-title="Post 42"{theme} async></script>
</section></main>
<script src="{board}/count.js" async></script>
</body></html>
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def host(tmp_path: Path) -> Iterator:
    """``host(name)``: a folder served from 127.0.0.1 on a port of its own, and its origin."""
    servers = []

    def serve(name: str) -> tuple[str, Path]:
        folder = tmp_path / name
        folder.mkdir()
        handler = functools.partial(_Quiet, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", folder

    yield serve
    for server in servers:
        server.shutdown()


def _host_page(folder: Path, *, board: str, url: str, dark: bool = False, theme: str = "") -> None:
    html = HOST_PAGE.format(
        board=board,
        url=url,
        background="#15171c" if dark else "#ffffff",
        color="#eeeeee" if dark else "#111111",
        theme=f' data-theme="{theme}"' if theme else "",
    )
    (folder / "post.html").write_text(html)


def _without_third_party_cookies(context, board: str) -> None:
    """Requests the frame (or anything in it) makes reach the board with no cookies."""

    def route(route, request) -> None:
        try:
            framed = request.frame.parent_frame is not None
        except Exception:  # a navigation whose frame doesn't exist yet: the iframe's own
            framed = request.headers.get("sec-fetch-dest") == "iframe"
        if framed:
            headers = {k: v for k, v in request.headers.items() if k.lower() != "cookie"}
            route.continue_(headers=headers)
        else:
            route.continue_()

    context.route(f"{board}/**", route)


def _frame(page):
    element = page.wait_for_selector("iframe.trekboard-embed")
    frame = element.content_frame()
    return element, frame


def test_a_reader_signs_in_replies_and_likes_from_another_site(
    browser, live_server, host, settings
):
    board = live_server.url
    origin, folder = host("blog")
    settings.EMBED_ALLOWED_ORIGINS = [origin]
    embed_sites_changed()
    url = f"{origin}/post/42/"
    _host_page(folder, board=board, url=url)
    discussion = ArticleFactory(title="Post 42", external_url=url)
    first = CommentFactory(article=discussion, body="First thoughts from the blog's readers")
    CommentFactory(article=discussion, body="A second voice")
    reader = UserFactory(username="finn")

    context, page = _page(browser, javascript=True)
    _without_third_party_cookies(context, board)
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{origin}/post.html")
    element, frame = _frame(page)
    frame.wait_for_selector("#comments-title")
    assert frame.locator("#comments-title").inner_text() == "2 Comments"
    assert "First thoughts" in frame.content()
    # The host page's count link is filled in by count.js.
    page.wait_for_function(
        "document.querySelector('[data-trekboard-count]').textContent === '2 Comments'"
    )
    # The frame is as tall as the discussion (no scroll bar of its own), as wide as the page.
    page.wait_for_function("parseInt(document.querySelector('iframe').style.height) > 300")
    assert element.evaluate("e => e.getBoundingClientRect().width") == pytest.approx(344, abs=24)

    # Reading, before signing in: sort, load more, collapse, all in place.
    settings.COMMENT_THREADS_PER_PAGE = 1
    frame.get_by_role("link", name="Oldest").click()
    frame.wait_for_selector("text=Load more comments")
    assert "A second voice" not in frame.content()
    frame.get_by_role("link", name="Load more comments").click()
    frame.wait_for_selector("text=A second voice")
    assert frame.url.startswith(board + "/embed/")  # the frame stays where it is
    fold = frame.locator(f"#comment-fold-{first.pk}")
    fold.click()
    assert not frame.locator(f"#comment-{first.pk} > details").evaluate("d => d.open")
    fold.click()
    settings.COMMENT_THREADS_PER_PAGE = 50

    with page.expect_popup() as opened:
        frame.get_by_role("link", name="Sign in or sign up").first.click()
    popup = opened.value
    popup.wait_for_load_state()
    popup.fill("#embed-signin input[name=username]", reader.username)
    popup.fill("#embed-signin input[name=password]", PASSWORD)
    popup.click("#embed-signin button[type=submit]")
    frame.wait_for_selector("text=Signed in as")

    frame.get_by_role("link", name=f"Reply to {first.author.display_name}").click()
    frame.locator(f"#comment-form-{first.pk} textarea").fill("Replying from the embed")
    frame.get_by_role("button", name="Post reply").click()
    frame.wait_for_selector("text=Replying from the embed")
    frame.locator(f"#like-button-{first.pk}").click()
    frame.wait_for_selector(f"#like-button-{first.pk}[aria-pressed=true]")

    reply = Comment.objects.get(body="Replying from the embed")
    assert reply.parent == first
    assert reply.author == reader
    assert CommentLike.objects.filter(comment=first, user=reader).exists()
    # The host page got nothing of the reader's: no cookie of the board, no token.
    assert context.cookies(origin) == []
    # A reload of the host page is a new frame, and this browser keeps nothing for it
    # (third-party storage is blocked too): signing in again is one press in the
    # pop-up, where the board's own session remembers the reader.
    page.reload()
    _, frame = _frame(page)
    frame.wait_for_selector("text=Replying from the embed")
    with page.expect_popup() as opened:
        frame.get_by_role("link", name="Sign in or sign up").first.click()
    popup = opened.value
    popup.get_by_role("button", name=f"Continue as {reader.display_name}").click()
    frame.wait_for_selector("text=Signed in as")
    context.close()


def test_a_site_that_isnt_allowed_gets_no_discussion(browser, live_server, host, settings):
    board = live_server.url
    allowed, _ = host("allowed")
    stranger, folder = host("stranger")
    settings.EMBED_ALLOWED_ORIGINS = [allowed]
    embed_sites_changed()
    ArticleFactory(external_url=f"{allowed}/post/1/")
    CommentFactory(article=Article.objects.get(), body="Only for the allowed site")
    context, page = _page(browser, javascript=True)
    # Its own pages: refused, and nothing made.
    _host_page(folder, board=board, url=f"{stranger}/post/1/")
    page.goto(f"{stranger}/post.html")
    _, frame = _frame(page)
    page.wait_for_timeout(500)
    assert "Only for the allowed site" not in frame.content()
    assert not Article.objects.filter(external_url__startswith=stranger).exists()
    # An allowed site's discussion framed by it: the browser shows nothing of it.
    _host_page(folder, board=board, url=f"{allowed}/post/1/")
    page.goto(f"{stranger}/post.html")
    _, frame = _frame(page)
    page.wait_for_timeout(500)
    assert "Only for the allowed site" not in frame.content()
    context.close()


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_the_frame_follows_the_host_page_and_passes_axe(browser, live_server, host, settings, dark):
    origin, folder = host("themed")
    settings.EMBED_ALLOWED_ORIGINS = [origin]
    embed_sites_changed()
    url = f"{origin}/post/7/"
    _host_page(folder, board=live_server.url, url=url, dark=dark)
    CommentFactory(article=ArticleFactory(external_url=url), body="Themed words")
    context, page = _page(browser, javascript=True)
    page.goto(f"{origin}/post.html")
    _, frame = _frame(page)
    frame.wait_for_selector("text=Themed words")
    theme = frame.evaluate("document.documentElement.getAttribute('data-theme')")
    assert theme == ("dark" if dark else "light")
    # The frame draws its own background in that scheme (site.css's --bg).
    background = frame.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == ("rgb(18, 20, 24)" if dark else "rgb(251, 250, 247)")
    # axe-core on the frame's own document, at a phone's width.
    direct = context.new_page()
    direct.set_viewport_size({"width": 360, "height": 800})
    direct.goto(frame.url)
    results = Axe().run(direct).response["violations"]
    blocking = [v for v in results if v["impact"] in {"serious", "critical"}]
    assert blocking == [], [
        (v["id"], [(n["target"], n["failureSummary"][:160]) for n in v["nodes"]]) for v in blocking
    ]
    context.close()


def test_count_js_fills_a_long_list_of_links(browser, live_server, host, settings):
    """A front page of 60 posts with long addresses: several requests, every link filled."""
    origin, folder = host("front")
    settings.EMBED_ALLOWED_ORIGINS = [origin]
    embed_sites_changed()
    urls = [
        f"{origin}/2026/12/07/a-rather-long-post-title-about-the-episode-{n:03d}/"
        for n in range(60)
    ]
    for url in urls[:3]:
        CommentFactory(article=ArticleFactory(external_url=url))
    links = "\n".join(
        f'<p><a href="{url}#comments" data-trekboard-count>Comments</a></p>' for url in urls
    )
    (folder / "post.html").write_text(
        f'<!doctype html><html lang="en"><head><title>Front</title></head><body>{links}'
        f'<script src="{live_server.url}/count.js" async></script></body></html>'
    )
    context, page = _page(browser, javascript=True)
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/api/v1/counts" in r.url else None)
    page.goto(f"{origin}/post.html")
    page.wait_for_function(
        "[...document.querySelectorAll('[data-trekboard-count]')]"
        ".every(a => a.textContent !== 'Comments')"
    )
    texts = page.eval_on_selector_all(
        "[data-trekboard-count]", "els => els.map(e => e.textContent)"
    )
    assert texts == ["1 Comment"] * 3 + ["No comments yet"] * 57
    # gunicorn refuses a request line over 4 KB: each request stays well under it.
    assert len(asked) > 1
    assert all(len(url) < 3500 for url in asked)
    context.close()


def test_a_frame_on_the_boards_own_site_uses_the_session(
    browser, live_server, host, settings, log_in
):
    """A host on the board's own site (here both are localhost): the browser sends the board's
    cookies to the frame, which is signed in by the session and writes with its CSRF token."""
    port_origin, folder = host("same-site")
    origin = port_origin.replace("127.0.0.1", "localhost")
    settings.EMBED_ALLOWED_ORIGINS = [origin]
    embed_sites_changed()
    url = f"{origin}/post/9/"
    _host_page(folder, board=live_server.url, url=url)
    ArticleFactory(external_url=url)
    reader = UserFactory(username="june")
    context, page = _page(browser, javascript=True)
    log_in(page, reader)
    page.goto(f"{origin}/post.html")
    _, frame = _frame(page)
    frame.wait_for_selector("text=Signed in as")
    frame.locator("#id_body_new").fill("Written with the session")
    frame.get_by_role("button", name="Post comment").click()
    frame.wait_for_selector("text=Written with the session")
    comment = Comment.objects.get(body="Written with the session")
    assert comment.author == reader
    page.on("dialog", lambda dialog: dialog.accept())
    frame.locator(f"#comment-{comment.pk} a:has-text('Delete')").first.click()
    frame.wait_for_selector(f"#comment-{comment.pk}", state="detached")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.DELETED
    # "Sign out" ends the board's session: the frame asks to sign in again.
    frame.get_by_role("button", name="Sign out").click()
    frame.wait_for_selector("text=Sign in or sign up")
    context.close()
