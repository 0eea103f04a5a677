"""What the endpoint fuzzer sends and what it compares: worlds, request shapes, snapshots.

Kept apart from the test so the strategies read as data: every request is a
``Sent`` (method, path, fields as raw bytes, how they are encoded), built by
Hypothesis and replayed through Django's test ``Client`` with
``raise_request_exception=False``, so a 500 is seen as a status and its
traceback is still at hand (``response.exc_info``).
"""

from __future__ import annotations

import hashlib
import json
import traceback
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote_from_bytes, unquote_to_bytes

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import strategies as st

from accounts.models import User
from articles.models import Article
from comments.models import Comment, CommentFlag, CommentLike, Notification
from comments.notify import unsubscribe_token
from comments.services import comment_delete, comment_status_set
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.helpers import make_moderator

ROLES = ("anonymous", "reader", "banned", "suspended", "moderator")
BLOCKED = frozenset({"banned", "suspended"})
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
NO_SUCH_METHOD = frozenset({"PUT", "PATCH", "DELETE", "TRACE"})  # no view here takes them
HIDDEN = ("removed", "spam", "pending", "deleted")
BOUNDARY = b"TrekFuzzBoundary"


# --- The world -----------------------------------------------------------------


@dataclass
class World:
    """Readers in every standing, articles open/closed/draft, comments in every status.

    Hidden comments are written by ``other``, whom no role plays, so none of
    the fuzzed roles may ever see their text (each holds a unique marker).
    """

    people: dict[str, User]
    sessions: dict[str, str]
    articles: dict[str, Article]
    comments: dict[str, Comment]
    notification_pk: int
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, role: str, *, csrf: bool = False) -> Client:
        client = Client(raise_request_exception=False, enforce_csrf_checks=csrf)
        if role != "anonymous":
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client

    def hidden_texts(self) -> list[str]:
        return [self.comments[name].body for name in HIDDEN]


def build_world() -> World:
    other = UserFactory(username="editor", email="editor@example.org")
    people = {
        "reader": UserFactory(),
        "banned": UserFactory(),
        "suspended": UserFactory(),
        "moderator": make_moderator(),
        "other": other,
    }
    articles = {
        "open": ArticleFactory(),
        "closed": ArticleFactory(),
        "draft": ArticleFactory(draft=True),
    }
    open_, closed = articles["open"], articles["closed"]
    root = CommentFactory(article=open_, author=other, body="Root by the other reader")
    comments = {
        "root": root,
        "own": CommentFactory(article=open_, author=people["reader"], parent=root, body="Mine"),
        "banned_own": CommentFactory(article=open_, author=people["banned"], body="Banned's"),
        "suspended_own": CommentFactory(article=open_, author=people["suspended"], body="Susp."),
        "closed": CommentFactory(article=closed, author=other, body="On a closed article"),
        "closed_own": CommentFactory(article=closed, author=people["reader"], body="Mine, closed"),
    }
    for status in HIDDEN:
        comment = CommentFactory(
            article=open_, author=other, parent=root, body=f"HIDDEN-{status}-marker-Qz7"
        )
        if status == "deleted":
            comment = comment_delete(comment=comment, user=other)
        else:
            comment = comment_status_set(comment=comment, status=status)
        comments[status] = comment
    # A reply to the reader's comment: the reader's notification.
    CommentFactory(article=open_, author=other, parent=comments["own"], body="Aye, sir.")
    notification = Notification.objects.filter(recipient=people["reader"]).first()
    Article.objects.filter(pk=closed.pk).update(comments_open=False)
    User.objects.filter(pk=people["banned"].pk).update(banned=True, moderation_reason="Spam")
    User.objects.filter(pk=people["suspended"].pk).update(
        suspended_until=timezone.now() + timedelta(days=3), moderation_reason="Flame war"
    )
    sessions = {}
    for role in ROLES[1:]:
        client = Client()
        client.force_login(people[role])
        sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    reader = people["reader"]
    tokens = {
        "unsubscribe": unsubscribe_token(reader),
        "uid": urlsafe_base64_encode(force_bytes(reader.pk)),
        "reset": default_token_generator.make_token(reader),
    }
    return World(
        people=people,
        sessions=sessions,
        articles=articles,
        comments={name: Comment.objects.get(pk=c.pk) for name, c in comments.items()},
        notification_pk=notification.pk if notification else 0,
        tokens=tokens,
    )


# --- What is sent ----------------------------------------------------------------

