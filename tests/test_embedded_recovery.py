"""The embedded PostgreSQL starts again after any kind of stop (issue 13, point 12).

A crash, an out-of-memory kill or a reboot stops ``make run`` without its
clean-up, and pgserver's bookkeeping stays behind: an empty or garbled
``.handle_pids.json``, a ``postmaster.pid`` naming a dead or reused process, a
server half way through stopping. ``embedded_db.ensure_running`` repairs those
files, says so in one line, and leaves the data to PostgreSQL's crash recovery.

Every server here lives in a temporary data directory of its own (never
``var/pgdata``) and is stopped at the end.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg2
import pytest

from tests.live_gunicorn import free_port, reply_without_javascript, request, sign_in
from trekboard import embedded_db

ROOT = Path(__file__).resolve().parent.parent
RECOVERED = "was not stopped cleanly; recovered"


def _new_pgdata() -> Path:
    # Not under pytest's tmp_path: pgserver opens every parent directory to
    # the "pgserver" user PostgreSQL runs as when tests run as root.
    return Path(tempfile.mkdtemp(prefix="trekboard-pgdata-")) / "pgdata"


def _postmaster_pid(pgdata: Path) -> int:
    return int((pgdata / "postmaster.pid").read_text().splitlines()[0])


def _connect(pgdata: Path):
    conn = psycopg2.connect(dbname=embedded_db.DATABASE_NAME, user="postgres", host=str(pgdata))
    conn.autocommit = True
    return conn


def _query(pgdata: Path, sql: str, params: list | None = None) -> list[tuple]:
    conn = _connect(pgdata)
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
    finally:
        conn.close()


def _kill_server(pgdata: Path) -> None:
    """SIGKILL this data directory's postmaster, as the OOM killer would; wait for all of it."""
    postmaster = psutil.Process(_postmaster_pid(pgdata))
    assert Path(postmaster.cwd()) == pgdata  # ours, not any other PostgreSQL
    postmaster.kill()
    postmaster.wait(10)
    deadline = time.monotonic() + 20
    while any(_serves(p, pgdata) for p in psutil.process_iter()):
        assert time.monotonic() < deadline, "the killed server's backends did not exit"
        time.sleep(0.1)


def _wait_gone(pid: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        assert time.monotonic() < deadline, f"process {pid} still running"
        time.sleep(0.05)


def _serves(process: psutil.Process, pgdata: Path) -> bool:
    try:
        return process.name() == "postgres" and Path(process.cwd()) == pgdata
    except psutil.Error:
        return False


def _remove(pgdata: Path) -> None:
    try:
        embedded_db.stop(pgdata)
    finally:
        shutil.rmtree(pgdata.parent, ignore_errors=True)


# --- ensure_running on a damaged data directory ----------------------------


@pytest.fixture(scope="module")
def cluster() -> Iterator[Path]:
    """One data directory for this module's tests, with a row they check survives."""
    pgdata = _new_pgdata()
    try:
        embedded_db.ensure_running(pgdata)
        _query(pgdata, "CREATE TABLE keep (note text)")
        _query(pgdata, "INSERT INTO keep VALUES ('before')")
        embedded_db.stop(pgdata)
        yield pgdata
    finally:
        _remove(pgdata)


@pytest.fixture
def pgdata(cluster: Path) -> Iterator[Path]:
    """The module's data directory, its server stopped cleanly before and after."""
    embedded_db.stop(cluster)
    yield cluster
    embedded_db.stop(cluster)
    assert _query_after_start(cluster) == [("before",)]
    embedded_db.stop(cluster)


def _query_after_start(pgdata: Path) -> list[tuple]:
    embedded_db.ensure_running(pgdata)
    return _query(pgdata, "SELECT note FROM keep WHERE note = 'before'")


def _recovery_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if RECOVERED in line]


