"""The discussion API beside Isso, on the same discussions, in one run: the ratios.

What an embedded comment widget fetches first: Trekboard's
``GET /api/v1/discussions/{id}/comments`` (``api/reads.py``: the first page of
the tree, 50 top-level threads in the Best sort, 10 replies a level, at most
200 comments) and Isso's ``GET /?uri=/peer-N&nested_limit=5`` (what its embed
asks: every top-level comment, oldest first, each with its first 5 replies),
both for an anonymous reader, both in-process (no network, no HTTP server):

1. loads the peers' discussions (``../shared/peers/discussion_N.json``, the
   files ``bench/vs_peers.py`` uses) into a throwaway Trekboard database
   through the importer's writer (``vs_peers.load_discussion``), and, for
   Trekboard alone, a ``--large`` discussion (default 100,000 comments) made
   by ``manage.py generate_discussion`` (``common.generate_discussion``):
   Isso can't sensibly load or answer one that size, its fetch returns every
   top-level comment and renders each one's Markdown on every request;
2. loads the same files into Isso's SQLite with the shared loader
   (``../shared/peers/isso_load.py``), twice: with the real parents
   (``tree``: Isso's fetch then returns the top-level comments and their
   direct replies only) and ``--flat`` (every reply re-parented to its
   top-level comment, as Isso's own POST stores them, so its fetch can reach
   all N), each into a database of its own;
3. measures Trekboard's endpoint with ``django.test.Client``, three ways:
   ``uncached`` (the discussion's cache version replaced before each request,
   outside the timing, as a write does: each request is a miss that reads
   the database, serialises and stores the answer), ``cached`` (the normal
   anonymous path: served from the shared cache) and ``304`` (the cached
   path with ``If-None-Match`` naming the current ETag); queries counted with
   ``CaptureQueriesContext``;
4. runs Isso (``isso.make_app(conf)``, the WSGI app ``isso run`` serves, its
   start-up check of the website skipped) in a child process inside its own
   throwaway virtualenv, called with ``werkzeug.test.Client``; its SQLite
   statements are counted by wrapping ``isso.db.SQLite3.execute`` (each one
   opens a connection of its own);
5. measures Trekboard again and takes the mean of its two medians (and
   p90s), so a machine that speeds up or slows down during the run moves
   both sides alike (A-B-A, as ``bench/vs_peers.py`` does);
6. prints a table and one line per size with both medians and the ratio
   (Isso's time over Trekboard's uncached time) on stderr, the figures as
   JSON lines on stdout, and a check that Trekboard's uncached request runs
   as many queries at the large size as at the smallest.

Per variant: ``--warmup`` unmeasured requests, then ``--repeat`` measured ones
(Isso: as many as fit in ``--isso-budget-s`` seconds per size and data set,
at least 5). Bytes are the body as sent without ``Accept-Encoding`` (neither
compresses then), and ``gzip_bytes`` what ``gzip -6`` makes of it. Isso goes
into ``$TMPDIR/trekboard-peer-isso/venv`` (``ISSO_WORK``; made on first use,
about half a minute, needs PyPI), never the project's virtualenv. Run from the
repository root::

    .venv/bin/python bench/embed_vs_isso.py --sizes 100,1000 --large 100000
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

CHILD_FLAG = "--isso-child"
ISSO_REQUIREMENT = "isso==0.14.0"  # the version ../shared/peers/isso_load.py writes for
ISSO_WORK = Path(os.environ.get("ISSO_WORK") or Path(tempfile.gettempdir()) / "trekboard-peer-isso")
ISSO_MIN_REQUESTS = 5
ISSO_FILE_SIZES = (100, 1_000, 5_000)  # the loader loads all three
NESTED_LIMIT = 5  # what Isso's embed asks for
SIZES = (100, 1_000)
LARGE = 100_000
TREKBOARD_VARIANTS = ("uncached", "cached", "304")
ISSO_VARIANTS = ("tree", "flat")


def _count_comments(nodes: list[dict], key: str) -> int:
    return sum(1 + _count_comments(node.get(key) or [], key) for node in nodes)


def _gzip_size(body: bytes) -> int:
    import gzip

    return len(gzip.compress(body, compresslevel=6, mtime=0))


# ---------------------------------------------------------------------------
# The child: Isso in its own virtualenv (stdlib, isso and werkzeug only).


def isso_child(argv: list[str]) -> None:
    import argparse
    import logging
    from importlib.metadata import version
    from urllib.parse import urlencode

    parser = argparse.ArgumentParser()
    parser.add_argument(CHILD_FLAG, action="store_true")
    parser.add_argument("--config", required=True)
    parser.add_argument("--variant", required=True)
    parser.add_argument("--uris", required=True, help="comma-separated: size=uri")
    parser.add_argument("--repeat", type=int, required=True)
    parser.add_argument("--warmup", type=int, required=True)
    parser.add_argument("--budget-s", type=float, required=True)
    args = parser.parse_args(argv)

    from isso import config, db, make_app
    from isso.utils import http
    from werkzeug.test import Client

    class NoWebsiteCheck:
        """make_app asks the configured website for HEAD / once: no network here."""

        def __init__(self, *args, **kwargs) -> None:
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> bool:
            return False

    http.curl = NoWebsiteCheck
    # Isso logs its set-up at INFO, some of it on the root logger.
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("isso").setLevel(logging.WARNING)

    statements = [0]
    execute = db.SQLite3.execute

    def counted(self, sql, args=()):
        statements[0] += 1
        return execute(self, sql, args)

    db.SQLite3.execute = counted

    conf = config.load(config.default_file(), args.config)
    client = Client(make_app(conf))
    for pair in args.uris.split(","):
        size, uri = pair.split("=", 1)
        path = "/?" + urlencode({"uri": uri, "nested_limit": NESTED_LIMIT})

        def get(path=path):
            statements[0] = 0
            began = time.perf_counter()
            response = client.get(path)
            body = response.get_data()
            elapsed = time.perf_counter() - began
            if response.status_code != 200:
                raise RuntimeError(f"Isso answered {response.status_code} to {path}: {body[:300]}")
            return elapsed, statements[0], body

        for _ in range(args.warmup):
            get()
        samples, queries, body = [], 0, b""
        budget_ends = time.perf_counter() + args.budget_s
        while len(samples) < args.repeat and (
            len(samples) < ISSO_MIN_REQUESTS or time.perf_counter() < budget_ends
        ):
            elapsed, queries, body = get()
            samples.append(elapsed)
        answer = json.loads(body)
        print(
            json.dumps(
                {
                    "comments": int(size),
                    "variant": args.variant,
                    "path": path,
                    "samples": samples,
                    "queries": queries,
                    "bytes": len(body),
                    "gzip_bytes": _gzip_size(body),
                    "comments_shown": _count_comments(answer["replies"], "replies"),
                    "top_level_shown": len(answer["replies"]),
                    "total_replies": answer.get("total_replies"),
                    "isso": version("isso"),
                    "werkzeug": version("werkzeug"),
                }
            ),
            flush=True,
        )


if CHILD_FLAG in sys.argv[1:]:
    if __name__ == "__main__":
        isso_child(sys.argv[1:])
        sys.exit(0)
else:
    if __package__ in (None, ""):
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench import article_page, common, vs_peers


# ---------------------------------------------------------------------------
# The parent (the project's Python): Isso's virtualenv and data, Trekboard, the report.


def ensure_isso_venv(venv: Path) -> Path:
    """The throwaway virtualenv's Python with Isso in it, made and filled on first use."""
    import shutil
    import subprocess

    python = venv / "bin" / "python"
    stamp = venv / "embed-vs-isso-requirements.txt"
    if python.exists() and stamp.exists() and stamp.read_text() == ISSO_REQUIREMENT + "\n":
        return python
    if not python.exists():
        base = shutil.which("python3") or sys.executable
        common.log(f"Creating the throwaway virtualenv {venv} ({base} -m venv)…")
        venv.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([base, "-m", "venv", str(venv)], check=True)  # noqa: S603
    common.log(f"Installing {ISSO_REQUIREMENT} into it…")
    subprocess.run(  # noqa: S603 - pip of our own virtualenv, a fixed requirement
        [
            str(python),
            *("-m", "pip", "install", "--quiet", "--disable-pip-version-check"),
            ISSO_REQUIREMENT,
        ],
        check=True,
    )
    stamp.write_text(ISSO_REQUIREMENT + "\n")
    return python


