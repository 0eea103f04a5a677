"""Trekboard under gunicorn against the test database, for tests over real HTTP.

The test database must hold committed rows for gunicorn's workers to see
them, so tests using this take ``transactional_db``. Readers are signed in
with a session row made in the test process (the session engine reads the
database when the cache misses) and send the CSRF secret as cookie and header.
"""

from __future__ import annotations

import http.client
import os
import secrets
import socket
import threading
from html.parser import HTMLParser
from urllib.parse import quote, urlencode

from django.db import connection
from django.test import Client

from trekboard import dev
from trekboard.dev import free_port


def database_url(*, port: int | None = None, name: str | None = None) -> str:
    """The test database as a DATABASE_URL, optionally through a TCP port on 127.0.0.1 (a relay).

    The embedded server (``make test`` without ``DATABASE_URL``) listens on a
    Unix socket: its directory goes in libpq's ``host`` option.
    """
    db = connection.settings_dict
    name = name or db["NAME"]
    user = db.get("USER") or "postgres"
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    if port is not None:
        return f"postgres://{user}{password}@127.0.0.1:{port}/{name}"
    if host.startswith("/"):
        options = {"host": host} | ({"port": str(db["PORT"])} if db.get("PORT") else {})
        return f"postgres://{user}{password}@/{name}?{urlencode(options)}"
    return f"postgres://{user}{password}@{host}:{db.get('PORT') or 5432}/{name}"


def database_address() -> tuple[str, int] | str:
    """Where the test database listens: (host, port), or a Unix socket's path."""
    db = connection.settings_dict
    host, port = db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432)
    return f"{host}/.s.PGSQL.{port}" if host.startswith("/") else (host, port)


class Gunicorn(dev.Gunicorn):
    """``gunicorn trekboard.wsgi`` on a free port, on this test's database; stopped on exit.

    ``make_run=True`` starts the gunicorn ``make run`` starts, with its command
    line and environment (trekboard/dev.py: workers, backlog, reload, the
    development defaults, rate limits included), on this test's database.
    """

    def __init__(
        self,
        *,
        workers: int = 3,
        db_port: int | None = None,
        make_run: bool = False,
        **env: str,
    ) -> None:
        port = free_port()
        passed_on = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}
        }
        if make_run:
            unset = {"RATE_LIMITS", "SITE_URL", "PORT", "TREKBOARD_ENV", "LOG_LEVEL"}
            environment = dev.server_environment(
                port, {k: v for k, v in passed_on.items() if k not in unset}
            )
            environment.update(
                {
                    "DATABASE_URL": database_url(port=db_port),
                    # Cached pages would outlive this test's database in a shared Redis.
                    "ANONYMOUS_PAGE_SECONDS": "0",
                    # Its jobs run in the server (nobody works a queue here).
                    "JOBS_REDIS_URL": "",
                    **env,
                }
            )
            workers, options = dev.WORKERS, dev.MAKE_RUN_OPTIONS
        else:
            environment = passed_on
            environment.update(
                {
                    "DATABASE_URL": database_url(port=db_port),
                    "TREKBOARD_ENV": "development",
                    "DEBUG": "false",
                    "RATE_LIMITS": "off",
                    "ALLOWED_HOSTS": "127.0.0.1,localhost",
                    # Cached pages would outlive this test's database in a shared Redis.
                    "ANONYMOUS_PAGE_SECONDS": "0",
                    "LOG_LEVEL": "WARNING",
                    "JOBS_REDIS_URL": "",
                    **env,
                }
            )
            options = ("--threads", "1", "--timeout", "60")
        super().__init__(env=environment, workers=workers, options=options, port=port)


