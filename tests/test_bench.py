"""The bench scripts still run: each one's core on a tiny data set prints valid JSON lines.

No timing is asserted here (the scripts check their targets on real sizes,
bench/README.md); these tests only keep the scripts from rotting as the code
they measure changes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bench import (
    article_page,
    embed_vs_isso,
    explain,
    import_bench,
    load,
    reply,
    report,
    search,
    vs_peers,
)
from tests.replication import binaries


def json_lines(capsys) -> list[dict]:
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert lines, "the script printed nothing"
    return [json.loads(line) for line in lines]


def benches(lines: list[dict], name: str) -> list[dict]:
    return [line for line in lines if line.get("bench") == name]


def targets(lines: list[dict]) -> dict[str, dict]:
    return {line["target"]: line for line in lines if "target" in line}


@pytest.fixture(autouse=True)
def _no_rate_limits(settings) -> None:
    settings.RATE_LIMITS = {}  # as RATE_LIMITS=off, which every bench script sets


@pytest.mark.django_db
def test_article_page_bench_measures_every_variant(capsys):
    article_page.run(sizes=[20], repeat=3, warmup=1, seed=1)

    lines = json_lines(capsys)
    measured = benches(lines, "article_page")
    assert {(line["sort"], line["user"], line["cache"]) for line in measured} == {
        (variant.sort, variant.user, variant.cache) for variant in article_page.VARIANTS
    }
    for line in measured:
        assert line["comments"] == 20
        assert line["median_ms"] > 0
        assert line["queries"] > 0 or line["cache_hit"]
        assert line["bytes"] > 0
    verdicts = targets(lines)
    assert verdicts["article_page_queries<=10"]["ok"] in (True, False)
    # 20 comments measure none of the sizes the other targets compare.
    assert verdicts["render_100_under_20ms"]["ok"] is None
    assert verdicts["100k_within_1.5x_of_1k"]["ok"] is None
    assert "| 20 | best | anonymous | off |" in report.report(lines)


@pytest.mark.django_db
def test_reply_bench_keeps_the_thread_its_size(capsys):
    from comments.models import Comment

    reply.run(sizes=[10], repeat=3, warmup=1, seed=1)

    lines = json_lines(capsys)
    measured = benches(lines, "reply")
    assert {line["mode"] for line in measured} == {"plain", "htmx"}
    for line in measured:
        assert line["thread_comments"] == 10
        assert line["median_ms"] > 0
        assert line["queries"] > 0
    assert "reply_queries<=10" in targets(lines)
    assert Comment.objects.count() == 10  # every measured reply was deleted again
    assert "| 10 | htmx |" in report.report(lines)


@pytest.mark.django_db
def test_import_bench_reports_speed_and_memory(capsys):
    import_bench.run(comments=100, posts=2, depth=5)

    (line,) = benches(json_lines(capsys), "import_wordpress")
    assert line["comments"] > 0
    assert line["comments_per_second"] > 0
    assert line["peak_rss_mb"] > 0
    assert line["violations"] == 0


@pytest.mark.django_db
def test_explain_bench_explains_the_page_queries(capsys):
    explain.run(comments=20, others=0, seed=1)

    lines = json_lines(capsys)
    explained = benches(lines, "explain")
    assert explained
    assert any(line["hot"] for line in explained)
    for line in explained:
        assert line["plan"]
        assert line["execution_ms"] is not None
    assert "no_seq_scan_on_big_tables" in targets(lines)


@pytest.mark.django_db(transaction=True)
def test_load_bench_loads_gunicorn(capsys):
    """gunicorn reads the test database from its own connections, so the data is committed."""
    load.run(
        comments=20,
        workers=1,
        connections=2,
        threads=1,
        seconds=0.5,
        seed=1,
        tool="python",
        warmup=1,
    )

    lines = json_lines(capsys)
    measured = benches(lines, "load")
    assert [(line["page"], line["user"]) for line in measured] == [
        ("trivial", "anonymous"),
        ("article_page", "anonymous"),
        ("article_page", "signed_in"),
        ("live_poll", "anonymous"),
    ]
    for line in measured:
        assert line["requests_per_second"] > 0
        assert line["non_2xx"] == 0
        assert line["p99_ms"] >= line["p50_ms"]
    assert "cached_anonymous_page>=60%_of_trivial_throughput" in targets(lines)
    assert "signed_in_page>=30%_of_cached_anonymous_throughput_p99<100ms" in targets(lines)
    assert "live_poll>=90%_of_trivial_throughput" in targets(lines)
    assert "trivial (`/healthz`)" in report.report(lines)


WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:8000/healthz
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.12ms    1.03ms  31.20ms   93.10%
    Req/Sec     1.55k    80.12     1.70k    70.00%
  Latency Distribution
     50%    4.95ms
     75%    5.14ms
     90%    5.45ms
     99%    1.20s
  30861 requests in 10.01s, 5.21MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   3083.12
Transfer/sec:    533.20KB
"""


def test_wrk_output_is_read():
    assert load.parse_wrk(WRK_OUTPUT) == {
        "requests_per_second": 3083.1,
        "p50_ms": 4.95,
        "p75_ms": 5.14,
        "p90_ms": 5.45,
        "p99_ms": 1200.0,
        "requests": 30861,
        "non_2xx": 4,
        "socket_errors": 3,
    }


