"""The quiet answer to an open page's live-updates poll, ahead of the rest of the stack.

Every open article page asks every ``LIVE_POLL_SECONDS`` whether others have
commented, and nearly always nothing changed. That answer needs one cache read
(``comments.live.Poll.quiet``) and nothing of the static files, the session,
CSRF, the user, messages or login throttling, so it is given here, before
their middleware runs: an empty 204. Anything else (a change, a cache that
can't answer, a request that isn't htmx's) goes on to ``comments.views.live``,
which reads the cache again and answers it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from comments.live import Poll


class QuietPollMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._prefix: str | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "GET" and request.headers.get("HX-Request") == "true":
            article_id = self._article_id(request.path)
            if article_id is not None:
                try:
                    quiet = Poll(request.GET).quiet(article_id)
                except Exception:  # the cache is down: the view answers (it backs off)
                    quiet = None
                if quiet:
                    return HttpResponse(status=204)
        return self.get_response(request)

    def _article_id(self, path: str) -> int | None:
        """The article of a poll's address (``comments:live``), or None for any other."""
        if self._prefix is None:
            self._prefix = reverse("comments:live", args=[0]).removesuffix("0/")
        if not path.startswith(self._prefix):
            return None
        digits, slash, rest = path[len(self._prefix) :].partition("/")
        if slash and not rest and digits.isascii() and digits.isdigit() and len(digits) <= 18:
            return int(digits)
        return None
