"""Premiere night: two app servers, a primary and a streaming replica, Redis, a mixed load.

Stands up what the README's several-machines section runs, on this one machine:

* a throwaway PostgreSQL primary and a streaming replica of it (initdb,
  ``pg_basebackup -R``: the replica tests' ``tests/replication.py``);
* the machine's Redis (``REDIS_URL``, else ``redis://127.0.0.1:6379/0``) for the
  cache, sessions' cache, rate limits and the job queue, under key prefixes and
  a queue name of this run's own;
* two ``gunicorn trekboard.wsgi`` servers ("two machines", ``--workers`` each)
  on two ports, with ``DATABASE_REPLICA_URLS`` naming the replica, and one
  ``manage.py run_jobs`` worker.

Then it drives a mixed load at ``--rate`` requests per second for
``--duration`` seconds, spread over both servers in turn, open-loop (each
request has its moment; a late answer delays no other request, and its time
counts from its moment, so queueing shows): about 90% anonymous reads of the
hot article, 8% signed-in reads of it, 1.5% replies into the same hot thread,
0.5% likes, and the live poll an open page makes. Then the same with one
server, to show that two servers break nothing one relies on (locks, caches,
rate limits, sessions).

It prints one JSON line per kind of request and server count (requests,
requests/s, p50/p90/p99 in ms, errors), then a summary line per server count
with ``errors``, ``lost_writes`` (replies acknowledged with a redirect that
aren't in the database), ``duplicated_writes`` (a reply stored twice) and
``tree_violations`` (``check_comment_tree``'s findings), each of which must
be 0, and whether signed-in p99 stayed under 250 ms. ``--rates 40,80,120``
runs each rate in turn, to find the highest the machine holds. Run from the
repository root::

    .venv/bin/python bench/premiere.py --duration 30
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

SIGNED_IN_P99_MS = 250.0
MIX = (  # kind, share of requests
    ("anonymous_read", 0.88),
    ("signed_in_read", 0.08),
    ("live_poll", 0.02),
    ("reply", 0.015),
    ("like", 0.005),
)
HOT = "premiere-night"
READERS = 60


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30, help="seconds of load per run")
    parser.add_argument(
        "--rates",
        "--rate",
        type=lambda value: [float(rate) for rate in value.split(",")],
        default=[60.0],
        help="requests per second, comma-separated for several runs (default 60)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--comments", type=int, default=2000, help="comments on the hot article")
    parser.add_argument("--threads", type=int, default=48, help="the load generator's threads")
    parser.add_argument("--seed", type=int, default=47)
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 unless every run is clean and held"
    )
    return parser


# --- What the site needs ----------------------------------------------------------


class Site:
    """The cluster, the data, the servers; ``close`` stops them all."""

    def __init__(self, args: argparse.Namespace) -> None:
        from tests.replication import Cluster

        self.args = args
        self.redis = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
        common.log("Standing up a primary and a streaming replica…")
        self.cluster = Cluster().start()
        self.cluster.query("CREATE DATABASE trekboard", name="postgres")
        os.environ["DATABASE_URL"] = self.cluster.url()
        os.environ["REDIS_URL"] = self.redis
        os.environ["JOBS_QUEUE"] = f"premiere-{uuid.uuid4().hex[:10]}"
        os.environ.pop("DATABASE_REPLICA_URLS", None)  # this process writes the data
        common.configure()
        self.processes: list = []

    def prepare(self) -> None:
        from django.contrib.auth import get_user_model
        from django.core.management import call_command

        from comments.models import Comment

        common.log("Migrating and writing the hot article…")
        call_command("migrate", verbosity=0)
        article = common.generate_discussion(
            slug=HOT, comments=self.args.comments, seed=self.args.seed
        )
        self.article_url = article.get_absolute_url()
        # The hot thread: the top-level comment with the most replies, and its subtree.
        top = (
            Comment.objects.filter(article=article, parent=None, status="published")
            .order_by("-descendant_count", "pk")
            .first()
        )
        self.thread = list(
            Comment.objects.filter(tree_id=top.tree_id, status="published").values_list(
                "pk", flat=True
            )
        )
        users = get_user_model()
        self.readers = []
        for number in range(READERS):
            reader = users.objects.create_user(
                f"premiere{number}", f"premiere{number}@example.org", uuid.uuid4().hex
            )
            self.readers.append(_session(reader))
        self.cluster.wait_replayed()

    def start(self, servers: int) -> list[int]:
        from trekboard import dev

        env = {
            **os.environ,
            "DATABASE_URL": self.cluster.url(),
            "DATABASE_REPLICA_URLS": self.cluster.url(replica=True),
            "REDIS_URL": self.redis,
        }
        self.servers = [
            dev.Gunicorn(env=env, workers=self.args.workers, log_prefix="premiere-gunicorn-")
            for _ in range(servers)
        ]
        for server in self.servers:
            common.log(f"Starting {' '.join(server.command())}…")
            server.__enter__()
        self.jobs_log = tempfile.NamedTemporaryFile(prefix="premiere-jobs-", suffix=".log")
        self.jobs = subprocess.Popen(
            [sys.executable, "manage.py", "run_jobs", "--log-level", "INFO"],
            cwd=common.ROOT,
            env=env,
            stdout=self.jobs_log,
            stderr=self.jobs_log,
        )
        self.poll_url = _live_poll(self.servers[0].port, self.article_url)
        return [server.port for server in self.servers]

    def stop(self) -> None:
        for server in getattr(self, "servers", []):
            server.__exit__()
        self.servers = []
        if getattr(self, "jobs", None) is not None:
            self.jobs.terminate()  # a warm stop: the job under way finishes first
            try:
                self.jobs.wait(20)
            except subprocess.TimeoutExpired:
                self.jobs_log.flush()
                tail = Path(self.jobs_log.name).read_text(errors="replace")[-2000:]
                common.log(f"The job worker did not stop in 20 s; killing it. Its log:\n{tail}")
                self.jobs.kill()
                self.jobs.wait(10)
            self.jobs = None

    def close(self) -> None:
        self.stop()
        from django.db import connections

        connections.close_all()
        common._forget_cached_pages()
        self.cluster.stop()


def _session(reader) -> dict[str, str]:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(reader)
    csrf = uuid.uuid4().hex  # a 32-character secret, as Django's cookie holds
    return {
        settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
        "csrftoken": csrf,
    }


def _live_poll(port: int, article_url: str) -> str:
    import re
    from html import unescape

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", article_url)
        page = connection.getresponse().read().decode()
    finally:
        connection.close()
    found = re.search(r'data-live-poll hx-get="([^"]+)"', page)
    return unescape(found.group(1)) if found else ""


# --- The load -----------------------------------------------------------------------


class Load:
    """Open-loop: request i is due at start + i / rate, whichever thread sends it."""

    def __init__(self, site: Site, ports: list[int], rate: float, seconds: float, seed: int):
        self.site, self.ports, self.rate, self.seconds = site, ports, rate, seconds
        self.random = random.Random(seed)  # noqa: S311 - a load's mix, not a secret
        self.total = int(rate * seconds)
        kinds, shares = zip(*MIX, strict=True)
        self.plan = self.random.choices(kinds, weights=shares, k=self.total)
        if site.poll_url == "":
            self.plan = ["anonymous_read" if k == "live_poll" else k for k in self.plan]
        self.next = 0
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter = Counter()
        self.acknowledged: list[str] = []
        self.run_id = uuid.uuid4().hex[:8]

    def run(self, threads: int) -> float:
        self.start = time.monotonic() + 0.2
        workers = [threading.Thread(target=self._work, daemon=True) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return time.monotonic() - self.start

    def _work(self) -> None:
        connections: dict[int, http.client.HTTPConnection] = {}
        chooser = random.Random()  # noqa: S311
        while True:
            with self.lock:
                index = self.next
                self.next += 1
            if index >= self.total:
                break
            due = self.start + index / self.rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            kind = self.plan[index]
            port = self.ports[index % len(self.ports)]
            try:
                ok = self._send(kind, port, index, chooser, connections)
            except (OSError, http.client.HTTPException):
                connections.pop(port, None)
                ok = False
            elapsed = (time.monotonic() - due) * 1000
            with self.lock:
                self.samples[kind].append(elapsed)
                if not ok:
                    self.errors[kind] += 1

    def _send(self, kind, port, index, chooser, connections) -> bool:
        site = self.site
        connection = connections.get(port)
        if connection is None:
            connection = connections[port] = http.client.HTTPConnection(
                "127.0.0.1", port, timeout=30
            )
        headers = {"Accept-Encoding": "gzip"}
        body = None
        if kind == "anonymous_read":
            method, path, expected = "GET", site.article_url, {200}
        elif kind == "live_poll":
            method, path, expected = "GET", site.poll_url, {200, 204, 286}
            headers["HX-Request"] = "true"
        else:
            cookies = chooser.choice(site.readers)
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
            if kind == "signed_in_read":
                method, path, expected = "GET", site.article_url, {200}
            else:
                method, expected = "POST", {302}
                parent = chooser.choice(site.thread)
                form = {"csrfmiddlewaretoken": cookies["csrftoken"]}
                if kind == "reply":
                    text = f"Premiere reply {self.run_id}-{index}: the cliffhanger!"
                    path = f"/comments/{parent}/reply/"
                    form |= {"body": text, "website": ""}
                else:
                    path = f"/comments/{parent}/like/"
                body = urlencode(form)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.getheader("Connection", "").lower() == "close":
            connections.pop(port, None)
        if response.status in expected and kind == "reply":
            with self.lock:
                self.acknowledged.append(text)
        return response.status in expected


def check_writes(load: Load) -> dict[str, int]:
    """Acknowledged replies missing or doubled in the primary, and the trees' violations."""
    from comments.management.commands.check_comment_tree import find_violations
    from comments.models import Comment

    stored = Counter(
        Comment.objects.filter(body__startswith=f"Premiere reply {load.run_id}-").values_list(
            "body", flat=True
        )
    )
    acknowledged = set(load.acknowledged)
    return {
        "lost_writes": sum(1 for text in acknowledged if text not in stored),
        "duplicated_writes": sum(count - 1 for count in stored.values() if count > 1),
        "tree_violations": len(find_violations()),
    }


