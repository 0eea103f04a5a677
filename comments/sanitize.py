"""Turn what a reader typed into safe HTML: the project's only bleach import.

Runs once, when a comment is written; pages print the stored ``body_html``.
Readers may type a few HTML tags (as WordPress comment forms allow) or the
familiar shorthand: ``**bold**``, ``*italic*``, ``~~strike~~``, `` `code` ``,
``> quote`` lines and spoilers (``||text||`` or ``[spoiler]text[/spoiler]``).
``@username`` becomes a link to that profile when the caller says the user
exists. Blank lines make paragraphs, single newlines line breaks,
bare URLs become links. Everything is assembled first and cleaned last, so no
shorthand can smuggle markup past the allowlist; tags outside it are shown as
the text the reader typed, not silently dropped.

bleach is deprecated upstream (2023); keeping it behind this module means
swapping it (for nh3, say) touches one file.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from html.parser import HTMLParser

import bleach
from bleach.linkifier import Linker, build_url_re

COMMENT_TAGS = frozenset(
    {"p", "br", "strong", "b", "em", "i", "s", "del", "strike", "blockquote", "code", "a", "span"}
)


def _span_attribute(tag: str, name: str, value: str) -> bool:
    # The one class a span may carry is ours: a spoiler, whoever typed it.
    return name == "class" and value == SPOILER_CLASS


SPOILER_CLASS = "spoiler"
COMMENT_ATTRIBUTES = {"a": ["href", "title"], "span": _span_attribute}
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
_ESCAPED_MARK = re.compile(r"\\[*_~|]")
_PLACEHOLDER = "\x00{}\x00"
_INLINE_RULES = (
    (re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"<del>\1</del>"),
    (re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])"), r"<em>\1</em>"),
    (re.compile(r"(?<![\w])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w])"), r"<em>\1</em>"),
    (re.compile(r"\|\|(?=\S)(.+?)(?<=\S)\|\|"), r'<span class="spoiler">\1</span>'),
)
_SPOILER_TAG = re.compile(r"\[(/?)spoiler\]", re.I)
_SPOILER_OPEN = f'<span class="{SPOILER_CLASS}">'
# A spoiler on the page is a control: a checkbox a screen reader announces as
# "Reveal spoiler, check box, not checked" and, once revealed, "checked". The
# label around it makes the whole block clickable, and a checkbox keeps its
# state without JavaScript; site.css hides the text (from screen readers too)
# until it is checked. Put together here, after bleach: readers can't type it.
SPOILER_CONTROL_OPEN = (
    f'<label class="{SPOILER_CLASS}"><input type="checkbox" class="spoiler__switch" '
    'aria-label="Reveal spoiler"><span class="spoiler__text">'
)
SPOILER_CONTROL_CLOSE = "</span></label>"
# Bleach's output: attribute values always in double quotes, "<" in text escaped.
_TAG = re.compile(r'<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s"\'>/=]+(?:="[^"]*")?)*)\s*/?>')
_CLASS_VALUE = re.compile(r'\sclass="([^"]*)"')
# "@name": not inside a word, an email address or a URL path; a trailing full
# stop ends the sentence, not the name.
MENTION = re.compile(r"(?<![\w@/.+-])@([\w.+-]*[\w+-])")
MENTION_LIMIT = 20
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
    """Apply inline shorthand, leaving code spans and backslashed marks untouched.

    A backslash before a shorthand mark (``\\_``, ``\\*``) keeps the mark literal, and the
    backslash stays too, so ``¯\\_(ツ)_/¯`` is shown exactly as typed.
    """
    codes: list[str] = []

    def stash(match: re.Match[str]) -> str:
        codes.append(f"<code>{html.escape(match.group(1), quote=False)}</code>")
        return _PLACEHOLDER.format(len(codes) - 1)

    def keep(match: re.Match[str]) -> str:
        codes.append(match.group(0))
        return _PLACEHOLDER.format(len(codes) - 1)

    text = _CODE_SPAN.sub(stash, text)
    text = _ESCAPED_MARK.sub(keep, text)
    for pattern, replacement in _INLINE_RULES:
        text = pattern.sub(replacement, text)
    return re.sub("\x00(\\d+)\x00", lambda m: codes[int(m.group(1))], text)


class _SpoilerBlocks:
    """``[spoiler]`` blocks may run across lines and paragraphs.

    Each paragraph closes the spoilers still open at its end and the next one
    reopens them, so the HTML stays well formed and no text after an opening
    tag is ever shown in the clear; an unclosed ``[spoiler]`` hides the rest.
    """

    def __init__(self) -> None:
        self.open = 0

    def __call__(self, paragraph_html: str) -> str:
        reopened = _SPOILER_OPEN * self.open

        def swap(match: re.Match[str]) -> str:
            if match.group(1):
                if not self.open:
                    return match.group(0)  # a stray closing tag stays as typed
                self.open -= 1
                return "</span>"
            self.open += 1
            return _SPOILER_OPEN

        body = _SPOILER_TAG.sub(swap, paragraph_html)
        return reopened + body + "</span>" * self.open


def _blocks(text: str) -> str:
    paragraphs = re.split(r"\n\s*\n", text)
    out: list[str] = []
    spoilers = _SpoilerBlocks()
    for paragraph in paragraphs:
        lines = [line.rstrip() for line in paragraph.strip("\n").split("\n")]
        if not any(line.strip() for line in lines):
            continue
        if all(_QUOTE_LINE.match(line) for line in lines if line.strip()):
            inner = [_QUOTE_LINE.sub("", line, count=1) for line in lines]
            quoted = spoilers("<br>".join(_inline(x) for x in inner))
            out.append(f"<blockquote><p>{quoted}</p></blockquote>")
        else:
            out.append(f"<p>{spoilers('<br>'.join(_inline(x) for x in lines))}</p>")
    return "".join(out)


def normalize(text: str) -> str:
    """Line endings and stray whitespace as a reader would expect them stored."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def mentioned_names(text: str) -> list[str]:
    """The distinct ``@names`` in a text, in order, lower-cased, at most MENTION_LIMIT."""
    names: list[str] = []
    for match in MENTION.finditer(text):
        name = match.group(1).lower()
        if name not in names:
            names.append(name)
            if len(names) == MENTION_LIMIT:
                break
    return names


