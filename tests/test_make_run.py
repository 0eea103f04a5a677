"""``make run``'s server under a burst of readers (issue 13, point 1).

Under runserver, 40 readers replying at once left a PostgreSQL connection per
request thread until the embedded server refused everyone and the site stayed
down. ``make run`` now serves with gunicorn (trekboard/dev.py); this starts
that very command line and environment on the test database (the embedded
server, or DATABASE_URL's when the suite runs on one) and sends 40 readers x 5
replies at once the way a reader without JavaScript sends them: open the reply
page, submit its form. Every reply is acknowledged and stored exactly once,
none refused (the default rate limits included, all from one address),
nothing answers 5xx, the threads check out, the connections stay within the
workers, and the site answers normally at once.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.helpers import assert_trees_valid, reply_chain
from tests.live_gunicorn import Gunicorn, Reader, reply_without_javascript, request
from trekboard import dev

READERS = 40
REPLIES_EACH = 5


def _connections_to(database: str, stop: threading.Event, seen: list[int]) -> None:
    """Sample how many sessions the test database has, from a session of its own,
    until ``stop`` is set (once, if it is set already)."""
    db = connection.settings_dict
    conn = psycopg2.connect(
        dbname=database,
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            while True:
                # Client sessions only: PostgreSQL's parallel query workers show
                # here too, for a moment, under the test database's name.
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                )
                seen.append(cursor.fetchone()[0])
                if stop.is_set():
                    break
                time.sleep(0.05)
    finally:
        conn.close()


def test_make_run_links_in_emails_follow_the_port_it_serves() -> None:
    assert dev.server_environment(8845, {})["SITE_URL"] == "http://127.0.0.1:8845"
    assert dev.server_environment(8845, {"SITE_URL": "https://example.org"})["SITE_URL"] == (
        "https://example.org"
    )
    command = dev.gunicorn_command(8845)
    assert command[1:4] == ["trekboard.wsgi", "--bind", "127.0.0.1:8845"]
    assert "--reload" in command


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_readers_replying_through_make_run_is_served_in_full(tmp_path: Path) -> None:
    article = ArticleFactory(slug="burst")
    targets = [CommentFactory(article=article, body=f"root {n}") for n in range(10)]
    targets += reply_chain(article, 8, label="deep")
    # All from one address, as a newsroom, a campus or a carrier's NAT sends
    # them (and as a tester on one machine does): the per-address rate limit
    # must let the whole burst through. A per-run address, so counters left in
    # a shared Redis never meet it.
    address = f"127.{random.randrange(2, 250)}.{random.randrange(0, 250)}.1"
    readers = [Reader(user, address=address) for user in UserFactory.create_batch(READERS)]
    (tmp_path / "media").mkdir(exist_ok=True)
    (tmp_path / "media" / "hello.txt").write_text("hello")
    chooser = random.Random(13)
    plans = [
        [
            (chooser.choice(targets).pk, f"burst reply {n}.{k} {chooser.getrandbits(40):010x}")
            for k in range(REPLIES_EACH)
        ]
        for n in range(READERS)
    ]
    start = threading.Barrier(READERS)
    # Sessions the test database has before the server starts (this test's own,
    # and any an earlier test's server is still closing): the burst is counted above them.
    already: list[int] = []
    once = threading.Event()
    once.set()
    _connections_to(connection.settings_dict["NAME"], once, already)

    with Gunicorn(make_run=True, MEDIA_ROOT=str(tmp_path / "media")) as server:

        def read_and_reply(n: int) -> list[tuple[str, int, int]]:
            reader, results = readers[n], []
            start.wait()  # all at once
            for pk, body in plans[n]:
                results.append((body, *reply_without_javascript(server.port, reader, pk, body)))
            return results

        stop_sampling, sessions = threading.Event(), []
        sampler = threading.Thread(
            target=_connections_to, args=(connection.settings_dict["NAME"], stop_sampling, sessions)
        )
        sampler.start()
        began = time.monotonic()
        try:
            with ThreadPoolExecutor(max_workers=READERS) as pool:
                results = [row for rows in pool.map(read_and_reply, range(READERS)) for row in rows]
        finally:
            stop_sampling.set()
            sampler.join()
        elapsed = time.monotonic() - began

        # Right after: the site answers normally, static files and media included.
        after = {
            path: request(server.port, "GET", path).status
            for path in [
                "/healthz",
                "/",
                article.get_absolute_url(),
                "/static/trekboard/site.css",
                "/media/hello.txt",
            ]
        }
        log = server.output()

    pages = Counter(page for _, page, _ in results)
    posts = Counter(post for _, _, post in results)
    print(
        f"{READERS} readers x {REPLIES_EACH} replies through make run's gunicorn "
        f"({server.workers} workers) in {elapsed:.1f} s: pages {dict(pages)}, posts {dict(posts)}, "
        f"at most {max(sessions)} database sessions ({already[0]} before it started)"
    )
    assert pages == {200: READERS * REPLIES_EACH}, (pages, log[-3000:])
    assert posts == {302: READERS * REPLIES_EACH}, (posts, log[-3000:])  # none refused, no 5xx
    assert "Traceback" not in log, log[-3000:]
    assert not re.search(r'" 5\d\d ', log), log[-3000:]

    stored = Counter(
        Comment.objects.filter(body__startswith="burst reply ").values_list("body", flat=True)
    )
    assert stored == Counter(body for body, _, _ in results)  # each exactly once
    assert_trees_valid()

    # Bounded by the workers (runserver reached PostgreSQL's 100): one session
    # each, above those there before, and room for a worker that --reload replaced
    # (a file changed under it) to hold its connection a moment beside the new one.
    assert max(sessions) <= already[0] + 2 * server.workers, (already, sessions)
    assert after == dict.fromkeys(after, 200), after


def test_make_run_works_the_job_queue_when_there_is_one():
    from trekboard import dev

    assert dev.worker_command({}) is None
    assert dev.worker_command({"REDIS_URL": ""}) is None
    assert dev.worker_command({"REDIS_URL": "redis://127.0.0.1:6379/0"})[-1] == "run_jobs"
    # The queue's own Redis wins, either way.
    assert dev.worker_command({"REDIS_URL": "redis://x/0", "JOBS_REDIS_URL": ""}) is None
    assert dev.worker_command({"JOBS_REDIS_URL": "redis://x/1"})[-1] == "run_jobs"
