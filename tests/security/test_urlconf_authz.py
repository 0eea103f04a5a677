"""Who may GET and POST every URL the site has, generated from the URL configuration.

``test_every_url_has_a_row`` walks ``get_resolver()`` (the admin included) and
fails when a pattern has no row below, so a new view can't ship without its
answer to each role being written down. The rows are then checked against
real requests: one GET and one empty POST (the CSRF check is the test
client's, so off) per role, each in a savepoint rolled back afterwards.

What the writes *do* for each role is test_authz_matrix's job; here it is
only who gets through the door. Roles, in the order of each row's columns:

    anonymous  reader  banned  moderator  superuser

Tokens (the last one repeats for the roles after it): a status code;
``login`` (302 to the site's login with ``?next=``); ``admin`` (302 to the
admin's login with ``?next=``); ``->`` (302 anywhere else); ``-`` (not
asserted: the matrix covers it).

The objects in the URLs belong to someone else (the matrix's "author"), so a
reader asking to change them is asking to change another reader's things.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.tokens import api_token_create
from articles.models import EmbedSite, Release
from comments.models import AuditEntry, ExportRun, Notification
from comments.notify import unsubscribe_token
from comments.services import comment_flag
from tests.factories import ArticleFactory, CommentFactory, TagFactory, UserFactory
from tests.security.test_authz_matrix import World, _world

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "reader", "banned", "moderator", "superuser")
LOGIN = reverse("login")
ADMIN_LOGIN = reverse("admin:login")

Url = Callable[[World], str]


@dataclass(frozen=True)
class Row:
    url: Url
    get: str  # one token per role, in ROLES order
    post: str


def _at(name: str, *args: Callable[[World], object]) -> Url:
    return lambda w: reverse(name, args=[arg(w) for arg in args])


def _comment(w: World) -> int:
    return w.comment.pk


def _reset_uid(w: World) -> str:
    return urlsafe_base64_encode(force_bytes(w.author.pk))


# --- The site -----------------------------------------------------------------------
SITE: dict[str, Row] = {
    # Reading is for everyone; nothing here takes a POST.
    "articles:list": Row(_at("articles:list"), "200", "405"),
    "articles:detail": Row(lambda w: w.article.get_absolute_url(), "200", "405"),
    "articles:tag": Row(
        _at("articles:tag", lambda w: w.state["tag"].slug),
        "200",
        "405",
    ),
    "accounts:profile": Row(
        _at("accounts:profile", lambda w: w.author.username),
        "200",
        "405",
    ),
    "comments:detail": Row(_at("comments:detail", _comment), "200", "405"),
    # htmx fragments; without htmx, a redirect to the page that holds them.
    "comments:page": Row(_at("comments:page", lambda w: w.article.slug), "->", "405"),
    "comments:replies": Row(_at("comments:replies", _comment), "->", "405"),
    # "Show this one" on a spoiler's cover: without htmx, the comment's page.
    "comments:reveal": Row(_at("comments:reveal", _comment), "200", "405"),
    # Whether a reader watched a release: anyone may say so (a cookie or their
    # account); an empty POST says "not watched" and goes back.
    "articles:release-watched": Row(
        _at("articles:release-watched", lambda w: w.state["release"].pk), "200", "->"
    ),
    "healthz": Row(_at("healthz"), "200", "405"),
    # Atom feeds: public, read-only.
    "articles:feed": Row(_at("articles:feed"), "200", "405"),
    "comments:feed": Row(_at("comments:feed", lambda w: w.article.slug), "200", "405"),
    # Search: public; the empty form is a page of its own.
    "comments:search": Row(_at("comments:search"), "200", "405"),
    # Live updates: htmx only (a plain GET is told so), read-only.
    "comments:live": Row(_at("comments:live", lambda w: w.article.pk), "400", "405"),
    "comments:live_show": Row(_at("comments:live_show", lambda w: w.article.pk), "400", "405"),
    # Accounts: signing up is for visitors; the signed-in are sent home.
    "accounts:signup": Row(_at("accounts:signup"), "200 ->", "400 ->"),
    "accounts:signup-sent": Row(_at("accounts:signup-sent"), "200", "405"),
    "accounts:signup-confirm": Row(
        _at("accounts:signup-confirm", lambda w: "no-such-token"), "404", "400"
    ),
    # Every field of the settings form may be left empty.
    # An empty POST is an incomplete form: refused, so it can't blank a profile.
    "accounts:settings": Row(_at("accounts:settings"), "login 200", "login 400"),
    "login": Row(_at("login"), "200", "200"),
    "logout": Row(_at("logout"), "405", "->"),
    "password_change": Row(_at("password_change"), "login 200", "login 200"),
    "password_change_done": Row(_at("password_change_done"), "login 200", "login 405"),
    "password_reset": Row(_at("password_reset"), "200", "200"),
    "password_reset_done": Row(_at("password_reset_done"), "200", "405"),
    # A real link for the author: anyone holding it gets the form (the token is the key).
    "password_reset_confirm": Row(
        lambda w: reverse(
            "password_reset_confirm",
            args=[_reset_uid(w), default_token_generator.make_token(w.author)],
        ),
        "->",
        "->",
    ),
    "password_reset_complete": Row(_at("password_reset_complete"), "200", "405"),
    # Comments: anonymous writes go to log in; another reader's comment is refused;
    # a banned reader is refused every write with the reason.
    "comments:create": Row(_at("comments:create", lambda w: w.article.slug), "405", "login 400"),
    # A banned reader is told why instead of getting a form it can't send.
    "comments:reply": Row(_at("comments:reply", _comment), "200 200 403 200", "login 400"),
    "comments:edit": Row(_at("comments:edit", _comment), "login 403", "login 403"),
    # Writes nothing, so anyone may preview a reply; a banned reader can't write one.
    "comments:preview": Row(
        lambda w: f"{reverse('comments:preview')}?parent={w.comment.pk}", "405", "200 200 403 200"
    ),
    "comments:delete": Row(_at("comments:delete", _comment), "login 403", "login 403"),
    "comments:like": Row(_at("comments:like", _comment), "405", "login -> 403 ->"),
    "comments:flag": Row(_at("comments:flag", _comment), "login 200", "login 400"),
    # Notifications: only one's own; the author's is not there for anyone else.
    "comments:inbox": Row(_at("comments:inbox"), "login 200", "405"),
    "comments:inbox_read": Row(_at("comments:inbox_read"), "405", "login ->"),
    "comments:notification_open": Row(
        _at("comments:notification_open", lambda w: w.state["notification"].pk),
        "login 404",
        "405",
    ),
    # The emailed link's signed token names the reader, whoever follows it.
    "comments:unsubscribe": Row(
        _at("comments:unsubscribe", lambda w: unsubscribe_token(w.author)),
        "200",
        "200",
    ),
    # --- The JSON API (tests/api): reads for everyone; writes signed in (401 otherwise),
    # an empty body refused (400). The schema and its docs are public.
    "api:api-root": Row(_at("api:api-root"), "404", "404"),
    "api:openapi-json": Row(_at("api:openapi-json"), "200", "405"),
    "api:openapi-view": Row(_at("api:openapi-view"), "200", "405"),
    "api:discussion_list": Row(_at("api:discussion_list"), "200", "405"),
    "api:discussion_detail": Row(
        _at("api:discussion_detail", lambda w: w.article.pk), "200", "405"
    ),
    "api:discussion_comments": Row(
        _at("api:discussion_comments", lambda w: w.article.pk), "200", "401 400"
    ),
    "api:comment_post": Row(_at("api:comment_post", lambda w: w.article.pk), "200", "401 400"),
    "api:comment_detail": Row(_at("api:comment_detail", _comment), "200", "405"),
    "api:comment_edit": Row(_at("api:comment_edit", _comment), "200", "405"),
    "api:comment_delete": Row(_at("api:comment_delete", _comment), "200", "405"),
    "api:comment_replies": Row(_at("api:comment_replies", _comment), "200", "405"),
    "api:comment_like": Row(_at("api:comment_like", _comment), "405", "405"),
    "api:comment_unlike": Row(_at("api:comment_unlike", _comment), "405", "405"),
    "api:comment_flag": Row(_at("api:comment_flag", _comment), "405", "401 400"),
    "api:user_profile": Row(_at("api:user_profile", lambda w: w.author.username), "200", "405"),
    "api:counts": Row(lambda w: reverse("api:counts") + "?url=https://x.example/", "200", "405"),
    "api:me": Row(_at("api:me"), "401 200", "405"),
    "api:notifications": Row(_at("api:notifications"), "401 200", "405"),
    "api:notifications_read": Row(_at("api:notifications_read"), "405", "401 200"),
    # Only a token revokes itself; the session has none to revoke.
    "api:token_revoke_current": Row(_at("api:token_revoke_current"), "405", "405"),
    # --- The embed: public scripts; the frame answers for allowed sites' pages only.
    "embed-js": Row(_at("embed-js"), "200", "405"),
    "count-js": Row(_at("count-js"), "200", "405"),
    "embed": Row(lambda w: reverse("embed") + "?url=https://evil.example/", "403", "405"),
    # The pop-up: a login form, or "Continue as" for the signed-in; an empty POST
    # asks again (a token is made only by its buttons).
    "embed-signin": Row(_at("embed-signin"), "200", "200"),
    # Uploaded files (avatars) in development; nothing by that name here.
    "^media/(?P<path>.*)$": Row(lambda w: "/media/no-such-file.png", "404", "404"),
}

# --- The admin ------------------------------------------------------------------------
# Everyone not staff is sent to the admin's login, whatever they ask for.
NOT_STAFF = "admin admin admin"

ADMIN: dict[str, Row] = {
    "admin:index": Row(_at("admin:index"), f"{NOT_STAFF} 200", f"{NOT_STAFF} -"),
    # The login page answers everyone; staff already signed in are sent on.
    "admin:login": Row(_at("admin:login"), "200 200 200 -> ->", "200"),
    "admin/login/": Row(lambda w: ADMIN_LOGIN, "200 200 200 -> ->", "200"),
    # Logging out of the admin only by POST; whoever asks, it ends (or was) no session.
    "admin:logout": Row(_at("admin:logout"), "-> -> -> 405", "->"),
    "admin:password_change": Row(
        _at("admin:password_change"), f"{NOT_STAFF} 200", f"{NOT_STAFF} 200"
    ),
    "admin:password_change_done": Row(
        _at("admin:password_change_done"), f"{NOT_STAFF} 200", f"{NOT_STAFF} 405"
    ),
    "admin:autocomplete": Row(_at("admin:autocomplete"), f"{NOT_STAFF} 403", f"{NOT_STAFF} 405"),
    "admin:jsi18n": Row(_at("admin:jsi18n"), f"{NOT_STAFF} 200", f"{NOT_STAFF} 405"),
    "admin:view_on_site": Row(
        lambda w: reverse("admin:view_on_site", args=[w.state["article_type"], w.article.pk]),
        f"{NOT_STAFF} ->",
        f"{NOT_STAFF} ->",
    ),
    # A queue row's decision, and taking one back: POST only; a bad one comes
    # back to the queue with its message (the world's audit entry is a pin,
    # which no undo takes back).
    "admin:comments_comment_decide": Row(
        _at("admin:comments_comment_decide", _comment), f"{NOT_STAFF} 405 405", f"{NOT_STAFF} -> ->"
    ),
    # An export's file: whoever may view exports (superusers here); a 404 until it is written.
    "admin:comments_exportrun_download": Row(
        _at("admin:comments_exportrun_download", lambda w: ExportRun.objects.first().pk),
        f"{NOT_STAFF} 403 404",
        f"{NOT_STAFF} 403 404",
    ),
    # The job queue: staff look; only superusers retry or forget a failed job.
    "admin_jobs": Row(_at("admin_jobs"), f"{NOT_STAFF} 200 200", f"{NOT_STAFF} 403 ->"),
    # A queue row's act on its author: the act's page, asking why (an empty POST
    # is not the page's own, so it is asked again; nothing is done).
    "admin:accounts_user_act": Row(
        _at("admin:accounts_user_act", lambda w: w.author.pk, lambda w: "ban_users"),
        f"{NOT_STAFF} 200 200",
        f"{NOT_STAFF} 200 200",
    ),
    "admin:comments_comment_undo": Row(
        _at("admin:comments_comment_undo", lambda w: AuditEntry.objects.order_by("pk").first().pk),
        f"{NOT_STAFF} 405 405",
        f"{NOT_STAFF} -> ->",
    ),
    "admin:app_list": Row(
        lambda w: reverse("admin:app_list", args=["comments"]), f"{NOT_STAFF} 200", f"{NOT_STAFF} -"
    ),
    "admin/(?P<url>.*)$": Row(
        lambda w: "/admin/no-such-page/", f"{NOT_STAFF} 404", f"{NOT_STAFF} 404"
    ),
    # Only superusers set another account's password.
    "admin:auth_user_password_change": Row(
        lambda w: reverse("admin:auth_user_password_change", args=[w.author.pk]),
        f"{NOT_STAFF} 403 200",
        f"{NOT_STAFF} 403 200",
    ),
}

# Per registered model, for a moderator then a superuser: what a GET of the
# list, add, history, delete and change pages and the bare object URL answers.
# (Moderators moderate: they see comments, flags, readers and the audit log,
# may change none by hand, and never reach groups or django-axes' records.)
ADMIN_PAGES = ("changelist", "add", "history", "delete", "change", "")
ADMIN_MODELS: dict[str, tuple[str, str]] = {
    "auth.group": ("403 403 403 403 403 ->", "200 200 200 200 200 ->"),
    "comments.comment": ("200 403 200 403 200 ->", "200 403 200 200 200 ->"),
    "comments.commentflag": ("200 403 200 403 200 ->", "200 403 200 200 200 ->"),
    "comments.wordrule": ("200 200 200 200 200 ->", "200 200 200 200 200 ->"),
    # The standard reasons moderators keep, as they keep the word list.
    "comments.standardreason": ("200 200 200 200 200 ->", "200 200 200 200 200 ->"),
    "comments.auditentry": ("200 403 200 403 200 ->", "200 403 200 403 200 ->"),
    # Imports are for superusers (and staff given the permission), not moderators.
    "comments.importrun": ("403 403 403 403 403 ->", "200 200 200 200 200 ->"),
    "comments.exportrun": ("403 403 403 403 403 ->", "200 200 200 200 200 ->"),
    "accounts.user": ("200 403 200 403 200 ->", "200 200 200 200 200 ->"),
    "articles.tag": ("403 403 403 403 403 ->", "200 200 200 200 200 ->"),
    # Editors record releases; moderators mark comments with them, from the comments.
    "articles.release": ("403 403 403 403 403 ->", "200 200 200 200 200 ->"),
    "articles.article": ("200 403 200 403 200 ->", "200 200 200 200 200 ->"),
    # Other sites' pages: listed and closed like articles; made by the embed, never added.
    "articles.externalpage": ("200 403 200 403 200 ->", "200 403 200 200 200 ->"),
    # Which sites may embed, and readers' tokens: superusers' business.
    "articles.embedsite": ("403 403 403 403 403 ->", "200 200 200 200 200 ->"),
    "accounts.apitoken": ("403 403 403 403 403 ->", "200 403 200 200 200 ->"),
    "axes.accessattempt": ("403 403 403 403 403 ->", "200 403 200 200 200 ->"),
    "axes.accesslog": ("403 403 403 403 403 ->", "200 403 200 200 200 ->"),
    "axes.accessfailurelog": ("403 403 403 403 403 ->", "200 403 200 200 200 ->"),
}


def _admin_model_rows() -> dict[str, Row]:
    rows = {}
    for model in admin.site._registry:
        label = model._meta.label_lower
        app, name = model._meta.app_label, model._meta.model_name
        moderator, superuser = (s.split() for s in ADMIN_MODELS.get(label, ("- " * 6,) * 2))
        for page, mod, sup in zip(ADMIN_PAGES, moderator, superuser, strict=True):
            if page in {"changelist", "add"}:
                url: Url = _at(f"admin:{app}_{name}_{page}")
                key = f"admin:{app}_{name}_{page}"
            else:
                url = _object_url(model, page)
                key = (
                    f"admin:{app}_{name}_{page}"
                    if page
                    else f"admin/{app}/{name}/<path:object_id>/"
                )
            # Empty POSTs to the admin's own pages are the matrix's business.
            rows[key] = Row(url, f"{NOT_STAFF} {mod} {sup}", f"{NOT_STAFF} -")
    return rows


def _object_url(model, page: str) -> Url:
    def url(w: World) -> str:
        obj = model._default_manager.order_by("pk").first()
        assert obj is not None, f"the world has no {model._meta.label} to open"
        base = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk]
        )
        return base.removesuffix("change/") + (f"{page}/" if page else "")

    return url


ROWS: dict[str, Row] = {**SITE, **ADMIN, **_admin_model_rows()}


# --- The world -------------------------------------------------------------------------


def _full_world() -> World:
    """The matrix's world, plus a banned reader and one object of every admin model."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.contenttypes.models import ContentType
    from django.core.files.uploadedfile import SimpleUploadedFile

    from comments.models import ImportRun, WordRule
    from comments.services import comment_pin

    world = _world()
    world.people["banned"] = UserFactory(banned=True, moderation_reason="Spam")
    tag = TagFactory()
    world.article.tags.add(tag)
    world.state["release"] = Release.objects.create(
        show=tag, code="S1E01", title="Emissary", released_at=timezone.now()
    )
    CommentFactory(article=world.article, parent=world.comment, body="Aye, sir.")
    comment_flag(comment=world.comment, user=world.people["reader"], reason="spam")
    comment_pin(comment=world.comment, actor=world.superuser)  # an audit entry
    WordRule.objects.create(phrase="tribble")
    ImportRun.objects.create(
        source="wordpress", file=SimpleUploadedFile("old.xml", b"<rss/>"), state="done"
    )
    ExportRun.objects.create(format="wxr")
    ArticleFactory(external_url="https://blog.example.org/post/42/")
    EmbedSite.objects.create(origin="https://blog.example.org")
    api_token_create(user=world.author, name="script")
    seen = {"username": "q", "ip_address": "127.0.0.1", "user_agent": "", "path_info": "/"}
    AccessAttempt.objects.create(**seen, http_accept="", failures_since_start=1)
    AccessLog.objects.create(**seen, http_accept="")
    AccessFailureLog.objects.create(**seen, http_accept="")
    world.state |= {
        "tag": tag,
        "notification": Notification.objects.get(recipient=world.author, kind="reply"),
        "article_type": ContentType.objects.get_for_model(world.article).pk,
    }
    return world


