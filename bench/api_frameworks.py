"""Django REST Framework or django-ninja: one JSON endpoint's cost in each, in one run.

The same response, a page of a comment tree (50 top-level threads, replies
nested to depth 6, 200 comments by default, each with its author, date,
rendered HTML, likes, reply count and children, and the page's cursors), is
served four ways from one in-memory Django (``settings.configure``, no
database: the page is a prebuilt tree of Python dicts):

- ``plain``: a view returning ``JsonResponse(page)``, the baseline;
- ``drf``: a Django REST Framework ``APIView`` returning ``Response(page)``
  (``JSONRenderer`` only);
- ``drf_serializer``: the same view returning ``PageSerializer(page).data``,
  nested serializers (an author serializer in a comment serializer whose
  ``children`` is a list of itself);
- ``ninja``: a django-ninja ``Router`` operation on a ``NinjaAPI`` declaring
  ``response=Page``, a pydantic ``Schema`` with nested ``Comment`` children.

Neither framework authenticates (DRF: no authentication classes, no
unauthenticated user; ninja: no ``auth``), as for a public read endpoint. The
bodies are checked to be the same JSON.

Each variant is timed for ``--requests`` requests after ``--warmup``, two ways:
the view called directly on a ``RequestFactory`` request (the DRF response
rendered), and through ``django.test.Client``: the handler, the middleware
(``SecurityMiddleware`` and ``CommonMiddleware``) and the URL resolver. Each
variant is measured twice, the second round in the reverse order (A-B-B-A),
and reported as the mean of its two medians (and of its two p90s): this
2-core machine's speed drifts by a third within minutes, and the drift then
falls on every variant alike.

A framework's fixed cost is measured in fresh processes (``--startup-runs``
each, interleaved): the time to import it and build its URLconf once Django
is set up, the first request through the client, the resident memory (RSS)
they add, and the Python allocations they leave behind (``tracemalloc``, in
one more process each, since tracing slows imports).

The frameworks are not Trekboard's dependencies: they go into a throwaway
virtualenv, ``$TMPDIR/trekboard-apibench/venv`` (``--venv``), made with
``python3 -m venv`` on the first run and reused afterwards; everything timed
runs in child processes of that virtualenv's Python. Run from the repository
root::

    .venv/bin/python bench/api_frameworks.py --comments 200 --requests 2000

Prints a table and a one-line conclusion (``--json`` adds the figures as one
JSON line); progress goes to stderr.
"""

import argparse
import gc
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REQUIREMENTS = ("Django>=5.2,<5.3", "djangorestframework>=3.15,<4", "django-ninja>=1.3,<2")
# Whose versions the report names.
DISTRIBUTIONS = ("Django", "djangorestframework", "django-ninja", "pydantic", "pydantic-core")
VENV = Path(os.environ.get("TMPDIR") or tempfile.gettempdir()) / "trekboard-apibench" / "venv"

# key: (label, path); the baseline first.
VARIANTS = {
    "plain": ("Django JsonResponse (baseline)", "/plain/page"),
    "drf": ("DRF APIView + Response(dicts)", "/drf/page"),
    "drf_serializer": ("DRF nested serializers", "/drf-serializer/page"),
    "ninja": ("django-ninja Schema (nested)", "/ninja/page"),
}
# Each framework's fixed cost covers the variants it serves.
FRAMEWORKS = {
    "plain": ("plain",),
    "drf": ("drf", "drf_serializer"),
    "ninja": ("ninja",),
}
FRAMEWORK_LABELS = {"plain": "plain Django views", "drf": "DRF", "ninja": "django-ninja"}
MODES = {"client": "full Client stack", "view": "view called directly"}

PAGE: dict = {}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# The response: a page of a comment tree, as Python dicts.

