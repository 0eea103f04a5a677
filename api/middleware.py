"""Every error under /api/v1/ is problem+json, whoever answered it.

The API's operations raise ``Problem``; but some answers come from outside
them: django-ninja's 405 for a method a path doesn't take, its 404 for a path
it doesn't know, the site's 400 for a request it can't read (a NUL byte), a
CSRF failure, the 503 of an unreachable database. A script reads them all the
same way.
"""

from __future__ import annotations

from http import HTTPStatus

from api.problems import CONTENT_TYPE, problem_response
from trekboard.inputs import API_PREFIX

_OWN = ("application/json", CONTENT_TYPE)
_DETAILS = {
    404: "No such endpoint. The API's endpoints are listed at /api/v1/docs/.",
    405: "This endpoint doesn't take that method.",
}


_READ_ONLY = (f"{API_PREFIX}schema/", f"{API_PREFIX}docs/")


class ProblemMiddleware:
    """Problems for every error; and HEAD answers wherever GET does, as on the rest of the
    site (django-ninja routes GET only), with GET's headers and no body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        if request.path_info in _READ_ONLY and request.method not in ("GET", "HEAD"):
            response = problem_response(405, _DETAILS[405])
            response["Allow"] = "GET, HEAD"
            return response
        if request.method != "HEAD":
            return self._problem(request, self.get_response(request))
        request.method = "GET"
        try:
            response = self._problem(request, self.get_response(request))
        finally:
            request.method = "HEAD"
        if not response.streaming:
            length = len(response.content)
            response.content = b""
            response["Content-Length"] = str(length)
        return response

    def _problem(self, request, response):
        if response.status_code < 400 or response.get("Content-Type", "").split(";")[0] in _OWN:
            return response
        status = response.status_code
        detail = _DETAILS.get(status) or HTTPStatus(status).phrase + "."
        problem = problem_response(status, detail)
        for header in ("Allow", "Retry-After", "Vary"):
            if header in response:
                problem[header] = response[header]
        return problem
