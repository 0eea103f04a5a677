"""The site under faults: lock contention, the database gone, Redis gone, mail gone.

* Deadlocks and lock timeouts roll a post back; the request runs again and
  the reader only sees their comment posted (trekboard/middleware.py).
* With the database unreachable, pages answer the 503 page and /healthz says
  so; once it is back, the same gunicorn serves again and nothing posted
  before the outage is lost.
* With Redis unreachable, pages, posting and logging in work, and rate limits
  still limit, counted in each process (trekboard/cache.py, trekboard/ratelimits.py).
* With the mail server unreachable, posting works and the failure is logged.
"""

from __future__ import annotations

import logging
import threading
import time

import psycopg2
import pytest
from django.core.cache import cache
from django.core.handlers.exception import convert_exception_to_response
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from articles.models import Article
from comments.models import Comment
from comments.tree.locks import LOCK_NAMESPACE_TREE
from tests.factories import PASSWORD, ArticleFactory, CommentFactory, UserFactory
from tests.helpers import assert_trees_valid
from tests.live_gunicorn import Gunicorn, Reader, Relay, database_address, free_port, request
from trekboard.middleware import (
    DatabaseRetryMiddleware,
    DatabaseUnavailableMiddleware,
    WriteTracker,
)
from trekboard.ratelimits import parse_rate_limits

# --- Lock contention ----------------------------------------------------------


def _other_connection():
    """A second session on the test database, as another gunicorn worker would have."""
    db = connection.settings_dict
    return psycopg2.connect(
        dbname=db["NAME"],
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
    )


def _wait_for_a_blocked_session(cursor, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE NOT l.granted AND a.datname = current_database()"
        )
        if cursor.fetchone()[0]:
            return
        time.sleep(0.02)
    raise AssertionError("the request never waited for the lock")


@pytest.mark.django_db(transaction=True)
def test_a_deadlocked_reply_is_retried_and_posted_once(caplog) -> None:
    article = ArticleFactory()
    parent = CommentFactory(article=article)
    reader = Client()
    reader.force_login(UserFactory())
    ready, errors = threading.Event(), []

    def other_writer() -> None:
        # Takes the article's row, which a reply locks last, then the reply's
        # thread lock, which it locks first: a deadlock with the request.
        try:
            with _other_connection() as conn, conn.cursor() as cursor:
                cursor.execute("SET deadlock_timeout = '10s'")  # the request is the victim
                cursor.execute(
                    f"SELECT id FROM {Article._meta.db_table} WHERE id = %s FOR UPDATE",  # noqa: S608
                    [article.pk],
                )
                ready.set()
                _wait_for_a_blocked_session(cursor)
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE_TREE, parent.tree_id]
                )
        except Exception as error:  # surfaced in the test's thread
            errors.append(error)
            ready.set()

    thread = threading.Thread(target=other_writer)
    thread.start()
    ready.wait(10)
    with caplog.at_level(logging.WARNING, logger="trekboard.middleware"):
        response = reader.post(
            reverse("comments:reply", kwargs={"pk": parent.pk}), {"body": "through a deadlock"}
        )
    thread.join(10)

    assert not errors, errors
    assert response.status_code == 302
    assert Comment.objects.filter(body="through a deadlock").count() == 1
    assert any("40P01" in record.getMessage() for record in caplog.records), caplog.text
    assert_trees_valid()


@pytest.mark.django_db(transaction=True)
def test_a_lock_timeout_is_retried_until_the_lock_is_free(caplog) -> None:
    article = ArticleFactory()
    parent = CommentFactory(article=article)
    reader = Client()
    reader.force_login(UserFactory())
    holding = threading.Event()

    def other_writer() -> None:
        with _other_connection() as conn, conn.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE_TREE, parent.tree_id]
            )
            holding.set()
            time.sleep(0.6)  # longer than lock_timeout, shorter than the retries

    thread = threading.Thread(target=other_writer)
    thread.start()
    holding.wait(10)
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '200ms'")
    try:
        with caplog.at_level(logging.WARNING, logger="trekboard.middleware"):
            response = reader.post(
                reverse("comments:reply", kwargs={"pk": parent.pk}), {"body": "after a wait"}
            )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
        thread.join(10)

    assert response.status_code == 302
    assert Comment.objects.filter(body="after a wait").count() == 1
    assert any("55P03" in record.getMessage() for record in caplog.records), caplog.text
    assert_trees_valid()


class _PgError(Exception):
    def __init__(self, pgcode: str) -> None:
        super().__init__(pgcode)
        self.pgcode = pgcode


