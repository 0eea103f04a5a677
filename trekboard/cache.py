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
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
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