def _isso_env() -> dict[str, str]:
    return {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH", "DATABASE_URL", "ISSO_SETTINGS")
    }


def prepare_isso(python: Path, work: Path) -> dict[str, Path]:
    """Isso's two databases (tree and flat) loaded by the shared loader; their configs."""
    import subprocess

    # The files Trekboard loads (vs_peers.discussion_file), under the names the loader reads.
    data = work / "data"
    data.mkdir(parents=True)
    for size in ISSO_FILE_SIZES:
        (data / f"discussion_{size}.json").symlink_to(vs_peers.discussion_file(size))
    configs = {}
    for variant in ISSO_VARIANTS:
        config = work / f"isso-{variant}.cfg"
        config.write_text(
            "[general]\n"
            f"dbpath = {work / f'isso-{variant}.db'}\n"
            # Checked once by make_app (skipped in the child); Isso refuses to start without one.
            "host = http://localhost:8000/\n"
        )
        began = time.perf_counter()
        subprocess.run(  # noqa: S603 - the shared loader in Isso's virtualenv
            [
                str(python),
                str(vs_peers.PEERS / "isso_load.py"),
                str(config),
                str(data),
                *(["--flat"] if variant == "flat" else []),
            ],
            check=True,
            capture_output=True,
            text=True,
            env=_isso_env(),
        )
        common.log(f"Loaded Isso's {variant} database in {time.perf_counter() - began:.1f} s.")
        configs[variant] = config
    return configs


