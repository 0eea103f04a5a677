"""The shared cache, made to fail safe when Redis is down.

Django's ``RedisCache`` raises on every call when Redis can't be reached, so
a Redis outage would turn every page into a 500. Everything Trekboard keeps
in the cache can be recomputed (cached pages, the word list, sessions, which
``cached_db`` writes through to the database), so ``FailSafeRedisCache``
answers as an empty cache instead: reads miss, writes do nothing and return
False, and the error is logged (once per outage, not once per call).

After a failure the process stops asking Redis for ``retry_after`` seconds,
so a Redis that hangs, rather than refusing, costs one timeout per outage
window, not one per call. Rate limits notice the outage (django-ratelimit
reports a count it could not make) and count in the process instead; see
``trekboard.ratelimits``.

What an outage can leave behind when Redis comes back with its old contents
(a network split rather than a restart): a cached anonymous page up to
``ANONYMOUS_PAGE_SECONDS`` old, a word list up to an hour old, and a session
that was logged out during the outage (its cached copy was not deleted) until
its own expiry. The README says so.

Without Redis the shared cache is the database's cache table, and
``PostgresDatabaseCache`` keeps each operation to one statement: Django's
``DatabaseCache`` spends five on every write (a ``COUNT(*)`` to decide on a
cull, then a transaction reading the row before writing it) and deletes expired
rows it reads, so a page's few cache calls would cost it more queries than its
own content.
"""

from __future__ import annotations

import base64
import logging
import pickle
import threading
import time
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache
from django.db import DatabaseError, connections, router
from django.utils.timezone import now as tz_now
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

_DEFAULT_RETRY_AFTER = 5.0  # seconds without asking Redis after a failure


