"""EXPLAIN (ANALYZE, BUFFERS) of every query the article page runs, at 100,000 comments.

Generates the discussion (``--comments``, default 100,000) with ``manage.py
generate_discussion`` in a throwaway database (created and migrated here,
dropped at the end) on the server ``DATABASE_URL`` names, or the embedded one
when it is unset, beside ``--others`` comments (default 100,000) on ten other
articles, so that the planner chooses as it would on a site with more than one
discussion. Then it requests the article page once to warm up and once more
while ``connection.execute_wrapper`` records each statement with its
parameters, for an anonymous reader (every cache swapped for DummyCache, so the
page is rendered, not served from a cache) and a signed-in one, in the Best
and Newest sorts, and explains each distinct SELECT (``WITH`` queries too; one
that writes, like the visit upsert, is explained in a transaction rolled back
afterwards, as EXPLAIN ANALYZE runs the statement). The page's prepared
statements (``DATABASE_PREPARED_STATEMENTS``) are sent as plain SQL here, so
each is explained with its parameters. A signed-in reader's page is filled in
from the drawing made on the warm-up request (``comments/overlay.py``): its
recorded statements are the reader's own (likes and bell, the visit).

Output: one JSON line per query (``plan`` holds the plan's lines; ``hot``: it
reads the comment tables, which grow with the discussions), then the target
``{"target": "no_seq_scan_on_big_tables", …}``: no Seq Scan on a table of more
than 10,000 rows. ``--text`` prints Markdown instead, for bench/README.md: the
hot queries, or all with ``--all``. Run from the repository root::

    .venv/bin/python bench/explain.py --text > /tmp/explain.md
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from contextlib import nullcontext
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

SLUG = "bench-explain"
BIG_TABLE_ROWS = 10_000
VARIANTS = (("best", "anonymous"), ("best", "signed_in"), ("newest", "anonymous"))


class Recorder:
    """An execute wrapper that keeps each statement and its parameters, unchanged."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        if not many:
            self.statements.append((sql, params))
        return execute(sql, params, many, context)


def page_statements(client, url: str) -> list[tuple[str, object]]:
    """The statements one request of ``url`` runs (after one request to warm up)."""
    from django.db import connection

    client.get(url)
    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}, not 200.")
    return recorder.statements


def is_select(sql: str) -> bool:
    return sql.lstrip().upper().startswith(("SELECT", "WITH"))


def is_hot(sql: str) -> bool:
    """Reads the comment tables, which grow with the discussions (the rest stay small)."""
    return re.search(r'\b(FROM|JOIN)\s+"comments_', sql) is not None


def abbreviated(sql: str) -> str:
    """Long ORM column lists and id lists shortened to their counts, for reading."""
    sql = re.sub(
        r"IN \(((?:\d+, ){9,}\d+)\)",
        lambda ids: f"IN (<{ids.group(1).count(',') + 1} ids>)",
        sql,
    )
    match = re.match(r"SELECT (.{120,}?) FROM ", sql, re.S)
    if match is None or "(" in match.group(1).replace('("', ""):
        return sql
    columns = match.group(1).count(", ") + 1
    return f"SELECT <{columns} columns> FROM {sql[match.end() :]}"  # noqa: S608 - for reading


def writes(sql: str) -> bool:
    """A statement that changes rows, such as a WITH … INSERT … RETURNING upsert."""
    return re.search(r"\b(INSERT|UPDATE|DELETE)\b", sql, re.I) is not None


def explain(sql: str, params) -> list[str]:
    """The plan, as run: EXPLAIN ANALYZE executes the statement, so it is rolled back."""
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)
    return plan


def readable(sql: str, params) -> str:
    """The statement with its parameters in place, as PostgreSQL received it."""
    from django.db import connection

    with connection.cursor() as cursor:
        text = cursor.cursor.mogrify(sql, params)
    return (text.decode() if isinstance(text, bytes) else text).strip()


def big_tables() -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples > %s",
            [BIG_TABLE_ROWS],
        )
        return {row[0] for row in cursor.fetchall()}


def seq_scans(plan: list[str]) -> list[str]:
    return re.findall(r"Seq Scan on (\w+)", "\n".join(plan))


def execution_ms(plan: list[str]) -> float | None:
    match = re.search(r"Execution Time: ([\d.]+) ms", "\n".join(plan))
    return float(match.group(1)) if match else None


