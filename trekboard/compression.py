"""Every text response gzipped for the clients that take it, without reopening BREACH.

What is compressed where:

* **Pages, htmx fragments, JSON**: here, as Django's ``GZipMiddleware`` does
  but at level 2 (``DYNAMIC_GZIP_LEVEL``: a page is compressed on every
  request, so speed over the last few percent) and by Intel's ISA-L (the
  ``isal`` package: the same gzip format, five times faster than zlib), for
  every request whose ``Accept-Encoding`` takes gzip. A signed-in reader's
  page of a big discussion is about eight times smaller.
* **Cached anonymous pages** arrive already gzipped by ``comments/pagecache.py``
  (compressed once, around the reader's token) and pass through untouched, as
  does anything else that already has a ``Content-Encoding``.
* **Static files in production** are compressed once, by whitenoise at
  ``collectstatic`` (``CompressedManifestStaticFilesStorage``: ``.br`` and
  ``.gz`` beside each file, Brotli through the ``brotli`` package), and served
  with their ``Content-Encoding``, so they too pass through untouched. In
  development whitenoise serves the source files as they are (``make run``, no
  ``collectstatic``), and this middleware gzips the CSS and JavaScript.

Images, fonts and other media are never compressed again: they are compressed
formats already. Neither are partial responses (a ``Range`` request's 206:
its bytes are of the plain file).

Why this is safe from BREACH. BREACH reads a secret out of a compressed
response by its length: the attacker gets text of their own reflected on the
page (a comment, a query string) and makes the victim's browser fetch it again
and again, watching on the network how much the compressed response shrinks as
their guess comes to match the secret byte by byte. That needs a secret that
stays the same from one response to the next, in the compressed body, beside
text the attacker chooses. Trekboard's pages have none:

* The session id and the CSRF secret travel only in cookies, in headers, which
  are not compressed here.
* The CSRF token in a page (the forms' field, htmx's ``X-CSRFToken`` header) is
  masked afresh by Django for every response: a new random one-time pad over
  the secret each time, so there is no fixed string whose bytes a guess could
  match, and one response's length says nothing about the next one's token.
* What else a signed-in page holds of its reader (their name, their likes,
  their unread count) is not a secret. The one private value shown, a reader's
  email address, is only on pages that show nothing a third party can put
  there (settings, and the unsubscribe and sign-up confirmation pages, whose
  address itself carries a token the attacker would need first). Reflected
  input (comments, the sort and ``next`` parameters) is escaped, and is
  nobody's secret.

On top of that, as Django has done since 4.2, every gzipped response gets a
header field of random length (0-99 bytes, ``GZipMiddleware.max_random_bytes``,
``django.utils.text.compress_string``), so its length is never an exact measure
of its content. That padding is why dynamic responses are gzip and not
Brotli: Brotli's format has no such field the ``brotli`` package can write, and
gzip already brings the lead article's signed-in page well under its 60 KB
target (bench/README.md, "What readers download").
"""

from __future__ import annotations

import gzip
import re
import secrets

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers
from isal import igzip

# Text formats worth compressing: HTML, CSS, JavaScript, JSON, XML, SVG, plain text.
COMPRESSIBLE_TYPES = re.compile(
    r"^\s*(?:text/|image/svg\+xml|application/"
    r"(?:(?:[\w.+-]+\+)?json|(?:[\w.+-]+\+)?xml|javascript|ecmascript|manifest\+json))",
    re.IGNORECASE,
)
# Below this many bytes gzip's own header and trailer outweigh the saving (Django's threshold).
MIN_LENGTH = 200
# Responses compressed per request (see CompressionMiddleware._compress).
DYNAMIC_GZIP_LEVEL = 2


def worth_compressing(response: HttpResponseBase) -> bool:
    """Whether a response is text, whole, big enough and not already encoded."""
    if response.has_header("Content-Encoding") or response.status_code == 206:
        return False
    if not COMPRESSIBLE_TYPES.match(response.get("Content-Type", "")):
        return False
    if "no-transform" in response.get("Cache-Control", "").lower():
        return False
    if response.streaming:
        # A file whitenoise serves says its length; one unknown could be anything.
        length = response.get("Content-Length")
        return not (length and length.isdigit() and int(length) < MIN_LENGTH)
    return len(response.content) >= MIN_LENGTH


class CompressionMiddleware(GZipMiddleware):
    """Django's GZipMiddleware, for text only, and reading Accept-Encoding's weights.

    ``GZipMiddleware`` already sets ``Vary: Accept-Encoding``, skips what is
    small or already encoded, keeps only a smaller body, streams streaming
    responses, weakens a strong ETag and pads its header (see above). Added
    here: images and partial responses are left alone, "gzip;q=0" is a no (as
    the page cache reads it), and a compressed file no longer offers byte ranges.

    Listed near the top of ``MIDDLEWARE``, above everything that writes a body
    (whitenoise, the views, the error pages), so it compresses the final one.
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not worth_compressing(response):
            return response
        if not accepts_gzip(request.headers.get("Accept-Encoding", "")):
            patch_vary_headers(response, ("Accept-Encoding",))
            return response
        if response.streaming:
            response = super().process_response(request, response)
        else:
            response = self._compress(response)
        if response.get("Content-Encoding") == "gzip":
            # Ranges would count bytes of the plain file, not of what is sent.
            del response["Accept-Ranges"]
        return response

    def _compress(self, response: HttpResponseBase) -> HttpResponseBase:
        """``GZipMiddleware``'s answer for a whole response, at ``DYNAMIC_GZIP_LEVEL``.

        Django compresses with zlib at level 6: 7 ms for a 420 KB signed-in
        page of 200 comments on the bench machine, as long as the rest of the
        request; zlib at level 2 took 3 ms, for a body 17% bigger (nginx
        compresses at level 1 unless told otherwise). ISA-L's level 2 takes
        0.5 ms for a body 4% bigger than zlib's. Pages compressed once and kept
        (the anonymous page cache, static files) stay at their own, higher levels.
        """
        patch_vary_headers(response, ("Accept-Encoding",))
        compressed = igzip.compress(response.content, compresslevel=DYNAMIC_GZIP_LEVEL, mtime=0)
        # Django's length padding (compress_string): a file name of random length.
        header = bytearray(compressed[:10])
        header[3] = gzip.FNAME
        name = b"a" * secrets.randbelow(self.max_random_bytes)
        compressed = bytes(header) + name + b"\x00" + compressed[10:]
        if len(compressed) >= len(response.content):
            return response
        response.content = compressed
        response.headers["Content-Length"] = str(len(compressed))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header takes gzip ("gzip;q=0" refuses it, RFC 9110 12.5.3)."""
    named = wildcard = None
    for item in accept_encoding.split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0  # unreadable: the plain page is never wrong
        coding = coding.lower()
        if coding in ("gzip", "x-gzip"):
            named = bool(named) or weight > 0
        elif coding == "*":
            wildcard = weight > 0
    return named if named is not None else bool(wildcard)
