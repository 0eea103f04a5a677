"""Trekboard beside django-comments-xtd, on the same discussions, in one run: the ratios.

A machine's speed here swings twofold between runs, and by a third within
one over a few minutes, so a ratio is only worth quoting when both sides were
measured in the same job, and Trekboard on both sides of the peer in time.
This script:

1. loads the peers' discussions (``../shared/peers/discussion_N.json``, or
   the copy the peer's harness generated in an earlier run: the same ids,
   parents, users, texts and dates) into a throwaway Trekboard database
   through the importer's writer (``discussions_import``), and measures
   Trekboard's article page the way ``bench/article_page.py`` does (the same
   function): signed in (likes and a visit of their own), anonymous with
   every cache off (the uncached page), and anonymous with the site's caches
   (the shared cached page);
2. runs the peer's harness (``../shared/peers/xtd/run.sh``: django-comments-xtd
   2.10 with its default tree template, DEBUG off, its own embedded PostgreSQL
   16, the in-process test client, an anonymous reader) for each size, and
   reads its JSON line: the page's median time and its query count;
3. measures Trekboard's page again, and takes the mean of its two medians:
   a machine getting slower or faster during the run moves both sides alike
   (an A-B-A design), where measuring one side first and the other after
   would show the drift as a ratio;
4. prints one line per size and Trekboard variant with both figures and the
   ratio (the peer's time over Trekboard's), with Trekboard's two medians,
   then the goals of issue 20: signed in at least 30x and uncached at least
   40x faster than the peer at 100 comments.

The peer's harness installs its pinned requirements in a virtualenv under
``XTD_WORK`` on first use (about a minute, needs PyPI). Without the harness
(no ``../shared`` beside the repository) the script says so and prints
Trekboard's figures alone, with no ratio. Run from the repository root::

    .venv/bin/python bench/vs_peers.py --sizes 100,1000
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import article_page, common

PEERS = common.ROOT.parent / "shared" / "peers"
XTD = PEERS / "xtd" / "run.sh"
# Where the harness keeps its virtualenv, database and the discussions it generated.
XTD_WORK = Path(
    os.environ.get("XTD_WORK") or Path(os.environ.get("TMPDIR", "/tmp")) / "trekboard-peer-xtd"  # noqa: S108 - run.sh's own default
)
SIZES = (100, 1_000)
VARIANTS = (
    article_page.Variant("best", "signed_in", "on"),
    article_page.Variant("best", "anonymous", "off"),
    article_page.Variant("best", "anonymous", "on"),
)
# Issue 20's goals, at 100 comments: (variant key, how many times faster than the peer).
GOALS = {
    "best/signed_in/cache-on": 30,
    "best/anonymous/cache-off": 40,
}
GOAL_SIZE = 100


def discussion_file(size: int) -> Path:
    """The discussion the peer was measured on in this run, else the shared copy of it."""
    generated = XTD_WORK / f"discussion_{size}.json"
    return generated if generated.exists() else PEERS / f"discussion_{size}.json"


def peer_figures(sizes: list[int], *, budget_s: int) -> dict[int, dict]:
    """The xtd harness's JSON line per size ({} when the harness isn't there)."""
    if not XTD.exists():
        common.log(f"No peer harness at {XTD}: Trekboard's figures only, no ratios.")
        return {}
    common.log(f"Running django-comments-xtd on {sizes} (its own database and virtualenv)…")
    began = time.perf_counter()
    finished = subprocess.run(  # noqa: S603 - the shared harness, fixed arguments
        [
            str(XTD),
            "--sizes",
            ",".join(str(size) for size in sizes),
            "--render-budget-s",
            str(budget_s),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={
            **{key: value for key, value in os.environ.items() if key != "DATABASE_URL"},
            "XTD_WORK": str(XTD_WORK),
        },
    )
    if finished.returncode != 0:
        common.log(finished.stderr[-4000:])
        raise RuntimeError(
            f"The xtd harness failed (exit {finished.returncode}); its log is above."
        )
    common.log(f"django-comments-xtd measured in {time.perf_counter() - began:.0f} s.")
    figures = {}
    for line in finished.stdout.splitlines():
        if line.strip().startswith("{"):
            record = json.loads(line)
            if "render_ms_median" in record:
                figures[int(record["n"])] = record
    return figures


def load_discussion(size: int):
    """The peer's discussion of ``size`` comments as a Trekboard article, through the importer."""
    from django.utils import timezone

    from articles.models import Article
    from comments import services
    from comments.importing.records import ArticleRecord, CommentRecord

    items = json.loads(discussion_file(size).read_text(encoding="utf-8"))
    site = f"peer-{size}"
    first = min(datetime.fromisoformat(item["created"].replace("Z", "+00:00")) for item in items)
    records: list[object] = [
        ArticleRecord(
            source_key=site,
            title=f"The peers' discussion of {size:,} comments",
            slug=site,
            body="<p>The discussion django-comments-xtd and Isso were measured on.</p>",
            # Published before its first comment, and not so long ago that it closed.
            published_at=min(first, timezone.now()),
        )
    ]
    for item in items:
        records.append(
            CommentRecord(
                source_key=f"{site}:{item['id']}",
                article_key=site,
                parent_key=f"{site}:{item['parent_id']}" if item["parent_id"] else None,
                body=item["body"],
                created_at=datetime.fromisoformat(item["created"].replace("Z", "+00:00")),
                author_name=item["user"],
                author_email=f"{item['user']}@example.org",
            )
        )
    services.discussions_import(records=records)
    return Article.objects.get(slug=site)


