"""WordPress exports (WXR 1.0, 1.1 and 1.2) as import records.

A WXR file is RSS with a ``wp:`` namespace whose URI names the version:
``http://wordpress.org/export/1.2/``, or ``https://…`` in WordPress.com's
exports. The URI is taken from the file's own declarations, never assumed.

Keys. Post and comment ids are only unique within one blog, so keys carry the
blog's address: ``wp:<site>:<post id>`` and ``wp:<site>:<post id>:<comment id>``
(comment ids are only unique within one file, so the post id keeps two files'
comments apart). ``<site>`` is ``wp:base_blog_url``, else ``wp:base_site_url``,
else the channel's ``<link>``, else the host of the item's own link, normalised
(no scheme, no ``www.``, no trailing slash) so an http→https move keeps keys.
``base_blog_url`` comes first because WordPress.com writes
``https://wordpress.com/`` as every blog's ``base_site_url``. An item without
``wp:post_id`` is keyed by its guid, else its link, else its position.

What becomes what:

* ``wp:author`` → :class:`AuthorRecord`.
* Items of type ``post`` or ``page`` (or no type) → :class:`ArticleRecord`.
  ``publish`` → published; everything else, including private, future,
  password-protected and trashed posts, → draft, so nothing hidden on the old
  site becomes public here by importing it. Hand-made files may leave out
  ``wp:post_type`` or ``wp:status``; those read as a published post.
* Other item types (attachments, menu items, revisions, blocks…) → one
  :class:`Skipped` each, reason ``"<type> (not an article)"``; their comments
  → ``Skipped``, reason ``"on a skipped item (<type>)"``.
* ``wp:comment`` → :class:`CommentRecord`. Approval ``1`` → published, ``0``
  → pending, ``spam`` → spam, ``trash``/``post-trashed`` → Skipped, anything
  else (plugins add their own) → pending, so a moderator decides.
  Only types ``comment`` and empty are comments. Pingbacks and trackbacks are
  Skipped: they are notices that another site linked here, with a made-up
  author ("Site « Post") and an excerpt as the body, not discussion, and
  Trekboard has nowhere to show them. Any other type is Skipped as well, since
  plugins store private things as comments (WooCommerce order notes).
* A registered commenter (``wp:comment_user_id`` ≠ 0) gets ``author_login``
  when the file's ``wp:author`` list resolves them, by ``wp:author_id`` or
  else by email. Guests (user id 0) never get a login, whatever email they
  typed. Bodies are kept as exported: HTML that WordPress shows through
  ``wpautop`` (blank lines are paragraphs).

Dates are UTC: the ``*_gmt`` field, else the local date read as UTC
(WordPress doesn't export the site's time zone), else ``pubDate`` for posts;
``0000-00-00 00:00:00`` (drafts) is no date, and no date is ``None``.

Records come in document order: authors, then each article followed by its
comments. Because parsing streams, an :class:`ImportFileError` for a broken
or truncated file can come after records were already yielded; the loader
writes everything in one transaction and rolls it back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element

from .records import ArticleRecord, AuthorRecord, CommentRecord, ImportFileError, Skipped
from .xmlsafe import Progress, Source, XmlStream, split_tag, text_of

WxrRecord = AuthorRecord | ArticleRecord | CommentRecord | Skipped

_WP_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/\d+\.\d+/?$")
_CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
_DC_NS = "http://purl.org/dc/elements/1.1/"

_ARTICLE_TYPES = {"post", "page"}
_TYPE_NAMES = {
    "attachment": "attachment",
    "nav_menu_item": "menu item",
    "revision": "revision",
    "wp_block": "reusable block",
    "wp_template": "template",
    "wp_template_part": "template part",
    "wp_navigation": "navigation menu",
    "wp_global_styles": "global styles",
    "custom_css": "custom CSS",
    "customize_changeset": "customizer changeset",
    "oembed_cache": "oEmbed cache entry",
    "user_request": "personal data request",
}
_TAG_DOMAINS = {"", "category", "post_tag", "tag"}  # "tag" and no domain: WXR 1.0
_COMMENT_STATUSES = {"1": "published", "approve": "published", "0": "pending", "spam": "spam"}
_TRASHED = {"trash", "post-trashed"}
# comments.importing.export writes removed and deleted comments as trash with
# this meta, so the replies under them keep their place on a round trip. It can
# only turn trash into a hidden status, never a visible one.
_STATUS_META_KEY = "trekboard_status"
# How this site's own export says a comment's text is read ("markdown" or "html");
# any other file's comments are HTML, as WordPress stores them.
_FORMAT_META_KEY = "trekboard_format"
_HIDDEN_STATUSES = {"removed", "deleted"}
_COMMENT_TYPES = {"", "comment"}


def parse_wxr(
    source: Source, *, lenient: bool = False, progress: Progress | None = None
) -> Iterator[WxrRecord]:
    """Stream a WordPress export as records (see the module docstring for the mapping).

    ``source`` is a path or a file opened in binary mode. ``progress`` is
    called with bytes read since its last call (``tqdm.update`` fits).
    ``lenient`` repairs known damage (text before the XML declaration, control
    characters, unquoted attributes) and reports each repair as a ``Skipped``.

    Raises :class:`ImportFileError` for a file that isn't a WordPress export,
    isn't well-formed, is cut off or declares entities, possibly after some
    records were yielded.
    """
    stream = XmlStream(source, lenient=lenient, progress=progress)
    yield from _WxrReader(stream).records()
    yield from stream.repairs


class _WxrReader:
    def __init__(self, stream: XmlStream):
        self._stream = stream
        self._wp: set[str] = set()
        self._channel: dict[str, str] = {}
        self._site: str | None = None
        self._logins_by_id: dict[str, str] = {}
        self._logins_by_email: dict[str, str] = {}
        self._items = 0
        # The item being read: its key, and why it's skipped (None: an article).
        self._article_key = ""
        self._skipped_as: str | None = None
        self._article_done = False
        self._comments = 0

    def records(self) -> Iterator[WxrRecord]:
        stack: list[Element] = []
        for event, value in self._stream:
            if event == "start-ns":
                if _WP_NAMESPACE.match(value[1]):
                    self._wp.add(value[1])
                continue
            if event == "start":
                stack.append(value)
                depth = len(stack)
                if depth == 1:
                    self._check_root(value)
                elif depth == 2:
                    self._check_namespace()
                elif depth == 3 and value.tag == "item":
                    self._start_item()
                elif depth == 4 and stack[2].tag == "item" and self._is_wp(value, "comment"):
                    # Everything WordPress writes about the post precedes its
                    # comments, so the article can go out before them.
                    if not self._article_done:
                        yield from self._article(stack[2])
                continue
            elem = stack.pop()
            depth = len(stack) + 1
            if depth == 4 and stack[2].tag == "item" and self._is_wp(elem, "comment"):
                yield from self._comment(elem)
                stack[2].remove(elem)
            elif depth == 3 and stack[1].tag == "channel":
                yield from self._channel_child(elem)
                stack[1].remove(elem)
            elif depth == 2:
                stack[0].remove(elem)
        if not self._wp:
            self._check_namespace()

    # -- the file as a whole --------------------------------------------------------

    def _check_root(self, root: Element) -> None:
        name = split_tag(root.tag)[1]
        if name == "disqus":
            raise ImportFileError(
                "This is a Disqus export, not a WordPress one: import it with import_disqus"
            )
        if name.lower() == "html":
            raise ImportFileError(
                "This is a web page, not a WordPress export. In WordPress, export the site "
                "from Tools → Export → All content"
            )
        if root.tag != "rss":
            raise ImportFileError(
                f"This is not a WordPress export: the file's root element is <{name}>, "
                "where a WordPress export (WXR) has <rss>"
            )

    def _check_namespace(self) -> None:
        if not self._wp:
            raise ImportFileError(
                "This is an RSS feed, not a WordPress export: it has no wp: namespace "
                "(http://wordpress.org/export/1.x/). A feed lists recent posts without "
                "comments; export the site from Tools → Export → All content"
            )

    def _is_wp(self, elem: Element, name: str) -> bool:
        uri, local = split_tag(elem.tag)
        return local == name and uri in self._wp

    def _channel_child(self, elem: Element) -> Iterator[WxrRecord]:
        uri, name = split_tag(elem.tag)
        if name == "item" and not uri:
            if not self._article_done:
                yield from self._article(elem)
        elif uri in self._wp and name == "author":
            yield self._author(elem)
        elif (uri in self._wp and name in {"base_blog_url", "base_site_url"}) or (
            not uri and name == "link"
        ):
            self._channel.setdefault(name, text_of(elem))

    def _author(self, elem: Element) -> AuthorRecord:
        fields = self._wp_fields(elem)
        record = AuthorRecord(
            login=fields.get("author_login", ""),
            email=fields.get("author_email", ""),
            display_name=fields.get("author_display_name", ""),
            first_name=fields.get("author_first_name", ""),
            last_name=fields.get("author_last_name", ""),
        )
        if record.login:
            if fields.get("author_id"):
                self._logins_by_id[fields["author_id"]] = record.login
            if record.email:
                self._logins_by_email.setdefault(record.email.lower(), record.login)
        return record

    def _comment_meta(self, elem: Element) -> dict[str, str]:
        """A comment's ``wp:commentmeta`` key/value pairs (the first of each key)."""
        meta: dict[str, str] = {}
        for child in elem:
            if self._is_wp(child, "commentmeta"):
                fields = self._wp_fields(child)
                meta.setdefault(fields.get("meta_key", ""), fields.get("meta_value", ""))
        return meta

    def _wp_fields(self, elem: Element) -> dict[str, str]:
        """The ``wp:`` children's texts by local name (the first of each)."""
        fields: dict[str, str] = {}
        for child in elem:
            uri, name = split_tag(child.tag)
            if uri in self._wp and name not in fields:
                fields[name] = text_of(child)
        return fields

    # -- items ------------------------------------------------------------------------

    def _start_item(self) -> None:
        if self._site is None:
            self._site = _normalise_site(
                self._channel.get("base_blog_url")
                or self._channel.get("base_site_url")
                or self._channel.get("link", "")
            )
        self._items += 1
        self._article_key = ""
        self._skipped_as = None
        self._article_done = False
        self._comments = 0

    def _article(self, item: Element) -> Iterator[WxrRecord]:
        self._article_done = True
        wp = self._wp_fields(item)
        plain: dict[str, str] = {}
        tags: list[str] = []
        for child in item:
            uri, name = split_tag(child.tag)
            if name == "category" and not uri:
                tag = text_of(child)
                if child.get("domain", "") in _TAG_DOMAINS and tag and tag not in tags:
                    tags.append(tag)
            elif (uri, name) == (_CONTENT_NS, "encoded"):
                plain.setdefault("content", text_of(child))
            elif (uri, name) == (_DC_NS, "creator"):
                plain.setdefault("creator", text_of(child))
            elif not uri:
                plain.setdefault(name, text_of(child))

        link = plain.get("link", "")
        site = self._site or (urlsplit(link).hostname or "").removeprefix("www.")
        if wp.get("post_id"):
            key = f"wp:{site}:{wp['post_id']}"
        elif plain.get("guid") or link:
            key = f"wp:{site}:{plain.get('guid') or link}"
        else:
            key = f"wp:{site}:item-{self._items}"
        self._article_key = key

        post_type = wp.get("post_type") or "post"
        if post_type not in _ARTICLE_TYPES:
            self._skipped_as = _TYPE_NAMES.get(post_type, post_type)
            yield Skipped(kind="item", source_id=key, reason=f"{self._skipped_as} (not an article)")
            return

        # No wp:status at all (hand-made files) reads as WordPress's default for a post.
        published = wp.get("status", "publish") == "publish" and not wp.get("post_password")
        yield ArticleRecord(
            source_key=key,
            title=plain.get("title", ""),
            slug=unquote(wp.get("post_name", "")),
            body=plain.get("content", ""),
            link=link,
            published_at=(
                _wp_date(wp.get("post_date_gmt"))
                or _wp_date(wp.get("post_date"))
                or _rss_date(plain.get("pubDate"))
            ),
            status="published" if published else "draft",
            author_login=plain.get("creator", ""),
            tags=tuple(tags),
            comments_open=wp.get("comment_status", "open") != "closed",
        )

    # -- comments ---------------------------------------------------------------------

    def _comment(self, elem: Element) -> Iterator[WxrRecord]:
        self._comments += 1
        wp = self._wp_fields(elem)
        article_key = self._article_key
        key = f"{article_key}:{wp.get('comment_id') or f'n{self._comments}'}"
        if self._skipped_as is not None:
            yield Skipped(
                kind="comment", source_id=key, reason=f"on a skipped item ({self._skipped_as})"
            )
            return
        comment_type = wp.get("comment_type", "")
        if comment_type not in _COMMENT_TYPES:
            yield Skipped(kind="comment", source_id=key, reason=f"{comment_type} (not a comment)")
            return
        approved = wp.get("comment_approved", "1")
        status = _COMMENT_STATUSES.get(approved, "pending")
        meta = self._comment_meta(elem)
        if approved in _TRASHED:
            status = meta.get(_STATUS_META_KEY, "")
            if status not in _HIDDEN_STATUSES:
                yield Skipped(kind="comment", source_id=key, reason="in the trash")
                return

        email = wp.get("comment_author_email", "")
        login = ""
        if wp.get("comment_user_id", "0") not in {"", "0"}:
            login = self._logins_by_id.get(wp["comment_user_id"]) or self._logins_by_email.get(
                email.lower(), ""
            )
        parent = wp.get("comment_parent", "0")
        yield CommentRecord(
            source_key=key,
            article_key=article_key,
            parent_key=None if parent in {"", "0"} else f"{article_key}:{parent}",
            body=wp.get("comment_content", ""),
            created_at=_wp_date(wp.get("comment_date_gmt")) or _wp_date(wp.get("comment_date")),
            status=status,
            author_name=wp.get("comment_author", ""),
            author_email=email,
            author_login=login,
            author_url=wp.get("comment_author_url", ""),
            ip_address=wp.get("comment_author_IP", ""),
            markdown=meta.get(_FORMAT_META_KEY) == "markdown",
        )


def _normalise_site(url: str) -> str:
    """``https://www.Example.com/blog/`` -> ``example.com/blog``."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url if "//" in url else f"//{url}")
    host = (parts.hostname or "").removeprefix("www.")
    if parts.port:
        host = f"{host}:{parts.port}"
    return host + parts.path.rstrip("/")


def _wp_date(value: str | None) -> datetime | None:
    """WordPress's ``YYYY-MM-DD HH:MM:SS`` as UTC; ``0000-00-00 00:00:00`` is no date."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _rss_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
