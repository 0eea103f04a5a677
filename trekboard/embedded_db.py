"""The embedded PostgreSQL used when DATABASE_URL is not set.

pgserver ships real PostgreSQL binaries inside a wheel, so a fresh machine with
only Python gets the same database engine as production. The server keeps its
data under ``var/pgdata`` (``TREKBOARD_PGDATA`` moves it; the tests use
temporary ones) and listens on a Unix socket only, so it never collides with a
PostgreSQL already running on the machine.

Every process that loads the settings calls :func:`ensure_running`, which joins
the running server or starts it: ``make run``, a second terminal's
``manage.py shell`` and the test suite all share one server. ``make run`` and
``make test`` call :func:`stop` when they finish.

The server must start again after any kind of stop: a crash, an out-of-memory
kill or a reboot leaves pgserver's bookkeeping behind (an empty or stale
``.handle_pids.json``, a ``postmaster.pid`` naming a dead or reused process, a
server half way through stopping). :func:`ensure_running` repairs only those
bookkeeping files, says so in one line on stderr, and leaves the data itself
to PostgreSQL's own crash recovery. It never deletes data and never runs
initdb over a directory that has some.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import time
import warnings
from pathlib import Path

DATABASE_NAME = "trekboard"
PGDATA = Path(
    os.environ.get("TREKBOARD_PGDATA") or Path(__file__).resolve().parent.parent / "var" / "pgdata"
).resolve()
HANDLE_LIST = ".handle_pids.json"
# How long a server that is starting up (crash recovery included) or shutting
# down is waited for before giving up with an error.
SETTLE_SECONDS = 60

# platformdirs warns that XDG_RUNTIME_DIR is unset on servers; pgserver copes.
warnings.filterwarnings("ignore", module="platformdirs")


def ensure_running(pgdata: Path = PGDATA) -> dict[str, str]:
    """Start (or join) the embedded server and return Django connection settings."""
    # pgserver logs at INFO on every call; that is noise on every manage.py command.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    with warnings.catch_warnings():  # pytest resets the filter below for each test
        warnings.simplefilter("ignore")
        import pgserver
        from pgserver import postgres_server

    pgdata = Path(pgdata).resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    if pgdata.is_dir() and not (pgdata / "PG_VERSION").exists():
        leftovers = sorted(p.name for p in pgdata.iterdir() if p.name != HANDLE_LIST)
        if leftovers:
            # initdb would refuse anyway; say why, and touch nothing.
            raise RuntimeError(
                f"{pgdata} holds files but no PG_VERSION ({', '.join(leftovers[:5])}...): "
                "not a PostgreSQL data directory, or its first start was interrupted. "
                "Nothing was changed; move it away (or delete it if it holds nothing you "
                "need) and start again."
            )
    # Writes of the pid list go through a temporary file, so a kill mid-write
    # can't leave it empty again.
    postgres_server.DiskList = _AtomicDiskList
    with postgres_server.PostgresServer._lock:
        repairs = _repair(pgdata)
    if repairs:
        print(
            f"Embedded PostgreSQL ({pgdata}) was not stopped cleanly; recovered: "
            f"{'; '.join(repairs)}.",
            file=sys.stderr,
            flush=True,
        )
    # pgserver remembers a server per process without checking it again; this
    # call must look afresh (the server may have been stopped since).
    postgres_server.PostgresServer._instances.pop(pgdata, None)
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
    pgdata = Path(pgdata).resolve()
    pid, _ = _read_postmaster_pid(pgdata)
    if pid is None or _postmaster(pid, pgdata) is None:
        return False
    from pgserver._commands import pg_ctl

    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=_system_user())
    return True


# --- Recovery ---------------------------------------------------------------


class _AtomicDiskList:
    """pgserver's pid list (``DiskList``), written atomically and read forgivingly."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def get(self) -> list[int]:
        pids = _read_handle_list(self.path)
        return pids if pids is not None else []

    def put(self, values: list[int]) -> None:
        scratch = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        scratch.write_text(json.dumps(values))
        os.replace(scratch, self.path)

    def get_and_add(self, value: int) -> list[int]:
        old = self.get()
        if value not in old:
            self.put([*old, value])
        return old

    def get_and_remove(self, value: int) -> list[int]:
        old = self.get()
        if value in old:
            self.put([pid for pid in old if pid != value])
        return old


def _read_handle_list(path: Path) -> list[int] | None:
    """The pids in pgserver's list; ``[]`` if there is no file, None if it is unreadable."""
    try:
        values = json.loads(path.read_text())
    except FileNotFoundError:
        return []
    except (OSError, ValueError):
        return None
    if not isinstance(values, list) or not all(type(v) is int for v in values):
        return None
    return values