WORDS = (
    "the saucer separation in act three was earned and the score finally lets the "
    "bridge breathe while the away team argues about the transporter logs warp "
    "nacelle holodeck captain's log first contact prime directive shuttlebay"
).split()
AUTHORS = [
    ("worf", "Worf"),
    ("zoe_m", "Zoë Marsh"),
    ("kira", "Kira Nerys"),
    ("ro_laren", "Ro Laren"),
    ("nog", "Nog"),
    ("tpol", "T'Pol"),
    ("jl", "Jean-Luc"),
    ("garak", "Elim Garak"),
    ("ezri", "Ezri Dax"),
    ("bashir", "Julian Bashir"),
    ("seven", "Seven of Nine"),
    ("jadzia", "Jadzia Dax"),
]


def body_html(rng: random.Random, number: int) -> str:
    """About 300 characters of stored comment HTML: a paragraph with marks and a link."""
    words: list[str] = []
    while sum(len(word) + 1 for word in words) < 190:
        words.append(rng.choice(WORDS))
    words[3] = f"<strong>{words[3]}</strong>"
    words[9] = f"<em>{words[9]}</em>"
    text = " ".join(words)
    return (
        f"<p>{text.capitalize()} &amp; more: "
        f'<a href="https://example.org/t/{number}" rel="nofollow ugc">example.org/t/{number}</a>'
        "</p>\n<p>&quot;Engage.&quot;</p>"
    )


