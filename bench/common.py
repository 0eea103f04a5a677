"""What the bench scripts share: fair settings, a throwaway database, figures as JSON lines.

Every script prints one JSON object per line on stdout (and appends it to the
file ``BENCH_OUTPUT`` names, when set); progress goes to stderr. Each run
starts with an ``environment`` line saying what the figures were measured on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Forced, not defaulted: a shell left with DEBUG=true or rate limits on would
# make the figures of two runs incomparable. Development mode, because
# production refuses RATE_LIMITS=off; DEBUG off, as production runs.
BENCH_ENV = {
    "TREKBOARD_ENV": "development",
    "DEBUG": "false",
    "RATE_LIMITS": "off",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    # Notification emails would otherwise be printed among the JSON lines.
    "EMAIL_URL": "dummymail://",
    "LOG_LEVEL": "WARNING",
}


def configure() -> None:
    """Set the bench environment and set Django up with bench.settings."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.update(BENCH_ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("BENCH_CACHE_PREFIX", f"bench-{os.getpid()}-{int(time.time())}")
    # With DEBUG off, whitenoise warns that collectstatic never ran; pages don't need it.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    import django

    django.setup()


def log(message: str) -> None:
    """Progress for the person waiting; stdout is kept for the JSON lines."""
    print(message, file=sys.stderr, flush=True)


def emit(record: dict) -> dict:
    line = json.dumps(record, ensure_ascii=False)
    print(line, flush=True)
    output = os.environ.get("BENCH_OUTPUT")
    if output:
        with Path(output).open("a", encoding="utf-8") as out:
            out.write(line + "\n")
    return record


def target(name: str, ok: bool | None, **details) -> dict:
    """A target's verdict; ``ok`` is None when this run didn't measure what it needs."""
    return emit({"target": name, "ok": ok, **details})


GROWTH_LIMIT = 1.5


def growth_target(name: str, ratios: dict[str, float] | None, *, needs: str) -> dict:
    """A "the big size within 1.5x of the small one" verdict; None ratios: not measured."""
    if ratios is None:
        return target(name, None, skipped=f"needs sizes {needs}")
    return target(name, all(r <= GROWTH_LIMIT for r in ratios.values()), ratio=ratios)


def percentile(samples: list[float], share: float) -> float:
    """The ``share`` (0-1) percentile, interpolated between the nearest samples."""
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def timings(seconds: list[float]) -> dict:
    """Median, 90th percentile and fastest of samples in seconds, as milliseconds."""
    return {
        "median_ms": round(statistics.median(seconds) * 1000, 2),
        "p90_ms": round(percentile(seconds, 0.9) * 1000, 2),
        "min_ms": round(min(seconds) * 1000, 2),
    }


def _git_revision() -> str | None:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH, fixed args
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+uncommitted" if dirty else "")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def database_description() -> str:
    from django.db import connection

    major, rest = divmod(connection.pg_version, 10000)
    version = f"PostgreSQL {major}.{rest % 100}"
    if os.environ.get("DATABASE_URL"):
        host = connection.settings_dict.get("HOST") or "local socket"
        return f"{version} server at {host}"
    return f"{version} embedded (pgserver)"


def cache_description() -> str:
    from django.conf import settings

    backend = settings.CACHES["default"]["BACKEND"]
    if "redis" in backend.lower():
        return "redis (REDIS_URL)"
    if backend.endswith("DatabaseCache"):
        return "database cache table (REDIS_URL unset)"
    return backend


def environment(script: str, **options) -> dict:
    """The run's first line: when, on what, with which options."""
    import django

    return emit(
        {
            "bench": "environment",
            "script": script,
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "revision": _git_revision(),
            "cores": os.cpu_count(),
            "cpu": _cpu_model(),
            "database": database_description(),
            "cache": cache_description(),
            "python": platform.python_version(),
            "django": django.get_version(),
            **options,
        }
    )


@contextmanager
def throwaway_database(script: str) -> Iterator[None]:
    """A database of this run, migrated, on the server the settings name; dropped afterwards.

    The server is the one ``DATABASE_URL`` names, or the embedded one when it is
    unset (as bench/import_bench.py does).
    """
    from django.conf import settings
    from django.db import connections
    from django.test.utils import setup_databases, teardown_databases

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = f"bench_{script}_{os.getpid()}"
    log(f"Creating and migrating the throwaway database bench_{script}_{os.getpid()}…")
    # createcachetable, run by setup_databases, talks on stdout, kept for the JSON lines.
    with redirect_stdout(sys.stderr):
        old = setup_databases(
            verbosity=0, interactive=False, keepdb=False, serialized_aliases=set()
        )
    try:
        yield
    finally:
        _forget_cached_pages()
        connections.close_all()
        teardown_databases(old, verbosity=0)


def _forget_cached_pages() -> None:
    """Delete this run's keys from a Redis cache (a database cache goes with the database)."""
    from django.conf import settings
    from django.core.cache import caches

    for alias, config in settings.CACHES.items():
        if "redis" not in config["BACKEND"].lower() or not config.get("KEY_PREFIX"):
            continue
        try:
            client = caches[alias]._cache.get_client(write=True)
            keys = list(client.scan_iter(match=f"{config['KEY_PREFIX']}:*", count=1000))
            if keys:
                client.delete(*keys)
        except Exception as error:
            log(f"Could not delete this run's cache keys from {alias!r}: {error}")


def generate_discussion(*, slug: str, comments: int, seed: int) -> object:
    """An article with ``comments`` comments, made by ``manage.py generate_discussion``."""
    from django.core.management import call_command

    from articles.models import Article

    began = time.perf_counter()
    call_command("generate_discussion", article=slug, comments=comments, seed=seed, verbosity=0)
    log(f"Generated {comments:,} comments on {slug} in {time.perf_counter() - began:.1f} s.")
    return Article.objects.get(slug=slug)


def sized_arguments(
    doc: str, *, sizes: tuple[int, ...], repeat: int, warmup: int, measured: str
) -> argparse.ArgumentParser:
    """The options of every bench run at several sizes (--sizes, --repeat, --warmup, --seed...).

    ``doc`` is the script's docstring (its first paragraph describes it);
    ``measured`` names what ``--repeat`` counts ("requests per variant").
    """
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=lambda value: [int(size) for size in value.split(",")],
        default=list(sizes),
        help=f"comma-separated sizes (default: {','.join(str(size) for size in sizes)})",
    )
    parser.add_argument("--repeat", type=int, default=repeat, help=f"measured {measured}")
    parser.add_argument("--warmup", type=int, default=warmup, help="unmeasured ones first")
    parser.add_argument("--seed", type=int, default=47)
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a measured target is missed"
    )
    return parser


def measure_on_throwaway_database(
    script: str, args: argparse.Namespace, measure: Callable[[], list[dict]]
) -> None:
    """Run ``measure`` on a throwaway database, after the environment line; --strict exits 1."""
    configure()
    with throwaway_database(script):
        environment(script, sizes=args.sizes, repeat=args.repeat)
        lines = measure()
    if args.strict and any(line.get("ok") is False for line in lines):
        sys.exit(1)
