"""Rate limits: per account and per IP address, in the shared cache, answered with a 429.

The limits are set per test with the ``settings`` fixture; ``conftest.py`` gives
every test fresh counters. django-ratelimit counts in fixed windows, so the
clock it reads is frozen for each test: a window never ends halfway through one.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
from html import unescape
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import django_ratelimit.core
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.urls import reverse

from comments.models import Comment, CommentFlag, CommentLike
from tests.factories import PASSWORD, CommentFactory, UserFactory
from tests.helpers import manage_py
from trekboard import ratelimits
from trekboard.addresses import client_network
from trekboard.ratelimits import DEFAULT_RATES, parse_rate_limits, wait_text

ROOT = Path(__file__).resolve().parent.parent
HTMX = {"HTTP_HX_REQUEST": "true"}
HOME = "203.0.113.5"
ELSEWHERE = "198.51.100.7"
ACTIONS = ["post", "reply", "like", "flag", "login"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch) -> float:
    now = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: now))
    return now


def text_of(response) -> str:
    return unescape(response.content.decode())


def assert_refused(response, message: str, *, longest: int = 60) -> None:
    """A 429 that says what happened and, in words and in Retry-After, how long to wait."""
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= longest
    assert f"{message} Try again in {wait_text(retry_after)}." in text_of(response)


# --- Every limited action, through its URL -------------------------------------


class Reader:
    """One account (or, for logins, one username) on one address, attempting ``action``."""

    def __init__(self, action: str, comments: list[Comment], *, ip: str = HOME) -> None:
        self.action = action
        self.comments = comments
        self.ip = ip
        self.user = UserFactory()
        self.client = Client(REMOTE_ADDR=ip)
        if action != "login":
            self.client.force_login(self.user)
        self.attempts = 0

    def attempt(self, **extra):
        """The action's POST: a comment, a reply, a like or flag of the next comment, a login."""
        n, self.attempts = self.attempts, self.attempts + 1
        target = self.comments[n]
        if self.action == "post":
            url, data = reverse("comments:create", args=[target.article.slug]), {"body": f"#{n}"}
        elif self.action == "reply":
            url, data = reverse("comments:reply", args=[target.pk]), {"body": f"Reply #{n}"}
        elif self.action == "like":
            url, data = reverse("comments:like", args=[target.pk]), {}
        elif self.action == "flag":
            url, data = reverse("comments:flag", args=[target.pk]), {"reason": "spam"}
        else:
            url, data = reverse("login"), {"username": self.user.username, "password": "wrong"}
        return self.client.post(url, data, **extra)

    @property
    def allowed(self) -> int:
        """What the view answers when not limited: a redirect, or the login form again."""
        return 200 if self.action == "login" else 302


@pytest.fixture
def comments(article) -> list[Comment]:
    return [CommentFactory(article=article) for _ in range(4)]


@pytest.mark.parametrize("action", ACTIONS)
def test_limit_per_account_trips_at_its_rate(action, settings, comments):
    settings.RATE_LIMITS = {action: "2/m"}
    reader = Reader(action, comments)
    assert [reader.attempt().status_code for _ in range(2)] == [reader.allowed] * 2
    assert_refused(reader.attempt(), ratelimits.MESSAGES[action])
    # Someone else on the same address is not held back (its limit is 20).
    other = Reader(action, comments)
    assert other.attempt().status_code == other.allowed


@pytest.mark.parametrize("action", ACTIONS)
def test_limit_per_ip_address_trips_at_its_rate(action, settings, monkeypatch, comments):
    settings.RATE_LIMITS = {action: "1/m"}
    monkeypatch.setattr(ratelimits, "IP_MULTIPLIER", 2)
    # Three accounts on one address: each is within its own limit of one.
    readers = [Reader(action, comments) for _ in range(3)]
    assert [reader.attempt().status_code for reader in readers[:2]] == [readers[0].allowed] * 2
    assert_refused(readers[2].attempt(), ratelimits.MESSAGES[action])
    away = Reader(action, comments, ip=ELSEWHERE)
    assert away.attempt().status_code == away.allowed


def test_ip_limit_is_the_account_limit_times_the_multiplier(settings, comments):
    settings.RATE_LIMITS = {"like": "1/m"}
    statuses = [
        Reader("like", comments).attempt().status_code for _ in range(ratelimits.IP_MULTIPLIER + 1)
    ]
    assert statuses == [302] * ratelimits.IP_MULTIPLIER + [429]


@pytest.mark.parametrize("action", ACTIONS)
def test_rate_limits_off_lets_everything_through(action, settings, comments):
    settings.RATE_LIMITS = {}
    reader = Reader(action, comments)
    assert {reader.attempt().status_code for _ in range(4)} == {reader.allowed}


