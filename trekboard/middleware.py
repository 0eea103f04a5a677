"""What readers see when the database fails: a retry, or a friendly 503.

Two middlewares, two kinds of failure:

* **Contention** (a deadlock, a lock wait over ``lock_timeout``, a
  serialization failure): PostgreSQL rolled the transaction back and the same
  request will very likely succeed a moment later. ``DatabaseRetryMiddleware``
  runs the view again, up to ``DB_RETRY_ATTEMPTS`` times with a growing,
  jittered pause, and the reader never sees the error. If every attempt fails
  the reader gets the 503 page ("busy, try again"), never a 500.

* **An unreachable database** (refused or dropped connections, a server
  shutting down): ``DatabaseUnavailableMiddleware`` answers 503 with the
  friendly page and ``Retry-After``. Nothing needs restarting when the
  database returns: ``CONN_HEALTH_CHECKS`` replaces the dead connection on the
  next request.

When a view may be run again. Re-running is safe only if the failed attempt
left nothing behind, so the retry middleware watches every statement the view
runs: a write (not a plain ``SELECT``) that commits, inside ``atomic()`` or in
autocommit, makes the request final, and its error is then shown (as the 503
page). Writes to the database cache table are not counted: they are rate-limit
counters and cached pages, which may be counted or stored twice. The services
write each change in one transaction and send emails only after it commits,
so a deadlocked post is rolled back whole and its retry posts it once.
A view run inside an outer transaction (``ATOMIC_REQUESTS``, a test's) is never
retried: the connection can't run anything until that transaction ends.

The retry middleware must stay the last one with a ``process_exception`` (it
is listed just before ``AxesMiddleware``, which has none), so it is the first
to see a view's error; the unavailable middleware comes early, so that it also
catches a database error raised by another middleware (sessions, axes).
"""

from __future__ import annotations

import logging
import random
import sys
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.template import loader

from trekboard import replicas
from trekboard.queries import READ_PREFIX

logger = logging.getLogger(__name__)

# SQLSTATEs worth another attempt: serialization_failure, deadlock_detected,
# lock_not_available (lock_timeout, NOWAIT).
RETRYABLE = frozenset({"40001", "40P01", "55P03"})
# SQLSTATEs meaning the server can't serve us now: too_many_connections,
# admin_shutdown, crash_shutdown, cannot_connect_now; and class 08, connection_exception.
UNAVAILABLE = frozenset({"53300", "57P01", "57P02", "57P03"})

RETRY_AFTER_UNAVAILABLE = 30  # seconds, in the 503's Retry-After
RETRY_AFTER_BUSY = 5

_VIEW = "_trekboard_view"
_TRACKER = "_trekboard_write_tracker"
_UNAVAILABLE = "_trekboard_database_unavailable"


def sqlstate(error: BaseException) -> str | None:
    """The PostgreSQL error code behind a Django database error, if there is one."""
    for candidate in (error, error.__cause__):
        code = getattr(candidate, "pgcode", None)
        if code:
            return code
    return None


def is_retryable(error: BaseException) -> bool:
    return isinstance(error, OperationalError) and sqlstate(error) in RETRYABLE


def is_unavailable(error: BaseException | None) -> bool:
    """Whether the error says the database can't be reached (rather than a bad query)."""
    if isinstance(error, InterfaceError):  # "connection already closed"
        return True
    if not isinstance(error, OperationalError):
        return False
    code = sqlstate(error)
    # Connection failures carry no SQLSTATE: the server never answered.
    return code is None or code.startswith("08") or code in UNAVAILABLE


def unavailable_response(*, busy: bool = False) -> HttpResponse:
    """The 503 page, rendered without a request: no context processor may touch the database."""
    html = loader.get_template("503.html").render({"busy": busy})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_BUSY if busy else RETRY_AFTER_UNAVAILABLE)
    response["Cache-Control"] = "no-store"
    return response


def _cache_tables() -> tuple[str, ...]:
    tables = []
    for alias in settings.CACHES:
        table = getattr(caches[alias], "_table", None)  # DatabaseCache's
        if table:
            tables.append(connection.ops.quote_name(table))
    return tuple(tables)


