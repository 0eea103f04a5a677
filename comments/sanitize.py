"""Turn what a reader typed into safe HTML: the project's only bleach import.

Runs once, when a comment is written; pages print the stored ``body_html``.
Readers may type a few HTML tags (as WordPress comment forms allow) or the
familiar shorthand: ``**bold**``, ``*italic*``, ``~~strike~~``, `` `code` ``
and ``> quote`` lines. Blank lines make paragraphs, single newlines line breaks,
bare URLs become links. Everything is assembled first and cleaned last, so no
shorthand can smuggle markup past the allowlist; tags outside it are shown as
the text the reader typed, not silently dropped.

bleach is deprecated upstream (2023); keeping it behind this module means
swapping it (for nh3, say) touches one file.
"""

from __future__ import annotations

import html
import re

import bleach
from bleach.linkifier import Linker, build_url_re

COMMENT_TAGS = frozenset(
    {"p", "br", "strong", "b", "em", "i", "s", "del", "strike", "blockquote", "code", "a"}
)
COMMENT_ATTRIBUTES = {"a": ["href", "title"]}
PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

ARTICLE_TAGS = COMMENT_TAGS | {
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "figure",
    "figcaption",
    "img",
    "hr",
    "pre",
    "cite",
}
ARTICLE_ATTRIBUTES = {"a": ["href", "title"], "img": ["src", "alt", "width", "height"]}

_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_PLACEHOLDER = "\x00{}\x00"
_INLINE_RULES = (
    (re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"<del>\1</del>"),
    (re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])"), r"<em>\1</em>"),
    (re.compile(r"(?<![\w])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w])"), r"<em>\1</em>"),
)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_EMPTY_PARAGRAPH = re.compile(r"<p>\s*</p>")
_QUOTE_LINE = re.compile(r"^\s*(>|&gt;) ?")
# Editors paste embeds; their contents are code, not prose. bleach (the real
# guard) would keep that code as visible text, so drop it first.
_CODE_CONTAINERS = re.compile(
    r"<(script|style|iframe|object|embed|noscript|template)\b.*?</\1\s*>", re.I | re.S
)


def _allowed_href(href: str) -> bool:
    # bleach's URL parser reads "javascript:123" as a host and port, so its
    # protocol check can miss a scheme; look at the scheme ourselves.
    match = _SCHEME.match(href.strip())
    return match is None or match.group(1).lower() in PROTOCOLS


def _link_attributes(attrs: dict, new: bool = False) -> dict | None:
    href_key = (None, "href")
    if href_key not in attrs:
        return attrs  # an anchor whose href the cleaner dropped: plain text
    href = attrs[href_key]
    if not _allowed_href(href):
        if new:
            return None  # leave the text unlinked
        attrs.pop(href_key, None)
        return attrs
    if not href.startswith("mailto:"):
        attrs[(None, "rel")] = LINK_REL
    return attrs


# No skip_tags: bleach 6 double-escapes entities inside skipped tags.
# recognized_tags: linkify re-parses the HTML and escapes any tag it does not know.
_linker = Linker(
    callbacks=[_link_attributes],
    recognized_tags=ARTICLE_TAGS,
    url_re=build_url_re(protocols=PROTOCOLS),
    parse_email=False,
)


def _inline(text: str) -> str:
    """Apply inline shorthand, leaving the contents of code spans untouched."""
    codes: list[str] = []

    def stash(match: re.Match[str]) -> str:
        codes.append(f"<code>{html.escape(match.group(1), quote=False)}</code>")
        return _PLACEHOLDER.format(len(codes) - 1)

    text = _CODE_SPAN.sub(stash, text)
    for pattern, replacement in _INLINE_RULES:
        text = pattern.sub(replacement, text)
    return re.sub("\x00(\\d+)\x00", lambda m: codes[int(m.group(1))], text)


def _blocks(text: str) -> str:
    paragraphs = re.split(r"\n\s*\n", text)
    out: list[str] = []
    for paragraph in paragraphs:
        lines = [line.rstrip() for line in paragraph.strip("\n").split("\n")]
        if not any(line.strip() for line in lines):
            continue
        if all(_QUOTE_LINE.match(line) for line in lines if line.strip()):
            inner = [_QUOTE_LINE.sub("", line, count=1) for line in lines]
            out.append(f"<blockquote><p>{'<br>'.join(_inline(x) for x in inner)}</p></blockquote>")
        else:
            out.append(f"<p>{'<br>'.join(_inline(x) for x in lines)}</p>")
    return "".join(out)


def normalize(text: str) -> str:
    """Line endings and stray whitespace as a reader would expect them stored."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def sanitize_comment(text: str) -> str:
    """Return the safe HTML for a comment body (raw text in, HTML out)."""
    assembled = _blocks(normalize(text).replace("\x00", ""))
    cleaned = bleach.clean(
        assembled,
        tags=COMMENT_TAGS,
        attributes=COMMENT_ATTRIBUTES,
        protocols=PROTOCOLS,
        strip=False,
        strip_comments=True,
    )
    # Readers who type their own <p> get nested paragraphs, which the parser
    # splits around empty ones.
    return _EMPTY_PARAGRAPH.sub("", _linker.linkify(cleaned))


def sanitize_article(text: str) -> str:
    """Editors write richer HTML than readers, but still no scripts, styles or embeds."""
    cleaned = bleach.clean(
        _CODE_CONTAINERS.sub("", text.replace("\x00", "")),
        tags=ARTICLE_TAGS,
        attributes=ARTICLE_ATTRIBUTES,
        protocols=PROTOCOLS,
        strip=True,
        strip_comments=True,
    )
    return _linker.linkify(cleaned)
