"""The embedded PostgreSQL used when DATABASE_URL is not set.

pgserver ships real PostgreSQL binaries inside a wheel, so a fresh machine with
only Python gets the same database engine as production. The server keeps its
data under ``var/pgdata`` and listens on a Unix socket only, so it never
collides with a PostgreSQL already running on the machine.

Every process that loads the settings calls :func:`ensure_running`, which joins
the running server or starts it: ``make run``, a second terminal's
``manage.py shell`` and the test suite all share one server. ``make run`` and
``make test`` call :func:`stop` when they finish.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from pathlib import Path

DATABASE_NAME = "trekboard"
PGDATA = Path(__file__).resolve().parent.parent / "var" / "pgdata"

# platformdirs warns that XDG_RUNTIME_DIR is unset on servers; pgserver copes.
warnings.filterwarnings("ignore", module="platformdirs")


def ensure_running(pgdata: Path = PGDATA) -> dict[str, str]:
    """Start (or join) the embedded server and return Django connection settings."""
    # pgserver logs at INFO on every call; that is noise on every manage.py command.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    import pgserver

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process, so short commands
    # don't pay a start-up each; stop() ends it explicitly.
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    _ensure_database(socket_dir)
    return {"NAME": DATABASE_NAME, "USER": "postgres", "HOST": socket_dir, "PORT": ""}


def _ensure_database(socket_dir: str) -> None:
    import psycopg2

    conn = psycopg2.connect(dbname="postgres", user="postgres", host=socket_dir)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    finally:
        conn.close()


def stop(pgdata: Path = PGDATA) -> bool:
    """Stop the embedded server cleanly if it is running; return whether it was."""
    if not (pgdata / "postmaster.pid").exists():
        return False
    from pgserver._commands import pg_ctl
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running():
        return False
    user = "pgserver" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    return True


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "stop":
        print("Embedded PostgreSQL stopped." if stop() else "Embedded PostgreSQL was not running.")
    elif command == "start":
        print(f"Embedded PostgreSQL running, socket in {ensure_running()['HOST']}")
    else:
        sys.exit("usage: python -m trekboard.embedded_db start|stop")
