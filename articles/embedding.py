"""Which pages of other sites may carry a discussion, and the one address each page has.

A host page names itself (``data-url`` on the embed's script tag), so the same
page arrives as ``https://Blog.example.org:443/post/42/?utm_source=x#top`` and
``https://blog.example.org/post/42/``: both must open one discussion. And a
discussion is created on first view, so only pages of allowed sites get one;
anyone else would fill the board with discussions of arbitrary URLs.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from django.conf import settings

MAX_URL_LENGTH = 1000
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Parameters that say how a reader arrived, not which page they read.
_TRACKING = ("utm_", "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "ref", "_ga")


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URL, lower-cased, default port dropped."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    return f"{scheme}://{host}"


def _tracking(name: str) -> bool:
    name = name.lower()
    return any(name == t or (t.endswith("_") and name.startswith(t)) for t in _TRACKING)


def canonical_url(url: str) -> str | None:
    """The address a page's discussion is filed under, or None for one that can't be a page.

    The fragment goes, and so do tracking parameters; the rest of the query
    stays, sorted (``?p=42`` is a whole WordPress page), and the path is kept as
    written (``/post/42`` and ``/post/42/`` may be two pages).
    """
    if not isinstance(url, str) or len(url) > MAX_URL_LENGTH or any(c in url for c in "\x00\n\r"):
        return None
    origin = origin_of(url)
    if origin is None:
        return None
    parts = urlsplit(url.strip())
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _tracking(k)
    )
    # One spelling of each character: a browser's location has "%3C" where a
    # hand-written data-url may have "<".
    path = quote(unquote(parts.path), safe=_PATH_SAFE) or "/"
    canonical = urlunsplit(("", "", path, urlencode(query), ""))
    result = origin + canonical
    return result if len(result) <= MAX_URL_LENGTH else None


# What an EMBED_ALLOWED_ORIGINS entry may be: an origin, with a "*" for the port
# or the first labels of the host. Anything else is left out (it would also
# end up in a CSP header).
_ENTRY = re.compile(
    r"https?://(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:(\d{1,5}|\*))?|https?://\[[0-9a-f:.]+\](:(\d{1,5}|\*))?"
)


def configured() -> list[str]:
    """``EMBED_ALLOWED_ORIGINS``, lower-cased, without entries that aren't origins."""
    values = (value.strip().rstrip("/").lower() for value in settings.EMBED_ALLOWED_ORIGINS)
    return [value for value in values if _ENTRY.fullmatch(value)]


def _pattern_matches(pattern: str, origin: str) -> bool:
    """``http://127.0.0.1:*`` (any port) and ``https://*.example.org`` (its subdomains) match."""
    if pattern.endswith(":*"):
        base = pattern[:-2]
        return origin == base or (
            origin.startswith(base + ":") and origin[len(base) + 1 :].isdigit()
        )
    if "://*." in pattern:
        scheme, domain = pattern.split("://*.", 1)
        if not origin.startswith(scheme + "://"):
            return False
        host = origin[len(scheme) + 3 :]
        return host.endswith("." + domain) and "/" not in host
    return pattern == origin


def allowed(origin: str | None, listed: frozenset[str] = frozenset()) -> bool:
    """Whether pages of ``origin`` may carry a discussion.

    ``listed`` are the admin's sites; ``EMBED_ALLOWED_ORIGINS`` come on top, and
    may use a ``*`` for the port or the first labels of the host.
    """
    if origin is None:
        return False
    if origin in listed:
        return True
    return any(_pattern_matches(value, origin) for value in configured())


def frame_sources(listed: frozenset[str] = frozenset()) -> list[str]:
    """The allowed origins as CSP sources (a ``*`` port or label is CSP's own syntax)."""
    return sorted(set(configured()) | set(listed))
