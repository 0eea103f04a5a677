"""Write articles and their discussions out: WordPress WXR 1.2, or a JSON tree.

Both writers are generators of text chunks, so a command streams them to a
file or stdout without holding the whole document: articles are read in
chunks, and each article's comments with one query (``.iterator()``). Run them
inside ``export_snapshot()`` so the author list at the top of a WXR file and
the comments below it come from the same moment.

The files hold commenters' email and IP addresses: they are for moving a site,
not for publishing.

Decisions, so a round trip (export, then import into an empty database) gives
back the same articles, comments, tree, authors and dates:

* **The raw body, not the HTML.** ``wp:comment_content`` carries ``body``,
  what the reader typed (shorthand and the few tags readers may type), not
  ``body_html``. Our importer runs the body through ``sanitize_comment``
  again, which gives the same ``body_html``; importing ``body_html`` would
  store HTML as the "typed" text and render it a second time. WordPress also
  treats the content as HTML and filters it with kses on import, so raw text
  is safe there, though Markdown shows as typed. A ``trekboard_format``
  comment meta says how the body is read (``markdown``, or ``html`` for a
  comment imported from elsewhere), so our importer reads it the same way.
* **Statuses.** published → ``1``, pending → ``0``, spam → ``spam``. Removed
  (by a moderator) and deleted (by the author) have no WordPress equivalent;
  both go out as ``trash`` (hidden, restorable, never in a moderation queue),
  with a ``trekboard_status`` comment meta naming which. Their text and
  replies are kept, since replies under a removed comment stay on our pages.
* **Dates** go out to the second: ``*_date`` in ``settings.TIME_ZONE``, as
  WordPress stores local time, and ``*_date_gmt`` in UTC.
* **Text XML can't carry.** XML 1.0 forbids most control characters (even
  as ``&#1;``), so they are dropped; they render as nothing on a page anyway.
  Line ends arrive as ``\\n`` (XML parsers turn ``\\r\\n`` into ``\\n``);
  comment bodies are stored that way already.
* **CDATA, as WordPress writes it.** Text goes in CDATA sections with ``]]>``
  split as ``]]]]><![CDATA[>``: WordPress's fallback regex parser reads
  only that form, and any XML parser reads it too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from articles.models import Article, Tag
from comments.models import Comment

WXR_VERSION = "1.2"
WP_NS = f"http://wordpress.org/export/{WXR_VERSION}/"
STATUS_META_KEY = "trekboard_status"
FORMAT_META_KEY = "trekboard_format"

# Our status -> WordPress's comment_approved.
WP_APPROVED = {
    Comment.Status.PUBLISHED: "1",
    Comment.Status.PENDING: "0",
    Comment.Status.SPAM: "spam",
    Comment.Status.REMOVED: "trash",
    Comment.Status.DELETED: "trash",
}

# Characters XML 1.0 can't hold in any form: C0 controls but tab, LF and CR;
# lone surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

ARTICLE_CHUNK = 100  # articles (and their tags) per query
COMMENT_CHUNK = 2000  # comment rows per fetch from the server-side cursor


@dataclass
class ExportCounts:
    """What an export wrote, for the command's closing line."""

    articles: int = 0
    comments: int = 0


def articles_for_export(*, slug: str | None = None) -> QuerySet[Article]:
    """Every article, drafts included, oldest first; or the one with ``slug``.

    Raises ``Article.DoesNotExist`` for an unknown slug.
    """
    articles = Article.objects.order_by("pk")
    if slug is not None:
        if not articles.filter(slug=slug).exists():
            raise Article.DoesNotExist(slug)
        articles = articles.filter(slug=slug)
    return articles


