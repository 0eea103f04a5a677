"""Ways the article page stopped paying for the template engine, each answering as Django does.

``{% url %}`` keeps what it reversed (trekboard.templatetags.reversed_urls),
``{% static %}`` and ``|date`` keep their answers (trekboard.templatetags.kept_formats),
and the article page lets go of its objects as soon as it is drawn
(trekboard.responses.render_freed): all must be invisible to readers.
"""

from __future__ import annotations

import gc
from datetime import UTC, date, datetime

import pytest
from django.conf import settings
from django.template import engines
from django.test import RequestFactory, override_settings
from django.test.client import ClientHandler
from django.urls import NoReverseMatch, resolve, reverse, set_script_prefix
from django.utils import timezone

from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory, TagFactory

DUMMY = "django.core.cache.backends.dummy.DummyCache"


def _render(source: str, context: dict | None = None, path: str = "/articles/a/") -> str:
    request = RequestFactory().get(path)
    request.resolver_match = resolve(path)
    return engines["django"].from_string(source).render(context or {}, request)


@pytest.mark.parametrize(
    ("source", "context", "expected"),
    [
        ("{% url 'articles:list' %}", {}, reverse("articles:list")),
        ("{% url 'comments:create' slug %}", {"slug": "a-b"}, "/articles/a-b/comments/"),
        ("{% url 'comments:detail' pk=pk %}", {"pk": 42}, "/comments/42/"),
        ("{% url name pk %}", {"name": "comments:reply", "pk": 7}, "/comments/7/reply/"),
        # Escaped as Django escapes it, and kept per argument.
        ("{% url 'accounts:profile' who %}", {"who": "a&b"}, "/users/a&amp;b/"),
        ("{% url 'accounts:profile' who %}", {"who": "c d"}, "/users/c%20d/"),
        ("{% url 'comments:preview' as p %}[{{ p }}]", {}, "[/comments/preview/]"),
        ("{% url 'no:such' as p %}[{{ p }}]", {}, "[]"),
    ],
)
def test_url_answers_as_reverse_does_twice(source: str, context: dict, expected: str) -> None:
    assert _render(source, context) == expected
    assert _render(source, context) == expected


def test_a_name_that_does_not_reverse_still_fails_loudly() -> None:
    with pytest.raises(NoReverseMatch):
        _render("{% url 'no:such' %}")
    with pytest.raises(NoReverseMatch):
        _render("{% url 'comments:detail' pk %}", {"pk": "not-a-number"})


def test_a_site_mounted_under_a_prefix_gets_its_prefix() -> None:
    assert _render("{% url 'articles:list' %}") == "/"
    set_script_prefix("/board/")
    try:
        assert _render("{% url 'articles:list' %}") == "/board/"
    finally:
        set_script_prefix("/")
    assert _render("{% url 'articles:list' %}") == "/"


def test_url_answers_without_a_request_or_a_resolved_one() -> None:
    template = engines["django"].from_string("{% url 'comments:detail' 5 %}")
    assert template.render({}) == "/comments/5/"
    assert template.render({}, RequestFactory().get("/")) == "/comments/5/"


def test_a_date_is_shown_in_each_readers_time_zone_however_often_it_is_asked() -> None:
    # The same instant twice: equal as datetimes, so the zone must be part of what is kept.
    moment = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    source = "{{ moment|date:'F j, Y, H:i' }} {{ moment|date:'c' }}"
    with timezone.override("UTC"):
        assert _render(source, {"moment": moment}) == (
            "July 1, 2026, 23:30 2026-07-01T23:30:00+00:00"
        )
    with timezone.override("Europe/London"):
        assert _render(source, {"moment": moment}) == (
            "July 2, 2026, 00:30 2026-07-02T00:30:00+01:00"
        )
    with timezone.override("UTC"):
        assert _render(source, {"moment": moment}).startswith("July 1, 2026, 23:30")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(date(2026, 12, 7), "Dec 7, 2026"), (None, ""), ("", ""), ("not a date", "")],
)
def test_date_takes_what_djangos_takes(value, expected: str) -> None:
    assert _render("{{ value|date:'M j, Y' }}", {"value": value}) == expected
    assert _render("{{ value|date:'M j, Y' }}", {"value": value}) == expected


def test_static_follows_the_setting_it_is_made_from() -> None:
    source = "{% static 'trekboard/site.css' %}"
    first = _render(source)
    assert first.endswith("trekboard/site.css")
    with override_settings(STATIC_URL="https://cdn.example.org/s/"):
        assert _render(source) == "https://cdn.example.org/s/trekboard/site.css"
    assert _render(source) == first


@pytest.mark.django_db
def test_a_model_argument_is_reversed_every_time() -> None:
    # Not kept: reverse() reads a model's str(), which is its own and can change.
    tag = TagFactory(name="first")
    source = "{% url 'articles:tag' tag %}"
    assert _render(source, {"tag": tag}) == "/tags/first/"
    tag.name = "second"
    assert _render(source, {"tag": tag}) == "/tags/second/"


@pytest.mark.django_db
@override_settings(CACHES={key: {"BACKEND": DUMMY} for key in settings.CACHES})
def test_an_article_page_frees_its_discussion_without_the_garbage_collector() -> None:
    # Every cache off, so the page is drawn; through the test client's handler,
    # not the client, which keeps each page's context on its response.
    article = ArticleFactory()
    for _ in range(5):
        parent = CommentFactory(article=article)
        CommentFactory(article=article, parent=parent)
    handler = ClientHandler()
    environ = RequestFactory().get(article.get_absolute_url()).environ

    def page() -> bytes:
        response = handler(dict(environ))
        assert response.status_code == 200
        return response.content

    page()
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        assert page().count(b'<article class="comment') == 10
        gc.collect()
        # type(), not isinstance(): the garbage holds lazy objects isinstance() would set up.
        left = [found for found in gc.garbage if type(found) is Comment]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert left == []
