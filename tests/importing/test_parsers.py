"""What the WordPress and Disqus parsers read out of real and hand-made export files.

The shared samples are peer projects' own test data; each test asserts, at the
level of records, the facts listed for it in import-samples/README.md. The
small files in ``files/`` cover what the samples don't: deep nesting, every
comment status, broken and hostile files.
"""

from __future__ import annotations

import io
import itertools
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest

from comments.importing.disqus import parse_disqus
from comments.importing.records import (
    ArticleRecord,
    AuthorRecord,
    CommentRecord,
    ImportFileError,
    Skipped,
)
from comments.importing.wxr import parse_wxr

SAMPLES = Path("/work/shared/import-samples")
FILES = Path(__file__).resolve().parent / "files"

Record = AuthorRecord | ArticleRecord | CommentRecord | Skipped
T = TypeVar("T")


def of_type(records: Iterable[Record], kind: type[T]) -> list[T]:
    return [record for record in records if isinstance(record, kind)]


def comments_by_id(records: Iterable[Record]) -> dict[str, CommentRecord]:
    """Comments by the last part of their key (the source's own comment id)."""
    return {c.source_key.rsplit(":", 1)[1]: c for c in of_type(records, CommentRecord)}


def depth(comment: CommentRecord, by_key: dict[str, CommentRecord]) -> int:
    level = 0
    while comment.parent_key is not None and comment.parent_key in by_key:
        comment = by_key[comment.parent_key]
        level += 1
    return level


def skip_reasons(records: Iterable[Record]) -> Counter[str]:
    return Counter(s.reason for s in of_type(records, Skipped))


def read_until_error(records: Iterator[Record]) -> tuple[list[Record], ImportFileError]:
    """The records yielded before the parser gave up, and its error."""
    seen: list[Record] = []
    try:
        for record in records:
            seen.append(record)
    except ImportFileError as error:
        return seen, error
    pytest.fail("the file was read without an ImportFileError")


# -- WordPress samples ------------------------------------------------------------------


def test_wordpress_small_export() -> None:
    records = list(parse_wxr(SAMPLES / "wordpress-importer-small-export.xml"))

    assert [a.login for a in of_type(records, AuthorRecord)] == ["admin", "editor", "author"]
    editor = of_type(records, AuthorRecord)[1]
    assert (editor.email, editor.first_name, editor.last_name) == (
        "editor@example.org",
        "FirstName",
        "LastName",
    )
    articles = of_type(records, ArticleRecord)
    assert len(articles) == 11
    assert Counter(a.status for a in articles) == {"published": 9, "draft": 2}
    private = next(a for a in articles if a.title == "Private Post")
    assert private.status == "draft"
    assert private.tags == ("Tag1", "Tag2", "Tag3", "Uncategorized")
    draft_page = next(a for a in articles if a.title == "Draft Page")
    assert (draft_page.status, draft_page.slug) == ("draft", "")
    many = next(a for a in articles if a.title == "Many Categories")
    assert len(many.tags) == 27
    assert "远征手记" in many.tags
    aside = next(a for a in articles if a.title == "Non-standard post format")
    assert aside.tags == ("Uncategorized",)  # post_format isn't a tag

    [comment] = of_type(records, CommentRecord)
    hello = next(a for a in articles if a.title == "Hello world!")
    assert comment.article_key == hello.source_key == "wp:localhost:1"
    assert (comment.author_name, comment.author_email, comment.author_login) == (
        "Mr WordPress",
        "",
        "",
    )
    assert comment.status == "published"
    assert comment.parent_key is None
    assert "<br />" in comment.body
    assert "&#039;" in comment.body  # inside CDATA, so never decoded
    assert not of_type(records, Skipped)


def test_wordpress_same_file_gives_the_same_keys() -> None:
    path = SAMPLES / "wordpress-importer-small-export.xml"
    assert list(parse_wxr(path)) == list(parse_wxr(path))


def test_wordpress_slashes_are_kept() -> None:
    records = list(parse_wxr(SAMPLES / "wordpress-importer-slashes.xml"))

    [article] = of_type(records, ArticleRecord)
    assert article.body == 'Slashes aren\\\'t \\"cool\\"'
    assert article.tags == ('a \\"great\\" category',)
    [comment] = of_type(records, CommentRecord)
    assert comment.body == "\\o/ ¯\\_(ツ)_/¯"


def test_wordpress_serialized_comment_meta_sample() -> None:
    records = list(parse_wxr(SAMPLES / "wordpress-importer-test-serialized-comment-meta.xml"))

    [article] = of_type(records, ArticleRecord)
    assert article.status == "draft"
    assert article.slug == ""
    # post_date_gmt is 0000-00-00: post_date is read as UTC instead.
    assert article.published_at == datetime(2009, 10, 20, 16, 13, 20, tzinfo=UTC)
    [comment] = of_type(records, CommentRecord)
    assert comment.author_name == "A WordPress Commenter"
    assert comment.author_login == ""
    assert comment.ip_address == ""
    assert comment.status == "published"
    assert comment.created_at == datetime(2020, 1, 5, 12, 50, 15, tzinfo=UTC)
    assert comment.body.count("\n") == 2
    assert '<a href="https://gravatar.com">Gravatar</a>' in comment.body


