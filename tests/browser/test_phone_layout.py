"""A deep thread on a 360 px phone, measured in Chromium (issue 12, point 5).

A reply chain as deep as the page shows (settings.COMMENT_VISUAL_DEPTH
levels) must keep a readable text column, names whole on one line, each
action row on one line and every control a reader taps at least 24x24 CSS
pixels (WCAG 2.2, 2.5.8 Target Size). The article's images must come in the
small rendition a phone needs, not the 1200 px original.
"""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image

from articles.models import GalleryImage
from articles.services import article_save
from comments.models import Comment
from comments.services import comment_like_toggle
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 780}
MIN_TEXT_COLUMN = 260
MIN_TARGET = 24

# A name without spaces (the one that broke as "hyperlane_sandwi/ch") and a long one with them.
LONG_NAMES = (
    {"username": "hyperlane_sandwich", "first_name": "", "last_name": ""},
    {"username": "quartermaine", "first_name": "Maximiliana", "last_name": "Quartermaine"},
)


def _phone(browser, *, javascript: bool = True):
    context = browser.new_context(java_script_enabled=javascript, viewport=PHONE)
    context.set_default_timeout(10_000)
    return context, context.new_page()


def _chain(article, depth: int) -> list[Comment]:
    """A root and ``depth`` replies, each answering the one before, by long-named readers."""
    authors = [UserFactory(**fields) for fields in LONG_NAMES]
    node = CommentFactory(article=article, author=authors[0], body="level 0 " + "words " * 30)
    chain = [node]
    for level in range(1, depth + 1):
        node = CommentFactory(
            article=article,
            author=authors[level % 2],
            parent=node,
            body=f"level {level} " + "words " * 30,
        )
        chain.append(node)
    return chain


# One pass over the page for each comment: the boxes the assertions need.
MEASURE = """
(pk) => {
  const root = document.getElementById(`comment-${pk}`);
  const box = (element) => {
    const r = element.getBoundingClientRect();
    return {top: r.top, left: r.left, width: r.width, height: r.height};
  };
  const body = document.querySelector(`#comment-content-${pk} > .comment__body`);
  // What folds the comment and its replies away is its <summary>.
  const foldTarget = root.querySelector(':scope > details > summary');
  const author = root.querySelector('.comment__author');
  const range = document.createRange();
  range.selectNodeContents(author);
  const actions = [...document.querySelectorAll(`#comment-content-${pk} > .comment__actions > *`)]
    .map((element) => {
      // The like form is a wrapper: what is tapped is its button.
      const target = element.querySelector('button') || element;
      return {text: target.textContent.trim(), ...box(target)};
    });
  return {
    body: box(body),
    author: {
      ...box(author),
      lines: new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size,
      lineHeight: parseFloat(getComputedStyle(author).lineHeight),
    },
    fold: box(foldTarget),
    actions,
  };
}
"""


def test_a_deep_thread_keeps_a_readable_column_on_a_360px_phone(browser, live_server, log_in):
    article = ArticleFactory()
    depth = settings.COMMENT_VISUAL_DEPTH  # levels 0..depth-1 show; the last one continues
    chain = _chain(article, depth)
    reader = UserFactory()
    # "You liked this" joins the deepest row: the longest one a reader's own likes make.
    comment_like_toggle(comment=chain[depth - 1], user=reader)
    context, page = _phone(browser)
    try:
        log_in(page, reader)
        page.goto(f"{live_server.url}{article.get_absolute_url()}")
        shown = [c for c in chain if page.locator(f"#comment-{c.pk}").count()]
        assert len(shown) == depth, "the whole visual depth is on the page"

        problems = []
        for level, comment in enumerate(shown):
            m = page.evaluate(MEASURE, comment.pk)
            where = f"level {level} (#comment-{comment.pk})"
            if m["body"]["width"] < MIN_TEXT_COLUMN:
                problems.append(f"{where}: text column {m['body']['width']:.0f}px")
            author = m["author"]
            if author["lines"] != 1 or author["height"] > author["lineHeight"] + 1:
                problems.append(f"{where}: name on {author['lines']} lines")
            # One line: every action overlaps the same band (baselines may differ by a pixel).
            band_top = max(action["top"] for action in m["actions"])
            band_bottom = min(action["top"] + action["height"] for action in m["actions"])
            if band_top >= band_bottom:
                problems.append(f"{where}: actions on more than one line: {m['actions']}")
            names = [action["text"] for action in m["actions"]]
            assert any("Reply" in name for name in names), names
            assert any("Flag" in name for name in names), names
            for name, target in [("fold", m["fold"]), *((a["text"], a) for a in m["actions"])]:
                if target["width"] < MIN_TARGET or target["height"] < MIN_TARGET:
                    problems.append(
                        f"{where}: {name!r} is {target['width']:.1f}x{target['height']:.1f}"
                    )
        deepest = page.evaluate(MEASURE, shown[-1].pk)["body"]["width"]
        print(f"\ntext column at level {len(shown) - 1} on 360 px: {deepest:.0f}px")

        for option in page.locator(".sort-nav__option").all():
            box = option.bounding_box()
            assert box is not None
            if box["width"] < MIN_TARGET or box["height"] < MIN_TARGET:
                problems.append(f"sort {option.inner_text()!r}: {box['width']}x{box['height']}")
        assert not problems, "\n".join(problems)
        # Nothing sideways: the page is no wider than the phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def _jpeg(width: int, height: int) -> ContentFile:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 60, 120)).save(out, "JPEG", quality=80)
    return ContentFile(out.getvalue())


def test_a_phone_downloads_the_small_renditions(browser, live_server):
    article = ArticleFactory()
    article.hero_image.save("hero.jpg", _jpeg(1200, 675), save=False)
    article_save(article=article)
    photo = GalleryImage(article=article, caption="A still", position=1)
    photo.image.save("still.jpg", _jpeg(800, 450), save=False)
    photo.save()
    article_save(article=article)  # an existing article's gallery gets its renditions too

    context, page = _phone(browser)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        page.goto(f"{live_server.url}{article.get_absolute_url()}")
        page.locator(".gallery img").first.scroll_into_view_if_needed()
        page.wait_for_function(
            "[...document.querySelectorAll('.story__hero img, .gallery img')]"
            ".every((img) => img.currentSrc)"
        )
        hero = page.locator(".story__hero img").evaluate("(img) => img.currentSrc")
        still = page.locator(".gallery img").first.evaluate("(img) => img.currentSrc")
    finally:
        context.close()

    hero_name = article.hero_image.name
    assert hero.endswith(hero_name.replace(".jpg", ".w400.jpg")), hero
    assert still.endswith(photo.image.name.replace(".jpg", ".w400.jpg")), still
    images = [url for url in requested if "/articles/" in url and url.endswith(".jpg")]
    assert any(url.endswith(".w400.jpg") for url in images), images
    assert not any(url.endswith(hero_name) for url in images), "the 1200 px hero was downloaded"
