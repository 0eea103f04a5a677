"""A throwaway PostgreSQL primary and a streaming replica of it, for the replica tests.

``initdb`` a primary in a temporary directory, ``pg_basebackup -R`` a replica
from it, each on a port of its own on 127.0.0.1, with the embedded server's
own binaries (the ``pgserver`` package, so every checkout has them) or the
system's PostgreSQL. PostgreSQL refuses to run as root: under root both run as
the ``postgres`` user (or ``pgserver``'s own), as the embedded server does.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2

from tests.live_gunicorn import free_port


def binaries() -> Path | None:
    """A directory holding initdb, pg_ctl and pg_basebackup, or None."""
    candidates = []
    try:
        import pgserver

        candidates.append(Path(pgserver.__file__).parent / "pginstall" / "bin")
    except ImportError:
        pass
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for directory in candidates:
        if all((directory / tool).exists() for tool in ("initdb", "pg_ctl", "pg_basebackup")):
            return directory
    return None


def _os_user() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "pgserver"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("Running as root with neither a postgres nor a pgserver user.")


class Cluster:
    """A primary and one streaming replica; ``stop_replica``/``start_replica`` mid-test."""

    def __init__(self) -> None:
        found = binaries()
        if found is None:
            raise RuntimeError("No PostgreSQL binaries (initdb, pg_ctl, pg_basebackup).")
        self.bin = found
        self.user = _os_user()
        self.root = Path(tempfile.mkdtemp(prefix="trekboard-replication-"))
        self.primary_dir, self.replica_dir = self.root / "primary", self.root / "replica"
        self.primary_port, self.replica_port = free_port(), free_port()
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [str(self.bin / tool), *args],
            check=True,
            capture_output=True,
            user=self.user,
            cwd=self.root,
            timeout=120,
        )

    def _pg_ctl(self, data: Path, action: str, *extra: str) -> None:
        self._run("pg_ctl", "-D", str(data), "-l", str(data) + ".log", "-w", action, *extra)

    def start(self) -> Cluster:
        self._run(
            "initdb", "-D", str(self.primary_dir), "-U", "postgres", "-A", "trust", "-E", "UTF8"
        )
        settings = [
            "listen_addresses = '127.0.0.1'",
            f"port = {self.primary_port}",
            f"unix_socket_directories = '{self.root}'",
            "wal_level = replica",
            "max_wal_senders = 4",
            "hot_standby = on",
            "fsync = off",  # throwaway data: the test's speed matters, not a crash's
            "max_connections = 60",
        ]
        with (self.primary_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n".join(settings) + "\n")
        self._pg_ctl(self.primary_dir, "start")
        self._run(
            "pg_basebackup",
            "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres",
            "-D", str(self.replica_dir), "-R", "-X", "stream",
        )  # fmt: skip
        with (self.replica_dir / "postgresql.conf").open("a") as conf:
            conf.write(f"port = {self.replica_port}\n")
        self.start_replica()
        return self

    def start_replica(self) -> None:
        self._pg_ctl(self.replica_dir, "start")

    def stop_replica(self) -> None:
        self._pg_ctl(self.replica_dir, "stop", "-m", "immediate")

    def url(self, *, replica: bool = False, name: str = "trekboard") -> str:
        port = self.replica_port if replica else self.primary_port
        return f"postgres://postgres@127.0.0.1:{port}/{name}"

    def query(self, sql: str, params=None, *, replica: bool = False, name: str = "trekboard"):
        port = self.replica_port if replica else self.primary_port
        connection = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname=name)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else None
        finally:
            connection.close()

    def wait_replayed(self, timeout: float = 30) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        (position,) = self.query("SELECT pg_current_wal_lsn()::text", name="postgres")[0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            (done,) = self.query(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn",
                [position],
                replica=True,
                name="postgres",
            )[0]
            if done:
                return
            time.sleep(0.05)
        raise TimeoutError("The replica did not catch up.")

    def stop(self) -> None:
        for data in (self.replica_dir, self.primary_dir):
            if (data / "postmaster.pid").exists():
                try:
                    self._pg_ctl(data, "stop", "-m", "immediate")
                except subprocess.CalledProcessError:
                    pass
        shutil.rmtree(self.root, ignore_errors=True)