@pytest.mark.django_db
def test_the_peers_discussion_is_loaded_as_the_peer_has_it(monkeypatch):
    # The shared copy: the same ids, parents and texts the peer's harness generates.
    monkeypatch.setattr(vs_peers, "XTD_WORK", vs_peers.PEERS / "no-such-work-dir")
    items = json.loads((vs_peers.PEERS / "discussion_100.json").read_text(encoding="utf-8"))
    article = vs_peers.load_discussion(100)

    from comments.models import Comment
    from tests.helpers import assert_trees_valid

    stored = Comment.objects.for_article(article)
    assert stored.count() == len(items) == 100
    assert stored.filter(parent=None).count() == sum(1 for i in items if i["parent_id"] is None)
    by_key = {c.source_key: c for c in stored.select_related("parent", "author")}
    for item in items:
        comment = by_key[f"peer-100:{item['id']}"]
        assert comment.author.display_name == item["user"]
        parent = comment.parent.source_key if comment.parent else None
        assert parent == (f"peer-100:{item['parent_id']}" if item["parent_id"] else None)
    assert_trees_valid()


@pytest.mark.django_db
def test_without_the_peer_harness_trekboard_is_measured_with_no_ratio(capsys, monkeypatch):
    monkeypatch.setattr(vs_peers, "XTD", vs_peers.PEERS / "no-such-harness.sh")
    monkeypatch.setattr(vs_peers, "XTD_WORK", vs_peers.PEERS / "no-such-work-dir")
    vs_peers.run(sizes=[100], repeat=2, warmup=1, seed=1, budget_s=1)

    lines = json_lines(capsys)
    measured = benches(lines, "vs_peers")
    assert {line["variant"] for line in measured} == {v.key for v in vs_peers.VARIANTS}
    for line in measured:
        assert line["trekboard_ms"] > 0
        assert line["peer_ms"] is None
        assert line["ratio"] is None
    verdicts = targets(lines)
    assert all(verdicts[name]["ok"] is None for name in verdicts)
    assert len(verdicts) == len(vs_peers.GOALS)
    assert "not run" in report.report(lines)


def test_the_ratio_is_the_peers_time_over_trekboards_mean_of_before_and_after():
    measured = {"sort": "best", "user": "signed_in", "cache": "on", "queries": 9}
    line = vs_peers.compare(
        100,
        measured | {"median_ms": 18.0},  # before the peer ran
        measured | {"median_ms": 22.0},  # after: the machine slowed down meanwhile
        {"render_ms_median": 250.0, "queries_per_render": 204},
    )
    assert (line["trekboard_ms_before"], line["trekboard_ms_after"]) == (18.0, 22.0)
    assert (line["trekboard_ms"], line["ratio"], line["peer_queries"], line["variant"]) == (
        20.0,
        12.5,
        204,
        "best/signed_in/cache-on",
    )
    verdicts = vs_peers.check_goals([line])
    assert verdicts[0]["ok"] is False
    assert verdicts[0]["ratio"] == 12.5


def test_render_bench_times_both_renderers_on_the_same_text(capsys, monkeypatch):
    from bench import render_body

    monkeypatch.setattr(sys, "argv", ["render_body.py", "--sizes", "200", "--repeat", "2"])
    render_body.main()
    (line,) = benches(json_lines(capsys), "render_body")
    assert line["chars"] == 200
    assert line["after"]["median_ms"] > 0
    # The shorthand renderer, read from git history, on the same text.
    assert line["before"] is not None
    assert line["before"]["median_ms"] > 0
    assert "<ol>" not in render_body.before_module().sanitize_comment("1. a\n2. b")


@pytest.mark.django_db(transaction=True)
def test_search_bench_searches_what_it_generated(capsys):
    search.ARTICLES = 2
    try:
        search.run(sizes=[400], repeat=2, warmup=1, seed=1)
    finally:
        search.ARTICLES = 100
    lines = json_lines(capsys)
    measured = benches(lines, "search")
    assert [line["kind"] for line in measured] == ["common", "rare", "phrase"]
    for line in measured:
        assert line["found"] >= 1
        assert line["median_ms"] > 0
        assert line["queries"] <= 5
    assert "search_rare_under_50ms_at_400" in targets(lines)
    assert "**Search**" in report.report(lines)


def test_premiere_bench_runs_two_servers_and_one_and_loses_nothing(tmp_path):
    """A tiny premiere night, in a process of its own (it stands up its own cluster)."""

    if binaries() is None:
        pytest.skip("No PostgreSQL binaries for the premiere's primary and replica.")
    done = subprocess.run(
        [sys.executable, "bench/premiere.py", *"--duration 3 --rates 15 --comments 60".split()],
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    summaries = [line for line in lines if line["bench"] == "premiere_summary"]
    assert [line["servers"] for line in summaries] == [2, 1]
    for summary in summaries:
        assert summary["requests"] == 45
        for figure in ("errors", "lost_writes", "duplicated_writes", "tree_violations"):
            assert summary[figure] == 0, summary
    kinds = {line["kind"] for line in lines if line["bench"] == "premiere"}
    assert {"anonymous_read", "signed_in_read"} <= kinds


@pytest.mark.django_db
def test_the_api_bench_measures_the_endpoint_each_way():
    """bench/embed_vs_isso.py's Trekboard side (Isso's needs its own virtualenv)."""
    from tests.factories import ArticleFactory, CommentFactory

    article = ArticleFactory()
    for _ in range(3):
        CommentFactory(parent=CommentFactory(article=article))
    lines = {
        variant: embed_vs_isso.measure_trekboard(article, variant, repeat=3, warmup=1)
        for variant in ("uncached", "cached", "304")
    }
    assert lines["uncached"]["x_cache"] == ["miss"]
    # Without Redis the cache is a table, so its reads count here too.
    assert lines["uncached"]["queries"] <= 10
    assert lines["cached"]["x_cache"] == ["hit"]
    assert lines["304"]["queries"] <= lines["cached"]["queries"] < lines["uncached"]["queries"]
    assert lines["304"]["status"] == [304]
    assert lines["304"]["bytes"] == 0
    assert {line["comments_shown"] for line in lines.values()} == {6}
