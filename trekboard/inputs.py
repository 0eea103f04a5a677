"""Requests the site can't read get a 4xx page that says why, never a 500.

Django decodes query strings and form bodies with ``errors="replace"``, so
bytes that aren't UTF-8 (``%FF``, or ``%ED%A0%80``, a lone surrogate) arrive
as U+FFFD and a NUL byte arrives as itself. A NUL reaching PostgreSQL is an
error ("A string literal cannot contain NUL"), so:

* in the address (path or query string) either is answered here with a 400
  page: no link of ours contains them, and nothing typed is lost;
* in a form field the form says so next to the field and gives the text back
  (Django's ``CharField`` refuses NUL; ``ReadableFormMixin`` refuses bytes
  that weren't text), so the reader loses nothing.

Bodies follow one rule whatever their content type: forms are UTF-8 text.
A body that names another charset is a 400. ``multipart/form-data``, which
Django decodes with ``errors="replace"`` too, is refused (415) by every view
that takes no files: every form of ours outside the admin sends urlencoded.
Where files are taken (the admin's article forms) it is held to the
urlencoded rule: bytes that aren't text, or a body cut off before its closing
boundary, are a 400 and nothing is stored.

Methods: no page here takes PUT, PATCH, DELETE, TRACE or anything but GET,
HEAD, POST and OPTIONS, so those are a 405 before any view runs (a class-based
view would otherwise treat PUT as POST). The JSON API (under ``API_PREFIX``)
also takes PUT, PATCH and DELETE.

Also here: the 400 handler (a too-large body, a bogus Host header) and a page
for 405, whose Django response is otherwise empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import parse_header_parameters, url_has_allowed_host_and_scheme

UNREADABLE_ADDRESS = (
    "The address you followed contains characters that no page here uses "
    "(a NUL byte or bytes that aren't valid text). Check the link, or go back and try again."
)
UNREADABLE_FIELD = (
    "This contains characters that couldn't be read (shown as �). "
    "Remove or retype them and try again."
)
BAD_HOST = "This site doesn't answer to that address."
TOO_BIG = "What you sent is larger than this site accepts. Go back, shorten it and try again."
TOO_MANY_FIELDS = "The form you sent has far more fields than any form here. Reload the page."
BAD_REQUEST = "We couldn't understand that request. Go back and try again."
NOT_UTF8 = (
    "This site reads what forms send as UTF-8 text, and your browser said it sent another "
    "encoding. Reload the page and send the form again."
)
NO_FILES = (
    "This form takes text only, sent as an ordinary form, not as a multipart upload. "
    "Reload the page and send the form again."
)
UNREADABLE_BODY = (
    "What you sent was cut off or contains bytes that aren't valid text, so nothing was saved. "
    "Reload the page and try again."
)
BAD_SELECTION = (
    "The items you chose couldn't be read. Reload the page, tick the items again and choose "
    "the action."
)
# Every view here answers at most these; anything else is a 405 up front.
METHODS = ("GET", "HEAD", "POST", "OPTIONS")
API_PREFIX = "/api/v1/"
API_METHODS = (*METHODS, "PUT", "PATCH", "DELETE")
WRONG_METHOD = (
    "This address doesn't answer that kind of request. Use the page's own links and buttons."
)


def _decodes(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _unreadable_address(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    query = request.META.get("QUERY_STRING", "")
    # WSGI hands the query string over as latin-1; its percent-escapes are the real bytes.
    raw = unquote_to_bytes(query.encode("latin-1", "replace").replace(b"+", b" "))
    return b"\x00" in raw or not _decodes(raw)


def unreadable_fields(request: HttpRequest) -> frozenset[str]:
    """The names of the urlencoded form fields whose bytes weren't UTF-8 text.

    (Django refuses a urlencoded body that names another charset with a 400.)
    """
    if request.method != "POST" or request.content_type != "application/x-www-form-urlencoded":
        return frozenset()
    names = set()
    for pair in request.body.split(b"&"):
        name, _, value = pair.partition(b"=")
        if not _decodes(unquote_to_bytes(value.replace(b"+", b" "))):
            names.add(unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8", "replace"))
    return frozenset(names)


class ReadableFormMixin:
    """Refuses fields whose bytes weren't text, with the text given back to edit.

    Pass ``unreadable=unreadable_fields(request)``; fields named there get an
    error instead of silently storing U+FFFD.
    """

    def __init__(self, *args, unreadable: Iterable[str] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.unreadable = frozenset(unreadable)

    def clean(self) -> dict:
        cleaned = super().clean()  # type: ignore[misc]
        for name in self.unreadable & set(self.fields):  # type: ignore[attr-defined]
            if name not in self._errors:  # type: ignore[attr-defined]
                self.add_error(name, UNREADABLE_FIELD)  # type: ignore[attr-defined]
        return cleaned


def id_from(value: str | None) -> int | None:
    """A row id typed into a URL's query, or None: ASCII digits only ("²" passes
    isdigit() but not int()), and no more than a bigint holds, so it can't raise."""
    if value and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def _page(template: str, message: str) -> str:
    # Rendered without the request: with a bogus Host header, anything that
    # builds an absolute URL (context processors, base.html) would raise again.
    return render_to_string(template, {"message": message})