def isso_figures(
    python: Path,
    configs: dict[str, Path],
    sizes: list[int],
    *,
    repeat: int,
    warmup: int,
    budget_s: float,
) -> dict[tuple[int, str], dict]:
    """Isso's figures per size and data set, each data set in a child process of its venv."""
    import subprocess

    figures = {}
    for variant, config in configs.items():
        suffix = "-flat" if variant == "flat" else ""
        common.log(f"Measuring Isso ({variant}) at {sizes} comments…")
        began = time.perf_counter()
        finished = subprocess.run(  # noqa: S603 - this script in Isso's virtualenv
            [
                # -I: the child sees the virtualenv only (no project, no bench/ on its path).
                *(str(python), "-I", str(Path(__file__).resolve()), CHILD_FLAG),
                *("--config", str(config), "--variant", variant),
                "--uris",
                ",".join(f"{size}=/peer-{size}{suffix}" for size in sizes),
                *("--repeat", str(repeat), "--warmup", str(warmup)),
                *("--budget-s", str(budget_s)),
            ],
            stdout=subprocess.PIPE,
            text=True,
            check=True,
            env=_isso_env(),
        )
        common.log(f"Isso ({variant}) measured in {time.perf_counter() - began:.0f} s.")
        for line in finished.stdout.splitlines():
            if line.startswith("{"):
                record = json.loads(line)
                figures[record["comments"], variant] = record
    return figures


