"""Throughput and latency of the article page under concurrent load, against gunicorn.

Generates a discussion of ``--comments`` comments (default 1,000) with
``manage.py generate_discussion`` in a throwaway database (created and migrated
here, dropped at the end) on the server ``DATABASE_URL`` names, or the embedded
one when it is unset. Then starts ``gunicorn trekboard.wsgi`` with
``--workers`` sync workers (default: twice the cores, 2 to 4) on a free port,
DEBUG off, and loads three URLs of that same gunicorn one after the other:

* ``trivial``: ``/healthz``, the smallest view there is. It is not free: it runs
  ``SELECT 1``, so it shows the ceiling of gunicorn, Django's middleware and one
  database round trip;
* ``article_page`` by an anonymous reader (served from the page cache when there
  is one: Redis when ``REDIS_URL`` is set, else the database cache table);
* ``article_page`` by a signed-in reader (a session cookie);
* ``live_poll``: the question an open article page asks every few seconds
  ("anything new?", ``comments:live`` with htmx's header), answered from the
  cache while nothing changed, as during the run (a 204).

The load tool is wrk (``wrk -t2 -c16 -d10s --latency`` by default), installed
with apt-get when missing and running as root; without it, a small Python
generator (threads with keep-alive http.client connections) stands in. Each
line says which tool measured it. The load tool runs on the same machine,
sharing its cores with gunicorn and PostgreSQL.

Every request says ``Accept-Encoding: gzip``, as every browser's does, so pages
that are served compressed (the cached anonymous page) are measured as readers
get them. Each line records that (``accept_encoding``), the response's
``content_encoding`` and ``bytes``, its body's size as sent (compressed, if it
was), from one request made before the load.

Targets (issue 20): the cached anonymous article page reaches at least 60% of
the trivial view's requests per second, and a signed-in reader's page at least
30% of the cached anonymous page's, with a 99th percentile under 100 ms. The
live poll (issue 16) reaches at least 90% of the trivial view's: as cheap as
anything this server answers. Run
from the repository root::

    .venv/bin/python bench/load.py --duration 10 --connections 16 --workers 4
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common
from trekboard import dev

SLUG = "bench-load"
READER = "bench-load-reader"
THROUGHPUT_SHARE = 0.6  # the cached anonymous page, of the trivial view's (issue 20)
SIGNED_IN_SHARE = 0.3  # a signed-in reader's page, of the cached anonymous page's
SIGNED_IN_P99_MS = 100.0
LIVE_POLL_SHARE = 0.9  # the quiet live poll, of the trivial view's (issue 16)
ACCEPT_ENCODING = "gzip"  # what every browser asks for (they add deflate, br, zstd)
TIMEOUT = 30  # seconds, gunicorn's own worker timeout


# --- gunicorn ---------------------------------------------------------------


class Gunicorn(dev.Gunicorn):
    """``gunicorn trekboard.wsgi`` on the bench's database and settings, stopped on exit."""

    def __init__(self, *, database: str, workers: int, port: int | None = None) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "BENCH_DATABASE_NAME": database,
        }
        super().__init__(env=env, workers=workers, port=port, log_prefix="bench-gunicorn-")

    def __enter__(self) -> Gunicorn:
        common.log(f"Starting {' '.join(self.command())}…")
        return super().__enter__()


def request_headers(cookie: str = "", *, htmx: bool = False) -> dict[str, str]:
    """What a browser sends that matters here: gzip accepted, the reader's cookie, htmx's mark."""
    headers = {"Accept-Encoding": ACCEPT_ENCODING} | ({"Cookie": cookie} if cookie else {})
    return headers | ({"HX-Request": "true"} if htmx else {})


def fetch(url: str, *, cookie: str = "", htmx: bool = False) -> tuple[int, int, str, str | None]:
    """One GET as a browser makes it: status, body size as sent, content encoding, X-Page-Cache."""
    match = re.match(r"http://([^/:]+):(\d+)(/.*)", url)
    host, port, path = match.group(1), int(match.group(2)), match.group(3)
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.request("GET", path, headers=request_headers(cookie, htmx=htmx))
        response = connection.getresponse()
        encoding = response.getheader("Content-Encoding", "identity")
        served = response.getheader("X-Page-Cache")
        return response.status, len(response.read()), encoding, served
    finally:
        connection.close()


# --- Load tools -------------------------------------------------------------


def find_wrk(*, install: bool = True) -> str | None:
    """wrk's path; installed with apt-get when missing, if we are root and may."""
    found, apt_get = shutil.which("wrk"), shutil.which("apt-get")
    if found or not install or os.geteuid() != 0 or not apt_get:
        return found
    common.log("wrk is missing; installing it with apt-get…")
    install_wrk = [apt_get, "install", "-y", "wrk"]
    if subprocess.run(install_wrk, capture_output=True, check=False).returncode:  # noqa: S603
        subprocess.run([apt_get, "update"], capture_output=True, check=False)  # noqa: S603
        subprocess.run(install_wrk, capture_output=True, check=False)  # noqa: S603
    return shutil.which("wrk")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return round(float(number) * _UNITS[unit], 2)


