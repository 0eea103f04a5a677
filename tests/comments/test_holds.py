"""Screening new comments: blocked and held words, too many links, new accounts' first posts."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from comments import services
from comments.models import Comment, Notification, WordRule
from comments.views import HELD_MESSAGE
from tests.factories import CommentFactory, UserFactory, WordRuleFactory
from tests.helpers import comment_block, make_editor

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
LINKS = "https://memory-alpha.fandom.com/a https://example.com/b www.example.org/c"


def rule(phrase: str, action: str = WordRule.Action.HOLD) -> WordRule:
    return WordRuleFactory(phrase=phrase, action=action)


def post(author, article, body: str, parent: Comment | None = None) -> Comment:
    return services.comment_create(article=article, author=author, body=body, parent=parent)


def create_url(article) -> str:
    return reverse("comments:create", kwargs={"slug": article.slug})


# --- Blocked words -------------------------------------------------------------


def test_blocked_word_refuses_the_comment_naming_the_word(user, article):
    rule("tribble", WordRule.Action.BLOCK)
    with pytest.raises(ValidationError) as refused:
        post(user, article, "Those TRIBBLE things again")
    assert "“tribble”" in refused.value.messages[0]
    assert "isn't allowed" in refused.value.messages[0]
    assert not Comment.objects.exists()


def test_blocked_word_in_a_reply_saves_nothing(user, article):
    parent = CommentFactory(article=article)
    rule("tribble", WordRule.Action.BLOCK)
    with pytest.raises(ValidationError, match="tribble"):
        post(user, article, "tribble", parent=parent)
    parent.refresh_from_db()
    assert Comment.objects.count() == 1
    assert parent.reply_count == 0
    assert not Notification.objects.exists()


def test_blocked_word_via_the_form_keeps_the_text(client_logged_in, article):
    rule("tribble", WordRule.Action.BLOCK)
    response = client_logged_in.post(create_url(article), {"body": "I love my Tribble <3"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Your comment contains “tribble”, which isn&#x27;t allowed here." in html
    assert "I love my Tribble &lt;3</textarea>" in html
    assert not Comment.objects.exists()


def test_blocked_word_via_htmx_answers_with_the_form_and_text(client_logged_in, article):
    rule("tribble", WordRule.Action.BLOCK)
    response = client_logged_in.post(create_url(article), {"body": "A tribble!"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 400
    assert html.lstrip().startswith("<form")
    assert "“tribble”" in html
    assert "A tribble!</textarea>" in html
    assert not Comment.objects.exists()


def test_block_wins_over_hold(user, article):
    rule("tribble", WordRule.Action.HOLD)
    rule("klingon", WordRule.Action.BLOCK)
    with pytest.raises(ValidationError, match="klingon"):
        post(user, article, "A tribble on a Klingon ship")
    assert not Comment.objects.exists()


def test_moderators_are_blocked_too(moderator, article):
    rule("tribble", WordRule.Action.BLOCK)
    with pytest.raises(ValidationError, match="tribble"):
        post(moderator, article, "tribble")


def test_editing_in_a_blocked_word_is_refused(user, article):
    """A blocked word can't be slipped in afterwards, through the edit form."""
    comment = post(user, article, "An innocent comment")
    rule("tribble", WordRule.Action.BLOCK)
    with pytest.raises(ValidationError, match="tribble"):
        services.comment_edit(comment=comment, user=user, body="An innocent tribble")
    comment.refresh_from_db()
    assert comment.body == "An innocent comment"


# --- Held words ----------------------------------------------------------------


def test_held_word_sends_the_comment_to_the_queue(user, article):
    rule("tribble")
    comment = post(user, article, "My tribble had babies")
    assert comment.status == Comment.Status.PENDING
    assert "tribble" in comment.moderation_reason
    comment.refresh_from_db()
    assert comment.is_pending


@pytest.mark.parametrize(
    ("body", "held"),
    [
        ("Klingon", True),
        ("the KLINGON ship", True),
        ("Qapla'! (klingon)", True),
        ("klingon, klingon.", True),
        ("Klingons", False),
        ("Klingonese opera", False),
        ("proto-klingonish", False),
        ("ex_klingon", False),
    ],
)
def test_words_match_whole_words_ignoring_case(body, held, user, article):
    rule("klingon")
    assert post(user, article, body).is_pending is held


@pytest.mark.parametrize(
    ("body", "held"),
    [
        ("a red shirt beams down", True),
        ("RED SHIRT", True),
        ("a red\nshirt", True),
        ("red    shirt", True),
        ("red shirts", False),
        ("redshirt", False),
        ("red, shirt", False),
        ("a red hat and a shirt", False),
    ],
)
def test_phrases_match_across_any_spacing(body, held, user, article):
    rule("  Red   Shirt ")
    assert WordRule.objects.get().phrase == "red shirt"
    assert post(user, article, body).is_pending is held


def test_phrases_with_punctuation_are_matched_literally(user, article):
    rule("c++")
    assert not post(user, article, "I write cxx").is_pending
    assert post(user, article, "I write C++ daily").is_pending


