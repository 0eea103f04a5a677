"""What a reader downloads to read the lead article: bytes on the wire and requests, in Chromium.

Loads the demo (``manage.py seed_demo``) into a throwaway database (created and
migrated here, dropped at the end) on the server ``DATABASE_URL`` names, or the
embedded one when it is unset; collects the static files as production does
(hashed names, with the ``.br`` and ``.gz`` whitenoise writes beside each) and
starts ``gunicorn trekboard.wsgi`` on it, DEBUG off, as bench/load.py does.
Then opens the demo's lead article in headless Chromium (Debian's ``chromium``
package, or the one ``CHROMIUM`` names), 1280x900, each load in a fresh browser
context (an empty cache, as a first visit), as

* an anonymous reader (served from the page cache, warmed first, as most are), and
* a signed-in one (the demo's ``editor``, whose page is rendered for them),

each once with the site as it is and once without its compression middleware
(a second gunicorn, ``BENCH_WITHOUT_COMPRESSION``: the "before" figures).

What is counted comes from Chromium's own network events (the DevTools
protocol): every request the page makes until the network has been idle for
half a second, HTML, CSS, JavaScript and images (below-the-fold images that
are ``loading="lazy"`` are not fetched, as in a browser; the site icon, which
Chromium fetches on its own schedule once per site, is left out), and for each the
bytes received (``Network.loadingFinished``'s ``encodedDataLength``: headers
and body as sent, compressed when it was). The HTML's own size on the wire is
its body as sent (``Content-Length``), beside its size decoded.

Target (issue 12): the lead article's HTML, signed in, at most 60 KB (60,000
bytes) on the wire. Run from the repository root::

    .venv/bin/python bench/page_weight.py
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

HTML_TARGET_BYTES = 60_000
VIEWPORT = {"width": 1280, "height": 900}
# As tests/browser/conftest.py launches it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Chromium's resource types, gathered into the kinds a reader's page is made of.
KINDS = {
    "Document": "html",
    "Stylesheet": "css",
    "Script": "js",
    "Image": "images",
    "Font": "fonts",
    "XHR": "htmx",
    "Fetch": "htmx",
}


def is_site_icon(url: str) -> bool:
    """Chromium fetches the site's icon on its own schedule, sometimes after the page is idle."""
    return "/favicon" in url


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise SystemExit(
            f"Chromium not found at {path}: install Debian's chromium package "
            "(apt-get install chromium) or set CHROMIUM=/path/to/chromium."
        )
    return path


@dataclass
class Request:
    url: str
    kind: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    transferred: int = 0  # headers and body as received
    decoded: int = 0  # the body after Content-Encoding is undone
    finished: bool = False


class NetworkLog:
    """Chromium's network events for one page load, tallied per request."""

    def __init__(self) -> None:
        self.requests: dict[str, Request] = {}
        self.redirects = 0

    def request_will_be_sent(self, event: dict) -> None:
        if is_site_icon(event["request"]["url"]):
            return  # not counted: whether it falls inside the load is chance
        if event["requestId"] in self.requests:  # the same id follows its redirects
            self.redirects += 1
        self.requests[event["requestId"]] = Request(
            url=event["request"]["url"], kind=KINDS.get(event.get("type", ""), "other")
        )

    def response_received(self, event: dict) -> None:
        request = self.requests.get(event["requestId"])
        if request is not None:
            response = event["response"]
            request.status = response["status"]
            request.headers = {name.lower(): value for name, value in response["headers"].items()}

    def data_received(self, event: dict) -> None:
        request = self.requests.get(event["requestId"])
        if request is not None:
            request.decoded += event["dataLength"]

    def loading_finished(self, event: dict) -> None:
        request = self.requests.get(event["requestId"])
        if request is not None:
            request.transferred = int(event["encodedDataLength"])
            request.finished = True

    def listen(self, cdp) -> None:
        cdp.on("Network.requestWillBeSent", self.request_will_be_sent)
        cdp.on("Network.responseReceived", self.response_received)
        cdp.on("Network.dataReceived", self.data_received)
        cdp.on("Network.loadingFinished", self.loading_finished)

    def summary(self, document_url: str) -> dict:
        """Requests and bytes in all and per kind, and the HTML's own figures."""
        by_kind: dict[str, dict[str, int]] = {}
        for request in self.requests.values():
            kind = by_kind.setdefault(request.kind, {"requests": 0, "bytes": 0})
            kind["requests"] += 1
            kind["bytes"] += request.transferred
        html = next(
            (r for r in self.requests.values() if r.kind == "html" and r.url == document_url),
            None,
        )
        length = html.headers.get("content-length") if html else None
        return {
            "requests": len(self.requests) + self.redirects,
            "bytes": sum(request.transferred for request in self.requests.values()),
            "unfinished": sum(not request.finished for request in self.requests.values()),
            "not_ok": sum(
                request.status is None or request.status >= 400
                for request in self.requests.values()
            ),
            "by_kind": dict(sorted(by_kind.items())),
            "html_status": html.status if html else None,
            "html_encoding": html.headers.get("content-encoding", "identity") if html else None,
            "html_bytes": int(length) if length and length.isdigit() else None,
            "html_decoded_bytes": html.decoded if html else None,
            "page_cache": html.headers.get("x-page-cache") if html else None,
        }