# Every code point but U+FFFD, surrogates included: a U+FFFD found stored
# afterwards can then only be bytes the site failed to refuse.
_character = st.characters(codec=None, exclude_categories=(), exclude_characters="\ufffd")
NASTY_TEXT = (
    "",
    " ",
    "\x00",
    "\u200b\u200b\ufeff",
    "\u202e\u2066",
    "\r\n\t",
    "<script>alert(1)</script>",
    "@editor @reader0",
    "y" * (settings.COMMENT_MAX_LENGTH + 1),
    "1e9999",
    "-1",
    "99999999999999999999999",
    "https://evil.example/",
    "//evil.example/",
)
NASTY_BYTES = (b"\xff\xfe", b"\xed\xa0\x80", b"caf\xe9", b"\xc0\xaf", b"%", b"a%00b", b"\x00")


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _no_replacement_char(raw: bytes) -> bool:
    return "\ufffd" not in raw.decode("utf-8", "ignore")


def values(*meaningful: str) -> st.SearchStrategy[bytes]:
    """A field's value: mostly one that means something to the form, often junk."""
    return st.one_of(
        st.sampled_from(meaningful or ("x",)).map(_utf8),
        st.text(_character, max_size=30).map(_utf8),
        st.sampled_from(NASTY_TEXT).map(_utf8),
        st.sampled_from(NASTY_BYTES),
        st.binary(max_size=16).filter(_no_replacement_char),
    )


def junk() -> st.SearchStrategy[bytes]:
    return values()


def form_fields(shape: dict[str, tuple[str, ...]]) -> st.SearchStrategy[list[tuple[bytes, bytes]]]:
    """A form as a browser would fill it, with a field or two spoiled; or any fields at all.

    ``shape`` names each field with the values that mean something to the form:
    half the examples start from a well-formed form (so the checks behind the
    first ones are reached), half are any mix of missing, doubled and junk fields.
    """

    @st.composite
    def build(draw) -> list[tuple[bytes, bytes]]:
        if draw(st.booleans()):
            fields = [
                (name.encode(), _utf8(draw(st.sampled_from(good or ("",)))))
                for name, good in shape.items()
            ]
            for _ in range(draw(st.integers(0, 2)) if fields else 0):
                index = draw(st.integers(0, len(fields) - 1))
                fields[index] = (fields[index][0], draw(junk()))
        else:
            fields = []
            for name, good in shape.items():
                for _ in range(draw(st.sampled_from((1, 1, 1, 0, 2)))):
                    fields.append((name.encode(), draw(values(*good))))
        strays = st.tuples(
            st.one_of(st.sampled_from(list(shape) or ["x"]), st.text(_character, max_size=8)).map(
                _utf8
            ),
            junk(),
        )
        fields += draw(st.lists(strays, max_size=2))
        return draw(st.permutations(fields)) if len(fields) > 1 else fields

    return build()


def _readable_address(path: str) -> bool:
    raw = unquote_to_bytes(path)
    if b"\x00" in raw:
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@dataclass(frozen=True)
class Sent:
    method: str
    path: str
    fields: tuple[tuple[bytes, bytes], ...]
    encoding: str  # urlencoded, raw-urlencoded, multipart, truncated, text, json, octets
    charset: str | None
    htmx: bool
    truncate_at: int = 0

    @property
    def truncated(self) -> bool:
        return self.encoding == "truncated"

    @property
    def body_may_be_unreadable(self) -> bool:
        """The site may refuse the request (400, 415) before anything looks at a CSRF token.

        Its body (multipart where no files are taken, cut off, not UTF-8), or
        its address: a NUL byte or bytes that aren't UTF-8 in the path or the
        query string are refused first (``trekboard.inputs``).
        """
        return (
            self.encoding in {"multipart", "truncated"}
            or self.charset not in {None, "utf-8"}
            or not _readable_address(self.path)
        )

    def body_and_type(self) -> tuple[bytes, str]:
        fields = self.fields
        if self.encoding in {"urlencoded", "raw-urlencoded"}:
            quoted = self.encoding == "urlencoded"
            body = b"&".join(
                (quote_from_bytes(n).encode() + b"=" + quote_from_bytes(v).encode())
                if quoted
                else n + b"=" + v
                for n, v in fields
            )
            content_type = "application/x-www-form-urlencoded"
        elif self.encoding in {"multipart", "truncated"}:
            body = _multipart(fields)
            if self.truncated:
                # Cut before the closing boundary ends: never a whole body.
                closing = len(b"--" + BOUNDARY + b"--\r\n")
                body = body[: self.truncate_at % (len(body) - closing + 1)]
            content_type = f"multipart/form-data; boundary={BOUNDARY.decode()}"
        elif self.encoding == "json":
            data = {
                n.decode("utf-8", "backslashreplace"): v.decode("utf-8", "backslashreplace")
                for n, v in fields
            }
            body, content_type = json.dumps(data).encode(), "application/json"
        elif self.encoding == "text":
            body, content_type = b"\n".join(n + b"=" + v for n, v in fields), "text/plain"
        else:
            body, content_type = b"".join(v for _, v in fields), "application/octet-stream"
        if self.charset:
            content_type += f"; charset={self.charset}"
        return body, content_type

    def send(self, client: Client):
        extra = {"HTTP_HX_REQUEST": "true"} if self.htmx else {}
        if self.method in {"GET", "HEAD"}:
            query = "&".join(
                quote_from_bytes(n) + "=" + quote_from_bytes(v) for n, v in self.fields
            )
            return client.generic(self.method, self.path, QUERY_STRING=query, **extra)
        body, content_type = self.body_and_type()
        # Django's client drops Content-Type with an empty body; a real client
        # (and this fuzzer's claim about the body) keeps it.
        extra.setdefault("CONTENT_TYPE", content_type)
        return client.generic(self.method, self.path, data=body, content_type=content_type, **extra)

    def describe(self) -> str:
        if self.method in {"GET", "HEAD"}:
            return f"{self.method} {self.path} query fields={list(self.fields)!r}"
        body, content_type = self.body_and_type()
        return f"{self.method} {self.path}\nContent-Type: {content_type}\n\n{body[:600]!r}"


