"""Headless Chromium driven by Playwright, against pytest-django's live server.

Chromium comes from Debian's ``chromium`` package (``CHROMIUM`` points
elsewhere); Playwright never downloads a browser of its own here.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

# Playwright's sync API leaves an event loop running in the main thread for
# the rest of the session; the ORM calls around it are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail(
            f"Chromium not found at {path}: install Debian's chromium package "
            "(apt-get install chromium) or set CHROMIUM=/path/to/chromium."
        )
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


def _page(browser, *, javascript: bool):
    context = browser.new_context(
        java_script_enabled=javascript, viewport={"width": 1100, "height": 900}
    )
    context.set_default_timeout(10_000)
    return context, context.new_page()


@pytest.fixture
def page(browser) -> Iterator:
    context, new_page = _page(browser, javascript=True)
    yield new_page
    context.close()


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def any_page(request, browser) -> Iterator:
    """The same flow once with JavaScript (htmx) and once without."""
    context, new_page = _page(browser, javascript=request.param)
    new_page.javascript = request.param
    yield new_page
    context.close()


@pytest.fixture
def log_in(live_server):
    """``log_in(page, user)``: a signed-in session for ``user`` in that page's browser context.

    The session comes from ``Client.force_login`` and is handed over as a
    cookie, so a test that is not about logging in skips the login form.
    """
    from django.conf import settings
    from django.test import Client

    def sign_in(page, user) -> None:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session.value, "url": live_server.url}]
        )

    return sign_in
