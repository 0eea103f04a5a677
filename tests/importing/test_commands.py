"""import_wordpress and import_disqus on the shared sample exports, checked in the database.

The samples and what their peers assert are described in
/work/shared/import-samples/README.md; each test names the facts it checks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import Count

from accounts.models import User
from articles.models import Article, Tag
from comments.management.commands.check_comment_tree import find_violations
from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db

SAMPLES = Path("/work/shared/import-samples")
WP_SAMPLES = sorted(p.name for p in SAMPLES.glob("*.xml") if "disqus" not in p.name)
DISQUS_SAMPLES = sorted(p.name for p in SAMPLES.glob("*disqus*.xml"))


def run(command: str, path: Path | str, *args: str) -> str:
    out = StringIO()
    call_command(command, str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def wordpress(name: str, *args: str) -> str:
    return run("import_wordpress", SAMPLES / name, *args)


def disqus(name: str, *args: str) -> str:
    return run("import_disqus", SAMPLES / name, *args)


def wp_comment(site_suffix: str) -> Comment:
    """The WordPress comment whose key ends ``:<post id>:<comment id>``."""
    return Comment.objects.get(source_key__endswith=f":{site_suffix}")


def db_state() -> tuple:
    return (
        list(Article.objects.order_by("pk").values_list("pk", "source_key")),
        list(Comment.objects.order_by("pk").values_list("pk", "tree_id", "lft", "rght")),
        list(User.objects.order_by("pk").values_list("pk", "username")),
        Tag.objects.count(),
    )


def assert_trees_valid() -> None:
    assert find_violations() == []


def test_the_samples_are_where_the_readme_says():
    assert len(WP_SAMPLES) == 6
    assert len(DISQUS_SAMPLES) == 4


# --- WordPress -----------------------------------------------------------------


def test_small_export():
    out = wordpress("wordpress-importer-small-export.xml")

    assert "Imported: 11 articles, 1 comment, 3 users, 1 guest author." in out
    assert Article.objects.count() == 11
    # 5 posts + 4 pages published; the private post and the draft page are drafts.
    assert Article.objects.filter(status="published").count() == 9
    assert set(Article.objects.filter(status="draft").values_list("title", flat=True)) == {
        "Private Post",
        "Draft Page",
    }
    draft = Article.objects.get(title="Draft Page")
    assert draft.slug == "draft-page"  # empty post_name: from the title
    hello = Article.objects.get(slug="hello-world")
    assert hello.published_at == datetime(2011, 1, 18, 7, 40, 14, tzinfo=UTC)
    assert hello.author.username == "author"  # dc:creator
    assert set(User.objects.filter(is_guest=False).values_list("username", flat=True)) == {
        "admin",
        "editor",
        "author",
    }
    assert User.objects.get(username="editor").get_full_name() == "FirstName LastName"
    assert set(Article.objects.get(title="Private Post").tags.values_list("name", flat=True)) == {
        "Tag1",
        "Tag2",
        "Tag3",
        "Uncategorized",
    }
    comment = Comment.objects.get()
    assert comment.article == hello
    assert comment.status == Comment.Status.PUBLISHED
    assert comment.author.is_guest
    assert (comment.author.display_name, comment.author.email) == ("Mr WordPress", "")
    assert "<br />" in comment.body
    assert "post&#039;s comments" in comment.body  # literal inside CDATA, not decoded
    assert "<br>" in comment.body_html
    assert comment.created_at == datetime(2011, 1, 18, 7, 40, 14, tzinfo=UTC)
    assert_trees_valid()


def test_small_export_twice_adds_nothing():
    wordpress("wordpress-importer-small-export.xml")
    state = db_state()

    out = wordpress("wordpress-importer-small-export.xml")

    assert db_state() == state
    assert Comment.objects.count() == 1
    assert "Imported: 0 articles, 0 comments, 0 users, 0 guest authors." in out
    assert "Already imported (left as they are): 12 items." in out


def test_slashes_are_kept():
    wordpress("wordpress-importer-slashes.xml")

    comment = Comment.objects.get()
    assert comment.body == "\\o/ ¯\\_(ツ)_/¯"
    # Shown as typed: the backslash keeps "_" from starting italics.
    assert comment.body_html == "<p>\\o/ ¯\\_(ツ)_/¯</p>"
    article = Article.objects.get()
    assert article.body == 'Slashes aren\\\'t \\"cool\\"'
    # The post's one category; the file's tag list (foo\'bar) names no post.
    assert list(article.tags.values_list("name", flat=True)) == ['a \\"great\\" category']


def test_serialized_comment_meta():
    wordpress("wordpress-importer-test-serialized-comment-meta.xml")

    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PUBLISHED
    assert comment.author.is_guest
    assert comment.author.display_name == "A WordPress Commenter"
    assert comment.author.email == "wapuu@wordpress.example"
    assert comment.body.count("\n") == 2
    assert comment.ip_address is None  # empty CDATA
    assert '<a href="https://gravatar.com" rel="nofollow ugc noopener">Gravatar</a>' in (
        comment.body_html
    )


def test_theme_unit_test_data():
    out = wordpress("wordpress-importer-theme-unit-test-data.xml")

    # 58 posts and 21 pages; attachments and menu items are not articles.
    assert Article.objects.count() == 79
    assert "  37 items: attachment (not an article)" in out
    assert "  70 items: menu item (not an article)" in out
    # 33 comments, less 2 pingbacks and 2 trackbacks.
    assert Comment.objects.count() == 29
    assert "  2 comments: pingback (not a comment)" in out
    assert "  2 comments: trackback (not a comment)" in out
    counts = dict(
        Article.objects.filter(comments__isnull=False)
        .values_list("source_key")
        .annotate(n=Count("comments"))
        .values_list("source_key", "n")
    )
    per_post = {key.rsplit(":", 1)[1]: n for key, n in counts.items()}
    assert per_post == {"51": 1, "155": 4, "703": 1, "1148": 20, "1149": 1, "1168": 1, "1170": 1}
    assert sorted(
        Comment.objects.filter(status="pending").values_list("source_key", flat=True)
    ) == sorted(wp_comment(key).source_key for key in ("155:1017", "703:1016", "1148:1015"))
    assert wp_comment("155:1017").parent == wp_comment("155:168")
    # "Comment Depth 01" ... "10": a chain nine replies deep.
    chain = [wp_comment(f"1148:{n}") for n in (904, 905, 906, 907, 910, 911, 912, 913, 914, 915)]
    assert [c.level for c in chain] == list(range(10))
    assert [c.parent_id for c in chain[1:]] == [c.pk for c in chain[:-1]]
    assert len({c.tree_id for c in chain}) == 1
    assert chain[0].descendant_count == 9
    # Registered commenters are matched to the imported author.
    assert {wp_comment(f"1148:{n}").author.username for n in (903, 910, 915)} == {"themedemos"}
    assert not wp_comment("1148:903").author.is_guest
    # Greek names, a 7 KB body, dates kept (GMT).
    greek = wp_comment("1148:881")
    assert greek.author.display_name == "John Γιάννης Doe Κάποιος"
    assert len(greek.body) > 7000
    assert "<script" not in greek.body_html
    assert greek.created_at == datetime(2012, 9, 3, 17, 18, 4, tzinfo=UTC)
    # A password-protected post is not made public.
    assert Article.objects.get(source_key__endswith=":1168").status == Article.Status.DRAFT
    assert_trees_valid()


def test_wxr_comprehensive():
    wordpress("wordpress-importer-wxr-comprehensive.xml")

    post = Article.objects.get(title="Comprehensive Post")
    assert Article.objects.filter(title="Comprehensive Page").exists()
    comment = Comment.objects.get()
    assert comment.source_key.endswith(":5000")
    assert (comment.article, comment.body, comment.status) == (post, "Great post!", "published")
    assert comment.author.is_guest
    assert set(post.tags.values_list("name", flat=True)) == {"News", "Updates", "T1", "T2"}
    assert post.author.username == "alice"


def test_isso_wordpress():
    wordpress("isso-wordpress.xml")

    hello = Article.objects.get(title="Hello, World…")
    assert hello.slug == "test"
    assert hello.comments.count() == 7
    first = hello.comments.order_by("created_at").first()
    assert (first.author.display_name, first.body) == ("Ohai", "Erster!1")  # trimmed
    assert first.author.email == "test@example.org"  # trailing newline and spaces gone
    assert first.ip_address == "::ffff:82.119.20.0"
    seven = wp_comment("18:7")
    assert seven.body == "Drölfter!"
    assert seven.parent == wp_comment("18:6")
    assert seven.created_at == datetime(2014, 4, 29, 15, 21, 35, tzinfo=UTC)  # GMT date only
    assert {wp_comment("18:8").parent, wp_comment("18:9").parent} == {seven}
    assert seven.level == 1
    assert wp_comment("18:9").level == 2
    ten = wp_comment("18:10")
    assert ten.body.count("\n") == 1
    assert ten.created_at == datetime(2022, 6, 6, 2, 13, 14, tzinfo=UTC)  # the GMT one
    last = wp_comment("18:11")
    assert (last.parent, last.author.display_name) == (None, "Letzter :/")
    # "/?p=4": no post id or type; its comment reuses id 11 and stays its own.
    other = Article.objects.get(title="...")
    reused = other.comments.get()
    assert reused.parent is None
    assert reused.author.display_name == "Anonymous"
    assert Article.objects.get(title="No comments").comments.count() == 0
    assert Comment.objects.count() == 8
    assert_trees_valid()


@pytest.mark.parametrize("name", WP_SAMPLES)
def test_every_wordpress_sample_imports_valid_trees_once(name):
    wordpress(name)
    state = db_state()
    assert_trees_valid()

    wordpress(name)

    assert db_state() == state


@pytest.mark.parametrize("name", WP_SAMPLES)
def test_dry_run_writes_nothing(name):
    state = db_state()

    out = wordpress(name, "--dry-run")

    assert out.startswith("Would import: ")
    assert "nothing was written" in out
    assert db_state() == state


# --- Disqus ------------------------------------------------------------------


def disqus_comment(post_id: str) -> Comment:
    return Comment.objects.get(source_key=f"disqus:post:{post_id}")


def test_isso_disqus():
    out = disqus("isso-disqus.xml")

    assert Comment.objects.count() == 5  # post 6's thread 1337 isn't in the file
    assert "  1 comment: its thread isn't in the file" in out
    hello = Article.objects.get(title="Hello, World!")
    assert hello.published_at == datetime(2012, 12, 12, 12, 12, 12, tzinfo=UTC)
    assert disqus_comment("5").parent == disqus_comment("4")
    deleted = disqus_comment("9")
    assert (deleted.status, deleted.body) == (Comment.Status.DELETED, "")
    assert disqus_comment("11").parent == deleted
    assert disqus_comment("8").article.title == (
        "http://localhost:4000/blog/2013/02/12/redacted/index.html"  # no title: the link
    )
    assert disqus_comment("8").article.slug == "redacted"  # from .../redacted/index.html
    # Thread 3 has no posts: no article.
    assert Article.objects.count() == 2
    assert "  1 article: thread with no comments to import (no article made)" in out
    # Every commenter is a guest, registered on Disqus or not.
    assert not User.objects.filter(is_guest=False).exists()
    assert disqus_comment("4").author.display_name == "peter"
    assert disqus_comment("5").body_html == "<p>Hello, World.</p>"
    assert_trees_valid()


def test_remark42_disqus_is_refused_unless_lenient():
    state = db_state()

    with pytest.raises(CommandError, match=r"not well-formed.*--lenient.*line 1, column 1"):
        disqus("remark42-disqus.xml")
    assert db_state() == state

    out = disqus("remark42-disqus.xml", "--lenient")

    # 4 live posts and 1 spam; the malformed one is skipped.
    assert Comment.objects.filter(status="published").count() == 4
    assert Comment.objects.filter(status="spam").count() == 1
    assert "unreadable post (isSpam neither true nor false)" in out
    podcast = Article.objects.get(slug="podcast-229")
    assert not podcast.comments_open  # the thread was closed
    assert podcast.title == "Радио-Т: Радио-Т 229"  # noqa: RUF001 - Cyrillic on purpose
    assert podcast.comments.filter(status="published").count() == 2
    assert podcast.comments.get(status="spam").source_key == "disqus:post:299986073"
    fox = disqus_comment("299619020")
    assert fox.body.startswith("<p>The quick brown fox")
    assert (fox.parent, fox.article, fox.author.email) == (None, podcast, "")
    assert "показал проводник" in disqus_comment("299744309").body_html
    old = Article.objects.get(slug="229_8880")
    assert old.comments.count() == 2
    assert Comment.objects.filter(source_key="disqus:post-id:12345678890").exists()
    assert_trees_valid()


def test_remark42_deleted_thread():
    disqus("remark42-disqus-deleted-thread.xml", "--lenient")

    article = Article.objects.get()
    assert article.slug == "229_8880"
    assert article.comments.filter(status="published").count() == 2


def test_remark42_deleted_post():
    out = disqus("remark42-disqus-deleted-post.xml", "--lenient")

    assert not Comment.objects.filter(source_key="disqus:post:299619020").exists()
    assert "  1 comment: deleted, no replies" in out
    assert Comment.objects.filter(status="published").count() == 3
    first = Comment.objects.filter(status="published").order_by("created_at").first()
    assert first.body.startswith("<p>Microsoft ")


@pytest.mark.parametrize("name", DISQUS_SAMPLES)
def test_every_disqus_sample_imports_once(name):
    disqus(name, "--lenient")
    state = db_state()

    out = disqus(name, "--lenient")

    assert db_state() == state
    assert ", 0 comments," in out
    assert_trees_valid()


def test_disqus_threads_find_the_articles_they_were_about():
    podcast = ArticleFactory(slug="podcast-229")
    CommentFactory(article=podcast)

    out = disqus("remark42-disqus.xml", "--lenient")

    assert "(and 1 existing article matched)" in out
    assert podcast.comments.filter(status="published").count() == 3
    assert Article.objects.count() == 2
    assert_trees_valid()


# --- Bad files -------------------------------------------------------------------


def test_a_truncated_file_is_refused_with_its_line_and_nothing_is_written(tmp_path):
    CommentFactory()
    state = db_state()
    data = (SAMPLES / "wordpress-importer-theme-unit-test-data.xml").read_bytes()
    cut = tmp_path / "cut.xml"
    cut.write_bytes(data[: len(data) * 2 // 3])  # well past many articles and comments

    with pytest.raises(CommandError, match=r"cut off.*\(line \d+, column \d+\)") as error:
        run("import_wordpress", cut)

    assert "Nothing was imported" in str(error.value)
    assert db_state() == state


def test_a_malformed_file_is_refused_with_its_line(tmp_path):
    bad = tmp_path / "bad.xml"
    text = (SAMPLES / "isso-disqus.xml").read_text()
    bad.write_text(text.replace("</message>", "</mesage>", 3))
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "</message>" in row)
    state = db_state()

    with pytest.raises(CommandError, match=rf"mismatched tag.*\(line {line}, column \d+\)"):
        run("import_disqus", bad)

    assert db_state() == state


XXE = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><title>&xxe;</title>
</item></channel></rss>
"""
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE disqus [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + ']>\n<disqus><thread dsq:id="1" xmlns:dsq="http://disqus.com/disqus-internals">'
    + "<title>&lol9;</title></thread></disqus>\n"
)