# --- Links -------------------------------------------------------------------------


def test_more_links_than_allowed_are_held(user, article, settings):
    assert settings.COMMENT_MAX_LINKS == 2
    comment = post(user, article, f"Sources: {LINKS}")
    assert comment.is_pending
    assert comment.moderation_reason == "Has 3 links (more than 2)."


def test_up_to_the_limit_is_published(user, article):
    assert post(user, article, "See https://example.com/a and www.example.org/b").is_visible


def test_mentions_are_not_links(user, article):
    for name in ["kirk", "spock", "uhura"]:
        UserFactory(username=name)
    comment = post(user, article, "@kirk @spock @uhura see https://example.com/a www.example.org/b")
    assert comment.body_html.count('class="mention"') == 3
    assert comment.is_visible


def test_the_link_limit_is_a_setting(user, article, settings):
    settings.COMMENT_MAX_LINKS = 0
    assert post(user, article, "Read https://example.com/a").is_pending
    assert post(user, article, "No links here").is_visible


# --- New accounts ------------------------------------------------------------------


def test_first_comments_of_a_new_account_are_held(user, article, settings):
    settings.HOLD_FIRST_COMMENTS = 2
    first = post(user, article, "Hello")
    second = post(user, article, "Hello again")
    third = post(user, article, "Third time")
    assert (first.status, second.status, third.status) == ("pending", "pending", "published")
    assert "first 2 comments" in first.moderation_reason


def test_holding_first_comments_is_off_by_default(user, article, settings):
    assert settings.HOLD_FIRST_COMMENTS == 0
    assert post(user, article, "Hello").is_visible


def test_accounts_with_enough_comments_are_not_held(user, article, settings):
    for number in range(2):
        post(user, article, f"Old comment {number}")
    settings.HOLD_FIRST_COMMENTS = 2
    assert post(user, article, "Now").is_visible


# --- Who is never held ---------------------------------------------------------------


@pytest.fixture(params=["moderator", "superuser", "editor"])
def trusted(request, moderator, superuser):
    """Staff of every kind: moderators, superusers and editors without moderation rights."""
    return {"moderator": moderator, "superuser": superuser, "editor": make_editor()}[request.param]


def test_staff_and_moderators_are_not_held(trusted, article, settings):
    rule("tribble")
    settings.HOLD_FIRST_COMMENTS = 5
    for body in ["A tribble", f"Links: {LINKS}", "Just talking"]:
        assert post(trusted, article, body).is_visible, body


# --- What the author sees -------------------------------------------------------------


def test_held_comment_without_javascript_redirects_with_the_message(
    client_logged_in, article, user
):
    rule("tribble")
    CommentFactory(article=article, body="Already here")
    response = client_logged_in.post(create_url(article), {"body": "My tribble"})
    comment = Comment.objects.get(author=user)
    assert comment.is_pending
    assert response.status_code == 302
    assert response["Location"] == f"/comments/{comment.pk}/#confirmation"

    html = client_logged_in.get(response["Location"]).content.decode()
    assert HELD_MESSAGE.startswith("Your comment is awaiting moderation")
    assert HELD_MESSAGE in html
    block = comment_block(html, comment.pk)
    assert "My tribble" in block
    assert "Awaiting moderation" in block
    # The article still counts only what others can see.
    assert "1 Comment<" in client_logged_in.get(article.get_absolute_url()).content.decode()


def test_held_comment_with_htmx_shows_in_place_with_the_badge(client_logged_in, article, user):
    rule("tribble")
    CommentFactory(article=article, body="Already here")
    response = client_logged_in.post(create_url(article), {"body": "My tribble"}, **HTMX)
    html = response.content.decode()
    comment = Comment.objects.get(author=user)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#comments-list"
    block = comment_block(html, comment.pk)
    assert "My tribble" in block
    assert "Awaiting moderation" in block
    assert ">1 Comment</h2>" in html  # the count is unchanged


def test_held_reply_shows_under_its_parent_for_the_author_only(
    client_logged_in, article, user, other_user
):
    rule("tribble")
    parent = CommentFactory(article=article, author=other_user, body="Parent")
    response = client_logged_in.post(
        reverse("comments:reply", kwargs={"pk": parent.pk}), {"body": "tribble reply"}
    )
    assert response.status_code == 302
    reply = Comment.objects.get(author=user)
    assert reply.is_pending
    parent.refresh_from_db()
    assert parent.reply_count == 0
    assert not Notification.objects.exists()

    own = client_logged_in.get(article.get_absolute_url()).content.decode()
    assert "Awaiting moderation" in comment_block(own, reply.pk)
    parent_author = Client()
    parent_author.force_login(other_user)
    for reader in [parent_author, Client()]:
        html = reader.get(article.get_absolute_url()).content.decode()
        assert "tribble reply" not in html
        assert f'id="comment-{reply.pk}"' not in html


def test_pending_comments_take_no_replies(user, other_user, article):
    rule("tribble")
    pending = post(user, article, "tribble")
    with pytest.raises(ValidationError, match="can't take replies"):
        post(other_user, article, "Answering", parent=pending)