def discussion_page(comments: int, *, threads: int = 50, max_depth: int = 6, seed: int = 20):
    """A page of ``comments`` comments: ``threads`` top-level ones, replies to ``max_depth``."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    threads = max(1, min(threads, comments))
    authors = [
        {"username": username, "display_name": name, "url": f"/users/{username}/"}
        for username, name in AUTHORS
    ]
    start = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    nodes: list[dict] = []
    open_nodes: list[dict] = []  # those that may still get replies

    def add(parent: dict | None) -> dict:
        number = len(nodes) + 1
        created = (
            start + timedelta(minutes=7 * number)
            if parent is None
            else parent["created"] + timedelta(minutes=rng.randint(1, 600))
        )
        node = {
            "id": 40_000 + number,
            "parent": None if parent is None else parent["id"],
            "author": rng.choice(authors),
            "created": created,
            "body_html": body_html(rng, number),
            "likes": rng.choice((0, 0, 0, 1, 2, 3, 5, 8, 13, 40)),
            "liked": rng.random() < 0.1,
            "depth": 0 if parent is None else parent["depth"] + 1,
            "reply_count": 0,
            "children": [],
        }
        nodes.append(node)
        if parent is not None:
            parent["children"].append(node)
        if node["depth"] < max_depth:
            open_nodes.append(node)
        return node

    top = [add(None) for _ in range(threads)]
    # One chain to the deepest level, so every level is on the page.
    parent = top[0]
    while parent["depth"] < max_depth and len(nodes) < comments:
        parent = add(parent)
    while len(nodes) < comments:
        # Shallower comments get more replies, as in real threads.
        candidate = rng.choice(open_nodes)
        if rng.random() < (max_depth - candidate["depth"]) / max_depth:
            add(candidate)

    def count(node: dict) -> int:
        node["reply_count"] = sum(1 + count(child) for child in node["children"])
        return node["reply_count"]

    for node in top:
        count(node)
    return {
        "article": 4711,
        "sort": "best",
        "total_comments": len(nodes),
        "threads": threads,
        "comments": top,
        "cursors": {"next": "eyJyYW5rIjo1MCwiaWQiOjQwMDUwfQ", "previous": None},
    }


# ---------------------------------------------------------------------------
# The child's Django and the three frameworks' URLconfs (the throwaway virtualenv).


def configure_django() -> None:
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY="apibench-not-a-secret",  # noqa: S106 - an in-memory bench site
        ALLOWED_HOSTS=["testserver"],
        ROOT_URLCONF="apibench_urls",
        INSTALLED_APPS=[],
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "django.middleware.common.CommonMiddleware",
        ],
        DATABASES={},
        USE_TZ=True,
        TIME_ZONE="UTC",
        REST_FRAMEWORK={
            "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
            "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
            "DEFAULT_AUTHENTICATION_CLASSES": [],
            "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
            "UNAUTHENTICATED_USER": None,
        },
    )
    django.setup()


def build_plain() -> list:
    from django.http import JsonResponse
    from django.urls import path

    def page_view(request):
        return JsonResponse(PAGE)

    return [path("plain/page", page_view)]


def build_drf() -> list:
    from django.urls import path
    from rest_framework import serializers
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class AuthorSerializer(serializers.Serializer):
        username = serializers.CharField()
        display_name = serializers.CharField()
        url = serializers.CharField()

    class CommentSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        parent = serializers.IntegerField(allow_null=True)
        author = AuthorSerializer()
        created = serializers.DateTimeField()
        body_html = serializers.CharField()
        likes = serializers.IntegerField()
        liked = serializers.BooleanField()
        depth = serializers.IntegerField()
        reply_count = serializers.IntegerField()

        def get_fields(self):
            # Recursive: built when a level is first serialized, so the
            # nesting stops where the data does.
            fields = super().get_fields()
            fields["children"] = CommentSerializer(many=True)
            return fields

    class CursorsSerializer(serializers.Serializer):
        next = serializers.CharField(allow_null=True)
        previous = serializers.CharField(allow_null=True)

    class PageSerializer(serializers.Serializer):
        article = serializers.IntegerField()
        sort = serializers.CharField()
        total_comments = serializers.IntegerField()
        threads = serializers.IntegerField()
        comments = CommentSerializer(many=True)
        cursors = CursorsSerializer()

    class PageView(APIView):
        def get(self, request):
            return Response(PAGE)

    class SerializedPageView(APIView):
        def get(self, request):
            return Response(PageSerializer(PAGE).data)

    return [
        path("drf/page", PageView.as_view()),
        path("drf-serializer/page", SerializedPageView.as_view()),
    ]


def build_ninja() -> list:
    from django.urls import path
    from ninja import NinjaAPI, Router, Schema

    class Author(Schema):
        username: str
        display_name: str
        url: str

    class Comment(Schema):
        id: int
        parent: int | None
        author: Author
        created: datetime
        body_html: str
        likes: int
        liked: bool
        depth: int
        reply_count: int
        children: list["Comment"]

    Comment.model_rebuild()

    class Cursors(Schema):
        next: str | None
        previous: str | None

    class Page(Schema):
        article: int
        sort: str
        total_comments: int
        threads: int
        comments: list[Comment]
        cursors: Cursors

    router = Router()

    @router.get("/page", response=Page)
    def page_view(request):
        return PAGE

    api = NinjaAPI(urls_namespace="apibench")
    api.add_router("/", router)
    return [path("ninja/", api.urls)]


BUILDERS = {"plain": build_plain, "drf": build_drf, "ninja": build_ninja}


def install_urls(patterns: list) -> None:
    import types

    from django.urls import clear_url_caches

    module = types.ModuleType("apibench_urls")
    module.urlpatterns = patterns
    sys.modules["apibench_urls"] = module
    clear_url_caches()


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def child_startup(framework: str, comments: int, *, trace: bool) -> dict:
    """One fresh process: Django set up, then this framework imported, routed and asked once."""
    global PAGE
    PAGE = discussion_page(comments)
    began = time.perf_counter()
    configure_django()
    from django.test import Client
    from django.urls import resolve

    django_s = time.perf_counter() - began
    rss_django = rss_bytes()
    if trace:
        import tracemalloc

        tracemalloc.start()
    began = time.perf_counter()
    install_urls(BUILDERS[framework]())
    for key in FRAMEWORKS[framework]:
        resolve(VARIANTS[key][1])
    import_s = time.perf_counter() - began
    rss_built = rss_bytes()
    traced = None
    if trace:
        import tracemalloc

        traced = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
    client = Client()
    began = time.perf_counter()
    for key in FRAMEWORKS[framework]:
        response = client.get(VARIANTS[key][1])
        assert response.status_code == 200, (key, response.status_code)  # noqa: S101
    first_s = time.perf_counter() - began
    return {
        "framework": framework,
        "django_setup_ms": django_s * 1000,
        "import_ms": import_s * 1000,
        "first_request_ms": first_s * 1000,
        "rss_django_mb": rss_django / 2**20,
        "rss_added_mb": (rss_built - rss_django) / 2**20,
        "rss_added_after_first_mb": (rss_bytes() - rss_django) / 2**20,
        "traced_kb": None if traced is None else traced / 1024,
    }


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def child_serve(comments: int, requests: int, warmup: int) -> dict:
    """All variants in one process, each timed twice (A-B-B-A), both ways."""
    global PAGE
    PAGE = discussion_page(comments)
    configure_django()
    from importlib.metadata import version

    from django.test import Client, RequestFactory
    from django.urls import resolve

    install_urls([pattern for build in BUILDERS.values() for pattern in build()])
    client = Client()
    factory = RequestFactory()

    # The same JSON from every variant, or the comparison is void.
    bodies = {}
    for key, (_, path) in VARIANTS.items():
        response = client.get(path)
        assert response.status_code == 200, (key, response.status_code)  # noqa: S101
        assert response["Content-Type"].startswith("application/json"), key  # noqa: S101
        bodies[key] = response.content
    expected = json.loads(bodies["plain"])
    same_json = {key: json.loads(body) == expected for key, body in bodies.items()}

    def through_client(path: str):
        def call() -> int:
            began = time.perf_counter_ns()
            client.get(path).content  # noqa: B018 - read it, as a server would
            return time.perf_counter_ns() - began

        return call

    def directly(path: str):
        match = resolve(path)

        def call() -> int:
            request = factory.get(path)
            began = time.perf_counter_ns()
            response = match.func(request, *match.args, **match.kwargs)
            if callable(getattr(response, "render", None)):
                response = response.render()  # DRF's Response, as the handler does
            response.content  # noqa: B018
            return time.perf_counter_ns() - began

        return call

    callers = {
        (key, mode): (through_client if mode == "client" else directly)(path)
        for key, (_, path) in VARIANTS.items()
        for mode in MODES
    }
    rounds: dict[tuple[str, str], list[dict]] = {pair: [] for pair in callers}
    order = list(VARIANTS)
    for number, keys in enumerate((order, order[::-1]), start=1):
        for mode in MODES:
            for key in keys:
                call = callers[key, mode]
                log(f"  round {number}, {mode:6} {key}…")
                for _ in range(warmup):
                    call()
                gc.collect()
                samples = [call() / 1000 for _ in range(requests)]
                rounds[key, mode].append(
                    {
                        "median_us": statistics.median(samples),
                        "p90_us": percentile(samples, 0.9),
                        "min_us": min(samples),
                    }
                )
    figures = []
    for (key, mode), measured in rounds.items():
        figures.append(
            {
                "variant": key,
                "mode": mode,
                "median_us": statistics.mean(r["median_us"] for r in measured),
                "p90_us": statistics.mean(r["p90_us"] for r in measured),
                "min_us": min(r["min_us"] for r in measured),
                "round_medians_us": [r["median_us"] for r in measured],
                "bytes": len(bodies[key]),
                "same_json": same_json[key],
            }
        )
    return {
        "python": platform.python_version(),
        "versions": {name: version(name) for name in DISTRIBUTIONS},
        "figures": figures,
    }


def child_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", choices=("serve", "startup"), required=True)
    parser.add_argument("--framework", choices=list(FRAMEWORKS))
    parser.add_argument("--trace", action="store_true")
    parser.add_argument("--comments", type=int, required=True)
    parser.add_argument("--requests", type=int, default=0)
    parser.add_argument("--warmup", type=int, default=0)
    args = parser.parse_args(argv)
    if args.child == "startup":
        result = child_startup(args.framework, args.comments, trace=args.trace)
    else:
        result = child_serve(args.comments, args.requests, args.warmup)
    print(json.dumps(result), flush=True)


# ---------------------------------------------------------------------------
# The parent (the project's Python): the virtualenv, the children, the report.


def ensure_venv(venv: Path) -> Path:
    """The throwaway virtualenv's Python, made and filled on first use."""
    python = venv / "bin" / "python"
    stamp = venv / "apibench-requirements.txt"
    wanted = "\n".join(REQUIREMENTS) + "\n"
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    if not python.exists():
        base = shutil.which("python3") or sys.executable
        log(f"Creating the throwaway virtualenv {venv} ({base} -m venv)…")
        venv.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([base, "-m", "venv", str(venv)], check=True)  # noqa: S603
    log(f"Installing {', '.join(REQUIREMENTS)} into it…")
    subprocess.run(  # noqa: S603 - pip of our own virtualenv, fixed requirements
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *REQUIREMENTS,
        ],
        check=True,
    )
    stamp.write_text(wanted)
    return python