def _multipart(fields) -> bytes:
    parts = []
    for name, value in fields:
        parts.append(
            b"--" + BOUNDARY + b"\r\n"
            b'Content-Disposition: form-data; name="' + name + b'"\r\n\r\n' + value + b"\r\n"
        )
    return b"".join(parts) + b"--" + BOUNDARY + b"--\r\n"


ENCODINGS = (
    "urlencoded",
    "urlencoded",
    "urlencoded",
    "raw-urlencoded",
    "multipart",
    "multipart",
    "truncated",
    "text",
    "json",
    "octets",
)
CHARSETS = (None, None, None, "utf-8", "latin-1", "utf-16", "x-no-such-charset")


def requests(
    paths: st.SearchStrategy[str],
    shape: dict[str, tuple[str, ...]],
    *,
    post_weight: int = 8,
) -> st.SearchStrategy[Sent]:
    """Requests to one endpoint: mostly POSTs (the forms), every other method too."""
    return st.builds(
        Sent,
        method=st.sampled_from(("POST",) * post_weight + METHODS),
        path=paths,
        fields=form_fields(shape).map(tuple),
        encoding=st.sampled_from(ENCODINGS),
        charset=st.sampled_from(CHARSETS),
        htmx=st.booleans(),
        truncate_at=st.integers(0, 10_000),
    )


# --- What is compared --------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """What a refused request must leave exactly as it was."""

    comments: dict[int, tuple[str, str]]  # pk -> (body, status)
    users: dict[int, str]  # pk -> digest of the fields a reader can change
    likes: frozenset[tuple[int, int]]
    flags: int

    @classmethod
    def take(cls) -> Snapshot:
        users = {
            pk: hashlib.sha256(repr(row).encode("utf-8", "surrogatepass")).hexdigest()
            for pk, *row in User.objects.values_list(
                "pk", "username", "email", "password", "first_name", "last_name", "bio",
                "email_notifications", "banned", "suspended_until",
            )
        }  # fmt: skip
        return cls(
            comments={
                pk: (b, s) for pk, b, s in Comment.objects.values_list("pk", "body", "status")
            },
            users=users,
            likes=frozenset(CommentLike.objects.values_list("comment_id", "user_id")),
            flags=CommentFlag.objects.count(),
        )

    def changes(self, after: Snapshot) -> dict[str, object]:
        """Everything that differs, by kind; empty when nothing does."""
        found: dict[str, object] = {}
        new = sorted(after.comments.keys() - self.comments.keys())
        if new:
            found["new comments"] = {pk: after.comments[pk] for pk in new}
        edited = {
            pk: (self.comments[pk], after.comments.get(pk))
            for pk in self.comments
            if after.comments.get(pk) != self.comments[pk]
        }
        if edited:
            found["changed comments"] = edited
        if after.users.keys() - self.users.keys():
            found["new users"] = sorted(after.users.keys() - self.users.keys())
        changed_users = [pk for pk in self.users if after.users.get(pk) != self.users[pk]]
        if changed_users:
            found["changed users"] = changed_users
        if after.likes != self.likes:
            found["likes"] = sorted(after.likes ^ self.likes)
        if after.flags != self.flags:
            found["flags"] = after.flags - self.flags
        return found


def has_visible_character(text: str) -> bool:
    """Anything but format, control, separator and unassigned characters."""
    return any(unicodedata.category(ch)[0] not in {"C", "Z"} for ch in text)


def traceback_of(response) -> str:
    exc_info = getattr(response, "exc_info", None)
    if not exc_info:
        return "(no exception was raised: the view answered 5xx itself)"
    return "".join(traceback.format_exception(*exc_info))