@contextmanager
def export_snapshot() -> Iterator[None]:
    """Read everything from one consistent snapshot (a read-only REPEATABLE READ transaction).

    Inside an outer transaction (tests, callers that opened one), that one's
    isolation applies: PostgreSQL only takes the level as a transaction's first statement.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _comments_of(article: Article) -> Iterator[Comment]:
    # One query per article however many comments; tree order puts every
    # parent before its replies.
    return (
        Comment.objects.filter(article=article)
        .select_related("author")
        .order_by("tree_id", "lft")
        .iterator(chunk_size=COMMENT_CHUNK)
    )


def _articles(articles: QuerySet[Article]) -> Iterator[Article]:
    # prefetch_related works with iterator() when given a chunk size: one tags
    # query per chunk of articles.
    return (
        articles.select_related("author")
        .prefetch_related("tags")
        .iterator(chunk_size=ARTICLE_CHUNK)
    )


# --- WXR --------------------------------------------------------------------


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 can't carry."""
    return _NOT_XML.sub("", text)


def _cdata(text: str | None) -> str:
    text = xml_safe(text or "")
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _text(value: object) -> str:
    return escape(xml_safe(str(value)))


def _attr(value: str) -> str:
    # Always double quotes: WordPress's regex parser matches nicename="...".
    return escape(xml_safe(value), {'"': "&quot;"})