class FailSafeRedisCache(RedisCache):
    """``RedisCache`` whose every call treats an unreachable Redis as an empty cache."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("retry_after", _DEFAULT_RETRY_AFTER))
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._down_until = 0.0
        self._state_lock = threading.Lock()

    @property
    def available(self) -> bool:
        """False while this process is waiting out a Redis failure."""
        return time.monotonic() >= self._down_until

    def _call(self, name: str, fallback: Any, *args: Any, **kwargs: Any) -> Any:
        if not self.available:
            return fallback
        try:
            return getattr(super(), name)(*args, **kwargs)
        except RedisError as error:
            with self._state_lock:
                first = self.available
                self._down_until = time.monotonic() + self.retry_after
            if first:
                logger.warning(
                    "Redis is unreachable (%s); serving without the shared cache, "
                    "trying again in %.0f s.",
                    error,
                    self.retry_after,
                )
            return fallback

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):  # type: ignore[override]
        return self._call("add", False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):  # type: ignore[override]
        return self._call("set", False, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):  # type: ignore[override]
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def incr(self, key, delta=1, version=None):
        # None, as redis itself answers for a key it can't count (django-ratelimit
        # takes None as "could not count").
        return self._call("incr", None, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):  # type: ignore[override]
        return self._call("set_many", list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", False)


# createcachetable's key column; a longer key can't be stored, so it is never sent.
_KEY_LENGTH = 255
# Writes between two culls, per process (``OPTIONS["CULL_EVERY"]``).
_DEFAULT_CULL_EVERY = 100
# Increments of one key that may overtake ours before we give up.
_INCR_ATTEMPTS = 50


class PostgresDatabaseCache(DatabaseCache):
    """Django's ``DatabaseCache`` on PostgreSQL, in one statement per operation.

    The same table (``createcachetable``), keys (``make_and_validate_key``) and
    pickled, base64 values, so either backend reads what the other wrote:

    * ``get``/``get_many``: one SELECT of the rows not yet expired. An expired
      row is a miss and is left for the cull: a read never writes.
    * ``set``/``set_many``: one ``INSERT ... ON CONFLICT DO UPDATE``, every key
      in it. ``add``: the same, replacing only an expired row, and it says
      whether it wrote. ``touch``, ``delete``, ``delete_many``, ``has_key``:
      one statement each (the last three are Django's own).
    * ``incr``/``decr``: the value is read, then written back only if it is
      still the value read (else read again), so concurrent increments all
      count, and the key keeps its expiry (Django's sets it to the default
      timeout), as Redis's ``INCRBY`` does.
    * Culling: every ``CULL_EVERY``-th write of a process (an ``OPTIONS`` key)
      carries the cull in its own statement, so no call costs a query more:
      expired rows go, and past ``MAX_ENTRIES`` live rows a ``CULL_FREQUENCY``-th
      of them, first in key order, as Django culls (``0``: all of them). Django
      counts the table on every write instead; here the table can go up to
      ``CULL_EVERY`` writes per process past ``MAX_ENTRIES`` before it is culled.

    Inside a transaction a failed write fails the transaction, as a failed
    statement does (Django spends a savepoint on each write to swallow it,
    which would be two more queries per write); outside one it returns False
    and is logged, as Django's does. A key too long for the column is refused
    before any SQL. PostgreSQL only (``ON CONFLICT``, ``SKIP LOCKED``).
    """

    def __init__(self, table: str, params: dict[str, Any]) -> None:
        super().__init__(table, params)
        options = params.get("OPTIONS") or {}
        self._cull_every = max(int(options.get("CULL_EVERY", _DEFAULT_CULL_EVERY)), 1)
        self._writes = 0  # this process's (the instance is per thread, like its connection)

    # --- Reads ----------------------------------------------------------------

    def get_many(self, keys, version=None):
        key_map = {self.make_and_validate_key(key, version=version): key for key in keys}
        if not key_map:
            return {}
        connection = connections[router.db_for_read(self.cache_model_class)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT cache_key, value FROM {self._quoted(connection)} "  # noqa: S608 - our table
                f"WHERE cache_key IN ({', '.join(['%s'] * len(key_map))}) AND expires >= %s",
                [*key_map, tz_now()],
            )
            return {key_map[key]: self._decode(value) for key, value in cursor.fetchall()}

    # --- Writes ---------------------------------------------------------------

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._upsert({self.make_and_validate_key(key, version=version): value}, timeout, "set")

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        rows = {
            self.make_and_validate_key(key, version=version): value for key, value in data.items()
        }
        if not rows:
            return []
        return [] if self._upsert(rows, timeout, "set") is not None else list(data)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        return bool(self._upsert({key: value}, timeout, "add"))

    def get_or_add_many(self, data, timeout=DEFAULT_TIMEOUT, version=None) -> dict:
        """Add each key of ``data`` the cache doesn't hold; every key's value afterwards.

        One statement, however many keys: of two processes adding the same key
        at once, both get the value that won. A key left out of the answer could
        not be written (see the class).
        """
        made = {self.make_and_validate_key(key, version=version): key for key in data}
        rows = self._upsert({mine: data[key] for mine, key in made.items()}, timeout, "get_or_add")
        return {made[key]: self._decode(value) for key, value in rows or ()}

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        connection = connections[router.db_for_write(self.cache_model_class)]
        expires = connection.ops.adapt_datetimefield_value(self._expiry(timeout))
        sql = (
            f"UPDATE {self._quoted(connection)} SET expires = %s "  # noqa: S608 - our table
            "WHERE cache_key = %s AND expires >= %s"
        )
        return bool(self._write(connection, sql, [expires, key, tz_now()], rowcount=True))

    def incr(self, key, delta=1, version=None):
        made = self.make_and_validate_key(key, version=version)
        connection = connections[router.db_for_write(self.cache_model_class)]
        table = self._quoted(connection)
        with connection.cursor() as cursor:
            for _ in range(_INCR_ATTEMPTS):
                cursor.execute(
                    f"SELECT value FROM {table} WHERE cache_key = %s AND expires >= %s",  # noqa: S608
                    [made, tz_now()],
                )
                row = cursor.fetchone()
                if row is None:
                    raise ValueError(f"Key '{key}' not found")
                new_value = self._decode(row[0]) + delta
                # Lands only on the value read: an increment that overtook this
                # one makes it read again rather than be overwritten.
                cursor.execute(
                    f"UPDATE {table} SET value = %s "  # noqa: S608 - our table
                    "WHERE cache_key = %s AND value = %s AND expires >= %s",
                    [self._encode(new_value), made, row[0], tz_now()],
                )
                if cursor.rowcount:
                    return new_value
        raise DatabaseError(f"Key '{key}' changed under {_INCR_ATTEMPTS} increments in a row.")

    # --- The statements -------------------------------------------------------

    def _upsert(self, rows: dict[str, Any], timeout, mode: str) -> list | None:
        """Write ``rows`` (stored key: value) in one statement; its rows, or None if it failed.

        ``set`` replaces what is there; ``add`` only an expired row, returning
        the keys it wrote; ``get_or_add`` likewise, returning every key's value.
        """
        if not rows or any(len(key) > _KEY_LENGTH for key in rows):
            return None
        connection = connections[router.db_for_write(self.cache_model_class)]
        table = self._quoted(connection)
        keys = sorted(rows)  # one lock order for every writer of several keys: no deadlock
        params: dict[str, Any] = {
            "now": tz_now(),
            "expires": connection.ops.adapt_datetimefield_value(self._expiry(timeout)),
        }
        values = []
        for n, key in enumerate(keys):
            params[f"k{n}"], params[f"v{n}"] = key, self._encode(rows[key])
            values.append(f"(%(k{n})s, %(v{n})s, %(expires)s)")
        expired = f"{table}.expires < %(now)s"
        if mode == "set":
            conflict = "DO UPDATE SET value = EXCLUDED.value, expires = EXCLUDED.expires"
            returning = ""
        elif mode == "add":
            conflict = (
                f"DO UPDATE SET value = EXCLUDED.value, expires = EXCLUDED.expires WHERE {expired}"
            )
            returning = " RETURNING cache_key"
        else:
            # Writes the row it keeps, too: a no-op that locks it, so the value
            # returned is the one every concurrent caller gets.
            conflict = (
                f"DO UPDATE SET value = CASE WHEN {expired} THEN EXCLUDED.value "
                f"ELSE {table}.value END, "
                f"expires = CASE WHEN {expired} THEN EXCLUDED.expires ELSE {table}.expires END"
            )
            returning = " RETURNING cache_key, value"
        sql = (
            f"INSERT INTO {table} (cache_key, value, expires) "  # noqa: S608 - our table
            f"VALUES {', '.join(values)} ON CONFLICT (cache_key) {conflict}{returning}"
        )
        self._writes += 1
        if self._writes % self._cull_every == 0:
            sql = self._cull(table) + sql
            params.update(keys=keys, max_entries=self._max_entries, frequency=self._cull_frequency)
        return self._write(connection, sql, params, rowcount=False)

    def _cull(self, table: str) -> str:
        """A WITH clause that culls the table, for a write to carry (see the class)."""
        crowded = "(SELECT entries FROM live) > %(max_entries)s"
        if self._cull_frequency:
            crowded += (
                f" AND cache_key < (SELECT cache_key FROM {table} WHERE expires >= %(now)s "  # noqa: S608
                "ORDER BY cache_key LIMIT 1 OFFSET (SELECT entries FROM live) / %(frequency)s)"
            )
        # Rows another writer holds are skipped, not waited for; the keys being
        # written are spared, since one statement can't both delete and upsert a row.
        return (
            f"WITH live AS (SELECT count(*) AS entries FROM {table} WHERE expires >= %(now)s), "  # noqa: S608
            f"doomed AS (SELECT cache_key FROM {table} "
            f"WHERE cache_key <> ALL(%(keys)s) AND (expires < %(now)s OR ({crowded})) "
            "FOR UPDATE SKIP LOCKED), "
            f"culled AS (DELETE FROM {table} WHERE cache_key IN (SELECT cache_key FROM doomed)) "
        )

    def _write(self, connection, sql: str, params, *, rowcount: bool):
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                if rowcount:
                    return cursor.rowcount
                return cursor.fetchall() if cursor.description else []
        except DatabaseError as error:
            if connection.in_atomic_block:
                raise
            logger.warning("The cache table refused a write: %s", error)
            return None

    def _quoted(self, connection) -> str:
        # Quoted, as trekboard.middleware looks for it to tell cache writes from the site's.
        return connection.ops.quote_name(self._table)

    def _expiry(self, timeout) -> datetime:
        timeout = self.get_backend_timeout(timeout)
        if timeout is None:
            # "Never", naive, as Django's backend writes it (an aware one would overflow).
            expires = datetime.max  # noqa: DTZ901
        else:
            expires = datetime.fromtimestamp(timeout, tz=UTC if settings.USE_TZ else None)
        return expires.replace(microsecond=0)

    def _encode(self, value: Any) -> str:
        return base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")

    @staticmethod
    def _decode(value: str) -> Any:
        return pickle.loads(base64.b64decode(value.encode()))  # noqa: S301 - rows we wrote
