"""Who may write what: every role against every write, through the real HTTP requests.

The matrix is data (``ACTIONS``): for each write, how to set the world up, the
request(s) a browser would send, how to see its effect in the database, and
the roles allowed. Each cell runs on fresh objects as one test. An allowed
role must succeed and leave the effect; every other role must be refused, with
the reason, and leave no effect. ``test_the_matrix_covers_every_write`` fails
when a new admin action, comment endpoint or role is added without a row.

Refusals, by who is refused:

- a visitor on the site: a redirect to the login page (``?next=`` back);
- a signed-in reader on the site: 403 with the reason (400 when the form
  itself explains it, as flagging one's own comment does);
- anyone not staff in the admin: a redirect to the admin's login page;
- staff without the permission, for a change form: 403; for an action: the
  action is not offered, so Django answers the changelist POST with
  "No action selected." (a redirect), or, where the user has no action at all
  on that list, the list again (200); nothing is done either way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from articles.models import Article
from comments import urls as comment_urls
from comments.models import (
    AuditEntry,
    Comment,
    CommentFlag,
    CommentLike,
    Notification,
    WordRule,
)
from comments.services import (
    comment_flag,
    comment_pick,
    comment_pin,
    comment_retro_spoiler,
    comment_status_set,
)
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.helpers import make_editor, make_moderator

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "reader", "author", "moderator", "editor", "superuser")
STAFF = frozenset({"moderator", "editor", "superuser"})
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
MODERATORS = frozenset({"moderator", "superuser"})
NOBODY: frozenset[str] = frozenset()

COMMENTS = reverse("admin:comments_comment_changelist")
USERS = reverse("admin:accounts_user_changelist")
ARTICLES = reverse("admin:articles_article_changelist")


# --- The world each cell starts from ----------------------------------------


@dataclass
class World:
    """One article with one published top-level comment by ``author``, and a person per role."""

    article: Article
    comment: Comment
    people: dict[str, User | None]
    clients: dict[str, Client] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def author(self) -> User:
        return self.people["author"]

    @property
    def superuser(self) -> User:
        return self.people["superuser"]

    def fresh(self) -> Comment:
        return Comment.objects.get(pk=self.comment.pk)

    def client(self, role: str) -> Client:
        if role not in self.clients:
            client = Client()
            if self.people[role] is not None:
                client.force_login(self.people[role])
            self.clients[role] = client
        return self.clients[role]


def _world() -> World:
    author = UserFactory()
    article = ArticleFactory()
    comment = CommentFactory(article=article, author=author, body="Engage.")
    people = {
        "anonymous": None,
        "reader": UserFactory(),
        "author": author,
        "moderator": make_moderator(),
        "editor": make_editor(),
        "superuser": UserFactory(is_staff=True, is_superuser=True),
    }
    return World(article=article, comment=comment, people=people)


# --- Requests ---------------------------------------------------------------


def admin_action(url: str, action: str, pk_of: Callable[[World], int], **confirm: Any):
    """POST an admin action as the changelist does; with ``confirm``, then its confirmation form.

    The confirmation is posted whether or not the page asking for it came back:
    someone refused the action must not get it done by skipping to the second step.
    """

    def send(world: World, client: Client):
        pks = [pk_of(world)]
        response = client.post(url, {"action": action, "index": 0, "_selected_action": pks})
        if confirm:
            response = client.post(
                url, {"action": action, "post": "yes", "_selected_action": pks, **confirm}
            )
        return response

    send.admin_url, send.admin_action = url, action  # for the refusals and the coverage check
    return send


class _FormFields(HTMLParser):
    """The values a browser would submit from a page's main form."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in {"submit", "button", "file", "image"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            self.data.setdefault(name, []).append(
                a.get("value") or ("on" if kind == "checkbox" else "")
            )
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea][-1] += data.removeprefix("\n")


def change_form(url_of: Callable[[World], str], **changes: str):
    """POST an admin change (or add) form: what the page holds, as a superuser sees it, changed."""

    def send(world: World, client: Client):
        url = url_of(world)
        page = world.client("superuser").get(url)
        assert page.status_code == 200
        parser = _FormFields()
        parser.feed(page.content.decode())
        data = {k: v for k, v in parser.data.items() if k != "csrfmiddlewaretoken"}
        data.update({k: [v] for k, v in changes.items()})
        return client.post(url, data)

    return send


