"""The database cache (``trekboard.cache.PostgresDatabaseCache``): one statement a call."""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

import pytest
from django.core.cache.backends.base import CacheKeyWarning
from django.core.cache.backends.db import DatabaseCache
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django_ratelimit import core as ratelimit_core

from tests.helpers import run_at_once
from trekboard import ratelimits
from trekboard.cache import PostgresDatabaseCache

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("database_cache")]

TABLE = "trekboard_cache"


def make(prefix: str | None = None, **options) -> PostgresDatabaseCache:
    """A cache on the table, with keys of its own (other tests may have committed rows)."""
    return PostgresDatabaseCache(
        TABLE, {"KEY_PREFIX": prefix or os.urandom(4).hex(), "OPTIONS": options}
    )


def statements(call) -> tuple[object, list[str]]:
    """What ``call()`` returns, and the first word of each statement it ran."""
    with CaptureQueriesContext(connection) as captured:
        result = call()
    return result, [query["sql"].split(None, 1)[0] for query in captured.captured_queries]


def stored_keys(cache: PostgresDatabaseCache) -> list[str]:
    """The keys of the cache's rows, expired or not, in key order, without the prefix."""
    prefix = cache.make_key("")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT cache_key FROM {TABLE} WHERE cache_key LIKE %s ORDER BY cache_key",  # noqa: S608
            [f"{prefix}%"],
        )
        return [key.removeprefix(prefix) for (key,) in cursor.fetchall()]


def expiry(cache: PostgresDatabaseCache, key: str):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT expires FROM {TABLE} WHERE cache_key = %s",  # noqa: S608
            [cache.make_key(key)],
        )
        return cursor.fetchone()[0]


def test_every_call_is_one_statement():
    cache = make()
    assert statements(lambda: cache.set("a", 1, 60)) == (None, ["INSERT"])
    assert statements(lambda: cache.set_many({"b": 2, "c": 3, "d": 4}, 60)) == ([], ["INSERT"])
    assert statements(lambda: cache.add("e", 5, 60)) == (True, ["INSERT"])
    assert statements(lambda: cache.get("a")) == (1, ["SELECT"])
    assert statements(lambda: cache.get_many(["a", "b", "c", "d", "zz"])) == (
        {"a": 1, "b": 2, "c": 3, "d": 4},
        ["SELECT"],
    )
    assert statements(lambda: cache.touch("a", 120)) == (True, ["UPDATE"])
    assert statements(lambda: cache.has_key("a")) == (True, ["SELECT"])
    assert statements(lambda: cache.delete("a")) == (True, ["DELETE"])
    assert statements(lambda: cache.delete_many(["b", "c"])) == (None, ["DELETE"])
    assert stored_keys(cache) == ["d", "e"]


def test_add_writes_over_a_missing_or_expired_key_only():
    cache = make()
    assert cache.add("k", "first", 60) is True
    assert cache.add("k", "second", 60) is False
    assert cache.get("k") == "first"
    cache.set("old", "stale", 0)  # written already expired, as Django's backend does
    assert cache.add("old", "fresh", 60) is True
    assert cache.get("old") == "fresh"


def test_a_read_misses_an_expired_row_and_never_writes():
    cache = make()
    cache.set_many({"live": 1, "expired": 2}, 60)
    cache.set("expired", 2, 0)
    assert statements(lambda: cache.get_many(["live", "expired"])) == ({"live": 1}, ["SELECT"])
    assert statements(lambda: cache.get("expired", "missing")) == ("missing", ["SELECT"])
    assert cache.touch("expired", 60) is False  # an expired key is not brought back
    assert stored_keys(cache) == ["expired", "live"]  # left for the cull


def test_rows_are_djangos_own_so_either_backend_reads_the_other():
    prefix = os.urandom(4).hex()
    ours = make(prefix)
    djangos = DatabaseCache(TABLE, {"KEY_PREFIX": prefix})
    value = {"count": 3, "words": ["tribble", "Qapla' 🖖"]}
    ours.set("ours", value, 60)
    djangos.set("djangos", value, 60)
    assert djangos.get("ours") == value
    assert ours.get("djangos") == value
    assert ours.get_many(["ours", "djangos"]) == {"ours": value, "djangos": value}