def test_wordpress_theme_unit_test_data() -> None:
    records = list(parse_wxr(SAMPLES / "wordpress-importer-theme-unit-test-data.xml"))

    assert [a.login for a in of_type(records, AuthorRecord)] == ["themedemos", "themereviewteam"]
    articles = of_type(records, ArticleRecord)
    assert len(articles) == 58 + 21  # posts + pages
    assert all(a.source_key.startswith("wp:wpthemetestdata.wordpress.com:") for a in articles)
    items = [s for s in of_type(records, Skipped) if s.kind == "item"]
    assert Counter(s.reason for s in items) == {
        "attachment (not an article)": 37,
        "menu item (not an article)": 70,
    }
    assert len(articles) + len(items) == 186

    comments = of_type(records, CommentRecord)
    per_post = Counter(c.article_key.rsplit(":", 1)[1] for c in comments)
    assert per_post == {"51": 1, "155": 4, "703": 1, "1148": 20, "1149": 1, "1168": 1, "1170": 1}
    pings = [s for s in of_type(records, Skipped) if s.kind == "comment"]
    assert Counter(s.reason for s in pings) == {
        "trackback (not a comment)": 2,
        "pingback (not a comment)": 2,
    }
    assert {s.source_id.rsplit(":", 2)[1] for s in pings} == {"1149"}
    assert len(comments) + len(pings) == 33

    by_id = comments_by_id(records)
    assert sorted(k for k, c in by_id.items() if c.status == "pending") == ["1015", "1016", "1017"]
    assert by_id["1017"].parent_key == by_id["168"].source_key
    assert by_id["1016"].article_key.endswith(":703")
    assert by_id["1015"].article_key.endswith(":1148")

    chain = ["904", "905", "906", "907", "910", "911", "912", "913", "914", "915"]
    by_key = {c.source_key: c for c in comments}
    for parent, child in itertools.pairwise(chain):
        assert by_id[child].parent_key == by_id[parent].source_key
    assert by_id["904"].parent_key is None
    assert depth(by_id["915"], by_key) == 9
    assert by_id["915"].body.startswith("Comment Depth 10")

    # Four comments by user 24783058; three used themedemos's e-mail and resolve to it,
    # 920 ("Jane Doe") used another and stays a guest: WXR can't map user ids.
    registered = sorted(k for k, c in by_id.items() if c.author_login)
    assert registered == ["903", "910", "915"]
    assert {by_id[k].author_login for k in registered} == {"themedemos"}
    assert (by_id["920"].author_name, by_id["920"].author_login) == ("Jane Doe", "")
    assert len(by_id["881"].body) == 7012
    assert not any(c.body != c.body.strip() for c in comments)

    protected = next(a for a in articles if a.source_key.endswith(":1168"))
    assert protected.status == "draft"  # password-protected: not made public
    scheduled = next(a for a in articles if a.title == "Scheduled")
    assert scheduled.status == "draft"
    assert "content περιεχόμενο" in scheduled.tags


def test_wordpress_namespace_is_read_from_the_file() -> None:
    """The sample binds wp: to https://…; the same file with http:// reads the same."""
    data = (SAMPLES / "wordpress-importer-theme-unit-test-data.xml").read_bytes()
    assert b'xmlns:wp="https://wordpress.org/export/1.2/"' in data
    as_http = data.replace(
        b'xmlns:wp="https://wordpress.org/export/1.2/"',
        b'xmlns:wp="http://wordpress.org/export/1.2/"',
    )
    assert list(parse_wxr(io.BytesIO(as_http))) == list(parse_wxr(io.BytesIO(data)))


def test_wordpress_comprehensive_fixture() -> None:
    records = list(parse_wxr(SAMPLES / "wordpress-importer-wxr-comprehensive.xml"))

    assert [a.login for a in of_type(records, AuthorRecord)] == ["alice", "bob"]
    post, page = of_type(records, ArticleRecord)
    assert post.title == "Comprehensive Post"
    assert post.author_login == "alice"
    assert post.tags == ("News", "Updates", "T1", "T2")
    assert post.body.startswith("<!-- wp:paragraph -->")
    assert post.source_key == "wp:playground.internal/site:1000"
    assert page.title == "Comprehensive Page"
    assert (page.author_login, page.comments_open, page.status) == ("bob", False, "published")
    [comment] = of_type(records, CommentRecord)
    assert comment.source_key == "wp:playground.internal/site:1000:5000"
    assert (comment.body, comment.author_name, comment.author_login) == (
        "Great post!",
        "Commenter",
        "",
    )
    assert comment.ip_address == "127.0.0.1"
    assert comment.created_at == datetime(2024, 6, 6, 10, 0, tzinfo=UTC)


