"""A backup made as the README says restores into a database the site accepts.

``pg_dump -Fc`` of a database with a discussion in it, ``pg_restore`` into a
new, empty database, then the same checks an operator would run: the rows are
all there and ``manage.py check_comment_tree`` passes against the restored copy.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

from comments.models import Comment, CommentLike
from comments.services import comment_like_toggle
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.helpers import manage_py, reply_chain
from tests.live_gunicorn import database_url


def _client_tool(name: str) -> str | None:
    """The PostgreSQL client tool for this server's major version (or the nearest newer one).

    pg_dump refuses a server newer than itself, and the embedded server
    (pgserver, PostgreSQL 16) ships its own tools beside Debian's (15).
    """
    import pgserver

    candidates = [Path(pgserver.__file__).parent / "pginstall" / "bin" / name]
    if found := shutil.which(name):
        candidates.append(Path(found))
    server = connection.pg_version // 10000
    usable = []
    for path in candidates:
        if path.exists():
            printed = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
            major = int(re.search(r"\) (\d+)", printed).group(1))
            if major >= server:
                usable.append((major, str(path)))
    return min(usable)[1] if usable else None


def _server() -> dict[str, str]:
    db = connection.settings_dict
    return {
        "host": db.get("HOST") or "127.0.0.1",
        "port": str(db.get("PORT") or 5432),
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or "",
    }


def _tool_env(server: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    if server["password"]:
        env["PGPASSWORD"] = server["password"]
    return env


def _admin(server: dict[str, str], sql: str) -> None:
    conn = psycopg2.connect(
        dbname="postgres",
        host=server["host"],
        port=server["port"],
        user=server["user"],
        password=server["password"] or None,
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def _rows(server: dict[str, str], dbname: str, sql: str) -> list[tuple]:
    with (
        psycopg2.connect(
            dbname=dbname,
            host=server["host"],
            port=server["port"],
            user=server["user"],
            password=server["password"] or None,
        ) as conn,
        conn.cursor() as cursor,
    ):
        cursor.execute(sql)
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
def test_pg_dump_and_pg_restore_round_trip(tmp_path) -> None:
    article = ArticleFactory()
    chain = reply_chain(article, 6)
    for n in range(5):
        root = CommentFactory(article=article, body=f"thread {n}")
        CommentFactory(article=article, parent=root, body=f"reply to thread {n}")
    comment_like_toggle(comment=chain[2], user=UserFactory())
    expected = sorted(Comment.objects.values_list("pk", "body", "tree_id", "lft", "rght"))

    pg_dump, pg_restore = _client_tool("pg_dump"), _client_tool("pg_restore")
    assert pg_dump, "pg_dump for this server's version"
    assert pg_restore, "pg_restore for this server's version"
    server = _server()
    env = _tool_env(server)
    target = ["-h", server["host"], "-p", server["port"], "-U", server["user"]]
    dump = tmp_path / "trekboard.dump"
    subprocess.run(
        [pg_dump, "-Fc", *target, "-d", connection.settings_dict["NAME"], "-f", str(dump)],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert dump.stat().st_size > 0

    restored = f"trekboard_restore_{uuid.uuid4().hex[:12]}"
    _admin(server, f'CREATE DATABASE "{restored}"')
    try:
        subprocess.run(
            [pg_restore, "--no-owner", "--exit-on-error", *target, "-d", restored, str(dump)],
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        table = Comment._meta.db_table
        rows = _rows(
            server,
            restored,
            f"SELECT id, body, tree_id, lft, rght FROM {table}",  # noqa: S608 - our own table
        )
        assert sorted(rows) == expected
        likes = _rows(server, restored, f"SELECT count(*) FROM {CommentLike._meta.db_table}")  # noqa: S608
        assert likes == [(1,)]

        check = manage_py("check_comment_tree", DATABASE_URL=database_url(name=restored))
        assert check.returncode == 0, check.stderr
        assert check.stdout.startswith("OK:"), check.stdout
    finally:
        _admin(server, f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