def test_the_defaults_hold_a_reader_to_five_new_comments_a_minute(settings, comments):
    settings.RATE_LIMITS = dict(DEFAULT_RATES)
    reader = Reader("post", comments * 2)
    statuses = [reader.attempt().status_code for _ in range(6)]
    assert statuses == [302] * 5 + [429]


# --- What a refused reader sees ---------------------------------------------


@pytest.mark.parametrize("action", ["post", "reply"])
def test_refused_comment_comes_back_in_the_form_with_its_text(action, settings, comments):
    settings.RATE_LIMITS = {action: "1/m"}
    reader = Reader(action, comments)
    reader.attempt()
    before = Comment.objects.count()
    text = "A long & careful argument about the <b>finale</b>"
    target = comments[0]
    url = (
        reverse("comments:create", args=[target.article.slug])
        if action == "post"
        else reverse("comments:reply", args=[target.pk])
    )

    page = reader.client.post(url, {"body": text})
    assert_refused(page, "You're posting too fast.")
    html = page.content.decode()
    assert "<html" in html
    assert "&lt;b&gt;finale&lt;/b&gt;</textarea>" in html
    assert text in text_of(page)

    fragment = reader.client.post(url, {"body": text}, **HTMX)
    assert_refused(fragment, "You're posting too fast.")
    html = fragment.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith("<form")
    assert text in text_of(fragment)
    assert Comment.objects.count() == before


def test_logged_out_posting_is_limited_per_address_with_text_kept(settings, monkeypatch, article):
    settings.RATE_LIMITS = {"post": "1/m"}
    monkeypatch.setattr(ratelimits, "IP_MULTIPLIER", 1)
    client = Client(REMOTE_ADDR=HOME)
    url = reverse("comments:create", args=[article.slug])
    assert client.post(url, {"body": "First try"}).status_code == 302  # to log in
    response = client.post(url, {"body": "Second try"})
    assert_refused(response, "You're posting too fast.")
    assert "Second try</textarea>" in text_of(response)


def test_reply_form_and_flag_form_are_not_counted(settings, client_logged_in, comments):
    settings.RATE_LIMITS = {"reply": "1/m", "flag": "1/m"}
    for name in ("comments:reply", "comments:flag"):
        url = reverse(name, args=[comments[0].pk])
        assert [client_logged_in.get(url).status_code for _ in range(3)] == [200] * 3


def test_refused_like_is_told_in_the_reply_slot_and_changes_nothing(settings, comments):
    settings.RATE_LIMITS = {"like": "1/m"}
    reader = Reader("like", comments)
    reader.attempt()
    comment = comments[1]
    url = reverse("comments:like", args=[comment.pk])

    fragment = reader.client.post(url, **HTMX)
    assert_refused(fragment, "You're liking comments too fast.")
    assert fragment["HX-Retarget"] == f"#reply-slot-{comment.pk}"
    assert fragment["HX-Reswap"] == "innerHTML"
    assert "<html" not in fragment.content.decode()

    page = reader.client.post(url)
    assert_refused(page, "You're liking comments too fast.")
    assert "Slow down" in text_of(page)
    assert not CommentLike.objects.filter(comment=comment).exists()


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_refused_flag_keeps_the_reason_and_the_text(htmx, settings, comments):
    settings.RATE_LIMITS = {"flag": "1/h"}
    reader = Reader("flag", comments)
    reader.attempt()
    comment = comments[1]
    response = reader.client.post(
        reverse("comments:flag", args=[comment.pk]),
        {"reason": "other", "text": "Copied from another site"},
        **(HTMX if htmx else {}),
    )
    assert_refused(response, "You've flagged a lot of comments in a short time.", longest=3600)
    html = text_of(response)
    assert re.search(r'value="other"[^>]*\bchecked', html)
    assert "Copied from another site</textarea>" in html
    assert ("<html" in html) is not htmx
    assert not CommentFlag.objects.filter(comment=comment).exists()


def test_login_is_limited_per_username_whatever_its_case(settings):
    settings.RATE_LIMITS = {"login": "2/m"}
    user = UserFactory(username="alice")
    url = reverse("login")
    for username in ("alice", " ALICE "):
        response = Client().post(url, {"username": username, "password": "wrong"})
        assert response.status_code == 200
    # Limited before the password is even checked, so the right one waits too.
    response = Client(REMOTE_ADDR=ELSEWHERE).post(
        url, {"username": user.username, "password": PASSWORD}
    )
    assert_refused(response, "Too many login attempts.")
    html = text_of(response)
    assert "<h1>Slow down</h1>" in html
    assert reverse("password_reset") in html
    assert "_auth_user_id" not in response.wsgi_request.session


