"""axe-core over every reader page, light and dark, on a phone and a desktop.

The demo site (``seed_demo``) is loaded once for the module: its lead
discussion has every kind of comment a reader meets (spoilers, mentions,
badges, "[deleted]", deep nesting, likes), so a rule that fails anywhere in a
thread fails here. Pages are loaded with the site's real Content Security
Policy: axe-playwright-python injects axe-core through ``page.evaluate``
(DevTools protocol evaluation, which CSP does not govern), so nothing is
relaxed for the test. One browser context per theme, width and reader is
reused across pages.

The module runs its own live server: pytest-django's ``live_server`` pulls in
``transactional_db``, which empties the database after every test, and the
demo takes seconds to load. The demo is committed once and flushed at the end.

A failure prints each serious or critical violation with its rule id, the
elements it hit and axe's summary of what to fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

# Plain django_db (a rolled-back transaction per test, nothing written): it
# creates the test database and lets the live server's thread in.
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

THEMES = ("light", "dark")
WIDTHS = (360, 1280)
BLOCKING = {"serious", "critical"}


@dataclass(frozen=True)
class Target:
    path: str
    reader: str  # "anonymous", "editor" (the demo's staff writer) or "moderator"


# Page name -> how to find it in the demo; resolved once the demo is loaded.
PAGES = (
    "front",
    "article",
    "article-signed-in",
    "article-closed",
    "permalink",
    "reply",
    "flag",
    "edit",
    "delete",
    "signup",
    "login",
    "password-reset",
    "settings",
    "profile",
    "notifications",
    "tag",
    "admin-comments",
    "article-spoilers",
    "release-watched",
    "embed",
    "embed-signin",
    "embed-continue",
)


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker) -> Iterator[str]:
    """A live server of this module's own; its URL."""
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        live = LiveServer("localhost")
        live._live_server_modified_settings.enable()
        yield live.url
        live._live_server_modified_settings.disable()
        live.stop()


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _media_root(settings, demo_media) -> None:
    # The demo's images, for every test of the module (not a fresh empty folder each).
    settings.MEDIA_ROOT = demo_media


@pytest.fixture(scope="module")
def demo(server, django_db_blocker, demo_media) -> Iterator[dict[str, Target]]:
    """The demo site, committed (the live server reads it), and the page addresses in it."""
    from accounts.models import User
    from articles.demo.stories import LEAD_SLUG, SPECIAL
    from articles.models import Article
    from comments.models import Comment
    from comments.services import comment_create

    with django_db_blocker.unblock(), override_settings(PRODUCTION=False, MEDIA_ROOT=demo_media):
        call_command("seed_demo", verbosity=0)
        lead = Article.objects.get(slug=LEAD_SLUG)
        closed = Article.objects.filter(comments_open=False).first()
        editor = User.objects.get(username="editor")
        # A reply deep enough to have context above it and replies below it.
        focus = (
            Comment.objects.filter(article=lead, level=2, status="published")
            .exclude(author=editor)
            .order_by("pk")
            .first()
        )
        own = comment_create(article=lead, author=editor, body="Fresh, so still editable.")
        tag = lead.tags.first()
        special = Article.objects.get(slug=SPECIAL.slug)
        pages = {
            "front": Target("/", "anonymous"),
            "article": Target(lead.get_absolute_url(), "anonymous"),
            "article-signed-in": Target(lead.get_absolute_url(), "editor"),
            "article-closed": Target(closed.get_absolute_url(), "anonymous"),
            "permalink": Target(reverse("comments:detail", args=[focus.pk]), "anonymous"),
            "reply": Target(reverse("comments:reply", args=[focus.pk]), "editor"),
            "flag": Target(reverse("comments:flag", args=[focus.pk]), "editor"),
            "edit": Target(reverse("comments:edit", args=[own.pk]), "editor"),
            "delete": Target(reverse("comments:delete", args=[own.pk]), "editor"),
            "signup": Target(reverse("accounts:signup"), "anonymous"),
            "login": Target(reverse("login"), "anonymous"),
            "password-reset": Target(reverse("password_reset"), "anonymous"),
            "settings": Target(reverse("accounts:settings"), "editor"),
            "profile": Target(reverse("accounts:profile", args=[focus.author.username]), "editor"),
            "notifications": Target(reverse("comments:inbox"), "editor"),
            "tag": Target(reverse("articles:tag", args=[tag.slug]), "anonymous"),
            "admin-comments": Target("/admin/comments/comment/", "moderator"),
            # Covers where the demo's latest episode is spoiled, and the page that uncovers them.
            "article-spoilers": Target(special.get_absolute_url(), "anonymous"),
            "release-watched": Target(
                reverse("articles:release-watched", args=[special.release_id]), "anonymous"
            ),
            # The embed's frame as another site's page opens it (development allows
            # 127.0.0.1 on any port), and its sign-in pop-up, before and after signing in.
            "embed": Target(
                reverse("embed") + "?url=http://127.0.0.1:9/post/1/&title=A+post", "anonymous"
            ),
            "embed-signin": Target(reverse("embed-signin"), "anonymous"),
            "embed-continue": Target(reverse("embed-signin"), "editor"),
        }
        assert set(pages) == set(PAGES)
        yield pages
        # The demo was committed: leave the database as empty as the next test expects.
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def sessions(demo, django_db_blocker) -> dict[str, str]:
    from django.conf import settings

    from accounts.models import User

    cookies = {}
    with django_db_blocker.unblock():
        for name in ("editor", "moderator"):
            client = Client()
            client.force_login(User.objects.get(username=name))
            cookies[name] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return cookies