def test_a_running_server_is_joined_quietly(pgdata: Path, capsys) -> None:
    embedded_db.ensure_running(pgdata)
    pid = _postmaster_pid(pgdata)
    capsys.readouterr()
    embedded_db.ensure_running(pgdata)
    assert _postmaster_pid(pgdata) == pid
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("garbage", [b"", b"[1, 2", b'{"pids": []}', b"\xff\xfe\x00"])
def test_an_unreadable_pid_list_is_reset(pgdata: Path, capsys, garbage: bytes) -> None:
    (pgdata / ".handle_pids.json").write_bytes(garbage)
    settings = embedded_db.ensure_running(pgdata)
    lines = _recovery_lines(capsys.readouterr().err)
    assert len(lines) == 1, lines
    assert ".handle_pids.json" in lines[0]
    assert settings["HOST"] == str(pgdata)
    assert _query(pgdata, "SELECT note FROM keep") == [("before",)]
    assert (pgdata / ".handle_pids.json").read_text().startswith("[")


def test_an_empty_pid_list_beside_a_running_server_is_reset_and_joined(
    pgdata: Path, capsys
) -> None:
    embedded_db.ensure_running(pgdata)
    pid = _postmaster_pid(pgdata)
    (pgdata / ".handle_pids.json").write_text("")
    capsys.readouterr()
    embedded_db.ensure_running(pgdata)
    assert len(_recovery_lines(capsys.readouterr().err)) == 1
    assert _postmaster_pid(pgdata) == pid  # joined, not restarted


def test_a_killed_server_is_started_again_with_its_data(pgdata: Path, capsys) -> None:
    embedded_db.ensure_running(pgdata)
    _query(pgdata, "INSERT INTO keep VALUES ('committed just before the crash')")
    old = _postmaster_pid(pgdata)
    _kill_server(pgdata)
    assert (pgdata / "postmaster.pid").exists()  # stale, as after a crash or a reboot
    capsys.readouterr()

    embedded_db.ensure_running(pgdata)

    lines = _recovery_lines(capsys.readouterr().err)
    assert len(lines) == 1, lines
    assert f"stale postmaster.pid removed (pid {old} is gone)" in lines[0]
    assert _postmaster_pid(pgdata) != old
    assert _query(pgdata, "SELECT note FROM keep ORDER BY note") == [
        ("before",),
        ("committed just before the crash",),
    ]
    _query(pgdata, "DELETE FROM keep WHERE note <> 'before'")


def test_a_postmaster_pid_naming_another_process_is_stale(pgdata: Path, capsys) -> None:
    """After a reboot the old pid may belong to anything, even a process of PostgreSQL's user."""
    embedded_db.ensure_running(pgdata)
    lines = (pgdata / "postmaster.pid").read_text().splitlines(keepends=True)
    embedded_db.stop(pgdata)
    user = "pgserver" if os.geteuid() == 0 else None  # the user PostgreSQL runs as
    other = subprocess.Popen(["sleep", "60"], user=user)  # noqa: S607
    try:
        (pgdata / "postmaster.pid").write_text("".join([f"{other.pid}\n", *lines[1:]]))
        capsys.readouterr()

        embedded_db.ensure_running(pgdata)

        lines = _recovery_lines(capsys.readouterr().err)
        assert len(lines) == 1, lines
        assert f"pid {other.pid} is another program now" in lines[0]
        assert _postmaster_pid(pgdata) != other.pid
        assert other.poll() is None  # left alone
    finally:
        other.kill()
        other.wait()


