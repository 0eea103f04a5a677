"""The API's one NinjaAPI: its routers, its schema and docs, and how it answers errors.

django-ninja rather than Django REST Framework, measured on the discussion
endpoint's own response (``bench/api_frameworks.py``, bench/README.md): when
each validates the 200-comment tree they cost the same per request (5.3 ms
each, against 0.95 ms for a plain ``JsonResponse``), so the hot endpoint
validates nothing and returns the encoded bytes the cache keeps, which costs
what ``JsonResponse`` does under either. DRF imports faster (29 ms against
78 ms, once per process); ninja writes the OpenAPI 3.1 schema and its docs
from the same type hints that check the input, where DRF needs another
package (drf-spectacular) for both.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from api import reads, writes  # noqa: F401 - their operations join the router
from api.problems import Problem, from_problem, problem_response
from api.router import router

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="Trekboard API",
    version="1",
    description=(
        "Discussions, their comments as the pages show them, and a reader's own writes. "
        "Anonymous reads of public data; writes with the session (and its CSRF token) or "
        "a personal API token from your settings page, sent as `Authorization: Bearer`. "
        "Errors are `application/problem+json` (RFC 9457)."
    ),
    urls_namespace="api",
    openapi_url="/schema/",
    docs_url="/docs/",
)
api.add_router("", router)


@api.exception_handler(Problem)
def _problem(request: HttpRequest, problem: Problem):
    return from_problem(problem)


def _where(loc) -> str:
    """A field's name from pydantic's location: ("body", "payload", "body") is "body"."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        parts = parts[1:]
        if parts and parts[0] == "payload":
            parts = parts[1:]
    return ".".join(parts) or "request"


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, error: ValidationError):
    errors: dict[str, list[str]] = {}
    for item in error.errors:
        errors.setdefault(_where(item.get("loc", ())), []).append(str(item.get("msg", "Invalid.")))
    first = next(iter(errors.items()), ("request", ["Invalid."]))
    detail = f"{first[0]}: {first[1][0]}" if first[0] != "request" else first[1][0]
    return problem_response(400, detail, errors=errors)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Http404):
    return problem_response(404, "Not found.")


@api.exception_handler(PermissionDenied)
def _denied(request: HttpRequest, error: PermissionDenied):
    return problem_response(403, str(error) or "Not allowed.")


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, error: AuthenticationError):
    return problem_response(401, "Sign in first.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError):
    return problem_response(error.status_code, str(error))