def parse_wrk(output: str) -> dict:
    """Requests per second, latency percentiles and errors from ``wrk --latency`` output."""
    figures: dict = {}
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rate is None:
        raise RuntimeError(f"wrk printed no Requests/sec:\n{output}")
    figures["requests_per_second"] = round(float(rate.group(1)), 1)
    for percent, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.M):
        figures[f"p{percent}_ms"] = _ms(value)
    total = re.search(r"(\d+) requests in ([\d.]+\w+)", output)
    if total:
        figures["requests"] = int(total.group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    figures["non_2xx"] = int(bad.group(1)) if bad else 0
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    figures["socket_errors"] = sum(int(n) for n in errors.groups()) if errors else 0
    return figures


def run_wrk(
    wrk: str, url: str, *, cookie: str, threads: int, connections: int, seconds: int, htmx: bool
):
    # wrk's 2 s default timeout would drop the slow requests from the percentiles.
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command += ["--timeout", f"{TIMEOUT}s"]
    for name, value in request_headers(cookie, htmx=htmx).items():
        command += ["-H", f"{name}: {value}"]
    result = subprocess.run(  # noqa: S603 - wrk with our own arguments
        [*command, url], capture_output=True, text=True, check=True
    )
    return {"tool": "wrk " + wrk_version(wrk), **parse_wrk(result.stdout)}


def wrk_version(wrk: str) -> str:
    result = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)  # noqa: S603
    match = re.search(r"wrk (\S+)", result.stdout + result.stderr)
    return match.group(1) if match else "?"


def run_python(url: str, *, cookie: str, connections: int, seconds: float, htmx: bool) -> dict:
    """A small stand-in for wrk: ``connections`` threads, each with a keep-alive connection."""
    match = re.match(r"http://([^/:]+):(\d+)(/.*)", url)
    host, port, path = match.group(1), int(match.group(2)), match.group(3)
    headers = request_headers(cookie, htmx=htmx)
    latencies: list[float] = []
    failures = [0, 0]  # non-2xx/3xx, socket errors
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker() -> None:
        mine: list[float] = []
        bad = errors = 0
        connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
        while time.perf_counter() < stop:
            began = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    bad += 1
                if response.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()
                continue
            mine.append(time.perf_counter() - began)
        connection.close()
        with lock:
            latencies.extend(mine)
            failures[0] += bad
            failures[1] += errors

    began = time.perf_counter()
    workers = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - began
    if not latencies:
        raise RuntimeError(f"No request to {url} succeeded.")
    return {
        "tool": "python threads (http.client)",
        "requests_per_second": round(len(latencies) / elapsed, 1),
        **{
            f"p{percent}_ms": round(common.percentile(latencies, percent / 100) * 1000, 2)
            for percent in (50, 75, 90, 99)
        },
        "requests": len(latencies),
        "non_2xx": failures[0],
        "socket_errors": failures[1],
    }


# --- The run ----------------------------------------------------------------


