"""export_discussions: WXR that WordPress and our importer read back, and a JSON tree."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from io import BytesIO, StringIO
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from articles.models import Article, Tag
from comments.importing import export
from comments.importing.export import articles_for_export, export_json, export_wxr
from comments.importing.records import ArticleRecord, AuthorRecord, CommentRecord
from comments.importing.wxr import parse_wxr
from comments.models import Comment
from comments.services import comment_edit, comment_status_set
from tests.factories import ArticleFactory, CommentFactory, TagFactory, UserFactory
from tests.helpers import add_likes

pytestmark = pytest.mark.django_db

WP = "{http://wordpress.org/export/1.2/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
DC = "{http://purl.org/dc/elements/1.1/}"
SITE = "https://trek.example"

# Microseconds on purpose: exports keep dates to the second.
T0 = datetime(2026, 3, 14, 15, 9, 26, 535897, tzinfo=UTC)

CHAIN_BODIES = [
    "Engage! 🖖 **bold** and <b>typed tags</b>",
    "a < b && c > d ]]> done",
    "Ünïcödé — “quotes” \u2018single\u2019 日本語",
    "line one\nline two\n\n> a quote",
    "||spoiler|| and [spoiler]more[/spoiler] 👾",
    "<script>alert('x')</script> not run",
    "The deepest reply, at level six.",
]


@pytest.fixture(autouse=True)
def _site_url(settings) -> None:
    settings.SITE_URL = SITE


@pytest.fixture
def people() -> dict[str, User]:
    return {
        "picard": UserFactory(username="picard", first_name="Jean-Luc", last_name="Picard"),
        "riker": UserFactory(username="riker", first_name="William", last_name="Riker"),
        "troi": UserFactory(username="troi"),
        "guest": UserFactory(
            username="guest-q1w2e3",
            first_name="Mr WordPress",
            email="mr.wp@example.org",
            is_guest=True,
        ),
    }


@pytest.fixture
def discussion(people) -> dict[str, Comment]:
    """One article's discussion, seven levels deep, in every status.

    Thread 1: the chain (levels 0-6, every author, shorthand, HTML-ish text,
    emoji), with a spam reply under its root and, under level 2, a comment its
    author deleted that still has a reply. Thread 2: pending. Thread 3:
    removed by a moderator, with a reply.
    """
    picard, riker, troi, guest = (people[k] for k in ("picard", "riker", "troi", "guest"))
    article = ArticleFactory(
        title='Q & A: "Tribbles" <live> ]]> 🖖',
        slug="q-and-a-tribbles",
        author=picard,
        published_at=T0 - timedelta(days=1),
        body="<p>Body &amp; <b>stuff</b> ]]> end</p>",
        tags=[
            TagFactory(name="Deep Space Nine", slug="deep-space-nine"),
            TagFactory(name="Q & A <live>", slug="q-a-live"),
        ],
    )
    authors = [riker, guest, troi, riker, picard, guest, troi]
    minute = 0

    def post(body: str, author: User, parent: Comment | None = None) -> Comment:
        nonlocal minute
        minute += 1
        return CommentFactory(
            article=article,
            parent=parent,
            author=author,
            body=body,
            created_at=T0 + timedelta(minutes=minute),
            ip_address="203.0.113.7",
            screen=False,
        )

    chain: list[Comment] = []
    for body, author in zip(CHAIN_BODIES, authors, strict=True):
        chain.append(post(body, author, chain[-1] if chain else None))
    nodes = {f"level{i}": node for i, node in enumerate(chain)}
    nodes["spam"] = post("Buy cheap latinum", guest, chain[0])
    nodes["deleted"] = post("I take it back", troi, chain[2])
    nodes["under_deleted"] = post("Reply under a deleted comment", riker, nodes["deleted"])
    nodes["pending"] = post("Pending thoughts", troi)
    nodes["removed"] = post("Removed but answered", riker)
    nodes["under_removed"] = post("Reply under a removed comment", troi, nodes["removed"])
    for key, status in [
        ("spam", "spam"),
        ("deleted", "deleted"),
        ("pending", "pending"),
        ("removed", "removed"),
    ]:
        comment_status_set(comment=nodes[key], status=status)
    for node in nodes.values():
        node.refresh_from_db()
    return nodes


@pytest.fixture
def other_article() -> Article:
    article = ArticleFactory(title="Elsewhere", slug="elsewhere")
    CommentFactory(article=article, body="Only on the other article")
    return article


def run_export(*args: str) -> str:
    out = StringIO()
    call_command("export_discussions", *args, stdout=out)
    return out.getvalue()


def wxr_items(document: str) -> dict[str, Element]:
    """The WXR document's items by slug (parsing it fails the test if it isn't XML)."""
    root = ElementTree.fromstring(document.encode())
    return {item.findtext(f"{WP}post_name"): item for item in root.iter("item")}


def wxr_comments(item: Element) -> dict[int, dict]:
    comments = {}
    for element in item.iter(f"{WP}comment"):
        fields = {child.tag.removeprefix(WP): child.text or "" for child in element}
        fields["meta"] = {
            meta.findtext(f"{WP}meta_key"): meta.findtext(f"{WP}meta_value")
            for meta in element.iter(f"{WP}commentmeta")
        }
        comments[int(fields["comment_id"])] = fields
    return comments


def outline(article: Article) -> str:
    """The discussion as text: tree shape, author, second, status and body of each comment."""
    rows = (
        Comment.objects.filter(article=article).select_related("author").order_by("tree_id", "lft")
    )
    return "\n".join(
        f"{'  ' * c.level}{c.author.display_name}{' (guest)' if c.author.is_guest else ''} | "
        f"{c.created_at:%Y-%m-%d %H:%M:%S} | {c.status} | {c.body!r}"
        for c in rows
    )


# --- WXR --------------------------------------------------------------------


def test_wxr_channel_names_the_site_and_every_registered_author(discussion, people):
    document = run_export("--format", "wxr")
    root = ElementTree.fromstring(document.encode())
    channel = root.find("channel")

    assert document.startswith('<?xml version="1.0" encoding="UTF-8" ?>')
    assert channel.findtext(f"{WP}wxr_version") == "1.2"
    assert channel.findtext(f"{WP}base_site_url") == SITE
    authors = {
        a.findtext(f"{WP}author_login"): (
            int(a.findtext(f"{WP}author_id")),
            a.findtext(f"{WP}author_display_name"),
            a.findtext(f"{WP}author_email"),
        )
        for a in channel.iter(f"{WP}author")
    }
    # The article's author and the registered commenters; never a guest.
    assert authors == {
        "picard": (people["picard"].pk, "Jean-Luc Picard", "picard@example.org"),
        "riker": (people["riker"].pk, "William Riker", "riker@example.org"),
        "troi": (people["troi"].pk, "troi", "troi@example.org"),
    }
    tags = {t.findtext(f"{WP}tag_slug"): t.findtext(f"{WP}tag_name") for t in channel}
    assert tags.get("q-a-live") == "Q & A <live>"


def test_wxr_item_carries_the_article(discussion):
    article = discussion["level0"].article
    item = wxr_items(run_export("--format", "wxr"))["q-and-a-tribbles"]

    assert item.findtext("title") == 'Q & A: "Tribbles" <live> ]]> 🖖'
    assert item.findtext("link") == f"{SITE}/articles/q-and-a-tribbles/"
    assert item.findtext(f"{DC}creator") == "picard"
    assert item.findtext(f"{CONTENT}encoded") == "<p>Body &amp; <b>stuff</b> ]]> end</p>"
    assert item.findtext(f"{WP}post_id") == str(article.pk)
    assert item.findtext(f"{WP}post_date_gmt") == "2026-03-13 15:09:26"
    assert item.findtext(f"{WP}status") == "publish"
    assert item.findtext(f"{WP}post_type") == "post"
    assert item.findtext(f"{WP}comment_status") == "open"
    assert sorted((c.get("domain"), c.get("nicename"), c.text) for c in item.iter("category")) == [
        ("post_tag", "deep-space-nine", "Deep Space Nine"),
        ("post_tag", "q-a-live", "Q & A <live>"),
    ]


def test_wxr_comments_keep_raw_text_parents_authors_and_statuses(discussion, people):
    comments = wxr_comments(wxr_items(run_export("--format", "wxr"))["q-and-a-tribbles"])

    assert len(comments) == len(discussion)
    for key, node in discussion.items():
        fields = comments[node.pk]
        assert fields["comment_content"] == node.body, key
        assert fields["comment_parent"] == str(node.parent_id or 0), key
        assert fields["comment_author"] == node.author.display_name, key
        assert fields["comment_author_IP"] == "203.0.113.7"
    level1 = comments[discussion["level1"].pk]
    assert level1["comment_content"] == "a < b && c > d ]]> done"
    assert level1["comment_user_id"] == "0"  # the guest
    assert level1["comment_author_email"] == "mr.wp@example.org"
    assert comments[discussion["level0"].pk]["comment_user_id"] == str(people["riker"].pk)
    assert comments[discussion["level0"].pk]["comment_date_gmt"] == "2026-03-14 15:10:26"
    approved = {key: comments[node.pk]["comment_approved"] for key, node in discussion.items()}
    assert approved == {
        **{f"level{i}": "1" for i in range(7)},
        "spam": "spam",
        "deleted": "trash",
        "under_deleted": "1",
        "pending": "0",
        "removed": "trash",
        "under_removed": "1",
    }
    # Trash doesn't say which kind of hidden; the meta does.
    markdown = {"trekboard_format": "markdown"}
    assert comments[discussion["removed"].pk]["meta"] == markdown | {"trekboard_status": "removed"}
    assert comments[discussion["deleted"].pk]["meta"] == markdown | {"trekboard_status": "deleted"}
    assert comments[discussion["level0"].pk]["meta"] == markdown


def test_wxr_local_dates_follow_the_site_time_zone(discussion, settings):
    settings.TIME_ZONE = "America/New_York"
    comments = wxr_comments(wxr_items(run_export("--format", "wxr"))["q-and-a-tribbles"])

    level0 = comments[discussion["level0"].pk]
    assert level0["comment_date"] == "2026-03-14 11:10:26"  # EDT, UTC-4
    assert level0["comment_date_gmt"] == "2026-03-14 15:10:26"


def test_wxr_escapes_cdata_ends_and_drops_what_xml_cannot_carry(people):
    article = ArticleFactory(slug="tricky", title="Ends ]]> here & <there>", author=people["troi"])
    comment = CommentFactory(
        article=article,
        author=people["riker"],
        body="]]>]]> first\x07bell, \x1b[0m escape, tab\tkept & <b>bold</b> ]]",
    )
    document = run_export("--format", "wxr", "--article", "tricky")

    # WordPress's own split, which its regex fallback parser understands.
    assert "]]]]><![CDATA[>]]]]><![CDATA[> first" in document
    assert "\x07" not in document
    assert "\x1b" not in document
    item = wxr_items(document)["tricky"]
    assert item.findtext("title") == "Ends ]]> here & <there>"
    assert wxr_comments(item)[comment.pk]["comment_content"] == (
        "]]>]]> firstbell, [0m escape, tab\tkept & <b>bold</b> ]]"
    )


def test_wxr_draft_and_closed_article(people):
    ArticleFactory(slug="draft-one", draft=True, closed=True, author=people["picard"])
    item = wxr_items(run_export("--format", "wxr"))["draft-one"]

    assert item.findtext(f"{WP}status") == "draft"
    assert item.findtext(f"{WP}comment_status") == "closed"
    assert item.findtext(f"{WP}post_date") == "0000-00-00 00:00:00"
    assert item.findtext(f"{WP}post_date_gmt") == "0000-00-00 00:00:00"
    assert item.find("pubDate") is None


def test_wxr_reads_back_with_our_parser(discussion, people):
    records = list(parse_wxr(BytesIO(run_export("--format", "wxr").encode())))
    authors = {r.login: r for r in records if isinstance(r, AuthorRecord)}
    (article,) = (r for r in records if isinstance(r, ArticleRecord))
    comments = {
        int(r.source_key.rsplit(":", 1)[1]): r for r in records if isinstance(r, CommentRecord)
    }

    assert authors["picard"].display_name == "Jean-Luc Picard"
    assert (article.slug, article.title, article.author_login) == (
        "q-and-a-tribbles",
        'Q & A: "Tribbles" <live> ]]> 🖖',
        "picard",
    )
    assert article.published_at == (T0 - timedelta(days=1)).replace(microsecond=0)
    assert article.tags == ("Deep Space Nine", "Q & A <live>")
    shown = {key: node for key, node in discussion.items() if key not in ("removed", "deleted")}
    for key, node in shown.items():
        record = comments[node.pk]
        assert record.body == node.body, key
        assert record.status == node.status, key
        assert record.created_at == node.created_at.replace(microsecond=0), key
        assert record.author_name == node.author.display_name, key
        assert record.author_login == ("" if node.author.is_guest else node.author.username), key
        parent = record.parent_key and int(record.parent_key.rsplit(":", 1)[1])
        assert parent == node.parent_id, key


# --- JSON -------------------------------------------------------------------


def test_json_nests_replies_with_authors_and_statuses(discussion, other_article):
    add_likes(discussion["level0"], 2)
    data = json.loads(run_export("--format", "json"))

    assert data["site"] == SITE
    assert datetime.fromisoformat(data["exported_at"])
    assert [a["slug"] for a in data["articles"]] == ["q-and-a-tribbles", "elsewhere"]
    article = data["articles"][0]
    assert article["title"] == 'Q & A: "Tribbles" <live> ]]> 🖖'
    assert article["url"] == f"{SITE}/articles/q-and-a-tribbles/"
    assert article["published_at"] == "2026-03-13T15:09:26.535897+00:00"
    assert article["status"] == "published"
    assert article["comments_open"] is True
    assert article["tags"] == ["Deep Space Nine", "Q & A <live>"]

    roots = article["comments"]
    assert [r["body"] for r in roots] == [
        CHAIN_BODIES[0],
        "Pending thoughts",
        "Removed but answered",
    ]
    assert [r["status"] for r in roots] == ["published", "pending", "removed"]
    node, depth = roots[0], 0
    assert node["likes"] == 2
    assert node["author"] == {"username": "riker", "display_name": "William Riker", "guest": False}
    while node["replies"]:
        node = node["replies"][0]
        depth += 1
        assert node["body"] == CHAIN_BODIES[depth]
    assert depth == 6
    level1 = roots[0]["replies"][1]
    assert level1["author"] == {
        "username": "guest-q1w2e3",
        "display_name": "Mr WordPress",
        "guest": True,
    }
    assert [r["body"] for r in roots[0]["replies"]] == [CHAIN_BODIES[1], "Buy cheap latinum"]
    deleted = roots[0]["replies"][0]["replies"][0]["replies"][1]
    assert (deleted["status"], deleted["replies"][0]["body"]) == (
        "deleted",
        "Reply under a deleted comment",
    )
    level0 = discussion["level0"]
    assert roots[0]["id"] == level0.pk
    assert roots[0]["body_html"] == level0.body_html
    assert roots[0]["created_at"] == "2026-03-14T15:10:26.535897+00:00"
    assert roots[0]["edited_at"] is None


def test_json_keeps_every_character_and_edit_times(people):
    article = ArticleFactory(slug="edits")
    comment = CommentFactory(article=article, author=people["troi"], body="first")
    comment_edit(comment=comment, user=people["troi"], body="second \x07 ]]> 🖖")
    comment.refresh_from_db()
    data = json.loads(run_export("--format", "json", "--article", "edits"))

    exported = data["articles"][0]["comments"][0]
    assert exported["body"] == "second \x07 ]]> 🖖"
    assert exported["edited_at"] == comment.edited_at.isoformat()


def test_json_of_an_article_without_comments():
    ArticleFactory(slug="quiet", draft=True)
    data = json.loads(run_export("--format", "json"))

    assert data["articles"][0]["comments"] == []
    assert data["articles"][0]["published_at"] is None
    assert data["articles"][0]["status"] == "draft"


def test_json_of_an_empty_site():
    assert json.loads(run_export("--format", "json"))["articles"] == []


# --- The command ------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["wxr", "json"])
def test_article_option_exports_that_article_only(discussion, other_article, fmt):
    document = run_export("--format", fmt, "--article", "elsewhere")

    assert "Only on the other article" in document
    assert "Tribbles" not in document
    assert "Engage" not in document


def test_unknown_article_slug_is_a_clear_error(discussion):
    with pytest.raises(CommandError, match="No article has the slug 'nope'"):
        run_export("--format", "wxr", "--article", "nope")


def test_format_is_required():
    with pytest.raises(CommandError, match="--format"):
        run_export()


def test_output_file_gets_the_whole_document(discussion, tmp_path):
    target = tmp_path / "export.xml"
    err = StringIO()
    call_command("export_discussions", "--format", "wxr", "--output", str(target), stderr=err)

    assert wxr_items(target.read_text(encoding="utf-8"))
    assert err.getvalue().strip() == (
        f"Exported 1 article(s) and {len(discussion)} comment(s) to {target}."
    )
    assert os.stat(target).st_mode & 0o077 == 0  # commenters' emails and IPs: owner only
    assert [p.name for p in tmp_path.iterdir()] == ["export.xml"]


def test_output_to_a_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match=r"directory .* doesn't exist"):
        run_export("--format", "json", "--output", str(tmp_path / "nowhere" / "out.json"))


def test_output_to_a_directory_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="is a directory"):
        run_export("--format", "json", "--output", str(tmp_path))


def test_a_refused_write_is_a_clear_error(tmp_path, monkeypatch):
    # As root (containers, CI) no directory is read-only, so the refusal is simulated.
    def refuse(**kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("tempfile.mkstemp", refuse)
    with pytest.raises(CommandError, match=r"Can't write to .*out\.json: Permission denied\."):
        run_export("--format", "json", "--output", str(tmp_path / "out.json"))


def test_a_failed_export_leaves_no_file(discussion, tmp_path, monkeypatch):
    def broken(**kwargs):
        yield "<?xml"
        raise RuntimeError("database went away")

    monkeypatch.setitem(export.EXPORTERS, "wxr", broken)
    with pytest.raises(RuntimeError):
        run_export("--format", "wxr", "--output", str(tmp_path / "out.xml"))
    assert list(tmp_path.iterdir()) == []


# --- Queries ----------------------------------------------------------------


def _queries(exporter, slug: str) -> int:
    with CaptureQueriesContext(connection) as context:
        for _ in exporter(articles=articles_for_export(slug=slug)):
            pass
    return len(context.captured_queries)


@pytest.mark.parametrize("exporter", [export_wxr, export_json], ids=["wxr", "json"])
def test_an_article_costs_the_same_queries_however_many_comments(people, exporter):
    small = ArticleFactory(slug="small")
    large = ArticleFactory(slug="large")
    for article, count in [(small, 2), (large, 30)]:
        parent = None
        for n in range(count):
            author = [people["riker"], people["troi"], people["guest"]][n % 3]
            parent = CommentFactory(article=article, author=author, parent=parent)

    # exists(), then (WXR) authors and tags, articles, their tags, comments.
    expected = 6 if exporter is export_wxr else 4
    assert _queries(exporter, "small") == expected
    assert _queries(exporter, "large") == expected


# --- Round trip -------------------------------------------------------------


def _empty_the_site() -> None:
    """What an empty database has: no comments, articles, tags or readers."""
    Comment.objects.all().delete()
    Article.objects.all().delete()
    Tag.objects.all().delete()
    User.objects.all().delete()


def _articles_as_text() -> list[tuple]:
    return sorted(
        (
            a.title,
            a.slug,
            a.status,
            a.comments_open,
            a.published_at and f"{a.published_at:%Y-%m-%d %H:%M:%S}",
            a.author.display_name if a.author else None,
            tuple(a.tags.values_list("name", flat=True).order_by("name")),
        )
        for a in Article.objects.all()
    )


def _html_by_body() -> dict[str, str]:
    return dict(Comment.objects.values_list("body", "body_html"))


def test_round_trip_published_pending_and_spam(people, tmp_path):
    """Export, empty the database, import: the same articles, threads, authors and dates."""
    article = ArticleFactory(
        title="Round trip 🖖 <b>&</b>",
        slug="round-trip",
        author=people["picard"],
        published_at=T0,
        tags=[TagFactory(name="Voyager", slug="voyager")],
    )
    chain: list[Comment] = []
    authors = [people["riker"], people["guest"], people["troi"], people["picard"]]
    for depth, body in enumerate(CHAIN_BODIES):
        chain.append(
            CommentFactory(
                article=article,
                parent=chain[-1] if chain else None,
                author=authors[depth % 4],
                body=body,
                created_at=T0 + timedelta(minutes=depth, microseconds=999_999),
                screen=False,
            )
        )
    spam = CommentFactory(article=article, parent=chain[1], author=people["guest"], body="Latinum")
    pending = CommentFactory(article=article, author=people["troi"], body="Held for review")
    comment_status_set(comment=spam, status="spam")
    comment_status_set(comment=pending, status="pending")
    ArticleFactory(title="Not yet", slug="not-yet", draft=True, author=people["picard"])
    ArticleFactory(title="Closed", slug="closed", closed=True, published_at=T0, author=None)
    expected = (_articles_as_text(), outline(article), _html_by_body())
    target = tmp_path / "site.xml"
    call_command("export_discussions", "--format", "wxr", "--output", str(target), verbosity=0)

    _empty_the_site()
    call_command("import_wordpress", str(target), stdout=StringIO(), stderr=StringIO())

    assert _articles_as_text() == expected[0]
    assert outline(Article.objects.get(slug="round-trip")) == expected[1]
    # The importer sanitizes the raw body again and gets the same HTML.
    assert _html_by_body() == expected[2]


def test_round_trip_keeps_removed_and_deleted_comments_and_their_replies(discussion, tmp_path):
    """Removed and deleted comments go out as trash with a trekboard_status meta."""
    article = discussion["level0"].article
    expected = outline(article)
    target = tmp_path / "site.xml"
    call_command("export_discussions", "--format", "wxr", "--output", str(target), verbosity=0)

    _empty_the_site()
    call_command("import_wordpress", str(target), stdout=StringIO(), stderr=StringIO())

    assert outline(Article.objects.get(slug=article.slug)) == expected


def test_outline_is_a_faithful_comparison(discussion):
    """The round trip compares outlines; check the outline shows what it must."""
    text = outline(discussion["level0"].article)

    assert text.splitlines()[6].startswith("            troi | 2026-03-14 15:16:26 | published")
    assert (
        "Mr WordPress (guest) | 2026-03-14 15:11:26 | published | 'a < b && c > d ]]> done'" in text
    )
    assert "| removed | 'Removed but answered'" in text
