"""Trekboard behind Debian's PgBouncer in transaction mode, as the README deploys it.

In transaction mode each transaction may run on another server connection, so
anything a connection keeps between transactions (a prepared statement, a
server-side cursor, a session-level lock or setting) breaks or leaks. The
pool here has two server connections for two gunicorn workers and many
concurrent readers, so every client's transactions interleave on them.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.helpers import assert_trees_valid
from tests.live_gunicorn import Gunicorn, Reader, free_port, reply_without_javascript, request

PGBOUNCER = shutil.which("pgbouncer") or (
    "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
)

pytestmark = [
    pytest.mark.skipif(
        PGBOUNCER is None, reason="PgBouncer is not installed (apt-get install pgbouncer)."
    ),
    pytest.mark.django_db(transaction=True),
]


def _os_user(host: str) -> str | None:
    """Who runs PgBouncer (it refuses root): whoever may reach the database's socket."""
    if os.geteuid() != 0:
        return None
    if host.startswith("/"):
        return pwd.getpwuid(Path(host).stat().st_uid).pw_name
    return "postgres"


class PgBouncer:
    def __init__(self, *, pool_size: int = 2) -> None:
        db = connection.settings_dict
        self.host = db.get("HOST") or "127.0.0.1"
        self.db_port = db.get("PORT") or 5432
        self.name = db["NAME"]
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="trekboard-pgbouncer-"))
        self.user = _os_user(self.host)
        (self.dir / "users.txt").write_text('"postgres" ""\n')
        (self.dir / "pgbouncer.ini").write_text(
            "\n".join(
                [
                    "[databases]",
                    f"* = host={self.host} port={self.db_port}",
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    f"listen_port = {self.port}",
                    "unix_socket_dir =",
                    "auth_type = trust",
                    f"auth_file = {self.dir / 'users.txt'}",
                    "pool_mode = transaction",
                    f"default_pool_size = {pool_size}",
                    "max_client_conn = 200",
                    "ignore_startup_parameters = extra_float_digits",
                    f"logfile = {self.dir / 'pgbouncer.log'}",
                    f"pidfile = {self.dir / 'pgbouncer.pid'}",
                ]
            )
            + "\n"
        )
        if self.user:
            entry = pwd.getpwnam(self.user)
            for path in [self.dir, *self.dir.iterdir()]:
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.name}"

    def __enter__(self) -> PgBouncer:
        self.process = subprocess.Popen(
            [PGBOUNCER, str(self.dir / "pgbouncer.ini")],
            user=self.user,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                psycopg2.connect(
                    host="127.0.0.1", port=self.port, user="postgres", dbname=self.name
                ).close()
                return self
            except psycopg2.OperationalError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"PgBouncer did not start:\n{self.log()}") from None
                time.sleep(0.1)

    def log(self) -> str:
        try:
            return (self.dir / "pgbouncer.log").read_text(errors="replace")
        except OSError:
            return ""

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(15)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def bouncer() -> Iterator[PgBouncer]:
    with PgBouncer() as running:
        yield running


def test_readers_reply_and_read_through_pgbouncer_in_transaction_mode(bouncer, tmp_path):
    article = ArticleFactory(slug="pooled")
    targets = [CommentFactory(article=article, body=f"pooled root {n}") for n in range(4)]
    readers = [Reader(user) for user in UserFactory.create_batch(6)]
    plans = [
        [(targets[(n + k) % 4].pk, f"pooled reply {n}.{k}") for k in range(3)] for n in range(6)
    ]
    start = threading.Barrier(len(readers))

    with Gunicorn(workers=2, DATABASE_URL=bouncer.url, DATABASE_POOL_MODE="transaction") as server:

        def read_and_reply(n: int) -> list[tuple[str, int, int]]:
            start.wait()
            results = []
            for pk, body in plans[n]:
                results.append((body, *reply_without_javascript(server.port, readers[n], pk, body)))
                # Signed-in and anonymous pages between the writes: the article's
                # big reads, unprepared, on whichever server connection is free.
                assert readers[n].get(server.port, article.get_absolute_url()).status == 200
                assert request(server.port, "GET", article.get_absolute_url()).status == 200
            return results

        with ThreadPoolExecutor(max_workers=len(readers)) as pool:
            results = [
                row for rows in pool.map(read_and_reply, range(len(readers))) for row in rows
            ]
        page = request(server.port, "GET", article.get_absolute_url()).text
        log = server.output()

    assert Counter(status for _, status, _ in results) == {200: 18}, log[-3000:]
    assert Counter(status for _, _, status in results) == {302: 18}, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
    assert "prepared statement" not in log
    stored = Counter(
        Comment.objects.filter(body__startswith="pooled reply ").values_list("body", flat=True)
    )
    assert stored == Counter(body for body, _, _ in results)  # each exactly once
    assert_trees_valid()
    for body, _, _ in results:
        assert body in page


def test_an_export_streams_through_pgbouncer_without_server_side_cursors(bouncer, tmp_path):
    article = ArticleFactory(slug="exported-pooled")
    for n in range(30):
        CommentFactory(article=article, body=f"exported through the pool {n}")
    output = tmp_path / "export.json"
    done = subprocess.run(
        [sys.executable, "manage.py", "export_discussions", "--format", "json", "-o", str(output)],
        env={
            **os.environ,
            "DATABASE_URL": bouncer.url,
            "DATABASE_POOL_MODE": "transaction",
            "DJANGO_SETTINGS_MODULE": "trekboard.settings",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    text = output.read_text()
    for n in range(30):
        assert f"exported through the pool {n}" in text