@pytest.fixture(scope="module")
def tabs(browser, server, sessions) -> Iterator:
    """``tabs(theme, width, reader)``: one page per combination, reused by every test."""
    from django.conf import settings

    open_tabs: dict[tuple[str, int, str], object] = {}

    def tab(theme: str, width: int, reader: str):
        key = (theme, width, reader)
        if key not in open_tabs:
            context = browser.new_context(
                viewport={"width": width, "height": 800}, color_scheme=theme
            )
            context.set_default_timeout(15_000)
            if reader != "anonymous":
                context.add_cookies(
                    [
                        {
                            "name": settings.SESSION_COOKIE_NAME,
                            "value": sessions[reader],
                            "url": server,
                        }
                    ]
                )
            open_tabs[key] = context.new_page()
        return open_tabs[key]

    yield tab
    for page in open_tabs.values():
        page.context.close()


def _describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        nodes = violation["nodes"]
        lines.append(
            f"{violation['id']} ({violation['impact']}, {len(nodes)} elements): {violation['help']}"
        )
        for node in nodes[:5]:
            summary = " / ".join((node.get("failureSummary") or "").splitlines()[1:3])
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary.strip()}")
        if len(nodes) > 5:
            lines.append(f"    ... and {len(nodes) - 5} more")
    return "\n".join(lines)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("name", PAGES)
def test_no_serious_or_critical_violations(tabs, demo, server, name, theme, width):
    target = demo[name]
    page = tabs(theme, width, target.reader)
    response = page.goto(f"{server}{target.path}")
    assert response is not None
    assert response.status == 200, f"{target.path} answered {response.status}"
    # The site's own policy, unrelaxed (axe comes in through DevTools evaluation).
    policy = response.headers.get("content-security-policy", "")
    assert "script-src" in policy, policy
    assert "unsafe-eval" not in policy, policy
    results = Axe().run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert not blocking, f"{target.path} ({theme}, {width}px):\n{_describe(blocking)}"


def test_moderators_changelist_fits_a_desktop_screen(tabs, demo, server):
    """At 1280px, beside the filters, every column shows without scrolling sideways."""
    page = tabs("light", 1280, "moderator")
    page.goto(f"{server}{demo['admin-comments'].path}")
    widths = page.evaluate(
        """() => {
            const table = document.getElementById("result_list");
            const space = table.closest(".results") || table.parentElement;
            const columns = [...table.querySelectorAll("thead th")].map(
                (th) => `${th.className || th.textContent.trim()}=${Math.round(th.offsetWidth)}`
            );
            return {table: table.offsetWidth, space: space.clientWidth, columns};
        }"""
    )
    assert widths["table"] <= widths["space"], widths