class Answer:
    def __init__(
        self,
        status: int,
        headers: dict[str, str],
        body: bytes,
        cookies: dict[str, str] | None = None,
    ) -> None:
        self.status, self.headers, self.body = status, headers, body
        self.cookies = cookies or {}  # every Set-Cookie's name and value

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def request(
    port: int,
    method: str,
    path: str,
    *,
    data: dict[str, str] | None = None,
    cookies: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60,
    source_address: str | None = None,
) -> Answer:
    """One HTTP request, no redirects followed.

    ``source_address`` sends it from another loopback address (any of
    127.0.0.0/8), as a reader on another machine would: rate limits count per address.
    """
    conn = http.client.HTTPConnection(
        "127.0.0.1",
        port,
        timeout=timeout,
        source_address=(source_address, 0) if source_address else None,
    )
    try:
        sent = dict(headers or {})
        if cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        headers = response.getheaders()
        set_cookies = dict(
            v.split(";", 1)[0].split("=", 1) for k, v in headers if k.lower() == "set-cookie"
        )
        return Answer(
            response.status, {k.lower(): v for k, v in headers}, response.read(), set_cookies
        )
    finally:
        conn.close()


class Reader:
    """A signed-in browser: its session and CSRF cookies, and the header htmx would send.

    ``address``: the loopback address its requests come from (default 127.0.0.1).
    """

    def __init__(self, user, *, address: str | None = None) -> None:
        client = Client()
        client.force_login(user)  # a committed session row (transactional_db)
        self.csrf = secrets.token_hex(16)  # a 32-character secret, as Django's cookie holds
        self.cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": self.csrf}
        self.address = address

    def post(
        self, port: int, path: str, data: dict[str, str], *, htmx_header: bool = True
    ) -> Answer:
        """POST with htmx's CSRF header; without it, ``data`` carries the form's token."""
        headers = {"X-CSRFToken": self.csrf} if htmx_header else {}
        return request(
            port,
            "POST",
            path,
            data=data,
            cookies=self.cookies,
            headers=headers,
            source_address=self.address,
        )

    def get(self, port: int, path: str) -> Answer:
        return request(port, "GET", path, cookies=self.cookies, source_address=self.address)


class FormFields(HTMLParser):
    """The fields of the form posting to ``action``, as a browser would submit them."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.fields, self._inside = action, {}, False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self._inside = attributes.get("action") in {self.action, "", None}
        elif tag == "input" and self._inside and attributes.get("name"):
            if attributes.get("type") not in {"submit", "checkbox", "radio"}:
                self.fields[attributes["name"]] = attributes.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False


def form_fields(html: str, action: str) -> dict[str, str]:
    parser = FormFields(action)
    parser.feed(html)
    return parser.fields


def reply_without_javascript(port: int, reader: Reader, pk: int, body: str) -> tuple[int, int]:
    """Open a comment's reply page and submit its form: (the page's status, the POST's status)."""
    path = f"/comments/{pk}/reply/"
    page = reader.get(port, path)
    if page.status != 200:
        return page.status, 0
    fields = form_fields(page.text, path)
    assert "csrfmiddlewaretoken" in fields, page.text[:2000]
    return page.status, reader.post(port, path, {**fields, "body": body}, htmx_header=False).status


def sign_in(port: int, username: str, password: str) -> Reader:
    """A Reader signed in through the login form (the test can't write the server's database)."""
    reader = Reader.__new__(Reader)
    reader.address, reader.csrf = None, secrets.token_hex(16)
    reader.cookies = {"csrftoken": reader.csrf}
    page = reader.get(port, "/accounts/login/")
    fields = form_fields(page.text, "/accounts/login/")
    answer = reader.post(
        port,
        "/accounts/login/",
        {**fields, "username": username, "password": password},
        htmx_header=False,
    )
    assert answer.status == 302, (answer.status, answer.text[:1000])
    assert "sessionid" in answer.cookies, answer.headers
    reader.cookies.update(answer.cookies)  # Django gives a new CSRF secret at login
    reader.csrf = reader.cookies["csrftoken"]
    return reader


class Relay:
    """A TCP relay to PostgreSQL that a test can cut and restore, like a network failure."""

    def __init__(self, target: tuple[str, int] | str) -> None:
        self.target = target
        self.port = free_port()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None

    def start(self) -> Relay:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                if isinstance(self.target, str):  # a Unix socket
                    upstream = socket.socket(socket.AF_UNIX)
                    upstream.connect(self.target)
                else:
                    upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        """Refuse new connections and drop the open ones."""
        if self._listener is not None:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self._sockets.clear()

    def restore(self) -> None:
        self.start()

    stop = cut
