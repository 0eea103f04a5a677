"""Turn what a reader typed into safe HTML: the project's only bleach import.

Runs once, when a comment is written; pages print the stored ``body_html``.
Readers write Markdown, as on Reddit, Discord or GitHub, read by a
CommonMark parser (markdown-it-py): paragraphs (a single newline is a line
break, as readers of comment boxes expect), **bold**, *italic*,
~~strike~~, `code` and fenced code blocks, quotes (nested), bulleted and
numbered lists, ``[text](url)`` links and bare links, backslash escapes.
Headings, images, rules and tables are shown as the text typed: a comment
has no ``<h1>``. Spoilers come in three spellings (``||text||``,
``>!text!<`` and ``[spoiler]…[/spoiler]``, the last across paragraphs), and
``@username`` links to that profile when the caller says the user exists.

The few HTML tags WordPress comment forms allow may still be typed. The
parser's HTML is cleaned last by bleach with the allowlist below, so nothing
Markdown makes (or a reader types) can smuggle markup past it; tags outside
it are shown as the text the reader typed, not silently dropped.

bleach is deprecated upstream (2023); keeping it behind this module means
swapping it (for nh3, say) touches one file.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from functools import partial
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import bleach
from bleach.linkifier import Linker, LinkifyFilter, build_url_re
from markdown_it import MarkdownIt
from markdown_it.rules_block.blockquote import blockquote as _blockquote
from markdown_it.token import Token

COMMENT_TAGS = frozenset(
    {"p", "br", "strong", "b", "em", "i", "s", "del", "strike", "blockquote", "code", "a", "span"}
    | {"pre", "ul", "ol", "li"}
)


def _span_attribute(tag: str, name: str, value: str) -> bool:
    # The one class a span may carry is ours: a spoiler, whoever typed it.
    return name == "class" and value == SPOILER_CLASS


SPOILER_CLASS = "spoiler"
MENTION_CLASS = "mention"
COMMENT_ATTRIBUTES = {"a": ["href", "title"], "span": _span_attribute, "ol": ["start"]}
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


# --- Markdown ------------------------------------------------------------------

_SPOILER_TAG = re.compile(r"\[(/?)spoiler\]", re.I)
_MENTION_NAME = re.compile(r"[\w.+-]*[\w+-]")
_NOT_BEFORE_MENTION = re.compile(r"[\w@/.+-]")


def _paired_spoiler(opening: str, closing: str):
    """An inline rule for a spoiler between two marks on one line (``||…||``, ``>!…!<``).

    The text between them is parsed as Markdown too (a link or *emphasis*
    inside a spoiler works); a code span or a backslash keeps the marks literal.
    """

    def rule(state, silent: bool) -> bool:
        start = state.pos
        if not state.src.startswith(opening, start):
            return False
        inner = start + len(opening)
        end = state.src.find(closing, inner, state.posMax)
        if end <= inner or "\n" in state.src[inner:end]:
            return False
        if state.src[inner].isspace() or state.src[end - 1].isspace():
            return False
        if not silent:
            state.push("spoiler_open", "span", 1)
            outer_max = state.posMax
            state.pos, state.posMax = inner, end
            state.md.inline.tokenize(state)
            state.posMax = outer_max
            state.push("spoiler_close", "span", -1)
        state.pos = end + len(closing)
        return True

    return rule


def _spoiler_tag(state, silent: bool) -> bool:
    """``[spoiler]`` and ``[/spoiler]`` as marks; ``_pair_spoiler_tags`` pairs them up."""
    match = _SPOILER_TAG.match(state.src, state.pos, state.posMax)
    if match is None:
        return False
    if not silent:
        token = state.push("spoiler_tag", "", 0)
        token.content = match.group(0)
        token.meta = {"closing": bool(match.group(1))}
    state.pos = match.end()
    return True


def _mention(state, silent: bool) -> bool:
    """``@name`` as a link to that reader's profile, when the caller knows them."""
    start = state.pos
    if state.src[start] != "@" or (start and _NOT_BEFORE_MENTION.match(state.src[start - 1])):
        return False
    match = _MENTION_NAME.match(state.src, start + 1, state.posMax)
    url = match and state.env.get("mentions", {}).get(match.group(0).lower())
    if not url:
        return False
    if not silent:
        link = state.push("link_open", "a", 1)
        link.attrs = {"href": url, "class": MENTION_CLASS}
        state.push("text", "", 0).content = "@" + match.group(0)
        state.push("link_close", "a", -1)
    state.pos = match.end()
    return True


def _not_a_reddit_spoiler(state, start_line: int, end_line: int, silent: bool) -> bool:
    """The quote rule, except for a line that opens with Reddit's ``>!`` spoiler."""
    line_start = state.bMarks[start_line] + state.tShift[start_line]
    if state.src.startswith(">!", line_start):
        return False
    return _blockquote(state, start_line, end_line, silent)


def _spoiler_token(nesting: int) -> Token:
    return Token("spoiler_open" if nesting == 1 else "spoiler_close", "span", nesting)


