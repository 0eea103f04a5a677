"""Errors as ``application/problem+json`` (RFC 9457), in the words the forms use."""

from __future__ import annotations

import json

from django.http import HttpResponse

from trekboard.ratelimits import Limited

CONTENT_TYPE = "application/problem+json"
_TITLES = {
    400: "Bad request",
    401: "Sign in first",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Too large",
    429: "Too many requests",
    503: "Unavailable",
}


class Problem(Exception):
    """Raised anywhere below an API operation; the API answers with it as problem+json."""

    def __init__(self, status: int, detail: str, *, errors: dict | None = None, **extra) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.extra = extra


def problem_response(
    status: int, detail: str, *, errors: dict | None = None, **extra
) -> HttpResponse:
    body: dict = {"type": "about:blank", "title": _TITLES.get(status, "Error"), "status": status}
    body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="trekboard"'
    return response


def from_problem(problem: Problem) -> HttpResponse:
    response = problem_response(
        problem.status, problem.detail, errors=problem.errors, **problem.extra
    )
    if "retry_after" in problem.extra:
        response["Retry-After"] = str(problem.extra["retry_after"])
    return response


def too_many(limited: Limited) -> Problem:
    return Problem(429, limited.message, retry_after=limited.retry_after)
