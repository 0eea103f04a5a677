"""Reads on PostgreSQL streaming replicas; writes, locks and a writer's next reads on the primary.

Off unless ``DATABASE_REPLICA_URLS`` names replicas (settings adds them as
``replica1``, ``replica2``... and installs the router and the middleware
below); the default set-up never imports this module.

Where a request's reads go, decided once per request:

* a request that may write (any method but GET, HEAD, OPTIONS) reads from the
  primary, and so does everything after an ORM write in any request, and
  everything inside a transaction on the primary (locks, ``select_for_update``,
  the tree writes' advisory locks are all there);
* a reader who wrote in the last ``REPLICA_PIN_SECONDS`` reads from the
  primary (a signed cookie set on the write's response), so nobody posts and
  then fails to see their own comment on the next page;
* the rest read from one of the replicas that answered and lagged no more than
  ``REPLICA_MAX_LAG_SECONDS`` when last checked. Each process checks each replica
  at most once every ``REPLICA_CHECK_SECONDS`` (one small query), and leaves one
  that didn't answer alone for ``REPLICA_RETRY_SECONDS``. With none left, reads
  go to the primary.

Cached pages stay exact (``comments.pagecache``): a version replaced after a
write carries the primary's WAL position of that moment, and a page about to be
rendered under it reads from a replica only if that replica has replayed that
far (``catch_up``); otherwise from the primary. A replica that fails in the
middle of a read is marked down and the view runs again on the primary
(``trekboard.middleware.DatabaseRetryMiddleware``).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

PRIMARY = "default"
PIN_COOKIE = "tb_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Apps whose rows a request must read as it wrote them, whatever the lag: the
# cache table (page versions, rate-limit counters), sessions, login attempts.
PRIMARY_APPS = frozenset({"django_cache", "sessions", "axes"})

_primary_only: ContextVar[bool] = ContextVar("replicas_primary_only", default=True)
_chosen: ContextVar[str | None] = ContextVar("replicas_chosen", default=None)
_wrote: ContextVar[bool] = ContextVar("replicas_wrote", default=False)


def aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


class _Health:
    """Which replicas this process may read from, rechecked at most once a second or so."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checked_at: dict[str, float] = {}
        self.good: dict[str, bool] = {}
        self.down_until: dict[str, float] = {}

    def usable(self) -> list[str]:
        now = time.monotonic()
        found = []
        for alias in aliases():
            if now < self.down_until.get(alias, 0):
                continue
            if now - self.checked_at.get(alias, -1e9) >= settings.REPLICA_CHECK_SECONDS:
                with self.lock:
                    self.good[alias] = check(alias)
                    self.checked_at[alias] = time.monotonic()
            if self.good.get(alias):
                found.append(alias)
        return found

    def mark_down(self, alias: str) -> None:
        with self.lock:
            self.good[alias] = False
            self.down_until[alias] = time.monotonic() + settings.REPLICA_RETRY_SECONDS


health = _Health()

# Seconds behind the primary: 0 when it has replayed all it received (an idle
# primary sends nothing, however old the last replayed commit), else the age of
# the last commit it replayed. Not a replica (promoted, or misconfigured): NULL.
_LAG_SQL = (
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL "
    "WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


def check(alias: str) -> bool:
    """Whether ``alias`` answers, is a replica, and lags no more than allowed."""
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute(_LAG_SQL)
            (lag,) = cursor.fetchone()
    except DatabaseError as error:
        logger.warning("Replica %s is not answering; reading from the others: %s", alias, error)
        _close(connection)
        health.down_until[alias] = time.monotonic() + settings.REPLICA_RETRY_SECONDS
        return False
    if lag is None:
        logger.warning(
            "Database %s is not a replica (not in recovery); not reading from it.", alias
        )
        return False
    if float(lag) > settings.REPLICA_MAX_LAG_SECONDS:
        logger.info("Replica %s lags %.1f s; reading from the others.", alias, float(lag))
        return False
    return True


def _close(connection) -> None:
    try:
        connection.close()
    except DatabaseError:
        connection.connection = None


def read_alias() -> str:
    """Where this request's reads go now (see the module)."""
    if _primary_only.get() or connections[PRIMARY].in_atomic_block:
        return PRIMARY
    chosen = _chosen.get()
    if chosen is None:
        usable = health.usable()
        chosen = random.choice(usable) if usable else PRIMARY  # noqa: S311 - spreading load
        _chosen.set(chosen)
    return chosen


def read_connection():
    """The connection a hand-written read runs on (the ORM's reads go through the router)."""
    return connections[read_alias()]


def use_primary() -> None:
    """The rest of this request reads from the primary."""
    _primary_only.set(True)


class ReplicaRouter:
    def db_for_read(self, model, **hints) -> str:
        if model._meta.app_label in PRIMARY_APPS:
            return PRIMARY
        return read_alias()

    def db_for_write(self, model, **hints) -> str:
        # What this request reads next must include what it just wrote.
        _primary_only.set(True)
        _wrote.set(True)
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # one database, several copies of it

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == PRIMARY


class ReplicaMiddleware:
    """Decides each request's reads (see the module) and pins a writer to the primary a while."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        writes = request.method not in SAFE_METHODS
        pinned = writes or bool(
            request.get_signed_cookie(PIN_COOKIE, default="", max_age=settings.REPLICA_PIN_SECONDS)
        )
        tokens = (_primary_only.set(pinned), _chosen.set(None), _wrote.set(False))
        try:
            response = self.get_response(request)
            wrote = _wrote.get()
        finally:
            _primary_only.reset(tokens[0])
            _chosen.reset(tokens[1])
            _wrote.reset(tokens[2])
        if (writes or wrote) and response.status_code < 500:
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


def fail_over(error: BaseException) -> bool:
    """After ``error`` in a read: if this request's replica broke, mark it down and say so.

    The caller then runs the view again, on the primary.
    """
    chosen = _chosen.get()
    if chosen in (None, PRIMARY) or not isinstance(error, DatabaseError):
        return False
    if check(chosen):  # the replica is fine: the error was something else
        return False
    health.mark_down(chosen)
    _chosen.set(None)
    use_primary()
    logger.warning(
        "Replica %s failed during a read; running the view again on the primary.", chosen
    )
    return True


# --- Exact cached pages -------------------------------------------------------


def primary_position() -> str:
    """The primary's WAL position now, to go with a version replaced after a commit."""
    if not aliases():
        return ""
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


def catch_up(*versions: str | None) -> None:
    """Read from the primary unless this request's replica has replayed past every version given.

    A version is ``<random>@<WAL position>`` when written with replicas on.
    """
    positions = [v.rsplit("@", 1)[1] for v in versions if v and "@" in v]
    if not positions or read_alias() == PRIMARY:
        return
    connection = read_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_last_wal_replay_lsn() >= ALL(%s::pg_lsn[])",
                [positions],
            )
            (caught_up,) = cursor.fetchone()
    except DatabaseError:
        _close(connection)
        health.mark_down(connection.alias)
        caught_up = False
    if not caught_up:
        use_primary()
