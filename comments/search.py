"""Full-text search of what anyone may read: published articles and their published comments.

PostgreSQL's own full-text search (issue 16): each comment keeps the text
readers see with its spoilers left out (``Comment.search_text``, written with
its HTML) and a generated ``tsvector`` over it behind a GIN index (the
admin's search of comments uses it too); each article a weighted vector of its headline,
standfirst and text. A reader's words go through ``websearch_to_tsquery``, so
"quoted phrases", ``-exclusions`` and ``or`` work as on a search engine, and
no input is a syntax error.

Visibility is the discussion's rule for a reader who isn't signed in: a
comment's text is shown when it is published, on a published article (the
feeds' rule, ``selectors.feed_comments``). Nothing here reads a draft, a held,
removed, deleted or spam comment, for staff either: moderators search those in
admin.

One statement per group, whatever the table's size: the comments' page (with
the count of matches, up to RANKED_AT_MOST and one), and on the first page
the best few articles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html import escape

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article, Release, ReleaseAiring, Watched
from articles.selectors import published_sql
from comments.models import Comment
from trekboard.queries import row_instance
from trekboard.replicas import read_connection

PER_PAGE = 20
ARTICLES_SHOWN = 5
# Comments ranked per search: the newest this many matches. A word in a
# quarter of a million comments is ranked among its newest thousand (and said
# to be found "1,000+" times), so no search reads more than that many rows,
# and on a news board the newest matches are the ones readers are after.
RANKED_AT_MOST = 1000
# Longer queries are cut here: websearch_to_tsquery takes anything, but a
# thousand words is not a search.
MAX_QUERY_LENGTH = 200

# ts_headline marks each match with these; the snippet is escaped, then they
# become <mark>. Control characters: html_to_text never leaves one in a text.
_START, _STOP = "\x02", "\x03"
_HEADLINE = (
    f"StartSel={_START}, StopSel={_STOP}, MaxWords=40, MinWords=15, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)
_TSQUERY = "websearch_to_tsquery('english', %(q)s)"


@dataclass(frozen=True)
class Search:
    """What a reader asked for, already checked (``comments.forms.SearchForm``)."""

    text: str
    article: str = ""  # an article's slug
    author: str = ""  # a username, matched without regard to case
    since: date | None = None
    until: date | None = None  # inclusive
    page: int = 1
    # Who searches: a comment marked as spoiling a release is found only by
    # readers who have watched it (``viewer``'s account, or ``watched``, an
    # anonymous reader's cookie) or once its window has closed everywhere.
    viewer: int = 0
    watched: tuple[int, ...] = ()


@dataclass
class CommentHit:
    comment: Comment  # with ``author`` and ``article`` (title and slug) attached
    snippet: SafeString


@dataclass
class ArticleHit:
    article: Article
    snippet: SafeString


@dataclass
class Results:
    search: Search
    comments: list[CommentHit] = field(default_factory=list)
    articles: list[ArticleHit] = field(default_factory=list)
    total: int = 0  # comments matching, on every page (RANKED_AT_MOST + 1: more than that)
    # websearch_to_tsquery kept no word of it (only words like "the", or punctuation).
    no_words: bool = False

    @property
    def ranked_at_most(self) -> int:
        return RANKED_AT_MOST

    @property
    def more_than_ranked(self) -> bool:
        return self.total > RANKED_AT_MOST

    @property
    def pages(self) -> int:
        return max(1, -(-min(self.total, RANKED_AT_MOST) // PER_PAGE))

    @property
    def has_next(self) -> bool:
        return self.search.page < self.pages

    @property
    def first_shown(self) -> int:
        return (self.search.page - 1) * PER_PAGE + 1


def snippet(headline: str) -> SafeString:
    """``ts_headline``'s text, escaped, with its matches in ``<mark>``."""
    text = " ".join(headline.split())  # where tags were, the text has runs of spaces
    return mark_safe(  # noqa: S308 - escaped here; only our own <mark> is added
        escape(text).replace(_START, "<mark>").replace(_STOP, "</mark>")
    )