def post(url_of: Callable[[World], str], **data: str):
    def send(world: World, client: Client):
        return client.post(url_of(world), data)

    return send


# --- Set-ups ----------------------------------------------------------------


def pending(world: World) -> None:
    comment_status_set(comment=world.comment, status=Comment.Status.PENDING)


def removed(world: World) -> None:
    comment_status_set(comment=world.comment, status=Comment.Status.REMOVED)


def flagged(world: World) -> None:
    comment_flag(comment=world.comment, user=UserFactory(), reason="spam")


def pinned(world: World) -> None:
    comment_pin(comment=world.comment, actor=world.superuser)


def picked(world: World) -> None:
    comment_pick(comment=world.comment, actor=world.superuser)


def spoilered(world: World) -> None:
    comment_retro_spoiler(comment=world.comment, actor=world.superuser)


def banned(world: World) -> None:
    User.objects.filter(pk=world.author.pk).update(banned=True, moderation_reason="Spam")


def closed(world: World) -> None:
    Article.objects.filter(pk=world.article.pk).update(comments_open=False)


def replied_to(world: World) -> None:
    """Someone replies to the author: the author gets a notification."""
    CommentFactory(article=world.article, parent=world.comment, body="Aye, sir.")


def _notification(world: World) -> Notification:
    return Notification.objects.get(recipient=world.author)


def spare_objects(world: World) -> None:
    """An account and an article nobody's comments depend on, so they can be deleted."""
    world.state["spare"] = UserFactory()
    world.state["spare_article"] = ArticleFactory()


def nothing(world: World) -> None:
    pass


# --- Effects ----------------------------------------------------------------


def status_is(status: str) -> Callable[[World], bool]:
    return lambda world: world.fresh().status == status


def author_of(world: World) -> User:
    return User.objects.get(pk=world.author.pk)


def article_of(world: World) -> Article:
    return Article.objects.get(pk=world.article.pk)


# --- The matrix -------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    send: Callable[[World, Client], Any]
    effect: Callable[[World], bool]
    allowed: frozenset[str]
    prepare: Callable[[World], None] = nothing
    site: bool = True  # False: an admin page
    reason: str = ""  # what a refused reader is told on the site
    reason_status: int = 403
    success: int = 302
    # What an admin action says when a staff member without the permission tries
    # it: "No action selected." (302) where they have other actions on that list,
    # the list again (200) where they have none, 403 for a change form.
    staff_refusal: int = 302


def _comment_pk(world: World) -> int:
    return world.comment.pk


def _author_pk(world: World) -> int:
    return world.author.pk


def _article_pk(world: World) -> int:
    return world.article.pk


REASON = {"reason": "Off topic"}