def test_wordpress_isso_quirks() -> None:
    records = list(parse_wxr(SAMPLES / "isso-wordpress.xml"))

    hello, unnumbered, empty = of_type(records, ArticleRecord)
    # No base URL in the channel: the site comes from the item's link.
    assert hello.source_key == "wp:example.tld:18"
    assert hello.title == "Hello, World…"
    # No post_id, post_type or status: keyed by its link, read as a published post.
    assert unnumbered.source_key == "wp:example.tld:http://example.tld/?p=4"
    assert unnumbered.status == "published"
    assert empty.title == "No comments"

    comments = of_type(records, CommentRecord)
    assert len(comments) == 8
    first = [c for c in comments if c.article_key == hello.source_key]
    assert len(first) == 7
    assert (first[0].author_name, first[0].body) == ("Ohai", "Erster!1")
    by_id = {c.source_key: c for c in comments}
    key = hello.source_key
    assert by_id[f"{key}:7"].parent_key == f"{key}:6"
    assert by_id[f"{key}:7"].body == "Drölfter!"
    assert by_id[f"{key}:8"].parent_key == by_id[f"{key}:9"].parent_key == f"{key}:7"
    assert by_id[f"{key}:10"].body == (
        "When you have a comment with multiple lines:\nWordPress exports it like this."
    )
    assert by_id[f"{key}:10"].created_at == datetime(2022, 6, 6, 2, 13, 14, tzinfo=UTC)
    # Comment 7 has only a GMT date, no type and no user id.
    assert by_id[f"{key}:7"].created_at == datetime(2014, 4, 29, 15, 21, 35, tzinfo=UTC)
    assert all(c.author_email == c.author_email.strip() for c in comments)
    assert by_id[f"{key}:2"].author_email == "test@example.org"
    # Comment id 11 is used twice, on two items: two comments, two keys.
    reused = [c for c in comments if c.source_key.endswith(":11")]
    assert [c.article_key for c in reused] == [hello.source_key, unnumbered.source_key]
    assert all(c.parent_key is None for c in reused)
    # Registered commenters (user id 1) stay unresolved: WXR 1.0 lists no authors.
    assert not any(c.author_login for c in comments)


# -- Disqus samples ---------------------------------------------------------------------


def test_disqus_isso_sample() -> None:
    records = list(parse_disqus(SAMPLES / "isso-disqus.xml"))

    hello, bare, untitled = of_type(records, ArticleRecord)
    assert hello.source_key == "disqus:thread:2"
    assert (hello.title, hello.link, hello.identifier) == (
        "Hello, World!",
        "http://example.org/",
        "some-id",
    )
    assert (bare.source_key, bare.title, bare.link, bare.identifier) == (
        "disqus:thread:3",
        "Disqus thread 3",
        "",
        "",
    )
    assert (
        untitled.title
        == untitled.link
        == ("http://localhost:4000/blog/2013/02/12/redacted/index.html")
    )
    assert untitled.identifier == ""

    posts = {c.source_key: c for c in of_type(records, CommentRecord)}
    assert list(posts) == [
        "disqus:post:4",
        "disqus:post:5",
        "disqus:post:8",
        "disqus:post:9",
        "disqus:post:11",
    ]
    assert posts["disqus:post:5"].parent_key == "disqus:post:4"
    assert posts["disqus:post:4"].author_name == "peter"
    assert posts["disqus:post:5"].body == "<p>Hello, World.</p>"
    assert posts["disqus:post:8"].article_key == untitled.source_key
    assert (posts["disqus:post:9"].status, posts["disqus:post:9"].body) == ("deleted", "")
    assert posts["disqus:post:11"].parent_key == "disqus:post:9"
    assert sum(c.status == "published" for c in posts.values()) == 4
    assert of_type(records, Skipped) == [
        Skipped(kind="comment", source_id="disqus:post:6", reason="its thread isn't in the file")
    ]
    assert not any(c.author_login for c in posts.values())


@pytest.mark.parametrize(
    "name",
    [
        "remark42-disqus.xml",
        "remark42-disqus-deleted-thread.xml",
        "remark42-disqus-deleted-post.xml",
    ],
)
def test_disqus_remark42_samples_are_refused_by_default(name: str) -> None:
    with pytest.raises(ImportFileError) as error:
        list(parse_disqus(SAMPLES / name))

    assert (error.value.line, error.value.column) == (1, 1)
    assert "not well-formed XML" in str(error.value)
    assert "--lenient" in str(error.value)