def test_a_half_stopped_server_is_waited_for_then_started(pgdata: Path, capsys) -> None:
    embedded_db.ensure_running(pgdata)
    old = _postmaster_pid(pgdata)
    client = _connect(pgdata)
    # A "smart" shutdown waits for its last client: the server is half stopped.
    os.kill(old, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while (pgdata / "postmaster.pid").read_text().splitlines()[7].strip() != "stopping":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    threading.Timer(1.0, client.close).start()  # then the client leaves
    capsys.readouterr()
    started = time.monotonic()

    embedded_db.ensure_running(pgdata)

    assert time.monotonic() - started >= 0.9
    lines = _recovery_lines(capsys.readouterr().err)
    assert len(lines) == 1, lines
    assert "half-stopped" in lines[0]
    assert _postmaster_pid(pgdata) != old
    assert _query(pgdata, "SELECT note FROM keep") == [("before",)]


def test_a_directory_that_is_not_a_cluster_is_left_alone(tmp_path: Path) -> None:
    pgdata = tmp_path / "pgdata"
    (pgdata / "base").mkdir(parents=True)
    (pgdata / "base" / "16384").write_text("something")
    with pytest.raises(RuntimeError, match="no PG_VERSION"):
        embedded_db.ensure_running(pgdata)
    assert (pgdata / "base" / "16384").read_text() == "something"


# --- make run killed at random moments --------------------------------------


class DevServer:
    """``python -m trekboard.dev`` (what ``make run`` execs) in a process group of its own."""

    def __init__(self, pgdata: Path, port: int, command: list[str] | None = None) -> None:
        env = {
            k: v
            for k, v in os.environ.items()
            if k
            not in {"DATABASE_URL", "REDIS_URL", "PORT", "SITE_URL", "RATE_LIMITS", "MAKEFLAGS"}
        }
        env |= {"TREKBOARD_PGDATA": str(pgdata), "PORT": str(port), "PYTHONUNBUFFERED": "1"}
        # One reader replies 14 times within a minute across the restarts; the
        # rate limit (kept in the database cache, so it survives them) is not
        # what this is about.
        env["RATE_LIMITS"] = "off"
        self.port, self.lines = port, []
        self.process = subprocess.Popen(
            command or [sys.executable, "-m", "trekboard.dev"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # as a terminal gives make its own process group
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, condition, what: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert self.process.poll() is None, f"exited while waiting for {what}:\n{self.output}"
            assert time.monotonic() < deadline, f"no {what} in {timeout} s:\n{self.output}"
            time.sleep(0.05)

    def running_step(self, name: str) -> bool:
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
            return any(name in child.cmdline() for child in children)
        except psutil.Error:
            return False

    def healthy(self) -> bool:
        try:
            return request(self.port, "GET", "/healthz", timeout=5).status == 200
        except OSError:
            return False

    def wait_serving(self) -> None:
        self.wait_for(lambda: "Trekboard is at" in self.output, "banner")
        self.wait_for(self.healthy, "/healthz")

    def kill(self, signum: int = signal.SIGKILL) -> None:
        """Signal the whole process group, as a crash or a closed terminal does."""
        os.killpg(self.process.pid, signum)
        self.process.wait(30)

    def end(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)


def _reply(server: DevServer, reader, parent: int, body: str, acked: list[str]) -> None:
    try:
        if reply_without_javascript(server.port, reader, parent, body)[1] == 302:
            acked.append(body)
    except (OSError, AssertionError):
        pass  # killed mid-request


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="about the embedded server only, and a minute long: run in the suite's embedded pass",
)
def test_make_run_comes_back_after_being_killed_at_any_moment() -> None:
    chooser = random.Random()
    pgdata, port = _new_pgdata(), free_port()
    servers: list[DevServer] = []
    acked: list[str] = []

    began, phases = time.monotonic(), []

    def start(**kwargs) -> DevServer:
        phases.append(f"{time.monotonic() - began:.0f}")
        servers.append(DevServer(pgdata, port, **kwargs))
        return servers[-1]

    try:
        # Killed during migrate.
        server = start()
        server.wait_for(lambda: "Applying" in server.output, "migrations")
        time.sleep(chooser.uniform(0, 0.5))
        server.kill()

        # Killed during the demo's load.
        server = start()
        server.wait_for(lambda: server.running_step("seed_demo"), "seed_demo")
        time.sleep(chooser.uniform(0.1, 1.5))
        server.kill()

        # Killed while serving, in the middle of replies, and PostgreSQL with it
        # (out of memory, a power cut).
        server = start()
        server.wait_serving()
        seeded = _query(pgdata, "SELECT count(*) FROM comments_comment")[0][0]
        reader = sign_in(port, "tessellate", "trekboard-demo")
        lead = "SELECT article_id FROM comments_comment GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        parents = [
            pk
            for (pk,) in _query(
                pgdata,
                "SELECT id FROM comments_comment "  # noqa: S608
                f"WHERE status = 'published' AND article_id = ({lead}) ORDER BY id LIMIT 5",
            )
        ]
        for n in range(5):
            body = f"kill test reply {n}"
            assert reply_without_javascript(port, reader, parents[n], body) == (200, 302)
            acked.append(body)
        burst = [
            threading.Thread(
                target=_reply, args=(server, reader, parents[n % 5], f"in flight {n}", acked)
            )
            for n in range(8)
        ]
        for thread in burst:
            thread.start()
        time.sleep(chooser.uniform(0, 0.3))
        postmaster = _postmaster_pid(pgdata)
        server.kill()
        _kill_server(pgdata)
        for thread in burst:
            thread.join()
        assert not psutil.pid_exists(postmaster)

        # Comes back (crash recovery), serves; then killed with PostgreSQL left
        # running and pgserver's pid list left empty, as the issue found it.
        server = start()
        server.wait_serving()
        assert "stale postmaster.pid" in server.output
        assert len(re.findall(RECOVERED, server.output)) == 1, server.output
        _reply(server, reader, parents[0], "after the crash", acked)
        postmaster = _postmaster_pid(pgdata)
        server.kill()
        (pgdata / ".handle_pids.json").write_text("")

        # Joins the running server, and everything acknowledged is there once.
        server = start()
        server.wait_serving()
        assert _postmaster_pid(pgdata) == postmaster
        assert len(re.findall(RECOVERED, server.output)) == 1, server.output
        assert "after the crash" in acked
        stored = dict(
            _query(
                pgdata,
                "SELECT body, count(*) FROM comments_comment WHERE body = ANY(%s) GROUP BY body",
                [acked],
            )
        )
        assert stored == dict.fromkeys(acked, 1)  # every acknowledged reply, once
        ours = _query(
            pgdata,
            "SELECT count(*) FROM comments_comment WHERE body LIKE 'kill test reply %%' "
            "OR body LIKE 'in flight %%' OR body = 'after the crash'",
        )[0][0]
        assert _query(pgdata, "SELECT count(*) FROM comments_comment")[0][0] == seeded + ours
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        env["TREKBOARD_PGDATA"] = str(pgdata)
        for command in (["check_comment_tree"], ["migrate", "--check"]):
            checked = subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
            )
            assert checked.returncode == 0, (command, checked.stdout, checked.stderr)
        assert request(port, "GET", "/").status == 200

        # SIGTERM to the process group (a process manager, a closed terminal)
        # stops the site and the embedded PostgreSQL too.
        server.kill(signal.SIGTERM)
        assert server.process.returncode == 0, server.output
        assert "Embedded PostgreSQL stopped." in server.output
        _wait_gone(postmaster)
        assert not (pgdata / "postmaster.pid").exists()

        # And SIGTERM to make alone: make passes it on, the same clean stop.
        server = start(
            command=[
                "make",
                "--no-print-directory",
                "-o",
                ".venv/.installed-stamp",
                "run",
                f"PORT={port}",
                f"PY={sys.executable}",
            ]
        )
        server.wait_serving()
        postmaster = _postmaster_pid(pgdata)
        assert RECOVERED not in server.output
        os.kill(server.process.pid, signal.SIGTERM)
        server.process.wait(30)
        server.wait_for(lambda: "Embedded PostgreSQL stopped." in server.output, "the stop", 10)
        _wait_gone(postmaster)
        with pytest.raises(ProcessLookupError):  # nothing of make's process group is left
            os.killpg(server.process.pid, 0)
        print(f"make run started at {phases} s; done at {time.monotonic() - began:.0f} s")
    finally:
        for server in servers:
            server.end()
        _remove(pgdata)
