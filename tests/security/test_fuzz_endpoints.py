"""Property: whatever arrives at any form or action, no 5xx, and a refusal changes nothing.

Hypothesis sends every endpoint arbitrary Unicode and bytes, in missing,
doubled and stray fields, as urlencoded, multipart (whole and cut off),
text/plain, JSON and raw bodies, under real and bogus charsets, by every
method, as a visitor, a reader, a banned and a suspended reader and a
moderator, with DEBUG on and off. After each request:

- the status is below 500 (else the test fails with the view's traceback);
- a refusal (4xx, or a redirect to log in) stored nothing: no new or changed
  comment, account, like or flag;
- a cut-off multipart body stored nothing, whatever the status;
- a banned or suspended reader wrote no comment, like or flag and changed no
  comment's text;
- nothing stored holds U+FFFD (never sent, so it can only be mangled bytes),
  NUL, or no visible character at all;
- no like was taken on a closed discussion;
- no method a view doesn't take (PUT, PATCH, DELETE, TRACE) got a 2xx;
- no non-moderator saw a hidden (removed, spam, pending, deleted) comment's text;
- every comment tree is valid.

Each example runs in a savepoint rolled back afterwards, on one world per
endpoint. ``FUZZ_EXAMPLES`` sets the examples per endpoint (``make fuzz``
runs many more than CI's default).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from html import unescape

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from accounts.admin import TrekboardUserAdmin
from articles.models import Release, Tag
from comments.admin import CommentAdmin
from comments.models import Comment, CommentFlag
from tests.factories import PASSWORD
from tests.helpers import assert_trees_valid
from tests.security.fuzzing import (
    BLOCKED,
    NO_SUCH_METHOD,
    ROLES,
    Sent,
    Snapshot,
    World,
    build_world,
    has_visible_character,
    requests,
    traceback_of,
)

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
LOGIN = reverse("login")
ADMIN_LOGIN = reverse("admin:login")


# --- The endpoints ------------------------------------------------------------------

Paths = Callable[[World], st.SearchStrategy[str]]


def fixed(path: str) -> Paths:
    return lambda world: st.just(path)


def comment_paths(action: str) -> Paths:
    """The action on any comment of the world, or on one that doesn't exist."""

    def paths(world: World) -> st.SearchStrategy[str]:
        pks = [c.pk for c in world.comments.values()] + [0, 2**31, 10**22]
        return st.sampled_from(pks).map(lambda pk: f"/comments/{pk}/{action}")

    return paths


def article_paths(suffix: str) -> Paths:
    def paths(world: World) -> st.SearchStrategy[str]:
        slugs = [a.slug for a in world.articles.values()] + ["no-such-article"]
        return st.sampled_from(slugs).map(lambda slug: f"/articles/{slug}/{suffix}")

    return paths


def api_paths(template: str, pks: Callable[[World], list]) -> Paths:
    """An API path with one of the world's ids in it (or one that doesn't exist, or garbage)."""

    def paths(world: World) -> st.SearchStrategy[str]:
        values = [*pks(world), 0, 2**31, 10**22, "abc", "%FF"]
        return st.sampled_from(values).map(lambda pk: template.format(pk=pk))

    return paths


def _comment_ids(world: World) -> list:
    return [c.pk for c in world.comments.values()]


def _article_ids(world: World) -> list:
    return [a.pk for a in world.articles.values()]


def embed_paths(world: World) -> st.SearchStrategy[str]:
    urls = [
        "http://127.0.0.1:9000/post/1/",
        "http://127.0.0.1:9000/post/1/?utm_source=x#c",
        "https://evil.example/",
        "javascript:alert(1)",
        "%00",
        "http://127.0.0.1:99999/",
        "http://[::1]:9000/",
    ]
    return st.sampled_from(urls).map(lambda url: f"/embed/?url={url}")


def release_paths(world: World) -> st.SearchStrategy[str]:
    """Saying a release was watched, or one that doesn't exist."""
    show = world.articles["open"].tags.first() or Tag.objects.create(name="Fuzz", slug="fuzz")
    release, _ = Release.objects.get_or_create(
        show=show, code="S1E01", defaults={"title": "Pilot", "released_at": timezone.now()}
    )
    return st.sampled_from([release.pk, 0, 10**22]).map(lambda pk: f"/releases/{pk}/watched/")