def test_disqus_remark42_lenient() -> None:
    records = list(parse_disqus(SAMPLES / "remark42-disqus.xml", lenient=True))

    old, podcast = of_type(records, ArticleRecord)
    assert (old.link, old.identifier) == ("http://radio-t.umputun.com/2011/03/229_8880.html", "")
    assert old.title == "Радио-Т: Радио-Т 229"  # noqa: RUF001 - Cyrillic, as exported
    assert podcast.link == "https://radio-t.com/p/2011/03/05/podcast-229/"
    assert podcast.identifier == "http://www.radio-t.com/p/2011/03/05/podcast-229/"
    assert podcast.comments_open is False

    comments = of_type(records, CommentRecord)
    live = [c for c in comments if c.status == "published"]
    assert [c.source_key for c in live] == [
        "disqus:post:299619020",
        "disqus:post:299744309",
        "disqus:post:299986072",
        "disqus:post-id:12345678890",  # no dsq:id: keyed by its <id>, as remark42 does
    ]
    first = live[0]
    assert first.body.startswith("<p>The quick brown fox")
    assert (first.parent_key, first.author_email, first.article_key) == (
        None,
        "",
        podcast.source_key,
    )
    assert live[2].author_name == "No Username"
    assert Counter(c.article_key for c in live) == {podcast.source_key: 2, old.source_key: 2}
    assert [c.source_key for c in comments if c.status == "spam"] == ["disqus:post:299986073"]

    assert [(s.kind, s.source_id, s.reason) for s in of_type(records, Skipped)] == [
        (  # the malformed post, readable once its attribute is quoted
            "comment",
            "disqus:post:x299986073",
            "unreadable post (isSpam neither true nor false)",
        ),
        ("lenient repair", "line 1", "ignored 1 byte before the XML declaration (line 1)"),
        (
            "lenient repair",
            "line 147",
            "quoted 1 attribute value written without quotes (line 147)",
        ),
    ]


def test_disqus_remark42_lenient_deleted_thread() -> None:
    records = list(parse_disqus(SAMPLES / "remark42-disqus-deleted-thread.xml", lenient=True))

    [article] = of_type(records, ArticleRecord)
    assert article.link == "http://radio-t.umputun.com/2011/03/229_8880.html"
    comments = of_type(records, CommentRecord)
    assert [c.status for c in comments] == ["published", "published"]
    assert {c.article_key for c in comments} == {article.source_key}
    reasons = skip_reasons(records)
    assert reasons["deleted on Disqus"] == 1
    assert reasons["its thread was skipped"] == 4  # 2 live, the spam and the malformed one


def test_disqus_remark42_lenient_deleted_post() -> None:
    records = list(parse_disqus(SAMPLES / "remark42-disqus-deleted-post.xml", lenient=True))

    comments = of_type(records, CommentRecord)
    live = [c for c in comments if c.status == "published"]
    assert len(live) == 3
    assert live[0].source_key == "disqus:post:299744309"
    assert live[0].body.startswith("<p>Microsoft")
    # The deleted post is still a record; the loader keeps it only if it has replies.
    deleted = [c for c in comments if c.status == "deleted"]
    assert [c.source_key for c in deleted] == ["disqus:post:299619020"]


# -- hand-made WordPress file -----------------------------------------------------------


@pytest.fixture(scope="module")
def wxr_records() -> list[Record]:
    return list(parse_wxr(FILES / "wxr-threads.xml"))


def test_wxr_nesting_to_depth_ten(wxr_records: list[Record]) -> None:
    comments = of_type(wxr_records, CommentRecord)
    by_key = {c.source_key: c for c in comments}
    deepest = by_key["wp:trek-notes.example:10:111"]
    assert deepest.body == "Depth 10"
    assert depth(deepest, by_key) == 10
    assert by_key["wp:trek-notes.example:10:101"].parent_key is None


def test_wxr_article_fields(wxr_records: list[Record]) -> None:
    deep, private, unfinished, protected = of_type(wxr_records, ArticleRecord)
    # www. and the scheme are left out of the site, so an http→https move keeps keys.
    assert deep.source_key == "wp:trek-notes.example:10"
    assert deep.title == "Deep threads & friends"
    assert deep.slug == "深い-threads"  # WordPress stores it percent-encoded
    assert deep.body == "<p>Make it <strong>so</strong>.</p>"
    assert deep.tags == ("Missions", "Warp")  # deduplicated, no post format
    assert deep.published_at == datetime(2024, 2, 1, 8, 0, tzinfo=UTC)
    assert (deep.status, deep.comments_open, deep.author_login) == ("published", True, "picard")

    assert (private.status, private.comments_open) == ("draft", False)
    # No usable wp: dates: pubDate, converted to UTC.
    assert unfinished.published_at == datetime(2024, 2, 7, 8, 30, tzinfo=UTC)
    assert (unfinished.status, unfinished.slug) == ("draft", "")
    # Published but password-protected: it stays hidden.
    assert protected.status == "draft"
    assert protected.published_at == datetime(2024, 2, 8, 9, 0, tzinfo=UTC)


