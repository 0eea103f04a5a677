"""Fixtures every test module can use: readers, staff, articles and a logged-in client."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import Client, RequestFactory
from django.test.client import MULTIPART_CONTENT
from django.utils.http import urlencode

from accounts.models import User
from articles.models import Article
from tests.factories import ArticleFactory, UserFactory

_factory_post = RequestFactory.post


def _has_files(data) -> bool:
    values = data.values() if hasattr(data, "values") else []
    return any(
        hasattr(value, "read")
        or (isinstance(value, list | tuple) and any(hasattr(item, "read") for item in value))
        for value in values
    )


def _post_as_browsers_do(self, path, data=None, content_type=MULTIPART_CONTENT, **kwargs):
    """``client.post(url, {...})`` sends the form urlencoded, as a browser sends our forms.

    Django's test client sends multipart by default, which every view that
    takes no files refuses (trekboard/inputs.py). A test that means multipart
    says so (``content_type=...``), and forms with files still go as multipart.
    """
    if data is None:
        data = {}
    if (
        content_type is MULTIPART_CONTENT
        and isinstance(data, dict)
        and not _has_files(data)
        and None not in data.values()
    ):
        return _factory_post(
            self,
            path,
            urlencode(data, doseq=True),
            content_type="application/x-www-form-urlencoded",
            **kwargs,
        )
    return _factory_post(self, path, data, content_type, **kwargs)


RequestFactory.post = _post_as_browsers_do


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, django_db_keepdb: bool
) -> None:
    """One test database per pytest process: ``test_trekboard_<pid>``.

    Every checkout shares one embedded PostgreSQL, so two suites started at
    once would otherwise both create (or drop) ``test_trekboard``. With
    ``--reuse-db`` the stable name is kept, since reusing is the point.
    """
    if django_db_keepdb:
        return
    from django.conf import settings

    for db_settings in settings.DATABASES.values():
        test_settings = db_settings.setdefault("TEST", {})
        base = test_settings.get("NAME") or f"test_{db_settings['NAME']}"
        test_settings["NAME"] = f"{base}_{os.getpid()}"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path: Path) -> None:
    """Uploaded files go to a per-test directory, never into var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _jobs_in_process(settings) -> None:
    """Jobs run in the test's own process after the commit, whatever REDIS_URL says.

    Tests of the queue itself (tests/test_jobs.py) set JOBS_REDIS_URL and run
    a real worker; elsewhere a queue nobody works would swallow the emails.
    """
    settings.JOBS_REDIS_URL = ""


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # PBKDF2 is deliberately slow; every UserFactory call would pay for it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def user(db) -> User:
    return UserFactory()


@pytest.fixture
def other_user(db) -> User:
    return UserFactory()


@pytest.fixture
def staff_user(db) -> User:
    return UserFactory(is_staff=True)


@pytest.fixture
def article(db) -> Article:
    """Published an hour ago, comments open."""
    return ArticleFactory()


@pytest.fixture
def closed_article(db) -> Article:
    """Published, but the editors closed its comments."""
    return ArticleFactory(closed=True)


@pytest.fixture
def draft_article(db) -> Article:
    return ArticleFactory(draft=True)


@pytest.fixture
def client_logged_in(user) -> Client:
    """A browser session of ``user`` (a separate Client from pytest-django's ``client``)."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def moderator(db) -> User:
    """Staff, in the "Moderators" group: may moderate, may not edit articles or users."""
    from tests.helpers import make_moderator

    return make_moderator()


@pytest.fixture
def editor(db) -> User:
    """Staff who edits articles, without the moderation permissions."""
    from tests.helpers import make_editor

    return make_editor()


@pytest.fixture
def superuser(db) -> User:
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def database_cache(settings, db) -> dict:
    """The default set-up's shared cache, the database's cache table, whatever ``REDIS_URL`` says.

    With ``REDIS_URL`` set the migrations make no cache table, so it is made
    here (in the test's transaction: rolled back with it).
    """
    from django.core.management import call_command

    backend = {"BACKEND": "trekboard.cache.PostgresDatabaseCache", "LOCATION": "trekboard_cache"}
    settings.CACHES = {"default": backend}
    call_command("createcachetable", verbosity=0)
    return backend


@pytest.fixture(autouse=True)
def _fresh_rate_limit_counters(settings) -> None:
    """Every test counts rate limits from zero, under a cache key prefix of its own.

    Not ``cache.clear()``: that would empty a Redis another suite may be using.
    """
    settings.RATELIMIT_CACHE_PREFIX = f"rl:{os.urandom(8).hex()}:"
    # Cached anonymous pages likewise: a shared Redis outlives each test's rollback.
    settings.PAGE_CACHE_PREFIX = f"pc:{os.urandom(8).hex()}:"
    # A test's transaction never commits, so on-commit invalidation never runs.
    settings.PAGE_CACHE_BUMP_NOW = True
    # Sessions from the database, whichever cache is configured, so pinned query
    # counts are the same with and without Redis (production reads them through
    # the cache: one query fewer per signed-in request with Redis).
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
