"""``manage.py rerender_comments``: stored HTML rebuilt from what readers wrote (issue 15)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from comments import services
from comments.models import Comment, CommentRevision
from comments.sanitize import sanitize_comment
from comments.services import rendering
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

# What the old shorthand stored for a list it didn't know: one paragraph.
OLD_LIST_HTML = "<p>- Kirk<br>- Spock</p>"


def stale(comment: Comment, html: str = OLD_LIST_HTML) -> None:
    """Give a comment the HTML an older formatter stored for it."""
    Comment.objects.filter(pk=comment.pk).update(body_html=html)


def rerender(*args: str) -> str:
    out = StringIO()
    call_command("rerender_comments", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def html_of(comment: Comment) -> str:
    return Comment.objects.values_list("body_html", flat=True).get(pk=comment.pk)


def test_rebuilds_every_comment_and_a_second_run_writes_nothing():
    comments = [CommentFactory(body="- Kirk\n- Spock") for _ in range(3)]
    for comment in comments:
        stale(comment)
    untouched = CommentFactory(body="Fine as it is.")

    assert rerender("--batch-size", "2") == (
        "4 comments checked: 3 rebuilt, and 0 earlier versions.\n"
    )
    for comment in comments:
        assert html_of(comment) == "<ul><li>Kirk</li><li>Spock</li></ul>"
    assert html_of(untouched) == "<p>Fine as it is.</p>"
    assert rerender() == "4 comments checked: 0 rebuilt, and 0 earlier versions.\n"


def test_dry_run_counts_and_writes_nothing():
    comment = CommentFactory(body="- Kirk\n- Spock")
    stale(comment)
    assert "1 would be rebuilt (dry run: nothing written)" in rerender("--dry-run")
    assert html_of(comment) == OLD_LIST_HTML


def test_one_article_only_and_an_unknown_slug_is_a_clear_error():
    mine, other = CommentFactory(body="- a"), CommentFactory(body="- b")
    stale(mine, "<p>- a</p>")
    stale(other, "<p>- b</p>")
    assert "1 comments checked: 1 rebuilt" in rerender("--article", mine.article.slug)
    assert html_of(mine) == "<ul><li>a</li></ul>"
    assert html_of(other) == "<p>- b</p>"
    with pytest.raises(CommandError, match="No article has the slug 'no-such-story'"):
        rerender("--article", "no-such-story")


def test_mentions_are_linked_to_readers_who_exist_now():
    worf = UserFactory(username="worf")
    comment = CommentFactory(body="@worf and @nobody")
    stale(comment, "<p>@worf and @nobody</p>")
    rerender()
    assert html_of(comment) == sanitize_comment(
        "@worf and @nobody", mentions={"worf": worf.get_absolute_url()}
    )
    assert 'class="mention"' in html_of(comment)


def test_earlier_versions_are_rebuilt_too():
    author = UserFactory()
    comment = CommentFactory(author=author, body="- first\n- draft")
    services.comment_edit(comment=comment, user=author, body="Second thoughts.")
    CommentRevision.objects.filter(comment=comment).update(body_html="<p>- first<br>- draft</p>")
    assert rerender().endswith("and 1 earlier versions.\n")
    assert CommentRevision.objects.get(comment=comment).body_html == (
        "<ul><li>first</li><li>draft</li></ul>"
    )


def test_an_edit_between_reading_and_writing_wins(monkeypatch):
    comment = CommentFactory(body="- old")
    stale(comment, "<p>- old</p>")
    render = rendering._rendered

    def edited_meanwhile(bodies):
        rendered = render(bodies)
        # The author's edit commits after the batch read the text.
        Comment.objects.filter(pk=comment.pk).update(body="new", body_html="<p>new</p>")
        return rendered

    monkeypatch.setattr(rendering, "_rendered", edited_meanwhile)
    assert "0 rebuilt" in rerender()
    assert html_of(comment) == "<p>new</p>"


def test_the_page_shows_the_rebuilt_html_at_once(settings):
    article = ArticleFactory()
    comment = CommentFactory(article=article, body="1. Wrath of Khan\n2. First Contact")
    stale(comment, "<p>1. Wrath of Khan<br>2. First Contact</p>")
    client = Client()
    client.get(article.get_absolute_url())  # the stale page, now cached
    assert "<ol>" not in client.get(article.get_absolute_url()).content.decode()
    rerender()
    page = client.get(article.get_absolute_url()).content.decode()
    assert "<ol><li>Wrath of Khan</li><li>First Contact</li></ol>" in page


def imported(body: str, **author) -> Comment:
    """One comment imported from a WordPress export, on a post of its own."""
    from comments.importing.records import ArticleRecord, CommentRecord

    services.discussions_import(
        records=[
            ArticleRecord(source_key="wp:old", title="Old post", slug="old-post", body=""),
            CommentRecord(
                source_key="wp:old:1",
                article_key="wp:old",
                parent_key=None,
                body=body,
                created_at=None,
                **({"author_name": "Old Reader"} | author),
            ),
        ]
    )
    return Comment.objects.get(source_key="wp:old:1")


def test_imported_comments_keep_their_own_reading():
    """A WordPress comment meant its backslashes and indents literally; so does its rebuild."""
    comment = imported("\\o/ ¯\\_(ツ)_/¯\n\n    four spaces in\n\n**as typed** <b>bold</b>")
    expected = "<p>\\o/ ¯\\_(ツ)_/¯</p><p>four spaces in</p><p>**as typed** <b>bold</b></p>"
    assert comment.body_format == Comment.BodyFormat.HTML
    assert comment.body_html == expected
    stale(comment, "<p>old</p>")
    rerender()
    assert html_of(comment) == expected


def test_a_retro_spoiler_hides_an_imported_comment_and_an_edit_makes_it_markdown(moderator):
    author = UserFactory(username="oldtimer")
    comment = imported(
        "The *captain* dies", author_login="oldtimer", author_email="oldtimer@example.org"
    )
    spoilered = services.comment_retro_spoiler(comment=comment, actor=moderator)
    assert '<span class="spoiler__text">The *captain* dies</span>' in spoilered.body_html
    assert comment.author_id == author.pk  # matched by login: their own comment to edit
    edited = services.comment_edit(comment=spoilered, user=author, body="The *captain* lives")
    assert edited.body_format == Comment.BodyFormat.MARKDOWN
    assert html_of(edited) == "<p>The <em>captain</em> lives</p>"
