"""Reads on a real streaming replica, writes on the primary, and a writer seeing their own write.

A throwaway primary and a replica streaming from it (tests/replication.py)
serve a gunicorn started with ``DATABASE_REPLICA_URLS``. Which database
answered a read shows by pausing the replica's replay: a comment written on
the primary is then missing from the replica, so a 404 for it means the
replica answered and a 200 means the primary did.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.live_gunicorn import Gunicorn, Reader, form_fields, request, sign_in
from tests.replication import Cluster, binaries

pytestmark = pytest.mark.skipif(
    binaries() is None, reason="No PostgreSQL binaries here (initdb, pg_ctl, pg_basebackup)."
)

MAX_LAG = 5.0
CHECK = 0.5
RETRY = 1.0
PASSWORD = "replicated-password-1"
SLUG = "replicated"


def manage(cluster: Cluster, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        env={**_env(cluster), "DJANGO_SETTINGS_MODULE": "trekboard.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _env(cluster: Cluster) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": cluster.url(),
        "REDIS_URL": "",  # the page cache in this primary's own table, not a shared Redis
        "TREKBOARD_ENV": "development",
    }


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    cluster = Cluster().start()
    try:
        cluster.query("CREATE DATABASE trekboard", name="postgres")
        manage(cluster, "migrate", "-v0")
        manage(
            cluster,
            "shell",
            "-c",
            "from comments.generate import discussion_generate;"
            f"discussion_generate(slug='{SLUG}', comments=12, seed=5);"
            "from accounts.models import User;"
            f"User.objects.create_user('riker', 'riker@example.org', '{PASSWORD}')",
        )
        cluster.wait_replayed()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def server(cluster: Cluster) -> Iterator[Gunicorn]:
    env = {
        "DATABASE_URL": cluster.url(),
        "DATABASE_REPLICA_URLS": cluster.url(replica=True),
        "REPLICA_MAX_LAG_SECONDS": str(MAX_LAG),
        "REPLICA_CHECK_SECONDS": str(CHECK),
        "REPLICA_RETRY_SECONDS": str(RETRY),
        "REPLICA_PIN_SECONDS": "5",
        "REDIS_URL": "",
        "ANONYMOUS_PAGE_SECONDS": "300",
    }
    with Gunicorn(workers=1, **env) as running:
        yield running


def _top_level(cluster: Cluster) -> int:
    return cluster.query(
        "SELECT c.id FROM comments_comment c JOIN articles_article a ON a.id = c.article_id "
        "WHERE a.slug = %s AND c.parent_id IS NULL AND c.status = 'published' ORDER BY c.id "
        "LIMIT 1",
        [SLUG],
    )[0][0]


def _reply(server: Gunicorn, reader: Reader, parent: int, body: str):
    """Reply through the form, keeping the cookies the answer sets; the answer."""
    path = f"/comments/{parent}/reply/"
    page = reader.get(server.port, path)
    assert page.status == 200, page.status
    fields = form_fields(page.text, path)
    answer = reader.post(server.port, path, {**fields, "body": body}, htmx_header=False)
    assert answer.status == 302, (answer.status, answer.text[:500])
    reader.cookies.update(answer.cookies)
    return answer


def _new_id(cluster: Cluster, body: str) -> int:
    return cluster.query("SELECT id FROM comments_comment WHERE body = %s", [body])[0][0]


def _anonymous(server: Gunicorn, path: str) -> int:
    return request(server.port, "GET", path).status


def _replica_state(cluster: Cluster) -> list:
    """What the replica says of itself, for a failure's message."""
    return cluster.query(
        "SELECT pg_get_wal_replay_pause_state(), pg_last_wal_receive_lsn()::text, "
        "pg_last_wal_replay_lsn()::text, now() - pg_last_xact_replay_timestamp()",
        replica=True,
        name="postgres",
    )