@pytest.mark.parametrize(
    ("command", "text"), [("import_wordpress", XXE), ("import_disqus", LAUGHS)]
)
def test_entities_are_refused(tmp_path, command, text):
    path = tmp_path / "evil.xml"
    path.write_text(text)

    with pytest.raises(CommandError, match=r"declares an XML entity.*line \d+"):
        run(command, path)

    assert not Article.objects.exists()


def test_a_missing_file_or_a_folder_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run("import_wordpress", tmp_path / "missing.xml")
    with pytest.raises(CommandError, match="is not a file"):
        run("import_disqus", tmp_path)


def test_the_wrong_kind_of_export_is_named(tmp_path):
    with pytest.raises(CommandError, match="import_disqus"):
        wordpress("isso-disqus.xml")
    with pytest.raises(CommandError, match="import_wordpress"):
        disqus("isso-wordpress.xml")


def test_manage_py_exits_1_with_one_line_and_no_traceback(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "trekboard.settings"}
    for args in (
        ["import_wordpress", str(tmp_path / "missing.xml")],
        ["import_disqus", str(SAMPLES / "remark42-disqus.xml"), "--dry-run"],
    ):
        result = subprocess.run(
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=120,
        )
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith("CommandError: ")


# --- Progress ------------------------------------------------------------------


def test_no_progress_bar_when_not_on_a_terminal(capsys):
    call_command("import_wordpress", str(SAMPLES / "isso-wordpress.xml"))

    captured = capsys.readouterr()
    assert captured.err == ""
    assert "Imported: 3 articles, 8 comments" in captured.out


def test_a_progress_bar_on_a_terminal(capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)

    call_command("import_wordpress", str(SAMPLES / "isso-wordpress.xml"))

    err = capsys.readouterr().err
    assert "Reading" in err
    assert "Comments: " in err
    assert "8 comments" in err
    assert "comments/s" in err
