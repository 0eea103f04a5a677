"""@mentions link to profiles; spoilers stay hidden wherever a reader didn't choose to look."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.urls import reverse

from comments import services
from comments.models import Comment
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "Vader is Luke's father"
SPOILER_CONTROL = (
    '<label class="spoiler"><input type="checkbox" class="spoiler__switch" '
    'aria-label="Reveal spoiler"><span class="spoiler__text">'
)
SPOILER_TEXT = re.compile(re.escape(SPOILER_CONTROL) + r"(.*?)</span></label>")


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self._open: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open, self._text = dict(attrs), []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            self.anchors.append((self._open, "".join(self._text)))
            self._open = None


def mention_links(body_html: str) -> list[tuple[str, str]]:
    """(href, text) of every mention link in a comment's HTML."""
    parser = _Anchors()
    parser.feed(body_html)
    return [
        (attrs.get("href") or "", text)
        for attrs, text in parser.anchors
        if "mention" in (attrs.get("class") or "").split()
    ]


def post(client, article, body: str) -> Comment:
    response = client.post(
        reverse("comments:create", kwargs={"slug": article.slug}), {"body": body}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return Comment.objects.latest("pk")


# --- Mentions ----------------------------------------------------------------


def test_mention_of_an_existing_reader_links_to_their_profile(client_logged_in, article):
    UserFactory(username="spock")
    comment = post(client_logged_in, article, "Fascinating, @spock.")
    assert mention_links(comment.body_html) == [("/users/spock/", "@spock")]
    html = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert re.search(r'<a href="/users/spock/" class="mention"[^>]*>@spock</a>\.', html)


def test_unknown_names_stay_plain_text(client_logged_in, article):
    comment = post(client_logged_in, article, "Where is @nobody_here today?")
    assert mention_links(comment.body_html) == []
    assert "<a" not in comment.body_html
    assert "Where is @nobody_here today?" in comment.body_html


def test_mentions_are_case_insensitive(client_logged_in, article):
    UserFactory(username="Spock")
    comment = post(client_logged_in, article, "@SPOCK and @spock agree")
    assert mention_links(comment.body_html) == [
        ("/users/Spock/", "@SPOCK"),
        ("/users/Spock/", "@spock"),
    ]


def test_email_addresses_are_not_mentions(client_logged_in, article):
    UserFactory(username="enterprise")
    comment = post(client_logged_in, article, "Write to kirk@enterprise about it")
    assert mention_links(comment.body_html) == []
    assert "kirk@enterprise" in comment.body_html


def test_urls_with_an_at_sign_are_not_mentions(client_logged_in, article):
    UserFactory(username="spock")
    comment = post(client_logged_in, article, "See https://example.com/@spock/posts for more")
    assert mention_links(comment.body_html) == []
    parser = _Anchors()
    parser.feed(comment.body_html)
    assert [attrs.get("href") for attrs, _ in parser.anchors] == [
        "https://example.com/@spock/posts"
    ]


def test_mention_inside_a_spoiler_still_links(client_logged_in, article):
    UserFactory(username="spock")
    comment = post(client_logged_in, article, "||@spock dies||")
    assert mention_links(comment.body_html) == [("/users/spock/", "@spock")]
    assert comment.body_html.count(SPOILER_CONTROL) == 1


def test_mention_markup_cannot_be_smuggled_in(client_logged_in, article):
    UserFactory(username="spock")
    comment = post(
        client_logged_in, article, '<a href="javascript:alert(1)" class="mention">@spock</a>'
    )
    assert "javascript:" not in comment.body_html


def test_inactive_readers_are_not_linked(client_logged_in, article):
    UserFactory(username="gone", is_active=False)
    comment = post(client_logged_in, article, "Miss you @gone")
    assert mention_links(comment.body_html) == []


# --- Spoilers ----------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [f"Big news: ||{SECRET}||!", f"Big news: [spoiler]{SECRET}[/spoiler]!"],
)
def test_spoilers_render_as_reveal_controls(client, article, body):
    comment = CommentFactory(article=article, body=body)
    html = client.get(article.get_absolute_url()).content.decode()
    match = SPOILER_TEXT.search(html)
    assert match
    assert unescape(match.group(1)) == SECRET
    assert "||" not in comment.body_html
    assert "[spoiler]" not in comment.body_html


def test_multi_paragraph_spoiler_hides_every_paragraph(article):
    comment = CommentFactory(
        article=article, body="[spoiler]First secret.\n\nSecond secret.[/spoiler] Safe."
    )
    spans = SPOILER_TEXT.findall(comment.body_html)
    assert spans == ["First secret.", "Second secret."]
    assert "Safe." in comment.body_html


@pytest.fixture
def spoiled(article) -> Comment:
    return CommentFactory(
        article=article, body=f"What a twist. ||{SECRET}|| Did not see it coming."
    )


def _title_and_description(html: str) -> tuple[str, str]:
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    description = re.search(r'<meta name="description" content="([^"]*)"', html).group(1)
    return unescape(title), unescape(description)


def test_permalink_title_and_description_mask_the_spoiler(client, spoiled):
    html = client.get(reverse("comments:detail", kwargs={"pk": spoiled.pk})).content.decode()
    title, description = _title_and_description(html)
    assert SECRET not in title
    assert SECRET not in description
    assert "What a twist." in description
    assert "[spoiler]" in description
    assert "Did not see it coming." in description


def test_article_page_head_never_carries_a_comment_spoiler(client, spoiled):
    html = client.get(spoiled.article.get_absolute_url()).content.decode()
    title, description = _title_and_description(html)
    assert SECRET not in title
    assert SECRET not in description
    # In the body it is there, inside its spoiler span.
    assert SPOILER_CONTROL in html


def test_reply_permalink_with_a_spoiler_keeps_its_head_clean(client, spoiled):
    reply = CommentFactory(parent=spoiled, body=f"[spoiler]{SECRET}, yes[/spoiler]")
    html = client.get(reverse("comments:detail", kwargs={"pk": reply.pk})).content.decode()
    title, description = _title_and_description(html)
    assert SECRET not in title
    assert SECRET not in description


def test_inbox_preview_masks_the_spoiler(client_logged_in, user, article):
    mine = CommentFactory(article=article, author=user)
    CommentFactory(parent=mine, body=f"Spoiler ahead: ||{SECRET}|| enjoy")
    html = unescape(client_logged_in.get(reverse("comments:inbox")).content.decode())
    assert "Spoiler ahead: [spoiler] enjoy" in html
    assert SECRET not in html


def test_notification_email_masks_the_spoiler(article, django_capture_on_commit_callbacks):
    reader = UserFactory(email_notifications=True)
    mine = CommentFactory(article=article, author=reader)
    with django_capture_on_commit_callbacks(execute=True):
        CommentFactory(parent=mine, body=f"Spoiler ahead: ||{SECRET}|| enjoy")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "Spoiler ahead: [spoiler] enjoy" in message.body
    assert SECRET not in message.body
    assert SECRET not in message.subject


def test_mention_email_masks_a_spoiler_written_in_the_edit(
    article, django_capture_on_commit_callbacks
):
    UserFactory(username="sulu", email_notifications=True)
    author = UserFactory()
    comment = CommentFactory(article=article, author=author, body="Nothing to see")
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_edit(
            comment=comment, user=author, body=f"@sulu [spoiler]{SECRET}[/spoiler]"
        )
    assert len(mail.outbox) == 1
    assert SECRET not in mail.outbox[0].body
    assert "[spoiler]" in mail.outbox[0].body