def load_in_chromium(browser, url: str, *, cookie: dict | None) -> dict:
    """One load of ``url`` in a fresh context, until the network is idle; its tally."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        if cookie:
            context.add_cookies([cookie])
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        log = NetworkLog()
        log.listen(cdp)
        cdp.send("Network.enable")
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        for request in log.requests.values():
            common.log(
                f"  {request.status} {request.kind:6} {request.transferred:>8,} B "
                f"{request.headers.get('content-encoding', 'identity'):8} {request.url}"
            )
        return log.summary(url)
    finally:
        context.close()


def session_cookie(username: str) -> tuple[str, str]:
    """A signed-in session of ``username``, stored where gunicorn reads it: name and value."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value


def measure(
    *, browser, base: str, path: str, username: str, session: tuple[str, str], compression: str
) -> list[dict]:
    """The lead article, anonymous and signed in, against one gunicorn; one line each.

    No database access here: Playwright's sync API keeps an event loop running,
    and Django refuses ORM calls beside one.
    """
    from bench.load import fetch

    signed_in = {"name": session[0], "value": session[1], "url": base}
    lines = []
    for user, cookie in (("anonymous", None), ("signed_in", signed_in)):
        if cookie is None:
            fetch(base + path)  # the first anonymous reader fills the page cache
        common.log(f"Loading {path} in Chromium ({user}, compression {compression})…")
        figures = load_in_chromium(browser, base + path, cookie=cookie)
        lines.append(
            common.emit(
                {
                    "bench": "page_weight",
                    "path": path,
                    "user": user,
                    **({"username": username} if cookie else {}),
                    "compression": compression,
                    "viewport": f"{VIEWPORT['width']}x{VIEWPORT['height']}",
                    **figures,
                }
            )
        )
    return lines


def run(*, username: str, workers: int, before: bool) -> list[dict]:
    """Seed the demo, collect static, load the lead article; returns the lines.

    Precondition: inside ``common.throwaway_database`` (gunicorn reads the
    committed demo from its own connections), with STATIC_ROOT and MEDIA_ROOT
    pointing at directories of this run.
    """
    from contextlib import redirect_stdout

    from django.core.management import call_command
    from django.db import connection
    from playwright.sync_api import sync_playwright

    from articles.demo.stories import LEAD_SLUG
    from articles.models import Article
    from bench.load import Gunicorn

    common.log("Loading the demo and collecting static files (Brotli takes a while)…")
    with redirect_stdout(sys.stderr):
        call_command("seed_demo", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
    path = Article.objects.get(slug=LEAD_SLUG).get_absolute_url()
    session = session_cookie(username)

    lines: list[dict] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        try:
            for compression in ("off", "on") if before else ("on",):
                server = Gunicorn(database=connection.settings_dict["NAME"], workers=workers)
                if compression == "off":
                    server.env["BENCH_WITHOUT_COMPRESSION"] = "1"
                with server:
                    lines += measure(
                        browser=browser,
                        base=server.base,
                        path=path,
                        username=username,
                        session=session,
                        compression=compression,
                    )
        finally:
            browser.close()

    signed_in = next(
        line for line in lines if line["user"] == "signed_in" and line["compression"] == "on"
    )
    size = signed_in["html_bytes"]
    lines.append(
        common.target(
            "signed_in_lead_html<=60KB",
            None if size is None else size <= HTML_TARGET_BYTES,
            html_bytes=size,
            html_encoding=signed_in["html_encoding"],
            html_decoded_bytes=signed_in["html_decoded_bytes"],
        )
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reader", default="editor", help="the demo account that reads signed in")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument(
        "--no-before",
        action="store_true",
        help="skip the loads without the compression middleware",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-page-weight-") as scratch:
        # Read by trekboard.settings (and so by gunicorn): this run's files only.
        os.environ["STATIC_ROOT"] = str(Path(scratch) / "static")
        os.environ["MEDIA_ROOT"] = str(Path(scratch) / "media")
        os.environ["BENCH_PRODUCTION_STATIC"] = "1"
        os.environ["BENCH_SERVE_MEDIA"] = "1"
        common.configure()
        with common.throwaway_database("page_weight"):
            common.environment(
                "page_weight",
                reader=args.reader,
                workers=args.workers,
                chromium=chromium_path(),
                viewport=f"{VIEWPORT['width']}x{VIEWPORT['height']}",
            )
            lines = run(username=args.reader, workers=args.workers, before=not args.no_before)
    if args.strict and any(line.get("ok") is False for line in lines):
        sys.exit(1)


if __name__ == "__main__":
    main()