def signed_in_cookie(reader) -> str:
    """A session cookie of ``reader``, stored in the database gunicorn reads."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(reader)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def live_poll_url(base: str, article_url: str) -> str:
    """The poll of the article page as this server draws it: what an open page asks while quiet."""
    from html import unescape

    match = re.match(r"http://([^/:]+):(\d+)", base)
    connection = http.client.HTTPConnection(match.group(1), int(match.group(2)), timeout=30)
    try:
        connection.request("GET", article_url)  # no gzip: the markup is read here
        page = connection.getresponse().read().decode()
    finally:
        connection.close()
    found = re.search(r'id="live-poll" hidden data-live-poll hx-get="([^"]+)"', page)
    if found is None:
        raise RuntimeError(f"{article_url} has no live poll.")
    return unescape(found.group(1))


def load(
    *,
    base: str,
    article_url: str,
    poll_url: str,
    cookie: str,
    tool: str,
    connections: int,
    threads: int,
    seconds: float,
    warmup: int = 20,
) -> list[dict]:
    """Load each URL in turn and print one line per URL, then the target; returns them."""
    cases = (
        ("trivial", "/healthz", "anonymous", ""),
        ("article_page", article_url, "anonymous", ""),
        ("article_page", article_url, "signed_in", cookie),
        ("live_poll", poll_url, "anonymous", ""),
    )
    lines = []
    for page, path, user, cookie_header in cases:
        url = base + path
        htmx = page == "live_poll"
        for _ in range(warmup):  # every worker renders (and the cache holds) the page first
            status, size, encoding, served = fetch(url, cookie=cookie_header, htmx=htmx)
            if status != (204 if htmx else 200):
                raise RuntimeError(f"GET {url} answered {status}.")
        common.log(f"Loading {page} ({user}) for {seconds:g} s…")
        if tool == "python":
            figures = run_python(
                url, cookie=cookie_header, connections=connections, seconds=seconds, htmx=htmx
            )
        else:
            figures = run_wrk(
                tool,
                url,
                cookie=cookie_header,
                threads=threads,
                connections=connections,
                seconds=max(int(seconds), 1),
                htmx=htmx,
            )
        line = {
            "bench": "load",
            "page": page,
            "path": path,
            "user": user,
            "connections": connections,
            "seconds": seconds,
            "accept_encoding": ACCEPT_ENCODING,
            "content_encoding": encoding,
            "bytes": size,
            # How the page was made (comments/pagecache.py, comments/overlay.py): "hit",
            # "personal", or rendered in full (null).
            "x_cache": served,
            **figures,
        }
        lines.append(common.emit(line))
    trivial, anonymous = lines[0]["requests_per_second"], lines[1]["requests_per_second"]
    signed_in, signed_in_p99 = lines[2]["requests_per_second"], lines[2]["p99_ms"]
    ratio = round(anonymous / trivial, 3) if trivial else None
    lines.append(
        common.target(
            "cached_anonymous_page>=60%_of_trivial_throughput",
            ratio is not None and ratio >= THROUGHPUT_SHARE,
            ratio=ratio,
            article_page_rps=anonymous,
            trivial_rps=trivial,
        )
    )
    # The poll against the floor of what this server answers (/healthz, one
    # round trip too): the cached page is itself within 1.5x of that floor, so
    # "several times cheaper than the cached page" has no room to be.
    poll = lines[3]["requests_per_second"]
    lines.append(
        common.target(
            "live_poll>=90%_of_trivial_throughput",
            bool(trivial) and poll >= LIVE_POLL_SHARE * trivial,
            ratio=round(poll / trivial, 3) if trivial else None,
            live_poll_rps=poll,
            trivial_rps=trivial,
            of_cached_page=round(poll / anonymous, 2) if anonymous else None,
        )
    )
    share = round(signed_in / anonymous, 3) if anonymous else None
    lines.append(
        common.target(
            "signed_in_page>=30%_of_cached_anonymous_throughput_p99<100ms",
            share is not None and share >= SIGNED_IN_SHARE and signed_in_p99 < SIGNED_IN_P99_MS,
            ratio=share,
            signed_in_rps=signed_in,
            signed_in_p99_ms=signed_in_p99,
            article_page_rps=anonymous,
        )
    )
    return lines


def run(
    *,
    comments: int,
    workers: int,
    connections: int,
    threads: int,
    seconds: float,
    seed: int,
    tool: str,
    warmup: int = 20,
) -> list[dict]:
    """Generate the discussion, start gunicorn on this database, load it; returns the lines.

    Precondition: the data must be committed (gunicorn reads it from its own
    connections), so not inside a test's transaction.
    """
    import random

    from django.contrib.auth import get_user_model
    from django.db import connection

    from bench.article_page import analyse, prepare_reader

    article = common.generate_discussion(slug=SLUG, comments=comments, seed=seed)
    reader = get_user_model().objects.create_user(READER, f"{READER}@example.org")
    prepare_reader(reader, article, random.Random(seed))  # noqa: S311 - bench data
    analyse()
    cookie = signed_in_cookie(reader)
    with Gunicorn(database=connection.settings_dict["NAME"], workers=workers) as server:
        lines = load(
            base=server.base,
            article_url=article.get_absolute_url(),
            poll_url=live_poll_url(server.base, article.get_absolute_url()),
            cookie=cookie,
            tool=tool,
            connections=connections,
            threads=threads,
            seconds=seconds,
            warmup=warmup,
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=1_000, help="the article's discussion")
    parser.add_argument("--workers", type=int, default=dev.WORKERS)
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--duration", type=float, default=10, help="seconds per URL")
    parser.add_argument("--seed", type=int, default=47)
    parser.add_argument(
        "--tool", choices=("wrk", "python"), default="wrk", help="python: skip wrk even if present"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when the throughput target is missed"
    )
    args = parser.parse_args()

    common.configure()
    tool = find_wrk() if args.tool == "wrk" else None
    with common.throwaway_database("load"):
        common.environment(
            "load",
            comments=args.comments,
            workers=args.workers,
            connections=args.connections,
            duration=args.duration,
            tool=f"wrk {wrk_version(tool)}" if tool else "python threads (http.client)",
        )
        lines = run(
            comments=args.comments,
            workers=args.workers,
            connections=args.connections,
            threads=args.threads,
            seconds=args.duration,
            seed=args.seed,
            tool=tool or "python",
        )
    if args.strict and any(line.get("ok") is False for line in lines):
        sys.exit(1)


if __name__ == "__main__":
    main()