@pytest.mark.parametrize(
    ("action", "url_name", "fields", "message"),
    [
        (
            "signup",
            "accounts:signup",
            {
                "username": "newcomer{n}",
                "password1": "a-Long-pass-99",
                "password2": "a-Long-pass-99",
            },
            "Too many sign-ups from here or for that address.",
        ),
        (
            "reset",
            "password_reset",
            {},
            "Too many password reset requests from here or for that address.",
        ),
    ],
)
def test_emails_to_one_address_are_limited_whatever_its_case(
    settings, action, url_name, fields, message, mailoutbox
):
    # Each of these sends an email to the address typed: nobody may make the
    # site flood someone's inbox, from one address or from many.
    settings.RATE_LIMITS = {action: "2/h"}
    UserFactory(email="victim@example.org")
    url = reverse(url_name)
    for n, (email, address) in enumerate(
        [("victim@example.org", HOME), (" VICTIM@example.org", ELSEWHERE)]
    ):
        data = {key: value.format(n=n) for key, value in fields.items()}
        response = Client(REMOTE_ADDR=address).post(url, {**data, "email": email})
        assert response.status_code == 302
    sent = len(mailoutbox)
    assert sent == 2
    response = Client(REMOTE_ADDR="192.0.2.44").post(
        url, {**{k: v.format(n=9) for k, v in fields.items()}, "email": "victim@example.org"}
    )
    assert_refused(response, message, longest=3600)
    assert len(mailoutbox) == sent
    # Another address is not held back by it.
    response = Client(REMOTE_ADDR="192.0.2.45").post(
        url, {**{k: v.format(n=8) for k, v in fields.items()}, "email": "someone@example.org"}
    )
    assert response.status_code == 302


def test_admin_login_shares_the_login_limit(settings):
    settings.RATE_LIMITS = {"login": "1/m"}
    client = Client()
    assert client.post(reverse("login"), {"username": "alice", "password": "x"}).status_code == 200
    response = client.post(reverse("admin:login"), {"username": "alice", "password": "x"})
    assert_refused(response, "Too many login attempts.")


def test_login_url_keeps_its_name_and_path():
    assert reverse("login") == "/accounts/login/"
    assert Client().get("/accounts/login/").status_code == 200


# --- The reader's address ---------------------------------------------------


def _request(**meta) -> HttpRequest:
    return RequestFactory().post("/", **meta)


def test_address_is_the_connections_unless_proxies_are_trusted(settings):
    request = _request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5")
    assert client_network(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_network(request) == "203.0.113.5"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_network(request) == "1.1.1.1"
    settings.TRUSTED_PROXY_COUNT = 3  # fewer entries than proxies: not through them
    assert client_network(request) == "10.0.0.2"


def test_ipv6_readers_are_counted_per_64_and_no_address_is_no_ip_limit():
    assert client_network(_request(REMOTE_ADDR="2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::"
    assert client_network(_request(REMOTE_ADDR="")) is None


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "about 1 second"),
        (42, "about 42 seconds"),
        (60, "about 1 minute"),
        (150, "about 3 minutes"),
        (3599, "about 60 minutes"),
        (3600, "about 1 hour"),
        (86_000, "about 24 hours"),
    ],
)
def test_wait_in_words(seconds, words):
    assert wait_text(seconds) == words


# --- RATE_LIMITS ------------------------------------------------------------


def test_rate_limits_default_and_override():
    assert parse_rate_limits("") == DEFAULT_RATES
    assert parse_rate_limits(" post=2/m , flag=3/15m ") == {
        **DEFAULT_RATES,
        "post": "2/m",
        "flag": "3/15m",
    }
    assert parse_rate_limits("off") == parse_rate_limits(" OFF ") == {}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("poke=1/m", "RATE_LIMITS: unknown action 'poke'; the actions are post, reply,"),
        ("post=fast", "RATE_LIMITS: post=fast is not a rate"),
        ("post=5/minute", "RATE_LIMITS: post=5/minute is not a rate"),
        ("post=0/m", "RATE_LIMITS: post=0/m is not a rate"),
        ("post=5/0m", "RATE_LIMITS: post=5/0m is not a rate"),
        ("post", "RATE_LIMITS: 'post' is not action=rate"),
        ("post=5/m,post=6/m", "RATE_LIMITS names 'post' twice."),
    ],
)
def test_bad_rate_limits_are_refused(value, message):
    with pytest.raises(ImproperlyConfigured) as error:
        parse_rate_limits(value)
    assert str(error.value).startswith(message)


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # Never connected to: these commands only load the settings.
    return manage_py(
        *args, **{"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/trekboard", **env}
    )