def _request(client, url: str, headers: dict[str, str] | None = None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        response = client.get(url, headers=headers or {})
        body = response.content
        elapsed = time.perf_counter() - began
    return elapsed, [query["sql"] for query in queries.captured_queries], response, body


def measure_trekboard(article, variant: str, *, repeat: int, warmup: int) -> dict:
    """One variant at one size: ``warmup`` requests, then ``repeat`` timed ones."""
    from django.test import Client

    from comments import pagecache

    url = f"/api/v1/discussions/{article.pk}/comments"
    client = Client()
    headers = {}
    if variant == "304":
        _, _, response, _ = _request(client, url)  # stored, if it wasn't yet
        headers["If-None-Match"] = response.headers["ETag"]
    expected = 304 if variant == "304" else 200
    samples, counts, states, statuses = [], [], set(), set()
    response, body, sql = None, b"", []
    for number in range(warmup + repeat):
        if variant == "uncached":
            # What a write does: a new version, so the next request misses. Not timed.
            pagecache.discussion_changed(article.pk)
        elapsed, queries, response, answer = _request(client, url, headers)
        if response.status_code != expected:
            raise RuntimeError(
                f"GET {url} ({variant}) answered {response.status_code}: {answer[:300]!r}"
            )
        if number >= warmup:
            samples.append(elapsed)
            counts.append(len(queries))
            sql = queries
            states.add(response.headers.get("X-Trekboard-Cache"))
            statuses.add(response.status_code)
            body = answer or body
    if not body:  # a 304 has none: the body it stands for is the cached one
        body = Client().get(url).content
    page = json.loads(body)
    return {
        **common.timings(samples),
        "queries": counts[-1],
        "queries_min": min(counts),
        "queries_max": max(counts),
        "x_cache": sorted(str(state) for state in states),
        "status": sorted(statuses),
        "bytes": len(response.content),
        "gzip_bytes": _gzip_size(response.content) if response.content else 0,
        "page_bytes": len(body),
        "comments_shown": _count_comments(page["threads"], "replies"),
        "top_level_shown": len(page["threads"]),
        "comments_total": page.get("comments"),
        "repeat": repeat,
        "sql": sql,  # popped by run(), printed with --show-queries
    }


def _mean(*values: float) -> float:
    return round(statistics.fmean(values), 2)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def _ratio(isso: dict | None, trekboard_ms: float) -> float | None:
    if isso is None or not trekboard_ms:
        return None
    return round(isso["median_ms"] / trekboard_ms, 1)


def table(lines: list[dict], *, isso_version: str | None, isso_note: str | None) -> str:
    """The figures for people: one row per size and side, then one line per size."""
    header = (
        f"{'comments':>8}  {'server':<10} {'variant':<9} {'median ms':>9} {'p90 ms':>8}"
        f" {'queries':>7} {'bytes':>9} {'gzip':>7} {'shown':>6}"
    )
    out = [
        "The discussion API beside Isso, the same discussions, in-process, in one run "
        "(Trekboard measured before and after Isso: the mean of both)",
        f"Trekboard GET /api/v1/discussions/{{id}}/comments (anonymous); Isso {isso_version or '-'}"
        f" GET /?uri=/peer-N&nested_limit={NESTED_LIMIT}",
        "",
        header,
        "-" * len(header),
    ]
    measured = [line for line in lines if line.get("side")]
    for line in measured:
        ms = f"{_ms(line['median_ms'])}"
        out.append(
            f"{line['comments']:>8,}  {line['server']:<10} {line['variant']:<9} {ms:>9}"
            f" {_ms(line['p90_ms']):>8} {line['queries']!s:>7} {line['bytes']:>9,}"
            f" {line['gzip_bytes']:>7,} {line['comments_shown']:>6,}"
        )
    out.append("")
    for line in lines:
        if line.get("bench") != "embed_vs_isso_ratio":
            continue
        size = line["comments"]
        text = (
            f"{size:>7,} comments: Trekboard {_ms(line['trekboard_ms'])} ms uncached"
            f" ({_ms(line['trekboard_ms_before'])} before,"
            f" {_ms(line['trekboard_ms_after'])} after Isso),"
            f" {_ms(line['trekboard_cached_ms'])} ms cached"
        )
        if line["isso_ms"] is None:
            text += f"; Isso: {line['isso_skipped']}"
        else:
            text += (
                f"; Isso {_ms(line['isso_ms'])} ms (tree), {_ms(line['isso_flat_ms'])} ms (flat):"
                f" Isso/Trekboard {line['ratio']:,}x (tree), {line['ratio_flat']:,}x (flat);"
                f" {line['ratio_cached']:,}x / {line['ratio_flat_cached']:,}x of cached"
            )
        out.append(text)
    if isso_note:
        out.append(f"Isso: {isso_note}")
    out.append(
        "shown: comments in the response (Trekboard: first page, 50 threads, 10 replies a level,"
        " <=200; Isso tree: every top-level comment and up to 5 direct replies each;"
        " Isso flat: the same over the whole thread)."
    )
    return "\n".join(out)


def run(
    *,
    sizes: list[int],
    large: int,
    repeat: int,
    warmup: int,
    seed: int,
    isso_budget_s: float,
    isso_venv: Path = ISSO_WORK / "venv",
    show_queries: bool = False,
) -> list[dict]:
    import shutil

    from articles.models import Article

    missing = [size for size in sizes if not vs_peers.discussion_file(size).exists()]
    if missing:
        common.log(f"No peer discussion of {missing} comments in {vs_peers.PEERS}; skipping.")
        return [common.emit({"bench": "embed_vs_isso", "skipped": f"no data in {vs_peers.PEERS}"})]

    # Isso first: its virtualenv and databases, so that a failure there costs no measuring.
    isso_python, configs, isso_note, work = None, {}, None, None
    if not (vs_peers.PEERS / "isso_load.py").exists():
        isso_note = f"no loader at {vs_peers.PEERS / 'isso_load.py'}: Trekboard only"
    else:
        try:
            isso_python = ensure_isso_venv(isso_venv)
            work = ISSO_WORK / f"run-{os.getpid()}"
            shutil.rmtree(work, ignore_errors=True)
            configs = prepare_isso(isso_python, work)
        except Exception as error:  # no PyPI, a failed loader (CalledProcessError), no data
            detail = getattr(error, "stderr", None) or ""
            isso_note = f"not measured ({error})"
            common.log(f"Isso could not be set up: {error}\n{detail[-3000:]}\nTrekboard only.")
            isso_python = None

    try:
        articles: dict[int, Article] = {}
        for size in sizes:
            began = time.perf_counter()
            articles[size] = vs_peers.load_discussion(size)
            common.log(
                f"Imported the {size:,}-comment discussion in {time.perf_counter() - began:.1f} s."
            )
        if large:
            articles[large] = common.generate_discussion(
                slug=f"bench-api-{large}", comments=large, seed=seed
            )
        article_page.analyse()
        all_sizes = [*sizes, large] if large else list(sizes)

        def trekboard(when: str) -> dict[tuple[int, str], dict]:
            measured = {}
            for size in all_sizes:
                common.log(f"Measuring Trekboard's endpoint at {size:,} comments ({when} Isso)…")
                for variant in TREKBOARD_VARIANTS:
                    measured[size, variant] = result = measure_trekboard(
                        articles[size], variant, repeat=repeat, warmup=warmup
                    )
                    statements = result.pop("sql")
                    if show_queries:
                        common.log(f"  {variant}, {len(statements)} queries:")
                        for number, statement in enumerate(statements, start=1):
                            common.log(f"    {number}. {statement}")
            return measured

        before = trekboard("before")
        isso = {}
        if isso_python is not None:
            isso = isso_figures(
                isso_python, configs, sizes, repeat=repeat, warmup=warmup, budget_s=isso_budget_s
            )
        after = trekboard("after")
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)

    isso_version = next((record["isso"] for record in isso.values()), None)
    lines: list[dict] = []
    for size in all_sizes:
        for variant in TREKBOARD_VARIANTS:
            first, second = before[size, variant], after[size, variant]
            lines.append(
                common.emit(
                    {
                        "bench": "embed_vs_isso",
                        "side": "trekboard",
                        "server": "Trekboard",
                        "comments": size,
                        "variant": variant,
                        "median_ms": _mean(first["median_ms"], second["median_ms"]),
                        "p90_ms": _mean(first["p90_ms"], second["p90_ms"]),
                        "median_ms_before": first["median_ms"],
                        "median_ms_after": second["median_ms"],
                        "min_ms": min(first["min_ms"], second["min_ms"]),
                        "queries": second["queries"],
                        "queries_before": first["queries"],
                        "queries_range": [
                            min(first["queries_min"], second["queries_min"]),
                            max(first["queries_max"], second["queries_max"]),
                        ],
                        **{
                            key: second[key]
                            for key in (
                                "x_cache",
                                "status",
                                "bytes",
                                "gzip_bytes",
                                "comments_shown",
                                "top_level_shown",
                                "comments_total",
                                "repeat",
                            )
                        },
                    }
                )
            )
        for variant in ISSO_VARIANTS:
            record = isso.get((size, variant))
            if record is None:
                continue
            lines.append(
                common.emit(
                    {
                        "bench": "embed_vs_isso",
                        "side": "isso",
                        "server": "Isso",
                        "comments": size,
                        "variant": variant,
                        **common.timings(record["samples"]),
                        "queries": record["queries"],
                        **{
                            key: record[key]
                            for key in (
                                "bytes",
                                "gzip_bytes",
                                "comments_shown",
                                "top_level_shown",
                                "total_replies",
                                "path",
                                "isso",
                            )
                        },
                        "repeat": len(record["samples"]),
                    }
                )
            )
    by = {(line["comments"], line["side"], line["variant"]): line for line in lines}
    for size in all_sizes:
        trek = by[size, "trekboard", "uncached"]
        cached = by[size, "trekboard", "cached"]
        tree, flat = by.get((size, "isso", "tree")), by.get((size, "isso", "flat"))
        skipped = None
        if size not in sizes:
            skipped = (
                "not loaded at this size (Trekboard only; Isso can't sensibly load or answer it)"
            )
        elif tree is None:
            skipped = isso_note or "not measured"
        lines.append(
            common.emit(
                {
                    "bench": "embed_vs_isso_ratio",
                    "peer": "isso",
                    "comments": size,
                    "trekboard_ms": trek["median_ms"],
                    "trekboard_ms_before": trek["median_ms_before"],
                    "trekboard_ms_after": trek["median_ms_after"],
                    "trekboard_cached_ms": cached["median_ms"],
                    "trekboard_queries": trek["queries"],
                    "isso_ms": tree and tree["median_ms"],
                    "isso_flat_ms": flat and flat["median_ms"],
                    "isso_queries": tree and tree["queries"],
                    "isso_flat_queries": flat and flat["queries"],
                    "ratio": _ratio(tree, trek["median_ms"]),
                    "ratio_flat": _ratio(flat, trek["median_ms"]),
                    "ratio_cached": _ratio(tree, cached["median_ms"]),
                    "ratio_flat_cached": _ratio(flat, cached["median_ms"]),
                    "isso_skipped": skipped,
                }
            )
        )
    lines += checks(by, sizes=sorted(all_sizes))
    common.log("")
    common.log(table(lines, isso_version=isso_version, isso_note=isso_note))
    return lines