def preview_paths(world: World) -> st.SearchStrategy[str]:
    """A preview of a new comment, a reply or an edit, of anything or nothing."""
    pks = [str(c.pk) for c in world.comments.values()] + ["0", "10" * 11, "٣", "-1", ""]
    slugs = [a.slug for a in world.articles.values()] + ["no-such-article", "%00"]
    queries = [f"parent={pk}" for pk in pks] + [f"comment={pk}" for pk in pks]
    queries += [f"article={slug}" for slug in slugs] + ["", "parent=1&comment=2"]
    return st.sampled_from(queries).map(lambda query: f"/comments/preview/?{query}")


def reset_paths(world: World) -> st.SearchStrategy[str]:
    uid, token = world.tokens["uid"], world.tokens["reset"]
    return st.sampled_from(
        [
            f"/accounts/reset/{uid}/{token}/",
            f"/accounts/reset/{uid}/set-password/",
            f"/accounts/reset/{uid}/x-{token[2:]}/",
            "/accounts/reset/AAAA/zz-zz/",
            "/accounts/reset/%C0%AF/set-password/",
        ]
    )


def unsubscribe_paths(world: World) -> st.SearchStrategy[str]:
    token = world.tokens["unsubscribe"]
    return st.sampled_from([token, token[:-3] + "abc", "x", "%FF%FE"]).map(
        lambda t: f"/notifications/unsubscribe/{t}/"
    )


def comment_pks(world: World) -> tuple[str, ...]:
    return (*[str(c.pk) for c in world.comments.values()], "0", "-1")


def user_pks(world: World) -> tuple[str, ...]:
    return tuple(str(p.pk) for p in world.people.values())


def article_pks(world: World) -> tuple[str, ...]:
    return tuple(str(a.pk) for a in world.articles.values())


# The other reader's name, as typed by someone hoping to be taken for them:
# cased, full-width, with a dotless i and a Cyrillic e.
USERNAMES = (
    "editor",
    "EDITOR",
    "Editor",
    "\uff45\uff44\uff49\uff54\uff4f\uff52",
    "ed\u0131tor",
    "\u0435ditor",
    "admin",
    "newbie42",
)
EMAILS = ("new@example.org", "editor@example.org", "EDITOR@example.org", "no-at-sign")
PASSWORDS = (PASSWORD, "pw-Kx93-long", "short")
NEXT = ("/", "/notifications/", "https://evil.example/", "//evil.example", "/\\evil.example")
SORTS = ("best", "newest", "oldest", "nonsense")
# Every action the admin offers, so a new one is fuzzed without a line here.
COMMENT_ACTIONS = tuple(CommentAdmin.actions)
USER_ACTIONS = tuple(TrekboardUserAdmin.actions)


BODIES = ("Make it so.", "@editor engage", "**bold** ||spoiler||", "\u200b\u200b\ufeff")


def admin_action(names: tuple[str, ...], pks) -> Callable[[World], dict]:
    return lambda world: {
        "action": names,
        "_selected_action": pks(world),
        "index": ("0", "1"),
        "post": ("yes", ""),
        "reason": ("Off topic", ""),
        "days": ("3", "0", "-1", "99999999999", "1e3"),
        "until": ("2999-01-01T00:00", "0000-00-00T99:99", "1-1-1"),
    }