def _db_error(pgcode: str) -> OperationalError:
    error = OperationalError(f"SQLSTATE {pgcode}")
    error.__cause__ = _PgError(pgcode)
    return error


def _run_with_middleware(view, settings):
    """A request through DatabaseRetryMiddleware as Django's handler drives it."""
    middleware = DatabaseRetryMiddleware(lambda request: None)
    request = RequestFactory().post("/somewhere/")
    request._trekboard_write_tracker = WriteTracker()
    middleware.process_view(request, view, (), {})
    try:
        return view(request)
    except OperationalError as error:
        return middleware.process_exception(request, error)


@pytest.mark.django_db(transaction=True)
def test_contention_that_never_clears_gets_the_busy_page_not_a_500(settings) -> None:
    settings.DB_RETRY_PAUSE = 0.001
    calls = []

    def always_deadlocked(request):
        calls.append(1)
        raise _db_error("40P01")

    response = _run_with_middleware(always_deadlocked, settings)
    assert len(calls) == settings.DB_RETRY_ATTEMPTS
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "very busy" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_view_that_already_committed_a_write_is_not_run_again(settings) -> None:
    settings.DB_RETRY_PAUSE = 0.001
    calls = []

    def writes_then_deadlocks(request):
        calls.append(1)
        with connection.execute_wrapper(request._trekboard_write_tracker):
            UserFactory()  # committed: running the view again would make a second one
        raise _db_error("40P01")

    response = _run_with_middleware(writes_then_deadlocks, settings)
    assert len(calls) == 1
    assert response.status_code == 503


@pytest.mark.django_db(transaction=True)
def test_prepared_reads_leave_a_request_retryable_and_prepared_writes_do_not(settings) -> None:
    """Every request loads its reader with a prepared statement: that read must not count as a
    committed write, or no request would ever be run again after a deadlock."""
    from trekboard.queries import execute_prepared

    settings.DATABASE_PREPARED_STATEMENTS = True
    for sql, writes in (
        ("SELECT %(n)s::int + 1", False),
        (f"UPDATE {Article._meta.db_table} SET title = title WHERE id = %(n)s", True),  # noqa: S608
        # The discussion's recursive walk reads; a WITH that updates writes.
        (
            "WITH RECURSIVE r(i) AS (SELECT %(n)s::int UNION ALL SELECT i + 1 FROM r WHERE i < 3)"
            " SELECT count(*) FROM r",
            False,
        ),
        (
            f"WITH a AS (UPDATE {Article._meta.db_table} SET title = title WHERE id = %(n)s"  # noqa: S608
            " RETURNING id) SELECT count(*) FROM a",
            True,
        ),
    ):
        for _ in range(2):  # prepared and run, then run
            tracker = WriteTracker()
            with connection.execute_wrapper(tracker), connection.cursor() as cursor:
                execute_prepared(cursor, sql, {"n": 0})
            assert tracker.committed is writes, sql


@pytest.mark.django_db
def test_other_database_errors_are_not_retried(settings) -> None:
    calls = []

    def bad_query(request):
        calls.append(1)
        raise _db_error("42P01")  # undefined_table: a bug, not contention

    assert _run_with_middleware(bad_query, settings) is None  # Django's 500 handling follows
    assert len(calls) == 1


# --- The database unreachable ------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_database_outage_answers_503_and_recovers_without_restart() -> None:
    article = ArticleFactory(slug="outage")
    reader = Reader(UserFactory())
    page = article.get_absolute_url()
    post = reverse("comments:create", kwargs={"slug": article.slug})
    relay = Relay(database_address()).start()
    try:
        with Gunicorn(workers=2, db_port=relay.port, DATABASE_CONNECT_TIMEOUT="2") as server:
            port = server.port
            before = reader.post(port, post, {"body": "posted before the outage"})
            assert before.status == 302

            relay.cut()
            for path in (page, "/"):
                answer = request(port, "GET", path)
                assert answer.status == 503, (path, answer.status, server.output()[-2000:])
                assert "unavailable for a moment" in answer.text
                assert answer.headers["retry-after"] == "30"
            assert reader.get(port, page).status == 503  # a signed-in reader too
            during = reader.post(port, post, {"body": "posted during the outage"})
            assert during.status == 503
            assert "your text is still in the form" in during.text
            health = request(port, "GET", "/healthz")
            assert health.status == 503
            assert b'"database": "unreachable"' in health.body

            relay.restore()
            # Every worker recovers on its own next request: several, to reach each.
            for _ in range(6):
                assert request(port, "GET", "/healthz").status == 200
                assert request(port, "GET", page).status == 200
            after = reader.post(port, post, {"body": "posted after the outage"})
            assert after.status == 302
            log = server.output()
    finally:
        relay.stop()

    bodies = set(Comment.objects.filter(article=article).values_list("body", flat=True))
    assert bodies == {"posted before the outage", "posted after the outage"}
    assert "the database is unreachable" in log  # logged for the operator
    assert_trees_valid()