ACTIONS: dict[str, Action] = {
    # The site: readers' writes.
    "post": Action(
        send=post(lambda w: reverse("comments:create", args=[w.article.slug]), body="Make it so."),
        effect=lambda w: Comment.objects.filter(body="Make it so.", parent=None).exists(),
        allowed=SIGNED_IN,
    ),
    "reply": Action(
        send=post(lambda w: reverse("comments:reply", args=[w.comment.pk]), body="Make it so."),
        effect=lambda w: Comment.objects.filter(body="Make it so.", parent=w.comment).exists(),
        allowed=SIGNED_IN,
    ),
    "edit": Action(
        send=post(lambda w: reverse("comments:edit", args=[w.comment.pk]), body="Engage!"),
        effect=lambda w: w.fresh().body == "Engage!",
        allowed=frozenset({"author"}),
        reason="You can only edit your own comments.",
    ),
    "delete": Action(
        send=post(lambda w: reverse("comments:delete", args=[w.comment.pk])),
        effect=status_is(Comment.Status.DELETED),
        allowed=frozenset({"author"}),
        reason="You can only delete your own comments.",
    ),
    "like": Action(
        send=post(lambda w: reverse("comments:like", args=[w.comment.pk])),
        effect=lambda w: CommentLike.objects.filter(comment=w.comment).exists(),
        allowed=SIGNED_IN - {"author"},
        reason="You can't like your own comment.",
    ),
    "flag": Action(
        send=post(lambda w: reverse("comments:flag", args=[w.comment.pk]), reason="spam"),
        effect=lambda w: CommentFlag.objects.filter(comment=w.comment).exists(),
        allowed=SIGNED_IN - {"author"},
        reason="You can't flag your own comment.",
        reason_status=400,
    ),
    # A reader's own notifications: someone else's are not there for them to touch.
    "mark a notification read": Action(
        send=lambda w, c: c.post(reverse("comments:inbox_read"), {"id": [_notification(w).pk]}),
        prepare=replied_to,
        effect=lambda w: _notification(w).read_at is not None,
        allowed=frozenset({"author"}),
        reason_status=302,  # back to their own inbox, where it isn't
    ),
    "open a notification": Action(
        send=lambda w, c: c.get(reverse("comments:notification_open", args=[_notification(w).pk])),
        prepare=replied_to,
        effect=lambda w: _notification(w).read_at is not None,
        allowed=frozenset({"author"}),
        reason_status=404,
    ),
    # The admin: comment moderation, as changelist actions (the change page's
    # buttons post the same form to the same URL).
    "approve": Action(
        send=admin_action(COMMENTS, "approve_comments", _comment_pk),
        prepare=pending,
        effect=status_is(Comment.Status.PUBLISHED),
        allowed=MODERATORS,
        site=False,
    ),
    "remove (with its reason)": Action(
        send=admin_action(COMMENTS, "remove_comments", _comment_pk, **REASON),
        effect=status_is(Comment.Status.REMOVED),
        allowed=MODERATORS,
        site=False,
    ),
    "mark spam": Action(
        send=admin_action(COMMENTS, "mark_spam", _comment_pk, post="yes"),
        effect=status_is(Comment.Status.SPAM),
        allowed=MODERATORS,
        site=False,
    ),
    "restore": Action(
        send=admin_action(COMMENTS, "restore_comments", _comment_pk),
        prepare=removed,
        effect=status_is(Comment.Status.PUBLISHED),
        allowed=MODERATORS,
        site=False,
    ),
    "dismiss flags": Action(
        send=admin_action(COMMENTS, "dismiss_flags", _comment_pk),
        prepare=flagged,
        effect=lambda w: not w.comment.flags.filter(dismissed_at=None).exists(),
        allowed=MODERATORS,
        site=False,
    ),
    "retro spoiler": Action(
        send=admin_action(COMMENTS, "retro_spoiler", _comment_pk, post="yes"),
        effect=lambda w: w.fresh().body.lower().startswith("[spoiler]"),
        allowed=MODERATORS,
        site=False,
    ),
    "take off a spoiler warning": Action(
        send=admin_action(COMMENTS, "lift_spoiler", _comment_pk, post="yes"),
        prepare=spoilered,
        effect=lambda w: not w.fresh().body.lower().startswith("[spoiler]"),
        allowed=MODERATORS,
        site=False,
    ),
    "pin": Action(
        send=admin_action(COMMENTS, "pin_comments", _comment_pk, post="yes"),
        effect=lambda w: article_of(w).pinned_comment_id == w.comment.pk,
        allowed=MODERATORS,
        site=False,
    ),
    "unpin": Action(
        send=admin_action(COMMENTS, "unpin_comments", _comment_pk, post="yes"),
        prepare=pinned,
        effect=lambda w: article_of(w).pinned_comment_id is None,
        allowed=MODERATORS,
        site=False,
    ),
    "editor's pick": Action(
        send=admin_action(COMMENTS, "pick_comments", _comment_pk, post="yes"),
        effect=lambda w: w.fresh().is_editors_pick,
        allowed=MODERATORS,
        site=False,
    ),
    "unpick": Action(
        send=admin_action(COMMENTS, "unpick_comments", _comment_pk, post="yes"),
        prepare=picked,
        effect=lambda w: not w.fresh().is_editors_pick,
        allowed=MODERATORS,
        site=False,
    ),
    "delete for good (bulk)": Action(
        send=admin_action(COMMENTS, "delete_selected", _comment_pk, post="yes"),
        effect=lambda w: not Comment.objects.filter(pk=w.comment.pk).exists(),
        allowed=frozenset({"superuser"}),
        site=False,
    ),
    "delete for good (its page)": Action(
        send=post(
            lambda w: reverse("admin:comments_comment_delete", args=[w.comment.pk]), post="yes"
        ),
        effect=lambda w: not Comment.objects.filter(pk=w.comment.pk).exists(),
        allowed=frozenset({"superuser"}),
        site=False,
        staff_refusal=403,
    ),
    "change a comment's text in the admin": Action(
        send=post(
            lambda w: reverse("admin:comments_comment_change", args=[w.comment.pk]), body="Hacked"
        ),
        effect=lambda w: w.fresh().body == "Hacked",
        allowed=NOBODY,
        site=False,
        staff_refusal=403,
    ),
    # The admin: readers.
    "suspend": Action(
        send=admin_action(USERS, "suspend_users", _author_pk, days="3", **REASON),
        effect=lambda w: author_of(w).suspended_until is not None,
        allowed=MODERATORS,
        site=False,
    ),
    "ban": Action(
        send=admin_action(USERS, "ban_users", _author_pk, **REASON),
        effect=lambda w: author_of(w).banned,
        allowed=MODERATORS,
        site=False,
    ),
    "ban and remove all their comments": Action(
        send=admin_action(USERS, "ban_and_remove_all", _author_pk, **REASON),
        effect=lambda w: author_of(w).banned and w.fresh().status == Comment.Status.REMOVED,
        allowed=MODERATORS,
        site=False,
    ),
    "lift a ban": Action(
        send=admin_action(USERS, "reinstate_users", _author_pk),
        prepare=banned,
        effect=lambda w: not author_of(w).banned,
        allowed=MODERATORS,
        site=False,
    ),
    "remove all their comments": Action(
        send=admin_action(USERS, "remove_all_comments", _author_pk, **REASON),
        effect=status_is(Comment.Status.REMOVED),
        allowed=MODERATORS,
        site=False,
    ),
    "change an account": Action(
        send=change_form(
            lambda w: reverse("admin:accounts_user_change", args=[w.author.pk]), first_name="Q"
        ),
        effect=lambda w: author_of(w).first_name == "Q",
        allowed=frozenset({"superuser"}),
        site=False,
        staff_refusal=403,
    ),
    "set an account's password": Action(
        send=post(
            lambda w: reverse("admin:auth_user_password_change", args=[w.author.pk]),
            password1="N3w-Passw0rd!",
            password2="N3w-Passw0rd!",
        ),
        effect=lambda w: author_of(w).check_password("N3w-Passw0rd!"),
        allowed=frozenset({"superuser"}),
        site=False,
        staff_refusal=403,
    ),
    "delete an account": Action(
        send=post(
            lambda w: reverse("admin:accounts_user_delete", args=[w.state["spare"].pk]), post="yes"
        ),
        prepare=spare_objects,
        effect=lambda w: not User.objects.filter(pk=w.state["spare"].pk).exists(),
        allowed=frozenset({"superuser"}),
        site=False,
        staff_refusal=403,
    ),
    # The admin: articles and the word list.
    "close comments": Action(
        send=admin_action(ARTICLES, "close_comments", _article_pk, post="yes"),
        effect=lambda w: not article_of(w).comments_open,
        allowed=MODERATORS,
        site=False,
        staff_refusal=200,  # an editor has no action on the articles list at all
    ),
    "reopen comments": Action(
        send=admin_action(ARTICLES, "reopen_comments", _article_pk, post="yes"),
        prepare=closed,
        effect=lambda w: article_of(w).comments_open,
        allowed=MODERATORS,
        site=False,
        staff_refusal=200,
    ),
    "edit an article": Action(
        send=change_form(
            lambda w: reverse("admin:articles_article_change", args=[w.article.pk]),
            title="Rewritten",
        ),
        effect=lambda w: article_of(w).title == "Rewritten",
        allowed=frozenset({"editor", "superuser"}),
        site=False,
        staff_refusal=403,
    ),
    # Editors close an article's comments with its own form (conftest's
    # closed_article: "the editors closed its comments"); the bulk actions
    # above are the moderators'. Both leave a trail.
    "close comments from the article's form": Action(
        send=change_form(
            lambda w: reverse("admin:articles_article_change", args=[w.article.pk]),
            comments_open="",
        ),
        effect=lambda w: not article_of(w).comments_open,
        allowed=frozenset({"editor", "superuser"}),
        site=False,
        staff_refusal=403,
    ),
    "add an article": Action(
        send=change_form(
            lambda w: reverse("admin:articles_article_add"),
            title="Brand new",
            slug="brand-new",
            standfirst="New.",
            body="<p>New.</p>",
        ),
        effect=lambda w: Article.objects.filter(slug="brand-new").exists(),
        allowed=frozenset({"superuser"}),
        site=False,
        staff_refusal=403,
    ),
    "delete an article": Action(
        send=post(
            lambda w: reverse("admin:articles_article_delete", args=[w.state["spare_article"].pk]),
            post="yes",
        ),
        prepare=spare_objects,
        effect=lambda w: not Article.objects.filter(pk=w.state["spare_article"].pk).exists(),
        allowed=frozenset({"superuser"}),
        site=False,
        staff_refusal=403,
    ),
    "add a word rule": Action(
        send=change_form(lambda w: reverse("admin:comments_wordrule_add"), phrase="tribble"),
        effect=lambda w: WordRule.objects.filter(phrase="tribble").exists(),
        allowed=MODERATORS,
        site=False,
        staff_refusal=403,
    ),
}

