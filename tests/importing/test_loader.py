"""The import writer, fed hand-built records: trees, authors, statuses, idempotence, rollback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from accounts.models import User
from articles.models import Article, Tag
from comments.importing.loader import summary_lines
from comments.importing.records import (
    ArticleRecord,
    AuthorRecord,
    CommentRecord,
    ImportFileError,
    Skipped,
    Summary,
)
from comments.management.commands.check_comment_tree import find_violations
from comments.models import Comment, Notification
from comments.ranking import best_score
from comments.services import comment_create, discussions_import
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.helpers import thread_as_text

pytestmark = pytest.mark.django_db

T0 = datetime(2014, 3, 5, 12, 0, tzinfo=UTC)
POST = "wp:test:1"


def article(key: str = POST, **fields) -> ArticleRecord:
    fields.setdefault("title", "Hello, World!")
    fields.setdefault("body", "<p>The first post.</p>")
    fields.setdefault("published_at", T0)
    return ArticleRecord(source_key=key, **fields)


def comment(n: int | str, parent: int | str | None = None, **fields) -> CommentRecord:
    fields.setdefault("article_key", POST)
    fields.setdefault("body", f"Comment {n}")
    fields.setdefault("author_name", "Ohai")
    fields.setdefault("author_email", "ohai@example.org")
    minute = n if isinstance(n, int) else 0
    fields.setdefault("created_at", T0 + timedelta(minutes=minute))
    return CommentRecord(
        source_key=f"{POST}:{n}",
        parent_key=None if parent is None else f"{POST}:{parent}",
        **fields,
    )


def load(*records, **options) -> Summary:
    return discussions_import(records=iter(records), **options)


def by_key(n: int | str) -> Comment:
    return Comment.objects.get(source_key=f"{POST}:{n}")


def assert_trees_valid() -> None:
    assert find_violations() == []


def db_state() -> tuple:
    return (
        Article.objects.count(),
        Comment.objects.count(),
        User.objects.count(),
        Tag.objects.count(),
        list(Comment.objects.order_by("pk").values_list("pk", "tree_id", "lft", "rght")),
    )


# --- Trees -------------------------------------------------------------------


def test_a_chain_ten_deep_is_one_valid_tree_with_counters():
    records = [article(), comment(0)] + [comment(n, parent=n - 1) for n in range(1, 11)]

    summary = load(*records)

    assert (summary.articles, summary.comments, summary.orphans) == (1, 11, [])
    chain = [by_key(n) for n in range(11)]
    assert [c.level for c in chain] == list(range(11))
    assert len({c.tree_id for c in chain}) == 1
    assert [c.parent_id for c in chain[1:]] == [c.pk for c in chain[:-1]]
    assert chain[0].lft == 1
    assert all(a.lft < b.lft and b.rght < a.rght for a, b in pairwise(chain))
    assert [c.descendant_count for c in chain] == list(range(10, -1, -1))
    assert [c.reply_count for c in chain] == [1] * 10 + [0]
    assert_trees_valid()


def test_wide_and_deep_threads_each_get_their_own_tree_in_date_order():
    records = [
        article(),
        comment(5),
        comment(1),  # earlier than 5, later in the file
        comment(7, parent=1),
        comment(6, parent=1),
        comment(8, parent=6),
        comment(9, parent=5),
    ]

    load(*records)

    text = thread_as_text(Article.objects.get())
    assert text == "\n".join(
        [
            "Comment 1 (level 0)",
            "  Comment 6 (level 1)",
            "    Comment 8 (level 2)",
            "  Comment 7 (level 1)",
            "Comment 5 (level 0)",
            "  Comment 9 (level 1)",
        ]
    )
    assert by_key(1).tree_id < by_key(5).tree_id
    assert (by_key(1).reply_count, by_key(1).descendant_count) == (2, 3)
    assert by_key(1).best_score == best_score(likes=0, replies=2, created_at=by_key(1).created_at)
    assert_trees_valid()


def test_new_trees_follow_the_existing_ones_and_leave_them_alone():
    existing = CommentFactory()
    CommentFactory(parent=existing)
    before = list(Comment.objects.values_list("pk", "tree_id", "lft", "rght", "level"))

    load(article(), comment(1), comment(2, parent=1), comment(3))

    assert by_key(1).tree_id == existing.tree_id + 1
    assert by_key(3).tree_id == existing.tree_id + 2
    assert (
        list(
            Comment.objects.filter(pk__in=[b[0] for b in before]).values_list(
                "pk", "tree_id", "lft", "rght", "level"
            )
        )
        == before
    )
    assert_trees_valid()
    # The site keeps working on top of them.
    reply = comment_create(
        article=existing.article, author=UserFactory(), body="after", parent=None
    )
    assert reply.tree_id == existing.tree_id + 3
    assert_trees_valid()


def test_a_missing_parent_makes_a_listed_top_level_comment():
    summary = load(article(), comment(1), comment(2, parent=99), comment(3, parent=2))

    assert summary.orphans == [f"{POST}:2"]
    assert by_key(2).parent is None
    assert by_key(3).parent == by_key(2)
    assert_trees_valid()
    assert any("Parent not in the file" in line for line in summary_lines(summary))


def test_a_cycle_of_parents_is_cut_and_listed():
    summary = load(article(), comment(1, parent=2), comment(2, parent=1), comment(3, parent=3))

    assert Comment.objects.count() == 3
    assert sorted(summary.orphans) == [f"{POST}:1", f"{POST}:3"]
    assert by_key(2).parent == by_key(1)
    assert by_key(3).parent is None
    assert_trees_valid()


# --- Statuses and text -------------------------------------------------------


def test_pending_spam_and_removed_are_kept_but_not_counted():
    summary = load(
        article(),
        comment(1),
        comment(2, parent=1),
        comment(3, parent=1, status="pending"),
        comment(4, parent=1, status="spam"),
        comment(5, parent=3),
        comment(6, parent=1, status="removed"),
        comment(7, parent=1, status="trash"),
    )

    assert by_key(3).status == Comment.Status.PENDING
    assert by_key(4).status == Comment.Status.SPAM
    assert by_key(6).status == Comment.Status.REMOVED
    root = by_key(1)
    assert (root.reply_count, root.descendant_count) == (1, 2)  # 2 and 5
    assert [s.reason for s in summary.skipped] == ["status 'trash'"]
    assert_trees_valid()


def test_deleted_comments_stay_only_to_hold_their_replies():
    summary = load(
        article(),
        comment(1, status="deleted", body=""),
        comment(2, parent=1),
        comment(3, status="deleted"),
        comment(4, parent=3, status="deleted"),  # a deleted reply under a deleted comment
        comment(5),
    )

    assert by_key(1).status == Comment.Status.DELETED
    assert by_key(2).parent == by_key(1)
    assert not Comment.objects.filter(source_key__in=[f"{POST}:3", f"{POST}:4"]).exists()
    assert sorted(s.source_id for s in summary.skipped) == [f"{POST}:3", f"{POST}:4"]
    assert {s.reason for s in summary.skipped} == {"deleted, no replies"}
    assert "  2 comments: deleted, no replies" in summary_lines(summary)
    assert_trees_valid()


def test_bodies_are_sanitized_like_posted_comments():
    body = (
        "<script>alert('x')</script><b>bold</b> "
        '<a href="javascript:alert(1)">bad</a> <a href="https://trek.example/">good</a>'
        "\n\nNext paragraph 🖖 — Ünïcödé 日本語"
    )
    load(article(), comment(1, body=body, author_name="Zoë 🖖"))

    stored = by_key(1)
    assert stored.body == body  # what was written, as posted comments keep it
    assert "<script" not in stored.body_html
    assert "&lt;script&gt;" in stored.body_html
    assert "<b>bold</b>" in stored.body_html
    assert "javascript:" not in stored.body_html.replace("&lt;", "")
    assert 'href="https://trek.example/" rel="nofollow ugc noopener"' in stored.body_html
    assert "<p>Next paragraph 🖖 — Ünïcödé 日本語</p>" in stored.body_html
    assert stored.author.first_name == "Zoë 🖖"


def test_mentions_of_readers_here_are_linked_without_notifying_anyone():
    picard = UserFactory(username="picard")

    load(article(), comment(1, body="Make it so, @Picard. And @nobody."))

    html = by_key(1).body_html
    assert f'<a href="{picard.get_absolute_url()}" class="mention"' in html
    assert "And @nobody." in html
    assert not Notification.objects.exists()


def test_dates_and_addresses():
    load(
        article(published_at=T0),
        comment(1, created_at=None, ip_address="192.0.2.7"),
        comment(2, created_at=datetime(2015, 1, 2, 3, 4, 5), ip_address="not an address"),  # noqa: DTZ001
    )

    assert by_key(1).created_at == T0  # no date: the article's
    assert by_key(1).ip_address == "192.0.2.7"
    assert by_key(2).created_at == datetime(2015, 1, 2, 3, 4, 5, tzinfo=UTC)  # naive: UTC
    assert by_key(2).ip_address is None


# --- Authors -----------------------------------------------------------------


def test_guests_are_named_accounts_that_cannot_sign_in():
    summary = load(
        article(),
        comment(1, author_name="Mr WordPress", author_email=""),
        comment(2, author_name="  Mr   WordPress ", author_email=""),
        comment(3, author_name="Ohai", author_email="OHAI@example.org"),
        comment(4, author_name="Ohai", author_email="ohai@example.org"),
        comment(5, author_name="", author_email=""),
        comment(6, author_name="x" * 300, author_email=""),
    )

    assert summary.guests == 4
    guests = User.objects.filter(is_guest=True)
    assert guests.count() == 4
    mr = by_key(1).author
    assert by_key(2).author == mr
    assert (mr.first_name, mr.display_name) == ("Mr WordPress", "Mr WordPress")
    assert mr.username.startswith("guest-")
    assert by_key(3).author == by_key(4).author
    assert by_key(3).author.email == "OHAI@example.org"
    assert by_key(5).author.display_name == "Anonymous"
    assert len(by_key(6).author.first_name) == 150
    for guest in guests:
        assert not guest.has_usable_password()
        login = RequestFactory().post("/accounts/login/")  # django-axes needs the request
        assert authenticate(login, username=guest.username, password="") is None
    # The next run finds the same guests.
    again = load(article(), comment(7, author_name="Mr WordPress", author_email=""))
    assert again.guests == 0
    assert by_key(7).author == mr


def test_a_reader_named_like_a_guest_does_not_get_the_guests_comments():
    load(article(), comment(1, author_name="Mr WordPress", author_email=""))
    guest = by_key(1).author
    Comment.objects.all().delete()
    User.objects.filter(pk=guest.pk).update(username="someone-else")
    squatter = UserFactory(username=guest.username)  # signed up under the guest's name

    load(article(), comment(2, author_name="Mr WordPress", author_email=""))

    author = by_key(2).author
    assert author != squatter
    assert author.is_guest
    assert author.username.startswith(guest.username)
    assert len(author.username) > len(guest.username)


def test_registered_authors_are_matched_by_email_then_login():
    by_email = UserFactory(username="jl", email="Picard@Enterprise.example")
    by_login = UserFactory(username="riker", email="")
    someone_else = UserFactory(username="data", email="data@elsewhere.example")

    summary = load(
        AuthorRecord(login="jeanluc", email="picard@enterprise.example"),
        AuthorRecord(login="Riker", email="will@enterprise.example"),
        AuthorRecord(login="data", email="data@enterprise.example", display_name="Mr Data"),
        AuthorRecord(login="worf son", email="", first_name="Worf", last_name="Rozhenko"),
        article(author_login="jeanluc"),
        comment(1, author_login="data", author_name="Data"),
        comment(2, author_login="Riker"),
        comment(3, author_login="troi", author_name="Deanna Troi", author_email="troi@e.example"),
    )

    assert summary.users == 3  # data-2, worf_son, troi
    assert Article.objects.get().author == by_email
    assert by_key(2).author == by_login
    data = by_key(1).author
    assert data != someone_else
    assert (data.username, data.email, data.first_name) == (
        "data-2",
        "data@enterprise.example",
        "Mr Data",
    )
    worf = User.objects.get(username="worf_son")
    assert (worf.get_full_name(), worf.is_guest) == ("Worf Rozhenko", False)
    troi = by_key(3).author
    assert (troi.username, troi.first_name, troi.is_guest) == ("troi", "Deanna Troi", False)
    for user in (data, worf, troi):
        assert not user.has_usable_password()
    # A second run matches every one of them again.
    again = load(
        AuthorRecord(login="data", email="data@enterprise.example"),
        AuthorRecord(login="worf son"),
        article(),
        comment(3, author_login="troi", author_email="troi@e.example"),
    )
    assert again.users == 0


# --- Articles ----------------------------------------------------------------


def test_articles_keep_their_fields_slug_and_tags():
    ArticleFactory(slug="taken")
    summary = load(
        article(
            "wp:test:1",
            title='Slashes aren\\\'t \\"cool\\"',
            slug="taken",
            body="<p>Body</p><script>alert(1)</script>",
            tags=('a \\"great\\" category', "foo\\'bar", "Star Trek"),
            comments_open=False,
        ),
        article("wp:test:2", title="A draft", slug="", status="draft", published_at=None),
        article("wp:test:3", title="Fresh", slug="fresh-slug", body=""),
        article("wp:test:4", title="Ελληνικά", slug="%ce%b5%ce%bb"),
    )

    assert summary.articles == 4
    first = Article.objects.get(source_key="wp:test:1")
    assert first.title == 'Slashes aren\\\'t \\"cool\\"'
    assert first.slug == "slashes-arent-cool"  # "taken" was taken
    assert "<script" not in first.body_html
    assert not first.comments_open
    assert first.published_at == T0
    assert first.status == Article.Status.PUBLISHED
    assert sorted(first.tags.values_list("name", flat=True)) == [
        "Star Trek",
        'a \\"great\\" category',
        "foo\\'bar",
    ]
    assert sorted(first.tags.values_list("slug", flat=True)) == [
        "a-great-category",
        "foobar",
        "star-trek",
    ]
    draft = Article.objects.get(source_key="wp:test:2")
    assert (draft.status, draft.published_at, draft.slug) == ("draft", None, "a-draft")
    fresh = Article.objects.get(source_key="wp:test:3")
    assert fresh.slug == "fresh-slug"
    assert fresh.body  # required: a placeholder
    greek = Article.objects.get(source_key="wp:test:4")
    assert greek.slug.isascii()
    assert greek.slug
    # Tags are found again, not duplicated.
    load(article("wp:test:5", title="More", tags=("star trek",)))
    assert Tag.objects.count() == 3


# --- Idempotence, dry run, rollback -------------------------------------------


def sample_records() -> list:
    return [
        AuthorRecord(login="admin", email="admin@old.example"),
        article(author_login="admin"),
        comment(1),
        comment(2, parent=1, status="pending"),
        comment(3, parent=2),
        comment(4, author_name="Guest"),
        article("wp:test:2", title="Second"),
        comment("x", article_key="wp:test:2"),
        Skipped("article", "wp:test:9", "attachment (not an article)"),
    ]


def test_a_second_run_adds_nothing():
    first = load(*sample_records())
    state = db_state()

    second = load(*sample_records())

    assert (first.articles, first.comments, first.users, first.guests) == (2, 5, 1, 2)
    assert (second.articles, second.comments, second.users, second.guests) == (0, 0, 0, 0)
    assert second.already_imported == 7
    assert db_state() == state
    assert "Already imported (left as they are): 7 items." in summary_lines(second)


def test_new_replies_to_comments_imported_before_join_their_thread():
    load(article(), comment(1), comment(2, parent=1))
    root = by_key(1)
    live = comment_create(article=root.article, author=UserFactory(), body="live", parent=root)

    summary = load(
        article(),
        comment(1),
        comment(2, parent=1),
        comment(3, parent=2),
        comment(4, parent=3, status="pending"),
        comment(5, parent=1, created_at=T0 - timedelta(days=1)),
    )

    assert (summary.comments, summary.already_imported, summary.orphans) == (3, 3, [])
    root.refresh_from_db()
    assert by_key(3).parent == by_key(2)
    assert by_key(3).tree_id == root.tree_id
    assert (root.reply_count, root.descendant_count) == (3, 4)  # 2, 5, live; + 3
    assert Comment.objects.get(pk=live.pk).tree_id == root.tree_id
    assert_trees_valid()


def test_dry_run_writes_nothing_and_says_what_it_would_do():
    state = db_state()

    summary = load(*sample_records(), dry_run=True)

    assert db_state() == state
    assert (summary.articles, summary.comments, summary.guests) == (2, 5, 2)
    lines = summary_lines(summary, dry_run=True)
    assert lines[0].startswith("Would import: 2 articles")
    assert "  1 article: attachment (not an article)" in lines
    # And the real run afterwards does all of it.
    assert load(*sample_records()).comments == 5


def test_an_error_halfway_through_the_file_leaves_the_database_as_it_was():
    CommentFactory()
    state = db_state()

    def records() -> Iterator:
        yield from sample_records()[:6]
        yield article("wp:test:3", title="Third")  # writes the comments read so far
        yield comment("y", article_key="wp:test:3")
        raise ImportFileError("mismatched tag", line=42, column=3)

    with pytest.raises(ImportFileError, match="line 42"):
        discussions_import(records=records())

    assert db_state() == state
    assert_trees_valid()


def test_a_tree_that_fails_the_check_rolls_everything_back(monkeypatch):
    from comments.importing import loader

    state = db_state()
    real = loader._number_tree

    def broken(root, tree_id):
        nodes = real(root, tree_id)
        nodes[-1].rght = nodes[-1].lft
        return nodes

    monkeypatch.setattr(loader, "_number_tree", broken)
    with pytest.raises(loader.ImportIntegrityError, match="nothing was written"):
        load(article(), comment(1), comment(2, parent=1))
    assert db_state() == state


def test_comments_on_articles_not_imported_are_skipped():
    summary = load(
        Skipped("article", "wp:test:9", "attachment (not an article)"),
        comment(1, article_key="wp:test:9"),
        article(),
        comment(2),
        comment(2),
    )

    assert Comment.objects.count() == 1
    assert sorted(s.reason for s in summary.skipped) == [
        "attachment (not an article)",
        "listed twice in the file",
        "on an article that isn't imported",
    ]


# --- Disqus threads and existing articles -------------------------------------


def thread(key: str, link: str = "", identifier: str = "", title: str = "Thread") -> ArticleRecord:
    return ArticleRecord(source_key=key, title=title, link=link, identifier=identifier)


def test_disqus_threads_match_existing_articles_by_link_or_identifier():
    by_url = ArticleFactory(slug="first-contact")
    by_segment = ArticleFactory(slug="podcast-229")
    by_identifier = ArticleFactory(slug="the-best-of-both-worlds")
    by_identifier_path = ArticleFactory(slug="yesterdays-enterprise")
    posts = [
        CommentRecord("disqus:1", "disqus:t1", None, "On first contact", T0),
        CommentRecord("disqus:2", "disqus:t2", None, "On podcast 229", T0),
        CommentRecord("disqus:3", "disqus:t3", None, "On BoBW", T0),
        CommentRecord("disqus:4", "disqus:t4", None, "On YE", T0),
        CommentRecord("disqus:5", "disqus:t5", None, "On a new one", T0),
        CommentRecord("disqus:6", "disqus:t6", None, "On the https copy", T0),
    ]

    summary = load(
        thread("disqus:t1", link=f"https://trek.example{by_url.get_absolute_url()}"),
        thread("disqus:t2", link="https://radio-t.com/p/2011/03/05/podcast-229/"),
        thread("disqus:t3", link="https://old.example/?p=3", identifier="the-best-of-both-worlds"),
        thread("disqus:t4", identifier=by_identifier_path.get_absolute_url()),
        thread("disqus:t5", link="http://old.example/2011/03/229_8880.html", title="New"),
        thread("disqus:t6", link="https://old.example/2011/03/229_8880.html"),
        *posts,
        threads=True,
    )

    assert (summary.articles_matched, summary.articles) == (5, 1)
    assert by_key_raw("disqus:1").article == by_url
    assert by_key_raw("disqus:2").article == by_segment
    assert by_key_raw("disqus:3").article == by_identifier
    assert by_key_raw("disqus:4").article == by_identifier_path
    created = Article.objects.get(source_key="disqus:t5")
    assert created.title == "New"
    assert by_key_raw("disqus:5").article == created
    assert by_key_raw("disqus:6").article == created  # the same page under https
    assert_trees_valid()

    again = load(
        thread("disqus:t1", link=f"https://trek.example{by_url.get_absolute_url()}"),
        thread("disqus:t5", link="http://old.example/2011/03/229_8880.html", title="New"),
        posts[0],
        posts[4],
        threads=True,
    )
    assert (again.articles, again.articles_matched, again.comments) == (0, 1, 0)
    assert again.already_imported == 3


def test_threads_without_comments_to_write_make_no_article():
    summary = load(
        thread("disqus:t1", link="https://old.example/quiet-page/"),
        thread("disqus:t2", link="https://old.example/only-deleted/"),
        thread("disqus:t3", link="https://old.example/busy-page/"),
        CommentRecord("disqus:1", "disqus:t2", None, "", T0, status="deleted"),
        CommentRecord("disqus:2", "disqus:t3", None, "Hello", T0),
        threads=True,
    )

    assert list(Article.objects.values_list("source_key", "slug")) == [("disqus:t3", "busy-page")]
    assert summary.articles == 1
    assert sorted((s.source_id, s.reason) for s in summary.skipped) == [
        ("disqus:1", "deleted, no replies"),
        ("disqus:t1", "thread with no comments to import (no article made)"),
        ("disqus:t2", "thread with no comments to import (no article made)"),
    ]


def test_without_link_matching_a_thread_is_always_a_new_article():
    ArticleFactory(slug="podcast-229")

    summary = load(thread("disqus:t2", link="https://radio-t.com/p/2011/03/05/podcast-229/"))

    assert (summary.articles, summary.articles_matched) == (1, 0)


def by_key_raw(key: str) -> Comment:
    return Comment.objects.get(source_key=key)


def test_summary_lines_read_well():
    summary = Summary(
        articles=1,
        articles_matched=0,
        comments=2,
        users=1,
        guests=3,
        already_imported=0,
        orphans=["disqus:6"],
        skipped=[
            Skipped("comment", "wp:1:2", "in the trash"),
            Skipped("comment", "wp:1:3", "in the trash"),
        ],
    )

    assert summary_lines(summary) == [
        "Imported: 1 article, 2 comments, 1 user, 3 guest authors.",
        "Already imported (left as they are): 0 items.",
        "Parent not in the file, made top-level: 1 comment (disqus:6).",
        "Skipped:",
        "  2 comments: in the trash",
    ]


def test_nul_characters_in_a_records_text_are_dropped_not_a_database_error():
    records = [
        article(),
        CommentRecord(
            source_key="wp:test:1:1",
            article_key="wp:test:1",
            parent_key=None,
            body="Hello\x00 there",
            created_at=datetime(2024, 5, 1, tzinfo=UTC),
            author_name="Guest\x00 Name",
            author_email="guest@example.org",
        ),
    ]
    assert load(*records).comments == 1
    comment = Comment.objects.get()
    assert comment.author.display_name == "Guest Name"
    assert "\x00" not in comment.body