def collect(article, reader) -> list[dict]:
    """Every distinct SELECT of the page's variants, explained."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client, override_settings

    dummy = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    seen: set[str] = set()
    explained = []
    for sort, user in VARIANTS:
        url = article.get_absolute_url() + ("" if sort == "best" else f"?sort={sort}")
        anonymous = user == "anonymous"
        caches = override_settings(CACHES=dict.fromkeys(settings.CACHES, dummy))
        # The statements as written, not as EXECUTE of a statement prepared
        # earlier on the connection (which EXPLAIN can't be given with its SQL).
        plain = override_settings(DATABASE_PREPARED_STATEMENTS=False)
        with plain, caches if anonymous else nullcontext():
            client = Client()
            if not anonymous:
                get_user_model().objects.filter(pk=reader.pk).update(comment_sort="best")
                client.force_login(reader)
            statements = page_statements(client, url)
        for sql, params in statements:
            text = readable(sql, params)
            if not is_select(sql) or text in seen:
                continue
            seen.add(text)
            plan = explain(sql, params)
            explained.append(
                {
                    "bench": "explain",
                    "comments": None,  # filled in by run()
                    "sort": sort,
                    "user": user,
                    "query": len(explained) + 1,
                    "hot": is_hot(text),
                    "writes": writes(text),
                    "sql": text,
                    "execution_ms": execution_ms(plan),
                    "seq_scans": seq_scans(plan),
                    "plan": plan,
                }
            )
    return explained


def run(
    *, comments: int, others: int, seed: int, text: bool = False, everything: bool = False
) -> list[dict]:
    """Generate, explain, print JSON lines (or Markdown with ``text``); returns the lines.

    The Markdown has the hot queries only (those reading the comment tables),
    unless ``everything``.
    """
    from django.contrib.auth import get_user_model

    from bench.article_page import analyse, prepare_reader

    article = common.generate_discussion(slug=SLUG, comments=comments, seed=seed)
    for n in range(10 if others else 0):
        share = others // 10 + (1 if n < others % 10 else 0)
        if share:
            common.generate_discussion(slug=f"{SLUG}-other-{n}", comments=share, seed=seed + n)
    reader = get_user_model().objects.create_user("bench-explain-reader")
    prepare_reader(reader, article, random.Random(seed))  # noqa: S311 - bench data
    analyse()
    lines = collect(article, reader)
    for line in lines:
        line["comments"] = comments
    big = big_tables()
    offending = {
        f"{line['query']}": [table for table in line["seq_scans"] if table in big]
        for line in lines
        if any(table in big for table in line["seq_scans"])
    }
    verdict = {
        "target": "no_seq_scan_on_big_tables",
        "ok": not offending,
        "big_tables": sorted(big),
        "seq_scans_by_query": offending,
    }
    if text:
        shown = lines if everything else [line for line in lines if line["hot"]]
        print(markdown(shown, verdict, comments=comments, others=others, total=len(lines)))
    else:
        for line in lines:
            common.emit(line)
        common.emit(verdict)
    return [*lines, verdict]


def markdown(lines: list[dict], verdict: dict, *, comments: int, others: int, total: int) -> str:
    from django.utils import timezone

    out = [
        f"Measured {timezone.now():%Y-%m-%d} on {common.database_description()}: "
        f"the article with {comments:,} comments, {others:,} more comments on ten other "
        f"articles. {total} distinct SELECTs across "
        f"{', '.join(f'{sort}/{user}' for sort, user in VARIANTS)}; "
        f"{len(lines)} shown here. Seq Scans on tables over {BIG_TABLE_ROWS:,} rows: "
        f"{verdict['seq_scans_by_query'] or 'none'}.",
        "",
    ]
    for line in lines:
        out += [
            f"#### {line['query']}. {line['sort']}, {line['user']}: {line['execution_ms']} ms",
            "",
            "```sql",
            abbreviated(line["sql"]),
            "```",
            "",
            "```",
            *line["plan"],
            "```",
            "",
        ]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument(
        "--others", type=int, default=100_000, help="comments spread over ten other articles"
    )
    parser.add_argument("--seed", type=int, default=47)
    parser.add_argument("--text", action="store_true", help="Markdown for bench/README.md")
    parser.add_argument(
        "--all", action="store_true", help="with --text: every query, not only the hot ones"
    )
    args = parser.parse_args()

    common.configure()
    with common.throwaway_database("explain"):
        if not args.text:
            common.environment("explain", comments=args.comments, others=args.others)
        run(
            comments=args.comments,
            others=args.others,
            seed=args.seed,
            text=args.text,
            everything=args.all,
        )


if __name__ == "__main__":
    main()