# name: (paths, field shape (given the world))
ENDPOINTS: dict[str, tuple[Paths, Callable[[World], dict]]] = {
    "sign-up": (
        fixed("/accounts/signup/"),
        lambda w: {
            "username": USERNAMES,
            "email": EMAILS,
            "password1": PASSWORDS,
            "password2": PASSWORDS,
            "next": NEXT,
        },
    ),
    "login": (
        fixed(LOGIN),
        lambda w: {
            "username": (w.people["reader"].username, "editor"),
            "password": PASSWORDS,
            "next": NEXT,
        },
    ),
    "admin login": (
        fixed(ADMIN_LOGIN),
        lambda w: {
            "username": (w.people["moderator"].username, "editor"),
            "password": PASSWORDS,
            "next": ("/admin/", *NEXT),
        },
    ),
    "logout": (fixed("/accounts/logout/"), lambda w: {"next": NEXT}),
    "password reset": (fixed("/accounts/password_reset/"), lambda w: {"email": EMAILS}),
    "password reset confirm": (
        reset_paths,
        lambda w: {"new_password1": PASSWORDS, "new_password2": PASSWORDS},
    ),
    "password change": (
        fixed("/accounts/password_change/"),
        lambda w: {
            "old_password": PASSWORDS,
            "new_password1": PASSWORDS,
            "new_password2": PASSWORDS,
        },
    ),
    "settings": (
        fixed("/accounts/settings/"),
        lambda w: {
            "first_name": ("Ro", "\u200b"),
            "last_name": ("Laren",),
            "bio": ("Bajoran.", "\u200b\u200b\ufeff"),
            "email": EMAILS,
            "email_notifications": ("on", "1", "false"),
        },
    ),
    "post": (
        article_paths("comments/"),
        lambda w: {
            "body": BODIES,
            "parent": comment_pks(w),
            "website": ("",),
            "next": NEXT,
        },
    ),
    "reply": (comment_paths("reply/"), lambda w: {"body": BODIES, "next": NEXT}),
    "preview": (preview_paths, lambda w: {"body": BODIES, "website": ("", "spam.example")}),
    "edit": (comment_paths("edit/"), lambda w: {"body": BODIES, "cancel": ("1",)}),
    "delete": (comment_paths("delete/"), lambda w: {"next": NEXT}),
    "like": (comment_paths("like/"), lambda w: {"next": NEXT}),
    "flag": (
        comment_paths("flag/"),
        lambda w: {
            "reason": tuple(CommentFlag.Reason.values),
            "text": ("It's a tribble.",),
        },
    ),
    "notifications read": (
        fixed("/notifications/read/"),
        lambda w: {"id": (str(w.notification_pk), "²", "٣")},
    ),
    "notification open": (
        lambda w: st.sampled_from([w.notification_pk, 0, 10**22]).map(
            lambda pk: f"/notifications/{pk}/"
        ),
        lambda w: {},
    ),
    "unsubscribe": (unsubscribe_paths, lambda w: {"resubscribe": ("1", "0")}),
    "discussion reads": (
        lambda w: st.one_of(
            article_paths("comments/page/")(w),
            article_paths("")(w),
            comment_paths("")(w),
            comment_paths("replies/")(w),
        ),
        lambda w: {
            "sort": SORTS,
            "page": ("1", "2", "0", "-1", "99999999999999999999"),
            "offset": ("0", "10", "-5"),
            "base": ("0", "3"),
        },
    ),
    "healthz": (fixed("/healthz"), lambda w: {}),
    # "Show this one" on a spoiler's cover (hidden comments must stay hidden).
    "spoiler reveal": (comment_paths("reveal/"), lambda w: {}),
    "watched": (
        release_paths,
        lambda w: {
            "watched": ("yes", "no", "", "\u200b"),
            "next": NEXT,
        },
    ),
    # The JSON API: every write and read, by every role, in every encoding.
    "api: post": (
        api_paths("/api/v1/discussions/{pk}/comments", _article_ids),
        lambda w: {"body": BODIES, "parent": comment_pks(w), "spoils": ("0", "1", "x")},
    ),
    "api: comment": (
        lambda w: st.one_of(
            api_paths("/api/v1/comments/{pk}", _comment_ids)(w),
            api_paths("/api/v1/comments/{pk}/like", _comment_ids)(w),
            api_paths("/api/v1/comments/{pk}/flag", _comment_ids)(w),
            api_paths("/api/v1/comments/{pk}/replies", _comment_ids)(w),
        ),
        lambda w: {
            "body": BODIES,
            "reason": (*CommentFlag.Reason.values, "offtopic", "bored"),
            "text": ("It's a tribble.",),
            "sort": SORTS,
            "offset": ("0", "10", "-5", "1e9"),
        },
    ),
    "api: reads": (
        lambda w: st.one_of(
            api_paths("/api/v1/discussions/{pk}", _article_ids)(w),
            api_paths("/api/v1/discussions/{pk}/comments", _article_ids)(w),
            st.sampled_from(
                [
                    "/api/v1/discussions",
                    "/api/v1/counts",
                    "/api/v1/me",
                    "/api/v1/notifications",
                    "/api/v1/notifications/read",
                    "/api/v1/tokens/current",
                    "/api/v1/users/editor",
                    "/api/v1/users/%00",
                    "/api/v1/schema/",
                ]
            ),
        ),
        lambda w: {
            "sort": SORTS,
            "page": ("1", "2", "0", "-1", "99999999999999999999"),
            "url": ("https://blog.example.org/x/", "x", ""),
            "ids": ("1", "x"),
        },
    ),
    "embed": (embed_paths, lambda w: {"title": ("Post", "\u200b", ""), "theme": ("dark", "x")}),
    "embed sign-in": (
        fixed("/embed/signin/"),
        lambda w: {
            "action": ("login", "continue", "x"),
            "username": (w.people["reader"].username, "editor"),
            "password": PASSWORDS,
        },
    ),
    "settings: tokens": (
        fixed("/accounts/settings/"),
        lambda w: {"section": ("tokens",), "name": ("Script", "", "\u200b"), "revoke": ("1", "x")},
    ),
    "admin: comment actions": (
        fixed(reverse("admin:comments_comment_changelist")),
        admin_action(COMMENT_ACTIONS, comment_pks),
    ),
    "admin: reader actions": (
        fixed(reverse("admin:accounts_user_changelist")),
        admin_action(USER_ACTIONS, user_pks),
    ),
    "admin: article actions": (
        fixed(reverse("admin:articles_article_changelist")),
        admin_action(("close_comments", "reopen_comments"), article_pks),
    ),
}