def _local(moment: datetime | None) -> str:
    if moment is None:
        return "0000-00-00 00:00:00"  # what WordPress writes for "not yet"
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def _gmt(moment: datetime | None) -> str:
    if moment is None:
        return "0000-00-00 00:00:00"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _rfc822(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


def _article_url(article: Article) -> str:
    return settings.SITE_URL + article.get_absolute_url()


def _authors_involved(articles: QuerySet[Article]) -> QuerySet:
    """Registered users who wrote the articles or any comment on them (guests have no login)."""
    article_ids = articles.values("pk")
    return (
        get_user_model()
        .objects.filter(
            Q(pk__in=articles.values("author"))
            | Q(pk__in=Comment.objects.filter(article__in=article_ids).values("author")),
            is_guest=False,
        )
        .order_by("pk")
    )


def _wxr_author(user: Any) -> str:
    return (
        "\t<wp:author>"
        f"<wp:author_id>{user.pk}</wp:author_id>"
        f"<wp:author_login>{_cdata(user.username)}</wp:author_login>"
        f"<wp:author_email>{_cdata(user.email)}</wp:author_email>"
        f"<wp:author_display_name>{_cdata(user.display_name)}</wp:author_display_name>"
        f"<wp:author_first_name>{_cdata(user.first_name)}</wp:author_first_name>"
        f"<wp:author_last_name>{_cdata(user.last_name)}</wp:author_last_name>"
        "</wp:author>\n"
    )


def _wxr_comment(comment: Comment) -> str:
    author = comment.author
    guest = author.is_guest
    parts = [
        "\t\t<wp:comment>\n",
        f"\t\t\t<wp:comment_id>{comment.pk}</wp:comment_id>\n",
        f"\t\t\t<wp:comment_author>{_cdata(author.display_name)}</wp:comment_author>\n",
        f"\t\t\t<wp:comment_author_email>{_cdata(author.email)}</wp:comment_author_email>\n",
        "\t\t\t<wp:comment_author_url></wp:comment_author_url>\n",
        f"\t\t\t<wp:comment_author_IP>{_text(comment.ip_address or '')}</wp:comment_author_IP>\n",
        f"\t\t\t<wp:comment_date>{_local(comment.created_at)}</wp:comment_date>\n",
        f"\t\t\t<wp:comment_date_gmt>{_gmt(comment.created_at)}</wp:comment_date_gmt>\n",
        f"\t\t\t<wp:comment_content>{_cdata(comment.body)}</wp:comment_content>\n",
        f"\t\t\t<wp:comment_approved>{WP_APPROVED[comment.status]}</wp:comment_approved>\n",
        "\t\t\t<wp:comment_type>comment</wp:comment_type>\n",
        f"\t\t\t<wp:comment_parent>{comment.parent_id or 0}</wp:comment_parent>\n",
        f"\t\t\t<wp:comment_user_id>{0 if guest else author.pk}</wp:comment_user_id>\n",
    ]
    parts.append(
        "\t\t\t<wp:commentmeta>"
        f"<wp:meta_key>{FORMAT_META_KEY}</wp:meta_key>"
        f"<wp:meta_value>{_cdata(comment.body_format)}</wp:meta_value>"
        "</wp:commentmeta>\n"
    )
    if comment.status in (Comment.Status.REMOVED, Comment.Status.DELETED):
        parts.append(
            "\t\t\t<wp:commentmeta>"
            f"<wp:meta_key>{STATUS_META_KEY}</wp:meta_key>"
            f"<wp:meta_value>{_cdata(comment.status)}</wp:meta_value>"
            "</wp:commentmeta>\n"
        )
    parts.append("\t\t</wp:comment>\n")
    return "".join(parts)


def _wxr_item_head(article: Article) -> str:
    url = _article_url(article)
    creator = article.author.username if article.author else ""
    published = article.status == Article.Status.PUBLISHED
    lines = [
        "\t<item>\n",
        f"\t\t<title>{_cdata(article.title)}</title>\n",
        f"\t\t<link>{_text(url)}</link>\n",
    ]
    if article.published_at is not None:
        lines.append(f"\t\t<pubDate>{_rfc822(article.published_at)}</pubDate>\n")
    lines += [
        f"\t\t<dc:creator>{_cdata(creator)}</dc:creator>\n",
        f'\t\t<guid isPermaLink="false">{_text(url)}</guid>\n',
        "\t\t<description></description>\n",
        f"\t\t<content:encoded>{_cdata(article.body)}</content:encoded>\n",
        f"\t\t<excerpt:encoded>{_cdata(article.standfirst)}</excerpt:encoded>\n",
        f"\t\t<wp:post_id>{article.pk}</wp:post_id>\n",
        # No publication date (a draft): zeros in both, which WordPress reads
        # as "not yet" and our parser as none, so it stays a draft without a date.
        f"\t\t<wp:post_date>{_cdata(_local(article.published_at))}</wp:post_date>\n",
        f"\t\t<wp:post_date_gmt>{_cdata(_gmt(article.published_at))}</wp:post_date_gmt>\n",
        f"\t\t<wp:comment_status>{'open' if article.comments_open else 'closed'}"
        "</wp:comment_status>\n",
        "\t\t<wp:ping_status>closed</wp:ping_status>\n",
        f"\t\t<wp:post_name>{_cdata(article.slug)}</wp:post_name>\n",
        f"\t\t<wp:status>{'publish' if published else 'draft'}</wp:status>\n",
        "\t\t<wp:post_parent>0</wp:post_parent>\n",
        "\t\t<wp:menu_order>0</wp:menu_order>\n",
        "\t\t<wp:post_type>post</wp:post_type>\n",
        "\t\t<wp:post_password></wp:post_password>\n",
        "\t\t<wp:is_sticky>0</wp:is_sticky>\n",
    ]
    lines += [
        f'\t\t<category domain="post_tag" nicename="{_attr(tag.slug)}">'
        f"{_cdata(tag.name)}</category>\n"
        for tag in article.tags.all()
    ]
    return "".join(lines)


def export_wxr(*, articles: QuerySet[Article], counts: ExportCounts | None = None) -> Iterator[str]:
    """The articles and all their comments as a WordPress eXtended RSS 1.2 document.

    WordPress's importer and ``comments.importing.wxr.parse_wxr`` both read
    it. Queries: two for the header (authors, tags), two per
    ``ARTICLE_CHUNK`` articles, one per article for its comments.
    """
    counts = counts if counts is not None else ExportCounts()
    site = settings.SITE_URL
    yield (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        "<!-- A WordPress eXtended RSS file written by Trekboard's export_discussions. -->\n"
        "<!-- It holds commenters' email and IP addresses: keep it private. -->\n"
        '<rss version="2.0"\n'
        f'\txmlns:excerpt="http://wordpress.org/export/{WXR_VERSION}/excerpt/"\n'
        '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
        '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n'
        '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        f'\txmlns:wp="{WP_NS}"\n'
        ">\n"
        "<channel>\n"
        f"\t<title>{_cdata(site)}</title>\n"
        f"\t<link>{_text(site)}</link>\n"
        "\t<description></description>\n"
        f"\t<pubDate>{_rfc822(timezone.now())}</pubDate>\n"
        f"\t<language>{_text(settings.LANGUAGE_CODE)}</language>\n"
        f"\t<wp:wxr_version>{WXR_VERSION}</wp:wxr_version>\n"
        f"\t<wp:base_site_url>{_text(site)}</wp:base_site_url>\n"
        f"\t<wp:base_blog_url>{_text(site)}</wp:base_blog_url>\n"
    )
    # Every registered author, commenters included: WordPress links a
    # comment to an account only through these entries' author_id.
    for user in _authors_involved(articles).iterator(chunk_size=COMMENT_CHUNK):
        yield _wxr_author(user)
    for tag in Tag.objects.filter(articles__in=articles.values("pk")).distinct().order_by("pk"):
        yield (
            f"\t<wp:tag><wp:term_id>{tag.pk}</wp:term_id>"
            f"<wp:tag_slug>{_cdata(tag.slug)}</wp:tag_slug>"
            f"<wp:tag_name>{_cdata(tag.name)}</wp:tag_name></wp:tag>\n"
        )
    yield "\t<generator>Trekboard</generator>\n"
    for article in _articles(articles):
        counts.articles += 1
        yield _wxr_item_head(article)
        for comment in _comments_of(article):
            counts.comments += 1
            yield _wxr_comment(comment)
        yield "\t</item>\n"
    yield "</channel>\n</rss>\n"


# --- JSON -------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _json_comment(comment: Comment) -> dict[str, Any]:
    author = comment.author
    return {
        "id": comment.pk,
        "author": {
            "username": author.username,
            "display_name": author.display_name,
            "guest": author.is_guest,
        },
        "created_at": _iso(comment.created_at),
        "edited_at": _iso(comment.edited_at),
        "status": comment.status,
        "body": comment.body,
        "body_format": comment.body_format,
        "body_html": comment.body_html,
        "likes": comment.like_count,
        "replies": [],
    }


def _json_thread(article: Article, counts: ExportCounts) -> list[dict[str, Any]]:
    """The article's comments nested by reply.

    Memory: one article's comments at a time (its whole discussion is built
    before it is written); the file as a whole is streamed.
    """
    roots: list[dict[str, Any]] = []
    nodes: dict[int, dict[str, Any]] = {}
    for comment in _comments_of(article):
        counts.comments += 1
        node = nodes[comment.pk] = _json_comment(comment)
        parent = nodes.get(comment.parent_id) if comment.parent_id else None
        (parent["replies"] if parent is not None else roots).append(node)
    return roots


def _json_article(article: Article, counts: ExportCounts) -> dict[str, Any]:
    return {
        "slug": article.slug,
        "title": article.title,
        "url": _article_url(article),
        "published_at": _iso(article.published_at),
        "status": article.status,
        "comments_open": article.comments_open,
        "tags": [tag.name for tag in article.tags.all()],
        "comments": _json_thread(article, counts),
    }


def export_json(
    *, articles: QuerySet[Article], counts: ExportCounts | None = None
) -> Iterator[str]:
    """The articles as one JSON document, each article's discussion as a tree of replies.

    Written an article per line inside the ``articles`` array, so the file
    is streamed while one article at a time is held in memory.
    """
    counts = counts if counts is not None else ExportCounts()
    head = {"site": settings.SITE_URL, "exported_at": _iso(timezone.now())}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "articles": ['
    separator = "\n"
    for article in _articles(articles):
        counts.articles += 1
        yield separator + json.dumps(_json_article(article, counts), ensure_ascii=False)
        separator = ",\n"
    yield "\n]}\n"


EXPORTERS = {"wxr": export_wxr, "json": export_json}
