"""Shared by the XSS tests: the public payload corpus and a checker for script-capable markup.

The checker reads a whole page as a browser's tokenizer would (stdlib
``html.parser``) and reports anything that could run script or change where
the page loads script from: ``<script>`` that is not one of the site's own files,
``on*`` and htmx ``hx-on`` attributes, ``javascript:``/``data:``/``vbscript:``
URLs, frames, plugins, ``<base>``, refresh ``<meta>`` and ``style``. Each
finding carries the id of the nearest enclosing element whose id matches
``ZONE_ID`` (``comment-<pk>``, ``context-<pk>``...), so a page with many payloads on it
can tell which payload got through.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

# The corpus lives in the shared folder beside the repository (../shared); a
# clone made elsewhere finds the workplace's copy, or TREKBOARD_XSS_VECTORS.
REPO_ROOT = Path(__file__).resolve().parents[2]
_CANDIDATES = [
    REPO_ROOT.parent / "shared" / "security" / "xss_vectors.json",
    Path("/work/shared/security/xss_vectors.json"),
]
XSS_VECTORS = Path(
    os.environ.get("TREKBOARD_XSS_VECTORS")
    or next((path for path in _CANDIDATES if path.exists()), _CANDIDATES[0])
)
XSS_VECTOR_COUNT = 695

STATIC_PREFIX = "/static/"
# Same-origin scripts that are not static files: the admin's translation catalog.
SITE_SCRIPTS = (STATIC_PREFIX, "/admin/jsi18n/")
VOID_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    | {"track", "wbr", "param", "keygen", "frame", "image"}
)
# Elements that run or embed code, or re-point every relative URL on the page.
FORBIDDEN_ELEMENTS = frozenset(
    {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "portal"}
    | {"noembed", "xmp", "plaintext", "listing", "template"}
)
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}
    | {"codebase", "dynsrc", "lowsrc", "ping", "cite", "longdesc", "manifest", "srcset"}
)
SCRIPT_SCHEMES = frozenset({"javascript", "vbscript", "data", "livescript", "mocha"})
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
ZONE_ID = re.compile(r"^((comment|context|notification)-\d+|profile)$")


@cache
def xss_vectors() -> list[dict[str, str]]:
    """The 695 payloads (id, source, payload), from ../shared beside the repository."""
    return json.loads(XSS_VECTORS.read_text(encoding="utf-8"))


def url_scheme(value: str) -> str | None:
    """The scheme a browser would use for a URL attribute, or None for a relative URL.

    As the WHATWG URL parser does: C0 controls and spaces around the value are
    dropped, and tabs and newlines anywhere inside it are ignored.
    """
    cleaned = re.sub(r"[\t\n\r]", "", re.sub(r"^[\x00-\x20]+|[\x00-\x20]+$", "", value))
    match = _SCHEME.match(cleaned)
    return match.group(1).lower() if match else None


# The site's own Atom feeds, announced in every page's head (issue 16).
_FEED = re.compile(r"^/(feeds/articles|articles/[-\w]+/feed)/$")


def _own_feed(values: dict[str, str]) -> bool:
    return (
        values.get("rel") == "alternate"
        and values.get("type") == "application/atom+xml"
        and _FEED.match(values.get("href", "")) is not None
    )


@dataclass(frozen=True)
class Finding:
    zone: str  # id of the nearest enclosing zone element ("" outside every zone)
    problem: str

    def __str__(self) -> str:
        return f"{self.zone or '<page>'}: {self.problem}"


class ScriptMarkupChecker(HTMLParser):
    """Collects every piece of script-capable markup in one HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.findings: list[Finding] = []
        self.stack: list[tuple[str, str]] = []  # (tag, zone id it opened, or "")
        self.in_script = False
        self.zones_seen: set[str] = set()

    @property
    def zone(self) -> str:
        for _tag, zone in reversed(self.stack):
            if zone:
                return zone
        return ""

    def report(self, problem: str) -> None:
        self.findings.append(Finding(self.zone, problem))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)
        if tag not in VOID_ELEMENTS:
            element_id = dict(attrs).get("id") or ""
            zone = element_id if ZONE_ID.match(element_id) else ""
            self.stack.append((tag, zone))
            if zone:
                self.zones_seen.add(zone)
        self.in_script = tag == "script"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.in_script = False
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.report(f"inline script: {data.strip()[:80]!r}")

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "script":
            src = values.get("src", "")
            if not src.startswith(SITE_SCRIPTS):
                self.report(f"<script src={src!r}>: not one of the site's own scripts")
        elif tag in FORBIDDEN_ELEMENTS:
            self.report(f"<{tag}> element")
        elif tag == "meta" and values.get("http-equiv", "").lower() in {"refresh", "set-cookie"}:
            self.report(f"<meta http-equiv={values['http-equiv']!r}>")
        elif tag == "link" and not (
            values.get("href", "").startswith(STATIC_PREFIX) or _own_feed(values)
        ):
            self.report(f"<link href={values.get('href')!r}>: not the site's own static file")
        for name, value in values.items():
            bare = name.rsplit(":", 1)[-1]  # xlink:href, xml:onload...
            if bare.startswith("on"):
                self.report(f"<{tag} {name}=...> event handler")
            elif name.startswith(("hx-on", "data-hx-on")):
                self.report(f"<{tag} {name}=...> htmx inline handler")
            elif name == "srcdoc":
                self.report(f"<{tag} srcdoc=...>")
            elif name == "style":  # CSS can't run script today, but the CSP forbids it
                self.report(f"<{tag} style={value[:60]!r}>")
            elif (name in URL_ATTRIBUTES or bare == "href") and url_scheme(value) in SCRIPT_SCHEMES:
                self.report(f"<{tag} {name}={value[:60]!r}>: script-capable URL")