def run_once(site: Site, args, servers: int, rate: float) -> list[dict]:
    ports = site.start(servers)
    try:
        for _ in range(10):  # every worker has drawn the page and holds its connections
            for port in ports:
                _get(port, site.article_url)
        common.log(f"{servers} server(s), {rate:g} requests/s for {args.duration:g} s…")
        load = Load(site, ports, rate, args.duration, args.seed)
        elapsed = load.run(args.threads)
    finally:
        site.stop()
    lines = []
    for kind, _ in MIX:
        samples = load.samples.get(kind, [])
        if not samples:
            continue
        lines.append(
            common.emit(
                {
                    "bench": "premiere",
                    "servers": servers,
                    "rate": rate,
                    "kind": kind,
                    "requests": len(samples),
                    "requests_per_second": round(len(samples) / elapsed, 1),
                    "p50_ms": round(common.percentile(samples, 0.50), 1),
                    "p90_ms": round(common.percentile(samples, 0.90), 1),
                    "p99_ms": round(common.percentile(samples, 0.99), 1),
                    "errors": load.errors.get(kind, 0),
                }
            )
        )
    writes = check_writes(load)
    signed_in = load.samples.get("signed_in_read", [])
    signed_in_p99 = round(common.percentile(signed_in, 0.99), 1) if signed_in else None
    errors = sum(load.errors.values())
    summary = {
        "bench": "premiere_summary",
        "servers": servers,
        "rate": rate,
        "seconds": round(elapsed, 1),
        "requests": sum(len(s) for s in load.samples.values()),
        "requests_per_second": round(sum(len(s) for s in load.samples.values()) / elapsed, 1),
        "errors": errors,
        **writes,
        "replies_acknowledged": len(load.acknowledged),
        "signed_in_p99_ms": signed_in_p99,
        "held": errors == 0
        and not any(writes.values())
        and signed_in_p99 is not None
        and signed_in_p99 < SIGNED_IN_P99_MS,
    }
    lines.append(common.emit(summary))
    return lines


def _get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def main() -> None:
    args = _parser().parse_args()
    site = Site(args)
    lines = []
    try:
        site.prepare()
        common.environment(
            "premiere",
            duration=args.duration,
            rates=args.rates,
            workers_per_server=args.workers,
            comments=args.comments,
            replica="streaming (pg_basebackup -R), same machine",
        )
        for rate in args.rates:
            for servers in (2, 1):
                lines += run_once(site, args, servers, rate)
    finally:
        site.close()
    summaries = [line for line in lines if line["bench"] == "premiere_summary"]
    held = [line["rate"] for line in summaries if line["servers"] == 2 and line["held"]]
    common.emit(
        {
            "bench": "premiere_highest_rate_held",
            "servers": 2,
            "rate": max(held) if held else None,
            "signed_in_p99_limit_ms": SIGNED_IN_P99_MS,
        }
    )
    clean = all(
        line["errors"] == 0
        and line["lost_writes"] == 0
        and line["duplicated_writes"] == 0
        and line["tree_violations"] == 0
        for line in summaries
    )
    if args.strict and not (clean and all(line["held"] for line in summaries)):
        sys.exit(1)
    if not clean:
        sys.exit(1)


if __name__ == "__main__":
    main()