# The staff refusals that differ from the action's default: an editor holds no
# action on the comments list (every one needs can_moderate or delete), so the
# list is shown again.
STAFF_REFUSAL_BY_ROLE = {
    ("editor", COMMENTS): 200,
    ("editor", USERS): 403,  # editors can't even see readers
}

CELLS = [(action, role) for action in ACTIONS for role in ROLES]


def _assert_refused(action: Action, role: str, response) -> None:
    location = response.get("Location", "")
    if action.site:
        if role == "anonymous":
            assert response.status_code == 302
            assert location.startswith(reverse("login") + "?next=")
            return
        assert response.status_code == action.reason_status
        assert action.reason in unescape(response.content.decode())
        return
    if role not in STAFF:
        assert response.status_code == 302
        assert location.startswith(reverse("admin:login") + "?next=")
        return
    admin_url = getattr(action.send, "admin_url", None)
    expected = STAFF_REFUSAL_BY_ROLE.get((role, admin_url), action.staff_refusal)
    assert response.status_code == expected
    if expected == 302:
        # Back to the list, told nothing was done.
        page = response.client.get(location).content.decode()
        assert "No action selected." in page


@pytest.mark.parametrize(("name", "role"), CELLS, ids=[f"{a}-{r}" for a, r in CELLS])
def test_matrix(name: str, role: str):
    action = ACTIONS[name]
    world = _world()
    action.prepare(world)
    assert not action.effect(world), "the effect is there before the request"
    trail_before = _trail()

    response = action.send(world, world.client(role))

    if role in action.allowed:
        assert response.status_code == action.success, response.content.decode()[:2000]
        assert action.effect(world)
        if not action.site:
            # Every act in the admin leaves a trail: an audit entry or a LogEntry.
            assert _trail() > trail_before
    else:
        _assert_refused(action, role, response)
        assert not action.effect(world)
        assert _trail() == trail_before