@pytest.mark.django_db
def test_a_connection_the_server_dropped_is_replaced_and_a_live_one_costs_no_query() -> None:
    """trekboard.database: the health check polls the socket; SELECT 1 only when it is readable."""
    from django.db import connections

    other = connections.create_connection("default")
    try:
        other.ensure_connection()
        pid = other.connection.get_backend_pid()

        class NoQueries:  # the psycopg2 connection, refusing cursors: no round trip allowed
            def __init__(self, real):
                self.real = real
                self.closed = real.closed

            def fileno(self):
                return self.real.fileno()

            def cursor(self, *args, **kwargs):
                raise AssertionError("the health check of a live connection ran a query")

        real = other.connection
        other.connection = NoQueries(real)
        assert other.is_usable()
        other.connection = real

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 5
        while other.is_usable() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not other.is_usable()
        # What Django does at the start of the next request: the dead one is
        # closed and the request's first query connects afresh.
        other.health_check_done = False
        other.close_if_health_check_failed()
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            assert cursor.fetchone()[0] != pid
    finally:
        other.close()


# --- Redis unreachable ---------------------------------------------------------


@pytest.fixture
def redis_down(settings):
    """The cache settings production uses, pointed at a port nothing listens on."""
    settings.CACHES = {
        "default": {
            "BACKEND": "trekboard.cache.FailSafeRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "KEY_PREFIX": "trekboard",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, "retry_after": 5},
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.PAGE_CACHE_BUMP_NOW = True
    return settings


def test_redis_down_pages_posts_and_login_still_work(redis_down, db, caplog) -> None:
    article = ArticleFactory()
    author = UserFactory()
    with caplog.at_level(logging.WARNING, logger="trekboard.cache"):
        assert Client().get(article.get_absolute_url()).status_code == 200  # anonymous
        browser = Client()
        login = browser.post(reverse("login"), {"username": author.username, "password": PASSWORD})
        assert login.status_code == 302, login.content[:500]
        assert browser.get(article.get_absolute_url()).status_code == 200
        posted = browser.post(
            reverse("comments:create", kwargs={"slug": article.slug}), {"body": "no redis"}
        )
    assert posted.status_code == 302
    assert Comment.objects.filter(body="no redis", author=author).exists()
    assert "Redis is unreachable" in caplog.text
    assert cache.get("anything") is None


def test_redis_down_rate_limits_still_limit(redis_down, db) -> None:
    redis_down.RATE_LIMITS = parse_rate_limits("post=2/m")
    article = ArticleFactory()
    browser = Client()
    browser.force_login(UserFactory())
    url = reverse("comments:create", kwargs={"slug": article.slug})
    statuses = [browser.post(url, {"body": f"post {n}"}).status_code for n in range(3)]
    assert statuses == [302, 302, 429]
    assert Comment.objects.filter(article=article).count() == 2


# --- The mail server unreachable ----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_mail_server_down_posting_works_and_the_failure_is_logged(settings, caplog) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    article = ArticleFactory()
    parent = CommentFactory(article=article, author=UserFactory(email_notifications=True))
    browser = Client()
    browser.force_login(UserFactory())
    with caplog.at_level(logging.ERROR, logger="comments.notify"):
        response = browser.post(
            reverse("comments:reply", kwargs={"pk": parent.pk}), {"body": "mail is down"}
        )
    assert response.status_code == 302
    assert Comment.objects.filter(body="mail is down", parent=parent).count() == 1
    assert "Could not send notification emails for comment" in caplog.text


def test_middleware_passes_ordinary_responses_through() -> None:
    ok = HttpResponse("fine")
    middleware = DatabaseRetryMiddleware(lambda request: ok)
    assert middleware(RequestFactory().get("/")) is ok


def test_unreachable_database_noticed_outside_a_view_gets_the_503_page(settings) -> None:
    """Raised by another middleware (a session save, say): no process_exception sees it."""
    settings.DEBUG = False

    def session_save(request):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    handler = DatabaseUnavailableMiddleware(convert_exception_to_response(session_save))
    response = handler(RequestFactory().get("/"))
    assert response.status_code == 503
    assert "unavailable for a moment" in response.content.decode()

    def a_bug(request):
        raise ValueError("not the database")

    handler = DatabaseUnavailableMiddleware(convert_exception_to_response(a_bug))
    assert handler(RequestFactory().get("/")).status_code == 500
