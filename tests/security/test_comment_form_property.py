"""Property: whatever a client sends as a comment, the answer is never a 5xx.

Arbitrary text (lone surrogates, NUL, control characters, over-long) and
arbitrary parent ids go through the real posting view, as a form and with
htmx. Either exactly one comment is written, holding the normalized text, or
none is and the reader's text comes back in the form with a 400.
"""

from __future__ import annotations

from html import unescape
from urllib.parse import quote, quote_from_bytes

import pytest
from django.conf import settings
from django.test import Client
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from comments.models import Comment
from comments.sanitize import normalize
from comments.services import comment_status_set
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.helpers import assert_trees_valid
from trekboard.text import has_visible_character

pytestmark = pytest.mark.django_db

ALLOWED = {200, 302, 400, 403, 404, 429}
MAX = settings.COMMENT_MAX_LENGTH

# Every code point, surrogates (category Cs) included: Python strings may hold
# them, and a client can send their UTF-8-like bytes even though a browser won't.
any_character = st.characters(codec=None, exclude_categories=())
texts = st.one_of(
    st.text(any_character, max_size=60),
    st.text(st.sampled_from(" \r\n\t\x00\ufffd<>&*_~|`[]@#%+=x"), max_size=40),
    st.integers(MAX - 3, MAX + 3).map(lambda n: "y" * n),
    st.builds(lambda depth: "<b>" * depth + "x", st.integers(0, 3000)),
)


@pytest.fixture
def places(settings) -> dict:
    settings.RATE_LIMITS = {}
    settings.HOLD_FIRST_COMMENTS = 0
    article = ArticleFactory()
    removed = CommentFactory(article=article)
    comment_status_set(comment=removed, status=Comment.Status.REMOVED)
    return {
        "article": article,
        "root": CommentFactory(article=article),
        "elsewhere": CommentFactory(),
        "removed": removed,
    }


def parents(places: dict) -> st.SearchStrategy[str | None]:
    return st.one_of(
        st.none(),
        st.just(""),
        st.sampled_from(["root", "elsewhere", "removed"]).map(lambda key: str(places[key].pk)),
        st.integers(-(2**80), 2**80).map(str),
        st.text(any_character, max_size=12),
    )


def _expected_parent(raw: str | None, places: dict) -> tuple[bool, Comment | None]:
    """(acceptable, parent) for the parent field: the article's endpoint takes no replies.

    Replies have one door, ``comments:reply``; any parent sent here is refused.
    """
    return raw is None or raw == "", None


@hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), text=texts, htmx=st.booleans())
def test_posting_anything_never_fails(places: dict, data, text: str, htmx: bool) -> None:
    raw_parent = data.draw(parents(places), label="parent")
    author = UserFactory()  # a fresh author, so no example is another's double submit
    client = Client()
    client.force_login(author)

    raw = text.encode("utf-8", "surrogatepass")
    form = f"body={quote_from_bytes(raw)}"
    if raw_parent is not None:
        form += "&parent=" + quote(raw_parent.encode("utf-8", "surrogatepass"))
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    before = Comment.objects.count()

    response = client.post(
        f"/articles/{places['article'].slug}/comments/",
        data=form,
        content_type="application/x-www-form-urlencoded",
        **extra,
    )

    assert response.status_code in ALLOWED
    written = list(Comment.objects.filter(author=author))
    assert Comment.objects.count() - before == len(written)

    readable = raw.decode("utf-8", "replace")
    stored = normalize(text)
    parent_ok, parent = _expected_parent(raw_parent, places)
    acceptable = (
        readable == text  # no bytes that weren't text
        and "\x00" not in text
        and 0 < len(stored) <= MAX
        # Only controls or zero-width characters ("\x08" alone) would show nothing: refused.
        and has_visible_character(stored)
        and parent_ok
        and (raw_parent is None or "\x00" not in raw_parent)
    )
    if acceptable:
        assert response.status_code == (200 if htmx else 302)
        assert len(written) == 1
        assert written[0].body == stored
        assert written[0].parent_id == (parent.pk if parent else None)
    else:
        assert response.status_code == 400
        assert written == []
        # What they typed is in the form, ready to fix (line endings as a browser keeps them).
        shown = unescape(response.content.decode())
        if readable.strip():
            assert readable.replace("\r\n", "\n").strip()[:200] in shown.replace("\r\n", "\n")
    assert_trees_valid()