def _trail() -> int:
    return AuditEntry.objects.count() + LogEntry.objects.count()


# --- Reading the admin --------------------------------------------------------

PAGES: dict[str, tuple[Callable[[World], str], frozenset[str]]] = {
    "admin index": (lambda w: reverse("admin:index"), STAFF),
    "comments list": (lambda w: COMMENTS, STAFF),
    "a comment's page": (
        lambda w: reverse("admin:comments_comment_change", args=[w.comment.pk]),
        STAFF,
    ),
    "readers list": (lambda w: USERS, MODERATORS),
    "a reader's page": (
        lambda w: reverse("admin:accounts_user_change", args=[w.author.pk]),
        MODERATORS,
    ),
    "articles list": (lambda w: ARTICLES, STAFF),
    "an article's page": (
        lambda w: reverse("admin:articles_article_change", args=[w.article.pk]),
        STAFF,
    ),
    "flags list": (lambda w: reverse("admin:comments_commentflag_changelist"), MODERATORS),
    "audit log": (lambda w: reverse("admin:comments_auditentry_changelist"), MODERATORS),
    "word list": (lambda w: reverse("admin:comments_wordrule_changelist"), MODERATORS),
}

PAGE_CELLS = [(page, role) for page in PAGES for role in ROLES]


@pytest.mark.parametrize(("page", "role"), PAGE_CELLS, ids=[f"{p}-{r}" for p, r in PAGE_CELLS])
def test_admin_pages(page: str, role: str):
    url_of, allowed = PAGES[page]
    world = _world()
    response = world.client(role).get(url_of(world))
    if role in allowed:
        assert response.status_code == 200
    elif role in STAFF:
        assert response.status_code == 403
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login") + "?next=")


