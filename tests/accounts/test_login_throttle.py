"""Login brute force: django-axes locks one username from one address after repeated failures.

Keyed on the pair (settings.AXES_LOCKOUT_PARAMETERS), so the same username
from another address and other usernames from the same address still log in.
A lockout is a 429 saying how long to wait, with ``Retry-After``; it lasts the
cool-off from the latest attempt, and a successful login clears the count.
The rate limits are turned off here (``RATE_LIMITS = {}``): they are tested in
tests/test_rate_limits.py, and would answer first.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

HERE = "203.0.113.5"
ELSEWHERE = "198.51.100.7"
WRONG = "wrong"
LOCKED = "Too many failed logins for this account from your network."


@pytest.fixture(autouse=True)
def _throttle(settings) -> None:
    settings.RATE_LIMITS = {}
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


@pytest.fixture
def alice() -> User:
    return UserFactory(username="alice")


def _login(password: str, *, username: str = "alice", ip: str = HERE, url: str = "login"):
    client = Client(REMOTE_ADDR=ip)
    response = client.post(reverse(url), {"username": username, "password": password})
    return response, client


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _fail(times: int, **kwargs) -> list[int]:
    return [_login("wrong", **kwargs)[0].status_code for _ in range(times)]


def test_the_fifth_failure_locks_the_username_out_even_with_the_right_password(alice):
    assert _fail(4) == [200, 200, 200, 200]
    response, _ = _login("wrong")
    assert response.status_code == 429
    html = response.content.decode()
    assert LOCKED in html
    assert "Try again in about 15 minutes." in html
    assert response["Retry-After"] == "900"
    assert reverse("password_reset") in html

    response, client = _login(PASSWORD)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert not _logged_in(client)


def test_the_lockout_is_keyed_on_username_and_address_together(alice):
    UserFactory(username="bob")
    _fail(5)
    assert _login(PASSWORD)[0].status_code == 429

    response, client = _login(PASSWORD, ip=ELSEWHERE)
    assert response.status_code == 302
    assert _logged_in(client)

    response, client = _login(PASSWORD, username="bob")
    assert response.status_code == 302
    assert _logged_in(client)


def test_the_admin_login_counts_and_refuses_the_same(alice):
    alice.is_staff = True
    alice.save(update_fields=["is_staff"])
    assert _fail(3, url="admin:login") == [200, 200, 200]
    assert _fail(2) == [200, 429]
    response, client = _login(PASSWORD, url="admin:login")
    assert response.status_code == 429
    assert not _logged_in(client)


def test_login_works_again_after_the_cool_off(alice):
    _fail(5)

    def age(minutes: int) -> None:
        AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))

    # Each refused attempt starts the cool-off again: 14 minutes after it, still locked.
    age(14)
    assert _login(PASSWORD)[0].status_code == 429
    age(14)
    assert _login(PASSWORD)[0].status_code == 429
    age(16)
    response, client = _login(PASSWORD)
    assert response.status_code == 302
    assert _logged_in(client)


def test_a_successful_login_clears_the_failures(alice):
    assert _fail(4) == [200] * 4
    response, client = _login(PASSWORD)
    assert response.status_code == 302
    assert _logged_in(client)
    assert _fail(4) == [200] * 4
    assert _login(PASSWORD)[0].status_code == 302


def test_failures_for_an_unknown_username_lock_only_that_username(alice):
    assert _fail(5, username="mallory") == [200, 200, 200, 200, 429]
    assert _login(PASSWORD)[0].status_code == 302


def test_the_address_is_the_one_the_rate_limits_count(settings, alice):
    """Behind one trusted proxy: the proxy's entry counts, never what the client forged."""
    settings.TRUSTED_PROXY_COUNT = 1

    def attempt(forwarded: str, password: str = WRONG) -> int:
        client = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
        data = {"username": "alice", "password": password}
        return client.post(reverse("login"), data).status_code

    # A forged left-hand entry changes nothing: all five come from HERE.
    codes = [attempt(f"192.0.2.{n}, {HERE}") for n in range(5)]
    assert codes == [200, 200, 200, 200, 429]
    assert attempt(HERE, PASSWORD) == 429
    assert attempt(ELSEWHERE, PASSWORD) == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {HERE}


def test_an_ipv6_reader_is_one_address_per_64(alice):
    for n in range(5):
        Client(REMOTE_ADDR=f"2001:db8:1:2::{n + 1}").post(
            reverse("login"), {"username": "alice", "password": "wrong"}
        )
    response = Client(REMOTE_ADDR="2001:db8:1:2:ffff::9").post(
        reverse("login"), {"username": "alice", "password": PASSWORD}
    )
    assert response.status_code == 429
    response = Client(REMOTE_ADDR="2001:db8:1:3::1").post(
        reverse("login"), {"username": "alice", "password": PASSWORD}
    )
    assert response.status_code == 302
