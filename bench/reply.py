"""Time and query count of posting a reply, into threads of 10, 1,000 and 10,000 comments.

Each size (``--sizes``) is one top-level thread of that many comments on an
article of its own, in a throwaway database (created and migrated here, dropped
at the end) on the server ``DATABASE_URL`` names, or the embedded one when it is
unset. A signed-in reader then posts replies through the real view
(``comments:reply``, django.test.Client), each to a random published comment of
the original thread, as a plain form (answered with a redirect) and with htmx
(answered with the new comment's fragment). After each reply is measured, a
superuser deletes it for good (``comment_hard_delete``) and the comment table
is vacuumed, neither timed, so the thread keeps its size through the run and
each reply finds the table as autovacuum would keep it, not bloated by the
bench's own earlier replies.

Per size and mode: the median and 90th percentile of ``--repeat`` replies after
``--warmup`` unmeasured ones, and the most queries one of them ran. Rate limits
are off (``RATE_LIMITS=off``, refused in production) so they can't interfere.
Targets: at most 10 queries; the median at 10,000 comments within 1.5 times
that at 10. Run from the repository root::

    .venv/bin/python bench/reply.py --sizes 10,1000,10000 --repeat 50
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

SIZES = (10, 1_000, 10_000)
MODES = ("plain", "htmx")
QUERY_LIMIT = 10
WORDS = (
    "captain warp engage nebula shuttle phaser tribble borg romulan klingon vulcan "
    "holodeck replicator transporter starbase sensor anomaly episode season finale "
    "the a of and to in is that it was for on with as this but not"
).split()


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(8, 30))).capitalize() + "."


def make_thread(*, size: int, seed: int):
    """An article whose discussion is one top-level thread of ``size`` comments.

    Written by the bulk writer the importer uses (``discussions_import``): the
    thread is numbered in memory and stored in one go, where ``size`` replies
    through the services would each renumber the growing thread. Every comment
    answers a random earlier one, so the thread is both wide and deep.
    """
    from django.utils import timezone

    from articles.models import Article
    from comments import services
    from comments.importing.records import ArticleRecord, CommentRecord

    rng = random.Random(seed + size)  # noqa: S311 - repeatable bench data, not secrets
    site = f"bench-reply-{size}"
    start = timezone.now() - timedelta(days=30)
    records: list[object] = [
        ArticleRecord(
            source_key=site,
            title=f"A thread of {size:,} comments",
            slug=site,
            body="<p>Bench article.</p>",
            published_at=start,
        )
    ]
    for n in range(size):
        guest = rng.randrange(200)
        records.append(
            CommentRecord(
                source_key=f"{site}:{n}",
                article_key=site,
                parent_key=f"{site}:{rng.randrange(n)}" if n else None,
                body=" ".join(sentence(rng) for _ in range(rng.randint(1, 4))),
                created_at=start + timedelta(seconds=60 * n),
                author_name=f"Guest {guest}",
                author_email=f"guest{guest}@example.org",
            )
        )
    began = time.perf_counter()
    services.discussions_import(records=records)
    common.log(f"Wrote a thread of {size:,} comments in {time.perf_counter() - began:.1f} s.")
    return Article.objects.get(slug=site)


def vacuum() -> None:
    """Clear the dead rows a reply and its deletion left (outside a transaction only).

    A reply and its deletion update the reply's ancestors' counters (and, rarely,
    respread a subtree, see comments.tree.intervals), leaving dead row versions behind;
    without this, replies late in a run would pay for the bench's own churn.
    """
    from django.db import connection

    from comments.models import Comment

    if not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {connection.ops.quote_name(Comment._meta.db_table)}")


def make_users():
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    replier = users.create_user("bench-replier", "bench-replier@example.org")
    admin = users.create_superuser("bench-admin", "bench-admin@example.org", None)
    return replier, admin


def _post(client, parent_pk: int, body: str, *, htmx: bool) -> tuple[float, list[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils.http import urlencode

    url = reverse("comments:reply", kwargs={"pk": parent_pk})
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        # Urlencoded, as a browser sends the form (multipart is refused: trekboard/inputs.py).
        response = client.post(
            url, urlencode({"body": body}), "application/x-www-form-urlencoded", **headers
        )
        elapsed = time.perf_counter() - began
    expected = 200 if htmx else 302
    if response.status_code != expected:
        raise RuntimeError(
            f"POST {url} answered {response.status_code}, not {expected}: "
            f"{response.content[:500]!r}"
        )
    return elapsed, [query["sql"] for query in queries.captured_queries]


def measure(
    article,
    *,
    size: int,
    mode: str,
    replier,
    admin,
    repeat: int,
    warmup: int,
    rng,
    show_queries: bool = False,
):
    """Post ``warmup + repeat`` replies in one mode, deleting each; one line of figures."""
    from django.test import Client

    from comments import services
    from comments.models import Comment

    thread = Comment.objects.for_article(article)
    parents = list(thread.published().values_list("pk", flat=True))
    client = Client()
    client.force_login(replier)
    samples, queries = [], []
    for n in range(warmup + repeat):
        elapsed, statements = _post(
            client, rng.choice(parents), f"Reply {n}. {sentence(rng)}", htmx=mode == "htmx"
        )
        if n >= warmup:
            samples.append(elapsed)
            queries.append(len(statements))
        reply = thread.filter(author=replier).get()
        services.comment_hard_delete(comment=reply, actor=admin)
        vacuum()
    if show_queries:
        common.log(f"\nA reply into {size:,} comments, {mode}: {len(statements)} queries")
        for n, sql in enumerate(statements, start=1):
            common.log(f"  {n}. {sql}")
    return common.emit(
        {
            "bench": "reply",
            "thread_comments": size,
            "mode": mode,
            **common.timings(samples),
            "queries": max(queries),
            "queries_median": statistics.median(queries),
            "repeat": repeat,
        }
    )


def check_targets(results: list[dict]) -> list[dict]:
    by = {(r["thread_comments"], r["mode"]): r for r in results}
    sizes = sorted({r["thread_comments"] for r in results})
    queries = {f"{mode}/{size}": by[(size, mode)]["queries"] for size in sizes for mode in MODES}
    verdicts = [
        common.target(
            f"reply_queries<={QUERY_LIMIT}",
            max(queries.values()) <= QUERY_LIMIT,
            max_queries=max(queries.values()),
            queries=queries,
        )
    ]
    small, big = SIZES[0], SIZES[-1]
    ratios = None
    if small in sizes and big in sizes:
        ratios = {
            mode: round(by[(big, mode)]["median_ms"] / by[(small, mode)]["median_ms"], 2)
            for mode in MODES
        }
    verdicts.append(
        common.growth_target("reply_10k_within_1.5x_of_10", ratios, needs="10 and 10000")
    )
    return verdicts


def run(
    *, sizes: list[int], repeat: int, warmup: int, seed: int, show_queries: bool = False
) -> list[dict]:
    """Write each thread, post the replies, print the lines; returns them all."""
    from bench.article_page import analyse

    rng = random.Random(seed)  # noqa: S311 - repeatable bench data, not secrets
    replier, admin = make_users()
    articles = {size: make_thread(size=size, seed=seed) for size in sizes}
    analyse()
    results = []
    for size in sizes:
        common.log(f"Replying in the thread of {size:,} comments…")
        for mode in MODES:
            results.append(
                measure(
                    articles[size],
                    size=size,
                    mode=mode,
                    replier=replier,
                    admin=admin,
                    repeat=repeat,
                    warmup=warmup,
                    rng=rng,
                    show_queries=show_queries,
                )
            )
    return results + check_targets(results)


def main() -> None:
    parser = common.sized_arguments(
        __doc__, sizes=SIZES, repeat=50, warmup=5, measured="replies per size and mode"
    )
    parser.add_argument(
        "--show-queries", action="store_true", help="print one reply's SQL per mode to stderr"
    )
    args = parser.parse_args()
    common.measure_on_throwaway_database(
        "reply",
        args,
        lambda: run(
            sizes=args.sizes,
            repeat=args.repeat,
            warmup=args.warmup,
            seed=args.seed,
            show_queries=args.show_queries,
        ),
    )


if __name__ == "__main__":
    main()
