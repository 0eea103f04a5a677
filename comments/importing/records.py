"""What an export file says, as plain records: the one interface between parsers and the loader.

Parsers yield these in document order. ``source_key`` strings are stable
across runs of the same file (they become ``Article.source_key`` /
``Comment.source_key``), which is what makes a second import add nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime


class _Text:
    """Drops NUL characters from every text field: PostgreSQL text can't hold them.

    The XML parsers never yield one (XML can't carry it), but records built by
    other code (a script, a test, a future parser) may.
    """

    def __post_init__(self) -> None:
        for spec in fields(self):  # type: ignore[arg-type]
            value = getattr(self, spec.name)
            if isinstance(value, str) and "\x00" in value:
                object.__setattr__(self, spec.name, value.replace("\x00", ""))


@dataclass(frozen=True)
class AuthorRecord(_Text):
    """A registered author of the source site (WordPress ``wp:author``)."""

    login: str
    email: str = ""
    display_name: str = ""
    first_name: str = ""
    last_name: str = ""


@dataclass(frozen=True)
class ArticleRecord(_Text):
    source_key: str  # e.g. "wp:<site>:<post id>", "disqus:<thread id>"
    title: str
    slug: str = ""  # empty: the loader derives one from the title
    body: str = ""  # HTML as exported; the loader sanitizes it
    link: str = ""  # the article's URL on the old site (Disqus threads match on it)
    identifier: str = ""  # Disqus <id>, when not empty
    published_at: datetime | None = None
    status: str = "published"  # "published" or "draft"
    author_login: str = ""
    tags: tuple[str, ...] = ()  # tags and categories, by name
    comments_open: bool = True
    # A Disqus thread filed under the discussion of its link, a page on another
    # site (``import_disqus --pages``; see ``comments.importing.pages``).
    external_page: bool = False


@dataclass(frozen=True)
class CommentRecord(_Text):
    source_key: str  # e.g. "wp:<site>:<post id>:<comment id>", "disqus:<post id>"
    article_key: str  # the ArticleRecord.source_key it belongs to
    parent_key: str | None  # None for a top-level comment
    body: str  # HTML or text as exported; the loader sanitizes it
    created_at: datetime | None
    status: str = "published"  # "published", "pending", "spam", "removed" or "deleted"
    author_name: str = ""
    author_email: str = ""
    author_login: str = ""  # a registered author's login, when the source says so
    author_url: str = ""
    ip_address: str = ""
    # Markdown only from this site's own exports: other systems' text is HTML.
    markdown: bool = False


@dataclass(frozen=True)
class Skipped:
    """Something in the file the import leaves out, and why (listed in the summary)."""

    kind: str  # "comment", "article", ...
    source_id: str
    reason: str


@dataclass
class Summary:
    """What an import did (or, with --dry-run, would do)."""

    articles: int = 0
    articles_matched: int = 0
    comments: int = 0
    users: int = 0
    guests: int = 0
    already_imported: int = 0
    # Threads filed under pages on other sites (--pages): whether any was, and how.
    to_pages: bool = False
    pages_created: int = 0
    pages_matched: int = 0
    orphans: list[str] = field(default_factory=list)  # comments whose parent is not in the file
    skipped: list[Skipped] = field(default_factory=list)


class ImportFileError(Exception):
    """The file can't be read as an export; nothing was written. Carries a line number."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        self.line = line
        self.column = column
        where = ""
        if line is not None:
            where = f" (line {line}, column {column})" if column is not None else f" (line {line})"
        super().__init__(f"{message}{where}")
