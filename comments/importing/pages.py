"""Disqus threads filed under the discussions of other sites' pages (``import_disqus --pages``).

A site leaving Disqus for the embed wants each thread under its own page: the
discussion the embed opens for that page's address (``Article.external_url``).
``as_pages`` marks a parser's threads so; the loader (``articles``) then finds
or makes each page's discussion, and ``page_url`` says which address a thread's
``<link>`` is filed under, or why it can't be. Only pages of the allowed
embedding sites get a discussion, as on the embed's first view: a thread on any
other site is skipped, named, and nothing of it is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from articles import embedding
from comments.importing.records import ArticleRecord

NO_LINK = "no link to a page (an http or https address) to file the thread under"
NOT_ALLOWED = (
    "link not on an allowed embedding site: {origin}; "
    "add the site in Admin › Embedding sites or EMBED_ALLOWED_ORIGINS"  # noqa: RUF001 - as the admin shows it
)


def as_pages(records: Iterable[object]) -> Iterator[object]:
    """The records, with every thread to be filed under the page its link names."""
    for record in records:
        if isinstance(record, ArticleRecord):
            yield replace(record, external_page=True)
        else:
            yield record


def page_url(link: str, listed: frozenset[str]) -> tuple[str | None, str]:
    """The canonical address a thread's ``link`` is filed under, or None and why not.

    ``listed`` are the admin's embedding sites (``articles.selectors.embed_sites``).
    Disqus keeps a thread for each address its embed was loaded on, so a site
    that moved to https has two threads per page, ``http://…`` and
    ``https://…``; both go to one discussion. The scheme the site is allowed
    on wins (its embed names its pages so, and the other would be a discussion
    no reader is shown); when both are allowed, https does. The rest of the
    address is ``embedding.canonical_url``'s: host lower-cased, default port,
    fragment and tracking parameters dropped, so those copies meet as well.
    """
    canonical = embedding.canonical_url(link)
    if canonical is None:
        return None, NO_LINK
    rest = canonical.split("://", 1)[1]
    for candidate in (f"https://{rest}", f"http://{rest}"):
        if embedding.allowed(embedding.origin_of(candidate), listed):
            return candidate, ""
    return None, NOT_ALLOWED.format(origin=embedding.origin_of(canonical))
