"""import_disqus --pages: a site leaving Disqus keeps every thread under its own page (issue 17).

Threads go on the discussions of other sites' pages (``Article.external_url``),
the ones the embed opens. The files are the shared samples (described in
/work/shared/import-samples/README.md) and ``files/disqus-pages.xml``, written
for these tests: http and https copies of one page, an oddly written link, a
site the embed doesn't serve, a thread without a link, one without posts.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from articles.models import Article, EmbedSite
from articles.services import embed_sites_changed, external_page_open
from comments.importing.pages import NO_LINK, page_url
from comments.management.commands.check_comment_tree import find_violations
from comments.models import Comment, ImportRun
from tests.factories import ArticleFactory
from tests.helpers import thread_as_text

pytestmark = pytest.mark.django_db

SAMPLES = Path("/work/shared/import-samples")
PAGES = Path(__file__).parent / "files" / "disqus-pages.xml"
BLOG = ["https://blog.example.org", "http://blog.example.org"]
NOT_ALLOWED = (
    "link not on an allowed embedding site: {}; "
    "add the site in Admin › Embedding sites or EMBED_ALLOWED_ORIGINS"  # noqa: RUF001 - the admin's sign
)


def disqus(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("import_disqus", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def db_state() -> tuple:
    return (
        list(
            Article.objects.order_by("pk").values_list(
                "pk", "source_key", "external_url", "title", "comments_open", "comment_count"
            )
        ),
        list(Comment.objects.order_by("pk").values_list("pk", "tree_id", "lft", "rght")),
        list(User.objects.order_by("pk").values_list("pk", "username")),
    )


def page(url: str) -> Article:
    return Article.objects.get(external_url=url)


def post(post_id: str) -> Comment:
    return Comment.objects.get(source_key=f"disqus:post:{post_id}")


# --- Which address a thread is filed under ----------------------------------------


@pytest.mark.parametrize(
    ("allowed", "link", "url"),
    [
        # Both schemes allowed: https wins, so the http and https copies meet there.
        (BLOG, "http://blog.example.org/post/1/", "https://blog.example.org/post/1/"),
        (BLOG, "https://blog.example.org/post/1/#c2", "https://blog.example.org/post/1/"),
        # Only one allowed: the one the site's embed names its pages with.
        (["http://blog.example.org"], "https://blog.example.org/a", "http://blog.example.org/a"),
        (["https://blog.example.org"], "http://blog.example.org/a", "https://blog.example.org/a"),
        # The rest is the embed's canonical address.
        (
            ["https://*.example.org"],
            "HTTPS://News.Example.org:443/p?utm_source=x&b=2&a=1",
            "https://news.example.org/p?a=1&b=2",
        ),
        (["http://localhost:*"], "https://localhost:4000/x/", "http://localhost:4000/x/"),
    ],
)
def test_the_allowed_scheme_wins_and_https_when_both_are(settings, allowed, link, url):
    settings.EMBED_ALLOWED_ORIGINS = allowed

    assert page_url(link, frozenset()) == (url, "")


def test_an_address_on_no_allowed_site_or_no_address_says_why(settings):
    settings.EMBED_ALLOWED_ORIGINS = ["https://blog.example.org"]

    assert page_url("https://other.example.net/p/", frozenset()) == (
        None,
        NOT_ALLOWED.format("https://other.example.net"),
    )
    # The admin's list counts as the setting does.
    assert page_url("https://other.example.net/p/", frozenset({"https://other.example.net"})) == (
        "https://other.example.net/p/",
        "",
    )
    for link in ("", "  ", "post-1", "ftp://blog.example.org/p", "//blog.example.org/p"):
        assert page_url(link, frozenset()) == (None, NO_LINK)


# --- The command ----------------------------------------------------------------------


def test_threads_land_on_the_pages_they_discussed(settings):
    settings.EMBED_ALLOWED_ORIGINS = BLOG

    out = disqus(PAGES, "--pages")

    # The http copy (thread 1) made the page; the https copy (thread 2) found it.
    one = page("https://blog.example.org/post/1/")
    assert (one.title, one.source_key) == ("Post one", "disqus:thread:1")
    assert (one.status, one.comments_open, one.is_published) == ("published", True, True)
    assert one.comment_count == 5
    assert thread_as_text(one) == (
        "<p>First on http.</p> (level 0)\n"
        "  <p>Reply on http.</p> (level 1)\n"
        "<p>First on https.</p> (level 0)\n"
        "  <p>Reply on https.</p> (level 1)\n"
        "    <p>Reply to the reply.</p> (level 2)"
    )
    two = page("https://blog.example.org/post/2?a=1&b=2")  # host, port and query as the embed's
    assert (two.title, two.source_key, two.comments_open) == ("Post two", "disqus:thread:3", False)
    assert two.comment_count == 1
    assert post("31").article == two
    # Pages on other sites only: no article of this site was made or matched.
    assert not Article.objects.own().exists()
    assert Article.objects.count() == 2
    assert "Imported: 0 articles, 6 comments, 0 users, 3 guest authors." in out
    assert "Pages on other sites (the embed): 2 discussions made, 1 existing one matched." in out
    # The site the embed doesn't serve, and the thread with no link: skipped, said why.
    assert f"  1 thread: {NOT_ALLOWED.format('https://elsewhere.example.net')}" in out
    assert f"  1 thread: {NO_LINK}" in out
    assert "  3 comments: on an article that isn't imported" in out
    assert "  1 article: thread with no comments to import (no page discussion made)" in out
    # Nothing of the skipped threads is written: no page, comment or commenter.
    assert not Article.objects.filter(source_key__in=["disqus:thread:4", "disqus:thread:5"])
    assert not Comment.objects.filter(source_key__in=["disqus:post:41", "disqus:post:51"])
    assert not User.objects.filter(first_name__in=["Dan", "Eve", "Fay"]).exists()
    assert find_violations() == []


def test_a_second_run_adds_nothing(settings):
    settings.EMBED_ALLOWED_ORIGINS = BLOG
    disqus(PAGES, "--pages")
    state = db_state()

    out = disqus(PAGES, "--pages")

    assert db_state() == state
    assert "Imported: 0 articles, 0 comments, 0 users, 0 guest authors." in out
    assert "Pages on other sites (the embed): 0 discussions made" in out


def test_a_page_imported_before_is_found_by_its_thread_when_the_sites_change(settings):
    # Only http first: the page is filed under http://...
    settings.EMBED_ALLOWED_ORIGINS = ["http://blog.example.org"]
    disqus(PAGES, "--pages")
    assert page("http://blog.example.org/post/1/").comment_count == 5
    state = db_state()

    # Now https would win, and elsewhere.example.net is allowed too; the pages
    # made before are found by their threads, not made again under https.
    settings.EMBED_ALLOWED_ORIGINS = [*BLOG, "https://elsewhere.example.net"]
    out = disqus(PAGES, "--pages")

    assert not Article.objects.filter(external_url__startswith="https://blog.").exists()
    assert "Pages on other sites (the embed): 1 discussion made, 0 existing ones matched." in out
    elsewhere = page("https://elsewhere.example.net/page/")
    assert thread_as_text(elsewhere) == (
        "<p>Elsewhere.</p> (level 0)\n  <p>Elsewhere, a reply.</p> (level 1)"
    )
    assert db_state()[0][: len(state[0])] == state[0]
    assert find_violations() == []


def test_a_page_the_embed_made_already_is_matched_and_left_as_it_was(settings):
    settings.EMBED_ALLOWED_ORIGINS = BLOG
    made, _ = external_page_open(url="https://blog.example.org/post/1/", title="As the page says")

    out = disqus(PAGES, "--pages")

    made.refresh_from_db()
    assert (made.title, made.source_key) == ("As the page says", None)
    assert made.comment_count == 5
    assert Article.objects.count() == 2
    assert "Pages on other sites (the embed): 1 discussion made, 2 existing ones matched." in out


def test_the_admins_embedding_sites_are_allowed_too(settings, database_cache):
    settings.EMBED_ALLOWED_ORIGINS = []
    EmbedSite.objects.create(origin="https://blog.example.org")
    embed_sites_changed()

    disqus(PAGES, "--pages")

    assert set(Article.objects.values_list("external_url", flat=True)) == {
        "https://blog.example.org/post/1/",
        "https://blog.example.org/post/2?a=1&b=2",
    }


def test_no_allowed_site_imports_no_thread_and_writes_nothing(settings):
    settings.EMBED_ALLOWED_ORIGINS = []
    ArticleFactory()
    state = db_state()

    out = disqus(PAGES, "--pages")

    assert db_state() == state
    # Each named by its link's site, the one to add.
    assert f"  2 threads: {NOT_ALLOWED.format('https://blog.example.org')}" in out
    assert f"  1 thread: {NOT_ALLOWED.format('http://blog.example.org')}" in out
    assert f"  1 thread: {NOT_ALLOWED.format('https://elsewhere.example.net')}" in out


def test_a_dry_run_writes_nothing_and_says_what_it_would_make(settings):
    settings.EMBED_ALLOWED_ORIGINS = BLOG
    state = db_state()

    out = disqus(PAGES, "--pages", "--dry-run")

    assert db_state() == state
    assert "Pages on other sites (the embed): 2 discussions would be made, 1 existing" in out
    assert "nothing was written" in out


def test_isso_disqus_on_pages(settings):
    # isso-disqus.xml: thread 2 is http://example.org/ "Hello, World!"; thread 7 has no
    # title and a localhost link; post 6's thread isn't in the file; 9 is deleted, 11
    # replies to it.
    settings.EMBED_ALLOWED_ORIGINS = ["http://example.org", "http://localhost:*"]

    out = disqus(SAMPLES / "isso-disqus.xml", "--pages")

    hello = page("http://example.org/")
    assert (hello.title, hello.source_key) == ("Hello, World!", "disqus:thread:2")
    assert hello.comment_count == 3  # 4, 5 and 11; deleted 9 is kept, not counted
    assert post("5").parent == post("4")
    assert (post("9").status, post("11").parent) == (Comment.Status.DELETED, post("9"))
    assert thread_as_text(hello) == (
        "... (level 0)\n"
        "  <p>Hello, World.</p> (level 1)\n"
        " (level 0)\n"
        "  <p>Hello, World.</p> (level 1)"
    )
    # No title: the page's address is its title.
    redacted = page("http://localhost:4000/blog/2013/02/12/redacted/index.html")
    assert redacted.title == "http://localhost:4000/blog/2013/02/12/redacted/index.html"
    assert post("8").article == redacted
    assert Comment.objects.count() == 5
    assert not Article.objects.own().exists()
    assert "  1 comment: its thread isn't in the file" in out
    assert "Pages on other sites (the embed): 2 discussions made, 0 existing ones matched." in out
    assert find_violations() == []


def test_remark42_disqus_on_pages_leniently(settings):
    # remark42-disqus.xml (repaired with --lenient): thread 247918464 on the old
    # host, 247937687 (closed) on radio-t.com; 4 live posts, 1 spam, 1 malformed.
    settings.EMBED_ALLOWED_ORIGINS = ["https://radio-t.com"]

    out = disqus(SAMPLES / "remark42-disqus.xml", "--lenient", "--pages")

    podcast = page("https://radio-t.com/p/2011/03/05/podcast-229/")
    assert podcast.title == "Радио-Т: Радио-Т 229"  # noqa: RUF001 - Cyrillic on purpose
    assert not podcast.comments_open  # the thread was closed
    assert podcast.comment_count == 2
    assert podcast.comments.get(status="spam").source_key == "disqus:post:299986073"
    assert post("299619020").body.startswith("<p>The quick brown fox")
    # The old host isn't an embedding site: its thread and its two posts are skipped.
    assert f"1 thread: {NOT_ALLOWED.format('http://radio-t.umputun.com')}" in out
    assert not Comment.objects.filter(source_key="disqus:post-id:12345678890").exists()
    assert Article.objects.count() == 1
    state = db_state()

    assert ", 0 comments," in disqus(SAMPLES / "remark42-disqus.xml", "--lenient", "--pages")
    assert db_state() == state


def test_without_pages_threads_still_become_articles_here(settings):
    settings.EMBED_ALLOWED_ORIGINS = ["http://example.org", "http://localhost:*"]

    out = disqus(SAMPLES / "isso-disqus.xml")

    assert not Article.objects.filter(external_url__isnull=False).exists()
    assert Article.objects.own().count() == 2
    assert Article.objects.get(title="Hello, World!").comments.count() == 4
    assert "Pages on other sites" not in out


# --- From the admin ----------------------------------------------------------------------

ADD = reverse("admin:comments_importrun_add")


def upload(client, data: bytes, source: str, **fields):
    return client.post(
        ADD, {"source": source, "file": SimpleUploadedFile("export.xml", data), **fields}
    )


def test_the_admin_import_attaches_threads_to_pages_when_asked(
    admin_client, settings, django_capture_on_commit_callbacks
):
    settings.EMBED_ALLOWED_ORIGINS = BLOG
    form = admin_client.get(ADD).content.decode()
    assert "Attach threads to pages on other sites (the embed)" in form

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(admin_client, PAGES.read_bytes(), "disqus", pages="on")

    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.state == ImportRun.State.DONE, run.error
    assert "Pages on other sites (the embed): 2 discussions made" in run.summary
    assert NOT_ALLOWED.format("https://elsewhere.example.net") in run.summary
    assert page("https://blog.example.org/post/1/").comment_count == 5
    assert not Article.objects.own().exists()


def test_the_admin_import_without_the_choice_makes_articles(
    admin_client, settings, django_capture_on_commit_callbacks
):
    settings.EMBED_ALLOWED_ORIGINS = BLOG

    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, PAGES.read_bytes(), "disqus")

    assert ImportRun.objects.get().state == ImportRun.State.DONE
    assert not Article.objects.filter(external_url__isnull=False).exists()
    assert Article.objects.own().exists()


def test_the_choice_is_refused_for_a_wordpress_export(admin_client):
    data = (SAMPLES / "wordpress-importer-small-export.xml").read_bytes()

    response = upload(admin_client, data, "wordpress", pages="on")

    assert response.status_code == 200
    assert "Only a Disqus export has threads to attach to pages." in response.content.decode()
    assert not ImportRun.objects.exists()
