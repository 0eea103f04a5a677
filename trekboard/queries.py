"""Query helpers with no app in them, shared by the apps' reads and admin pages."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db.models import Count, Model, QuerySet, Subquery
from django.db.models.base import ModelState
from django.db.models.functions import Coalesce


def subquery_count(queryset: QuerySet, group_by: str) -> Coalesce:
    """COUNT(*) of a correlated queryset as a column of the outer query (0 when none)."""
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


def row_instance(model: type[Model], db: str, names: Iterable[str], values) -> Model:
    """A model of a row read by hand, as ``Model.from_db`` makes it, for a fraction of the cost.

    ``from_db`` runs ``__init__``, which walks every field and sends the init
    signals: over half the time of turning a page's 200 comments into models.
    A page's rows only need their values; the fields left out are deferred just
    as ``from_db`` defers them (absent from ``__dict__``). The apps' models have
    no init signal receivers; an MPTT model's caller records the parent itself.
    """
    instance = model.__new__(model)
    instance.__dict__.update(zip(names, values, strict=True))
    state = instance._state = ModelState()
    state.adding = False
    state.db = db
    return instance


def prefetched(instance: Model, name: str, model: type[Model], objects: list[Model]) -> None:
    """Give ``instance`` its related ``name`` (of ``model``) as ``prefetch_related`` would."""
    queryset = model._default_manager.all()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


_NAMED_PARAMETER = re.compile(r"%\((\w+)\)s")
# The prefix of prepared statements that only read (plain SELECTs).
READ_PREFIX = "tb_r_"


@dataclass(frozen=True)
class _Statement:
    name: str
    prepare: str  # PREPARE name AS ... with $1, $2...
    execute: str  # EXECUTE name(%(a)s, %(b)s...)


@lru_cache(maxsize=256)
def _statement(sql: str) -> _Statement:
    order: list[str] = []

    def number(match: re.Match) -> str:
        if match.group(1) not in order:
            order.append(match.group(1))
        return f"${order.index(match.group(1)) + 1}"

    body = _NAMED_PARAMETER.sub(number, sql)
    # A read's name says so: trekboard.middleware tells a committed write (after
    # which a request is never run again) from a read by the statement's text,
    # and "EXECUTE tb_..." alone doesn't say which it runs.
    kind = READ_PREFIX if _only_reads(sql) else "tb_w_"
    name = kind + hashlib.sha1(sql.encode()).hexdigest()[:20]  # noqa: S324 - a name, not a secret
    arguments = ", ".join(f"%({parameter})s" for parameter in order)
    return _Statement(
        name,
        f"PREPARE {name} AS {body}",
        f"EXECUTE {name}({arguments})" if order else f"EXECUTE {name}",
    )


_WRITE_VERB = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)


def _only_reads(sql: str) -> bool:
    """A SELECT, or a WITH query none of whose parts writes (the discussion's recursive walk)."""
    head = sql.lstrip()[:4].upper()
    return head == "SELE" or (head == "WITH" and _WRITE_VERB.search(sql) is None)


def execute_prepared(cursor, sql: str, params: dict) -> None:
    """Run a page's big hand-written read as a prepared statement: planned once per connection.

    Planning the discussion's recursive query costs PostgreSQL about as much as
    running it for a 100-comment page (0.35 ms of 0.6). The first use on a
    connection prepares and runs it in one round trip; later ones only run it.
    Off (``DATABASE_PREPARED_STATEMENTS=false``) where connections are shared
    between clients a transaction at a time, as PgBouncer's transaction mode
    does: a statement prepared on one server connection is unknown on the next.
    """
    if not settings.DATABASE_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    statement = _statement(sql)
    known = _prepared_on(cursor.db)
    state = known.get(statement.name)
    if state is _UNSURE:
        # A first run failed (a timeout, a cancelled query): PostgreSQL may have
        # kept the statement all the same, and preparing it twice is an error.
        cursor.execute(_IS_PREPARED, [statement.name])
        state = known[statement.name] = _PREPARED if cursor.fetchone()[0] else None
    if state is _PREPARED:
        cursor.execute(statement.execute, params)
        return
    known[statement.name] = _UNSURE
    cursor.execute(f"{statement.prepare}; {statement.execute}", params)
    known[statement.name] = _PREPARED


_PREPARED, _UNSURE = "prepared", "unsure"
_IS_PREPARED = "SELECT EXISTS (SELECT 1 FROM pg_prepared_statements WHERE name = %s)"


def _prepared_on(wrapper) -> dict[str, str]:
    """What this connection knows of its prepared statements (forgotten when it is replaced)."""
    raw = wrapper.connection
    known = wrapper.__dict__.get("_trekboard_prepared")
    if known is None or known[0] is not raw:
        known = wrapper.__dict__["_trekboard_prepared"] = (raw, {})
    return known[1]
