"""CSRF on every form: each POST the site takes is refused without the token, and changes nothing.

Django's test client skips CSRF checks unless asked; ``enforce_csrf_checks=True``
makes it behave as a browser on another site would. The one exception is the
emailed one-click unsubscribe link (RFC 8058: mail clients POST it without a
session), which is ``csrf_exempt`` on purpose and carries its own signed token.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from comments.models import AuditEntry, Comment, CommentFlag, CommentLike, Notification
from tests.factories import PASSWORD, ArticleFactory, CommentFactory, UserFactory
from tests.helpers import make_editor, make_moderator

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"


@dataclass
class World:
    reader: User
    author: User
    moderator: User
    editor: User
    comment: Comment

    def snapshot(self) -> tuple:
        """Everything a refused POST could have changed."""
        self.reader.refresh_from_db()
        self.author.refresh_from_db()
        return (
            User.objects.count(),
            Comment.objects.count(),
            CommentFlag.objects.count(),
            CommentLike.objects.count(),
            AuditEntry.objects.count(),
            Notification.objects.filter(read_at=None).count(),
            Comment.objects.get(pk=self.comment.pk).body,
            Comment.objects.get(pk=self.comment.pk).status,
            self.reader.first_name,
            self.reader.password,
            self.author.password,
        )


@pytest.fixture
def world(settings) -> World:
    settings.RATE_LIMITS = {}
    author = UserFactory()
    reader = UserFactory()
    article = ArticleFactory()
    comment = CommentFactory(article=article, author=author, body="Engage.")
    # A reply that mentions nobody still notifies the author: an unread notification.
    CommentFactory(article=article, author=reader, parent=comment, body="Make it so.")
    return World(
        reader=reader,
        author=author,
        moderator=make_moderator(),
        editor=make_editor(),
        comment=comment,
    )


def _password_reset_url(client: Client, user: User) -> str:
    """The set-password page, reached as the emailed link gets there (token into the session)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    response = client.get(reverse("password_reset_confirm", args=[uid, token]))
    assert response.status_code == 302
    return response.url


@dataclass(frozen=True)
class Form:
    """One POST form: who submits it, where, with what."""

    who: str | None  # a World attribute, or None for a visitor
    url: Callable[[World, Client], str]
    data: Callable[[World], dict]


FORMS = {
    "login": Form(None, lambda w, c: reverse("login"), lambda w: _creds(w.reader)),
    "admin login": Form(None, lambda w, c: reverse("admin:login"), lambda w: _creds(w.moderator)),
    "signup": Form(
        None,
        lambda w, c: reverse("accounts:signup"),
        lambda w: {
            "username": "newcomer",
            "email": "newcomer@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    ),
    "password reset": Form(
        None, lambda w, c: reverse("password_reset"), lambda w: {"email": w.reader.email}
    ),
    "set new password": Form(
        None,
        lambda w, c: _password_reset_url(c, w.reader),
        lambda w: {"new_password1": "An0ther-Secret!", "new_password2": "An0ther-Secret!"},
    ),
    "password change": Form(
        "reader",
        lambda w, c: reverse("password_change"),
        lambda w: {
            "old_password": PASSWORD,
            "new_password1": "An0ther-Secret!",
            "new_password2": "An0ther-Secret!",
        },
    ),
    "logout": Form("reader", lambda w, c: reverse("logout"), lambda w: {}),
    "settings": Form(
        "reader",
        lambda w, c: reverse("accounts:settings"),
        lambda w: {"first_name": "Jean-Luc", "email": w.reader.email},
    ),
    "post": Form(
        "reader",
        lambda w, c: reverse("comments:create", args=[w.comment.article.slug]),
        lambda w: {"body": "Tea, Earl Grey, hot."},
    ),
    "reply": Form(
        "reader",
        lambda w, c: reverse("comments:reply", args=[w.comment.pk]),
        lambda w: {"body": "Tea, Earl Grey, hot."},
    ),
    "edit": Form(
        "author",
        lambda w, c: reverse("comments:edit", args=[w.comment.pk]),
        lambda w: {"body": "Engage!"},
    ),
    "delete": Form(
        "author", lambda w, c: reverse("comments:delete", args=[w.comment.pk]), lambda w: {}
    ),
    "like": Form(
        "reader", lambda w, c: reverse("comments:like", args=[w.comment.pk]), lambda w: {}
    ),
    "flag": Form(
        "reader",
        lambda w, c: reverse("comments:flag", args=[w.comment.pk]),
        lambda w: {"reason": "spam"},
    ),
    "notifications read": Form("author", lambda w, c: reverse("comments:inbox_read"), lambda w: {}),
    "admin action": Form(
        "moderator",
        lambda w, c: reverse("admin:comments_comment_changelist"),
        lambda w: {"action": "mark_spam", "_selected_action": [w.comment.pk]},
    ),
    "admin add form": Form(
        "moderator",
        lambda w, c: reverse("admin:comments_wordrule_add"),
        lambda w: {"phrase": "tribble", "action": "hold"},
    ),
    "admin change form": Form(
        "editor",
        lambda w, c: reverse("admin:articles_article_change", args=[w.comment.article.pk]),
        lambda w: {"title": "Changed"},
    ),
}


def _creds(user: User) -> dict:
    return {"username": user.username, "password": PASSWORD}


@pytest.mark.parametrize("name", FORMS)
def test_every_post_form_is_refused_without_the_csrf_token(world, name):
    form = FORMS[name]
    client = Client(enforce_csrf_checks=True)
    if form.who is not None:
        client.force_login(getattr(world, form.who))
    url = form.url(world, client)
    before = world.snapshot()
    response = client.post(url, form.data(world))
    assert response.status_code == 403, name
    assert "CSRF verification failed" in response.content.decode(), name
    assert world.snapshot() == before, name
    # Nobody was logged in or out by it either.
    assert ("_auth_user_id" in client.session) is (form.who is not None), name


def test_with_the_token_the_same_post_goes_through(world):
    """The control: the refusal above is the missing token, not the request."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.reader)
    page = client.get(reverse("accounts:settings")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    response = client.post(
        reverse("accounts:settings"),
        {"first_name": "Jean-Luc", "email": world.reader.email, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    world.reader.refresh_from_db()
    assert world.reader.first_name == "Jean-Luc"


def test_every_post_form_in_the_templates_carries_the_token():
    forms = 0
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text()
        for match in re.finditer(r"<form\b[^>]*>(.*?)</form>", text, re.DOTALL | re.IGNORECASE):
            if not re.search(r'method="post"', match[0], re.IGNORECASE):
                continue
            forms += 1
            assert "{% csrf_token %}" in match[1], f"{template.relative_to(TEMPLATES)}"
    assert forms >= 15


def test_htmx_requests_send_the_token_in_a_header(world):
    client = Client()
    client.force_login(world.reader)
    html = client.get(world.comment.article.get_absolute_url()).content.decode()
    assert re.search(r"hx-headers='\{&quot;X-CSRFToken&quot;|hx-headers='\{\"X-CSRFToken\"", html)