def checks(by: dict, *, sizes: list[int]) -> list[dict]:
    """Trekboard's endpoint: queries independent of size, none on a cache hit, hits when cached."""
    smallest, largest = sizes[0], sizes[-1]
    uncached = {size: by[size, "trekboard", "uncached"]["queries_range"] for size in sizes}
    verdicts = [
        common.target(
            f"discussion_api_same_queries_{smallest}_and_{largest}",
            None if smallest == largest else uncached[smallest] == uncached[largest],
            uncached_queries=uncached,
        ),
        common.target(
            "discussion_api_cached_without_queries",
            all(
                by[size, "trekboard", variant]["queries_range"] == [0, 0]
                and by[size, "trekboard", variant]["x_cache"]
                == (["hit"] if variant == "cached" else ["None"])
                for size in sizes
                for variant in ("cached", "304")
            ),
            queries={
                f"{size}/{variant}": by[size, "trekboard", variant]["queries_range"]
                for size in sizes
                for variant in ("cached", "304")
            },
            x_cache={size: by[size, "trekboard", "cached"]["x_cache"] for size in sizes},
        ),
    ]
    return verdicts


def main() -> None:
    parser = common.sized_arguments(
        __doc__, sizes=SIZES, repeat=30, warmup=3, measured="requests per variant and size"
    )
    parser.add_argument(
        "--large",
        type=int,
        default=LARGE,
        help=f"a discussion of this many comments for Trekboard alone (default {LARGE:,}; 0: none)",
    )
    parser.add_argument(
        "--isso-budget-s",
        type=float,
        default=20.0,
        help="Isso's cap on timed requests per size and data set, in seconds (at least 5 requests)",
    )
    parser.add_argument(
        "--isso-venv",
        type=Path,
        default=ISSO_WORK / "venv",
        help=f"Isso's throwaway virtualenv (default {ISSO_WORK / 'venv'})",
    )
    parser.add_argument(
        "--show-queries",
        action="store_true",
        help="print the SQL of each Trekboard variant's last request to stderr",
    )
    args = parser.parse_args()
    common.configure()
    with common.throwaway_database("embed_vs_isso"):
        common.environment(
            "embed_vs_isso",
            sizes=args.sizes,
            large=args.large,
            repeat=args.repeat,
            warmup=args.warmup,
            isso_budget_s=args.isso_budget_s,
            isso_requirement=ISSO_REQUIREMENT,
        )
        lines = run(
            sizes=args.sizes,
            large=args.large,
            repeat=args.repeat,
            warmup=args.warmup,
            seed=args.seed,
            isso_budget_s=args.isso_budget_s,
            isso_venv=args.isso_venv,
            show_queries=args.show_queries,
        )
    if args.strict and any(line.get("ok") is False for line in lines):
        sys.exit(1)


if __name__ == "__main__":
    main()