def test_wxr_statuses_and_skips(wxr_records: list[Record]) -> None:
    by_id = comments_by_id(wxr_records)
    assert by_id["204"].status == "pending"
    assert by_id["205"].status == "spam"
    assert by_id["211"].status == "pending"  # a status only a plugin knows
    assert not {"206", "210", "301", "401"} & by_id.keys()
    assert {s.source_id.rsplit(":", 1)[1]: s.reason for s in of_type(wxr_records, Skipped)} == {
        "206": "in the trash",
        "210": "pingback (not a comment)",
        "301": "in the trash",  # post-trashed
        "14": "attachment (not an article)",
        "401": "on a skipped item (attachment)",
        "15": "menu item (not an article)",
        "16": "product (not an article)",
    }


def test_wxr_authors_and_guests(wxr_records: list[Record]) -> None:
    picard, troi = of_type(wxr_records, AuthorRecord)
    assert (picard.login, picard.display_name) == ("picard", "Jean-Luc Picard")
    assert troi.email == "Deanna.Troi@Example.org"

    by_id = comments_by_id(wxr_records)
    assert by_id["201"].author_login == "picard"  # by wp:author_id
    assert by_id["202"].author_login == "troi"  # by e-mail, in any case
    assert by_id["203"].author_login == ""  # a guest with picard's e-mail stays a guest
    assert by_id["203"].author_email == "jl.picard@example.org"
    assert by_id["204"].author_login == ""  # registered, but not in this file
    assert by_id["201"].ip_address == "2001:db8::1"
    assert by_id["201"].author_url == "https://www.trek-notes.example/"


def test_wxr_missing_parent_and_date_are_passed_on(wxr_records: list[Record]) -> None:
    orphan = comments_by_id(wxr_records)["207"]
    assert orphan.parent_key == "wp:trek-notes.example:10:999"  # the loader decides
    assert orphan.created_at is None
    # A zero GMT date falls back to comment_date, read as UTC.
    assert comments_by_id(wxr_records)["209"].created_at == datetime(2024, 2, 4, 11, 0, tzinfo=UTC)


def test_wxr_unicode_and_html_bodies(wxr_records: list[Record]) -> None:
    by_id = comments_by_id(wxr_records)
    assert by_id["208"].author_name == "Ensign Ro 🖖"
    assert by_id["208"].body == (
        "Ελληνικά, 日本語, עברית and 🖖🏽 — with <b>bold</b>, <script>alert(1)</script> "
        "&amp; a literal &#039;.\nSecond line."
    )  # as exported: sanitizing is the loader's job
    # Outside CDATA, XML escapes are decoded once, as in any XML reader.
    assert by_id["209"].author_name == "Escaped <b>not bold</b> 🚀"
    assert by_id["209"].body == "Outside CDATA: <p>escaped</p> &amp;"


def test_wxr_records_come_in_document_order(wxr_records: list[Record]) -> None:
    kinds = [type(r).__name__ for r in wxr_records]
    assert kinds[:4] == ["AuthorRecord", "AuthorRecord", "ArticleRecord", "CommentRecord"]
    seen: set[str] = set()
    for record in wxr_records:
        if isinstance(record, ArticleRecord):
            seen.add(record.source_key)
        elif isinstance(record, CommentRecord):
            assert record.article_key in seen


# -- hand-made Disqus file --------------------------------------------------------------


@pytest.fixture(scope="module")
def disqus_records() -> list[Record]:
    return list(parse_disqus(FILES / "disqus-threads.xml"))


def test_disqus_threads(disqus_records: list[Record]) -> None:
    first, second = of_type(disqus_records, ArticleRecord)
    assert first.source_key == "disqus:thread:10"
    assert first.title == "First Contact — ファーストコンタクト 🖖"
    assert (first.identifier, first.link) == ("post-10", "https://trek.example/first-contact/")
    assert first.comments_open is False
    assert first.author_login == ""
    assert second.title == "https://trek.example/second/"  # empty title: the link
    assert second.published_at == datetime(2020, 4, 6, 10, 0, tzinfo=UTC)  # +02:00 → UTC