# --- The tests -------------------------------------------------------------------------


def _url_keys(patterns=None, prefix: str = "", namespace: str = ""):
    """Every pattern's name (``app:name``), or its route when it has none."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from _url_keys(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            if pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:
                yield prefix + str(pattern.pattern)


def test_every_url_has_a_row():
    """A new URL (a view, an admin model, a page of one) must say who may use it."""
    keys = set(_url_keys())
    assert keys - ROWS.keys() == set(), "URLs without a row here"
    assert ROWS.keys() - keys == set(), "rows for URLs that no longer exist"
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == ADMIN_MODELS.keys(), "admin models without their statuses"


def _columns(tokens: str) -> dict[str, str]:
    found = tokens.split()
    assert 0 < len(found) <= len(ROLES), tokens
    found += [found[-1]] * (len(ROLES) - len(found))
    return dict(zip(ROLES, found, strict=True))


def _matches(token: str, response) -> bool:
    if token == "-":
        return True
    location = response.get("Location", "")
    if token == "login":
        return response.status_code == 302 and location.startswith(f"{LOGIN}?next=")
    if token == "admin":
        return response.status_code == 302 and location.startswith(f"{ADMIN_LOGIN}?next=")
    if token == "->":
        return response.status_code == 302 and not location.startswith((LOGIN, ADMIN_LOGIN))
    return response.status_code == int(token)


@pytest.mark.parametrize("role", ROLES)
def test_each_url_answers_each_role_as_its_row_says(role: str, settings):
    settings.RATE_LIMITS = {}
    world = _full_world()
    person = world.people.get(role)
    session = None
    if person is not None:
        signed_in = Client()
        signed_in.force_login(person)
        session = signed_in.cookies[settings.SESSION_COOKIE_NAME].value
    wrong = []
    for key, row in ROWS.items():
        # HEAD answers wherever GET does, the same way (issue 12: it was a 405 on
        # permalinks, profiles, sign-up, notifications and settings).
        for method, tokens in (("GET", row.get), ("HEAD", row.get), ("POST", row.post)):
            expected = _columns(tokens)[role]
            with transaction.atomic():
                # A fresh client on the same session: a logout's rollback brings it back.
                client = Client(raise_request_exception=False)
                if session is not None:
                    client.cookies[settings.SESSION_COOKIE_NAME] = session
                url = row.url(world)
                response = client.generic(method, url)
                if method == "HEAD" and response.content:
                    wrong.append(f"HEAD {url} ({key}): a body came back")
                if not _matches(expected, response):
                    location = response.get("Location", "")
                    got = f"{response.status_code} {location}".strip()
                    wrong.append(f"{method} {url} ({key}): {got}, row says {expected}")
                transaction.set_rollback(True)
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