def run_child(python: Path, *args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")}
    finished = subprocess.run(  # noqa: S603 - this script in the throwaway virtualenv
        # -I: neither this folder (bench/settings.py, bench/urls.py) nor user
        # site-packages on the path; the child sees only the virtualenv.
        [str(python), "-I", str(Path(__file__).resolve()), *args],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(finished.stdout.strip().splitlines()[-1])


def startup_figures(python: Path, comments: int, runs: int) -> dict[str, dict]:
    """Medians over ``runs`` fresh processes per framework, interleaved; one traced more."""
    results: dict[str, list[dict]] = {name: [] for name in FRAMEWORKS}
    order = list(FRAMEWORKS)
    for run in range(runs):
        for name in order if run % 2 == 0 else order[::-1]:
            results[name].append(
                run_child(
                    python, "--child", "startup", "--framework", name, "--comments", str(comments)
                )
            )
    figures = {}
    for name, measured in results.items():
        traced = run_child(
            python,
            "--child",
            "startup",
            "--framework",
            name,
            "--comments",
            str(comments),
            "--trace",
        )
        figures[name] = {
            key: statistics.median(r[key] for r in measured)
            for key in (
                "django_setup_ms",
                "import_ms",
                "first_request_ms",
                "rss_django_mb",
                "rss_added_mb",
                "rss_added_after_first_mb",
            )
        } | {"traced_kb": traced["traced_kb"], "runs": runs}
    return figures


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells):
        return "  ".join(
            str(cell).rjust(width) if index in right else str(cell).ljust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headers), line(["-" * width for width in widths]), *map(line, rows)])