@pytest.mark.parametrize("role", sorted(STAFF))
def test_change_pages_offer_only_the_buttons_the_role_may_press(role: str):
    world = _world()
    flagged(world)
    page = world.client(role).get(reverse("admin:comments_comment_change", args=[world.comment.pk]))
    buttons = set(re.findall(r'name="action" value="(\w+)"', page.content.decode()))
    if role in MODERATORS:
        assert {"remove_comments", "mark_spam", "dismiss_flags", "pin_comments"} <= buttons
    else:
        assert buttons == set()
    assert ("delete_selected" in buttons) is False  # deleting for good has its own page


# --- Completeness -----------------------------------------------------------


def test_the_matrix_covers_every_write():
    """A new admin action or comment endpoint must get a row here."""
    from accounts.admin import TrekboardUserAdmin
    from articles.admin import ArticleAdmin
    from comments.admin import CommentAdmin

    named_in_matrix = {getattr(action.send, "admin_action", None) for action in ACTIONS.values()}
    for model_admin in (CommentAdmin, TrekboardUserAdmin, ArticleAdmin):
        assert set(model_admin.actions) <= named_in_matrix, model_admin.__name__

    # Each of the comments app's URLs is a row above, a read, or signed for one reader.
    rows = {
        "create": "post",
        "reply": "reply",
        "edit": "edit",
        "delete": "delete",
        "like": "like",
        "flag": "flag",
        "inbox_read": "mark a notification read",
        "notification_open": "open a notification",
    }
    # A preview writes nothing (tests/comments/test_preview.py): a read, though a POST.
    reads = {"page", "detail", "replies", "reveal", "inbox", "preview", "feed", "search", "live"}
    reads |= {"live_show"}
    signed = {"unsubscribe"}  # the emailed link's token names the reader; csrf_exempt by design
    names = {pattern.name for pattern in comment_urls.urlpatterns}
    assert names == rows.keys() | reads | signed
    assert set(rows.values()) <= ACTIONS.keys()
    assert set(admin.site._registry) >= {Comment, User, Article, WordRule}
    assert len(CELLS) == len(ACTIONS) * len(ROLES)
    assert all(role in ROLES for action in ACTIONS.values() for role in action.allowed)


def test_a_suspended_reader_is_refused_every_write_with_the_reason():
    """Suspension is its own row of the matrix: signed in, allowed in general, told why not."""
    world = _world()
    reader = world.people["reader"]
    User.objects.filter(pk=reader.pk).update(
        suspended_until=timezone.now() + timedelta(days=1), moderation_reason="Flame war"
    )
    client = world.client("reader")
    before = (Comment.objects.count(), CommentLike.objects.count(), CommentFlag.objects.count())
    for name in ("post", "reply", "like", "flag"):
        response = ACTIONS[name].send(world, client)
        assert response.status_code in {400, 403}, name
        assert "Flame war" in unescape(response.content.decode()), name
    assert (
        Comment.objects.count(),
        CommentLike.objects.count(),
        CommentFlag.objects.count(),
    ) == before