def _pair_spoiler_tags(state) -> None:
    """Turn ``[spoiler]`` marks into spoilers that may run across paragraphs.

    Each paragraph closes the spoilers still open at its end and the next one
    reopens them, so the HTML stays well formed and no text after an opening
    tag is ever shown in the clear; an unclosed ``[spoiler]`` hides the rest,
    code blocks included. A stray ``[/spoiler]`` stays as typed.
    """
    still_open = 0
    for token in state.tokens:
        if token.type == "inline" and token.children is not None:
            children = [_spoiler_token(1) for _ in range(still_open)]
            for child in token.children:
                if child.type != "spoiler_tag":
                    children.append(child)
                elif not child.meta["closing"]:
                    still_open += 1
                    children.append(_spoiler_token(1))
                elif still_open:
                    still_open -= 1
                    children.append(_spoiler_token(-1))
                else:
                    text = Token("text", "", 0)
                    text.content = child.content
                    children.append(text)
            children += [_spoiler_token(-1) for _ in range(still_open)]
            token.children = children
        elif still_open and token.type in {"fence", "code_block", "html_block"}:
            # Inside an open spoiler a block's text is hidden like the rest.
            inner = html.escape(token.content.strip("\n"), quote=False)
            if token.type != "html_block":
                inner = f"<code>{inner}</code>"
            token.type, token.content = (
                "html_block",
                f"<p>{_SPOILER_OPEN * still_open}{inner}{'</span>' * still_open}</p>",
            )


# Block tokens rendered without the newline markdown-it puts after each:
# comments are stored and shown as one line of HTML, as they always were.
def _one_line(state) -> None:
    for token in state.tokens:
        token.block = False


def _image_as_text(self, tokens, index, options, env) -> str:
    """A comment shows no images: ``![alt](url)`` stays as typed."""
    token = tokens[index]
    alt = self.renderInlineAsText(token.children or [], options, env)
    return html.escape(f"![{alt}]({token.attrGet('src') or ''})", quote=False)


def _code_block(self, tokens, index, options, env) -> str:
    return f"<pre><code>{html.escape(tokens[index].content, quote=False)}</code></pre>"


_BLOCK_TAG = re.compile(r"\s*<(p|blockquote|pre|ul|ol)\b", re.I)


def _html_block(self, tokens, index, options, env) -> str:
    """Raw HTML on lines of its own: in a paragraph unless it is one of the blocks allowed."""
    content = tokens[index].content.strip("\n")
    return content if _BLOCK_TAG.match(content) else f"<p>{content}</p>"


def _parser(preset: str, rules: list[str]) -> MarkdownIt:
    """A parser with what both readings share: spoiler tags, mentions, bare links, HTML."""
    md = MarkdownIt(preset, {"breaks": True, "html": True, "linkify": True})
    md.enable(rules)
    md.linkify.set({"fuzzy_email": False})
    for scheme in ("ftp:", "//"):  # bare links are http(s) (and mailto:) only
        md.linkify.add(scheme, None)
    md.inline.add_terminator_char("@")
    md.inline.ruler.before("linkify", "spoiler_tag", _spoiler_tag)
    md.inline.ruler.before("linkify", "mention", _mention)
    md.core.ruler.after("inline", "spoiler_tags", _pair_spoiler_tags)
    md.core.ruler.push("one_line", _one_line)
    renderer = md.renderer
    renderer.rules["spoiler_open"] = lambda *args: _SPOILER_OPEN
    renderer.rules["spoiler_close"] = lambda *args: "</span>"
    renderer.rules["softbreak"] = renderer.rules["hardbreak"] = lambda *args: "<br>"
    md.add_render_rule("html_block", _html_block)
    return md


def _markdown() -> MarkdownIt:
    md = _parser("commonmark", ["strikethrough", "linkify"])
    md.disable(["heading", "lheading", "hr"])
    md.block.ruler.at(
        "blockquote",
        _not_a_reddit_spoiler,
        {"alt": ["paragraph", "reference", "blockquote", "list"]},
    )
    for mark in "|>":
        md.inline.add_terminator_char(mark)
    md.inline.ruler.before("link", "spoiler_bars", _paired_spoiler("||", "||"))
    md.inline.ruler.before("link", "spoiler_reddit", _paired_spoiler(">!", "!<"))
    renderer = md.renderer
    renderer.rules["s_open"] = lambda *args: "<del>"
    renderer.rules["s_close"] = lambda *args: "</del>"
    md.add_render_rule("image", _image_as_text)
    md.add_render_rule("fence", _code_block)
    md.add_render_rule("code_block", _code_block)
    return md


# Imported comments (Comment.BodyFormat.HTML): paragraphs, line breaks, the
# HTML tags allowed, entities, bare links, @mentions and the [spoiler] a
# moderator may add. No Markdown: there, "\_" and "*" were just characters.
_READINGS = {
    True: _markdown(),
    False: _parser("zero", ["newline", "entity", "html_block", "html_inline", "linkify"]),
}