# --- The property ---------------------------------------------------------------------


@pytest.fixture
def world(settings) -> World:
    settings.RATE_LIMITS = {}  # the limits are tested elsewhere; here they'd hide the forms
    settings.HOLD_FIRST_COMMENTS = 0
    settings.AXES_ENABLED = False
    return build_world()


def _refused(response) -> bool:
    if 400 <= response.status_code < 500:
        return True
    location = response.get("Location", "") if response.status_code in {301, 302} else ""
    return location.startswith((f"{LOGIN}?", f"{ADMIN_LOGIN}?"))


def check(world: World, role: str, sent: Sent, response, before: Snapshot, csrf: bool) -> None:
    """Every rule of the module docstring for one request; the message names the request."""
    what = f"{role} sent {sent.describe()}\n-> {response.status_code}"
    assert response.status_code < 500, f"{what}\n{traceback_of(response)}"

    after = Snapshot.take()
    changes = before.changes(after)
    if _refused(response):
        assert not changes, f"refused, but stored: {changes}\n{what}"
    if csrf and sent.method == "POST" and "/unsubscribe/" not in sent.path:
        # A body the site refuses to read (400, or 415 for multipart to a view
        # that takes no files) is refused before the token is looked at.
        expected = {400, 403, 415} if sent.body_may_be_unreadable else {403}
        if sent.path.startswith("/api/v1/"):
            # The API asks who is writing before whether the token came: 401 for a
            # visitor; a path or method it doesn't have is a 404 or 405 first.
            expected |= {401, 404, 405}
        assert response.status_code in expected, f"no CSRF token, yet not 403\n{what}"
    if sent.truncated:
        assert not changes, f"a cut-off multipart body stored: {changes}\n{what}"
    if role in BLOCKED:
        written = {k: v for k, v in changes.items() if k in {"new comments", "likes", "flags"}}
        texts = {
            pk: change
            for pk, change in changes.get("changed comments", {}).items()
            if change[1] is not None and change[0][0] != change[1][0]
        }
        assert not written, f"a {role} reader wrote: {changes}\n{what}"
        assert not texts, f"a {role} reader changed a comment's text: {changes}\n{what}"

    stored = [
        new[0]
        for old, new in changes.get("changed comments", {}).values()
        if new is not None and old[0] != new[0]
    ] + [body for body, _ in changes.get("new comments", {}).values()]
    for text in stored:
        assert "\ufffd" not in text, f"stored mangled bytes as U+FFFD: {text!r}\n{what}"
        assert "\x00" not in text, f"stored a NUL: {text!r}\n{what}"
        assert has_visible_character(text), f"stored an invisible comment: {text!r}\n{what}"
    for comment_pk, _user in after.likes - before.likes:
        comment = Comment.objects.select_related("article").get(pk=comment_pk)
        assert comment.article.comments_open, f"liked on a closed discussion\n{what}"

    if sent.method in NO_SUCH_METHOD and not sent.path.startswith(("/admin/", "/api/v1/")):
        assert not 200 <= response.status_code < 300, f"{sent.method} answered 2xx\n{what}"
    if role != "moderator" and response.content:
        page = unescape(response.content.decode("utf-8", "replace"))
        shown = [text for text in world.hidden_texts() if text in page]
        assert not shown, f"hidden comment text shown to {role}: {shown}\n{what}"
    assert_trees_valid()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_endpoint_survives_anything(endpoint: str, world: World) -> None:
    paths, shape = ENDPOINTS[endpoint]
    # One world per endpoint; many examples on it, each rolled back.
    run = given(
        role=st.sampled_from(ROLES),
        sent=requests(paths(world), shape(world)),
        debug=st.booleans(),
        csrf=st.sampled_from((False, False, False, False, True)),
    )(_example)
    hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )(run)(world=world)


def _example(world: World, role: str, sent: Sent, debug: bool, csrf: bool) -> None:
    with transaction.atomic():
        before = Snapshot.take()
        with override_settings(DEBUG=debug):
            response = sent.send(world.client(role, csrf=csrf))
        check(world, role, sent, response, before, csrf)
        transaction.set_rollback(True)