def conclusion(by: dict[tuple[str, str], dict], startup: dict[str, dict], comments: int) -> str:
    """One line, from the full-stack medians and the fixed costs."""
    ninja = by["ninja", "client"]["median_us"]
    serializer = by["drf_serializer", "client"]["median_us"]
    dicts = by["drf", "client"]["median_us"]
    plain = by["plain", "client"]["median_us"]
    if ninja <= serializer:
        cheaper, dearer, low, high = "django-ninja", "DRF (nested serializers)", ninja, serializer
    else:
        cheaper, dearer, low, high = "DRF (nested serializers)", "django-ninja", serializer, ninja
    if high / low < 1.05:
        verdict = (
            f"django-ninja and DRF (nested serializers) cost about the same per request, "
            f"{cheaper} {(1 - low / high) * 100:.0f}% less"
        )
    else:
        verdict = f"{cheaper} is cheaper: {dearer} takes {high / low:.1f}x its time per request"
    fixed_ninja, fixed_drf = startup["ninja"], startup["drf"]
    return (
        f"On this {comments}-comment page {verdict} ({low:,.0f} µs against {high:,.0f} µs "
        f"through the full client stack, where plain JsonResponse takes {plain:,.0f} µs "
        f"and DRF's APIView returning the dicts unvalidated {dicts:,.0f} µs, "
        f"{dicts / plain:.2f}x plain); "
        f"fixed cost: django-ninja {fixed_ninja['import_ms']:.0f} ms to import and route, "
        f"+{fixed_ninja['rss_added_after_first_mb']:.1f} MB RSS, DRF "
        f"{fixed_drf['import_ms']:.0f} ms, +{fixed_drf['rss_added_after_first_mb']:.1f} MB."
    )