def _takes_files(request: HttpRequest) -> bool:
    # Only the admin's article forms have file fields (hero and gallery images).
    return request.path_info.startswith(reverse("admin:index"))


def _multipart_refusal(request: HttpRequest, boundary: bytes) -> tuple[int, str] | None:
    """Why a multipart body sent to a view that takes files is refused: cut off, or a
    field that isn't UTF-8.

    A body larger than DATA_UPLOAD_MAX_MEMORY_SIZE carries files, which Django
    streams to disk, so it is left to Django.
    """
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 400, UNREADABLE_BODY
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and length > limit:
        return None
    body = request.body
    delimiter = b"--" + boundary
    if body.rstrip(b"\r\n").rfind(delimiter + b"--") == -1:
        return 400, UNREADABLE_BODY  # cut off before the closing boundary
    for part in body.split(delimiter)[1:-1]:
        headers, _, content = part.partition(b"\r\n\r\n")
        if b"filename=" in headers.lower():
            continue
        if not _decodes(headers) or not _decodes(content.removesuffix(b"\r\n")):
            return 400, UNREADABLE_BODY
    return None


def _unreadable_body(request: HttpRequest) -> tuple[int, str] | None:
    """(status, message) when a request's body breaks the one rule for bodies."""
    if request.method != "POST":
        return None
    content_type, params = parse_header_parameters(request.META.get("CONTENT_TYPE", ""))
    charset = params.get("charset", "").strip().lower()
    if charset and charset not in ("utf-8", "utf8"):
        return 400, NOT_UTF8
    if content_type != "multipart/form-data":
        return None
    if not _takes_files(request):
        return 415, NO_FILES
    boundary = params.get("boundary", "")
    if not boundary or not boundary.isascii():
        return 400, UNREADABLE_BODY
    try:
        return _multipart_refusal(request, boundary.encode("ascii"))
    except RequestDataTooBig:
        return 400, TOO_BIG


class AdminSelectionMiddleware:
    """400 for an admin action whose ticked ids aren't ids (Django would 500 on the lookup).

    Every model here has whole-number keys, so anything else is a forged form.
    A ``process_view`` after CsrfViewMiddleware's, so a POST without its token
    is still the CSRF 403 first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

        if request.method != "POST" or not _takes_files(request):
            return None
        try:
            selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
        except MultiPartParserError:  # Django's own 400 follows when the view reads it
            return None
        if any(not (value.isascii() and value.isdigit()) for value in selected):
            return HttpResponseBadRequest(_page("400.html", BAD_SELECTION))
        return None


class BadInputMiddleware:
    """400 for an unreadable address or body, 405 for foreign methods; pages for both."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        methods = API_METHODS if request.path_info.startswith(API_PREFIX) else METHODS
        if request.method not in methods:
            response = HttpResponse(_page("405.html", WRONG_METHOD), status=405)
            response["Allow"] = ", ".join(methods)
            return response
        if _unreadable_address(request):
            return HttpResponseBadRequest(_page("400.html", UNREADABLE_ADDRESS))
        refused = _unreadable_body(request)
        if refused is not None:
            status, message = refused
            return HttpResponse(_page("400.html", message), status=status)
        response = self.get_response(request)
        if (
            response.status_code == 405
            and not response.streaming
            and not response.content
            and request.method != "HEAD"
        ):
            response.content = _page("405.html", WRONG_METHOD)
            response["Content-Type"] = "text/html; charset=utf-8"
        return response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: what went wrong, in words, instead of Django's bare "Bad Request"."""
    if isinstance(exception, DisallowedHost):
        message = BAD_HOST
    elif isinstance(exception, RequestDataTooBig):
        message = TOO_BIG
    elif isinstance(exception, TooManyFieldsSent):
        message = TOO_MANY_FIELDS
    else:
        message = BAD_REQUEST
    return HttpResponseBadRequest(_page("400.html", message))


def safe_url(request: HttpRequest, target: str) -> str:
    """``target`` if it is a page of this site (a path, or a URL on this host); else "".

    A bare word ("x") passes Django's host check as a relative URL, but
    ``redirect()`` takes it for a URL pattern's name and fails: only a path or a
    full URL is a place to go back to.
    """
    if target.startswith(("/", "http://", "https://")) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def safe_next(request: HttpRequest) -> str:
    """The ``next`` a form or link names, if it stays on this site; else ""."""
    return safe_url(request, request.POST.get("next") or request.GET.get("next") or "")