def test_rate_limits_off_is_refused_in_production():
    result = _manage(
        "check",
        TREKBOARD_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="board.example.org",
        RATE_LIMITS="off",
    )
    assert result.returncode != 0
    assert (
        "RATE_LIMITS=off turns rate limiting off for load tests; it is refused when "
        "TREKBOARD_ENV=production." in result.stderr
    )


def test_rate_limits_from_the_environment():
    show = "from django.conf import settings; print(settings.RATE_LIMITS)"
    result = _manage("shell", "-c", show, RATE_LIMITS="off")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "{}"
    result = _manage("shell", "-c", show, RATE_LIMITS="login=3/m")
    assert result.returncode == 0, result.stderr
    assert "'login': '3/m'" in result.stdout


def test_bad_rate_limits_refuse_to_start():
    result = _manage("check", RATE_LIMITS="post=5/m,poke=1/s")
    assert result.returncode != 0
    assert "RATE_LIMITS: unknown action 'poke'" in result.stderr


# --- The honeypot -----------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_filled_honeypot_is_refused_and_nothing_saved(htmx, client_logged_in, article):
    response = client_logged_in.post(
        reverse("comments:create", args=[article.slug]),
        {"body": "Buy cheap replicators", "website": "https://spam.example"},
        **(HTMX if htmx else {}),
    )
    assert response.status_code == 400
    html = text_of(response)
    assert "Your comment looks like it was sent by a program, so it wasn't posted." in html
    assert "Buy cheap replicators</textarea>" in html
    # The bot's value is never echoed back into the hidden field.
    assert "spam.example" not in html
    assert not Comment.objects.exists()


def test_honeypot_is_in_the_form_but_hidden_from_people(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    honeypot = re.search(r'<div class="honeypot" aria-hidden="true">.*?</div>', html)
    assert honeypot is not None
    assert re.search(r'<input[^>]*name="website"[^>]*tabindex="-1"', honeypot[0])


# --- Shared across processes ------------------------------------------------


def _database_url() -> str:
    """The test database as a DATABASE_URL for another process."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = db["HOST"] or ""
    if host.startswith("/"):
        # The embedded server's Unix socket directory: django-environ reads it
        # from a path that starts with "//", as HOST and then NAME.
        location = "/" + quote(host, safe="/")
    else:
        location = f"[{host}]" if ":" in host else host
        if db["PORT"]:
            location += f":{db['PORT']}"
    return f"postgres://{user}{password}@{location}/{quote(db['NAME'], safe='')}"


# Logs in with a wrong password ``attempts`` times as alice, at the frozen
# time the test gives it, and prints the status codes.
LOGIN_ATTEMPTS = """
import json, sys, types
import django
django.setup()
import django_ratelimit.core
from django.conf import settings
from django.test import Client
prefix, now, attempts = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
settings.RATELIMIT_CACHE_PREFIX = prefix
django_ratelimit.core.time = types.SimpleNamespace(time=lambda: now)
client = Client(REMOTE_ADDR="203.0.113.9")
form = "username=alice&password=wrong"  # urlencoded, as a browser sends it
print(json.dumps([
    client.post("/accounts/login/", form, "application/x-www-form-urlencoded").status_code
    for _ in range(attempts)
]))
"""


@pytest.mark.django_db(transaction=True)
def test_rate_limits_shared_by_two_processes(settings, frozen_clock):
    """Two processes count into one limit, through the cache the settings configure.

    Each is a separate Python with the settings of a real start-up (the test
    database, and Redis when REDIS_URL is set). They run one after the other:
    the database cache does not increment atomically, and the point here is
    that they share one count, not a race. The limit is 5: the first process
    uses 3 attempts, the second gets 2 more and is refused, and so is this one.
    """
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "trekboard.settings",
        "DATABASE_URL": _database_url(),
        "RATE_LIMITS": "login=5/m",
        # The rate limit is under test, not django-axes' lockout (also at 5 by default).
        "AXES_FAILURE_LIMIT": "100",
    }
    for key in ("TREKBOARD_ENV", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        environment.pop(key, None)

    def attempts(count: int) -> list[int]:
        args = [settings.RATELIMIT_CACHE_PREFIX, repr(frozen_clock), str(count)]
        result = subprocess.run(
            [sys.executable, "-c", LOGIN_ATTEMPTS, *args],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    assert attempts(3) == [200, 200, 200]
    assert attempts(3) == [200, 200, 429]
    settings.RATE_LIMITS = {"login": "5/m"}
    response = Client(REMOTE_ADDR="192.0.2.1").post(
        reverse("login"), {"username": "alice", "password": "wrong"}
    )
    assert response.status_code == 429
