"""What ``make run`` and ``make test`` do after installing.

``python -m trekboard.dev``: migrate, load the demo once, serve at
http://127.0.0.1:$PORT until Ctrl-C, then stop the embedded database.
``python -m trekboard.dev test [pytest args]``: the whole suite, then stop it.

Each step runs in its own process (as a reader would type them), so the
embedded PostgreSQL is started by the first one and joined by the rest.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANAGE = [sys.executable, str(ROOT / "manage.py")]


def _embedded() -> bool:
    return not os.environ.get("DATABASE_URL")


def _stop_embedded() -> None:
    if _embedded():
        from trekboard import embedded_db

        if embedded_db.stop():
            print("Embedded PostgreSQL stopped.", flush=True)


def _run(args: list[str]) -> None:
    subprocess.run(args, check=True, cwd=ROOT)


def serve() -> int:
    port = os.environ.get("PORT", "8000")
    try:
        _run([*MANAGE, "migrate", "--noinput", "--verbosity", "1"])
        _run([*MANAGE, "createcachetable", "--verbosity", "0"])
        _run([*MANAGE, "seed_demo"])
        print(f"\nTrekboard is at http://127.0.0.1:{port}/  (Ctrl-C stops it)\n", flush=True)
        server = subprocess.Popen([*MANAGE, "runserver", f"127.0.0.1:{port}"], cwd=ROOT)
        try:
            return server.wait()
        except KeyboardInterrupt:
            # The terminal sent Ctrl-C to runserver too; wait for it to finish.
            try:
                return server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.send_signal(signal.SIGTERM)
                return server.wait()
    except subprocess.CalledProcessError as error:
        return error.returncode or 1
    except KeyboardInterrupt:
        return 130
    finally:
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