def render_markdown(
    text: str, *, mentions: Mapping[str, str] | None = None, markdown: bool = True
) -> str:
    """The parser's HTML for ``text``: not yet safe (``sanitize_comment`` cleans it)."""
    return _READINGS[markdown].render(text, {"mentions": mentions or {}})


# Link text that reads as an address: a scheme, "www." or a dotted host name.
_ADDRESS_LIKE = re.compile(
    r"^\s*(?:[a-z][a-z0-9+.-]*:|//|www\.|[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?:[/:?#]|\s*$))", re.I
)


def _host(url: str) -> str:
    try:
        host = (urlsplit(url).hostname or "").rstrip(".")
        return host.encode("idna").decode("ascii").lower()
    except (UnicodeError, ValueError):
        return url


def _same_address(text: str, href: str) -> bool:
    """Whether link text that reads as an address is the address the link goes to."""
    text = text.strip()
    if _SCHEME.match(text):  # a whole URL: it must be this one
        return unquote(text).rstrip("/").lower() == unquote(href).rstrip("/").lower()
    return _host("//" + text.lstrip("/")) == _host(href if "//" in href else "//" + href)


def _honest_link_text(attrs: dict, new: bool = False) -> dict | None:
    """A link whose text reads as another address shows the address it goes to.

    ``[https://bank.example](https://evil.example)`` would otherwise show one
    site and open another.
    """
    href = html.unescape(attrs.get((None, "href")) or "")  # bleach keeps attributes escaped
    text = attrs.get("_text", "")
    if href and _ADDRESS_LIKE.match(text) and not _same_address(text, href):
        attrs["_text"] = href.removeprefix("mailto:")
    return attrs


# Links are made by the parser; the cleaner's link pass only checks them
# (rel, schemes, text), in the same pass over the HTML as the allowlist.
_NO_NEW_LINKS = re.compile(r"(?!)")
_CHECK_LINKS = partial(
    LinkifyFilter,
    callbacks=[_link_attributes, _honest_link_text],
    url_re=_NO_NEW_LINKS,
    parse_email=False,
)


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


def sanitize_comment(
    text: str, *, mentions: Mapping[str, str] | None = None, markdown: bool = True
) -> str:
    """Return the safe HTML for a comment body (raw text in, HTML out).

    ``mentions`` maps lower-cased usernames that exist to their profile URLs;
    other ``@names`` stay plain text. ``markdown=False`` reads a comment
    imported from another system as the HTML or text it was there.
    """
    source = normalize(text).replace("\x00", "")
    assembled = render_markdown(source, mentions=mentions, markdown=markdown)
    mention_urls = frozenset((mentions or {}).values())

    def link_attribute(tag: str, name: str, value: str) -> bool:
        # The one class a link may carry is a mention's, on a mention's URL.
        return name in {"href", "title"} or (
            name == "class" and value == MENTION_CLASS and bool(mention_urls)
        )

    # One Cleaner a call: they are cheap to make (0.1 ms) and not thread-safe.
    cleaner = bleach.Cleaner(
        tags=COMMENT_TAGS,
        attributes={**COMMENT_ATTRIBUTES, "a": link_attribute},
        protocols=PROTOCOLS,
        strip=False,
        strip_comments=True,
        filters=[_CHECK_LINKS],
    )
    linked = cleaner.clean(assembled)
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


SPOILER_MASK = '<em class="spoiler-mask">[spoiler]</em>'


def mask_spoilers(body_html: str) -> str:
    """Sanitized HTML with each spoiler's text replaced by "[spoiler]".

    For places that show a comment's markup without this site's stylesheet
    (a feed reader): there a spoiler's text would be in plain view.
    """
    if SPOILER_CLASS not in body_html:
        return body_html
    out: list[str] = []
    stack: list[bool] = []  # per open span or label: does it hide a spoiler?
    hidden = 0
    position = 0
    for match in _TAG.finditer(body_html):
        if not hidden:
            out.append(body_html[position : match.start()])
        position = match.end()
        closing, tag = match.group(1), match.group(2).lower()
        if tag in {"span", "label"} and not closing:
            classes = _CLASS_VALUE.search(match.group(3))
            spoiler = classes is not None and SPOILER_CLASS in classes.group(1).split()
            stack.append(spoiler)
            if spoiler:
                if not hidden:
                    out.append(SPOILER_MASK)
                hidden += 1
                continue
        elif tag in {"span", "label"} and stack and stack.pop():
            hidden -= 1
            continue
        if not hidden:
            out.append(match.group(0))
    if not hidden:
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
        elif tag in {"p", "blockquote", "br", "li", "pre"}:
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


def search_text(body_html: str) -> str:
    """What full-text search reads of a comment: its plain text, every spoiler left out.

    Left out rather than masked: a spoiler's words must neither match a search
    nor show in a snippet.
    """
    return html_to_text(body_html, spoiler=" ")


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