class WriteTracker:
    """An execute wrapper that notes whether a write has been committed since it began."""

    def __init__(self) -> None:
        self.committed = False
        self._ignored = _cache_tables()

    def _commit_seen(self) -> None:
        self.committed = True

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: dict):
        if self.committed or not _is_write(sql) or any(t in sql for t in self._ignored):
            return execute(sql, params, many, context)
        db = context["connection"]
        if not db.in_atomic_block:
            try:
                return execute(sql, params, many, context)
            finally:
                self.committed = True  # autocommit: done (or not) for good
        if not any(func is self._commit_seen for _, func, _ in db.run_on_commit):
            # Runs if, and only if, the outermost transaction commits.
            db.on_commit(self._commit_seen)
        return execute(sql, params, many, context)


def _is_write(sql: str) -> bool:
    head = sql.lstrip()[:16].upper()
    return not head.startswith(
        ("SELECT", "SHOW", "EXPLAIN", "SAVEPOINT", "RELEASE", "ROLLBACK", *_PREPARED_READS)
    )


# A prepared read (trekboard.queries.execute_prepared), prepared and run, or run.
_PREPARED_READS = tuple(f"{verb} {READ_PREFIX.upper()}" for verb in ("PREPARE", "EXECUTE"))


class DatabaseRetryMiddleware:
    """Run a view again when PostgreSQL rolled it back over lock contention (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if connection.in_atomic_block:  # inside a test's transaction: never retried
            return self.get_response(request)
        tracker = WriteTracker()
        setattr(request, _TRACKER, tracker)
        with connection.execute_wrapper(tracker):
            return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        setattr(request, _VIEW, (view_func, view_args, view_kwargs))

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DatabaseError):
            return None
        if settings.DATABASE_REPLICA_URLS and replicas.fail_over(exception):
            # A read replica broke mid-read: once more, on the primary.
            return self._again_on_primary(request, exception)
        if is_unavailable(exception):
            return _unavailable(request, exception)
        if not is_retryable(exception):
            return None
        view = getattr(request, _VIEW, None)
        tracker: WriteTracker | None = getattr(request, _TRACKER, None)
        error: Exception = exception
        for attempt in range(1, settings.DB_RETRY_ATTEMPTS):
            if view is None or tracker is None or tracker.committed or connection.in_atomic_block:
                break
            # Exponential backoff with full jitter: writers that collided spread out.
            pause = random.uniform(0, settings.DB_RETRY_PAUSE * 2**attempt)  # noqa: S311
            logger.warning(
                "%s %s: %s (SQLSTATE %s); retrying, attempt %d of %d, in %.0f ms.",
                request.method,
                request.path,
                (str(error).strip().splitlines() or [type(error).__name__])[0],
                sqlstate(error),
                attempt + 1,
                settings.DB_RETRY_ATTEMPTS,
                pause * 1000,
            )
            time.sleep(pause)
            view_func, view_args, view_kwargs = view
            try:
                response = view_func(request, *view_args, **view_kwargs)
            except DatabaseError as again:
                if is_unavailable(again):
                    return _unavailable(request, again)
                if not is_retryable(again):
                    raise
                error = again
            else:
                return response  # Django renders a TemplateResponse after us
        logger.error(
            "%s %s: gave up after lock contention (SQLSTATE %s).",
            request.method,
            request.path,
            sqlstate(error),
            exc_info=error,
        )
        return unavailable_response(busy=True)

    def _again_on_primary(self, request: HttpRequest, error: Exception) -> HttpResponse | None:
        view = getattr(request, _VIEW, None)
        if view is None:
            return _unavailable(request, error) if is_unavailable(error) else None
        view_func, view_args, view_kwargs = view
        try:
            return view_func(request, *view_args, **view_kwargs)
        except DatabaseError as again:
            if is_unavailable(again):
                return _unavailable(request, again)
            raise


def _unavailable(request: HttpRequest, error: BaseException) -> HttpResponse:
    logger.error("%s %s: the database is unreachable: %s", request.method, request.path, error)
    # Drop the broken connection now; the next request connects afresh.
    connection.close_if_unusable_or_obsolete()
    return unavailable_response()


def _mark_unavailable(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """On an unhandled error anywhere: note whether it was the database being unreachable."""
    if request is not None and is_unavailable(sys.exc_info()[1]):
        setattr(request, _UNAVAILABLE, True)


class DatabaseUnavailableMiddleware:
    """Turn a 500 caused by an unreachable database, wherever it was raised, into the 503 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        got_request_exception.connect(_mark_unavailable, dispatch_uid=__name__)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, _UNAVAILABLE, False):
            return unavailable_response()
        return response