def _repair(pgdata: Path) -> list[str]:
    """Put pgserver's bookkeeping right after an unclean stop; say what was done.

    Called with pgserver's inter-process lock held, so two processes starting
    at once (gunicorn's workers) don't repair over each other. Touches only
    ``.handle_pids.json``, ``postmaster.pid`` and the socket's lock file.
    """
    import psutil

    repairs = []
    handle_list = pgdata / HANDLE_LIST
    pids = _read_handle_list(handle_list)
    if pids is None:
        repairs.append(f"unreadable {HANDLE_LIST} reset")
    if handle_list.exists():
        live = [pid for pid in pids or [] if psutil.pid_exists(pid)]
        if live != pids:
            _AtomicDiskList(handle_list).put(live)

    started = time.monotonic()
    deadline = started + SETTLE_SECONDS
    asked_to_hurry = False
    while True:
        pid, status = _read_postmaster_pid(pgdata)
        if pid is None and not (pgdata / "postmaster.pid").exists():
            return repairs  # stopped cleanly (or never started): pgserver starts it
        process = _postmaster(pid, pgdata) if pid is not None else None
        if process is None:
            # Whoever wrote postmaster.pid is gone (or the pid now belongs to
            # another program). Its backends notice and exit; once they have,
            # the lock files are only in the way (PostgreSQL itself refuses to
            # start while any process still uses the old shared memory).
            _wait_for_orphans(pgdata, deadline)
            _remove_stale_locks(pgdata, pid)
            if pid is None:
                why = "unreadable"
            elif psutil.pid_exists(pid):
                why = f"pid {pid} is another program now"
            else:
                why = f"pid {pid} is gone"
            repairs.append(f"stale postmaster.pid removed ({why})")
            return repairs
        if status == "ready":
            return repairs  # still running from before: join it
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"The embedded PostgreSQL (pid {pid}) has been {status or 'starting'} for "
                f"{SETTLE_SECONDS} s; see {pgdata / 'log'}."
            )
        if status == "stopping":
            if not repairs or repairs[-1] != "waited for a half-stopped server":
                repairs.append("waited for a half-stopped server")
            if not asked_to_hurry and time.monotonic() > started + 10:
                # A "smart" shutdown waits for every client to leave; a fast
                # one rolls back open transactions and stops now, losing nothing.
                process.send_signal(signal.SIGINT)
                asked_to_hurry = True
        time.sleep(0.2)


def _read_postmaster_pid(pgdata: Path) -> tuple[int | None, str]:
    """The postmaster's pid and status ("starting", "ready", "stopping") from postmaster.pid.

    PostgreSQL writes the file in steps, so a short one is a server still starting.
    """
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
    except (FileNotFoundError, UnicodeDecodeError):
        return None, ""
    try:
        pid = int(lines[0])
    except (IndexError, ValueError):
        return None, ""
    return pid, (lines[7].strip() if len(lines) > 7 else "starting")


def _postmaster(pid: int, pgdata: Path):
    """The running postgres process ``pid`` if it serves ``pgdata``, else None."""
    import psutil

    try:
        process = psutil.Process(pid)
        if process.name() != "postgres" or process.status() == psutil.STATUS_ZOMBIE:
            return None
        return process if _serves(process, pgdata) else None
    except psutil.Error:
        return None


def _serves(process, pgdata: Path) -> bool:
    """Whether a postgres process belongs to ``pgdata``: every one of them runs in it."""
    import psutil

    try:
        return Path(process.cwd()) == pgdata
    except psutil.AccessDenied:
        return str(pgdata) in process.cmdline()


def _wait_for_orphans(pgdata: Path, deadline: float) -> None:
    """Wait for backends whose postmaster died to exit (they do once they notice)."""
    import psutil

    while True:
        orphans = []
        for process in psutil.process_iter(["name"]):
            try:
                if process.info["name"] == "postgres" and _serves(process, pgdata):
                    orphans.append(process)
            except psutil.Error:
                continue
        if not orphans:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"PostgreSQL processes {[p.pid for p in orphans]} still use {pgdata} although "
                "their server is gone; stop them, then start again."
            )
        time.sleep(0.2)


def _remove_stale_locks(pgdata: Path, pid: int | None) -> None:
    """Remove postmaster.pid and its socket lock, once no process of this server is left."""
    pid_file = pgdata / "postmaster.pid"
    lines = pid_file.read_text(errors="replace").splitlines() if pid_file.exists() else []
    if len(lines) > 4 and lines[4].strip():
        socket_dir = Path(lines[4].strip())
        port = lines[3].strip() if len(lines) > 3 and lines[3].strip() else "5432"
        lock = socket_dir / f".s.PGSQL.{port}.lock"
        try:
            if lock.read_text().splitlines()[0].strip() == str(pid):
                lock.unlink()
        except (OSError, IndexError, UnicodeDecodeError):
            pass
    pid_file.unlink(missing_ok=True)


def _system_user() -> str | None:
    # pgserver runs PostgreSQL as its own "pgserver" user when started as root.
    return "pgserver" if hasattr(os, "geteuid") and os.geteuid() == 0 else None


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "stop":
        print("Embedded PostgreSQL stopped." if stop() else "Embedded PostgreSQL was not running.")
    elif command == "start":
        print(f"Embedded PostgreSQL running, socket in {ensure_running()['HOST']}")
    else:
        sys.exit("usage: python -m trekboard.embedded_db start|stop")