def test_get_or_add_many_adds_the_missing_keys_and_answers_every_one_in_one_statement():
    cache = make()
    cache.set("kept", "old", 60)
    cache.set("expired", "old", 0)
    answer, sql = statements(
        lambda: cache.get_or_add_many({"kept": "new", "expired": "new", "fresh": "new"}, 60)
    )
    assert answer == {"kept": "old", "expired": "new", "fresh": "new"}
    assert sql == ["INSERT"]
    assert cache.get_many(["kept", "expired", "fresh"]) == answer


def test_incr_and_decr_count_and_keep_the_expiry():
    cache = make()
    cache.set("n", 5, 600)
    expires = expiry(cache, "n")
    assert statements(lambda: cache.incr("n", 3)) == (8, ["SELECT", "UPDATE"])
    assert cache.decr("n") == 7
    assert cache.get("n") == 7
    assert expiry(cache, "n") == expires  # Django's incr would reset it to the default timeout
    cache.set("gone", 1, 0)
    for key in ("missing", "gone"):
        with pytest.raises(ValueError, match="not found"):
            cache.incr(key)


@pytest.mark.django_db(transaction=True)
def test_concurrent_increments_all_count():
    cache = make()
    cache.set("hits", 0, 600)
    errors = []

    def increment() -> None:
        try:
            for _ in range(25):
                cache.incr("hits")
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    run_at_once(increment, 4)
    try:
        assert errors == []
        assert cache.get("hits") == 100
    finally:
        cache.delete("hits")


def test_a_cull_rides_on_every_nth_write_and_culls_as_django_does():
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608 - rolled back with the test
    cache = make(MAX_ENTRIES=4, CULL_FREQUENCY=2, CULL_EVERY=3)
    cache.set_many({f"k{n}": n for n in range(1, 7)}, 60)  # write 1
    cache.set("expired", 0, 0)  # write 2
    assert len(stored_keys(cache)) == 7  # past MAX_ENTRIES, not culled yet
    _, sql = statements(lambda: cache.set("new", 1, 60))  # write 3
    assert sql == ["WITH"]  # the cull and the write, one statement
    # The expired row, and of the six live ones the first 6 // 2 in key order.
    assert stored_keys(cache) == ["k4", "k5", "k6", "new"]
    assert cache.get_many(["k4", "new"]) == {"k4": 4, "new": 1}


def test_a_cull_frequency_of_zero_empties_the_full_table():
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608 - rolled back with the test
    cache = make(MAX_ENTRIES=2, CULL_FREQUENCY=0, CULL_EVERY=2)
    cache.set_many({"a": 1, "b": 2, "c": 3}, 60)
    cache.add("new", 1, 60)
    assert stored_keys(cache) == ["new"]


def test_a_key_too_long_for_the_table_is_refused_before_any_sql():
    cache = make()
    key = "k" * 300
    with pytest.warns(CacheKeyWarning):
        assert statements(lambda: cache.set(key, 1, 60)) == (None, [])
    with pytest.warns(CacheKeyWarning):
        assert statements(lambda: cache.add(key, 1, 60)) == (False, [])
    with pytest.warns(CacheKeyWarning):
        assert cache.set_many({key: 1, "short": 2}, 60) == [key, "short"]
    # Inside the test's transaction, which a failed statement would have ended.
    cache.set("short", 2, 60)
    assert cache.get("short") == 2


def test_rate_limits_count_every_attempt_on_it(settings, rf, user, monkeypatch):
    """Two counters (the address, the account): a statement each for a window's first
    attempt, three each (add, then read and write the count) for every later one."""
    settings.RATE_LIMITS = {"reply": "2/h"}
    now = time.time()  # one window for the whole test, however long it takes
    monkeypatch.setattr(ratelimit_core, "time", SimpleNamespace(time=lambda: now))
    request = rf.post("/")
    request.user = user
    answers = [statements(lambda: ratelimits.hit(request, "reply")) for _ in range(3)]
    assert [len(sql) for _, sql in answers] == [2, 6, 6]
    assert [limited for limited, _ in answers][:2] == [None, None]
    assert answers[2][0].action == "reply"
    assert answers[2][0].retry_after > 0