def compare(size: int, before: dict, after: dict, peer: dict | None) -> dict:
    """One size and variant: Trekboard's mean median (before and after the peer), the ratio."""
    trekboard_ms = round((before["median_ms"] + after["median_ms"]) / 2, 2)
    line = {
        "bench": "vs_peers",
        "peer": "django-comments-xtd",
        "comments": size,
        "variant": f"{before['sort']}/{before['user']}/cache-{before['cache']}",
        "trekboard_ms": trekboard_ms,
        "trekboard_ms_before": before["median_ms"],
        "trekboard_ms_after": after["median_ms"],
        "trekboard_queries": after["queries"],
        "peer_ms": None,
        "peer_queries": None,
        "ratio": None,
    }
    if peer is not None:
        line["peer_ms"] = round(peer["render_ms_median"], 2)
        line["peer_queries"] = peer["queries_per_render"]
        line["ratio"] = round(peer["render_ms_median"] / trekboard_ms, 1)
    return line


def check_goals(lines: list[dict]) -> list[dict]:
    by = {(line["comments"], line["variant"]): line for line in lines}
    verdicts = []
    for variant, times in GOALS.items():
        line = by.get((GOAL_SIZE, variant))
        ratio = line and line["ratio"]
        verdicts.append(
            common.target(
                f"{variant}_{GOAL_SIZE}_at_least_{times}x_xtd",
                None if ratio is None else ratio >= times,
                ratio=ratio,
                trekboard_ms=line and line["trekboard_ms"],
                peer_ms=line and line["peer_ms"],
            )
        )
    return verdicts


def run(*, sizes: list[int], repeat: int, warmup: int, seed: int, budget_s: int) -> list[dict]:
    missing = [size for size in sizes if not discussion_file(size).exists()]
    if missing:
        common.log(f"No peer discussion of {missing} comments in {PEERS}; skipping the comparison.")
        return [common.emit({"bench": "vs_peers", "skipped": f"no data in {PEERS}"})]
    rng = random.Random(seed)  # noqa: S311 - repeatable bench data, not secrets
    reader = article_page.make_reader()
    articles = {}
    for size in sizes:
        articles[size] = load_discussion(size)
        article_page.prepare_reader(reader, articles[size], rng)
    article_page.analyse()

    def measure_trekboard(when: str) -> dict[tuple[int, str], dict]:
        measured = {}
        for size in sizes:
            common.log(f"Measuring Trekboard's page at {size:,} comments ({when} the peer)…")
            for variant in VARIANTS:
                measured[size, variant.key] = article_page.measure(
                    articles[size], variant, reader=reader, repeat=repeat, warmup=warmup
                )
        return measured

    before = measure_trekboard("before")
    peers = peer_figures(sizes, budget_s=budget_s)
    after = measure_trekboard("after")
    lines = []
    for size in sizes:
        for variant in VARIANTS:
            lines.append(
                common.emit(
                    compare(
                        size, before[size, variant.key], after[size, variant.key], peers.get(size)
                    )
                )
            )
    return lines + check_goals(lines)


def main() -> None:
    parser = common.sized_arguments(
        __doc__, sizes=SIZES, repeat=30, warmup=3, measured="requests per variant"
    )
    parser.add_argument(
        "--render-budget-s",
        type=int,
        default=60,
        help="the peer's cap on timed page renders per size (it takes at least 5)",
    )
    args = parser.parse_args()
    common.measure_on_throwaway_database(
        "vs_peers",
        args,
        lambda: run(
            sizes=args.sizes,
            repeat=args.repeat,
            warmup=args.warmup,
            seed=args.seed,
            budget_s=args.render_budget_s,
        ),
    )


if __name__ == "__main__":
    main()