def _spoiler_sql() -> str:
    quote = connection.ops.quote_name
    releases, airings = quote(Release._meta.db_table), quote(ReleaseAiring._meta.db_table)
    watched = quote(Watched._meta.db_table)
    return f"""(c.spoils_id IS NULL OR c.spoils_id = ANY(%(watched)s)
        OR EXISTS (SELECT 1 FROM {watched} w
                    WHERE w.user_id = %(viewer)s AND w.release_id = c.spoils_id)
        OR (SELECT greatest(r.released_at, max(x.airs_at)) FROM {releases} r
              LEFT JOIN {airings} x ON x.release_id = r.id WHERE r.id = c.spoils_id
             GROUP BY r.id) + make_interval(days => %(spoiler_days)s) <= %(now)s)"""  # noqa: S608


def _filters(search: Search, *, comment: bool) -> tuple[list[str], dict]:
    """The WHERE clauses of a search (over ``a``; for comments ``c`` and ``u`` too)."""
    clauses = [published_sql("a")]
    params: dict = {"q": search.text, "now": timezone.now()}
    if search.article:
        clauses.append("a.slug = %(article)s")
        params["article"] = search.article
    if search.author:
        clauses.append("upper(u.username) = upper(%(author)s)")
        params["author"] = search.author
    if comment:
        clauses.append(_spoiler_sql())
        params["viewer"], params["watched"] = search.viewer, list(search.watched)
        params["spoiler_days"] = settings.RELEASE_SPOILER_DAYS
    moment = "c.created_at" if comment else "a.published_at"
    tz = timezone.get_current_timezone()
    if search.since:
        clauses.append(f"{moment} >= %(since)s")
        params["since"] = datetime.combine(search.since, time.min, tzinfo=tz)
    if search.until:
        clauses.append(f"{moment} < %(until)s")
        params["until"] = datetime.combine(search.until + timedelta(days=1), time.min, tzinfo=tz)
    return clauses, params


_COMMENT_COLUMNS = ("id", "article_id", "author_id", "parent_id", "created_at", "like_count")
_AUTHOR_COLUMNS = ("id", "username", "first_name", "last_name", "is_guest")
_ARTICLE_COLUMNS = ("id", "title", "slug", "published_at")