def test_disqus_posts(disqus_records: list[Record]) -> None:
    posts = {c.source_key: c for c in of_type(disqus_records, CommentRecord)}
    top = posts["disqus:post:100"]
    assert top.body == "<p>Top &amp; <b>bold</b> — emoji 🚀, Ελληνικά.</p>"
    assert (top.author_name, top.author_email, top.author_login, top.ip_address) == (
        "Zefram Cochrane",
        "zefram@example.org",
        "",  # Disqus usernames are not accounts here
        "192.0.2.10",
    )
    assert top.created_at == datetime(2020, 5, 2, 10, 0, tzinfo=UTC)
    reply = posts["disqus:post:101"]
    assert (reply.parent_key, reply.author_name) == ("disqus:post:100", "lily")
    assert reply.body == "Reply without CDATA: <i>escaped</i>"
    deleted = posts["disqus:post:102"]
    assert (deleted.status, deleted.body, deleted.parent_key) == (
        "deleted",
        "",
        "disqus:post:101",
    )
    under_deleted = posts["disqus:post:103"]
    assert under_deleted.parent_key == "disqus:post:102"
    assert under_deleted.created_at is None  # "not a date"
    assert posts["disqus:post:104"].status == "spam"
    assert posts["disqus:post:105"].parent_key == "disqus:post:999"  # the loader decides


def test_disqus_post_before_its_thread_waits_for_it(disqus_records: list[Record]) -> None:
    keys = [r.source_key for r in disqus_records if not isinstance(r, Skipped)]
    # It comes out after every post that was in order, after its thread.
    assert keys.index("disqus:post:600") > keys.index("disqus:post:105")
    assert keys.index("disqus:post:600") > keys.index("disqus:thread:20")
    early = comments_by_id(disqus_records)["600"]
    assert (early.article_key, early.status) == ("disqus:thread:20", "published")


def test_disqus_skips(disqus_records: list[Record]) -> None:
    assert [(s.source_id, s.reason) for s in of_type(disqus_records, Skipped)] == [
        ("disqus:thread:30", "deleted on Disqus"),
        ("disqus:post:106", "its thread was skipped"),
        ("post 10 in the file", "post without a dsq:id or id"),
        ("disqus:post:108", "unreadable post (isSpam neither true nor false)"),
        ("disqus:post:109", "post without a thread"),
        ("disqus:post:107", "its thread isn't in the file"),
    ]


# -- broken and hostile files -----------------------------------------------------------


def test_malformed_file_names_the_line() -> None:
    seen, error = read_until_error(parse_wxr(FILES / "malformed.xml"))

    assert (error.line, error.column) == (10, 20)
    assert "not well-formed XML (mismatched tag)" in str(error)
    assert "--lenient" in str(error)
    assert "(line 10, column 20)" in str(error)
    # Parsing streams: what came before the error was already yielded.
    assert [a.title for a in of_type(seen, ArticleRecord)] == ["Fine so far"]


def test_malformed_file_stays_an_error_in_lenient_mode() -> None:
    with pytest.raises(ImportFileError, match="lenient mode can't repair it") as error:
        list(parse_wxr(FILES / "malformed.xml", lenient=True))
    assert error.value.line == 10


