"""The Content-Security-Policy: sent everywhere, strict, and the site's own pages live within it.

A policy without 'unsafe-inline' only holds if the templates carry no inline
script, no event-handler attributes and no ``style=""``; these tests read the
templates and the rendered pages for them. ``tests/browser/test_xss_browser.py``
checks in Chromium that nothing the site does is blocked.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from comments.services import comment_create
from tests.security import REPO_ROOT, script_markup

TEMPLATES = REPO_ROOT / "templates"
STATIC = REPO_ROOT / "trekboard" / "static"

EXPECTED = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for directive in header.split(";"):
        name, _, value = directive.strip().partition(" ")
        if name:
            directives[name] = value
    return directives


@pytest.fixture
def discussion(article, user, other_user):
    first = comment_create(article=article, author=user, body="First! ||spoiler|| @nobody")
    comment_create(article=article, author=other_user, body="> First!\n\nA reply.", parent=first)
    return first


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/accounts/login/",
        "/accounts/signup/",
        "/does-not-exist/",
        "/admin/login/",
    ],
)
def test_every_response_carries_the_policy(client, db, url: str) -> None:
    response = client.get(url)
    assert policy(response).items() >= EXPECTED.items(), response.headers.get(
        "Content-Security-Policy"
    )


def test_the_policy_allows_no_inline_script_eval_or_other_hosts(client, article) -> None:
    directives = policy(client.get(article.get_absolute_url()))
    for name in ("default-src", "script-src", "style-src"):
        assert directives[name] == "'self'", name
    header = " ".join(directives.values())
    for loophole in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "http:", "https:"):
        assert loophole not in header.split(), loophole


def test_uploaded_images_may_come_from_a_media_host(settings) -> None:
    # The settings module computes img-src from MEDIA_URL at import time.
    assert "data:" in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]
    media = settings.MEDIA_URL
    if "://" in media:
        assert (
            "/".join(media.split("/")[:3])
            in (settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"])
        )


def test_the_middleware_runs_right_after_the_security_middleware() -> None:
    # Only compression (which doesn't answer by itself) may sit between them, so
    # every response that passes SecurityMiddleware carries the policy.
    middleware = settings.MIDDLEWARE
    security = middleware.index("django.middleware.security.SecurityMiddleware")
    between = middleware[security + 1 : middleware.index("csp.middleware.CSPMiddleware")]
    assert between in ([], ["trekboard.compression.CompressionMiddleware"])


_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
_EVENT_ATTRIBUTE = re.compile(r"<[a-z][^>]*\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.I)
_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("path", _templates(), ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_templates_have_no_inline_script_handlers_or_styles(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not _INLINE_SCRIPT.search(text)
    assert not _EVENT_ATTRIBUTE.search(text)
    assert not _STYLE.search(text)


def test_htmx_is_configured_to_inject_no_styles(client, db) -> None:
    html = client.get("/").content.decode()
    config = re.search(r'<meta name="htmx-config" content=\'([^\']*)\'', html)
    assert config is not None
    assert json.loads(config.group(1))["includeIndicatorStyles"] is False


def test_site_js_evaluates_no_strings() -> None:
    for path in STATIC.rglob("*.js"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\beval\(|new Function\(|setTimeout\(\s*['\"]", text), path


def test_pages_carry_only_the_sites_own_scripts_and_no_style_attributes(
    client_logged_in, discussion, user
) -> None:
    article = discussion.article
    urls = [
        "/",
        article.get_absolute_url(),
        reverse("comments:detail", kwargs={"pk": discussion.pk}),
        reverse("comments:reply", kwargs={"pk": discussion.pk}),
        reverse("accounts:profile", kwargs={"username": user.username}),
        reverse("accounts:settings"),
        reverse("comments:inbox"),
    ]
    for url in urls:
        response = client_logged_in.get(url)
        assert response.status_code == 200, url
        assert script_markup(response.content.decode()) == [], url


def test_admin_pages_carry_no_inline_script_or_style(client, superuser, discussion) -> None:
    client.force_login(superuser)
    urls = [
        reverse("admin:index"),
        reverse("admin:comments_comment_changelist"),
        reverse("admin:comments_comment_change", args=[discussion.pk]),
        reverse("admin:articles_article_change", args=[discussion.article_id]),
        reverse("admin:accounts_user_change", args=[superuser.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        findings = script_markup(response.content.decode())
        assert findings == [], url