def main() -> None:
    if "--child" in sys.argv[1:]:
        child_main(sys.argv[1:])
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--comments", type=int, default=200, help="comments on the page (200)")
    parser.add_argument(
        "--requests",
        type=int,
        default=2000,
        help="timed requests per variant, mode and round (2000)",
    )
    parser.add_argument(
        "--warmup", type=int, default=100, help="unmeasured requests before each (100)"
    )
    parser.add_argument(
        "--startup-runs",
        type=int,
        default=5,
        help="fresh processes per framework for the fixed cost (5)",
    )
    parser.add_argument(
        "--venv", type=Path, default=VENV, help=f"the throwaway virtualenv ({VENV})"
    )
    parser.add_argument(
        "--json", action="store_true", help="also print the figures as one JSON line"
    )
    args = parser.parse_args()

    python = ensure_venv(args.venv)
    date = datetime.now(UTC).isoformat(timespec="seconds")
    log(f"Fixed costs: {args.startup_runs} fresh processes per framework…")
    startup = startup_figures(python, args.comments, args.startup_runs)
    log(f"Per request: {args.requests} requests per variant and mode, twice (A-B-B-A)…")
    served = run_child(
        python,
        "--child", "serve",
        "--comments", str(args.comments),
        "--requests", str(args.requests),
        "--warmup", str(args.warmup),
    )  # fmt: skip
    by = {(f["variant"], f["mode"]): f for f in served["figures"]}
    versions = served["versions"]

    print(
        f"{date} · {os.cpu_count()} cores, {cpu_model()} · Python {served['python']} · "
        + ", ".join(f"{name} {version}" for name, version in versions.items())
    )
    print(
        f"{args.comments} comments ({by['plain', 'client']['bytes']:,} bytes of JSON), "
        f"{args.requests} requests per variant after {args.warmup}, each measured twice "
        f"(A-B-B-A), mean of the two medians and of the two p90s"
    )
    for mode, mode_label in MODES.items():
        baseline = by["plain", mode]
        rows = []
        for key, (label, _) in VARIANTS.items():
            figure = by[key, mode]
            rows.append(
                [
                    label + ("" if figure["same_json"] else " (DIFFERENT JSON)"),
                    f"{figure['median_us']:,.0f}",
                    f"{figure['p90_us']:,.0f}",
                    f"{figure['bytes']:,}",
                    f"{figure['median_us'] / baseline['median_us']:.2f}x",
                    " / ".join(f"{median:,.0f}" for median in figure["round_medians_us"]),
                ]
            )
        print()
        print(f"Per request, {mode_label}:")
        print(
            table(
                ["variant", "median µs", "p90 µs", "bytes", "vs plain", "medians, rounds 1 / 2"],
                rows,
                right={1, 2, 3, 4, 5},
            )
        )
    print()
    print(
        f"Fixed cost, median of {args.startup_runs} fresh processes each, after Django's own "
        f"set-up ({startup['plain']['django_setup_ms']:.0f} ms, "
        f"{startup['plain']['rss_django_mb']:.1f} MB RSS):"
    )
    rows = [
        [
            FRAMEWORK_LABELS[name],
            f"{figure['import_ms']:.1f}",
            f"{figure['first_request_ms']:.1f}",
            f"{figure['rss_added_mb']:.1f}",
            f"{figure['rss_added_after_first_mb']:.1f}",
            f"{figure['traced_kb']:,.0f}",
        ]
        for name, figure in startup.items()
    ]
    print(
        table(
            [
                "framework",
                "import + URLconf ms",
                "first request(s) ms",
                "RSS added MB",
                "RSS after 1st MB",
                "allocated KB",
            ],
            rows,
            right={1, 2, 3, 4, 5},
        )
    )
    print()
    print(conclusion(by, startup, args.comments))
    if not all(f["same_json"] for f in served["figures"]):
        print("WARNING: not every variant answered the same JSON as the baseline.")
    if args.json:
        print(
            json.dumps(
                {
                    "bench": "api_frameworks",
                    "date": date,
                    "comments": args.comments,
                    "requests": args.requests,
                    "warmup": args.warmup,
                    "python": served["python"],
                    "versions": versions,
                    "figures": served["figures"],
                    "startup": startup,
                },
                ensure_ascii=False,
            )
        )


if __name__ == "__main__":
    main()