def test_truncated_file_is_reported_as_cut_off(tmp_path: Path) -> None:
    data = (SAMPLES / "wordpress-importer-theme-unit-test-data.xml").read_bytes()
    cut = tmp_path / "cut.xml"
    cut.write_bytes(data[: len(data) // 2])

    seen, error = read_until_error(parse_wxr(cut))

    assert "looks cut off" in str(error)
    assert error.line == data[: len(data) // 2].count(b"\n") + 1
    assert of_type(seen, ArticleRecord)  # the first half was read


@pytest.mark.parametrize("lenient", [False, True])
def test_truncated_mid_tag(lenient: bool) -> None:
    data = (FILES / "disqus-threads.xml").read_bytes()
    cut = data[: data.index(b'<post dsq:id="100">') + 9]
    with pytest.raises(ImportFileError, match="looks cut off"):
        list(parse_disqus(io.BytesIO(cut), lenient=lenient))


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"\n  \n")
    with pytest.raises(ImportFileError, match=r"^The file is empty$"):
        list(parse_wxr(empty))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="can't be opened"):
        list(parse_disqus(tmp_path / "nowhere.xml"))


@pytest.mark.parametrize("lenient", [False, True])
def test_xxe_is_refused(lenient: bool) -> None:
    with pytest.raises(ImportFileError) as error:
        list(parse_wxr(FILES / "xxe.xml", lenient=lenient))

    message = str(error.value)
    assert "declares an XML entity ('xxe')" in message
    assert "XXE and entity-expansion attacks" in message
    assert "root:" not in message
    assert error.value.line == 3


@pytest.mark.parametrize("lenient", [False, True])
def test_billion_laughs_is_refused_without_expanding(lenient: bool) -> None:
    started = time.monotonic()
    with pytest.raises(ImportFileError, match="declares an XML entity") as error:
        list(parse_disqus(FILES / "billion-laughs.xml", lenient=lenient))
    assert time.monotonic() - started < 1
    assert error.value.line == 3


def test_doctype_without_entities_is_allowed() -> None:
    [article] = list(parse_wxr(FILES / "doctype.xml"))
    assert article.source_key == "wp:doctype.example:1"


def test_external_dtd_is_never_read(tmp_path: Path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY secret "from the DTD">')
    export = tmp_path / "export.xml"
    export.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "{dtd.as_uri()}">\n'
        '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item>'
        "<title>&secret;</title></item></channel></rss>\n"
    )
    with pytest.raises(ImportFileError, match="undefined entity"):
        list(parse_wxr(export))


@pytest.mark.parametrize(
    ("parse", "name", "message"),
    [
        (parse_wxr, "rss-feed.xml", "This is an RSS feed, not a WordPress export"),
        (parse_wxr, "page.html", "This is a web page, not a WordPress export"),
        (parse_wxr, "disqus-threads.xml", "This is a Disqus export, not a WordPress one"),
        (parse_disqus, "page.html", "This is a web page, not a Disqus export"),
        (parse_disqus, "wxr-threads.xml", "import a WordPress export with import_wordpress"),
        (parse_disqus, "malformed.xml", "not a Disqus export"),
    ],
)
def test_not_an_export_fails_before_any_record(
    parse: Callable[..., Iterator[Record]], name: str, message: str
) -> None:
    seen, error = read_until_error(parse(FILES / name))
    assert message in str(error)
    assert seen == []


def test_not_an_export_xml_at_all() -> None:
    with pytest.raises(ImportFileError, match="not well-formed XML") as error:
        list(parse_disqus(io.BytesIO(b'{"threads": []}')))
    assert (error.value.line, error.value.column) == (1, 1)


# -- lenient repairs --------------------------------------------------------------------


def test_lenient_repairs_control_characters_and_attributes() -> None:
    with pytest.raises(ImportFileError, match=r"line 5, column 20"):
        list(parse_disqus(FILES / "disqus-damaged.xml"))

    records = list(parse_disqus(FILES / "disqus-damaged.xml", lenient=True))

    [thread] = of_type(records, ArticleRecord)
    assert thread.title == "Control  characters  from an old export"
    [post] = of_type(records, CommentRecord)
    assert post.article_key == "disqus:thread:1"  # <thread dsq:id=1 /> was quoted
    # Inside CDATA nothing is rewritten but the characters XML forbids everywhere.
    assert post.body == "Bell  inside CDATA, <a href=unquoted>kept as is</a>"
    assert [s.reason for s in of_type(records, Skipped)] == [
        "removed 3 control characters XML doesn't allow (lines 5, 8)",
        "quoted 1 attribute value written without quotes (line 11)",
    ]
    assert {s.kind for s in of_type(records, Skipped)} == {"lenient repair"}


def test_lenient_repairs_across_read_boundaries() -> None:
    """Many pieces of 64 KiB: tags, CDATA and comments that straddle them stay intact."""
    long_body = "<p>" + "x" * 70_000 + '<a href=inside-cdata title="a b=c">link</a></p>'
    posts = "".join(
        f'<post dsq:id="{n}"><message><![CDATA[{long_body if n == 3 else f"Post {n}"}]]>'
        f"</message><!-- a=b --><isSpam>false</isSpam>"
        f'<thread dsq:id={n % 2 + 1} note="x = y &amp; z"/>'
        # The same tag twice on one line, then again on the next.
        f"<parent dsq:id=1/><parent dsq:id=1/></post>\n"
        for n in range(1, 3001)
    )
    data = (
        '<?xml version="1.0"?>\n<disqus xmlns="http://disqus.com" '
        'xmlns:dsq="http://disqus.com/disqus-internals">\n'
        '<thread dsq:id="1"><title>One</title></thread>\n'
        '<thread dsq:id="2"><title>Two</title></thread>\n'
        f"{posts}</disqus>\n"
    ).encode()
    assert len(data) > 4 * 64 * 1024

    records = list(parse_disqus(io.BytesIO(data), lenient=True))

    comments = of_type(records, CommentRecord)
    assert len(comments) == 3000
    assert Counter(c.article_key for c in comments) == {
        "disqus:thread:1": 1500,
        "disqus:thread:2": 1500,
    }
    assert comments[2].body == long_body
    [repair] = of_type(records, Skipped)
    assert repair.reason.startswith("quoted 9,000 attribute values written without quotes")
    assert repair.source_id == "lines 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 and 2,990 more"


@pytest.mark.parametrize("lenient", [False, True])
def test_text_after_the_export_is_not_a_cut_off_file(lenient: bool) -> None:
    data = (SAMPLES / "isso-disqus.xml").read_bytes() + b"trailing junk\n"
    with pytest.raises(ImportFileError, match="junk after document element"):
        list(parse_disqus(io.BytesIO(data), lenient=lenient))


def test_lenient_mode_changes_nothing_in_a_good_file() -> None:
    path = SAMPLES / "wordpress-importer-theme-unit-test-data.xml"
    assert list(parse_wxr(path, lenient=True)) == list(parse_wxr(path))


def test_lenient_keeps_line_numbers_after_dropping_leading_lines() -> None:
    data = b"garbage\nmore garbage\n" + (FILES / "malformed.xml").read_bytes()
    with pytest.raises(ImportFileError) as error:
        list(parse_wxr(io.BytesIO(data), lenient=True))
    assert error.value.line == 12


# -- streaming --------------------------------------------------------------------------


def test_progress_reports_every_byte_and_file_objects_stay_open() -> None:
    path = SAMPLES / "wordpress-importer-theme-unit-test-data.xml"
    steps: list[int] = []
    with path.open("rb") as handle:
        for _ in parse_wxr(handle, progress=steps.append):
            pass
        assert not handle.closed
    assert sum(steps) == path.stat().st_size
    assert len(steps) > 10  # reported as it goes, not once at the end


def test_text_mode_file_is_refused() -> None:
    with pytest.raises(TypeError, match="binary mode"):
        list(parse_wxr(io.StringIO("<rss/>")))


def _write_wxr(path: Path, comments: int, items: int = 4) -> None:
    """``items`` posts sharing ``comments``: big items, so per-comment streaming shows."""
    body = "Lorem ipsum dolor sit amet, <em>consectetur</em> adipiscing elit. " * 10
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
            "<wp:base_blog_url>https://big.example/</wp:base_blog_url>\n"
        )
        number = 0
        for item in range(1, items + 1):
            out.write(
                f"<item><title>Post {item}</title><content:encoded><![CDATA[<p>{item}</p>]]>"
                f"</content:encoded><wp:post_id>{item}</wp:post_id>"
                "<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>\n"
            )
            for index in range(comments // items):
                number += 1
                parent = number - 1 if index % 10 else 0
                out.write(
                    f"<wp:comment><wp:comment_id>{number}</wp:comment_id>"
                    f"<wp:comment_author><![CDATA[Guest {number}]]></wp:comment_author>"
                    f"<wp:comment_author_email>g{number}@example.org</wp:comment_author_email>"
                    "<wp:comment_date_gmt>2024-01-01 00:00:00</wp:comment_date_gmt>"
                    f"<wp:comment_content><![CDATA[{body}]]></wp:comment_content>"
                    "<wp:comment_approved>1</wp:comment_approved>"
                    f"<wp:comment_parent>{parent}</wp:comment_parent>"
                    "<wp:comment_user_id>0</wp:comment_user_id></wp:comment>\n"
                )
            out.write("</item>\n")
        out.write("</channel>\n</rss>\n")


def _write_disqus(path: Path, posts: int, threads: int = 50) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" '
            'xmlns:dsq="http://disqus.com/disqus-internals">\n'
        )
        for thread in range(1, threads + 1):
            out.write(
                f'<thread dsq:id="{thread}"><id>t{thread}</id>'
                f"<link>https://big.example/{thread}/</link><title>Thread {thread}</title>"
                "<isClosed>false</isClosed><isDeleted>false</isDeleted></thread>\n"
            )
        for post in range(1, posts + 1):
            parent = f'<parent dsq:id="{post - 1}"/>' if post % 10 else ""
            out.write(
                f'<post dsq:id="{post}"><message><![CDATA[<p>Post {post}: '
                f"{'lorem ipsum ' * 60}</p>]]></message>"
                "<createdAt>2024-01-01T00:00:00Z</createdAt><isDeleted>false</isDeleted>"
                f"<isSpam>false</isSpam><author><name>Guest {post}</name>"
                f"<email>g{post}@example.org</email><isAnonymous>true</isAnonymous></author>"
                f'<thread dsq:id="{post % threads + 1}"/>{parent}</post>\n'
            )
        out.write("</disqus>\n")


def _peak_memory(records: Iterator[Record]) -> tuple[int, int]:
    tracemalloc.start()
    try:
        count = sum(1 for _ in records)
        return tracemalloc.get_traced_memory()[1], count
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("write", "parse", "size"),
    [
        pytest.param(_write_wxr, parse_wxr, 10_000, id="wordpress"),
        pytest.param(
            _write_disqus,
            lambda path: parse_disqus(path, lenient=True),
            5_000,
            id="disqus-lenient",
        ),
    ],
)
def test_memory_stays_flat_as_the_file_grows(
    tmp_path: Path,
    write: Callable[[Path, int], None],
    parse: Callable[[Path], Iterator[Record]],
    size: int,
) -> None:
    small, big = tmp_path / "small.xml", tmp_path / "big.xml"
    write(small, size)
    write(big, size * 4)
    assert small.stat().st_size > 3_000_000

    small_peak, small_count = _peak_memory(parse(small))
    big_peak, big_count = _peak_memory(parse(big))

    assert big_count > 3.9 * small_count
    assert big_peak < 1.5 * small_peak, (small_peak, big_peak)
