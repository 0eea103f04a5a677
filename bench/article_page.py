"""Server time and query count of the article page, from 100 to 100,000 comments.

Each size (``--sizes``, default 100, 1,000, 10,000 and 100,000) is a discussion
of its own article, made by ``manage.py generate_discussion`` in a throwaway
database (created and migrated here, dropped at the end) on the server
``DATABASE_URL`` names, or the embedded one when it is unset. All sizes are
generated first, then analysed, then measured, so the small discussions are read
from a database that also holds the big ones.

The page is requested in-process with django.test.Client, for the default sort
(Best, no ``?sort=``) and for Newest, by an anonymous reader and by a signed-in
one who liked some comments on the first page and visited the discussion before
(so "new since your last visit" runs). Per variant: the first (cold) request,
then ``--warmup`` unmeasured requests, then the median and 90th percentile of
``--repeat`` requests, with the queries one of them ran. Anonymous requests are
measured twice: with the site's caches as configured (warm requests are cache
hits once anonymous pages are cached: ``cache_hit`` is true when the response
says ``X-Page-Cache: hit``; ``x_cache`` holds that header, ``personal`` for a
signed-in page filled in from the process's drawing of it) and with every
cache swapped for Django's DummyCache (``"cache": "off"``: the full render a
cache miss costs).

Targets, printed as ``{"target": …, "ok": …}`` lines: at most 10 queries, cold
or warm, the same numbers at 100 and 100,000 comments; under 20 ms at 100
comments; at 100,000 comments within 1.5 times the 1,000-comment time. Run
from the repository root::

    .venv/bin/python bench/article_page.py --sizes 100,1000 --repeat 20
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

SIZES = (100, 1_000, 10_000, 100_000)
SORTS = ("best", "newest")
QUERY_LIMIT = 10
SMALL_SIZE, SMALL_LIMIT_MS = 100, 20.0
BASE_SIZE, BIG_SIZE = 1_000, 100_000
READER = "bench-reader"
LIKES = 25


@dataclass(frozen=True)
class Variant:
    sort: str
    user: str  # "anonymous" or "signed_in"
    cache: str  # "on": the site's caches as configured; "off": DummyCache everywhere

    @property
    def key(self) -> str:
        return f"{self.sort}/{self.user}/cache-{self.cache}"


VARIANTS = tuple(
    Variant(sort, user, cache)
    for sort in SORTS
    for user, cache in (("anonymous", "on"), ("anonymous", "off"), ("signed_in", "on"))
)


def slug_for(size: int) -> str:
    return f"bench-page-{size}"


def analyse() -> None:
    """Planner statistics (and a visibility map, outside a transaction), as a live site has."""
    from django.db import connection

    from comments.models import Comment

    table = connection.ops.quote_name(Comment._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}" if connection.in_atomic_block else "VACUUM ANALYZE")


def make_reader():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(READER, f"{READER}@example.org")


def prepare_reader(reader, article, rng: random.Random) -> None:
    """Likes on some of the first page's threads and a visit halfway through the discussion."""
    from comments import services
    from comments.models import ArticleVisit, Comment

    published = Comment.objects.for_article(article).published()
    first_page = list(
        published.filter(parent=None)
        .exclude(author=reader)
        .order_by("-best_score", "created_at")[:50]
    )
    for comment in rng.sample(first_page, min(LIKES, len(first_page))):
        services.comment_like_toggle(comment=comment, user=reader)
    count = published.count()
    if count:
        middle = published.order_by("created_at").values_list("created_at", flat=True)[count // 2]
        # last_seen_at too: whether or not it is more than the visit gap ago, the
        # next visit then reports what came after ``middle`` as new.
        ArticleVisit.objects.update_or_create(
            user=reader,
            article=article,
            defaults={"last_seen_at": middle, "previous_seen_at": middle},
        )


def _get(client, url: str) -> tuple[float, list[dict], object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - began
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}, not 200.")
    return elapsed, queries.captured_queries, response


def measure(article, variant: Variant, *, reader, repeat: int, warmup: int) -> dict:
    """One variant's cold request, then the median and p90 of ``repeat`` warm ones."""
    from contextlib import nullcontext

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client, override_settings

    url = article.get_absolute_url() + ("" if variant.sort == "best" else f"?sort={variant.sort}")
    if variant.cache == "off":
        dummy = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
        caches = override_settings(CACHES=dict.fromkeys(settings.CACHES, dummy))
    else:
        caches = nullcontext()
    with caches:
        # A new Client per variant: middleware that keeps a cache is built afresh
        # inside the override.
        client = Client()
        if variant.user == "signed_in":
            # The Best variant uses the page's own URL, which follows the reader's
            # remembered sort; the Newest variant before it changed that.
            get_user_model().objects.filter(pk=reader.pk).update(comment_sort="best")
            client.force_login(reader)
        cold, cold_queries, _ = _get(client, url)
        for _ in range(warmup):
            _get(client, url)
        samples, queries, response = [], [], None
        for _ in range(repeat):
            elapsed, queries, response = _get(client, url)
            samples.append(elapsed)
    return {
        "bench": "article_page",
        "comments": None,  # filled in by the caller
        "sort": variant.sort,
        "user": variant.user,
        "cache": variant.cache,
        "cold_ms": round(cold * 1000, 2),
        "cold_queries": len(cold_queries),
        **common.timings(samples),
        "queries": len(queries),
        # Served from the anonymous page cache ("hit"), or, signed in, filled in
        # from this process's drawing of the page ("personal", comments/overlay.py).
        "cache_hit": response.headers.get("X-Page-Cache") == "hit",
        "x_cache": response.headers.get("X-Page-Cache"),
        "bytes": len(response.content),
        "repeat": repeat,
        # Popped by run(), printed with --show-queries.
        "sql": [query["sql"] for query in queries],
        "cold_sql": [query["sql"] for query in cold_queries],
    }


def check_targets(results: list[dict]) -> list[dict]:
    """The issue's targets, one line each, with every variant's figures."""
    by = {(r["comments"], r["sort"], r["user"], r["cache"]): r for r in results}
    sizes = sorted({r["comments"] for r in results})
    verdicts = []

    # Cold (first) requests count too: a cache miss is a page view like any other.
    queries = {
        variant.key: {
            size: [
                by[(size, variant.sort, variant.user, variant.cache)]["cold_queries"],
                by[(size, variant.sort, variant.user, variant.cache)]["queries"],
            ]
            for size in sizes
        }
        for variant in VARIANTS
    }
    worst = max(n for per_size in queries.values() for pair in per_size.values() for n in pair)
    verdicts.append(
        common.target(
            f"article_page_queries<={QUERY_LIMIT}",
            worst <= QUERY_LIMIT,
            max_queries=worst,
            queries_cold_warm=queries,
        )
    )
    if SMALL_SIZE in sizes and BIG_SIZE in sizes:
        same = {
            key: per_size[SMALL_SIZE] == per_size[BIG_SIZE] for key, per_size in queries.items()
        }
        verdicts.append(
            common.target("article_page_same_queries_100_and_100k", all(same.values()), same=same)
        )
    else:
        verdicts.append(
            common.target(
                "article_page_same_queries_100_and_100k", None, skipped="needs sizes 100 and 100000"
            )
        )

    if SMALL_SIZE in sizes:
        medians = {
            variant.key: by[(SMALL_SIZE, variant.sort, variant.user, variant.cache)]["median_ms"]
            for variant in VARIANTS
        }
        verdicts.append(
            common.target(
                "render_100_under_20ms",
                all(ms < SMALL_LIMIT_MS for ms in medians.values()),
                median_ms=medians,
            )
        )
    else:
        verdicts.append(common.target("render_100_under_20ms", None, skipped="needs size 100"))

    ratios = None
    if BASE_SIZE in sizes and BIG_SIZE in sizes:
        ratios = {
            variant.key: round(
                by[(BIG_SIZE, variant.sort, variant.user, variant.cache)]["median_ms"]
                / by[(BASE_SIZE, variant.sort, variant.user, variant.cache)]["median_ms"],
                2,
            )
            for variant in VARIANTS
        }
    verdicts.append(common.growth_target("100k_within_1.5x_of_1k", ratios, needs="1000 and 100000"))
    return verdicts


def run(
    *, sizes: list[int], repeat: int, warmup: int, seed: int, show_queries: bool = False
) -> list[dict]:
    """Generate each size, measure every variant, print the lines; returns them all."""
    rng = random.Random(seed)  # noqa: S311 - repeatable bench data, not secrets
    reader = make_reader()
    articles = {}
    for size in sizes:
        articles[size] = common.generate_discussion(slug=slug_for(size), comments=size, seed=seed)
        prepare_reader(reader, articles[size], rng)
    analyse()
    results = []
    for size in sizes:
        common.log(f"Measuring the page at {size:,} comments…")
        for variant in VARIANTS:
            result = measure(articles[size], variant, reader=reader, repeat=repeat, warmup=warmup)
            result["comments"] = size
            statements = {"cold": result.pop("cold_sql"), "warm": result.pop("sql")}
            if show_queries:
                for when, sqls in statements.items():
                    common.log(f"\n{size:,} comments, {variant.key}, {when}: {len(sqls)} queries")
                    for n, sql in enumerate(sqls, start=1):
                        common.log(f"  {n}. {sql}")
            results.append(common.emit(result))
    return results + check_targets(results)


def main() -> None:
    parser = common.sized_arguments(
        __doc__, sizes=SIZES, repeat=30, warmup=3, measured="requests per variant"
    )
    parser.add_argument(
        "--show-queries",
        action="store_true",
        help="print each variant's SQL to stderr (its cold request's and a warm one's)",
    )
    args = parser.parse_args()
    common.measure_on_throwaway_database(
        "article_page",
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
