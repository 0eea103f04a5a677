"""What ``make run`` and ``make test`` do after installing.

``python -m trekboard.dev``: migrate, load the demo once, serve at
http://127.0.0.1:$PORT with gunicorn until Ctrl-C (or SIGTERM, or SIGHUP when
the terminal closes), then stop the embedded database.
``python -m trekboard.dev test [pytest args]``: the whole suite, then stop it.
``Gunicorn``: the same server started in the background, for the tests and
benches that need real HTTP.

Each step runs in its own process (as a reader would type them), so the
embedded PostgreSQL is started by the first one and joined by the rest.

Why gunicorn and not ``runserver``: runserver starts a thread per request and
never reuses it, so with persistent connections (``CONN_MAX_AGE``) every
request of a burst kept its own PostgreSQL connection until the server's 100
were gone and the site answered 503 to everyone. gunicorn's workers are fixed
in number, each holds at most one connection and reuses it, and a burst waits
in the listen backlog: readers are slowed down, never refused.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANAGE = [sys.executable, str(ROOT / "manage.py")]

# Requests served at once, and so database connections held at most: twice the
# cores (the usual advice for sync workers), between 2 and 4 on a laptop.
WORKERS = min(max(2 * (os.cpu_count() or 1), 2), 4)
# Connections waiting for a free worker; a burst queues here instead of failing.
BACKLOG = 1024
# A request may wait this long for locks under a burst before gunicorn gives up
# on its worker; gunicorn's default of 30 s is tight for a busy laptop.
TIMEOUT = 60
# Besides the Python modules, edits to templates restart the workers (Django
# caches compiled templates; whitenoise picks up static files by itself).
RELOAD_EXTRA = ["templates/**/*.html"]


MAKE_RUN_OPTIONS = (
    "--backlog",
    str(BACKLOG),
    "--timeout",
    str(TIMEOUT),
    "--graceful-timeout",
    "5",
    "--reload",
    *(arg for pattern in RELOAD_EXTRA for arg in ("--reload-extra-file", pattern)),
    # gunicorn's start-up, worker and reloader lines stay quiet (errors still
    # show); one line per request, as runserver printed.
    "--log-level",
    "error",
    "--access-logfile",
    "-",
    "--access-logformat",
    '%(t)s "%(r)s" %(s)s %(b)s',
)


def gunicorn_command(
    port: int | str,
    *,
    host: str = "127.0.0.1",
    workers: int = WORKERS,
    options: Sequence[str] = MAKE_RUN_OPTIONS,
) -> list[str]:
    """The gunicorn that ``make run`` starts; the tests start the very same one.

    ``workers`` and ``options`` give the lighter servers of the other tests and
    the benches.
    """
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return [
        str(gunicorn) if gunicorn.exists() else "gunicorn",
        "trekboard.wsgi",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        *options,
    ]


def server_environment(port: int | str, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every ``make run`` step: links in emails follow the port served."""
    env = dict(os.environ if environ is None else environ)
    env["PORT"] = str(port)
    env.setdefault("SITE_URL", f"http://127.0.0.1:{port}")
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """``gunicorn trekboard.wsgi`` in the background on 127.0.0.1, for tests and benches.

    Entering starts it with ``env`` (its output kept in a temporary file, see
    ``output()``) and returns once ``/healthz`` answers 200, so the database
    is reachable too; leaving stops it with SIGTERM, gunicorn's graceful stop,
    and kills it if it is still running 30 s later.
    """

    def __init__(
        self,
        *,
        env: dict[str, str],
        workers: int,
        options: Sequence[str] = (),
        port: int | None = None,
        log_prefix: str = "trekboard-gunicorn-",
    ) -> None:
        self.port = port or free_port()
        self.workers = workers
        self.options = options
        self.env = env  # may still be changed before the server starts
        self.log = tempfile.NamedTemporaryFile(prefix=log_prefix, suffix=".log")
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return gunicorn_command(self.port, workers=self.workers, options=self.options)

    def __enter__(self) -> Gunicorn:
        self.process = subprocess.Popen(
            self.command(), cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log
        )
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start:\n{self.output()}")
            try:
                if _healthz_status(self.port) == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz in {timeout:.0f} s:\n{self.output()}")

    def output(self) -> str:
        """What gunicorn printed so far (its errors, and the app's log lines)."""
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def _healthz_status(port: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _embedded() -> bool:
    return not os.environ.get("DATABASE_URL")


def _stop_embedded() -> None:
    if _embedded():
        from trekboard import embedded_db

        if embedded_db.stop():
            print("Embedded PostgreSQL stopped.", flush=True)


class _Stop(Exception):
    """SIGTERM or SIGHUP: stop as Ctrl-C would."""


def _on_stop_signal(signum: int, frame: object) -> None:
    raise _Stop(signal.Signals(signum).name)


def _finish(child: subprocess.Popen, *, interrupted: bool) -> None:
    """Let the running step end; Ctrl-C reached it already, a SIGTERM is passed on."""
    if child.poll() is None and not interrupted:
        child.send_signal(signal.SIGTERM)
    try:
        child.wait(timeout=15)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _wait_until_listening(server: subprocess.Popen, port: str) -> bool:
    """Whether gunicorn took the port (requests wait in the backlog for its workers)."""
    while server.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", int(port)), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


def worker_command(env: dict[str, str]) -> list[str] | None:
    """``manage.py run_jobs``, when this environment has a job queue (REDIS_URL): else None.

    Without one, jobs run inside gunicorn's workers; with one, ``make run``
    works it too, so emails and imports don't wait for a worker nobody started.
    """
    queue = env.get("JOBS_REDIS_URL", env.get("REDIS_URL", ""))
    return [*MANAGE, "run_jobs"] if queue else None


def serve() -> int:
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _on_stop_signal)
    port = os.environ.get("PORT", "8000")
    env = server_environment(port)
    os.environ.update(env)  # this process stops the embedded database with the same settings
    steps = [
        [*MANAGE, "migrate", "--noinput", "--verbosity", "1"],
        [*MANAGE, "createcachetable", "--verbosity", "0"],
        [*MANAGE, "seed_demo"],
    ]
    child = worker = None
    try:
        for step in steps:
            child = subprocess.Popen(step, cwd=ROOT, env=env)
            if child.wait():
                return child.returncode
        child = subprocess.Popen(gunicorn_command(port), cwd=ROOT, env=env)
        jobs = worker_command(env)
        if jobs is not None:
            worker = subprocess.Popen(jobs, cwd=ROOT, env=env)
        if _wait_until_listening(child, port):
            print(
                f"\nTrekboard is at http://127.0.0.1:{port}/  (gunicorn, {WORKERS} workers"
                f"{' and a job worker' if worker else ''}; code changes reload it; "
                "Ctrl-C stops it)\n"
                "Its discussions on another site's page: python3 -m http.server 8080 -d "
                "docs/embed-example, then http://127.0.0.1:8080/ (README: the embed)\n",
                flush=True,
            )
        return child.wait()
    except (KeyboardInterrupt, _Stop) as stop:
        # Stopping on request is how a development server ends: not an error.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)  # a second Ctrl-C must not skip the clean-up
        for process in (child, worker):
            if process is not None:
                _finish(process, interrupted=isinstance(stop, KeyboardInterrupt))
        return 0
    finally:
        if worker is not None and worker.poll() is None:
            _finish(worker, interrupted=False)
        _stop_embedded()


def test(pytest_args: list[str]) -> int:
    try:
        return subprocess.run([sys.executable, "-m", "pytest", *pytest_args], cwd=ROOT).returncode
    except KeyboardInterrupt:
        return 130
    finally:
        _stop_embedded()


if __name__ == "__main__":
    if sys.argv[1:2] == ["test"]:
        sys.exit(test(sys.argv[2:]))
    sys.exit(serve())
