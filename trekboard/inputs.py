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

Also here: the 400 handler (a too-large body, a bogus Host header) and a page
for 405, whose Django response is otherwise empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import unquote_to_bytes

from django.core.exceptions import DisallowedHost, RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string

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


def _page(template: str, message: str) -> str:
    # Rendered without the request: with a bogus Host header, anything that
    # builds an absolute URL (context processors, base.html) would raise again.
    return render_to_string(template, {"message": message})


class BadInputMiddleware:
    """400 for an unreadable address; a page for the empty 405 responses."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _unreadable_address(request):
            return HttpResponseBadRequest(_page("400.html", UNREADABLE_ADDRESS))
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