def _comment_hits(search: Search) -> tuple[list[CommentHit], int, bool]:
    """The page's comments, how many match in all, and whether the query kept any word."""
    quote = connection.ops.quote_name
    comments = quote(Comment._meta.db_table)
    articles = quote(Article._meta.db_table)
    users = quote(get_user_model()._meta.db_table)
    clauses, params = _filters(search, comment=True)
    params |= {
        "limit": PER_PAGE,
        "offset": (search.page - 1) * PER_PAGE,
        "headline": _HEADLINE,
        "ranked": RANKED_AT_MOST + 1,
        "ranked_at_most": RANKED_AT_MOST,
    }
    author_join = f"JOIN {users} u ON u.id = c.author_id" if search.author else ""
    # The newest matches (RANKED_AT_MOST, and one more to know there are
    # more): for a common word PostgreSQL walks the comments newest first and
    # stops there, for a rare one it reads the index's few. The query is
    # written out in the WHERE clause, not read from the CTE, so the planner
    # sees it and knows from the statistics how common its words are. Those
    # are ranked and counted once (``matches``); only the page's rows are
    # joined and given a snippet, ts_headline being the costly part. The first row always
    # comes, with the count and whether any word was kept, even past the last
    # page or with nothing found.
    sql = f"""
        WITH query AS (SELECT {_TSQUERY} AS q),
        newest AS MATERIALIZED (
            SELECT c.id, c.search_vector, c.created_at
            FROM {comments} c
            JOIN {articles} a ON a.id = c.article_id {author_join}
            WHERE c.search_vector @@ {_TSQUERY} AND c.status = 'published'
              AND {" AND ".join(clauses)}
            ORDER BY c.created_at DESC, c.id DESC
            LIMIT %(ranked)s
        ),
        matches AS MATERIALIZED (
            SELECT n.id, ts_rank_cd(n.search_vector, query.q) AS rank, n.created_at
            FROM (
                SELECT * FROM newest ORDER BY created_at DESC, id DESC LIMIT %(ranked_at_most)s
            ) n CROSS JOIN query
        ),
        hits AS (
            SELECT * FROM matches
            ORDER BY rank DESC, created_at DESC, id DESC
            LIMIT %(limit)s OFFSET %(offset)s
        )
        SELECT numnode(query.q) > 0, (SELECT count(*) FROM newest),
               {", ".join(f"c.{quote(name)}" for name in _COMMENT_COLUMNS)},
               {", ".join(f"u.{quote(name)}" for name in _AUTHOR_COLUMNS)},
               {", ".join(f"a.{quote(name)}" for name in _ARTICLE_COLUMNS)},
               ts_headline('english', c.search_text, query.q, %(headline)s)
        FROM query LEFT JOIN (
            hits h JOIN {comments} c ON c.id = h.id
            JOIN {users} u ON u.id = c.author_id
            JOIN {articles} a ON a.id = c.article_id
        ) ON true
        ORDER BY h.rank DESC, h.created_at DESC, h.id DESC
    """  # noqa: S608 - names from the models; values are parameters
    reader = read_connection()  # a replica's, when there are any
    with reader.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    has_words, total = rows[0][0], rows[0][1]
    if rows[0][2] is None:  # the LEFT JOIN's empty side: no comment on this page
        return [], total, has_words
    db, user_model = reader.alias, get_user_model()
    n_comment, n_author = len(_COMMENT_COLUMNS), len(_AUTHOR_COLUMNS)
    hits = []
    for row in rows:
        values = row[2:]
        comment = row_instance(Comment, db, _COMMENT_COLUMNS, values[:n_comment])
        author = row_instance(
            user_model, db, _AUTHOR_COLUMNS, values[n_comment : n_comment + n_author]
        )
        article = row_instance(Article, db, _ARTICLE_COLUMNS, values[n_comment + n_author : -1])
        comment._state.fields_cache = {"author": author, "article": article}
        hits.append(CommentHit(comment=comment, snippet=snippet(values[-1])))
    return hits, total, has_words


def _article_hits(search: Search) -> list[ArticleHit]:
    quote = connection.ops.quote_name
    articles = quote(Article._meta.db_table)
    users = quote(get_user_model()._meta.db_table)
    clauses, params = _filters(search, comment=False)
    params |= {"limit": ARTICLES_SHOWN, "headline": _HEADLINE}
    author_join = f"JOIN {users} u ON u.id = a.author_id" if search.author else ""
    # The snippet comes from the standfirst and the text, tags taken out.
    sql = f"""
        WITH query AS (SELECT {_TSQUERY} AS q),
        hits AS (
            SELECT a.id, ts_rank_cd(a.search_vector, query.q) AS rank, a.published_at
            FROM {articles} a CROSS JOIN query {author_join}
            WHERE a.search_vector @@ {_TSQUERY} AND {" AND ".join(clauses)}
            ORDER BY rank DESC, a.published_at DESC, a.id DESC
            LIMIT %(limit)s
        )
        SELECT {", ".join(f"a.{quote(name)}" for name in _ARTICLE_COLUMNS)},
               ts_headline('english',
                           a.standfirst || ' ' || regexp_replace(a.body_html, '<[^>]*>', ' ', 'g'),
                           query.q, %(headline)s)
        FROM hits h CROSS JOIN query JOIN {articles} a ON a.id = h.id
        ORDER BY h.rank DESC, h.published_at DESC, h.id DESC
    """  # noqa: S608 - names from the models; values are parameters
    reader = read_connection()  # a replica's, when there are any
    with reader.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    db = reader.alias
    return [
        ArticleHit(
            article=row_instance(Article, db, _ARTICLE_COLUMNS, row[:-1]),
            snippet=snippet(row[-1]),
        )
        for row in rows
    ]


def search(query: Search) -> Results:
    """The page of results for ``query``: comments, and on the first page articles too."""
    results = Results(search=query)
    results.comments, results.total, has_words = _comment_hits(query)
    results.no_words = not has_words
    # Articles on the first page only, and not inside one article's discussion.
    if query.page == 1 and has_words and not query.article:
        results.articles = _article_hits(query)
    return results