def _mention_linker(mentions: Mapping[str, str]) -> Linker:
    def link_mention(attrs: dict, new: bool = False) -> dict | None:
        if not new:
            return attrs
        url = mentions.get(attrs["_text"][1:].lower())
        if url is None:
            return None  # nobody by that name: leave the text as typed
        attrs[(None, "href")] = url
        attrs[(None, "class")] = "mention"
        return attrs

    return Linker(
        callbacks=[link_mention],
        recognized_tags=ARTICLE_TAGS | {"span"},
        url_re=MENTION,
        parse_email=False,
    )


def sanitize_comment(text: str, *, mentions: Mapping[str, str] | None = None) -> str:
    """Return the safe HTML for a comment body (raw text in, HTML out).

    ``mentions`` maps lower-cased usernames that exist to their profile URLs;
    other ``@names`` stay plain text.
    """
    assembled = _blocks(normalize(text).replace("\x00", ""))
    cleaned = bleach.clean(
        assembled,
        tags=COMMENT_TAGS,
        attributes=COMMENT_ATTRIBUTES,
        protocols=PROTOCOLS,
        strip=False,
        strip_comments=True,
    )
    if mentions:
        # Before the URL pass, which then leaves these links alone.
        cleaned = _mention_linker(mentions).linkify(cleaned)
    linked = _linker.linkify(cleaned)
    # Readers who type their own <p> get nested paragraphs, which the parser
    # splits around empty ones.
    return spoiler_controls(_EMPTY_PARAGRAPH.sub("", linked))


def spoiler_controls(body_html: str) -> str:
    """Turn each ``<span class="spoiler">`` of sanitized HTML into the spoiler control.

    Also upgrades HTML stored before spoilers were controls (a focusable span;
    see migration 0011). A spoiler inside another needs no control of its own
    (it becomes a plain span), and one inside a link stays a span, since a
    checkbox can't sit in a link. Running it twice changes nothing.
    """
    if SPOILER_CLASS not in body_html:
        return body_html
    out: list[str] = []
    closers: list[str] = []  # per open span: the markup that closes it
    spoilers = links = 0
    position = 0
    for match in _TAG.finditer(body_html):
        out.append(body_html[position : match.start()])
        position = match.end()
        closing, tag, attributes = match.group(1), match.group(2).lower(), match.group(3)
        token = match.group(0)
        if tag == "a":
            links = max(links + (-1 if closing else 1), 0)
        elif tag == "span" and closing:
            if closers:
                token = closers.pop()
                spoilers -= token == SPOILER_CONTROL_CLOSE
        elif tag == "span":
            classes = _CLASS_VALUE.search(attributes)
            if classes is None or SPOILER_CLASS not in classes.group(1).split():
                closers.append("</span>")
            elif spoilers or links:
                token = "<span>" if spoilers else _SPOILER_OPEN
                closers.append("</span>")
            else:
                token = SPOILER_CONTROL_OPEN
                closers.append(SPOILER_CONTROL_CLOSE)
                spoilers += 1
        out.append(token)
    out.append(body_html[position:])
    return "".join(out)


class _TextExtractor(HTMLParser):
    def __init__(self, spoiler: str) -> None:
        super().__init__(convert_charrefs=True)
        self.spoiler = spoiler
        self.parts: list[str] = []
        self.stack: list[bool] = []  # per open span or label: is it a spoiler?
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"span", "label"}:
            is_spoiler = (dict(attrs).get("class") or "").split().count(SPOILER_CLASS) > 0
            self.stack.append(is_spoiler)
            if is_spoiler:
                if not self.hidden:
                    self.parts.append(self.spoiler)
                self.hidden += 1
        elif tag in {"p", "blockquote", "br"}:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"span", "label"} and self.stack and self.stack.pop():
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(body_html: str, *, spoiler: str = "[spoiler]") -> str:
    """Plain text of sanitized HTML with every spoiler replaced by ``spoiler``.

    For page descriptions, inbox previews and emails: places where a reader
    never chose to reveal anything.
    """
    extractor = _TextExtractor(spoiler)
    extractor.feed(body_html)
    extractor.close()
    return " ".join("".join(extractor.parts).split())


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
