"""A reader who hasn't watched an episode meets its spoilers as covers, in a real browser.

Once with JavaScript (htmx swaps the text in place) and once without (every
control is a link or a form): the reader reveals one comment, says they've
watched the episode and then reads every comment marked as spoiling it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from articles.models import Release
from tests.factories import ArticleFactory, CommentFactory, TagFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST = "The lamplighters relight the beacon by hand"
SECOND = "Her call sign is in the static, twice"


@pytest.fixture
def discussion(db):
    show = TagFactory(name="Meridian")
    release = Release.objects.create(
        show=show, code="SP01", title="Lamplighters", released_at=timezone.now() - timedelta(days=1)
    )
    article = ArticleFactory(title="Lamplighters, reviewed", release=release)
    article.tags.add(show)
    first = CommentFactory(article=article, body=FIRST, spoils=release)
    CommentFactory(parent=first, body=SECOND)  # the reply takes the mark
    CommentFactory(article=article, body="Nothing given away here")
    return article, first


def test_reveal_one_then_mark_the_episode_watched(any_page, live_server, discussion):
    page = any_page
    article, first = discussion
    url = f"{live_server.url}{article.get_absolute_url()}"
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(url)
    cover = page.locator(f"#comment-{first.pk} .spoiler-cover").first
    assert "Spoiler for SP01" in cover.inner_text()
    html = page.content()
    assert FIRST not in html
    assert SECOND not in html
    assert "Nothing given away here" in html
    if page.javascript:  # axe-core runs in the page
        results = Axe().run(page).response["violations"]
        blocking = [v for v in results if v["impact"] in {"serious", "critical"}]
        assert blocking == [], blocking

    # "Show this one": this comment only, fetched when asked.
    page.get_by_role("link", name="Show this one spoiler for SP01").first.click()
    page.get_by_text(FIRST).wait_for()
    if page.javascript:
        assert page.url == url  # swapped in place
    else:
        assert f"/comments/{first.pk}/reveal/" in page.url
    assert SECOND not in page.content()

    # "I've watched it": asked once, then every marked comment reads normally.
    page.goto(url)
    page.get_by_role("link", name="I've watched it").first.click()
    page.get_by_role("button", name="I've watched SP01").click()
    page.get_by_text(SECOND).wait_for()
    assert page.url.split("#")[0] == url
    assert FIRST in page.content()
    assert page.locator(".spoiler-cover").count() == 0
    assert page.locator(f'#comment-{first.pk}[data-spoils="SP01"]').count() == 1

    # Undone from the article's own line: covered again.
    page.locator(".story__release").get_by_role("link", name="I've watched it").click()
    page.get_by_role("button", name="I haven't watched it: cover them again").click()
    page.locator(".spoiler-cover").first.wait_for()
    assert FIRST not in page.content()