def pause(cluster: Cluster) -> None:
    """The replica stops applying what it receives (it stays connected and answering).

    A commit just before, replayed, makes its last replayed commit recent: its
    lag (the age of that commit, once it has more to replay) starts near 0.
    """
    cluster.query("SELECT txid_current()", name="postgres")
    cluster.wait_replayed()
    cluster.query("SELECT pg_wal_replay_pause()", replica=True, name="postgres")
    # Each worker rechecks a replica it found lagging only so often.
    time.sleep(CHECK + 0.1)


def resume(cluster: Cluster) -> None:
    cluster.query("SELECT pg_wal_replay_resume()", replica=True, name="postgres")
    cluster.wait_replayed()


@pytest.fixture
def paused(cluster: Cluster, server: Gunicorn) -> Iterator[Reader]:
    """A signed-in reader, then the replica paused (signing in first keeps the lag short)."""
    reader = sign_in(server.port, "riker", PASSWORD)
    pause(cluster)
    try:
        yield reader
    finally:
        resume(cluster)


def test_reads_go_to_the_replica_and_a_writer_reads_their_own_write(cluster, server, paused):
    reader = paused
    body = "Read your writes: posted while the replica is paused"
    answer = _reply(server, reader, _top_level(cluster), body)
    assert "tb_primary" in answer.cookies  # the writer is pinned to the primary a while
    new = _new_id(cluster, body)

    # The writer reads the primary, and sees it.
    page = reader.get(server.port, f"/comments/{new}/")
    assert page.status == 200
    assert body in page.text
    # A stranger reads the replica, which hasn't replayed it yet.
    assert _anonymous(server, f"/comments/{new}/") == 404
    # ... but never a cached page older than a write it knows of: the article
    # page's version says how far the primary had got, the replica isn't there.
    article = request(server.port, "GET", f"/articles/{SLUG}/")
    assert article.status == 200
    assert body in article.text


def test_a_lagging_replica_is_skipped_until_it_catches_up(cluster, server, paused):
    reader = paused
    body = "Posted while the replica falls behind"
    _reply(server, reader, _top_level(cluster), body)
    new = _new_id(cluster, body)
    assert _anonymous(server, f"/comments/{new}/") == 404  # from the replica, behind
    time.sleep(MAX_LAG + CHECK + 0.5)
    # Now further behind than allowed: skipped, so the primary answers.
    assert _anonymous(server, f"/comments/{new}/") == 200


def test_a_replica_stopped_mid_test_costs_no_reader_an_error(cluster, server):
    paths = [f"/articles/{SLUG}/", f"/comments/{_top_level(cluster)}/", "/search/?q=warp", "/"]
    reader = sign_in(server.port, "riker", PASSWORD)
    pause(cluster)
    body = "Posted just before the replica stops"
    _reply(server, reader, _top_level(cluster), body)
    # The replica is serving reads, and the worker holds a connection to it.
    state = _replica_state(cluster)
    assert _anonymous(server, f"/comments/{_new_id(cluster, body)}/") == 404, state
    cluster.stop_replica()
    try:
        statuses = [_anonymous(server, path) for _ in range(3) for path in paths]
        assert set(statuses) == {200}, statuses
        _reply(server, reader, _top_level(cluster), "Posted with the replica down")
    finally:
        cluster.start_replica()
    assert "Replica replica1" in server.output(), server.output()[-3000:]
    cluster.wait_replayed()
    # Back: once its retry pause is over, it serves reads again.
    time.sleep(RETRY + CHECK)
    reader = sign_in(server.port, "riker", PASSWORD)
    pause(cluster)
    try:
        body = "Posted after the replica came back"
        _reply(server, reader, _top_level(cluster), body)
        assert _anonymous(server, f"/comments/{_new_id(cluster, body)}/") == 404
    finally:
        resume(cluster)


def test_the_tree_written_through_the_replicated_site_is_whole(cluster, server):
    reader = sign_in(server.port, "riker", PASSWORD)
    top = _top_level(cluster)
    for number in range(5):
        _reply(server, reader, top, f"Reply number {number} with replicas on")
    (count,) = cluster.query(
        "SELECT count(*) FROM comments_comment WHERE body LIKE 'Reply number %%'"
    )[0]
    assert count == 5
    manage(cluster, "check_comment_tree")  # exits non-zero on a broken tree
