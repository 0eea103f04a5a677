"""The XSS payloads in a real browser: nothing runs, and the site itself lives within its CSP.

``tests/security/test_xss_pages.py`` parses every page for script-capable
markup; this opens a handful of them in Chromium with traps set. A dialog
(``alert``, ``confirm``, ``prompt``), a marker payload pushing to
``window.__xss``, a navigation away or a CSP violation report would each mean
some payload got as far as the browser trying to run it. Then the readers'
and moderators' own flows, under the policy, must not be refused anything.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from accounts.forms import ProfileForm
from comments.models import Comment
from comments.services import comment_create
from tests.factories import ArticleFactory, UserFactory
from tests.security import MARKDOWN_XSS_VECTORS, xss_vectors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BATCH = 100
PROFILE_SAMPLE = 35  # every 35th payload's profile page (20 pages)
CSP = "Content Security Policy"

# Our own payloads, each of which would leave a mark if it ever ran, in
# Trekboard's markup as well as bare.
MARKERS = [
    "<img src=x onerror=\"window.__xss.push('img')\">",
    "||<img src=x onerror=window.__xss.push('spoiler')>||",
    "[spoiler]<svg onload=window.__xss.push('svg')>[/spoiler]",
    "> <script>window.__xss.push('quote')</script>",
    "@reader<img src=x onerror=window.__xss.push('mention')>",
    "@reader <details open ontoggle=window.__xss.push('toggle')>",
    "http://example.com/\"><img src=x onerror=window.__xss.push('autolink')>",
    "<a href=\"javascript:window.__xss.push('link')\">a link</a>",
    "<iframe srcdoc=\"<script>parent.__xss.push('srcdoc')</script>\"></iframe>",
    "`<img src=x onerror=window.__xss.push('code')>`",
    "\\||<img src=x onerror=window.__xss.push('escaped')>||",
    *MARKDOWN_XSS_VECTORS,
]

TRAP = """
window.__xss = [];
window.addEventListener("securitypolicyviolation", function (event) {
  window.__xss.push("csp:" + event.violatedDirective + ":" + event.blockedURI);
});
"""


class Trap:
    """What the browser tried to do on the pages it was given."""

    def __init__(self, page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.csp: list[str] = []
        self.errors: list[str] = []
        page.add_init_script(TRAP)
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, message) -> None:
        if CSP in message.text:
            self.csp.append(message.text)

    def visit(self, url: str) -> list[str]:
        """Open ``url``, let every image fail and every handler fire; what ran."""
        self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        ran = self.page.evaluate("window.__xss")
        assert isinstance(ran, list), "the trap was not set"
        assert self.page.url.split("#")[0] == url.split("#")[0], "the page navigated away"
        return ran


@pytest.fixture
def trap(page) -> Trap:
    return Trap(page)


def _with_payload_name(vector: dict[str, str]):
    author = UserFactory()
    payload = vector["payload"].replace("\x00", "")  # forms refuse NUL characters
    form = ProfileForm(
        data={
            "first_name": payload[:150],
            "last_name": payload[150:300],
            "bio": payload[:2000],
            "email": author.email,
        },
        instance=author,
    )
    assert form.is_valid(), form.errors
    return form.save()


@pytest.fixture
def payload_pages(settings, db) -> Iterator[list[str]]:
    """Every payload as a comment by an author named with it; then the markers."""
    settings.COMMENT_THREADS_PER_PAGE = BATCH
    settings.COMMENT_PAGE_BUDGET = 2 * BATCH
    UserFactory(username="reader")
    vectors = xss_vectors()
    urls: list[str] = []
    for start in range(0, len(vectors), BATCH):
        article = ArticleFactory()
        for vector in vectors[start : start + BATCH]:
            comment_create(
                article=article,
                author=_with_payload_name(vector),
                body=vector["payload"].replace("\x00", ""),
                screen=False,
            )
        urls.append(article.get_absolute_url())
    markers = ArticleFactory()
    poster = UserFactory()
    parent = None
    for body in MARKERS:
        parent = comment_create(article=markers, author=poster, body=body, parent=parent)
    urls += [markers.get_absolute_url(), parent.get_absolute_url().split("#")[0]]
    profiles = Comment.objects.exclude(article=markers).select_related("author").order_by("pk")
    urls += [comment.author.get_absolute_url() for comment in profiles[::PROFILE_SAMPLE]]
    return urls


def test_no_payload_runs_in_chromium(trap, live_server, log_in, payload_pages) -> None:
    from accounts.models import User

    log_in(trap.page, User.objects.get(username="reader"))
    urls = [*payload_pages, "/notifications/"]  # the markers mention the reader
    ran = {url: trap.visit(f"{live_server.url}{url}") for url in urls}
    trap.visit(f"{live_server.url}{payload_pages[0]}")
    expect(trap.page.locator("article.comment")).to_have_count(BATCH)
    assert {url: marks for url, marks in ran.items() if marks} == {}
    assert trap.dialogs == []
    assert trap.csp == []  # not even an attempt the policy had to stop


def test_the_policy_stops_inline_script_that_reaches_a_page(trap, live_server, article) -> None:
    """Second line of defence: markup injected into a real response does not run."""
    url = f"{live_server.url}{article.get_absolute_url()}"
    injected = (
        "<script>window.__xss.push('inline')</script>"
        "<img src=x onerror=\"window.__xss.push('handler')\">"
        "<a id=js href=\"javascript:window.__xss.push('href')\">x</a>"
        '<script src="https://evil.example/x.js"></script>'
    )

    def inject(route) -> None:
        response = route.fetch()
        body = response.text().replace("</main>", f"{injected}</main>")
        route.fulfill(response=response, body=body)

    trap.page.route(url, inject)
    trap.page.goto(url)
    trap.page.locator("#js").click()
    trap.page.wait_for_timeout(300)
    ran = trap.page.evaluate("window.__xss")
    assert [mark for mark in ran if not mark.startswith("csp:")] == []
    assert {mark.split(":")[1] for mark in ran} >= {"script-src-elem", "script-src-attr"}
    assert trap.csp, "Chromium reported no violation"


def test_reader_and_moderator_flows_raise_no_csp_violations(
    trap, live_server, log_in, article, user, other_user, superuser
) -> None:
    theirs = comment_create(
        article=article, author=other_user, body="Have you seen ||the ending||? @nobody"
    )
    page = trap.page
    log_in(page, user)
    page.goto(f"{live_server.url}{article.get_absolute_url()}")

    # Reply in place (htmx), then like theirs in place.
    page.locator(f"#comment-content-{theirs.pk} > .comment__actions").get_by_text("Reply").click()
    page.get_by_role("textbox", name=f"Reply to {other_user.display_name}").fill("Not yet!")
    page.get_by_role("button", name="Post reply").click()
    expect(page.locator(f"#replies-{theirs.pk} > article.comment")).to_contain_text("Not yet!")
    like = page.locator(f"#like-{theirs.pk}")
    like.get_by_role("button").click()
    expect(like.locator(".like__count")).to_have_text("1")
    page.locator(f"#comment-{theirs.pk} .spoiler").click()
    expect(page.locator(f"#comment-{theirs.pk} .spoiler__switch")).to_be_checked()
    page.goto(f"{live_server.url}{theirs.get_absolute_url()}")
    page.goto(f"{live_server.url}/accounts/settings/")

    # The moderator's admin pages: Django's admin JavaScript is in static files.
    page.context.clear_cookies()
    log_in(page, superuser)
    for path in (
        "/admin/",
        "/admin/comments/comment/",
        f"/admin/comments/comment/{theirs.pk}/change/",
        f"/admin/articles/article/{article.pk}/change/",
        f"/admin/accounts/user/{user.pk}/change/",
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    assert trap.csp == []
    assert trap.errors == []
    assert page.evaluate("window.__xss") == []