def script_markup(html: str) -> list[Finding]:
    """Everything in ``html`` that could run script; empty when the page is safe."""
    checker = ScriptMarkupChecker()
    checker.feed(html)
    checker.close()
    return checker.findings


# Markdown's own ways in (issue 15), each leaving a mark in window.__xss if it
# ever ran: link and image destinations with script, data and entity-encoded
# schemes, autolinks, reference links, emphasis around tags, code spans and
# fences holding markup, spoilers around links.
MARKDOWN_XSS_VECTORS = [
    "[link](javascript:window.__xss.push('md-link'))",
    "[case](JaVaScRiPt:window.__xss.push('md-case'))",
    "[entity](&#106;avascript:window.__xss.push('md-entity'))",
    "[hex](&#x6A;avascript&#x3A;window.__xss.push('md-hex'))",
    "[spaced](  javascript:window.__xss.push('md-spaced')  )",
    "[tab](java\tscript:window.__xss.push('md-tab'))",
    "[data](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX194c3MucHVzaCgnbWQtZGF0YScpPC9zY3JpcHQ+)",
    "![img](x\" onerror=\"window.__xss.push('md-img'))",
    "![img](javascript:window.__xss.push('md-img-src'))",
    "<javascript:window.__xss.push('md-autolink')>",
    "<http://example.com/\"onmouseover=\"window.__xss.push('md-autolink-quote')>",
    "[ref][x]\n\n[x]: javascript:window.__xss.push('md-ref')",
    "[ref][y]\n\n[y]: http://example.com/\" onclick=\"window.__xss.push('md-ref-quote')",
    '[t](http://example.com "title\\" onmouseover=\\"window.__xss.push(\'md-title\')")',
    "**<img src=x onerror=window.__xss.push('md-strong')>**",
    "*<svg onload=window.__xss.push('md-em')>*",
    "`<img src=x onerror=window.__xss.push('md-code')>`",
    "```\n<img src=x onerror=window.__xss.push('md-fence')>\n```",
    "```\"><img src=x onerror=window.__xss.push('md-info')>\nx\n```",
    "||[x](javascript:window.__xss.push('md-spoiler-link'))||",
    ">!<img src=x onerror=window.__xss.push('md-reddit')>!<",
    "[spoiler]```\n<img src=x onerror=window.__xss.push('md-spoiler-fence')>\n```",
    "- <img src=x onerror=window.__xss.push('md-list')>\n"
    "- [a](javascript:window.__xss.push('md-list-link'))",
    "> > <script>window.__xss.push('md-nested-quote')</script>",
    "[<img src=x onerror=window.__xss.push('md-link-text')>](http://example.com)",
    "[https://example.com](javascript:window.__xss.push('md-pretend'))",
    "<a href=\"javascript&colon;window.__xss.push('md-colon')\">x</a>",
]
